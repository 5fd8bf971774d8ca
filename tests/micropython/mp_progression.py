"""Progression inside MicroPython (the device may suggest its next plan itself)."""

from retrostride import plan
from retrostride.default_plan import PLAN
from retrostride.progression import suggest


def _session(**kw):
    s = {"plan": PLAN["name"], "completed": True, "falls": 0, "skipped": 0, "compliance": [90, 95]}
    for k in kw:
        s[k] = kw[k]
    return s


def test_progress_hold_back():
    new, why = suggest(PLAN, [_session()])
    assert why.startswith("hold") and new == PLAN, why  # once: repeat it first
    new, why = suggest(PLAN, [_session(), _session()])
    assert why.startswith("progress"), why
    assert plan.validate(new) == []
    assert plan.flatten(new)[1] == ("backward", 45, 0)
    new, why = suggest(PLAN, [_session(falls=1)])
    assert why.startswith("step back") and plan.flatten(new)[1] == ("backward", 15, 0)
    new, why = suggest(PLAN, [_session(completed=False)])
    assert why.startswith("hold") and new == PLAN


def test_past_the_cap_steps_back_and_little_backward_time_holds():
    new, why = suggest(PLAN, [_session(backward_limit=3)])
    assert why.startswith("step back") and "safety limit" in why, why
    kinds = [k for k, _, _ in plan.flatten(PLAN)]
    back = [9 if k == "backward" else 0 for k in kinds]
    new, why = suggest(PLAN, [_session(interval_kinds=kinds, interval_backward_s=back)])
    assert why.startswith("hold") and "s run backward" in why and new == PLAN, why
