"""Joining real trials into one session: nothing lost, time running on, standing between."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_tools.sessions import KINDS, joined, main, subject_sessions, workout
from host_tools.timereverse import load, to_text
from retrostride.plan import validate
from retrostride.trace import Trace


def trial(name: str, n: int, first_t: int) -> Trace:
    tr = Trace(name)
    tr.meta = {"rate_hz": "100"}
    tr.has_gyro = tr.has_label = tr.has_step = True
    tr.rows = [(first_t + 10 * k, k, 2 * k, 9810, 1, 2, 3, "walk_forward", int(k % 50 == 0))
               for k in range(n)]  # fmt: skip
    return tr


def test_trials_follow_each_other_after_standing() -> None:
    a, b = trial("a", 200, 5000), trial("b", 300, 70)
    out = joined([a, b], still_ms=1000)
    times = [r[0] for r in out.rows]
    assert times == list(range(0, 10 * len(times), 10))  # no gap, no overlap
    assert len(out.rows) == 100 + 200 + 100 + 300
    still = out.rows[:100] + out.rows[300:400]
    assert {r[7] for r in still} == {"still"} and not any(r[8] for r in still)
    assert out.rows[300][1:4] == b.rows[0][1:4]  # standing holds the trial's first sample
    assert [r[1:] for r in out.rows[400:]] == [r[1:] for r in b.rows]
    assert sum(r[8] for r in out.rows) == 4 + 6


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        next(subject_sessions((1,), "sideways"))


def test_the_command_writes_every_kind_of_session_and_a_workout_per_subject(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("3-1_fwd", "3-2_fwd"):
        (data / f"{name}.csv").write_text(to_text(trial(name, 120, 0)), encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(out), "--subjects", "3,4", "--data", str(data)]) == 0
    assert {p.name for p in out.iterdir()} == {f"3-{kind}.csv" for kind in KINDS} | {
        "3-workout.csv",
        "3-workout-unturned.csv",
        "3-workout.json",
    }
    mixed = load(out / "3-mixed.csv")
    labels = {r[7] for r in mixed.rows}
    assert {"walk_forward", "walk_backward", "still"} <= labels  # trial 2 played backwards


@pytest.mark.parametrize("turns_round", [True, False])
def test_a_workout_is_a_plan_its_trials_fill(turns_round: bool) -> None:
    trials = [trial(f"t{k}", 1500 + 100 * k, 0) for k in range(3)]
    trace, plan = workout(trials, turns_round)
    assert validate(plan) == []
    kinds = [b["kind"] for b in plan["blocks"]]
    assert kinds == ["warmup"] + ["backward", "forward"] * 3
    # each interval ends where its trials do, to the nearest second
    ends, t = [], 0
    for b in plan["blocks"]:
        t += b["seconds"]
        ends.append(t * 1000)
    starts = [
        r[0] for i, r in enumerate(trace.rows) if i and r[7] == "still" != trace.rows[i - 1][7]
    ]
    assert all(
        abs(a - b) <= 500 for a, b in zip(ends, [*starts[1:], trace.rows[-1][0]], strict=True)
    )
    walked = {r[7] for r in trace.rows if ends[0] <= r[0] < ends[1] and r[7] != "still"}
    assert walked == {"walk_backward" if turns_round else "walk_forward"}
