"""Integer square root without floats: floats are heap objects on the ESP32."""


def isqrt(n):
    """floor(sqrt(n)) for 0 <= n < 2**30, in small-int arithmetic only."""
    if n <= 0:
        return 0
    x = n
    y = (x >> 1) + (x & 1)  # (x + 1) // 2 without leaving the small-int range
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x
