"""The coach inside MicroPython: plan times, nudges, summary, no allocation per tick."""

import gc
from array import array

from retrostride import events
from retrostride.coach import Coach
from retrostride.default_plan import PLAN

_out = []

SHORT = {
    "version": 1,
    "name": "short",
    "blocks": [
        {"kind": "warmup", "seconds": 10},
        {
            "repeat": 2,
            "blocks": [{"kind": "backward", "seconds": 20}, {"kind": "forward", "seconds": 20}],
        },
    ],
}


def _drive(plan, direction, until):
    del _out[:]
    coach = Coach(plan, _out.append)
    t = 0
    while t <= until:
        coach.tick(t)
        if t and t % 400 == 0:
            coach.on_step(events.step(t - 200, direction, "run", 160, 90, t))
        t += 10
    coach.end(until)
    return coach


def _drive_paused(plan, until, pause_at, resume_at=None, direction="backward"):
    """A runner going one way all along; the plan paused (and resumed) by the button."""
    del _out[:]
    coach = Coach(plan, _out.append)
    t = 0
    while t <= until:
        coach.tick(t)
        if t == pause_at:
            coach.pause(t)
        if t == resume_at:
            coach.resume(t)
        if t and t % 400 == 0:
            coach.on_step(events.step(t - 200, direction, "run", 160, 90, t))
        t += 10
    coach.end(until)


def test_a_pause_of_the_plan_neither_ends_nor_hides_a_run_backward():
    capped = {
        "version": 1,
        "name": "x",
        "extensions": ["caps"],
        "caps": {"backward_s": 60},
        "blocks": [{"kind": "backward", "seconds": 60}, {"kind": "rest", "seconds": 60}],
    }
    for resume_at in (41000, None):
        _drive_paused(capped, 120000, 40000, resume_at)
        limits = [e["t_ms"] for e in _of("warning", "reason", "backward_limit")]
        assert limits and 70000 <= limits[0] <= 71000, limits


def _of(type_, key=None, value=None):
    return [e for e in _out if e["type"] == type_ and (key is None or e[key] == value)]


def test_intervals_and_countdowns_on_time():
    _drive(SHORT, "forward", 90000)
    assert [e["t_ms"] for e in _of("interval")] == [0, 10000, 30000, 50000, 70000]
    assert [e["t_ms"] for e in _of("buzz", "pattern", "countdown")] == [
        6000,
        26000,
        46000,
        66000,
        86000,
    ]
    assert _out[0] == {"type": "session_start", "t_ms": 0, "plan": "short"}


def test_forward_runner_warned_in_each_backward_interval_within_10_s():
    _drive(SHORT, "forward", 90000)
    warns = [e["t_ms"] for e in _of("warning", "reason", "wrong_direction")]
    for start in (10000, 50000):
        mine = [w for w in warns if start <= w < start + 20000]
        assert mine and mine[0] - start <= 10000, warns
    end = _out[-1]
    assert end["type"] == "session_end" and end["compliance"][1] == 0 and end["completed"] is True


def test_backward_runner_in_backward_intervals_only_is_not_warned():
    del _out[:]
    coach = Coach(SHORT, _out.append)
    t = 0
    while t <= 90000:
        coach.tick(t)
        if t and t % 400 == 0:
            kind = coach.timer.kinds[coach.timer.index] if coach.timer.index < coach.n else "rest"
            d = "backward" if kind == "backward" else "forward"
            coach.on_step(events.step(t - 200, d, "walk", 120, 80, t))
        t += 10
    coach.end(90000)
    assert _of("warning") == []
    assert _out[-1]["backward_steps"] > 90


def test_tick_allocates_nothing_in_steady_state():
    coach = Coach(PLAN, _out.append)
    coach.tick(0)
    coach.tick(10)
    gc.collect()
    before = gc.mem_alloc()
    t = 10
    while t < 100000:  # inside the 300 s warm-up: no change, no event
        t += 10
        coach.tick(t)
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_session_with_coach_allocates_nothing_per_sample_in_steady_state():
    from retrostride.session import Session

    del _out[:]
    s = Session(100, _out.append, Coach(PLAN, _out.append), has_gyro=True)
    smp = array("i", (0, 10, -20, 9810, 1, 2, 3))
    t = 0
    while t < 5000:
        smp[0] = t
        s.feed(smp, 0)
        t += 10
    gc.collect()
    before = gc.mem_alloc()
    while t < 125000:  # standing still inside the warm-up: no step, no change
        smp[0] = t
        s.feed(smp, 0)
        t += 10
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_resuming_after_a_fall_in_a_backward_interval_goes_on_with_the_next_one():
    del _out[:]
    coach = Coach(SHORT, _out.append)  # warm-up 10 s, then backward 20 s, forward 20 s
    for t in range(0, 15001, 10):
        coach.tick(t)
    coach.on_fall(15000)
    for t in range(15000, 40001, 10):
        coach.tick(t)
    assert coach.resume(40000)
    assert _of("interval")[-1] == {"type": "interval", "t_ms": 40000, "index": 2, "kind": "forward"}


def test_a_runner_who_goes_on_while_the_plan_stands_is_told_so():
    _drive_paused(SHORT, 120000, 5000, direction="forward")
    cues = [e["t_ms"] for e in _of("buzz", "pattern", "pause")]
    assert cues[0] == 5000 and len(cues) >= 4, cues
    assert all(cues[k + 1] - cues[k] >= 30000 for k in range(len(cues) - 1)), cues
