"""Issue #3 targets on held-out simulated running: seeds, runners and mountings the
classifier was not fitted or tuned on (``host_tools.datasets``' held-out split).

Twenty two-minute runs of each kind (forward only, backward only, mixed): with the
split's first twelve runs alone every figure looked better than it is (balanced
accuracy 0.9998), because none of them is a runner whose strides the template
misreads.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import pytest

from host_tools.datasets import items
from host_tools.evaluate import Tally, score
from host_tools.fit_gait import run_core
from host_tools.simulate import simulate
from retrostride.trace import parse_lines

RUNS_PER_KIND = 20


@functools.cache
def _tally(direction: str) -> Tally:
    runs = [i for i in items("heldout", 6 * RUNS_PER_KIND) if i.options.gait == "run"]
    total = Tally()
    for item in runs:
        if item.options.direction != direction:
            continue
        buf = io.StringIO()
        simulate(item.options, buf)
        trace = parse_lines(buf.getvalue().splitlines(), item.name)
        total.add(score(trace, run_core(trace)))
    return total


def _figures(*directions: str) -> dict[str, Any]:
    total = Tally()
    for d in directions:
        total.add(_tally(d))
    return total.figures()


def test_held_out_running_meets_the_issue_targets() -> None:
    f = _figures("forward", "backward", "mixed")
    assert f["step_recall"] >= 0.97 and f["step_precision"] >= 0.97, f
    assert f["direction_balanced_accuracy"] >= 0.98, f
    assert f["gait_accuracy"] >= 0.95, f
    assert f["decided_within_2_steps"] >= 0.99, f


@pytest.mark.parametrize(
    "direction",
    [
        "backward",
        "mixed",
        pytest.param(
            "forward",
            marks=pytest.mark.xfail(
                strict=True,
                reason="1 of the 20 forward-only runners (seed 900036) is read backward "
                "for most of the run (0.44 forward): the running template misreads its "
                "strides and nothing else in a forward-only run says which way is "
                "forward (no warm-up, a lean under 5 degrees); forward-only 0.973",
            ),
        ),
    ],
)
def test_every_kind_of_run_meets_the_direction_target(direction: str) -> None:
    f = _figures(direction)
    assert f["direction_balanced_accuracy"] >= 0.98, f["direction_recall"]
