"""Notices bad IMU input -- missing readings, time gaps, saturation -- without crashing.

The detector must keep running through a glitching sensor, and the runner
(and the log) should hear about it once, not a hundred times a second: each
kind of problem is reported at its first occurrence and then at most once per
``_QUIET_MS``, with the number of samples affected since the last report.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from retrostride import events

NONE = const(-0x40000000)  # a missing reading (the smallest small int: no sensor reads it)
_QUIET_MS = const(10000)
_MISSING = const(0)
_GAP = const(1)
_SATURATED = const(2)
_GYRO_MISSING = const(3)
_KINDS = ("missing", "gap", "saturated", "gyro_missing")


class SensorGuard:
    """Per-sample checks; ``check`` returns True when the sample is usable."""

    def __init__(self, emit, period_ms, saturation_mm_s2):
        self._emit = emit
        self._gap_ms = 3 * period_ms
        self._sat = saturation_mm_s2
        self._last_t = -1
        self._count = [0, 0, 0, 0]
        self._next_ms = [0, 0, 0, 0]

    def check(self, buf, j):
        """Count and report problems with the sample at ``buf[j]`` (time, then
        acceleration: ``retrostride.session.FIELDS``); False if it must be skipped."""
        t = buf[j]
        if self._last_t >= 0 and t - self._last_t > self._gap_ms:
            self._note(_GAP, t)
        self._last_t = t
        sat = self._sat
        if -sat < buf[j + 1] < sat and -sat < buf[j + 2] < sat and -sat < buf[j + 3] < sat:
            return True
        return self._out_of_range(buf, j, t)  # missing (NONE is far below -sat) or saturated

    def _out_of_range(self, buf, j, t):
        if buf[j + 1] == NONE or buf[j + 2] == NONE or buf[j + 3] == NONE:
            self._note(_MISSING, t)
            return False
        self._note(_SATURATED, t)
        return True

    def gyro_missing(self, t_ms):
        """A sample whose accelerometer reading is fine but whose gyroscope's is
        not, on a board or trace that has one: the turn rate misses an update."""
        self._note(_GYRO_MISSING, t_ms)

    def _note(self, kind, t_ms):
        self._count[kind] += 1
        if t_ms >= self._next_ms[kind]:
            event = events.warning(t_ms, "sensor")
            event["detail"] = _KINDS[kind]
            event["count"] = self._count[kind]
            self._count[kind] = 0
            self._next_ms[kind] = t_ms + _QUIET_MS
            self._emit(event)
