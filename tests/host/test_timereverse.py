"""The transforms that make real recordings into ones we do not have (``host_tools.timereverse``):
time-reversed, at another rate, worn another way or elsewhere, without a gyroscope."""

from __future__ import annotations

import functools
import io
import math
import random
import statistics
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools.fit_gait import run_core
from host_tools.simulate import Options, random_mounting, rotate, simulate
from host_tools.timereverse import (
    accelerometer_only,
    ipol_offset,
    miscalibrated,
    relocated,
    remounted,
    resampled,
    reverse,
    yaw_axis_offset,
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


def spinning(rate_mrad: Callable[[float], tuple[float, float, float]], seconds: float = 4) -> Trace:
    """A still sensor reading 1 g on x, turning at ``rate_mrad(t)`` (mrad/s) at 100 Hz."""
    tr = Trace("spin.csv")
    tr.has_gyro, tr.has_label, tr.has_step = True, True, True
    for i in range(int(seconds * 100)):
        w = tuple(round(v) for v in rate_mrad(i / 100))
        tr.rows.append((10 * i, 9807, 0, 0, *w, "still", 0))
    return tr


def test_relocated_adds_the_centripetal_pull_of_a_steady_turn() -> None:
    tr = spinning(lambda t: (0.0, 0.0, 3000.0))  # 3 rad/s about z
    moved = relocated(tr, (0.2, 0.0, 0.0))  # 20 cm along x: pulled back to the axis, 1.8 m/s^2
    for r in moved.rows[50:-50]:
        assert r[1:4] == (9807 - 1800, 0, 0) and r[4:] == tr.rows[0][4:]
    assert [r[1:4] for r in relocated(tr, (0.0, 0.0, 0.0)).rows] == [r[1:4] for r in tr.rows]


def test_relocated_adds_the_tangential_push_of_a_swing_but_not_of_a_wobble() -> None:
    """A 1 Hz swing about z, 20 cm out along x: its angular acceleration pushes along
    y. A 20 Hz wobble of the same rate is the strap's, not the body's: it is filtered out."""
    amp, r = 1000.0, 0.2  # mrad/s, m
    swing = relocated(spinning(lambda t: (0.0, 0.0, amp * math.sin(2 * math.pi * t))), (r, 0, 0))
    for row in swing.rows[100:-100]:
        t = row[0] / 1000
        push = r * amp * 2 * math.pi * math.cos(2 * math.pi * t)  # alpha * r, mm/s^2
        assert abs(row[2] - push) <= 0.03 * r * amp * 2 * math.pi, (t, row[2], push)
    wobble = relocated(spinning(lambda t: (0.0, 0.0, amp * math.sin(40 * math.pi * t))), (r, 0, 0))
    rigid = r * amp * 40 * math.pi  # what a rigid body's swing at 20 Hz would push
    assert max(abs(row[2]) for row in wobble.rows[100:-100]) <= 0.05 * rigid


def test_relocated_keeps_rows_with_a_missing_reading_and_needs_a_gyroscope() -> None:
    tr = spinning(lambda t: (0.0, 0.0, 3000.0), seconds=1)
    tr.rows[40] = (400, None, 0, 0, 0, 0, 3000, "still", 0)
    tr.rows[41] = (410, 9807, 0, 0, 0, 0, None, "still", 0)
    moved = relocated(tr, (0.2, 0.0, 0.0))
    assert moved.rows[40:42] == tr.rows[40:42]
    # the gap does not ring through the filtered rate into its neighbours
    assert moved.rows[39][1:4] == moved.rows[42][1:4] == (9807 - 1800, 0, 0)
    with pytest.raises(ValueError, match="gyroscope"):
        relocated(accelerometer_only(tr), (0.2, 0.0, 0.0))


@pytest.mark.parametrize("tilt_deg", [0, 25])
def test_ipol_offset_is_ahead_and_to_the_left_in_the_sensors_axes(tilt_deg: int) -> None:
    """IPOL's lower-back sensor reads up on x and its z points out of the back, tilted
    about y by the lumbar curve."""
    c, s = math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))
    tr = spinning(lambda t: (0.0, 0.0, 0.0), seconds=1)
    tr.rows = [(r[0], round(9807 * c), 0, round(9807 * s), *r[4:]) for r in tr.rows]
    up = (c, 0.0, s)
    ahead = ipol_offset(tr, 0.25, 0.0)
    left = ipol_offset(tr, 0.0, 0.1)
    assert math.isclose(math.dist(ahead, (0, 0, 0)), 0.25) and math.isclose(left[1], 0.1)
    assert abs(sum(a * u for a, u in zip(ahead, up, strict=True))) < 1e-4  # horizontal
    assert ahead[2] < 0  # against the sensor's z, out of the back
    tr.rows = [(*r[:7], "walk_forward", 0) for r in tr.rows]
    with pytest.raises(ValueError, match="standing still"):
        ipol_offset(tr, 0.25, 0.0)


def swaying(seconds: float = 20) -> Trace:
    """A walker at 114 steps a minute, sensed on the axis the pelvis yaws about (1 g on
    x): it sways and surges at step rate, yaws at stride rate, pitches at step rate."""
    tr = Trace("sway.csv")
    tr.has_gyro, tr.has_label, tr.has_step = True, True, True
    for i in range(int(seconds * 100)):
        t = i / 100
        step = 2 * math.pi * 1.9 * t
        acc = (9807, round(1500 * math.sin(step + 1)), round(800 * math.sin(2 * step)))
        rates = (round(700 * math.sin(step / 2)), round(300 * math.sin(step)), 0)
        tr.rows.append((10 * i, *acc, *rates, "walk_forward", 0))
    return tr


@settings(max_examples=15, deadline=None)
@given(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3))
def test_yaw_axis_offset_finds_where_relocated_put_the_sensor(ahead: float, left: float) -> None:
    """The pitch and the walker's own surge and sway (at step rate) say nothing of it."""
    found = yaw_axis_offset(relocated(swaying(), (0.0, ahead, left)))
    assert math.dist(found, (0.0, ahead, left)) <= 0.01, found


def test_yaw_axis_offset_needs_a_gyroscope_and_a_walk() -> None:
    with pytest.raises(ValueError, match="gyroscope"):
        yaw_axis_offset(accelerometer_only(swaying(2)))
    with pytest.raises(ValueError, match="walking or running"):
        yaw_axis_offset(spinning(lambda t: (300.0, 0.0, 0.0)))
