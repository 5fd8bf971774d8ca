"""Button logic (CPython tier): debounce, short/double/long, with bouncing contacts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride.button import DOUBLE, LONG, SHORT, Button
from retrostride.ticks import TICKS_MAX, ticks_add

POLL_MS = 5


def run(transitions: list[tuple[int, int]], end_ms: int, start: int = 0) -> list[tuple[int, str]]:
    """Poll a button whose raw level changes at the given (t, level) times."""
    b = Button()
    out = []
    level = 0
    i = 0
    for t in range(0, end_ms, POLL_MS):
        while i < len(transitions) and transitions[i][0] <= t:
            level = transitions[i][1]
            i += 1
        ev = b.update(ticks_add(start, t), level)
        if ev:
            out.append((t, ev))
    return out


def clean(presses: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """(gap before, duration) pairs -> transitions, end time."""
    t = 0
    tr = []
    for gap, dur in presses:
        t += gap
        tr.append((t, 1))
        t += dur
        tr.append((t, 0))
    return tr, t + 1000


def test_short_press():
    tr, end = clean([(100, 150)])
    assert [e for _, e in run(tr, end)] == [SHORT]


def test_short_is_reported_after_the_double_window():
    tr, end = clean([(100, 150)])
    ((t, _),) = run(tr, end)
    assert 250 + 300 <= t <= 250 + 300 + 30 + POLL_MS


def test_double_press():
    tr, end = clean([(100, 120), (150, 120)])
    assert [e for _, e in run(tr, end)] == [DOUBLE]


def test_long_press_fires_while_held():
    tr, end = clean([(100, 1500)])
    events = run(tr, end)
    assert [e for _, e in events] == [LONG]
    assert events[0][0] < 100 + 1500


def test_glitch_shorter_than_debounce_is_ignored():
    tr = [(100, 1), (115, 0), (300, 1), (310, 0)]
    assert run(tr, 1500) == []


def test_held_at_boot_is_not_a_press():
    b = Button()
    assert all(b.update(t, 1) is None for t in range(0, 3000, 10))
    assert all(b.update(t, 0) is None for t in range(3000, 4000, 10))


def test_works_across_the_tick_wrap():
    tr, end = clean([(100, 120), (150, 120), (600, 1200), (600, 150)])
    assert [e for _, e in run(tr, end, start=TICKS_MAX - 700)] == [DOUBLE, LONG, SHORT]


def expected(presses: list[tuple[int, int]]) -> list[str]:
    out = []
    i = 0
    while i < len(presses):
        dur = presses[i][1]
        if dur >= 800:
            out.append(LONG)
            i += 1
        elif i + 1 < len(presses) and presses[i + 1][0] < 300:
            out.append(LONG if presses[i + 1][1] >= 800 else DOUBLE)
            i += 2
        else:
            out.append(SHORT)
            i += 1
    return out


# durations and gaps kept clear of the thresholds by more than debounce + bounce
durations = st.one_of(st.integers(70, 700), st.integers(900, 2000))
gaps = st.one_of(st.integers(70, 220), st.integers(380, 1500))
bounce = st.lists(st.integers(1, 4), max_size=6)  # toggles 1..4 ms apart, < 25 ms in all


glitch = st.one_of(st.none(), st.tuples(st.floats(0.2, 0.8), st.integers(1, 20)))


@settings(max_examples=200)
@given(st.lists(st.tuples(gaps, durations, bounce, bounce, glitch), min_size=1, max_size=6))
def test_bouncing_presses_give_the_intended_events(presses):
    tr = []
    t = 0
    for gap, dur, b_down, b_up, blip in presses:
        if blip is not None and gap >= 150:  # a spike shorter than the debounce, in the gap
            at = t + 60 + int((gap - 120) * blip[0])
            tr += [(at, 1), (at + blip[1], 0)]
        t += gap
        for edge_t, level, toggles in ((t, 1, b_down), (t + dur, 0, b_up)):
            # chatter: the contact flips back and forth, ending at the new level
            flips = toggles if len(toggles) % 2 == 0 else toggles[:-1]
            x = edge_t
            lv = level
            tr.append((x, lv))
            for d in flips:
                x += d
                lv = 1 - lv
                tr.append((x, lv))
        if blip is not None and dur >= 150:  # and a drop-out in the middle of the press
            at = t + 70 + int((dur - 130) * blip[0])
            tr += [(at, 0), (at + blip[1], 1)]
            tr.sort()
        t += dur
    events = [e for _, e in run(tr, t + 1000)]
    assert events == expected([(g, d) for g, d, _, _, _ in presses])
