"""The button logic inside MicroPython, with bouncing contacts and the tick wrap."""

import gc
import random

from retrostride.button import DOUBLE, LONG, SHORT, Button
from retrostride.ticks import TICKS_MAX, ticks_add


def _run(transitions, end_ms, start=0):
    b = Button()
    out = []
    level = 0
    i = 0
    for t in range(0, end_ms, 5):
        while i < len(transitions) and transitions[i][0] <= t:
            level = transitions[i][1]
            i += 1
        ev = b.update(ticks_add(start, t), level)
        if ev:
            out.append(ev)
    return out


def _press_train(presses, rng):
    tr = []
    t = 0
    for gap, dur in presses:
        t += gap
        for edge_t, level in ((t, 1), (t + dur, 0)):
            x = edge_t
            lv = level
            tr.append((x, lv))
            for _ in range(2 * rng.randint(0, 3)):
                x += rng.randint(1, 4)
                lv = 1 - lv
                tr.append((x, lv))
        t += dur
    return tr, t + 1000


def test_short_double_long():
    tr, end = _press_train([(100, 150)], random)
    assert _run(tr, end) == [SHORT]
    tr, end = _press_train([(100, 120), (150, 120)], random)
    assert _run(tr, end) == [DOUBLE]
    tr, end = _press_train([(100, 1500)], random)
    assert _run(tr, end) == [LONG]


def test_bouncing_sequences_across_the_wrap():
    random.seed(3)
    for _ in range(40):
        presses = []
        want = []
        for _ in range(random.randint(1, 4)):
            kind = random.randint(0, 2)
            if kind == 0:
                presses.append((random.randint(380, 900), random.randint(70, 600)))
                want.append(SHORT)
            elif kind == 1:
                presses.append((random.randint(380, 900), random.randint(70, 600)))
                presses.append((random.randint(70, 220), random.randint(70, 600)))
                want.append(DOUBLE)
            else:
                presses.append((random.randint(380, 900), random.randint(900, 1500)))
                want.append(LONG)
        tr, end = _press_train(presses, random)
        got = _run(tr, end, start=random.randint(0, TICKS_MAX))
        assert got == want, (presses, got)


def test_update_allocates_nothing():
    b = Button()
    b.update(0, 0)
    gc.collect()
    before = gc.mem_alloc()
    now = TICKS_MAX - 1000
    n = 0
    for i in range(2000):
        now = ticks_add(now, 5)
        if b.update(now, (i // 60) % 2) is not None:  # 300 ms presses: shorts and doubles
            n += 1
    used = gc.mem_alloc() - before
    assert used == 0, used
    assert n > 0


def test_pin_button_reads_the_pin_through_the_core():
    import machine
    from drivers.pin_button import PinButton

    machine.reset_fakes()
    b = PinButton(0, active_low=True)  # pull-up: idle high
    events = []
    now = 0
    for level, ms in ((1, 100), (0, 150), (1, 100), (0, 120), (1, 600), (0, 1200), (1, 400)):
        machine.set_pin(0, level)
        for _ in range(ms // 5):
            now += 5
            ev = b.poll(now)
            if ev:
                events.append(ev)
    assert events == [DOUBLE, LONG], events
