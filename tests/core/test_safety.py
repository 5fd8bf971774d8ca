"""Fall detection: impact then lying/stillness is a fall in any mounting; hard landings,
running and walking are not. The backward cap warns once a stretch passes it."""

import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride.safety import BackwardCap, FallDetector
from retrostride.ticks import TICKS_MAX, ticks_add

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ipol-gait"


def rotation(yaw, pitch, roll):
    cy, sy, cp, sp, cr, sr = (
        math.cos(yaw),
        math.sin(yaw),
        math.cos(pitch),
        math.sin(pitch),
        math.cos(roll),
        math.sin(roll),
    )
    return [
        [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
        [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
        [-sp, cp * sr, cp * cr],
    ]


def body_signal(seconds_before, fall, after_axis, seed, rate=100, run=True):
    """Body-frame samples (m/s^2): running/walking, optionally a fall then lying still."""
    rnd = random.Random(seed)
    out = []
    n = int((seconds_before + (4 if fall else 0)) * rate)
    f = 2.7 if run else 1.8
    amp = 14.0 if run else 3.0  # running: vertical peaks up to ~2.4 g
    for k in range(n):
        s = k / rate
        if fall and s >= seconds_before:
            d = s - seconds_before
            if d < 0.12:
                a = (25.0, 15.0, 30.0)
            elif d < 0.5:
                a = (rnd.uniform(-20, 20), rnd.uniform(-20, 20), rnd.uniform(-10, 20))
            else:
                g = [0.0, 0.0, 0.0]
                g[after_axis % 3] = 9.81 * (1 if after_axis < 3 else -1)
                a = tuple(v + rnd.gauss(0, 0.08) for v in g)
        else:
            ph = 2 * math.pi * f * s
            v = max(-9.0, amp * math.sin(ph)) if run else amp * math.sin(ph)
            a = (1.5 * math.sin(ph + 1), 1.0 * math.sin(ph / 2), 9.81 + v)
            a = tuple(x + rnd.gauss(0, 0.3) for x in a)
        out.append(a)
    return out


def feed(samples, rot, start=0, rate=100):
    det = FallDetector(1000 // rate)
    found = []
    for k, a in enumerate(samples):
        x, y, z = (int(1000 * sum(rot[i][j] * a[j] for j in range(3))) for i in range(3))
        t = ticks_add(start, k * 1000 // rate)
        r = det.feed(t, (x, y, z))
        if r >= 0:
            found.append((r, t))
    return found


angles = st.floats(-math.pi, math.pi, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(angles, angles, angles, st.sampled_from([0, 1, 3, 4]), st.booleans(), st.integers(0, 999))
def test_a_fall_onto_the_side_or_back_is_found_in_any_mounting(yaw, pitch, roll, axis, run, seed):
    rot = rotation(yaw, pitch, roll)
    found = feed(body_signal(8, True, axis, seed, run=run), rot)
    assert len(found) == 1
    impact, decided = found[0]
    assert 8000 <= impact <= 8120 and decided - impact <= 3000


@settings(max_examples=25, deadline=None)
@given(angles, angles, angles, st.booleans(), st.integers(0, 999))
def test_running_and_walking_are_not_falls(yaw, pitch, roll, run, seed):
    assert feed(body_signal(30, False, 0, seed, run=run), rotation(yaw, pitch, roll)) == []


def test_a_hard_landing_then_running_on_is_not_a_fall():
    samples = body_signal(10, False, 0, 1)
    samples[500:505] = [(20.0, 10.0, 45.0)] * 5  # ~5 g stamp, upright
    assert feed(samples, rotation(0.3, 0.2, 0.1)) == []


def test_one_fall_is_reported_once_and_across_the_tick_wrap():
    samples = body_signal(5, True, 1, 7)
    samples += [samples[-1]] * 1000  # lying there for 10 more seconds
    found = feed(samples, rotation(1, 2, 3), start=TICKS_MAX - 6000)
    assert len(found) == 1
    assert found[0][0] == ticks_add(TICKS_MAX - 6000, 5000)


@pytest.mark.skipif(not DATA.is_dir(), reason="shared ipol-gait walking data not present")
def test_no_falls_in_real_walking():
    from retrostride.trace import Trace, iter_rows

    files = sorted(DATA.glob("*.csv"))
    assert files
    for path in files:
        det = FallDetector(10)
        with path.open() as f:
            for row in iter_rows(Trace(str(path)), f):
                assert det.feed(row[0], row[1:4]) == -1, path.name


def test_backward_cap_counts_continuous_backward_only():
    cap = BackwardCap(30000)
    warned = []
    for t in range(0, 100000, 10):
        if t % 400 == 0:
            # backward for 40 s, forward 10 s, then backward 50 s
            cap.on_step(t, "forward" if 40000 <= t < 50000 else "backward")
        if cap.due(t):
            warned.append(t)
    assert warned == [30400, 80400]
    assert cap.longest_ms >= 49600


def test_backward_cap_stretch_ends_after_a_pause_in_steps():
    cap = BackwardCap(10000)
    for t in range(0, 8000, 400):
        cap.on_step(t, "backward")
    for t in range(8000, 20000, 10):
        assert not cap.due(t)  # stopped: no steps for 4 s ends the stretch
    cap.on_step(20000, "backward")
    assert not cap.due(25000)
