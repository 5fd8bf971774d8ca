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
``retrostride.gait_model``; horizontal axes never enter, so the decision does
not depend on how the clip is turned about the vertical, and a U-turn (a change
of heading) does not change it. Scores are pooled over the bout with a leaky
sum, and the direction only changes when the pooled evidence for the other
direction passes a hysteresis margin, so each step is decided at its own
detection (within one step of contact) yet single odd strides do not flip it.
A bout's first two steps add no evidence (their windows are mostly the stop
before it): they keep the direction of a bout that ended less than 10 s
before (a U-turn, a stumble), unless the plan has started a new interval
since, and are unknown otherwise.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from array import array

from retrostride import gait_model
from retrostride.stride import MASK, RING

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
_SHIFT_STEP = const(2)  # circular shifts tried: every other point
_FREE_STEPS = const(3)  # no hysteresis before the 4th step of a bout
_BLIND_STEPS = const(2)  # a bout's first steps: their stride window is mostly the stop


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
        self.score = 0  # last stride's score: > 0 forward-like, < 0 backward-like

    def new_interval(self):
        """A plan's interval starts: the old direction is no longer the best guess.

        The evidence restarts, counted as a new bout's (the next two steps add
        none, the following ones decide alone); the next bout (after the runner
        stops to turn round, perhaps a few steps later) does not keep the old
        direction for its first steps.
        """
        self._vote = 0
        self._count = 0
        self._fresh = True

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

        Shifts are tried every ``_SHIFT_STEP`` points (the strides are smooth
        at 32 points a stride), which halves the cost.
        """
        vec = self.vec
        best_f = -(1 << 29)
        best_b = -(1 << 29)
        s = 0
        while s < N:
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
            s += _SHIFT_STEP
        return (best_f - best_b) >> 8

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
        # direction
        tf = self._tr if gait == RUN else self._tw
        score = self.match(tf) if self.stride_vector(i_peak + self._lead, length) else 0
        self.score = score
        self._count += 1
        vote = self._vote
        if self._count > _BLIND_STEPS:  # earlier windows reach back into the stop
            vote = vote - (vote >> gait_model.LEAK_SHIFT) + score
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
        if self._dir == FORWARD and vote > 0:
            margin = vote
        elif self._dir == BACKWARD and vote < 0:
            margin = -vote
        else:
            margin = 0
        # the contact sits at a different place relative to the vertical peak
        # when walking backward (toe first) than forward (heel first)
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
        return self._dir, gait, confidence
