"""Per-step gait (walk/run) and direction (forward/backward) decisions.

Reads the detector's ring buffers over the stride that ends at a step. Gait
comes from physics that holds in any mounting: a running stride has a flight
phase in which the trunk falls freely, so the vertical specific force drops
near zero (the vertical signal, gravity removed, near -g); walking always has
a foot on the ground. Cadence breaks ties.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from retrostride.stride import MASK

FORWARD = const(0)
BACKWARD = const(1)
UNKNOWN = const(2)
WALK = const(0)
RUN = const(1)
_FLIGHT_MM = const(-5500)  # vertical below -0.56 g: near free fall
_RUN_CADENCE = const(150)


class GaitClassifier:
    """``classify(i_peak, i_prev, cadence)`` -> (direction, gait, confidence %)."""

    def __init__(self, detector):
        self._d = detector

    def classify(self, i_peak, i_prev, cadence):
        d = self._d
        vert = d.vert
        start = i_prev if i_prev >= 0 else i_peak - 40
        lowest = 0
        j = start
        while j < i_peak:
            v = vert[j & MASK]
            if v < lowest:
                lowest = v
            j += 1
        gait = RUN if lowest < _FLIGHT_MM or cadence >= _RUN_CADENCE + 30 else WALK
        return UNKNOWN, gait, 0
