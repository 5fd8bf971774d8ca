"""Integer square root and the sensor guard (CPython tier)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from retrostride.isqrt import isqrt
from retrostride.sensor_guard import SensorGuard


@given(st.integers(0, 2**30 - 1))
def test_isqrt_is_floor_sqrt(n):
    assert isqrt(n) == math.isqrt(n)


def test_isqrt_of_non_positive_is_zero():
    assert isqrt(0) == 0
    assert isqrt(-5) == 0


def guard_events(samples, period=10):
    out = []
    guard = SensorGuard(out.append, period, 150_000)
    usable = [guard.check(*s) for s in samples]
    return usable, out


def test_missing_reading_is_skipped_and_reported_once():
    samples = [(t * 10, None, 0, 9810) for t in range(50)]
    usable, events = guard_events(samples)
    assert not any(usable)
    assert [(e["reason"], e["detail"], e["count"]) for e in events] == [("sensor", "missing", 1)]


def test_reports_are_rate_limited_and_count_what_they_summarise():
    samples = [(t * 10, 160_000, 0, 0) for t in range(2001)]  # 20 s saturated
    usable, events = guard_events(samples)
    assert all(usable)
    assert [e["t_ms"] for e in events] == [0, 10_000, 20_000]
    assert [e["count"] for e in events] == [1, 1000, 1000]


def test_a_time_gap_is_reported():
    usable, events = guard_events([(0, 0, 0, 9810), (10, 0, 0, 9810), (500, 0, 0, 9810)])
    assert all(usable)
    assert [(e["t_ms"], e["detail"]) for e in events] == [(500, "gap")]
