"""Joining real trials into one session: nothing lost, time running on, standing between."""

from __future__ import annotations

from pathlib import Path

import pytest

from host_tools.sessions import KINDS, joined, main, subject_sessions
from host_tools.timereverse import load, to_text
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


def test_the_command_writes_three_sessions_per_subject(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("3-1_fwd", "3-2_fwd"):
        (data / f"{name}.csv").write_text(to_text(trial(name, 120, 0)), encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(out), "--subjects", "3,4", "--data", str(data)]) == 0
    assert {p.name for p in out.iterdir()} == {f"3-{kind}.csv" for kind in KINDS}
    mixed = load(out / "3-mixed.csv")
    labels = {r[7] for r in mixed.rows}
    assert {"walk_forward", "walk_backward", "still"} <= labels  # trial 2 played backwards
