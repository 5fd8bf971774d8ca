"""Haptic vocabulary and player (CPython tier): distinct rhythms, priorities, silence."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import haptics
from retrostride.haptics import NAMES, Player
from retrostride.ticks import TICKS_MAX, ticks_add

AGREED = (
    "start_backward",
    "start_forward",
    "start_rest",
    "countdown",
    "wrong_direction",
    "backward_limit",
    "fall",
    "session_end",
    "low_battery",
    "pause",
    "resume",
)


def onoff_runs(name: str) -> tuple[tuple[int, int], ...]:
    """The pattern as a buzzer or LED plays it: merged on/off runs."""
    out: list[list[int]] = []
    for level, dur in haptics.runs(name):
        on = haptics.onoff(level)
        if out and out[-1][0] == on:
            out[-1][1] += dur
        else:
            out.append([on, dur])
    return tuple((a, b) for a, b in out)


def signature(name: str) -> str:
    """Rhythm without absolute length: S/L per pulse (long = 300 ms or more)."""
    return "".join("L" if d >= 300 else "S" for on, d in onoff_runs(name) if on)


def render(name: str, player: Player | None = None, step: int = 10) -> list[int]:
    p = player or Player()
    assert p.play(name, 0)
    return [p.tick(t) for t in range(0, haptics.duration_ms(name) + 100, step)]


def test_vocabulary_is_the_agreed_one():
    assert set(NAMES) == set(AGREED)
    assert len(NAMES) == len(AGREED)


def test_rhythms_differ_in_rhythm_not_only_length():
    on_off = {name: onoff_runs(name) for name in NAMES}
    assert len(set(on_off.values())) == len(NAMES)
    sigs = {name: signature(name) for name in NAMES}
    assert len(set(sigs.values())) == len(NAMES), sigs
    assert sigs["fall"] == "SSSLLLSSS"  # SOS
    assert sigs["start_backward"] == "LSSS"  # Morse B


def test_pulses_and_gaps_are_long_enough_to_feel_on_an_erm():
    for name in NAMES:
        for _, dur in onoff_runs(name):
            assert dur >= 100, name


def test_played_levels_follow_the_notation():
    levels = render("countdown")
    assert levels[:10] == [255] * 10  # 100 ms on
    assert levels[10:40] == [0] * 30  # 300 ms off
    assert levels[40:50] == [255] * 10
    assert levels[50:] == [0] * len(levels[50:])


def test_malformed_rhythms_are_refused():
    for bad in ("", "..##", "##..", "#x#"):
        with pytest.raises(ValueError):
            haptics._parse(bad)


def test_unknown_pattern_is_ignored():
    p = Player()
    assert not p.play("disco", 0)
    assert p.tick(0) == 0


def test_table_and_doc_list_every_pattern():
    rows = haptics.table()
    assert [r[0] for r in rows] == list(NAMES)
    text = haptics.doc()
    for name, rhythm, _prio, _meaning in rows:
        assert f"| {name} | `{rhythm}` |" in text


def test_fall_preempts_a_countdown_at_once():
    p = Player()
    p.play("countdown", 0)
    p.tick(20)
    assert p.play("fall", 30)
    assert p.playing == "fall"
    assert p.tick(30) == 255
    assert p.preempted == 1


def test_equal_priority_waits_and_plays_after():
    p = Player()
    p.play("start_backward", 0)
    assert p.play("start_rest", 10)
    end = haptics.duration_ms("start_backward")
    p.tick(end - 10)
    assert p.playing == "start_backward"
    assert p.tick(end) == 0
    assert p.playing == "start_rest"
    # a silent gap first, so that the two cues are felt as two
    assert [p.tick(t) for t in range(end, end + haptics.GAP_MS, 10)] == [0] * 40
    assert p.tick(end + haptics.GAP_MS) == 255


def test_queue_is_ordered_by_priority():
    p = Player()
    p.play("start_backward", 0)
    p.play("pause", 1)
    p.play("countdown", 2)
    p.play("start_rest", 3)
    t = haptics.duration_ms("start_backward")
    p.tick(t)
    assert p.playing == "start_rest"
    t += haptics.GAP_MS + haptics.duration_ms("start_rest")
    p.tick(t)
    assert p.playing == "pause"  # the countdown would start 2.4 s late: stale, dropped
    assert p.stale == 1


def test_stale_countdown_is_dropped():
    p = Player()
    p.play("fall", 0)
    p.play("countdown", 0)
    p.tick(haptics.duration_ms("fall"))  # 2.5 s later: the countdown is history
    assert p.playing is None
    assert p.stale == 1


def test_a_countdown_behind_a_wrong_direction_nudge_is_still_played():
    """It waited 1.3 s and the gap, 1.7 s in all, and went stale at 1.5 s."""
    p = Player()
    p.play("wrong_direction", 0)
    p.play("countdown", 100)
    t = haptics.duration_ms("wrong_direction") + haptics.GAP_MS
    p.tick(t)
    assert p.playing == "countdown" and p.stale == 0


def test_queue_is_bounded_and_keeps_the_urgent():
    p = Player()
    p.play("fall", 0)
    for name in ("pause", "resume", "low_battery", "session_end"):
        assert p.play(name, 0)
    assert not p.play("countdown", 0) or p.dropped == 1
    assert p.play("backward_limit", 0)
    p.tick(haptics.duration_ms("fall"))
    assert p.playing == "backward_limit"


def test_duplicate_cue_is_not_queued_twice():
    p = Player()
    p.play("fall", 0)
    assert p.play("wrong_direction", 1)
    assert not p.play("wrong_direction", 2)
    assert not p.play("fall", 3)


def test_strength_scale_and_min_level():
    weak = render("low_battery")
    assert set(weak) == {0, 100}
    lifted = render("low_battery", Player(min_level=160))
    assert min(v for v in lifted if v) >= 160
    capped = render("start_backward", Player(scale_pct=50))
    assert max(capped) == 127
    assert render("start_backward", Player(scale_pct=50, min_level=200))[0] == 127


def test_binary_rendering_keeps_the_rhythm():
    for name in NAMES:
        analog = render(name)
        binary = render(name, Player(binary=True, scale_pct=40, kick_ms=30))
        assert set(binary) <= {0, 255}
        assert [haptics.onoff(v) for v in analog] == [haptics.onoff(v) for v in binary]


def test_playing_across_the_tick_wrap_is_the_same():
    start = TICKS_MAX - 333
    p = Player()
    p.play("session_end", start)
    wrapped = [p.tick(ticks_add(start, t)) for t in range(0, 1500, 10)]
    assert wrapped == render("session_end")


actions = st.lists(
    st.tuples(st.integers(0, 400), st.one_of(st.none(), st.sampled_from(NAMES))),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    actions,
    st.integers(0, TICKS_MAX),
    st.integers(1, 100),
    st.integers(0, 255),
    st.sampled_from([0, 20, 40]),
)
def test_player_invariants(seq, start, scale, min_level, kick):
    p = Player(scale_pct=scale, min_level=min_level, kick_ms=kick)
    now = start
    for dt, name in seq:
        now = ticks_add(now, dt)
        if name is not None:
            before = p.playing
            p.play(name, now)
            if name == "fall":
                assert p.playing == "fall"  # never delayed by anything
            elif before is None:
                assert p.playing == name
        level = p.tick(now)
        assert 0 <= level <= 255
        if name == "fall" and before != "fall":
            assert level > 0  # a new fall alert buzzes in the same tick
    for _ in range(400):  # 20 s of ticks: everything queued has played or gone stale
        now = ticks_add(now, 50)
        p.tick(now)
    assert p.tick(now) == 0
    assert not p.busy()


def test_kick_starts_each_pulse_after_silence_only():
    plain = render("session_end")
    kicked = render("session_end", Player(kick_ms=30, scale_pct=80))
    top = 255 * 80 // 100
    scaled = render("session_end", Player(scale_pct=80))
    onsets = [i for i in range(len(plain)) if plain[i] and (i == 0 or not plain[i - 1])]
    assert len(onsets) == 3
    for i in range(len(plain)):
        if any(o <= i < o + 3 for o in onsets):
            assert kicked[i] == top
        else:
            assert kicked[i] == scaled[i]
    assert [haptics.onoff(v) for v in kicked] == [haptics.onoff(v) for v in plain]


def test_a_preempted_start_cue_is_replayed_after_the_alert():
    p = Player()
    p.play("start_forward", 0)
    p.tick(100)
    p.play("backward_limit", 150)
    assert p.playing == "backward_limit"
    end = 150 + haptics.duration_ms("backward_limit")
    p.tick(end)
    assert p.playing == "start_forward"  # starts 1.55 s late < 3 s: still worth feeling
    assert p.tick(end + haptics.GAP_MS) == 255


def test_a_preempted_countdown_is_not_replayed_after_a_fall():
    p = Player()
    p.play("countdown", 0)
    p.play("fall", 50)
    p.tick(50 + haptics.duration_ms("fall"))
    assert p.playing is None
    assert p.stale == 1
