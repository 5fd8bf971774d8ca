"""Integer square root without floats: floats are heap objects on the ESP32."""


def isqrt(n):
    """floor(sqrt(n)) for 0 <= n < 2**30, in small-int arithmetic only."""
    if n <= 0:
        return 0
    # Newton's steps from the power of two just above the root: a handful of
    # steps instead of one per bit from n itself
    x = 1
    m = n
    while m:
        m >>= 2
        x <<= 1
    y = (x + n // x) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x
