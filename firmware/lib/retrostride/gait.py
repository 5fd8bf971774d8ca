"""Per-step gait (walk/run) and direction (forward/backward) decisions.

Reads the detector's ring buffers over the stride that ends at a step.

Gait comes from physics that holds in any mounting: a running stride has a
flight phase in which the trunk falls freely, so the vertical specific force
drops near zero (the vertical signal, gravity removed, near -g); walking always
has a foot on the ground. Cadence breaks ties.

Direction uses the one signal every mounting shares -- vertical acceleration,
from gravity -- and the fact that backward gait is forward gait played in
reverse (shared/notes/science.md). The last stride (two step intervals) of
the vertical signal is resampled to ``N`` points, centred and scaled to int8
range, and circularly cross-correlated with a forward stride template and with
the same template reversed in time. A stride that matches the reversed template
better is backward. There is one template for walking and one for running (the
gait is decided first). The templates are a property of human gait, fitted by
``host_tools/fit_gait.py`` (running *this* code) and stored in
``retrostride.gait_model``. Both are learnt to tell forward strides from
backward ones: walking's from real forward strides and the same recordings
time-reversed (the causal detector and the peak-locked window see a reversed
stride otherwise than a forward one played back, so the mean forward stride
read backward walking worse), running's, with an offset, from simulated runs,
since a heel strike's transient before the stance peak would otherwise read as
the bump a backward stride has there. The template score reads only
the vertical, so it does not depend on how the clip is turned about the vertical.

A second, relative cue: the horizontal axes lead or lag the vertical signal
(the detector's ``lead``), and under time reversal that lead flips. The clip
does not turn on the runner, so over a session the lead keeps one axis in the
sensor's frame (a U-turn turns the clip with the body and changes nothing),
pointing one way going forward and the other going backward. Which way is
forward depends on the mounting and the walker, so the session learns it from
the template scores (``relative``) and, running, from the runner's lean against
standing still (``lean_credit``: runners lean forward whichever way they run) --
or, on a plan, from its warm-up, which is taken as forward and then settles it for the
session; after that, a step's lead is strong evidence of its own.

Both are pooled over the bout with a leaky sum, and the direction only changes
when the pooled evidence for the other direction passes a hysteresis margin,
so each step is decided at its own detection (within one step of contact) yet
single odd strides do not flip it. A bout's first two steps add no evidence
(their windows are mostly the stop before it): they keep the direction of a
bout that ended less than 10 s before (a U-turn, a stumble), unless the plan
has started a new interval since, and are unknown otherwise.

Where there is a gyroscope, a step taken while turning hard about the vertical
(a U-turn's steps) adds no evidence and has no direction (``unknown``): a
U-turn changes heading, not body-relative direction (shared/notes/science.md),
and it may well change direction, so the evidence starts afresh after it.
Without one, the nearest sign of a turn is a run that turns into a walk within
a bout (slowing down, or the few small steps of turning round): the walk's
first steps start afresh, like a new bout's.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from array import array

from retrostride import gait_model
from retrostride.isqrt import isqrt
from retrostride.stride import MASK, RING, UNIT
from retrostride.vec3 import copy

FORWARD = const(0)
BACKWARD = const(1)
UNKNOWN = const(2)
WALK = const(0)
RUN = const(1)
N = const(32)  # points per resampled stride
_FLIGHT_MM = const(-5500)  # vertical below -0.56 g: near free fall
_RUN_CADENCE = const(150)
_FIRST_WINDOW_MS = const(1000)  # when a bout's first step has no rhythm yet
_LEAD_MS = const(10)  # the stride window ends this long after its step's peak
_FORGET_MS = const(10000)  # a pause longer than this starts the direction afresh
# circular shifts tried, every other point: the window ends at its step's peak as
# the template's strides did, so the best match lies within 1/8 stride of no shift
# or of one step (16 points; the two steps of a stride are alike). Trying all 16
# changed no figure by more than 0.4 points and cost 60 % more.
_SHIFTS = (28, 30, 0, 2, 4, 12, 14, 16, 18, 20)
_FREE_STEPS = const(3)  # no hysteresis before the 4th step of a bout
_BLIND_STEPS = const(2)  # a bout's first steps: their stride window is mostly the stop
_CAP_TIMES = const(10)  # the session evidence saturates at this many times full trust
_AXIS_MAX = const(4096)  # the session's lead axis is halved above this: a slow average
_LEAD_FLOOR = const(64)  # a stride's lead below this is standing, not evidence
_REL_MIN_COS = const(30)  # % : a lead this far off the session's axis says nothing
# running steps in a row before a walking step counts as the run turning into a
# walk (IPOL's walking has single steps misread as running)
_RUN_STREAK = const(4)
# a plan's warm-up is walked or run forward: each of its strides credits the sense
# its lead points to as forward with this many score units, and once this many
# have, that gait's frame is known and the template no longer moves it
_WARMUP_CREDIT = const(40)
_WARMUP_STRIDES = const(20)
# Lean: the mean vertical while running (from 2 s after standing still) against
# the vertical when standing still before. Runners lean forward whichever way
# they run, and forward strides' lead points against the lean (braking, then
# propulsion, about the mid-stance peak: both simulators; docs/detection.md), so
# the lean tells the running frame which way is forward. Each stride credits it
# with _LEAN_CREDIT units, from a lean of 5 degrees (x 2**-UNIT rad: IPOL walkers
# stood 2.2 degrees differently, median, 4.7 at the 90th percentile, after a walk
# than before it) and after 2.5 s more of moving. Not for walking: a walker's
# lean is no bigger than that, and whole time-reversed IPOL sessions went wrong
_LEAN_MIN = const(90)
_LEAN_COS = const(50)  # % : the lean must lie along the frame's axis
_LEAN_CREDIT = const(40)
_LEAN_MS = const(2500)


class GaitClassifier:
    """``classify(i_peak, i_prev, cadence)`` -> (direction, gait, confidence %)."""

    def __init__(self, detector):
        self._d = detector
        self.vec = array("i", bytes(4 * N))  # the last stride, resampled
        self._tw = array("i", gait_model.TEMPLATE)  # walking stride
        self._tr = array("i", gait_model.TEMPLATE_RUN)  # running stride
        self._vote = 0
        self._dir = UNKNOWN
        self._count = 0  # steps in this bout
        self._runs = 0  # running steps in a row
        self._doubt = False  # this bout's first steps may be a turn out of a run
        self._last_t = -1  # peak time of the last step classified
        self._fresh = False  # a plan's interval started since the last bout began
        # the stride window ends 10 ms after the peak at any sample rate: the
        # template was fitted at 100 Hz, where that is one sample, and the
        # score depends on where the grid falls relative to the peak
        period = detector.period_ms if detector.period_ms > 0 else 1
        self._lead = (_LEAD_MS + (period >> 1)) // period
        self.shift_f = 0  # best circular shift against the forward template
        self.shift_b = 0  # ... against the reversed template
        self.shift_ms = 0  # contact time minus the detector's peak time, ms
        self.contact_ms = 0  # the last step's contact time (``date``)
        self.score = 0  # last stride's score: > 0 forward-like, < 0 backward-like
        # the session's frame (see ``relative``), per gait
        self._lead_prev = array("i", (0, 0, 0))  # the detector's lead over the step before
        self._axis = array("i", bytes(4 * 6))  # per gait: the lead axis, arbitrary sense
        self._session = array("i", (0, 0))  # per gait: evidence that its + sense is forward
        self._warmup = False  # the plan's warm-up is on
        self._known = array("i", (0, 0))  # per gait: warm-up strides credited to the frame
        # the detector's moving samples (every 8th) before the lean is read
        self._lean_checks = detector.checks(_LEAN_MS)

    def new_interval(self, kind):
        """A plan's interval of ``kind`` (``retrostride.events.KINDS``) starts: the old
        direction is no longer the best guess.

        The evidence restarts, counted as a new bout's (the next two steps add
        none, the following ones decide alone); the next bout (after the runner
        stops to turn round, perhaps a few steps later) does not keep the old
        direction for its first steps. A warm-up teaches the session's frame
        which way is forward (``relative``).
        """
        self._vote = 0
        self._count = 0
        self._fresh = True
        self._warmup = kind == "warmup"

    def lean_credit(self, ax, ay, az):
        """Evidence (score units) that the running frame axis ``ax, ay, az``'s +
        sense is forward, from the runner's lean; 0 when there is none to read
        (no standing seen, not running long enough, under 5 degrees, or across
        the axis)."""
        d = self._d
        n = d.u_moving
        if not d.has_still or n < self._lean_checks:
            return 0
        us = d.u_sum
        mx = us[0] // n
        my = us[1] // n
        mz = us[2] // n
        r = d.u_still
        x = mx - r[0]
        y = my - r[1]
        z = mz - r[2]
        along = (x * mx + y * my + z * mz) >> UNIT  # the lean is across the vertical
        x -= (along * mx) >> UNIT
        y -= (along * my) >> UNIT
        z -= (along * mz) >> UNIT
        lean = isqrt(x * x + y * y + z * z)
        if lean < _LEAN_MIN:
            return 0
        norm = isqrt(ax * ax + ay * ay + az * az)
        if norm == 0:
            return 0
        cos = ((ax * x + ay * y + az * z) * 100) // (norm * lean)
        if cos <= -_LEAN_COS:  # the axis points against the lean: forward
            return _LEAN_CREDIT
        if cos >= _LEAN_COS:
            return -_LEAN_CREDIT
        return 0

    def stride_vector(self, i_end, length):
        """Resample the ``length`` samples before ``i_end`` into ``self.vec``.

        Centred, scaled so the largest magnitude is 127. Returns False when
        the window is flat (nothing to compare).
        """
        vert = self._d.vert
        vec = self.vec
        i0 = i_end - length
        total = 0
        k = 0
        while k < N:
            v = vert[(i0 + (k * length) // N) & MASK]
            vec[k] = v
            total += v
            k += 1
        mean = total // N
        big = 0
        k = 0
        while k < N:
            v = vec[k] - mean
            vec[k] = v
            if v > big:
                big = v
            elif -v > big:
                big = -v
            k += 1
        if big < 64:
            return False
        k = 0
        while k < N:
            vec[k] = (vec[k] * 127) // big
            k += 1
        return True

    def match(self, tf):
        """Best circular correlation with the forward template ``tf`` minus with it reversed.

        Only the shifts in ``_SHIFTS`` are tried (the strides are smooth at 32
        points a stride, and peak-locked).
        """
        vec = self.vec
        best_f = -(1 << 29)
        best_b = -(1 << 29)
        for s in _SHIFTS:
            cf = 0
            cb = 0
            k = 0
            j = N - 1
            while k < N:
                x = vec[(k + s) & (N - 1)]
                cf += x * tf[k]
                cb += x * tf[j]
                k += 1
                j -= 1
            if cf > best_f:
                best_f = cf
                self.shift_f = s
            if cb > best_b:
                best_b = cb
                self.shift_b = s
        return (best_f - best_b) >> 8

    def relative(self, gait, score, use):
        """Direction evidence from the session's own frame, in score units.

        The detector's ``lead`` over the last stride is a 3-vector in the
        sensor's frame that flips under time reversal, and a clip does not turn
        on the runner: over a session it points one way along a fixed axis
        when going forward and the other way when going backward (on the IPOL
        trials 98 % of strides agree in sense with their trial, measured
        offline: docs/detection.md). Which sense is forward differs by
        mounting and walker, so the session learns it: every step's template
        score is credited to the sense its lead points to, and a runner's
        lean to the sense it says is forward -- during a plan's warm-up a
        fixed forward credit instead, and after ``_WARMUP_STRIDES`` of those
        neither moves it. Once that evidence
        has built up, each step's agreement with the axis is evidence about it
        as good as many template scores. ``use`` is False
        for a bout's blind steps (windows mostly the stop): they only move the
        lead along. When the detector saw the vertical tilt since the last
        stride (the clip handled, a fall), the frame is learnt afresh.
        """
        d = self._d
        if d.tilted:  # the clip may have been put back another way: learn afresh
            d.tilted = False
            d.has_still = False
            axis = self._axis
            for k in range(6):
                axis[k] = 0
            self._session[0] = self._session[1] = 0
            self._known[0] = self._known[1] = 0
        copy(d.u, d.u_ref)
        lead = d.lead
        prev = self._lead_prev
        x = prev[0] + lead[0]
        y = prev[1] + lead[1]
        z = prev[2] + lead[2]
        copy(lead, prev)
        lead[0] = lead[1] = lead[2] = 0
        big = _biggest(x, y, z)
        if not use or big < _LEAD_FLOOR:
            return 0
        b = _halvings(big, 1023)  # room for the projection below
        x >>= b
        y >>= b
        z >>= b
        # only the horizontal part: along gravity the sum is the vertical
        # signal's own (smoothed, so delayed) autocorrelation, the same both ways
        u = d.u
        along = (x * u[0] + y * u[1] + z * u[2]) >> UNIT
        x -= (along * u[0]) >> UNIT
        y -= (along * u[1]) >> UNIT
        z -= (along * u[2]) >> UNIT
        big = _biggest(x, y, z)
        if big < 8:
            return 0
        b = _halvings(big, 127)  # int8 range, like the strides
        x >>= b
        y >>= b
        z >>= b
        axis = self._axis
        k = 3 * gait
        ax = axis[k]
        ay = axis[k + 1]
        az = axis[k + 2]
        norm = isqrt(ax * ax + ay * ay + az * az)
        dot = x * ax + y * ay + z * az
        sense = 1
        if dot < 0:
            sense = -1
            x = -x
            y = -y
            z = -z
        ax += x
        ay += y
        az += z
        if _biggest(ax, ay, az) > _AXIS_MAX:
            ax >>= 1
            ay >>= 1
            az >>= 1
        axis[k] = ax
        axis[k + 1] = ay
        axis[k + 2] = az
        if norm == 0:  # the first stride of this gait: it sets the axis
            return 0
        cos = (dot * 100) // (isqrt(x * x + y * y + z * z) * norm)
        if cos < 0:
            cos = -cos
        if cos < _REL_MIN_COS:
            return 0
        # the evidence saturates at ten times what full trust needs: a plan's
        # short backward intervals, on a walker the template misreads one way,
        # must not undo what a long forward warm-up taught (twice: simulated
        # walkers on the intro plan 0.96 balanced accuracy, ten times 0.999)
        full = gait_model.SESSION_FULL
        known = self._known
        if self._warmup:  # taken as forward, whatever the template makes of it
            s = self._session[gait] + sense * _WARMUP_CREDIT
            known[gait] += 1
        elif known[gait] >= _WARMUP_STRIDES:  # the warm-up settled it
            s = self._session[gait]
        else:
            s = self._session[gait] + sense * score
            if gait == RUN:
                s += self.lean_credit(ax, ay, az)
        cap = _CAP_TIMES * full
        s = cap if s > cap else (-cap if s < -cap else s)
        self._session[gait] = s
        trust = full if s > full else (-full if s < -full else s)
        return (sense * cos * trust * gait_model.REL_WEIGHT) // (100 * full)

    def turning(self, i_peak, opening):
        """Whether the runner is turning hard about the vertical (False without a gyro).

        The detector's ``yaw`` is smoothed over about a stride: the pelvis
        swings about the vertical every stride, so in a straight line a single
        step's turn rate is not zero, but its average over a stride is. A
        bout's ``opening`` step is classified only once a second step confirms
        it (``StepDetector``), by when the turn it came out of may have died
        down: it is turning if the turn lasted past its peak.
        """
        d = self._d
        return d.hard_turn() or (opening and d.turned_n > i_peak)

    def date(self, t_peak):
        """The contact time of the step just classified, whose peak came at ``t_peak``.

        Dated by its own gait and direction (``shift_ms``), a step could come out
        before the one classified just before it (IPOL 4-6: one contact's two peaks,
        read as a walking step and a running one), and a run under way at the start
        has its first contact before it: the contacts stay in time order and within
        the session.
        """
        t = t_peak + self.shift_ms
        if t < self.contact_ms:
            t = self.contact_ms
        self.contact_ms = t
        return t

    def classify(self, i_peak, i_prev, cadence):
        d = self._d
        vert = d.vert
        t_peak = d.t[i_peak & MASK]
        if i_prev >= 0:
            length = 2 * (i_peak - i_prev)
        else:
            # a new bout: the evidence starts afresh, and the first steps'
            # windows are mostly the stop before it, no evidence at all. They
            # keep the old direction after a short stop (a U-turn, a
            # stumble), and are unknown after a long one or when a plan's new
            # interval asked for a change
            if self._fresh or self._last_t < 0 or t_peak - self._last_t > _FORGET_MS:
                self._dir = UNKNOWN
            self._vote = 0
            self._fresh = False
            self._count = 0
            length = _FIRST_WINDOW_MS // d.period_ms
        self._last_t = t_peak
        room = RING - (d.n - i_peak)  # the peak is confirmed some samples late
        if length > room:
            length = room
        if length > i_peak + 1:
            length = i_peak + 1
        # gait
        start = i_prev if i_prev >= 0 else i_peak - 40
        lowest = 0
        j = start
        while j < i_peak:
            v = vert[j & MASK]
            if v < lowest:
                lowest = v
            j += 1
        gait = RUN if lowest < _FLIGHT_MM or cadence >= _RUN_CADENCE + 30 else WALK
        if gait == RUN:
            self._runs += 1
            self._doubt = False
        else:
            if i_prev < 0:
                # a bout's first window is mostly the stop: a walk after a short
                # stop in a run may be turning round, so its blind steps are not
                # called (they are still dated by the run's direction)
                self._doubt = self._runs >= _RUN_STREAK
            elif self._runs >= _RUN_STREAK:  # slowing down, or turning round
                self._dir = UNKNOWN
                self._vote = 0
                self._count = 0
            self._runs = 0
        # direction
        if not self.stride_vector(i_peak + self._lead, length):
            score = 0
        elif gait == RUN:
            score = self.match(self._tr) + gait_model.RUN_OFFSET
        else:
            score = self.match(self._tw)
        self.score = score
        self._count += 1
        # a U-turn's steps, like a bout's blind steps, are no evidence
        turning = self.turning(i_peak, i_prev < 0)
        use = self._count > _BLIND_STEPS and not turning
        rel = self.relative(gait, score, use)
        vote = self._vote
        if use:
            vote = vote - (vote >> gait_model.LEAK_SHIFT) + score + rel
            self._vote = vote
            h = gait_model.HYSTERESIS
            if self._count <= _FREE_STEPS or self._dir == UNKNOWN:
                if vote != 0:  # a bout's first strides: the evidence alone decides
                    self._dir = FORWARD if vote > 0 else BACKWARD
            elif self._dir == FORWARD and vote < -h:
                self._dir = BACKWARD
                self._vote = vote = -h
            elif self._dir == BACKWARD and vote > h:
                self._dir = FORWARD
                self._vote = vote = h
        elif turning:  # a U-turn may well change direction: the evidence starts afresh
            self._vote = vote = 0
        if self._doubt and self._count > _BLIND_STEPS:
            self._doubt = False  # past the bout's blind steps: the evidence decides
        direction = UNKNOWN if turning or self._doubt else self._dir
        if direction == FORWARD and vote > 0:
            margin = vote
        elif direction == BACKWARD and vote < 0:
            margin = -vote
        else:
            margin = 0
        # the contact sits at a different place relative to the vertical peak
        # when walking backward (toe first) than forward (heel first); a turning
        # step is dated by its bout's direction (time-reversed IPOL's U-turns are
        # walked backward)
        if gait == RUN:
            self.shift_ms = (
                gait_model.SHIFT_RUN_BACKWARD_MS
                if self._dir == BACKWARD
                else gait_model.SHIFT_RUN_FORWARD_MS
            )
        else:
            self.shift_ms = (
                gait_model.SHIFT_BACKWARD_MS
                if self._dir == BACKWARD
                else gait_model.SHIFT_FORWARD_MS
            )
        confidence = 50 + (margin * 50) // gait_model.CONFIDENT
        if confidence > 99:
            confidence = 99
        return direction, gait, confidence


def _biggest(x, y, z):
    """The largest magnitude of three ints."""
    if x < 0:
        x = -x
    if y < 0:
        y = -y
    if z < 0:
        z = -z
    if y > x:
        x = y
    return z if z > x else x


def _halvings(big, limit):
    """How many halvings bring ``big`` (>= 0) down to at most ``limit``."""
    n = 0
    while big > limit:
        big >>= 1
        n += 1
    return n
