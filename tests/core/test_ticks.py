"""Tick arithmetic: wraparound-safe, no drift, small-int ranges (CPython tier)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrostride.ticks import TICKS_MAX, TICKS_PERIOD, Elapsed, ticks_add, ticks_diff

ticks = st.integers(0, TICKS_MAX)
deltas = st.integers(-(TICKS_PERIOD // 2) + 1, TICKS_PERIOD // 2 - 1)


@given(ticks, deltas)
def test_diff_inverts_add(t, d):
    assert ticks_diff(ticks_add(t, d), t) == d


@given(ticks, deltas)
def test_add_stays_in_range(t, d):
    assert 0 <= ticks_add(t, d) <= TICKS_MAX


@given(ticks, ticks)
def test_diff_is_antisymmetric_except_at_half_period(a, b):
    d = ticks_diff(a, b)
    assert -(TICKS_PERIOD // 2) <= d < TICKS_PERIOD // 2
    if d != -(TICKS_PERIOD // 2):
        assert ticks_diff(b, a) == -d


def test_diff_across_the_wrap():
    assert ticks_diff(5, TICKS_MAX - 4) == 10
    assert ticks_diff(TICKS_MAX - 4, 5) == -10


@pytest.mark.parametrize("delta", [TICKS_PERIOD // 2, -(TICKS_PERIOD // 2)])
def test_add_rejects_ambiguous_intervals(delta):
    with pytest.raises(OverflowError):
        ticks_add(0, delta)


@given(ticks, st.lists(st.integers(0, 60_000), max_size=200))
def test_elapsed_sums_steps_exactly_across_wraps(start, steps):
    clock = Elapsed(start)
    now = start
    for s in steps:
        now = ticks_add(now, s)
        clock.update(now)
    assert clock.ms == sum(steps)


def test_elapsed_two_hours_at_100_hz_crossing_a_wrap_has_no_drift():
    start = TICKS_MAX - 3_600_000  # wraps half-way through
    clock = Elapsed(start)
    now = start
    for _ in range(720_000):
        now = ticks_add(now, 10)
        clock.update(now)
    assert clock.ms == 7_200_000


def test_elapsed_ignores_a_tick_from_the_past():
    clock = Elapsed(1000)
    clock.update(1500)
    clock.update(1400)
    assert clock.ms == 500
