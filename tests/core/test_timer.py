"""The interval timer: plan times hit within one sample period, no drift, wrap-safe."""

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride.ticks import TICKS_MAX, ticks_add, ticks_diff
from retrostride.timer import DONE, PAUSED, RUNNING, Timer


class Recorder:
    def __init__(self):
        self.changes = []

    def __call__(self, now, index):
        self.changes.append((now, index))


def boundaries(flat):
    out, t = [], 0
    for _, s, _ in flat:
        out.append(t)
        t += s * 1000
    out.append(t)
    return out


def drive(flat, start, period, jitter, seed, until_ms):
    """Feed ticks from ``start`` every ``period`` +- ``jitter`` ms; return (timer, changes)."""
    import random

    rnd = random.Random(seed)
    rec = Recorder()
    timer = Timer(flat, rec)
    timer.start(start)
    t = 0
    worst_gap = 0
    while t < until_ms:
        gap = period + rnd.randint(-jitter, jitter)
        worst_gap = max(worst_gap, gap)
        t += gap
        timer.tick(ticks_add(start, t))
    return timer, rec.changes, worst_gap


blocks = st.lists(
    st.tuples(st.sampled_from(["warmup", "backward", "forward", "rest"]), st.integers(1, 900)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(
    blocks,
    st.integers(TICKS_MAX - 3_000_000, TICKS_MAX),
    st.integers(20, 100),
    st.integers(0, 9),
    st.integers(0, 2**32),
)
def test_changes_within_one_sample_period_and_no_drift(spec, start, period, jitter, seed):
    flat = [(k, s, 0) for k, s in spec]
    expect = boundaries(flat)
    timer, changes, worst = drive(flat, start, period, jitter, seed, expect[-1] + 2 * period)
    assert [i for _, i in changes] == list(range(len(flat) + 1))
    for (now, i), b in zip(changes, expect, strict=True):
        late = ticks_diff(now, start) - b
        assert 0 <= late <= worst, (i, late)
    assert timer.state == DONE


def test_two_hours_at_100_hz_across_the_wrap_does_not_drift():
    flat = [("forward", 7, 0), ("backward", 13, 0)] * 360  # 2 h in odd-length blocks
    start = TICKS_MAX - 1_000_000  # wraps after ~17 minutes
    _timer, changes, worst = drive(flat, start, 10, 3, 1, 7_200_000 + 50)
    expect = boundaries(flat)
    lates = [ticks_diff(now, start) - b for (now, _), b in zip(changes, expect, strict=True)]
    assert len(changes) == len(flat) + 1
    assert max(lates) <= worst and min(lates) >= 0
    # the last boundary is as close to plan time as the first: no accumulation
    assert lates[-1] <= worst


def test_pause_shifts_the_rest_of_the_plan_exactly():
    rec = Recorder()
    timer = Timer([("forward", 10, 0), ("backward", 10, 0)], rec)
    timer.start(1000)
    for t in range(1000, 6001, 10):
        timer.tick(t)
    assert timer.pause(6000) and timer.state == PAUSED
    for t in range(6000, 20001, 10):
        timer.tick(t)  # nothing moves while paused
    assert rec.changes == [(1000, 0)]
    assert timer.remaining_ms(20000) == 5000
    assert timer.resume(20000) and timer.state == RUNNING
    for t in range(20000, 40001, 10):
        timer.tick(t)
    assert rec.changes == [(1000, 0), (25000, 1), (35000, 2)]


def test_step_counted_block_ends_on_its_last_step():
    rec = Recorder()
    timer = Timer([("backward", 0, 3), ("forward", 2, 0)], rec)
    timer.start(0)
    timer.tick(5000)
    assert timer.remaining_steps() == 3 and timer.remaining_ms(5000) == -1
    timer.on_step(5100, "forward")
    timer.on_step(5600, "unknown")
    assert rec.changes == [(0, 0)]
    timer.on_step(6000, "backward")
    assert rec.changes == [(0, 0), (6000, 1)]
    timer.tick(7990)
    assert len(rec.changes) == 2
    timer.tick(8000)  # the next time block counts from the step, not from 0
    assert rec.changes[-1] == (8000, 2) and timer.state == DONE


def test_skip_starts_the_next_block_at_once():
    rec = Recorder()
    timer = Timer([("warmup", 300, 0), ("backward", 30, 0)], rec)
    timer.start(0)
    timer.tick(1000)
    assert timer.skip(1000)
    assert rec.changes == [(0, 0), (1000, 1)]
    timer.tick(30999)
    assert len(rec.changes) == 2
    timer.tick(31000)
    assert rec.changes[-1] == (31000, 2)


def test_a_gap_longer_than_blocks_crosses_them_all():
    rec = Recorder()
    timer = Timer([("forward", 1, 0), ("rest", 1, 0), ("forward", 1, 0)], rec)
    timer.start(0)
    timer.tick(2500)
    assert [i for _, i in rec.changes] == [0, 1, 2]
    timer.tick(3000)
    assert [i for _, i in rec.changes] == [0, 1, 2, 3]


def test_backward_steps_clock_runs_only_while_stepping_backward():
    rec = Recorder()
    timer = Timer([("backward", 10, 0), ("forward", 5, 0)], rec, backward_clock=True)
    timer.start(0)
    t = 0
    while t < 6000:  # 6 s of forward steps: the backward clock stands still
        t += 10
        if t % 500 == 0:
            timer.on_step(t, "forward")
        timer.tick(t)
    assert timer.remaining_ms(t) == 10000 and len(rec.changes) == 1
    while len(rec.changes) == 1 and t < 60000:
        t += 10
        if t % 500 == 0:
            timer.on_step(t, "backward")
        timer.tick(t)
    # counted from the first backward step (at 6.5 s): 10 s of backward stepping
    assert rec.changes[1][1] == 1
    assert 16400 <= rec.changes[1][0] <= 16600


def test_backward_steps_clock_lets_go_of_a_runner_who_does_not_go_backward():
    """Held in the block (and warned every 15 s) for the rest of the session, before."""
    rec = Recorder()
    timer = Timer([("backward", 10, 0), ("forward", 5, 0)], rec, backward_clock=True)
    timer.start(0)
    t = 0
    while len(rec.changes) == 1 and t < 60000:
        t += 10
        if t % 500 == 0:
            timer.on_step(t, "forward")
        timer.tick(t)
    assert rec.changes[1] == (20000, 1)  # twice the block's length in plan time


def test_end_stops_everything():
    rec = Recorder()
    timer = Timer([("forward", 1, 0)], rec)
    timer.start(0)
    timer.end(500)
    timer.tick(5000)
    assert timer.state == DONE and rec.changes == [(0, 0)]
    assert not timer.pause(5000) and not timer.skip(5000)
