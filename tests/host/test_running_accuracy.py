"""Issue #3 targets on held-out simulated running: seeds, runners and mountings the
classifier was not fitted or tuned on (``host_tools.datasets``' held-out split).

Twenty two-minute runs of each kind (forward only, backward only, mixed): with the
split's first twelve runs alone every figure looked better than it is (balanced
accuracy 0.9998), because none of them is a runner whose strides the template
misreads.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import random
from typing import Any

import pytest

from host_tools.datasets import items
from host_tools.evaluate import Tally, score
from host_tools.fit_gait import run_core
from host_tools.simulate import Options, simulate
from retrostride.trace import parse_lines

RUNS_PER_KIND = 20


def _held_out_runs() -> list[Options]:
    return [i.options for i in items("heldout", 6 * RUNS_PER_KIND) if i.options.gait == "run"]


def _score(opts: Options) -> Tally:
    buf = io.StringIO()
    simulate(opts, buf)
    trace = parse_lines(buf.getvalue().splitlines(), f"seed {opts.seed}")
    return score(trace, run_core(trace))


@functools.cache
def _tally(direction: str) -> Tally:
    total = Tally()
    for opts in _held_out_runs():
        if opts.direction == direction:
            total.add(_score(opts))
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


@functools.cache
def _off_centre() -> dict[str, Any]:
    """The held-out runs with the clip 15 cm from the pelvis' centre, in a random
    horizontal direction (``simulate``'s ``offset_cm``)."""
    total = Tally()
    for k, opts in enumerate(_held_out_runs()):
        angle = random.Random(k).uniform(0, 2 * math.pi)
        offset = (15 * math.cos(angle), 15 * math.sin(angle), 0.0)
        total.add(_score(dataclasses.replace(opts, offset_cm=offset)))
    return total.figures()


def test_held_out_running_off_the_pelvis_centre_finds_every_step() -> None:
    """The simulator's sets put the sensor at the pelvis' centre; a real clip sits
    10-20 cm from it, where the pelvis' pitch and roll push it up and down."""
    f = _off_centre()
    assert f["step_recall"] >= 0.97 and f["step_precision"] >= 0.97, f
    assert f["gait_accuracy"] >= 0.95, f


@pytest.mark.xfail(
    strict=True,
    reason="the running template was learnt at the pelvis' centre: 15 cm from it the "
    "held-out runs' balanced accuracy is 0.93 (forward-only runs 0.96, backward-only 0.89, "
    "mixed 0.95), against 0.987 there; the independent simulator, whose clip sits 11-20 cm "
    "off, is read right for every runner once its lever arm is taken away (docs/detection.md)",
)
def test_held_out_running_off_the_pelvis_centre_meets_the_direction_target() -> None:
    f = _off_centre()
    assert f["direction_balanced_accuracy"] >= 0.98, f["direction_recall"]
