"""The transforms that make real recordings into ones we do not have (``host_tools.timereverse``):
time-reversed, at another rate, worn another way, without a gyroscope."""

from __future__ import annotations

import functools
import io
import math
import random
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools.fit_gait import run_core
from host_tools.simulate import Options, random_mounting, rotate, simulate
from host_tools.timereverse import (
    accelerometer_only,
    miscalibrated,
    remounted,
    resampled,
    reverse,
)
from retrostride.trace import Trace, parse_lines


@functools.cache
def walk() -> Trace:
    buf = io.StringIO()
    simulate(Options(seed=5, gait="walk", direction="forward", minutes=0.25), buf)
    return parse_lines(buf.getvalue().splitlines(), "walk.csv")


def steps(tr: Trace) -> list[int]:
    return [r[0] for r in tr.rows if r[8] == 1]


def test_reversed_plays_backwards_with_angular_rate_flipped() -> None:
    tr = walk()
    rev = reverse(tr)
    end = tr.rows[-1][0]
    assert [r[0] for r in rev.rows] == [end - r[0] for r in reversed(tr.rows)]
    first, last = rev.rows[0], tr.rows[-1]
    assert first[1:4] == last[1:4]
    assert first[4:7] == tuple(-v for v in last[4:7] if v is not None)
    assert {r[7] for r in rev.rows if r[8] == 1} <= {"walk_backward", "turn", "still"}
    # each contact becomes a lift-off, one double support (60-160 ms) after it
    gaps = [b - a for a, b in zip(sorted(end - t for t in steps(tr)), steps(rev), strict=True)]
    assert all(-160 <= g <= -60 for g in gaps), gaps


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_remounted_turns_both_vectors_and_keeps_the_rest(seed: int) -> None:
    tr = walk()
    m, _ = random_mounting(random.Random(seed), uniform_p=1.0)
    (x0, x1, x2), (y0, y1, y2), (z0, z1, z2) = m
    back = ((x0, y0, z0), (x1, y1, z1), (x2, y2, z2))  # a rotation's inverse: its transpose
    turned = remounted(tr, m)
    again = remounted(turned, back)
    assert [r[7:] for r in turned.rows] == [r[7:] for r in tr.rows]
    for a, b, c in zip(tr.rows[::37], turned.rows[::37], again.rows[::37], strict=True):
        for k in (1, 4):  # the accelerometer, the gyroscope
            assert math.dist(b[k : k + 3], rotate(m, a[k : k + 3])) <= 1
            assert math.dist(a[k : k + 3], c[k : k + 3]) <= 2  # only rounding


def test_accelerometer_only_drops_the_gyroscope_not_the_steps() -> None:
    tr = walk()
    acc = accelerometer_only(tr)
    assert tr.has_gyro and not acc.has_gyro
    assert all(r[4:7] == (None, None, None) for r in acc.rows)
    assert [r[:4] + r[7:] for r in acc.rows] == [r[:4] + r[7:] for r in tr.rows]
    assert [e for e in run_core(acc) if e["type"] == "step"]


def test_resampled_keeps_every_step_near_its_time() -> None:
    tr = walk()
    for rate in (50, 200):
        out = resampled(tr, rate)
        assert out.rate_hz() == rate
        assert len(steps(out)) == len(steps(tr))
        assert all(abs(a - b) <= 1000 // rate for a, b in zip(steps(out), steps(tr), strict=True))


def test_miscalibrated_adds_one_offset_per_axis_and_noise() -> None:
    tr = walk()
    off = miscalibrated(tr, bias_mm=500, noise_mm=0, seed=3)
    deltas = {
        tuple(b - a for a, b in zip(r[1:4], o[1:4], strict=True))
        for r, o in zip(tr.rows, off.rows, strict=True)
    }
    ((dx, dy, dz),) = deltas  # the same offset on every row
    assert all(abs(d) <= 500 for d in (dx, dy, dz)) and (dx, dy, dz) != (0, 0, 0)
    noisy = miscalibrated(tr, bias_mm=0, noise_mm=100, seed=3)
    errors = [o[1] - r[1] for r, o in zip(tr.rows, noisy.rows, strict=True)]
    assert 80 <= statistics.pstdev(errors) <= 120 and abs(statistics.mean(errors)) < 20
    assert [o[4:] for o in noisy.rows] == [r[4:] for r in tr.rows]  # the gyroscope untouched
    drifting = miscalibrated(tr, bias_mm=0, noise_mm=0, seed=3, gyro_bias_mrad=349)
    assert [o[1:4] for o in drifting.rows] == [r[1:4] for r in tr.rows]
    ((gx, gy, gz),) = {
        tuple(b - a for a, b in zip(r[4:7], o[4:7], strict=True))
        for r, o in zip(tr.rows, drifting.rows, strict=True)
    }
    assert all(abs(d) <= 349 for d in (gx, gy, gz)) and (gx, gy, gz) != (0, 0, 0)
    no_gyro = miscalibrated(accelerometer_only(tr), 0, 0, 3, gyro_bias_mrad=349)
    assert all(o[4:7] == (None, None, None) for o in no_gyro.rows)
