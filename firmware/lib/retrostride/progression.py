"""Progression: the next plan from the history of sessions (a pure function).

The guidance is to start with ~30 s backward and build up slowly. So a plan
grows only after two sessions in a row that were held well -- completed, nothing skipped,
no fall, never past the backward safety cap, at least ``GOOD_PCT`` % of steps
in the asked direction in the backward intervals, and at least ``GOOD_VOLUME_PCT``
% of their planned time run backward (compliant runners run 26-27 s of a 30 s
interval: turning round takes the rest) -- and then by one notch: backward intervals ``step_s`` longer (15 s unless the plan's
``progression`` extension says otherwise), or, when they are already at the
limit, one more repeat of the block that holds them. A fall or poor compliance
steps back one notch, as does running backward past the cap; anything in
between holds. The result never goes beyond
the caps (it always passes ``plan.validate`` with the same caps).

``history`` is a list of ``session_end`` summaries, oldest first; only the
sessions of this plan (same ``plan`` name) count.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


import json

from retrostride import plan as plans

GOOD_PCT = const(80)
POOR_PCT = const(60)
GOOD_VOLUME_PCT = const(75)
_STEP_S = const(15)
_MIN_BACK_S = const(15)
_MIN_BACK_STEPS = const(20)
_STEPS_PER_S = const(2)  # backward walking cadence, for step-counted blocks
_MAX_REPEAT = const(10)


def _copy(obj):
    return json.loads(json.dumps(obj))


def _rules(obj, cap_s, cap_steps):
    cs, cn = plans.caps(obj, cap_s, cap_steps)
    step_s = _STEP_S
    max_s = cs
    max_rep = _MAX_REPEAT
    if "progression" in plans.extensions(obj):
        p = obj.get("progression", {})
        step_s = p.get("step_s", step_s)
        max_s = min(cs, p.get("max_backward_s", cs))
        max_rep = p.get("max_repeat", max_rep)
    return step_s, max_s, cn, max_rep


def _backward_leaves(blocks, out):
    for b in blocks:
        if "repeat" in b:
            _backward_leaves(b["blocks"], out)
        elif b["kind"] == "backward":
            out.append(b)
    return out


def _repeats_with_backward(blocks, out):
    for b in blocks:
        if "repeat" in b:
            if _backward_leaves(b["blocks"], []):
                out.append(b)
            _repeats_with_backward(b["blocks"], out)
    return out


def _planned_back_s(obj):
    """Seconds of the plan's timed backward blocks (step-counted ones are not counted)."""
    return sum(s for kind, s, _ in plans.flatten(obj) if kind == "backward")


def backward_s_done(summary):
    """Seconds run backward within the session's backward intervals; None when the
    summary does not say (older logs)."""
    done = summary.get("interval_backward_s")
    kinds = summary.get("interval_kinds", ())
    if not isinstance(done, list) or not kinds:
        return None
    total = 0
    for i in range(min(len(done), len(kinds))):
        if kinds[i] == "backward" and type(done[i]) is int:
            total += done[i]
    return total


def compliance_pct(summary):
    """Mean compliance of a session's backward intervals (all intervals when the
    summary does not say which were backward: older logs); None when nothing was
    measured there (the forward intervals say nothing of holding a backward one)."""
    comp = summary.get("compliance", ())
    kinds = summary.get("interval_kinds", ())
    if not isinstance(comp, list):
        return None
    vals = []
    for i in range(len(comp)):
        c = comp[i]
        if type(c) is int and (not kinds or (i < len(kinds) and kinds[i] == "backward")):
            vals.append(c)
    if not vals and not kinds:
        vals = [c for c in comp if type(c) is int]
    if not vals:
        return None
    return sum(vals) // len(vals)


def verdict(summary, planned_back_s=0):
    """``"progress"``, ``"hold"`` or ``"back"`` for one session, and why;
    ``planned_back_s``: the plan's timed backward seconds (0: not checked)."""
    falls = summary.get("falls", 0) or 0
    if falls:
        return "back", "a fall last session"
    limits = summary.get("backward_limit", 0) or 0
    if limits:
        return "back", "backward past the safety limit " + str(limits) + "x last session"
    c = compliance_pct(summary)
    if c is not None and c < POOR_PCT:
        return "back", "compliance " + str(c) + "% last session"
    if not summary.get("completed", False):
        return "hold", "last session was not completed"
    if summary.get("skipped", 0):
        return "hold", "intervals were skipped last session"
    if c is None:
        return "hold", "no steps measured last session"
    if c < GOOD_PCT:
        return "hold", "compliance " + str(c) + "% last session"
    done = backward_s_done(summary)
    if planned_back_s and done is not None and done * 100 < GOOD_VOLUME_PCT * planned_back_s:
        return "hold", str(done) + " of " + str(planned_back_s) + " s run backward last session"
    return "progress", "last session held well (" + str(c) + "%)"


def _valid(obj, cap_s, cap_steps):
    return not plans.validate(obj, cap_s, cap_steps)


def _lengthen(obj, step_s, max_s, max_n, sign):
    """Backward blocks one notch longer (sign 1) or shorter (-1); False if none moved."""
    moved = False
    for b in _backward_leaves(obj["blocks"], []):
        if "seconds" in b:
            s = b["seconds"]
            v = max(min(s + step_s, max_s), s) if sign > 0 else max(s - step_s, min(s, _MIN_BACK_S))
            if v != s:
                b["seconds"] = v
                moved = True
        else:
            s = b["steps"]
            d = step_s * _STEPS_PER_S
            v = max(min(s + d, max_n), s) if sign > 0 else max(s - d, min(s, _MIN_BACK_STEPS))
            if v != s:
                b["steps"] = v
                moved = True
    return moved


def suggest(plan_obj, history, cap_s=None, cap_steps=None):
    """``(next_plan, reason)``: the plan to run next given ``history`` (oldest first)."""
    mine = [h for h in history if isinstance(h, dict) and h.get("plan") == plan_obj.get("name")]
    if not mine:
        return _copy(plan_obj), "hold: no sessions of this plan yet"
    planned = _planned_back_s(plan_obj)
    what, why = verdict(mine[-1], planned)
    if what == "progress" and (len(mine) < 2 or verdict(mine[-2], planned)[0] != "progress"):
        return _copy(plan_obj), "hold: " + why + "; one more like it before the plan grows"
    step_s, max_s, max_n, max_rep = _rules(plan_obj, cap_s, cap_steps)
    if what == "hold":
        return _copy(plan_obj), "hold: " + why
    new = _copy(plan_obj)
    if what == "back":
        if _lengthen(new, step_s, max_s, max_n, -1) and _valid(new, cap_s, cap_steps):
            return new, "step back: " + why + "; backward intervals " + str(step_s) + " s shorter"
        new = _copy(plan_obj)
        for r in _repeats_with_backward(new["blocks"], []):
            if r["repeat"] > 1:
                r["repeat"] -= 1
                if _valid(new, cap_s, cap_steps):
                    return new, "step back: " + why + "; one repeat fewer"
                r["repeat"] += 1
        return _copy(plan_obj), "hold: " + why + " (already at the smallest plan)"
    if _lengthen(new, step_s, max_s, max_n, 1) and _valid(new, cap_s, cap_steps):
        return new, "progress: " + why + "; backward intervals " + str(step_s) + " s longer"
    new = _copy(plan_obj)
    for r in _repeats_with_backward(new["blocks"], []):
        if r["repeat"] < max_rep:
            r["repeat"] += 1
            if _valid(new, cap_s, cap_steps):
                return new, "progress: " + why + "; one more repeat"
            r["repeat"] -= 1
    return _copy(plan_obj), "hold: " + why + ", but the plan is at its caps"
