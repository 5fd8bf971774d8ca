"""Wraparound-safe millisecond tick arithmetic, identical on device and host.

MicroPython's ``time.ticks_ms()`` wraps at 2**30 on every port. The core never
reads a clock: it is handed tick values and must compare them the way
``time.ticks_diff`` does, so that a session spanning a wrap behaves exactly as
one that does not. Every intermediate value stays inside MicroPython's small-int
range (-2**30 .. 2**30-1) so none of this allocates on the device.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

TICKS_PERIOD = const(0x40000000)  # 2**30, as on every MicroPython port
TICKS_MAX = const(0x3FFFFFFF)
_HALF = const(0x20000000)


def ticks_add(ticks, delta):
    """Return ``ticks`` moved by ``delta`` ms, wrapped into ``0..TICKS_MAX``.

    ``delta`` must be smaller in magnitude than half a period, as on MicroPython
    (which also refuses exactly minus half, so that the diff of the result is
    always ``delta``).
    The order of operations keeps every intermediate a small int.
    """
    if not -_HALF < delta < _HALF:
        raise OverflowError("ticks interval overflow")
    if delta >= 0:
        r = ticks - TICKS_MAX - 1 + delta
        if r < 0:
            r = r + TICKS_MAX + 1
    else:
        r = ticks + delta
        if r < 0:
            r = r + TICKS_MAX + 1
    return r


def ticks_diff(end, start):
    """Signed ms from ``start`` to ``end``, correct across one wrap.

    The result lies in ``-2**29 .. 2**29-1``; a larger real gap is ambiguous,
    as it is for ``time.ticks_diff``.
    """
    d = (end - start) & TICKS_MAX
    if d >= _HALF:
        d = d - TICKS_MAX - 1
    return d


class Elapsed:
    """Monotonic ms since a start tick, accumulated so that it never wraps.

    Feed it every tick you see (at least once per ~6 days of ticks); it keeps
    an integer count of elapsed ms that grows without bound, which is what
    the interval timer and the log want.
    """

    def __init__(self, start):
        self._last = start & TICKS_MAX
        self.ms = 0

    def update(self, now):
        """Advance to ``now``; a tick earlier than the last one is ignored."""
        d = ticks_diff(now, self._last)
        if d > 0:
            self.ms += d
            self._last = now & TICKS_MAX
        return self.ms
