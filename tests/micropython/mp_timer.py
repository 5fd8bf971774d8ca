"""The interval timer inside MicroPython: plan times, wrap, pause, steps, no allocation."""

import gc

from retrostride.ticks import TICKS_MAX, ticks_add, ticks_diff
from retrostride.timer import DONE, Timer

_changes = []


def _rec(now, index):
    _changes.append((now, index))


def test_boundaries_across_the_wrap_within_one_period():
    del _changes[:]
    flat = [("warmup", 7, 0), ("backward", 13, 0)] * 30  # 10 min
    start = TICKS_MAX - 100_000
    timer = Timer(flat, _rec)
    timer.start(start)
    t = 0
    while t < 600_100:
        t += 10 + (t // 10) % 3  # 10..12 ms jitter
        timer.tick(ticks_add(start, t))
    b = 0
    expect = []
    for _, s, _ in flat:
        expect.append(b)
        b += s * 1000
    expect.append(b)
    assert len(_changes) == len(expect), len(_changes)
    for i in range(len(expect)):
        late = ticks_diff(_changes[i][0], start) - expect[i]
        assert 0 <= late <= 12, late
    assert timer.state == DONE


def test_pause_resume_and_steps():
    del _changes[:]
    timer = Timer([("backward", 0, 2), ("forward", 5, 0)], _rec)
    timer.start(0)
    timer.on_step(100, "backward")
    assert timer.pause(200)
    timer.on_step(300, "backward")  # paused: not counted
    assert timer.count == 1
    assert timer.resume(1200)
    timer.on_step(1300, "backward")
    assert _changes[-1] == (1300, 1)
    timer.tick(6299)
    assert len(_changes) == 2
    timer.tick(6300)
    assert _changes[-1] == (6300, 2)


def test_tick_allocates_nothing():
    timer = Timer([("forward", 3600, 0), ("backward", 30, 0)], _rec)
    timer.start(0)
    t = 0
    timer.tick(10)
    gc.collect()
    before = gc.mem_alloc()
    while t < 20000:
        t += 10
        timer.tick(t)
        timer.remaining_ms(t)
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_backward_clock_tick_allocates_nothing():
    timer = Timer([("backward", 3600, 0)], _rec, True)
    timer.start(0)
    timer.on_step(0, "backward")
    timer.tick(10)
    gc.collect()
    before = gc.mem_alloc()
    t = 10
    while t < 20000:
        t += 10
        timer.tick(t)
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_backward_clock_lets_go_of_a_runner_who_does_not_go_backward():
    del _changes[:]
    timer = Timer([("backward", 10, 0), ("forward", 5, 0)], _rec, True)
    timer.start(0)
    t = 0
    while len(_changes) == 1 and t < 60000:
        t += 10
        if t % 500 == 0:
            timer.on_step(t, "forward")
        timer.tick(t)
    assert _changes[1] == (20000, 1), _changes
