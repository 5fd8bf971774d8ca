"""Progression: grows only after a session held well, steps back after a fall or
poor compliance, never beyond the caps, always a valid plan."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import plan as plans
from retrostride.progression import suggest, verdict

PLANS = Path(__file__).resolve().parents[2] / "host_tools" / "plans"
INTRO = json.loads((PLANS / "intro.json").read_text())


def good(**kw):
    s = {"plan": "Reverse intro", "completed": True, "falls": 0, "skipped": 0}
    s["compliance"] = [95, 90, 88, 92]
    s.update(kw)
    return s


def backward_seconds(obj):
    return [s for k, s, _ in plans.flatten(obj) if k == "backward"]


def test_held_well_lengthens_backward_by_15_s():
    new, why = suggest(INTRO, [good(), good()])
    assert why.startswith("progress") and set(backward_seconds(new)) == {45}
    assert plans.validate(new) == []
    assert INTRO["blocks"][1]["blocks"][0]["seconds"] == 30  # input untouched


def test_at_the_cap_it_adds_a_repeat_instead():
    at_cap = json.loads(json.dumps(INTRO))
    at_cap["blocks"][1]["blocks"][0]["seconds"] = 60
    new, why = suggest(at_cap, [good(), good()])
    assert "one more repeat" in why and new["blocks"][1]["repeat"] == 7
    assert set(backward_seconds(new)) == {60}


def test_a_fall_steps_back():
    new, why = suggest(INTRO, [good(), good(falls=1)])
    assert why.startswith("step back") and "fall" in why
    assert set(backward_seconds(new)) == {15}


def test_poor_compliance_steps_back_middling_holds():
    assert verdict(good(compliance=[40, 50]))[0] == "back"
    new, why = suggest(INTRO, [good(compliance=[70, 72])])
    assert why.startswith("hold") and new == INTRO
    new, why = suggest(INTRO, [good(completed=False)])
    assert why.startswith("hold")


def test_one_good_session_holds_two_in_a_row_grow_the_plan():
    """Build up slowly: a plan is repeated once held well before it grows."""
    new, why = suggest(INTRO, [good()])
    assert new == INTRO and why.endswith("one more like it before the plan grows")
    new, why = suggest(INTRO, [good(compliance=[70, 72]), good()])
    assert new == INTRO and why.startswith("hold")
    assert suggest(INTRO, [good(), good()])[1].startswith("progress")


def test_other_plans_sessions_do_not_count():
    new, why = suggest(INTRO, [good(plan="something else")])
    assert new == INTRO and "no sessions of this plan" in why


def test_progression_extension_limits_growth():
    stage2 = json.loads((PLANS / "stage2.json").read_text())
    held = [good(plan=stage2["name"])] * 2
    new, _ = suggest(stage2, held)
    assert set(backward_seconds(new)) == {60}  # 45 + 15, max_backward_s 60
    newer, why = suggest(new, held)
    assert "one more repeat" in why and newer["blocks"][1]["repeat"] == 9


leaf = st.one_of(
    st.fixed_dictionaries({"kind": st.just("backward"), "seconds": st.integers(1, 60)}),
    st.fixed_dictionaries({"kind": st.just("backward"), "steps": st.integers(1, 100)}),
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["forward", "rest", "warmup"]), "seconds": st.integers(1, 300)}
    ),
)
blocks = st.recursive(
    leaf,
    lambda inner: st.fixed_dictionaries(
        {"repeat": st.integers(1, 12), "blocks": st.lists(inner, min_size=1, max_size=3)}
    ),
    max_leaves=6,
)
summaries = st.fixed_dictionaries(
    {
        "plan": st.just("p"),
        "completed": st.booleans(),
        "falls": st.integers(0, 2),
        "skipped": st.integers(0, 1),
        "compliance": st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=6),
    }
)


def total_backward(obj):
    flat = plans.flatten(obj)
    return sum(s for k, s, _ in flat if k == "backward"), sum(
        n for k, _, n in flat if k == "backward"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(blocks, min_size=1, max_size=4),
    st.lists(summaries, max_size=4),
    st.sampled_from([None, 30, 45, 60]),
)
def test_properties(bs, history, cap):
    obj = {"version": 1, "name": "p", "blocks": bs}
    if plans.validate(obj, cap_s=cap):
        return
    new, why = suggest(obj, history, cap_s=cap)
    # always valid under the same caps, so never beyond them
    assert plans.validate(new, cap_s=cap) == [], why
    limit = 60 if cap is None else cap
    assert all(s <= limit for s in backward_seconds(new))
    assert all(n <= 100 for k, _, n in plans.flatten(new) if k == "backward")
    before, after = total_backward(obj), total_backward(new)
    if history and history[-1]["falls"]:
        # never progresses after a fall
        assert after[0] <= before[0] and after[1] <= before[1] and not why.startswith("progress")
    if why.startswith("hold"):
        assert new == obj
    if why.startswith("progress"):
        last = history[-1]
        assert last["completed"] and not last["falls"] and not last["skipped"]
        assert after[0] >= before[0] and after[1] >= before[1] and after != before
        assert len(plans.flatten(new)) >= len(plans.flatten(obj))


def test_backward_intervals_decide_when_the_summary_names_them():
    s = good(
        compliance=[100, 50, 100, 55, 100],
        interval_kinds=["warmup", "backward", "forward", "backward", "cooldown"],
    )
    assert verdict(s)[0] == "back"
    s = good(
        compliance=[100, 85, 20, 90, 100],
        interval_kinds=["warmup", "backward", "forward", "backward", "cooldown"],
    )
    assert verdict(s)[0] == "progress"


def test_a_session_past_the_backward_cap_steps_back_whatever_its_compliance():
    """A runner who never turned round ran 12 min backward: 99 % in the backward
    intervals, 22 backward-limit warnings. That is no session to build on."""
    new, why = suggest(INTRO, [good(backward_limit=22)])
    assert why.startswith("step back") and "safety limit 22x" in why
    assert set(backward_seconds(new)) == {15}


def test_little_time_run_backward_holds_however_well_the_steps_were_called():
    kinds = [k for k, _, _ in plans.flatten(INTRO)]
    planned = [s for k, s, _ in plans.flatten(INTRO) if k == "backward"]

    def ran(seconds: int) -> dict[str, object]:
        back = [seconds if k == "backward" else 0 for k in kinds]
        comp = [95 if k == "backward" else None for k in kinds]
        return good(interval_kinds=kinds, interval_backward_s=back, compliance=comp)

    new, why = suggest(INTRO, [ran(9)])  # 9 s of each 30 s, then standing still
    assert (
        new == INTRO
        and why == f"hold: {9 * len(planned)} of {sum(planned)} s run backward last session"
    )
    assert suggest(INTRO, [ran(26)] * 2)[1].startswith("progress")  # turning round takes the rest


def test_no_step_called_in_a_backward_interval_is_no_measure_of_holding_one():
    kinds = [k for k, _, _ in plans.flatten(INTRO)]
    comp = [None if k == "backward" else 99 for k in kinds]  # forward ones were held
    assert verdict(good(interval_kinds=kinds, compliance=comp))[0] == "hold"
