"""Issue #3 targets on held-out subjects of the real walking data, forward and time-reversed.

The classifier was fitted on subjects 1-5 (host_tools/fit_gait.py); these
tests score subjects 6-10 only. They skip when the shared data is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from host_tools.evaluate import MATCH_TOLERANCE_MS, Tally, score
from host_tools.fit_gait import run_core
from host_tools.replay import replay_cpython, replay_micropython
from host_tools.timereverse import load, reverse, to_text

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "ipol-gait"
HELD_OUT = (6, 7, 8, 9, 10)


def _figures(backward: bool, tol: int = MATCH_TOLERANCE_MS) -> dict[str, Any]:
    if not DATA.is_dir():
        pytest.skip(f"real walking data not found at {DATA}")
    total = Tally()
    for s in HELD_OUT:
        for p in sorted(DATA.glob(f"{s}-*.csv")):
            tr = load(p)
            if backward:
                tr = reverse(tr)
            total.add(score(tr, run_core(tr), tol))
    return total.figures()


@pytest.fixture(scope="module")
def forward() -> dict[str, Any]:
    return _figures(False)


@pytest.fixture(scope="module")
def backward() -> dict[str, Any]:
    return _figures(True)


def test_direction_balanced_accuracy_forward_and_reversed(  # as eval scores it
    forward: dict[str, Any], backward: dict[str, Any]
) -> None:
    fwd = forward["direction_recall"]["forward"]
    back = backward["direction_recall"]["backward"]
    assert (fwd + back) / 2 >= 0.98, (fwd, back)
    assert min(fwd, back) >= 0.95, (fwd, back)


def test_u_turns_are_not_called_backward(forward: dict[str, Any]) -> None:
    assert forward["turn_steps"] > 20
    assert forward["turn_false_backward_rate"] <= 0.02


def test_every_step_decided_within_two_steps(
    forward: dict[str, Any], backward: dict[str, Any]
) -> None:
    for f in (forward, backward):
        assert f["decided_within_2_steps"] >= 0.99
        assert f["latency_steps_p95"] <= 2.0


def test_gait_is_walk(forward: dict[str, Any], backward: dict[str, Any]) -> None:
    assert forward["gait_accuracy"] >= 0.95 and backward["gait_accuracy"] >= 0.95


@pytest.mark.xfail(
    strict=True,
    reason="held-out step recall 0.84 (forward) / 0.70 (reversed), precision 0.88 / 0.73, "
    "target 0.97 (issue #3): bout-edge and U-turn steps are missed, and a step called the "
    "wrong way is dated ~290 ms off",
)
def test_step_recall_and_precision(forward: dict[str, Any], backward: dict[str, Any]) -> None:
    for f in (forward, backward):
        assert f["step_recall"] >= 0.97 and f["step_precision"] >= 0.97


def test_micropython_decides_as_cpython_on_a_reversed_real_trace() -> None:
    if not DATA.is_dir():
        pytest.skip(f"real walking data not found at {DATA}")
    tr = reverse(load(DATA / "7-2_fwd.csv"))
    tr.rows = tr.rows[:1500]
    text = to_text(tr)
    cp = replay_cpython(text, "7-2r")
    mp = replay_micropython(text, "7-2r")
    assert [e for e in cp if e["type"] == "step"], "no steps in the slice"
    assert mp == cp


@pytest.mark.xfail(
    strict=True,
    reason="the contact is dated by direction, so a step called the wrong way is also "
    "mis-dated and drops out of eval's 150 ms match: counting every detected step (300 ms) "
    "held-out backward recall is ~0.86, balanced ~0.93, below the 0.98 target",
)
def test_direction_balanced_accuracy_counting_every_detected_step() -> None:
    fwd = _figures(False, 300)["direction_recall"]["forward"]
    back = _figures(True, 300)["direction_recall"]["backward"]
    assert (fwd + back) / 2 >= 0.98, (fwd, back)
