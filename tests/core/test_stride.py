"""Streaming step detector on synthetic input: cadences, mountings, non-steps."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_gait import RATE, G, rotation, shifted, standing, walk

from retrostride.stride import StepDetector


def contacts(samples: list[tuple[int, int, int, int, None, None, None]]) -> list[int]:
    out: list[int] = []
    d = StepDetector(1000 // RATE, lambda t, i, j: out.append(t))
    for s in samples:
        d.feed(s[0], s[1:4])
    return out


@settings(max_examples=8, deadline=None)
@given(spm=st.floats(80, 220), yaw=st.floats(-3.1, 3.1), pitch=st.floats(-3.1, 3.1))
def test_counts_steps_from_slow_walking_to_fast_running(
    spm: float, yaw: float, pitch: float
) -> None:
    """80 to 220 spm in any orientation: every step after the start is found, no extras."""
    seconds = 10.0
    amp = 4000.0 if spm < 150 else 14000.0
    found = contacts(walk(seconds, spm, rot=rotation(yaw, pitch, 0.3), amp=amp))
    expected = seconds * spm / 60
    # the gravity estimate settles in ~0.6 s: up to the first 3 steps may go unseen
    assert expected - 3 <= len(found) <= expected + 1, (len(found), expected)
    gaps = [b - a for a, b in itertools.pairwise(found)]
    step_ms = 60000 / spm
    assert all(abs(g - step_ms) <= 30 for g in gaps[1:]), gaps


def test_standing_still_gives_no_steps() -> None:
    assert contacts([(k * 10, 0, 0, G, None, None, None) for k in range(3000)]) == []


def test_fidgeting_and_single_knocks_are_not_steps() -> None:
    rng = random.Random(7)
    samples = []
    for k in range(3000):
        knock = 15000 if k in (500, 1900) else 0  # two knocks 14 s apart
        samples.append(
            (k * 10, rng.randint(-600, 600), rng.randint(-600, 600),
             G + rng.randint(-700, 700) + knock, None, None, None)
        )  # fmt: skip
    assert contacts(samples) == []


def test_slow_torso_sway_is_not_walking() -> None:
    samples = []
    for k in range(3000):
        a = 0.4 * math.sin(2 * math.pi * k / 300)  # bending to and fro every 3 s
        samples.append(
            (k * 10, round(G * math.sin(a)), 0, round(G * math.cos(a)), None, None, None)
        )
    assert contacts(samples) == []


def test_contacts_are_increasing_and_survive_bad_values() -> None:
    samples = walk(6, 110)
    samples[300] = (3000, 156000, -156000, 156000, None, None, None)  # a saturated glitch
    found = contacts(samples)
    assert found == sorted(found)
    assert len(found) >= 8


def test_a_pause_inside_a_run_does_not_halve_the_cadence() -> None:
    """1.3 s without steps mid-run (a stumble): afterwards every step is found again.

    The gap is still within one bout; folded whole into the rhythm it raised
    the refractory time above the 300 ms step and locked the detector onto
    every other step for the rest of the run.
    """
    run = walk(20, 200, amp=14000)
    quiet = range(1000, 1130)  # samples 10.0-11.3 s: the vertical signal is flat
    samples = [(s[0], 0, 0, G, None, None, None) if k in quiet else s for k, s in enumerate(run)]
    found = contacts(samples)
    after = [t for t in found if t > 11500]
    assert len(after) >= 8.5 / 0.3 - 1, (len(after), after[:6])
    assert all(abs(b - a - 300) <= 30 for a, b in itertools.pairwise(after)), after[:6]


def test_soft_steps_after_hard_ones_are_found() -> None:
    """A hard run, then a walk with a sixth of its impact (slowing down, a turn).

    The threshold follows the typical peak of recent steps, which only moved on
    accepted steps: after the run every walking step fell below it.
    """
    run = walk(10, 190, amp=15000)
    soft = shifted(walk(12, 110, amp=2500), 10_000)
    found = contacts(run + soft)
    walking = [t for t in found if t > 10_000]
    assert len(walking) >= 12 * 110 / 60 - 4, (len(walking), walking[:4])


def test_the_small_steps_of_a_u_turn_between_two_runs_are_found() -> None:
    """A hard run (1.5 g peaks), 2 s of U-turn steps at a tenth of that, the run again.

    The bar sank by a quarter per quiet period and stayed above the turn's
    steps for ~2.5 s; it now falls to twice the largest bump the quiet period
    showed, when that is lower.
    """
    run = walk(10, 190, amp=15000)
    turn = shifted(walk(2, 140, amp=1500), 10_000)
    again = shifted(walk(6, 190, amp=15000), 12_000)
    found = contacts(run + turn + again)
    in_turn = [t for t in found if 10_000 < t < 12_000]
    assert len(in_turn) >= 3, in_turn
    running = [t for t in found if t > 12_500]
    assert len(running) >= 5.5 * 190 / 60 - 2, len(running)


def test_a_bout_that_starts_over_a_missed_step_finds_its_rhythm() -> None:
    """Standing, a soft first step, a step too soft to see, then a hard run at 190 spm.

    The bout's first interval spans the unseen step (two intervals): the
    refractory time learnt from it was longer than a step, and only every
    other step of the run was found. A peak as strong as a step about half an
    interval on now re-learns the rhythm.
    """
    step = 100 * 60 / 190  # samples per step; step m peaks at sample m * step
    samples = [(k * 10, 0, 0, G, None, None, None) for k in range(200)]
    for k, s in enumerate(walk(12, 190, amp=15000)):
        if k < 0.5 * step or 1.5 * step <= k < 2.5 * step:  # before step 1, step 2
            s = (s[0], 0, 0, G, None, None, None)
        elif k < 1.5 * step:  # step 1 at a fifth of the strength
            s = (s[0], s[1] // 5, s[2] // 5, G + (s[3] - G) // 5, None, None, None)
        samples.append((2000 + s[0], *s[1:]))
    late = [t for t in contacts(samples) if t > 4000]
    assert len(late) >= 10 * 190 / 60 - 2, len(late)
    assert all(abs(b - a - 316) <= 30 for a, b in itertools.pairwise(late)), late[:6]


def test_the_upright_is_the_first_stillness_and_the_lean_is_summed_while_moving() -> None:
    """``u_still`` is the vertical when standing still, but not a posture more than 5
    degrees from the first one (bent over, sitting); ``u_sum`` adds the vertical while
    moving, from 2 s after the wearer set off."""
    d = StepDetector(1000 // RATE, lambda t, i, j: None)
    for s in standing(3):
        d.feed(s[0], s[1:4])
    assert d.has_still and list(d.u_still) == [0, 0, 1024]
    for s in shifted(standing(3, 20), 3000):  # bent over, still
        d.feed(s[0], s[1:4])
    assert list(d.u_still) == [0, 0, 1024]
    for s in shifted(standing(3, 3), 6000):  # upright again, a little differently
        d.feed(s[0], s[1:4])
    assert abs(d.u_still[0] - round(1024 * math.sin(math.radians(3)))) <= 2
    assert d.u_moving == 0
    moving = shifted(walk(6, 170, rot=rotation(0, math.radians(8), 0), amp=14000), 9000)
    for s in moving:
        d.feed(s[0], s[1:4])
    n = d.u_moving
    assert n * 8 * 10 == pytest.approx(4000, abs=200)  # every 8th sample after the first 2 s
    lean = math.degrees(math.asin(d.u_sum[0] / n / 1024))
    assert lean == pytest.approx(8, abs=1)
