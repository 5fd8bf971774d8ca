"""Small operations on 3-axis integer vectors held in arrays.

Functions of two or three arguments, so that the code calling them every sample
(or every 8th) keeps its frame within the 11 words MicroPython keeps off the heap.
"""


def copy(src, dst):
    """``dst`` takes the values of ``src``."""
    dst[0] = src[0]
    dst[1] = src[1]
    dst[2] = src[2]


def dot(a, b, shift):
    """The dot product of ``a`` and ``b``, shifted right by ``shift`` (unit vectors
    held x 2**shift give a cosine x 2**shift)."""
    return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) >> shift
