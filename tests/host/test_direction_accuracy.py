"""Issue #3 targets on held-out subjects of the real walking data, forward and time-reversed.

The classifier was fitted on subjects 1-5 (host_tools/fit_gait.py); these
tests score subjects 6-10 only. They skip when the shared data is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from host_tools.evaluate import Tally, score
from host_tools.fit_gait import run_core
from host_tools.replay import replay_cpython, replay_micropython
from host_tools.sessions import HELD_OUT, subject_sessions
from host_tools.timereverse import load, reverse, to_text
from retrostride.trace import Trace

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "ipol-gait"


def resampled(trace: Trace, rate_hz: int) -> Trace:
    """The trace at another sample rate: linear interpolation, each step on its nearest sample."""
    rows = trace.rows
    out = Trace(trace.name)
    out.meta = dict(trace.meta, rate_hz=str(rate_hz))
    out.has_gyro, out.has_label, out.has_step = trace.has_gyro, trace.has_label, trace.has_step
    period = 1000 // rate_hz
    steps = [r[0] for r in rows if r[8] == 1]
    j = k = 0
    for t in range(rows[0][0], rows[-1][0] + 1, period):
        while j + 1 < len(rows) and rows[j + 1][0] <= t:
            j += 1
        a, b = rows[j], rows[min(j + 1, len(rows) - 1)]
        f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0.0
        vals = [None if x is None or y is None else round(x + f * (y - x))
                for x, y in zip(a[1:7], b[1:7], strict=True)]  # fmt: skip
        step = 0
        while k < len(steps) and steps[k] < t + period / 2:
            step = 1
            k += 1
        out.rows.append((t, *vals, a[7], step))
    return out


def _figures(backward: bool, rate_hz: int = 100) -> dict[str, Any]:
    if not DATA.is_dir():
        pytest.skip(f"real walking data not found at {DATA}")
    total = Tally()
    for s in HELD_OUT:
        for p in sorted(DATA.glob(f"{s}-*.csv")):
            tr = load(p)
            if backward:
                tr = reverse(tr)
            if rate_hz != 100:
                tr = resampled(tr, rate_hz)
            total.add(score(tr, run_core(tr)))
    return total.figures()


@pytest.fixture(scope="module")
def forward() -> dict[str, Any]:
    return _figures(False)


@pytest.fixture(scope="module")
def backward() -> dict[str, Any]:
    return _figures(True)


def test_u_turns_are_not_called_backward(forward: dict[str, Any], backward: dict[str, Any]) -> None:
    assert forward["turn_steps"] > 20
    assert forward["turn_false_backward_rate"] <= 0.02
    # time-reversed, the U-turn is walked backward: only the gyroscope tells it is a
    # turn (0.10: the smoothed turn rate lags the turn's first steps; 0.97 without it)
    assert backward["turn_steps"] > 20
    assert backward["turn_false_backward_rate"] <= 0.15


def test_every_step_decided_within_two_steps(
    forward: dict[str, Any], backward: dict[str, Any]
) -> None:
    for f in (forward, backward):
        assert f["decided_within_2_steps"] >= 0.99
        assert f["latency_steps_p95"] <= 2.0


@pytest.mark.parametrize("rate_hz", [50, 200])
def test_the_figures_hold_at_other_sample_rates(
    rate_hz: int, forward: dict[str, Any], backward: dict[str, Any]
) -> None:
    """IMUs run at 50 to 208 Hz: the recordings resampled score as they do at 100 Hz.

    Time constants are in ms, not samples (the gravity low-pass was 64 samples,
    and the stride window's grid sits a fixed time after the peak).
    """
    for rev, at_100 in ((False, forward), (True, backward)):
        f = _figures(rev, rate_hz=rate_hz)
        want = "backward" if rev else "forward"
        assert f["direction_recall"][want] >= at_100["direction_recall"][want] - 0.02, (rev, f)
        assert f["step_recall"] >= at_100["step_recall"] - 0.05, (rev, f)


def test_gait_is_walk(forward: dict[str, Any], backward: dict[str, Any]) -> None:
    assert forward["gait_accuracy"] >= 0.95 and backward["gait_accuracy"] >= 0.95


@pytest.mark.xfail(
    strict=True,
    reason="held-out step recall 0.86 (forward) / 0.74 (reversed), precision 0.89 / 0.76, "
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
    reason="trial by trial, every detected step counted, held-out forward 0.997 and reversed "
    "0.88 (balanced 0.94), below the 0.98 target: a trial (~25 steps) is too short a session "
    "for the session frame to be trusted (the whole-session test below meets it)",
)
def test_direction_balanced_accuracy_trial_by_trial(
    forward: dict[str, Any], backward: dict[str, Any]
) -> None:
    fwd = forward["direction_recall"]["forward"]
    back = backward["direction_recall"]["backward"]
    assert (fwd + back) / 2 >= 0.98, (fwd, back)


def test_forward_trials_are_called_forward(forward: dict[str, Any]) -> None:
    """Forward walkers are called forward from a single trial's first bout on, not only
    once the session frame is trusted (held-out: 0.997 of their steps)."""
    assert forward["direction_recall"]["forward"] >= 0.99


def _session_figures(kind: str) -> dict[str, Any]:
    if not DATA.is_dir():
        pytest.skip(f"real walking data not found at {DATA}")
    total = Tally()
    for _, tr in subject_sessions(HELD_OUT, kind, DATA):
        total.add(score(tr, run_core(tr)))
    return total.figures()


def test_direction_over_whole_sessions_counting_every_detected_step() -> None:
    """A held-out subject's trials joined into one session (one mounting): the session
    frame has time to learn which way is forward."""
    fwd = _session_figures("forward")
    back = _session_figures("reversed")
    mixed = _session_figures("mixed")
    both = (fwd["direction_recall"]["forward"] + back["direction_recall"]["backward"]) / 2
    assert both >= 0.98, (fwd["direction_recall"], back["direction_recall"])
    assert mixed["direction_balanced_accuracy"] >= 0.98, mixed["direction_recall"]
    assert fwd["turn_false_backward_rate"] <= 0.02


def test_micropython_decides_as_cpython_over_a_whole_mixed_session() -> None:
    """The session frame carries state across bouts: equal over minutes, not seconds."""
    if not DATA.is_dir():
        pytest.skip(f"real walking data not found at {DATA}")
    ((_, tr),) = subject_sessions((7,), "mixed", DATA)
    text = to_text(tr)
    cp = replay_cpython(text, "7-mixed")
    mp = replay_micropython(text, "7-mixed")
    steps = [e for e in cp if e["type"] == "step"]
    assert len(steps) > 150 and any(e["direction"] == "backward" for e in steps)
    assert mp == cp
