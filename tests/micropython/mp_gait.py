"""Detector and direction classifier inside MicroPython: same physics, no allocation per sample."""

import gc
import math
from array import array

from retrostride.session import FIELDS, Session

G = 9810


def shape(p):
    """One step of vertical acceleration (slow rise, abrupt drop), as in tests/core/test_gait.py."""
    p = p % 1.0
    if p >= 0.7:
        return -0.4 + 1.4 * ((p - 0.7) / 0.3) ** 2
    if p < 0.05:
        return 1.0 - 18 * p
    if p < 0.25:
        return 0.1 + 0.15 * math.sin(math.pi * (p - 0.05) / 0.2)
    return 0.1 - 0.5 * min(1.0, (p - 0.25) / 0.1)


def symmetric(p):
    """A step whose vertical signal is the same played either way."""
    return 0.5 * (shape(p) + shape(-p))


def walk(seconds, spm, backward, mount, amp=4000, vshape=shape):
    """Samples packed 4 ints each (t, ax, ay, az); mount maps body (ap, ml, up) to sensor axes."""
    n = int(seconds * 100)
    buf = array("i", bytes(16 * n))
    step_s = 60.0 / spm
    for k in range(n):
        tt = (n - 1 - k) / 100 if backward else k / 100
        ph = tt / step_s
        body = (amp / 2 * (shape(ph + 0.1) - shape(ph + 0.6)), 0.3 * amp * math.sin(math.pi * ph),
                G + amp * vshape(ph))  # fmt: skip
        j = 4 * k
        buf[j] = 10 * k
        for axis in range(3):
            src, sign = mount[axis]
            buf[j + 1 + axis] = int(sign * body[src])
    return buf


UPRIGHT = ((0, 1), (1, 1), (2, 1))
UPSIDE_DOWN_SIDEWAYS = ((1, 1), (0, 1), (2, -1))  # x: ML, y: AP, z: down
ON_THE_SIDE = ((2, 1), (0, -1), (1, 1))  # x: up, y: -AP, z: ML


def joined(*parts):
    """Parts one after the other, re-stamped every 10 ms; a part given as an int is that
    many samples of standing still."""
    n = sum(p if isinstance(p, int) else len(p) // 4 for p in parts)
    buf = array("i", bytes(16 * n))
    k = 0
    for p in parts:
        m = p if isinstance(p, int) else len(p) // 4
        for i in range(m):
            j = 4 * k
            buf[j] = 10 * k
            if isinstance(p, int):
                buf[j + 3] = G
            else:
                buf[j + 1], buf[j + 2], buf[j + 3] = p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]
            k += 1
    return buf


_SAMPLE = array("i", bytes(4 * FIELDS))


def feed(s, buf, k, gyro=None):
    """Sample ``k`` of ``buf`` (and of ``gyro``, 3 ints a sample, when there is one) to
    ``s``, through one preallocated sample as the app's pump does."""
    smp = _SAMPLE
    j = 4 * k
    smp[0] = buf[j]
    smp[1] = buf[j + 1]
    smp[2] = buf[j + 2]
    smp[3] = buf[j + 3]
    if gyro is not None:
        smp[4] = gyro[3 * k]
        smp[5] = gyro[3 * k + 1]
        smp[6] = gyro[3 * k + 2]
    s.feed(smp, 0)


def run(buf, gyro=None):
    out = []
    s = Session(100, out.append, has_gyro=gyro is not None)
    for k in range(len(buf) // 4):
        feed(s, buf, k, gyro)
    return [e for e in out if e["type"] == "step"]


def gyro_about_up(mount, n, rate):
    """Gyroscope readings (3 ints a sample, mrad/s) for ``rate(t_s)`` rad/s about the body's
    vertical, in the sensor axes of ``mount``."""
    out = array("i", bytes(12 * n))
    for k in range(n):
        w = 1000 * rate(k / 100)
        for axis in range(3):
            src, sign = mount[axis]
            out[3 * k + axis] = int(sign * w) if src == 2 else 0
    return out


def u_turn(start_s, seconds=2.0):
    """As tests/core/test_gait.py: through pi, raised-cosine."""

    def rate(t):
        tau = (t - start_s) / seconds
        return math.pi / seconds * (1 - math.cos(2 * math.pi * tau)) if 0 <= tau < 1 else 0.0

    return rate


def test_forward_is_forward_and_reversed_is_backward():
    fwd = run(walk(10, 110, False, UPRIGHT))
    back = run(walk(10, 110, True, UPRIGHT))
    assert len(fwd) >= 14 and len(back) >= 14, (len(fwd), len(back))
    assert all(e["direction"] == "forward" for e in fwd[3:])
    assert all(e["direction"] == "backward" for e in back[3:])


def test_mountings_give_the_same_calls():
    for backward in (False, True):
        want = "backward" if backward else "forward"
        for mount in (UPSIDE_DOWN_SIDEWAYS, ON_THE_SIDE):
            steps = run(walk(8, 100, backward, mount))
            assert len(steps) >= 10, (mount, len(steps))
            assert all(e["direction"] == want for e in steps[4:]), (mount, backward)


def allocation_per_sample(buf, gyro=None):
    """Bytes allocated by the samples that made no step, once a third of ``buf`` has warmed
    the session up (a bout under way, buffers in use); and how many samples, and steps."""
    n = len(buf) // 4
    s = Session(100, lambda e: None, has_gyro=gyro is not None)
    leaked = 0
    plain = 0
    for k in range(n):
        if k == n // 3:
            gc.collect()
        steps = s.steps
        before = gc.mem_alloc()
        feed(s, buf, k, gyro)
        used = gc.mem_alloc() - before
        if k >= n // 3 and s.steps == steps:
            leaked += used
            plain += 1
    return leaked, plain, s.steps


def test_no_allocation_per_sample_in_steady_state():
    leaked, plain, steps = allocation_per_sample(walk(12, 120, True, ON_THE_SIDE))
    assert plain > 500 and steps > 10
    assert leaked == 0, leaked


def test_no_allocation_per_sample_with_a_gyroscope():
    """The turn rate about the vertical is one more small-int sum every 4th sample."""
    buf = walk(12, 120, True, ON_THE_SIDE)
    gyro = gyro_about_up(ON_THE_SIDE, len(buf) // 4, lambda t: 1.5 * math.sin(3.0 * t))
    leaked, plain, steps = allocation_per_sample(buf, gyro)
    assert plain > 500 and steps > 10
    assert leaked == 0, leaked


def test_with_a_gyroscope_the_steps_of_a_u_turn_have_no_direction():
    """As tests/core/test_gait.py: backward, a 2 s U-turn, backward again (clip on its side)."""
    buf = walk(20, 110, True, ON_THE_SIDE)
    calls = run(buf, gyro_about_up(ON_THE_SIDE, len(buf) // 4, u_turn(10.0)))
    turning = [e["direction"] for e in calls if 10500 <= e["t_ms"] <= 12000]
    assert len(turning) >= 2 and all(d == "unknown" for d in turning), turning
    after = [e["direction"] for e in calls if e["t_ms"] > 13500]
    assert len(after) >= 10 and all(d == "backward" for d in after), after


def test_the_first_step_out_of_a_u_turn_on_the_spot_has_no_direction():
    """As tests/core/test_gait.py: backward, 2 s turning round on the spot, backward as
    the turn ends."""
    buf = joined(walk(10, 110, True, UPRIGHT), 200, walk(10, 110, True, UPRIGHT))
    calls = run(buf, gyro_about_up(UPRIGHT, len(buf) // 4, u_turn(10.3)))
    before = [e["direction"] for e in calls if 3000 <= e["t_ms"] <= 10000]
    out_of_it = [e["direction"] for e in calls if e["t_ms"] > 10000]
    assert len(before) >= 10 and all(d == "backward" for d in before), before
    assert len(out_of_it) >= 15 and out_of_it[0] == "unknown", out_of_it
    assert all(d == "backward" for d in out_of_it[1:]), out_of_it


def test_an_untrimmed_gyroscope_is_trimmed_while_standing_still():
    """As tests/core/test_gait.py: a 0.34 rad/s offset about the vertical, 3 s standing,
    then walking backward with the pelvis swinging."""
    stride_s = 2 * 60 / 110
    buf = joined(300, walk(12, 110, True, UPRIGHT))

    def swing(t):
        return 0.34 + (1.2 * math.sin(2 * math.pi * t / stride_s) if t >= 3 else 0.0)

    calls = [e["direction"] for e in run(buf, gyro_about_up(UPRIGHT, len(buf) // 4, swing))]
    assert len(calls) >= 18 and all(d == "backward" for d in calls[3:]), calls


def test_a_turn_on_the_spot_is_not_taken_for_the_gyroscopes_offset():
    """As tests/core/test_gait.py: standing still while turning round slowly and
    unevenly is not an offset; the steady rate once the turn is over is."""
    s = Session(100, lambda e: None, has_gyro=True)
    turn = u_turn(1.5, 3.0)
    buf = joined(1000)
    gyro = gyro_about_up(UPRIGHT, 1000, lambda t: 0.1 + turn(t))
    d = s.detector
    seen = []
    for k in range(1000):
        feed(s, buf, k, gyro)
        seen.append(d.yaw_still >> d.yaw_lp)
    assert max(seen[:600]) == 0 and min(seen) == 0, max(seen)
    assert abs(seen[-1] - 100) <= 5, seen[-1]


def test_without_a_gyroscope_a_run_turning_into_a_walk_starts_afresh():
    """As tests/core/test_gait.py: running backward, then at once walking forward."""
    buf = joined(walk(8, 170, True, ON_THE_SIDE, amp=16000), walk(6, 110, False, ON_THE_SIDE))
    calls = run(buf)
    running = [e for e in calls if e["gait"] == "run"]
    assert len(running) >= 15 and running[-1]["direction"] == "backward", running[-1]
    walking = [e["direction"] for e in calls if e["t_ms"] > 8000]
    assert len(walking) >= 8 and "backward" not in walking, walking
    assert walking[:2] == ["unknown", "unknown"], walking


def test_without_a_gyroscope_a_walk_after_a_short_stop_in_a_run_is_not_called_backward():
    """As tests/core/test_gait.py: running backward, a 1.5 s stop, then walking forward;
    or the run taken up again."""
    run_back = walk(8, 170, True, UPRIGHT, amp=16000)
    walking = [e["direction"] for e in run(joined(run_back, 150, walk(6, 110, False, UPRIGHT)))
               if e["t_ms"] > 9000]  # fmt: skip
    assert len(walking) >= 8 and "backward" not in walking, walking
    assert walking[:2] == ["unknown", "unknown"], walking
    again = walk(6, 170, True, UPRIGHT, amp=16000)
    resumed = [e["direction"] for e in run(joined(run_back, 150, again)) if e["t_ms"] > 9000]
    assert len(resumed) >= 15 and all(d == "backward" for d in resumed[1:]), resumed


def test_at_a_few_samples_a_second_the_lean_waits_for_a_moving_sample():
    """As tests/core/test_gait.py: no lean to read before a moving sample is summed."""
    from retrostride.gait import GaitClassifier
    from retrostride.stride import StepDetector

    d = StepDetector(1000, lambda t, i, j: None)
    d.has_still = True
    assert GaitClassifier(d).lean_credit(1000, 0, 0) == 0


def test_the_small_steps_of_a_u_turn_between_two_runs_are_found():
    """As tests/core/test_stride.py: a hard run, 2 s of steps at a tenth of it, the run again."""
    buf = joined(walk(10, 190, False, UPRIGHT, amp=15000), walk(2, 140, False, UPRIGHT, amp=1500),
                 walk(6, 190, False, UPRIGHT, amp=15000))  # fmt: skip
    in_turn = [e for e in run(buf) if 10000 < e["t_ms"] < 12000]
    assert len(in_turn) >= 3, len(in_turn)


def test_a_pause_inside_a_run_does_not_halve_the_cadence():
    """As tests/core/test_stride.py: 1.3 s without steps, then every 300 ms step again."""
    fast = walk(20, 200, False, UPRIGHT, amp=14000)
    buf = joined(fast[: 4 * 1000], 130, fast[4 * 1130 :])
    after = [e["t_ms"] for e in run(buf) if e["t_ms"] > 11500]
    assert len(after) >= 27, len(after)
    for k in range(1, len(after)):
        assert abs(after[k] - after[k - 1] - 300) <= 30, after[k - 1 : k + 1]


def test_the_first_steps_after_a_short_stop_keep_the_direction():
    """As tests/core/test_gait.py: a 2 s stop keeps the direction, 12 s makes it unknown."""

    def after(stop_samples):
        buf = joined(walk(10, 110, False, UPRIGHT), stop_samples, walk(8, 110, False, UPRIGHT))
        t0 = 10000 + 10 * stop_samples
        return [e["direction"] for e in run(buf) if e["t_ms"] > t0]

    kept = after(200)
    assert len(kept) >= 12 and "backward" not in kept and "unknown" not in kept, kept
    long = after(1200)
    assert long[:2] == ["unknown", "unknown"], long
    assert "backward" not in long and "unknown" not in long[2:], long


def test_soft_steps_after_hard_ones_are_found():
    """As tests/core/test_stride.py: a hard run, then a walk with a sixth of its impact."""
    buf = joined(walk(10, 190, False, UPRIGHT, amp=15000), walk(12, 110, False, UPRIGHT, amp=2500))
    walking = [e for e in run(buf) if e["t_ms"] > 10000]
    assert len(walking) >= 18, len(walking)


def test_a_bout_that_starts_over_a_missed_step_finds_its_rhythm():
    """As tests/core/test_stride.py: soft step, unseen step, then a hard run at 190 spm."""
    fast = walk(12, 190, False, UPRIGHT, amp=15000)
    step = 100 * 60 / 190
    for k in range(len(fast) // 4):
        j = 4 * k
        if k < 0.5 * step or 1.5 * step <= k < 2.5 * step:
            fast[j + 1], fast[j + 2], fast[j + 3] = 0, 0, G
        elif k < 1.5 * step:
            fast[j + 1], fast[j + 2] = fast[j + 1] // 5, fast[j + 2] // 5
            fast[j + 3] = G + (fast[j + 3] - G) // 5
    late = [e["t_ms"] for e in run(joined(200, fast)) if e["t_ms"] > 4000]
    assert len(late) >= 29, len(late)
    for k in range(1, len(late)):
        assert abs(late[k] - late[k - 1] - 316) <= 30, late[k - 1 : k + 1]


def test_a_new_interval_of_the_plan_does_not_inherit_the_old_direction():
    """As tests/core/test_gait.py: forward, the plan switches, a 2 s stop, backward."""
    from retrostride.coach import Coach

    plan = {"version": 1, "name": "switch", "blocks": [
        {"kind": "forward", "seconds": 12}, {"kind": "backward", "seconds": 60}]}  # fmt: skip
    buf = joined(walk(12.5, 110, False, UPRIGHT), 200, walk(8, 110, True, UPRIGHT))
    out = []
    s = Session(100, out.append, Coach(plan, out.append))
    for k in range(len(buf) // 4):
        feed(s, buf, k)
    coached = [e["direction"] for e in out if e["type"] == "step" and e["t_ms"] > 14500]
    plain = [e["direction"] for e in run(buf) if e["t_ms"] > 14500]
    assert plain[:2] == ["forward", "forward"], plain
    assert coached[:2] == ["unknown", "unknown"], coached
    assert len(coached) >= 10 and "forward" not in coached[2:], coached


def test_the_session_frame_calls_a_bout_the_vertical_signal_cannot():
    """As tests/core/test_gait.py: time-symmetric walking gets the same calls alone either
    way, and its own after forward walking in the same session (clip on its side)."""
    alone = []
    for backward in (False, True):
        bout = walk(10, 110, backward, ON_THE_SIDE, vshape=symmetric)
        alone.append(set(e["direction"] for e in run(bout)[3:]))
    assert alone[0] == alone[1], alone
    for backward in (False, True):
        still = walk(3, 110, False, ON_THE_SIDE, amp=0)  # standing, the clip as it was
        buf = joined(walk(20, 110, False, ON_THE_SIDE), still,
                     walk(10, 110, backward, ON_THE_SIDE, vshape=symmetric))  # fmt: skip
        calls = run(buf)
        first = [e["direction"] for e in calls if e["t_ms"] < 20000]
        later = [e["direction"] for e in calls if e["t_ms"] > 23000]
        assert len(later) >= 14 and "backward" not in first[3:], first
        want = "backward" if backward else "forward"
        assert all(d == want for d in later[3:]), (want, later)


def mirrored(p):
    """A step the template reads the wrong way round."""
    return shape(-p)


def test_a_warm_up_teaches_the_frame_what_the_template_misreads():
    """As tests/core/test_gait.py: a misread walker, 40 s of warm-up, 2 s to turn round,
    a backward interval called backward (clip upside down and sideways)."""
    from retrostride.coach import Coach

    plan = {"version": 1, "name": "misread", "blocks": [
        {"kind": "warmup", "seconds": 40}, {"kind": "backward", "seconds": 60}]}  # fmt: skip
    still = walk(2, 110, False, UPSIDE_DOWN_SIDEWAYS, amp=0)  # standing, the clip as it was
    buf = joined(walk(40, 110, False, UPSIDE_DOWN_SIDEWAYS, vshape=mirrored), still,
                 walk(20, 110, True, UPSIDE_DOWN_SIDEWAYS, vshape=mirrored))  # fmt: skip
    out = []
    s = Session(100, out.append, Coach(plan, out.append))
    for k in range(len(buf) // 4):
        feed(s, buf, k)
    calls = [e["direction"] for e in out if e["type"] == "step" and e["t_ms"] > 42000]
    assert len(calls) >= 30 and calls.count("backward") >= 0.9 * len(calls), calls
    assert not [e for e in out if e["type"] == "warning" and e["reason"] == "wrong_direction"]
    plain = [e["direction"] for e in run(buf) if e["t_ms"] > 42000]
    assert plain.count("forward") >= 0.9 * len(plain), plain


def test_a_clip_put_back_the_other_way_round_is_relearnt():
    """As tests/core/test_gait.py: walk, 4 s lying on its side, walk turned 180 degrees."""
    lying = ((2, 1), (0, 1), (1, 1))  # x: up
    turned = ((0, -1), (1, -1), (2, 1))
    buf = joined(walk(40, 110, False, UPRIGHT), walk(4, 110, False, lying, amp=0),
                 walk(40, 110, False, turned))  # fmt: skip
    after = [e["direction"] for e in run(buf) if e["t_ms"] > 44000]
    assert len(after) >= 60, len(after)
    assert "backward" not in after, after


def leaned(buf, degrees):
    """``buf`` (clip upright) with the trunk pitched by ``degrees``, in place."""
    a = math.radians(degrees)
    c = math.cos(a)
    s = math.sin(a)
    for j in range(0, len(buf), 4):
        x = buf[j + 1]
        z = buf[j + 3]
        buf[j + 1] = int(c * x + s * z)
        buf[j + 3] = int(c * z - s * x)
    return buf


def test_a_lean_tells_the_frame_what_the_stride_shape_cannot():
    """As tests/core/test_gait.py, running: after standing upright, runs whose vertical
    signal is the same played either way get one call both ways upright, and their own
    call each when leaning."""

    def calls(degrees, backward):
        bout = leaned(walk(40, 185, backward, UPRIGHT, vshape=symmetric), degrees)
        return [e["direction"] for e in run(joined(300, bout)) if e["t_ms"] > 18000]

    upright = calls(0, False), calls(0, True)
    assert len(upright[0]) >= 40 and len(set(upright[0] + upright[1])) == 1, upright
    assert set(calls(6, False)) == {"forward"}
    assert set(calls(6, True)) == {"backward"}


def test_the_upright_is_not_taken_from_a_bent_posture():
    """As tests/core/test_stride.py: standing still sets the upright, bending over does not."""
    s = Session(100, lambda e: None)
    d = s.detector
    for k in range(300):
        s.feed_row((10 * k, 0, 0, G, None, None, None))
    assert d.has_still and list(d.u_still) == [0, 0, 1024]
    bent = (int(G * math.sin(0.35)), int(G * math.cos(0.35)))  # 20 degrees
    for k in range(300, 600):
        s.feed_row((10 * k, bent[0], 0, bent[1], None, None, None))
    assert list(d.u_still) == [0, 0, 1024]


def test_a_contact_read_as_two_steps_keeps_the_steps_in_time_order():
    """As tests/core/test_session_robustness.py: one contact's two peaks 200 ms apart."""
    buf = array("i", bytes(16 * 400))
    for k in range(400):
        buf[4 * k] = 10 * k
        buf[4 * k + 3] = G + (3000 if 200 <= k < 204 or 220 <= k < 224 else 0)
    steps = run(buf)
    assert [e["gait"] for e in steps] == ["walk", "run"]
    assert steps[0]["t_ms"] == steps[1]["t_ms"]
