"""Streaming step detector on synthetic input: cadences, mountings, non-steps."""

from __future__ import annotations

import itertools
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from test_gait import RATE, G, rotation, walk

from retrostride.stride import StepDetector


def contacts(samples: list[tuple[int, int, int, int, None, None, None]]) -> list[int]:
    out: list[int] = []
    d = StepDetector(1000 // RATE, lambda t, i, j: out.append(t))
    for s in samples:
        d.feed(*s)
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
