"""The templates learnt from both directions (``host_tools.fit_gait.discriminant``): running's,
so that a heel strike's transient does not read as a backward stride, and walking's."""

from __future__ import annotations

import io
from array import array
from collections.abc import Sequence

import pytest

from host_tools.evaluate import score
from host_tools.fit_gait import (
    discriminant,
    strides,
    subject_traces,
    template,
    walking_template,
)
from host_tools.paths import IPOL_DATA
from host_tools.replay import replay_cpython, replay_micropython
from host_tools.simulate import Options, simulate
from host_tools.timereverse import reverse
from retrostride import gait, gait_model, stride
from retrostride.trace import Trace, parse_lines

# simulated runners (not training seeds of the committed fit) who land on the heel with
# a transient of 9-11 m/s^2
HEEL_STRIKERS = (700015, 800002, 800007)


def run_text(seed: int, minutes: float = 1.0) -> str:
    buf = io.StringIO()
    simulate(Options(seed=seed, gait="run", direction="mixed", minutes=minutes), buf)
    return buf.getvalue()


def runs(seeds: Sequence[int]) -> list[Trace]:
    return [parse_lines(run_text(s).splitlines(), f"run-{s}.csv") for s in seeds]


def right(vectors: list[list[int]], tpl: Sequence[int], offset: int, sign: int) -> float:
    """Share of the strides ``vectors`` the classifier's own score puts on the side of ``sign``."""
    clf = gait.GaitClassifier(stride.StepDetector(10, lambda *a: None))
    tf = array("i", tpl)
    hits = 0
    for v in vectors:
        clf.vec[:] = array("i", v)
        hits += (clf.match(tf) + offset) * sign > 0
    return hits / len(vectors)


def test_the_committed_running_template_reads_heel_strikers_both_ways() -> None:
    check = runs(HEEL_STRIKERS)
    fwd, bwd = strides(check, "run_forward"), strides(check, "run_backward")
    assert len(fwd) > 200 and len(bwd) > 200
    tpl, offset = gait_model.TEMPLATE_RUN, gait_model.RUN_OFFSET
    assert right(fwd, tpl, offset, 1) > 0.9
    assert right(bwd, tpl, offset, -1) > 0.9
    # the walking template, which running used before, reads their forward strides backward
    assert right(fwd, gait_model.TEMPLATE, 0, 1) < 0.3


def test_the_discriminant_separates_its_strides_better_than_their_mean() -> None:
    train = runs(range(101, 109))  # training seeds of the committed fit
    fwd, bwd = strides(train, "run_forward"), strides(train, "run_backward")
    mean = template(fwd)
    tpl, offset = discriminant(fwd, bwd, mean)
    assert max(abs(v) for v in tpl) == 127

    def balanced(t: Sequence[int], off: int) -> float:
        return (right(fwd, t, off, 1) + right(bwd, t, off, -1)) / 2

    assert balanced(mean, 0) < 0.7
    assert balanced(tpl, offset) > 0.8


def test_micropython_calls_a_heel_striker_as_cpython_does() -> None:
    text = run_text(HEEL_STRIKERS[0], minutes=0.75)
    cp = replay_cpython(text, "heel")
    assert replay_micropython(text, "heel") == cp
    figures = score(parse_lines(text.splitlines(), "heel"), cp).figures()
    assert figures["direction_recall"]["forward"] > 0.9
    assert figures["direction_recall"]["backward"] > 0.9


def test_the_committed_walking_template_is_what_the_fit_learns_from_the_training_subjects() -> None:
    if not IPOL_DATA.is_dir():
        pytest.skip(f"real walking data not found at {IPOL_DATA}")
    assert walking_template(subject_traces([1, 2, 3, 4, 5])) == gait_model.TEMPLATE


def test_the_committed_walking_template_reads_held_out_walkers_better_than_a_mean_stride() -> None:
    """Learnt from forward and time-reversed strides (``fit_gait.walking_template``), it
    must beat what it replaced, the training walkers' mean forward stride, on walkers it
    never saw, both ways."""
    if not IPOL_DATA.is_dir():
        pytest.skip(f"real walking data not found at {IPOL_DATA}")
    mean = template(strides(subject_traces([1, 2, 3, 4, 5])))
    held = subject_traces([6, 7, 8, 9, 10])
    fwd = strides(held)
    bwd = strides([reverse(t) for t in held], "walk_backward")
    assert len(fwd) > 500 and len(bwd) > 500

    def balanced(t: Sequence[int]) -> float:
        return (right(fwd, t, 0, 1) + right(bwd, t, 0, -1)) / 2

    assert balanced(gait_model.TEMPLATE) > balanced(mean) + 0.03
