"""Tick arithmetic inside MicroPython, checked against its own time.ticks_*."""

import time

from mpunit import raises

from retrostride.ticks import TICKS_MAX, TICKS_PERIOD, Elapsed, ticks_add, ticks_diff


def test_period_matches_the_runtime():
    assert time.ticks_add(TICKS_MAX, 1) == 0
    assert ticks_add(TICKS_MAX, 1) == 0
    assert TICKS_PERIOD == TICKS_MAX + 1


def test_diff_matches_runtime_on_a_grid():
    points = [0, 1, 2, 1000, TICKS_PERIOD // 2 - 1, TICKS_PERIOD // 2, TICKS_PERIOD // 2 + 1]
    points += [TICKS_MAX - p for p in points]
    for a in points:
        for b in points:
            assert ticks_diff(a, b) == time.ticks_diff(a, b), (a, b)


def test_add_matches_runtime_on_a_grid():
    for t in (0, 7, TICKS_MAX - 7, TICKS_MAX):
        for d in (-(TICKS_PERIOD // 2) + 1, -1, 0, 1, 123456, TICKS_PERIOD // 2 - 1):
            assert ticks_add(t, d) == time.ticks_add(t, d), (t, d)


def test_both_refuse_minus_half_a_period():
    raises(OverflowError, time.ticks_add, 0, -(TICKS_PERIOD // 2))
    raises(OverflowError, ticks_add, 0, -(TICKS_PERIOD // 2))


def test_elapsed_counts_across_a_wrap():
    clock = Elapsed(TICKS_MAX - 15)
    now = TICKS_MAX - 15
    for _ in range(100):
        now = ticks_add(now, 10)
        clock.update(now)
    assert clock.ms == 1000


def test_tick_arithmetic_allocates_nothing():
    import gc

    step = TICKS_MAX // 64
    ticks_diff(5, TICKS_MAX)  # warm up
    gc.collect()
    before = gc.mem_alloc()
    a = 0
    while a < TICKS_MAX - step:
        ticks_diff(a, TICKS_MAX - a)
        ticks_add(a, 1000)
        ticks_add(a, -1000)
        a += step
    used = gc.mem_alloc() - before
    assert used == 0, used
