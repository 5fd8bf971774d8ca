"""First-order low-passes of a 3-axis sample, in integer arrays.

A filter ``f`` holds its output times ``2**shift``, so that an integer step
towards the input loses nothing: ``f += x - (f >> shift)``. Functions of three
small arguments, so that the per-sample code calling them keeps its frame
within the 11 words MicroPython keeps off the heap.
"""


def start(a, f, shift):
    """The filter ``f`` started at the sample ``a``."""
    f[0] = a[0] << shift
    f[1] = a[1] << shift
    f[2] = a[2] << shift


def follow(a, f, shift):
    """One step of the filter ``f`` towards the sample ``a``."""
    f[0] += a[0] - (f[0] >> shift)
    f[1] += a[1] - (f[1] >> shift)
    f[2] += a[2] - (f[2] >> shift)
