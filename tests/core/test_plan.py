"""Plan validation names every problem by its JSON path; flatten expands repeats."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import plan
from retrostride.default_plan import PLAN as DEFAULT

PLANS = Path(__file__).resolve().parents[2] / "host_tools" / "plans"


def base(**extra):
    obj = {"version": 1, "name": "t", "blocks": [{"kind": "warmup", "seconds": 60}]}
    obj.update(extra)
    return obj


@pytest.mark.parametrize("path", sorted(PLANS.glob("*.json")), ids=lambda p: p.name)
def test_bundled_plans_validate(path):
    obj = plan.load(path.read_text())
    assert plan.flatten(obj)


def test_intro_plan_is_the_guidance():
    obj = plan.load((PLANS / "intro.json").read_text())
    flat = plan.flatten(obj)
    assert flat[0] == ("warmup", 300, 0) and flat[-1] == ("cooldown", 300, 0)
    assert flat[1:-1] == [("backward", 30, 0), ("forward", 90, 0)] * 6


def test_default_plan_is_valid():
    assert plan.validate(DEFAULT) == []


def test_nested_path_in_message():
    obj = base(
        blocks=[
            {"kind": "warmup", "seconds": 5},
            {"repeat": 2, "blocks": [{"kind": "backward", "seconds": 0}]},
        ]
    )
    assert plan.validate(obj) == ["blocks[1].blocks[0].seconds: must be > 0"]


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        ([], "$: a plan must be a JSON object"),
        ({"name": "x", "blocks": [{"kind": "rest", "seconds": 1}]}, "version: missing"),
        (base(version=2), "version: must be 1"),
        (base(version=True), "version: must be 1"),
        (base(name=""), "name: must be a non-empty string"),
        (base(blocks=[]), "blocks: must not be empty"),
        (base(blocks=[{"kind": "jog", "seconds": 3}]), "blocks[0].kind: must be one of"),
        (base(blocks=[{"kind": "rest"}]), "blocks[0]: needs seconds or steps"),
        (
            base(blocks=[{"kind": "rest", "seconds": 3, "steps": 4}]),
            "blocks[0]: give seconds or steps, not both",
        ),
        (base(blocks=[{"kind": "rest", "seconds": 1.5}]), "blocks[0].seconds: must be an integer"),
        (base(blocks=[{"kind": "rest", "steps": True}]), "blocks[0].steps: must be an integer"),
        (
            base(blocks=[{"repeat": 0, "blocks": [{"kind": "rest", "seconds": 1}]}]),
            "blocks[0].repeat: must be > 0",
        ),
        (base(blocks=[{"repeat": 2}]), "blocks[0].blocks: missing"),
        (
            base(
                blocks=[{"repeat": 2, "kind": "rest", "blocks": [{"kind": "rest", "seconds": 1}]}]
            ),
            "blocks[0].kind: not allowed in a repeat block",
        ),
        (base(colour="red"), "colour: unknown key"),
        (base(caps={"backward_s": 90}), "caps: unknown key (declare the 'caps' extension)"),
        (base(extensions=["turbo"]), "extensions[0]: unknown extension"),
        (
            base(blocks=[{"kind": "rest", "seconds": 3, "cue": "fall"}]),
            "blocks[0].cue: unknown key (declare the 'cues' extension)",
        ),
        (
            base(extensions=["cues"], blocks=[{"kind": "rest", "seconds": 3, "cue": "disco"}]),
            "blocks[0].cue: must be a buzz pattern name",
        ),
        (base(extensions=["cues"], countdown_s=9), "countdown_s: must be <= 5"),
        (
            base(extensions=["backward_clock"], backward_clock="sundial"),
            "backward_clock: must be one of",
        ),
        (base(extensions=["caps"], caps={"backward_s": 5000}), "caps.backward_s: must be <= 600"),
        (base(extensions=["caps"]), "caps: missing"),
    ],
)
def test_each_problem_is_named(obj, problem):
    problems = plan.validate(obj)
    assert any(p.startswith(problem) for p in problems), problems


def test_backward_cap_needs_explicit_declaration():
    long_back = [{"kind": "backward", "seconds": 90}]
    problems = plan.validate(base(blocks=long_back))
    assert len(problems) == 1 and problems[0].startswith("blocks[0]: 90 s of continuous backward")
    assert plan.validate(base(blocks=long_back), cap_s=120) == []
    allowed = base(blocks=long_back, extensions=["caps"], caps={"backward_s": 90})
    assert plan.validate(allowed) == []


def test_consecutive_backward_blocks_count_as_one_stretch():
    obj = base(blocks=[{"repeat": 2, "blocks": [{"kind": "backward", "seconds": 40}]}])
    assert plan.validate(obj) == [
        "blocks[0].blocks[0]: 80 s of continuous backward is above the cap of 60 "
        "(declare the 'caps' extension to allow it)"
    ]


def test_a_short_stop_does_not_end_a_stretch_and_seconds_and_steps_count_together():
    """Accepted until now: 20 minutes of backward with 2 s rests, and 55 s then 95 steps."""
    rests = base(blocks=[{"repeat": 20, "blocks": [
        {"kind": "backward", "seconds": 60}, {"kind": "rest", "seconds": 2},
    ]}])  # fmt: skip
    problems = plan.validate(rests)
    assert problems and "120 s of continuous backward" in problems[0]
    assert "a stop under 15 s does not end it" in problems[0]
    mixed = base(blocks=[{"kind": "backward", "seconds": 55}, {"kind": "backward", "steps": 95}])
    assert plan.validate(mixed) == [
        "blocks[1]: 55 s and 95 steps of continuous backward are above the caps of 60 s and "
        "100 steps together (declare the 'caps' extension to allow it)"
    ]
    breather = base(blocks=[{"repeat": 4, "blocks": [
        {"kind": "backward", "seconds": 45}, {"kind": "rest", "seconds": 15},
    ]}])  # fmt: skip
    assert plan.validate(breather) == []


def test_backward_step_cap():
    assert plan.validate(base(blocks=[{"kind": "backward", "steps": 101}]))
    assert plan.validate(base(blocks=[{"kind": "backward", "steps": 100}])) == []


def test_load_raises_with_every_problem():
    with pytest.raises(plan.PlanError) as info:
        plan.load(json.dumps(base(version=3, name=7)))
    assert info.value.problems == ["version: must be 1", "name: must be a non-empty string"]
    assert "version: must be 1; name" in str(info.value)
    with pytest.raises(plan.PlanError, match="not valid JSON"):
        plan.load("{nope")


def test_load_or_default_falls_back_and_says_why():
    obj, why = plan.load_or_default('{"version": 1')
    assert obj is DEFAULT and "not valid JSON" in why
    good = json.dumps(base())
    assert plan.load_or_default(good) == (base(), None)
    assert plan.load_or_default(None)[1] == "no plan file"


leaf = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["warmup", "forward", "rest", "cooldown"]),
        "seconds": st.integers(1, 100),
    }
)
blocks = st.recursive(
    leaf,
    lambda inner: st.fixed_dictionaries(
        {"repeat": st.integers(1, 3), "blocks": st.lists(inner, min_size=1, max_size=3)}
    ),
    max_leaves=8,
)


def expand(b):
    if "repeat" in b:
        return [x for _ in range(b["repeat"]) for c in b["blocks"] for x in expand(c)]
    return [(b["kind"], b["seconds"], 0)]


@given(st.lists(blocks, min_size=1, max_size=4))
def test_flatten_expands_repeats_in_order(bs):
    obj = base(blocks=bs)
    if plan.validate(obj):
        return  # only the depth/size limits can fail here
    assert plan.flatten(obj) == [x for b in bs for x in expand(b)]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 400)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from(["warmup", "backward", "rest", "caps", "cues", "kind", "seconds"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "name",
                    "blocks",
                    "kind",
                    "seconds",
                    "steps",
                    "repeat",
                    "cue",
                    "caps",
                    "extensions",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_validate_never_raises_and_valid_means_runnable(obj):
    problems = plan.validate(obj)
    assert all(isinstance(p, str) and ": " in p for p in problems)
    if not problems:
        for kind, seconds, steps in plan.flatten(obj):
            assert kind in plan.KINDS and (seconds > 0) != (steps > 0)
