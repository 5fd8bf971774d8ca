"""The haptic player inside MicroPython: same rhythms, priorities, no allocation per tick."""

import gc
import random

from retrostride import haptics
from retrostride.haptics import NAMES, Player
from retrostride.ticks import TICKS_MAX, ticks_add


def _onoff_runs(name):
    out = []
    for level, dur in haptics.runs(name):
        on = haptics.onoff(level)
        if out and out[-1][0] == on:
            out[-1][1] += dur
        else:
            out.append([on, dur])
    return tuple((a, b) for a, b in out)


def test_rhythms_are_distinct():
    seen = {}
    for name in NAMES:
        sig = "".join("L" if d >= 300 else "S" for on, d in _onoff_runs(name) if on)
        assert sig not in seen, (name, seen.get(sig))
        seen[sig] = name
    assert len(seen) == 11


def test_countdown_levels():
    p = Player()
    p.play("countdown", 0)
    got = [p.tick(t) for t in range(0, 600, 50)]
    assert got == [255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0], got


def test_fall_preempts_countdown():
    p = Player()
    p.play("countdown", 0)
    p.tick(10)
    p.play("fall", 20)
    assert p.playing == "fall"
    assert p.tick(20) == 255


def test_queue_and_stale():
    p = Player()
    p.play("start_backward", 0)
    p.play("pause", 1)
    p.play("countdown", 2)
    p.play("start_rest", 3)
    d1 = haptics.duration_ms("start_backward")
    p.tick(d1)
    assert p.playing == "start_rest"
    assert p.tick(d1 + haptics.GAP_MS - 10) == 0
    assert p.tick(d1 + haptics.GAP_MS) == 255
    p.tick(d1 + haptics.GAP_MS + haptics.duration_ms("start_rest"))
    assert p.playing == "pause"
    assert p.stale == 1


def test_strength_and_binary():
    p = Player(scale_pct=50, min_level=40)
    p.play("low_battery", 0)
    assert p.tick(0) == 40 + 100 * (127 - 40) // 255
    b = Player(binary=True)
    b.play("session_end", 0)
    assert set(b.tick(t) for t in range(0, 1500, 10)) == {0, 255}


def test_random_play_tick_sequences():
    random.seed(7)
    for _ in range(60):
        p = Player(
            scale_pct=random.randint(1, 100),
            min_level=random.randint(0, 255),
            kick_ms=random.randint(0, 40),
        )
        now = random.randint(0, TICKS_MAX)
        for _ in range(random.randint(0, 40)):
            now = ticks_add(now, random.randint(0, 400))
            name = None
            before = p.playing
            if random.randint(0, 2) == 0:
                name = NAMES[random.randint(0, len(NAMES) - 1)]
                p.play(name, now)
                if name == "fall":
                    assert p.playing == "fall"
            level = p.tick(now)
            assert 0 <= level <= 255
            if name == "fall" and before != "fall":
                assert level > 0
        for _ in range(400):
            now = ticks_add(now, 50)
            p.tick(now)
        assert p.tick(now) == 0
        assert not p.busy()


def test_tick_allocates_nothing():
    p = Player(min_level=60, kick_ms=30)
    now = TICKS_MAX - 5000  # crosses the wrap too
    p.play("fall", now)
    p.play("session_end", now)
    p.play("countdown", now)
    p.tick(now)
    gc.collect()
    before = gc.mem_alloc()
    levels = 0
    for _ in range(1000):  # 10 s at 100 Hz: both patterns, the stale drop, silence
        now = ticks_add(now, 10)
        levels += p.tick(now)
    used = gc.mem_alloc() - before
    assert used == 0, used
    assert levels > 0


def test_play_allocates_nothing():
    p = Player()
    now = 0
    p.play("pause", 0)
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(50):
        now += 37
        p.play("wrong_direction", now)
        p.play("countdown", now)
        p.play("fall", now)
        p.tick(now)
    used = gc.mem_alloc() - before
    assert used == 0, used


def test_kick_then_hold():
    p = Player(kick_ms=30)
    p.play("low_battery", 0)
    got = [p.tick(t) for t in range(0, 400, 10)]
    assert got[:3] == [255, 255, 255], got
    assert got[3:10] == [100] * 7, got
    assert got[10:30] == [0] * 20, got
    assert got[30:34] == [255, 255, 255, 100], got
