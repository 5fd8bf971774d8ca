"""Safety rules: fall/stumble detection and the cap on continuous backward time.

Fall detection (per sample, integer only, no allocation): a fall is an
**impact** (|a| above ~3.5 g) followed within a few seconds by either a
**large change of orientation** (the body's "down" moves by more than ~50
degrees and stays there for half a second: lying on the ground) or by
**stillness** (no movement for over a second) with at least a moderate tilt.
Pure stillness after a hard step is not enough on its own: a runner who stops
dead after a heavy landing is upright, and a waist clip on a fallen runner is
tilted. The reference "down" is a slow low-pass of acceleration frozen at the
impact; the after-state is a medium low-pass that does not swing with strides.

Backward cap: continuous backward time is measured from the first of a run of
backward steps until a forward step or a pause of several seconds; when it
exceeds the cap a ``backward_limit`` warning is due (then again every
``_CAP_REPEAT_MS`` while it lasts).
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


from array import array

from retrostride.lowpass import follow, start
from retrostride.ticks import ticks_add, ticks_diff

_IMPACT2 = const(1151329)  # (3.5 g = 34335 mm/s^2 = 1073 units of 32 mm/s^2) squared
_SETTLE_MS = const(400)  # ignore the tumble itself
_WINDOW_MS = const(3000)  # the after-state must show within this
_STILL_DEV = const(1000)  # mm/s^2 L1 from the medium low-pass: "not moving"
_STILL_MS = const(1200)
_TILT_MS = const(500)
_REFRACTORY_MS = const(10000)  # one fall is reported once
# angle tests on vectors scaled to 1 g ~ 19 (>> 9), clamped to 2 g per axis:
# down moved > ~50 deg  <=>  dot < 0 or dot^2 * 12 < 5 * |r|^2 |f|^2  (cos^2 50 = 0.41)
# down moved > ~25 deg  <=>  dot < 0 or dot^2 * 100 < 82 * |r|^2 |f|^2  (cos^2 25 = 0.82)
_AXIS2G = const(38)

_WATCH = const(0)
_AFTER = const(1)


class FallDetector:
    """``feed(t, a)`` returns the impact time of a confirmed fall, else -1."""

    def __init__(self, period_ms):
        self._slow_shift = 7 if period_ms <= 14 else 6  # ~1.3 s
        self._mid_shift = 5 if period_ms <= 14 else 4  # ~0.3 s
        self._slow = array("i", (0, 0, 0))  # x 2**shift
        self._mid = array("i", (0, 0, 0))
        self._ref = array("i", (0, 0, 0))  # slow low-pass (mm/s^2) frozen at impact
        self._n = 0
        self._phase = _WATCH
        self._t_impact = 0
        self._quiet_until = 0
        self._quiet = False
        self._last_t = 0
        self._still_ms = 0
        self._tilt_ms = 0
        self._a = (0, 0, 0)  # the sample being fed (``feed``)
        self._dt = 0  # ms since the sample before

    def feed(self, t, a):
        """One sample: ``a``, 3 ints in mm/s^2 within +-16 g (``stride.CLAMP_MM``: the
        session clamps them). The impact time of a confirmed fall, else -1.

        Called every sample, so its frame is kept within 11 words (MicroPython
        takes a larger one from the heap at every call): the helpers read the
        sample from ``_a``, and the work after an impact, which is rare, is in
        ``_after``.
        """
        self._a = a
        if self._n == 0:
            start(a, self._slow, self._slow_shift)
            start(a, self._mid, self._mid_shift)
            self._last_t = t
        self._n += 1
        follow(a, self._slow, self._slow_shift)
        follow(a, self._mid, self._mid_shift)
        self._dt = ticks_diff(t, self._last_t)
        self._last_t = t
        if self._quiet and ticks_diff(t, self._quiet_until) >= 0:
            self._quiet = False
        if self._phase == _WATCH:
            if _impact(a) and not self._quiet:
                self._hit(t)
            return -1
        return self._after(t)

    def _hit(self, t):
        """An impact: freeze the slow low-pass as the reference "down"."""
        self._phase = _AFTER
        self._t_impact = t
        r = self._ref
        s = self._slow
        ss = self._slow_shift
        r[0] = s[0] >> ss
        r[1] = s[1] >> ss
        r[2] = s[2] >> ss
        self._still_ms = 0
        self._tilt_ms = 0

    def _after(self, t):
        """Within the window after an impact: a fall once the body lies tilted, or
        lies still and at least a little tilted."""
        since = ticks_diff(t, self._t_impact)
        if since > _WINDOW_MS:
            self._phase = _WATCH
            return -1
        if since < _SETTLE_MS:
            return -1
        a = self._a
        m = self._mid
        ms = self._mid_shift
        dt = self._dt
        mx = m[0] >> ms
        my = m[1] >> ms
        mz = m[2] >> ms
        dev = abs(a[0] - mx) + abs(a[1] - my) + abs(a[2] - mz)
        if dev < _STILL_DEV:
            self._still_ms += dt
        else:
            self._still_ms = 0
        tilt = self._tilt(mx, my, mz)
        if tilt >= 2:
            self._tilt_ms += dt
        else:
            self._tilt_ms = 0
        if self._tilt_ms >= _TILT_MS or (self._still_ms >= _STILL_MS and tilt >= 1):
            self._phase = _WATCH
            self._quiet = True
            self._quiet_until = ticks_add(t, _REFRACTORY_MS)
            return self._t_impact
        return -1

    def _tilt(self, fx, fy, fz):
        """0: down unchanged, 1: moved > ~25 deg, 2: moved > ~50 deg (since the impact)."""
        r = self._ref
        rx = _scale(r[0])
        ry = _scale(r[1])
        rz = _scale(r[2])
        fx = _scale(fx)
        fy = _scale(fy)
        fz = _scale(fz)
        dot = rx * fx + ry * fy + rz * fz
        if dot <= 0:
            return 2
        rr = rx * rx + ry * ry + rz * rz
        ff = fx * fx + fy * fy + fz * fz
        dd = dot * dot
        if dd * 12 < 5 * rr * ff:
            return 2
        if dd * 100 < 82 * rr * ff:
            return 1
        return 0


def _impact(a):
    """Whether the sample ``a`` is over ~3.5 g (in units of 32 mm/s^2, so the squares
    stay small ints)."""
    x = a[0] >> 5
    y = a[1] >> 5
    z = a[2] >> 5
    return x * x + y * y + z * z > _IMPACT2


def _scale(v):
    v = v >> 9
    return _AXIS2G if v > _AXIS2G else (-_AXIS2G if v < -_AXIS2G else v)


_RUN_GAP_MS = const(4000)  # no backward step for this long ends a backward run
_CAP_REPEAT_MS = const(30000)


class BackwardCap:
    """Continuous backward time against a cap; ``due(now)`` says when to warn."""

    def __init__(self, cap_ms):
        self.cap_ms = cap_ms
        self._run_start = 0
        self._last_back = 0
        self.running = False
        self._warned_at = 0
        self._warned = False
        self.longest_ms = 0

    def on_step(self, t, direction):
        if direction == "backward":
            if not self.running or ticks_diff(t, self._last_back) > _RUN_GAP_MS:
                self.running = True
                self._run_start = t
                self._warned = False
            self._last_back = t
            d = ticks_diff(t, self._run_start)
            if d > self.longest_ms:
                self.longest_ms = d
        elif direction == "forward":
            self.running = False

    def reset(self):
        """A fall: the runner is down, the stretch is over. (A pause of the plan is not:
        its stretch ends on its own evidence, a forward step or a 4 s gap.)"""
        self.running = False

    def due(self, now):
        """True once continuous backward time (first to latest backward step) passes
        the cap, and every 30 s after while the stretch goes on."""
        if not self.running:
            return False
        if ticks_diff(now, self._last_back) > _RUN_GAP_MS:
            self.running = False
            return False
        if ticks_diff(self._last_back, self._run_start) <= self.cap_ms:
            return False
        if self._warned and ticks_diff(now, self._warned_at) < _CAP_REPEAT_MS:
            return False
        self._warned = True
        self._warned_at = now
        return True
