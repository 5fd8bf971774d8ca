"""Fall detection and the backward cap inside MicroPython."""

import gc
from array import array

from retrostride.safety import BackwardCap, FallDetector

_A = array("i", (0, 0, 0))


def _feed(det, t, x, y, z):
    """One sample through a preallocated array, as the session hands it over."""
    a = _A
    a[0] = x
    a[1] = y
    a[2] = z
    return det.feed(t, a)


def _walk(det, t0, t1):
    t = t0
    k = 0
    while t < t1:
        z = 9810 + (3000 if (k % 28) < 6 else -600)
        got = _feed(det, t, 300 * (k % 5), 200, z)
        assert got == -1, t
        t += 10
        k += 1
    return t


def test_impact_then_lying_is_a_fall():
    det = FallDetector(10)
    t = _walk(det, 0, 10000)
    impact = t
    found = -1
    while t < impact + 4000 and found < 0:
        d = t - impact
        if d < 150:
            found = _feed(det, t, 30000, 20000, 25000)
        elif d < 600:
            found = _feed(det, t, (d * 37) % 20000 - 10000, 5000, 3000)
        else:
            found = _feed(det, t, 9810, 40, -30)  # on its side: gravity along x
        t += 10
    assert found == impact, (found, impact)


def test_impact_without_after_state_is_not_a_fall():
    det = FallDetector(10)
    t = _walk(det, 0, 5000)
    for _ in range(10):
        assert _feed(det, t, 20000, 30000, 30000) == -1  # a hard landing
        t += 10
    _walk(det, t, t + 10000)  # and on running upright


def test_feed_allocates_nothing():
    det = FallDetector(10)
    _walk(det, 0, 3000)
    gc.collect()
    before = gc.mem_alloc()
    _walk(det, 3000, 13000)
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_backward_cap():
    cap = BackwardCap(5000)
    t = 0
    warned = []
    while t < 20000:
        if t % 500 == 0:
            cap.on_step(t, "backward")
        if cap.due(t):
            warned.append(t)
        t += 10
    assert warned[0] == 5500, warned
    cap.on_step(20000, "forward")
    assert not cap.due(20010)
