"""Integer square root and the sensor guard (CPython tier)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from retrostride.isqrt import isqrt
from retrostride.sensor_guard import NONE, SensorGuard
from retrostride.session import replay


@given(st.integers(0, 2**30 - 1))
def test_isqrt_is_floor_sqrt(n):
    assert isqrt(n) == math.isqrt(n)


def test_isqrt_of_non_positive_is_zero():
    assert isqrt(0) == 0
    assert isqrt(-5) == 0


def guard_events(samples, period=10):
    out = []
    guard = SensorGuard(out.append, period, 150_000)
    usable = [guard.check([NONE if v is None else v for v in s], 0) for s in samples]
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


def replay_warnings(header, rows):
    out = []
    replay([header, *rows], "t.csv", out.append)
    return [(e["t_ms"], e["detail"], e["count"]) for e in out if e["type"] == "warning"]


def test_a_trace_with_a_gyroscope_reports_its_missing_readings():
    nan = set(range(100, 110)) | set(range(1200, 1205))  # samples, 10 ms apart
    rows = [f"{k * 10},0,0,9.81,0.1,{'nan' if k in nan else '0'},0" for k in range(1300)]
    # the first at once, the rest of the burst with the next report 10 s on
    assert replay_warnings("t_ms,ax,ay,az,gx,gy,gz", rows) == [
        (1000, "gyro_missing", 1),
        (12000, "gyro_missing", 10),
    ]


def test_an_accelerometer_only_trace_has_no_gyroscope_to_miss():
    rows = [f"{k * 10},0,0,9.81" for k in range(300)]
    assert replay_warnings("t_ms,ax,ay,az", rows) == []
