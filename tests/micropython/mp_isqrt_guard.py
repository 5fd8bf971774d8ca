"""Integer square root and sensor guard inside MicroPython: same answers, no floats."""

import gc
from array import array

from retrostride.isqrt import isqrt
from retrostride.sensor_guard import NONE, SensorGuard
from retrostride.session import Session


def test_isqrt_exact_on_squares_and_neighbours():
    for r in (0, 1, 2, 3, 1000, 32767, 32768):
        assert isqrt(r * r) == r
        if r:
            assert isqrt(r * r - 1) == r - 1
            assert isqrt(r * r + 2 * r) == r


def test_isqrt_allocates_nothing():
    isqrt(12345)
    gc.collect()
    before = gc.mem_alloc()
    for n in (1, 99, 12345, 987654, 1073741823):
        isqrt(n)
    assert gc.mem_alloc() - before == 0


def test_guard_reports_missing_once_and_checks_without_allocating():
    out = []
    guard = SensorGuard(out.append, 10, 150000)
    smp = array("i", (0, NONE, 0, 9810))
    assert guard.check(smp, 0) is False
    assert len(out) == 1 and out[0]["detail"] == "missing"
    smp[1] = 0
    gc.collect()
    before = gc.mem_alloc()
    t = 10
    while t < 2000:
        smp[0] = t
        guard.check(smp, 0)
        t += 10
    assert gc.mem_alloc() - before == 0


def test_session_reports_a_missing_gyro_reading_only_where_one_is_expected():
    for has_gyro, want in ((True, ["gyro_missing"]), (False, [])):
        out = []
        s = Session(100, out.append, has_gyro=has_gyro)
        s.feed_row((0, 0, 0, 9810, 100, 0, 0))
        s.feed_row((10, 0, 0, 9810, None, None, None))
        s.feed_row((20, 0, 0, 9810, 100, None, 0))
        assert [e["detail"] for e in out if e["type"] == "warning"] == want
