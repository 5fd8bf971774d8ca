"""The coach: start/countdown buzzes on time, wrong-direction nudges that are
prompt for a runner who never turns round and silent for one who complies,
fall handling, the backward cap and the session summary."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import events
from retrostride.coach import GRACE_MS, WARN_EVERY_MS, Coach
from retrostride.ticks import TICKS_MAX, ticks_add

INTRO = {
    "version": 1,
    "name": "intro",
    "blocks": [
        {"kind": "warmup", "seconds": 60},
        {
            "repeat": 3,
            "blocks": [{"kind": "backward", "seconds": 30}, {"kind": "forward", "seconds": 90}],
        },
        {"kind": "cooldown", "seconds": 60},
    ],
}
TOTAL_MS = (60 + 3 * 120 + 60) * 1000


def asked(kind):
    return "backward" if kind == "backward" else "forward"


def run(
    plan,
    direction_of,
    until_ms,
    period=10,
    step_ms=400,
    lag_ms=250,
    conf=90,
    origin=0,
    actions=None,
):
    """Drive a coach with a synthetic runner; ``direction_of(t, kind, t_in_interval)``."""
    out = []
    coach = Coach(plan, out.append, origin=origin)
    t = 0
    while t <= until_ms:
        now = ticks_add(origin, t)
        coach.tick(now)
        if actions and t in actions:
            getattr(coach, actions[t])(now)
        if t > 0 and t % step_ms == 0:
            timer = coach.timer
            kind = timer.kinds[timer.index] if 0 <= timer.index < timer.n else "cooldown"
            since = t - last_change(out, origin)
            contact = t - lag_ms
            d = direction_of(contact, kind, since - lag_ms)
            coach.on_step(events.step(ticks_add(origin, contact), d, "run", 150, conf, now))
        t += period
    coach.end(ticks_add(origin, until_ms))
    return coach, out


def last_change(out, origin):
    for e in reversed(out):
        if e["type"] == "interval":
            return e["t_ms"]
    return 0


def of(out, type_, **kw):
    return [e for e in out if e["type"] == type_ and all(e.get(k) == v for k, v in kw.items())]


def compliant(t, kind, since):
    # the first ~1.5 s of an interval is spent turning round (old direction)
    if since < 1500:
        return "forward" if kind == "backward" else ("backward" if kind == "forward" else "forward")
    return asked(kind)


def test_start_sequence_and_plan_times():
    _, out = run(INTRO, compliant, TOTAL_MS + 100)
    assert out[0] == {"type": "session_start", "t_ms": 0, "plan": "intro"}
    assert out[1] == {"type": "interval", "t_ms": 0, "index": 0, "kind": "warmup"}
    assert out[2] == {"type": "buzz", "t_ms": 0, "pattern": "start_forward"}
    starts = [e["t_ms"] for e in of(out, "interval")]
    assert starts == [0, 60000, 90000, 180000, 210000, 300000, 330000, 420000]
    assert [e["pattern"] for e in of(out, "buzz") if e["t_ms"] in (60000, 90000, 420000)] == [
        "start_backward",
        "start_forward",
        "start_rest",
    ]
    # a countdown 4 s before every change
    countdowns = [e["t_ms"] for e in of(out, "buzz", pattern="countdown")]
    assert countdowns == [s - 4000 for s in starts[1:]] + [TOTAL_MS - 4000]
    assert of(out, "buzz")[-1]["pattern"] == "session_end"
    assert out[-1]["type"] == "session_end" and out[-1]["completed"] is True


def test_compliant_runner_is_never_warned():
    _, out = run(INTRO, compliant, TOTAL_MS)
    assert of(out, "warning") == []
    end = out[-1]
    assert end["compliance"][1] >= 90 and end["compliance"][2] >= 90
    assert end["wrong_direction"] == 0


def test_steps_of_unknown_direction_are_not_held_against_the_runner():
    """Compliance is over the steps whose direction was decided: a U-turn's steps and a
    bout's first ones are unknown; an interval with none decided has no figure."""

    def every_other_unknown(t, kind, since):
        return "unknown" if kind == "forward" or (t // 400) % 2 else asked(kind)

    _, out = run(INTRO, every_other_unknown, TOTAL_MS)
    end = out[-1]
    assert end["interval_kinds"][1:3] == ["backward", "forward"]
    assert [end["compliance"][i] for i in (1, 3, 5)] == [100, 100, 100]
    assert [end["compliance"][i] for i in (2, 4, 6)] == [None, None, None]
    assert end["interval_steps"][2] > 200


def test_forward_runner_is_warned_in_every_backward_interval_within_10_s():
    _, out = run(INTRO, lambda t, k, s: "forward", TOTAL_MS)
    backs = [e["t_ms"] for e in of(out, "interval", kind="backward")]
    warns = [e["t_ms"] for e in of(out, "warning", reason="wrong_direction")]
    assert len(backs) == 3
    for b in backs:
        first = [w for w in warns if b <= w < b + 30000]
        assert first and first[0] - b <= 10000, (b, first)
        assert first[0] - b >= GRACE_MS  # not before the turn-round grace
    # each warning has its buzz at the same time
    assert [e["t_ms"] for e in of(out, "buzz", pattern="wrong_direction")] == warns
    # and nothing in the forward intervals where forward is right
    fwd = [(e["t_ms"], e["t_ms"] + 90000) for e in of(out, "interval", kind="forward")]
    assert not [w for w in warns for a, b in fwd if a <= w < b]
    assert out[-1]["compliance"][1] == 0


def test_warnings_are_sparing():
    plan = {"version": 1, "name": "x", "blocks": [{"kind": "backward", "seconds": 60}]}
    _, out = run(plan, lambda t, k, s: "forward", 60000)
    warns = [e["t_ms"] for e in of(out, "warning")]
    assert 3 <= len(warns) <= 4
    assert all(b - a >= WARN_EVERY_MS for a, b in itertools.pairwise(warns))


def test_backward_steps_in_a_forward_interval_are_warned():
    plan = {"version": 1, "name": "x", "blocks": [{"kind": "forward", "seconds": 30}]}
    _, out = run(plan, lambda t, k, s: "backward", 30000)
    assert of(out, "warning", reason="wrong_direction")


def test_unsure_or_unknown_steps_do_not_warn():
    plan = {"version": 1, "name": "x", "blocks": [{"kind": "backward", "seconds": 30}]}
    _, out = run(plan, lambda t, k, s: "forward", 30000, conf=40)
    assert of(out, "warning") == []
    _, out = run(plan, lambda t, k, s: "unknown", 30000)
    assert of(out, "warning") == []


def test_fall_alerts_and_pauses_until_resumed():
    out = []
    coach = Coach(INTRO, out.append)
    for t in range(0, 10001, 10):
        coach.tick(t)
    coach.on_fall(10000)
    assert out[-1] == {"type": "buzz", "t_ms": 10000, "pattern": "fall"}
    for t in range(10000, 100001, 10):
        coach.tick(t)
    assert [e["index"] for e in of(out, "interval")] == [0]  # paused: warm-up not over
    assert coach.resume(100000)
    assert out[-1]["pattern"] == "resume"
    for t in range(100000, 150001, 10):
        coach.tick(t)
    assert of(out, "interval")[-1] == {
        "type": "interval",
        "t_ms": 150000,
        "index": 1,
        "kind": "backward",
    }
    coach.end(150000)
    assert out[-1]["falls"] == 1 and out[-1]["completed"] is False


def test_resuming_after_a_fall_in_a_backward_interval_goes_on_with_the_next_one():
    """Not straight back into backward running: the runner has just been on the ground."""
    out = []
    coach = Coach(INTRO, out.append)
    for t in range(0, 70001, 10):  # into the first backward interval (60-90 s)
        coach.tick(t)
    coach.on_fall(70000)
    for t in range(70000, 100001, 10):
        coach.tick(t)
    assert coach.resume(100000)
    last = of(out, "interval")[-1]
    assert last == {"type": "interval", "t_ms": 100000, "index": 2, "kind": "forward"}
    assert [e["pattern"] for e in of(out, "buzz")][-2:] == ["resume", "start_forward"]
    coach.end(100000)
    assert out[-1]["skipped"] == 0  # the plan's doing, not the runner's


def test_a_warning_late_in_one_interval_does_not_delay_the_next_intervals_first():
    plan = {
        "version": 1,
        "name": "x",
        "blocks": [{"kind": "forward", "seconds": 25}, {"kind": "backward", "seconds": 25}],
    }
    wrong = {"forward": "backward", "backward": "forward", "cooldown": "forward"}
    _, out = run(plan, lambda t, k, s: wrong[k], 50000)  # the wrong way in each
    warns = [e["t_ms"] for e in of(out, "warning", reason="wrong_direction")]
    assert any(w < 25000 for w in warns)
    second = [w for w in warns if w >= 25000]
    assert second and second[0] - 25000 <= 10000, warns  # was 12.2 s: 15 s after the last


def test_a_runner_who_goes_on_while_the_plan_stands_is_told_so_every_30_s():
    _, out = run(INTRO, compliant, 230000, actions={100000: "pause"})  # a forward interval
    cues = [e["t_ms"] for e in of(out, "buzz", pattern="pause")]
    assert cues[0] == 100000 and len(cues) >= 4  # the press, then reminders
    assert all(b - a >= 30000 for a, b in itertools.pairwise(cues))
    later = [e for e in out if e["t_ms"] > 100000 and e["type"] == "buzz"]
    quiet = [e["pattern"] for e in later if e["pattern"] != "pause"]
    assert quiet == ["session_end"]  # nothing else while paused


def test_button_pause_skip():
    out = []
    coach = Coach(INTRO, out.append)
    coach.tick(0)
    assert coach.pause(1000) and out[-1]["pattern"] == "pause"
    assert not coach.pause(1500)
    assert coach.resume(2000) and out[-1]["pattern"] == "resume"
    assert coach.skip(3000)
    assert of(out, "interval")[-1]["index"] == 1 and of(out, "interval")[-1]["t_ms"] == 3000
    coach.end(4000)
    assert out[-1]["skipped"] == 1


# a backward minute at the default 60 s cap, then rest
CAPPED = {
    "version": 1,
    "name": "x",
    "extensions": ["caps"],
    "caps": {"backward_s": 60},
    "blocks": [{"kind": "backward", "seconds": 60}, {"kind": "rest", "seconds": 60}],
}


def test_backward_cap_warns_on_a_long_backward_stretch():
    plan = CAPPED
    _, out = run(plan, lambda t, k, s: "backward", 120000)  # never stops going backward
    limits = [e["t_ms"] for e in of(out, "warning", reason="backward_limit")]
    # cap 60 s + 10 s grace, counted from the first backward step (at 150 ms)
    assert limits and 70000 <= limits[0] <= 71000
    assert of(out, "buzz", pattern="backward_limit")
    _, out = run(plan, compliant, 120000)
    assert of(out, "warning", reason="backward_limit") == []


def test_a_pause_of_the_plan_neither_ends_nor_hides_a_run_backward():
    """Pausing for a second used to start the stretch afresh, and a paused plan let a
    runner go on backward for ever without a word."""
    plan = CAPPED
    blip = {40000: "pause", 41000: "resume"}
    _, out = run(plan, lambda t, k, s: "backward", 120000, actions=blip)
    limits = [e["t_ms"] for e in of(out, "warning", reason="backward_limit")]
    assert limits and 70000 <= limits[0] <= 71000  # as without the pause
    _, out = run(plan, lambda t, k, s: "backward", 120000, actions={40000: "pause"})
    limits = [e["t_ms"] for e in of(out, "warning", reason="backward_limit")]
    assert limits and 70000 <= limits[0] <= 71000  # paused, the runner is still warned


def test_summary_counts_steps_and_backward_time():
    _, out = run(INTRO, compliant, TOTAL_MS)
    end = out[-1]
    steps = of(out, "step")  # the coach does not emit steps, the session does
    assert steps == []
    assert end["steps"] == TOTAL_MS // 400
    assert sum(end["interval_steps"]) <= end["steps"]
    # three 30 s backward intervals minus the turn-round steps
    assert 80 <= end["backward_s"] <= 90
    assert len(end["compliance"]) == 8 and end["intervals_reached"] == 8
    assert end["falls"] == 0 and end["completed"] is True


def test_ended_early_is_not_completed():
    _, out = run(INTRO, compliant, 100000)
    assert out[-1]["completed"] is False and out[-1]["intervals_reached"] == 3


@settings(max_examples=10, deadline=None)
@given(st.integers(TICKS_MAX - 200_000, TICKS_MAX))
def test_same_events_whatever_the_tick_origin(origin):
    plan = {
        "version": 1,
        "name": "x",
        "blocks": [{"kind": "warmup", "seconds": 5}, {"kind": "backward", "seconds": 30}],
    }
    _, ref = run(plan, lambda t, k, s: "forward", 40000)
    _, got = run(plan, lambda t, k, s: "forward", 40000, origin=origin)
    assert got == ref


def test_a_classifier_settling_late_in_the_grace_causes_no_nudge():
    # the runner turned at once but the classifier kept saying "forward" for ~6 s
    def lagging(t, kind, since):
        if kind == "backward":
            return "forward" if since < GRACE_MS - 200 else "backward"
        return "forward" if since > 1500 else "backward"

    _, out = run(INTRO, lagging, TOTAL_MS)
    assert of(out, "warning") == []


def test_first_steps_after_a_pause_in_stepping_are_not_judged():
    plan = {"version": 1, "name": "x", "blocks": [{"kind": "backward", "seconds": 60}]}
    out = []
    coach = Coach(plan, out.append)
    for t in range(0, 20001, 10):
        coach.tick(t)
        if t >= 10000 and t % 500 == 0:  # stood still 10 s, then 4 forward steps
            d = "forward" if t < 12000 else "backward"
            coach.on_step(events.step(t - 100, d, "walk", 120, 90, t))
    assert of(out, "warning") == []


def test_step_counted_block_gets_a_countdown_a_few_steps_before_its_end():
    plan = {
        "version": 1,
        "name": "x",
        "blocks": [{"kind": "backward", "steps": 40}, {"kind": "forward", "steps": 5}],
    }
    _, out = run(plan, lambda t, k, s: "backward", 30000)
    starts = [e["t_ms"] for e in of(out, "interval")]
    countdowns = [e["t_ms"] for e in of(out, "buzz", pattern="countdown")]
    assert starts[:2] == [0, 16000]  # the 40th step is decided at 16 s
    assert countdowns == [16000 - 6 * 400]  # 6 steps before; none for the 5-step block


def test_backward_steps_clock_extension_waits_for_backward_steps():
    plan = {
        "version": 1,
        "name": "x",
        "extensions": ["backward_clock"],
        "backward_clock": "backward_steps",
        "blocks": [{"kind": "backward", "seconds": 20}, {"kind": "rest", "seconds": 10}],
    }
    _, out = run(plan, lambda t, k, s: "forward" if t < 15000 else "backward", 60000)
    starts = [e["t_ms"] for e in of(out, "interval")]
    # the clock starts with the first backward step (decided at 15.6 s) and runs 20 s
    assert starts == [0, 35600]
    assert out[-1]["completed"] is True


def test_toggle_resumes_after_a_fall_pause():
    out = []
    coach = Coach(INTRO, out.append)
    coach.tick(0)
    coach.on_fall(1000)
    assert coach.is_paused()
    assert coach.toggle(5000) and not coach.is_paused() and out[-1]["pattern"] == "resume"
    assert coach.toggle(6000) and coach.is_paused() and out[-1]["pattern"] == "pause"
