"""Streaming step detection for a waist-worn IMU in any mounting.

Per sample (integer only, no allocation): gravity is tracked by a slow
low-pass of the acceleration; the sample's specific force along it, lightly
smoothed, goes into a ring buffer. A step is a peak of vertical acceleration
that rises above an adaptive threshold, after the signal has fallen back since
the previous step, no sooner than a cadence-dependent refractory time. The
threshold follows the typical peak of recent steps and sinks while no step
comes (a turn or a walk after a hard run is softer); after running it falls
at once to what the quiet period's bumps need (a U-turn's small steps between
two running bouts are over within 2 s). The rhythm ignores the
length of a pause, which would otherwise lock the refractory time onto every
other step, and is re-learnt when a full-strength peak comes half an interval
early. A step is dated by its highest peak; the classifier adds the
offset of the foot contact, which depends on the direction.

Isolated bumps are not steps: the first peak of a bout is held until a
second one arrives in a plausible rhythm, so standing, fidgeting and single
knocks are rejected. Each accepted step is handed, with the index range of the
stride that ends at it, to a classifier (``retrostride.gait``) that reads the
same ring buffers, and with ``lead``: each axis's odd cross-correlation with
the vertical signal, summed since the last step. Only the accelerometer is
used to find steps, so boards without a gyroscope behave the same; a gyroscope,
where there is one, only adds ``yaw`` (the turn rate about the vertical,
smoothed over about a stride, less the gyroscope's offset seen standing still),
from which the classifier tells a U-turn. The
detector also keeps the vertical of the last time the wearer stood still and
the vertical averaged while moving since: the classifier reads the wearer's
forward lean from the two.

Units: acceleration mm/s^2, time ms, all ints. Time constants are in ms and
converted to samples at the session's rate (50-200 Hz behave alike).
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from array import array

from retrostride.isqrt import isqrt
from retrostride.lowpass import follow, start
from retrostride.vec3 import copy, dot

RING = const(512)  # samples kept: 2.56 s at 200 Hz, more than one slow stride
MASK = const(511)
UNIT = const(10)  # unit gravity vector scaled by 2**UNIT
CLAMP_MM = const(156000)  # +-16 g: keeps every product a small int (the session clamps)
_GYRO_CLAMP = const(35000)  # mrad/s, 2000 degrees/s: the largest IMU range
_LP_MS = const(640)  # gravity low-pass time constant (rounded to a power of two samples)
_NORM_EVERY = const(8)  # re-normalise gravity (and check for quiet) every 8 samples
_SMOOTH_MS = const(40)  # moving average of the vertical signal
_SMOOTH_MAX = const(8)  # samples, at 200 Hz
_MIN_PEAK = const(1200)  # mm/s^2 above gravity: below this nothing is a step
_PEAK_FRACTION = const(40)  # % of the typical step peak a candidate must reach
_MIN_STEP_MS = const(200)  # 300 spm: faster than any runner
_MAX_STEP_MS = const(1500)  # 40 spm: slower is not walking
_CONFIRM_MS = const(150)  # a peak stands once nothing higher came for this long
_QUIET_MS = const(800)  # no step for this long (no rhythm yet): expect softer ones
_TYPICAL_FLOOR = const(3000)  # 40 % of it is _MIN_PEAK: lower would change nothing
_DECAY_SHIFT = const(2)  # each quiet period takes this share (1/4) off the typical peak
# ... or, after running (a typical peak above 0.6 g; walking's bar is near the
# floor already), to twice the largest bump the quiet period showed
_HARD_PEAK = const(6000)
_SEEN_TIMES = const(2)
_TILTED_COS = const(819)  # cos 37 degrees, x 2**UNIT
# standing still: the vertical within this of gravity at every 8th sample for
# this long, twice the gravity low-pass's time constant (so it has settled on
# the posture: on IPOL a shorter stillness at the start of a trial left it
# degrees off); the posture then is the wearer's upright
_STILL_MM = const(500)
_STILL_MS = const(1300)
_SAME_POSTURE_COS = const(1022)  # cos 3.6 degrees, x 2**UNIT: a later upright is this near the first
_SETTLE_MS = const(2000)  # moving for this long: past speeding up, the tilt is the lean
_LAG_MS = const(80)  # lag of the vertical/axis cross-correlation (see ``lead``)
_AXES_RING = const(64)  # raw samples kept for it: twice the lag at 200 Hz, with room
_AXES_MASK = const(63)
# the lead sums, and the turn rate takes, every 4th sample (the lag is even: a(t - 2 lag)
# was kept)
EVERY_MASK = const(3)
# mrad/s about the vertical, smoothed over ~0.6 s: turning, not running a line.
# Steps marked turning by it (gait.GaitClassifier.turning): IPOL U-turn steps 77 %
# (92 % time-reversed), walking 3.6 % (3.2 %), next to the turns; simulated
# running 0.3 %, its U-turns 100 % (a running track's bend is ~80)
TURN_MRAD_S = const(500)
# the most of the turn rate standing still that is taken for the gyroscope's offset
# (an MPU-6050's zero-rate offset may be 20 deg/s); more is someone turning slowly
_YAW_OFFSET_MAX = const(350)
_YAW_STEADY = const(25)  # mrad/s: the turn rate standing still is steady within this


class StepDetector:
    """Sample in, steps out: ``feed`` calls ``on_step(t_contact, i_peak, i_prev)``.

    ``i_peak`` and ``i_prev`` are absolute sample counts (ring index is
    ``i & MASK``) of this step's peak and of the previous step's peak, or -1
    when the step opens a bout.
    """

    def __init__(self, period_ms, on_step):
        self.period_ms = period_ms
        self._on_step = on_step
        # ring buffers shared with the classifier
        self.t = array("i", bytes(4 * RING))
        self.vert = array("i", bytes(4 * RING))  # smoothed vertical, mm/s^2 minus g
        sm = _SMOOTH_MS // period_ms if period_ms > 0 else 4
        self._smooth = 1 if sm < 1 else (_SMOOTH_MAX if sm > _SMOOTH_MAX else sm)
        self._raw = array("i", bytes(4 * _SMOOTH_MAX))
        self._raw_sum = 0
        self.n = 0  # samples seen
        lp = 0  # 2**lp samples: about _LP_MS whatever the rate
        while period_ms > 0 and (2 << lp) * period_ms <= _LP_MS + (_LP_MS >> 1):
            lp += 1
        self._lp = lp
        self._g = array("i", (0, 0, 0))  # gravity low-pass, x 2**lp
        self._a = (0, 0, 0)  # the sample being fed (``feed``)
        self.u = array("i", (0, 0, 1 << UNIT))  # unit vertical, x 2**UNIT
        self.g_mm = 9810
        # the vertical when the classifier last looked, and whether it has since
        # moved by more than ~37 degrees (the clip handled, a fall, lying down)
        self.u_ref = array("i", (0, 0, 1 << UNIT))
        self.tilted = False
        # the vertical the last time the wearer stood still (``has_still``), and
        # summed since moving settled (``u_moving`` samples): see ``_stand``
        self.u_still = array("i", (0, 0, 1 << UNIT))
        self._upright = array("i", (0, 0, 1 << UNIT))  # the first of them
        self._anchored = False  # ... once the wearer moved off from it
        self.has_still = False
        self._still = 0  # checks in a row that found the wearer still
        self._still_checks = self.checks(_STILL_MS)
        self.u_sum = array("i", (0, 0, 0))
        self.u_moving = 0
        self._moved_t = -1
        self._peak_val = 0
        self._peak_i = -1
        self._armed = True
        self._typical = 4 * _MIN_PEAK
        self._last_i = -1  # peak sample of the last accepted step
        self._last_t = -1
        self._interval = 0  # recent step interval, ms (0: no rhythm yet)
        self._held_i = -1  # first peak of a possible bout, waiting for a second
        self._held_t = -1
        self._decay_t = -1  # when the typical peak was last lowered
        self._quiet_max = 0  # the largest vertical since the last candidate or sink
        # ``lead``: per sensor axis, sum of v(t - lag) * (a(t) - a(t - 2 lag)), the
        # odd part of the vertical/axis cross-correlation, since the last step
        # (the classifier takes it). Time reversal flips its sign; the clip does
        # not turn on the runner, so within a session it keeps to one axis.
        lag = 2 * ((_LAG_MS + period_ms) // (2 * period_ms)) if period_ms > 0 else 8
        self._lag = 2 if lag < 2 else (_AXES_RING // 2 - 2 if lag >= _AXES_RING // 2 else lag)
        self._axes = array("i", bytes(12 * _AXES_RING))  # x, y, z interleaved
        self.lead = array("i", (0, 0, 0))
        # turn rate about the vertical (mrad/s), low-passed like gravity from every
        # 4th sample (``turn``, EVERY_MASK), x 2**yaw_lp
        self.yaw_lp = lp - 2 if lp > 2 else 0
        self.yaw = 0
        # ``yaw`` when the wearer last stood still: an untrimmed gyroscope's offset
        # about the vertical (up to ``_YAW_OFFSET_MAX``), taken off the turn rate
        self.yaw_still = 0
        self._yaw_ref = 0  # ... learnt once the rate held near this
        self._steady = 0  # ... for this many checks in a row (``_learn_offset``)
        self.turned_n = -1  # ``n`` when ``yaw`` was last a hard turn

    def checks(self, ms):
        """How many of the checks made every 8th sample (``_stand``) span ``ms``: at
        least one, since at a few samples a second a count of none is always met."""
        period = self.period_ms if self.period_ms > 0 else 10
        n = ms // (_NORM_EVERY * period)
        return n if n > 0 else 1

    def turn(self, g, j):
        """A gyroscope sample at ``g[j:j + 3]`` (ints, mrad/s), every 4th: its rate
        about the vertical goes into ``yaw``."""
        u = self.u
        yaw = _rate(g[j], u[0]) + _rate(g[j + 1], u[1]) + _rate(g[j + 2], u[2])
        yaw = self.yaw + (yaw >> UNIT) - (self.yaw >> self.yaw_lp)
        self.yaw = yaw
        if self.hard_turn():
            self.turned_n = self.n

    def hard_turn(self):
        """Whether the smoothed turn rate, less the offset seen standing still, is a
        hard turn."""
        yaw = (self.yaw - self.yaw_still) >> self.yaw_lp
        return yaw >= TURN_MRAD_S or -yaw >= TURN_MRAD_S

    def feed(self, t_ms, a):
        """One accelerometer sample: ``a``, 3 ints within +-``CLAMP_MM``. Returns
        nothing; steps go to on_step.

        Called every sample, so it and its helpers keep their frames within 11
        words (MicroPython takes a larger one from the heap at every call): the
        helpers read the sample from ``_a``.
        """
        self._a = a
        n = self.n
        if n == 0:
            start(a, self._g, self._lp)
        else:
            follow(a, self._g, self._lp)
        if n % _NORM_EVERY == 0:  # often enough, and a fraction of the cost
            self._normalise()
            self._sink(t_ms)
            self._stand(n, t_ms)
        self._vertical(n, t_ms)
        if n & EVERY_MASK == 0:  # a sum over a step needs only some samples
            self._sum_lead(n)
        self.n = n + 1
        self._detect(n, t_ms)

    def _vertical(self, n, t_ms):
        """Sample ``n`` along the vertical, less gravity, smoothed into the ring
        (its locals are reused: each name is one more word of frame)."""
        a = self._a
        u = self.u
        v = ((a[0] * u[0] + a[1] * u[1] + a[2] * u[2]) >> UNIT) - self.g_mm
        a = self._raw
        u = n % self._smooth
        v, a[u] = v - a[u], v
        self._raw_sum += v
        u = n & MASK
        self.t[u] = t_ms
        self.vert[u] = self._raw_sum // self._smooth

    def _sum_lead(self, n):
        """The lead's sums, and sample ``n`` kept for them (see ``lead``)."""
        lag = self._lag
        o = 3 * ((n - lag - lag) & _AXES_MASK)
        _lead(self.lead, self.vert[(n - lag) & MASK] >> 6, self._a, self._axes, o)
        _keep(self._a, self._axes, 3 * (n & _AXES_MASK))

    def _normalise(self):
        """The unit vertical ``u`` and ``g_mm`` from the gravity low-pass, and
        ``tilted`` once it moved far from ``u_ref``."""
        g = self._g
        lp = self._lp + 3
        norm = _norm(g, lp)
        if norm < 200:  # under ~0.16 g: free fall or no data; keep the old vertical
            return
        _unit(g, lp, norm, self.u)
        self.g_mm = norm << 3
        if self.n == 0:  # the first vertical is where the clip is, not a move
            copy(self.u, self.u_ref)
        if dot(self.u, self.u_ref, UNIT) < _TILTED_COS:
            self.tilted = True
            self.yaw_still = 0  # an offset about another vertical

    def _stand(self, n, t_ms):
        """The vertical when last standing still (``u_still``) and summed while
        moving since (``u_sum``, every 8th sample, so a stride's sway cancels):
        the classifier reads the wearer's lean from the two."""
        v = self.vert[(n - 1) & MASK]
        self._still = self._still + 1 if -_STILL_MM < v < _STILL_MM else 0
        if self._still >= self._still_checks:
            self._standing()
        else:
            self._moving(t_ms)

    def _standing(self):
        # the upright is the posture at the end of the first stillness (or the
        # first since the clip was moved); one far from it later (bent over,
        # sitting) is not an upright to read a lean against
        if not self.has_still:
            self._anchored = False
        if not self._anchored:
            copy(self.u, self._upright)
        if dot(self.u, self._upright, UNIT) >= _SAME_POSTURE_COS:
            copy(self.u, self.u_still)
            self.has_still = True
        self._learn_offset()
        self._moved_t = -1

    def _learn_offset(self):
        """The turn rate standing still is the gyroscope's offset once it has held
        steady as long as a stillness must last: someone turning on the spot with
        their feet still (IPOL has it) turns unevenly, a gyroscope's offset is steady."""
        y = self.yaw
        tol = _YAW_STEADY << self.yaw_lp
        if -tol < y - self._yaw_ref < tol:
            self._steady += 1
            if self._steady >= self._still_checks:
                cap = _YAW_OFFSET_MAX << self.yaw_lp
                self.yaw_still = cap if y > cap else (-cap if y < -cap else y)
        else:
            self._yaw_ref = y
            self._steady = 0

    def _moving(self, t_ms):
        s = self.u_sum
        if self._moved_t < 0:
            self._anchored = self.has_still
            self._steady = 0
            self._moved_t = t_ms
            s[0] = s[1] = s[2] = 0
            self.u_moving = 0
        elif t_ms - self._moved_t > _SETTLE_MS:
            u = self.u
            s[0] += u[0]
            s[1] += u[1]
            s[2] += u[2]
            self.u_moving += 1
            if self.u_moving >= 1024:  # a slow average, in small ints
                s[0] >>= 1
                s[1] >>= 1
                s[2] >>= 1
                self.u_moving >>= 1

    def _detect(self, n, t_ms):
        v = self.vert[n & MASK]
        if not self._armed:
            if v < (self._typical >> 3):
                self._armed = True
            else:
                return
        if v > self._quiet_max:
            self._quiet_max = v
        threshold = (self._typical * _PEAK_FRACTION) // 100
        if threshold < _MIN_PEAK:
            threshold = _MIN_PEAK
        if v > threshold and v > self._peak_val:
            self._peak_val = v
            self._peak_i = n
            return
        if self._peak_i < 0 or t_ms - self.t[self._peak_i & MASK] < _CONFIRM_MS:
            return
        peak_i = self._peak_i
        peak_v = self._peak_val
        self._peak_i = -1
        self._peak_val = 0
        self._armed = False
        self._accept(peak_i, peak_v)

    def _sink(self, t_ms):
        """Steps that stopped coming may have gone soft (a turn, slowing down,
        a run turning into a walk): lower the bar once per quiet period, by a
        quarter, and after running down to what the period's bumps need."""
        quiet = self._interval + (self._interval >> 1) if self._interval else _QUIET_MS
        ref = self._last_t if self._last_t > self._decay_t else self._decay_t
        if t_ms - ref > quiet:
            lead = self.lead  # no step to credit it to: drop it (and stay in small ints)
            lead[0] = lead[1] = lead[2] = 0
            if self._typical > _TYPICAL_FLOOR:
                self._decay_t = t_ms
                self._typical -= self._typical >> _DECAY_SHIFT
                seen = _SEEN_TIMES * self._quiet_max
                if seen < self._typical and self._typical > _HARD_PEAK:
                    self._typical = seen if seen > _TYPICAL_FLOOR else _TYPICAL_FLOOR
            self._quiet_max = 0

    def _refractory_ms(self):
        if self._interval:
            r = (self._interval * 55) // 100
            return r if r > _MIN_STEP_MS else _MIN_STEP_MS
        return _MIN_STEP_MS

    def _accept(self, peak_i, peak_v):
        self._quiet_max = 0
        t_peak = self.t[peak_i & MASK]
        cap = 2 * self._typical + _MIN_PEAK  # one knock or glitch must not deafen it
        if peak_v > cap:
            peak_v = cap
        if self._last_i >= 0:
            gap = t_peak - self._last_t
            if gap < self._refractory_ms():
                if (
                    gap < _MIN_STEP_MS
                    or 20 * gap < 9 * self._interval
                    or peak_v < self._typical - (self._typical >> 2)
                ):
                    return  # a bounce inside the same step
                # as strong as a step, about half a step interval on: the
                # rhythm was learnt over a missed step and is twice too slow
                self._interval = gap
            if gap <= _MAX_STEP_MS:
                self._typical += (peak_v - self._typical) >> 2
                if self._interval:
                    # a missed step or a pause doubles the gap; folding it in
                    # whole would raise the refractory time above the real
                    # step interval and lock the detector to every other step
                    cap = (3 * self._interval) >> 1
                    self._interval = (3 * self._interval + (gap if gap < cap else cap)) >> 2
                else:
                    self._interval = gap
                prev = self._last_i
                self._last_i, self._last_t = peak_i, t_peak
                self._on_step(self._onset(peak_i), peak_i, prev)
                return
            self._last_i = -1  # the bout ended: rhythm is lost
            self._interval = 0
        if self._held_i >= 0:
            gap = t_peak - self._held_t
            if _MIN_STEP_MS <= gap <= _MAX_STEP_MS:
                self._typical = (self._typical + peak_v) >> 1
                self._interval = gap
                self._last_i, self._last_t = peak_i, t_peak
                held = self._held_i
                self._held_i = -1
                self._on_step(self._onset(held), held, -1)
                self._on_step(self._onset(peak_i), peak_i, held)
                return
        self._held_i, self._held_t = peak_i, t_peak
        self._typical = (self._typical + peak_v) >> 1

    def _onset(self, peak_i):
        """Reference time of a step: its highest vertical peak.

        At the lower back a contact gives a double peak (impact, loading);
        the confirmation wait makes the detector keep the higher one. Where
        the contact sits relative to it depends on the direction (heel or
        toe first), so the classifier adds the fitted offset.
        """
        return self.t[peak_i & MASK]


def _lead(lead, vd, a, ring, o):
    """Add ``vd`` times each axis' change since the sample kept at ``o``."""
    d = (a[0] - ring[o]) >> 6
    lead[0] += vd * d
    d = (a[1] - ring[o + 1]) >> 6
    lead[1] += vd * d
    d = (a[2] - ring[o + 2]) >> 6
    lead[2] += vd * d


def _keep(a, ring, j):
    """Keep the sample ``a`` at ``j`` for the lead's later sums."""
    ring[j] = a[0]
    ring[j + 1] = a[1]
    ring[j + 2] = a[2]


def _norm(g, lp):
    """The length of the gravity low-pass ``g`` (held x 2**lp)."""
    x = g[0] >> lp
    y = g[1] >> lp
    z = g[2] >> lp
    return isqrt(x * x + y * y + z * z)


def _unit(g, lp, norm, u):
    """``g`` (held x 2**lp, of length ``norm``) as a unit vector x 2**UNIT into ``u``."""
    u[0] = ((g[0] >> lp) << UNIT) // norm
    u[1] = ((g[1] >> lp) << UNIT) // norm
    u[2] = ((g[2] >> lp) << UNIT) // norm


def _rate(w, u):
    """A gyroscope reading, clamped, times a component of the vertical."""
    return (_GYRO_CLAMP if w > _GYRO_CLAMP else (-_GYRO_CLAMP if w < -_GYRO_CLAMP else w)) * u
