"""The plan validator inside MicroPython: same problems, same flattening."""

from mpunit import raises

from retrostride import plan
from retrostride.default_plan import PLAN as DEFAULT


def _base(blocks):
    return {"version": 1, "name": "t", "blocks": blocks}


def test_default_plan_validates_and_flattens():
    assert plan.validate(DEFAULT) == []
    flat = plan.flatten(DEFAULT)
    assert len(flat) == 14
    assert flat[1] == ("backward", 30, 0)
    assert flat[-1] == ("cooldown", 300, 0)


def test_nested_problem_paths():
    obj = _base(
        [
            {"kind": "warmup", "seconds": 5},
            {"repeat": 2, "blocks": [{"kind": "backward", "seconds": 0}]},
        ]
    )
    assert plan.validate(obj) == ["blocks[1].blocks[0].seconds: must be > 0"]


def test_bool_is_not_an_integer():
    assert plan.validate(_base([{"kind": "rest", "seconds": True}])) == [
        "blocks[0].seconds: must be an integer"
    ]


def test_cap_and_extension():
    obj = _base([{"kind": "backward", "seconds": 90}])
    assert len(plan.validate(obj)) == 1
    obj["extensions"] = ["caps"]
    obj["caps"] = {"backward_s": 90}
    assert plan.validate(obj) == []


def test_load_errors_and_fallback():
    e = raises(plan.PlanError, plan.load, "{bad")
    assert "not valid JSON" in str(e)
    e = raises(
        plan.PlanError,
        plan.load,
        '{"version": 2, "name": "x", "blocks": [{"kind": "rest", "steps": 3}]}',
    )
    assert e.problems == ["version: must be 1"]
    obj, why = plan.load_or_default("[]")
    assert obj is DEFAULT and "must be a JSON object" in why


def test_a_short_stop_does_not_end_a_stretch():
    rests = _base([{"repeat": 3, "blocks": [
        {"kind": "backward", "seconds": 40}, {"kind": "rest", "seconds": 5},
    ]}])  # fmt: skip
    problems = plan.validate(rests)
    assert problems and "80 s of continuous backward" in problems[0], problems
    mixed = _base([{"kind": "backward", "seconds": 55}, {"kind": "backward", "steps": 95}])
    assert plan.validate(mixed), "55 s and 95 steps together are over 60 s / 100 steps"
