"""Direction and gait classifier on synthetic gait: mounting-invariant, reversal-odd.

The synthetic step is a hand-made piecewise shape with the time asymmetry of
the measured lower-back step (slow rise, abrupt drop), *not* the fitted
template itself. Backward gait is the same signal played in reverse.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import gait, gait_model
from retrostride.coach import Coach
from retrostride.session import Session
from retrostride.stride import StepDetector

RATE = 100
G = 9810
Sample = tuple[int, int, int, int, None, None, None]
Gyro = tuple[int, int, int, int, int, int, int]  # a sample with a gyroscope reading


def stride_shape(phase: float) -> float:
    """Vertical acceleration over one step (phase 0..1, peak at 0).

    Shaped like the measured lower-back step: a gradual rise through double
    support to the peak, an abrupt drop after it, a small bump, a trough.
    """
    p = phase % 1.0
    if p >= 0.7:
        return -0.4 + 1.4 * ((p - 0.7) / 0.3) ** 2
    if p < 0.05:
        return 1.0 - 18 * p
    if p < 0.25:
        return 0.1 + 0.15 * math.sin(math.pi * (p - 0.05) / 0.2)
    return 0.1 - 0.5 * min(1.0, (p - 0.25) / 0.1)


def rotation(yaw: float, pitch: float, roll: float) -> list[list[float]]:
    cy, sy, cp, sp, cr, sr = (math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch),
                              math.cos(roll), math.sin(roll))  # fmt: skip
    return [
        [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
        [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
        [-sp, cp * sr, cp * cr],
    ]


def walk(
    seconds: float,
    spm: float,
    backward: bool = False,
    rot: list[list[float]] | None = None,
    amp: float = 4000.0,
    flip_ap: bool = False,
    rate: int = RATE,
    vshape: Callable[[float], float] = stride_shape,
) -> list[tuple[int, int, int, int, None, None, None]]:
    """Samples of steady walking in body axes (x: AP, y: ML, z: up), then rotated."""
    rot = rot or [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]
    step_s = 60.0 / spm
    n = int(seconds * rate)
    out = []
    for k in range(n):
        t = k / rate
        tt = (n - 1 - k) / rate if backward else t  # played in reverse
        ph = tt / step_s
        up = amp * vshape(ph)
        ap = 0.5 * amp * (stride_shape(ph + 0.1) - stride_shape(ph + 0.6)) * (-1 if flip_ap else 1)
        ml = 0.3 * amp * math.sin(math.pi * ph)
        body = (ap, ml, G + up)
        s = [sum(rot[i][j] * body[j] for j in range(3)) for i in range(3)]
        out.append((k * 1000 // rate, round(s[0]), round(s[1]), round(s[2]), None, None, None))
    return out


def shifted(samples: list[Sample], dt: int) -> list[Sample]:
    """The same samples ``dt`` ms later."""
    return [(s[0] + dt, *s[1:]) for s in samples]


def standing(
    seconds: float, degrees: float = 0.0
) -> list[tuple[int, int, int, int, None, None, None]]:
    """Standing still, the clip tilted forward (about y) by ``degrees``."""
    a = math.radians(degrees)
    x, z = round(G * math.sin(a)), round(G * math.cos(a))
    return [(k * 10, x, 0, z, None, None, None) for k in range(int(seconds * RATE))]


def decisions(samples: list[Sample] | list[Gyro], rate: int = RATE) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    s = Session(rate, out.append, has_gyro=bool(samples) and samples[0][4] is not None)
    for smp in samples:
        s.feed_row(smp)
    return [e for e in out if e["type"] == "step"]


def test_forward_walk_is_forward_and_reversed_is_backward() -> None:
    fwd = decisions(walk(12, 110))
    back = decisions(walk(12, 110, backward=True))
    assert len(fwd) >= 18 and len(back) >= 18
    assert all(e["direction"] == "forward" for e in fwd[3:])
    assert all(e["direction"] == "backward" for e in back[3:])
    assert all(e["gait"] == "walk" for e in fwd[3:])


def test_slow_walking_sampled_at_200_hz_is_classified_both_ways() -> None:
    """A 1.5 s stride is 300 samples at 200 Hz: the whole stride must fit in the ring."""
    fwd = decisions(walk(15, 80, rate=200), rate=200)
    back = decisions(walk(15, 80, backward=True, rate=200), rate=200)
    assert len(fwd) >= 16 and len(back) >= 16
    assert all(e["direction"] == "forward" for e in fwd[3:]), [e["direction"] for e in fwd]
    assert all(e["direction"] == "backward" for e in back[3:])


def test_confidence_is_an_honest_percentage() -> None:
    for e in decisions(walk(10, 100)):
        assert 0 <= round(100 * float(e["confidence"])) <= 99  # type: ignore[arg-type]


@settings(max_examples=6, deadline=None)
@given(
    yaw=st.floats(-math.pi, math.pi),
    pitch=st.floats(-math.pi, math.pi),
    roll=st.floats(-math.pi, math.pi),
    spm=st.floats(90, 130),
    backward=st.booleans(),
)
def test_direction_does_not_depend_on_mounting(
    yaw: float, pitch: float, roll: float, spm: float, backward: bool
) -> None:
    """Any clip orientation (front, back, side, upside down): same calls after a bout's start."""
    want = "backward" if backward else "forward"
    rotated = decisions(walk(10, spm, backward, rotation(yaw, pitch, roll)))
    assert len(rotated) >= 12
    wrong = [e for e in rotated[4:] if e["direction"] != want]
    assert not wrong, wrong[:3]


@settings(max_examples=4, deadline=None)
@given(spm=st.floats(90, 130), backward=st.booleans())
def test_flipping_the_horizontal_axis_changes_nothing(spm: float, backward: bool) -> None:
    """A clip worn front or back: the session frame learns either sense of its axis."""
    a = decisions(walk(8, spm, backward))
    b = decisions(walk(8, spm, backward, flip_ap=True))
    # a bout's first windows reach into the standing start, where scores are near 0
    assert [e["direction"] for e in a][2:] == [e["direction"] for e in b][2:]
    # floor rounding of negative components may move a contact by a sample; a
    # bout's first contact is dated by its first (undecided) call, so skip it too
    assert len(a) == len(b)
    assert all(abs(x["t_ms"] - y["t_ms"]) <= 10 for x, y in zip(a[2:], b[2:], strict=True))  # type: ignore[operator]


def test_a_u_turn_is_not_backward() -> None:
    """A U-turn mid-walk: the clip turns with the body, so the gait in its axes goes on
    as before, plus the pull towards the turn's centre (speed x yaw rate, ~2 m/s^2
    sideways) for the 2 s of the turn. Still forward, before and after."""
    samples = []
    for k, smp in enumerate(walk(14, 110)):
        turning = 6 * RATE <= k < 8 * RATE
        sideways = smp[2] + (1900 if turning else 0)
        samples.append((smp[0], smp[1], sideways, smp[3], None, None, None))
    calls = decisions(samples)
    assert len(calls) >= 20
    assert all(e["direction"] == "forward" for e in calls[3:])


def with_gyro(
    samples: list[Sample], yaw_rate: Callable[[float], float], rot: list[list[float]] | None = None
) -> list[Gyro]:
    """The samples with a gyroscope: ``yaw_rate(t_s)`` rad/s about the body's vertical."""
    rot = rot or [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]
    out = []
    for t, ax, ay, az, *_ in samples:
        w = 1000 * yaw_rate(t / 1000)
        gx, gy, gz = (round(rot[i][2] * w) for i in range(3))
        out.append((t, ax, ay, az, gx, gy, gz))
    return out


def u_turn(start_s: float, seconds: float = 2.0) -> Callable[[float], float]:
    """Yaw rate of a U-turn: through pi, raised-cosine, peaking at ~3 rad/s over 2 s."""

    def rate(t: float) -> float:
        tau = (t - start_s) / seconds
        return math.pi / seconds * (1 - math.cos(2 * math.pi * tau)) if 0 <= tau < 1 else 0.0

    return rate


def test_with_a_gyroscope_the_steps_of_a_u_turn_have_no_direction() -> None:
    """Walking backward, a 2 s U-turn while the steps go on, walking backward again.

    A U-turn changes heading, not body-relative direction: its steps are
    unknown, not backward; after it the walk is backward again within a
    few steps. Any mounting: the turn rate is taken about gravity."""
    rot = rotation(0.7, 2.0, -0.4)
    calls = decisions(with_gyro(walk(20, 110, backward=True, rot=rot), u_turn(10.0), rot))
    before = [e["direction"] for e in calls if 3_000 <= e["t_ms"] <= 10_000]  # type: ignore[operator]
    turning = [e["direction"] for e in calls if 10_500 <= e["t_ms"] <= 12_000]  # type: ignore[operator]
    after = [e["direction"] for e in calls if e["t_ms"] > 13_500]  # type: ignore[operator]
    assert len(before) >= 10 and set(before) == {"backward"}, before
    assert len(turning) >= 2 and set(turning) == {"unknown"}, turning
    assert len(after) >= 10 and set(after) == {"backward"}, after


def test_the_first_step_out_of_a_u_turn_on_the_spot_has_no_direction() -> None:
    """Walking backward, stopping to turn round on the spot, and walking backward again
    as the turn ends (its last 0.3 s).

    The walk's first step waits for a second to confirm it (a bout's start), and by
    then the turn has died down; it was still turning at that step's peak, so the step
    is unknown, not backward. From its second step on the walk is backward again."""
    rot = rotation(-0.3, 0.4, 1.2)
    first = walk(10, 110, backward=True, rot=rot)
    stop = [(10_000 + k * 10, *first[-1][1:]) for k in range(2 * RATE)]
    again = shifted(walk(10, 110, backward=True, rot=rot), 12_000)
    calls = decisions(with_gyro(first + stop + again, u_turn(10.3), rot))
    before = [e["direction"] for e in calls if 3_000 <= e["t_ms"] <= 10_000]  # type: ignore[operator]
    out_of_it = [e["direction"] for e in calls if e["t_ms"] > 10_000]  # type: ignore[operator]
    assert len(before) >= 10 and set(before) == {"backward"}, before
    assert len(out_of_it) >= 15 and out_of_it[0] == "unknown", out_of_it
    assert set(out_of_it[1:]) == {"backward"}, out_of_it


def test_without_a_gyroscope_a_run_turning_into_a_walk_starts_afresh() -> None:
    """Running backward, then at once walking forward (a U-turn's small steps, with no
    gyroscope to tell the turn): the walk's first steps are unknown, not backward."""
    run = walk(8, 170, backward=True, amp=16000)
    steps = [(8_000 + s[0], *s[1:]) for s in walk(6, 110)]
    calls = decisions(run + steps)
    running = [e for e in calls if e["gait"] == "run"]
    walking = [str(e["direction"]) for e in calls if e["t_ms"] > 8_000]  # type: ignore[operator]
    assert len(running) >= 15 and running[-1]["direction"] == "backward"
    assert len(walking) >= 8 and "backward" not in walking, walking
    assert walking[:2] == ["unknown"] * 2 and set(walking[2:]) == {"forward"}, walking


def test_without_a_gyroscope_a_walk_after_a_short_stop_in_a_run_is_not_called_backward() -> None:
    """Running backward, a 1.5 s stop, then walking forward (a U-turn's steps after a
    pause): the walk's steps are not backward, from its first one on. A run taken up
    again after the same stop keeps its direction from its second step on."""
    run = walk(8, 170, backward=True, amp=16000)
    stop = shifted(standing(1.5), 8_000)
    steps = shifted(walk(6, 110), 9_500)
    calls = decisions(run + stop + steps)
    walking = [str(e["direction"]) for e in calls if e["t_ms"] > 9_000]  # type: ignore[operator]
    assert len(walking) >= 8 and "backward" not in walking, walking
    assert walking[:2] == ["unknown"] * 2 and set(walking[2:]) == {"forward"}, walking
    again = shifted(walk(6, 170, backward=True, amp=16000), 9_500)
    calls = decisions(run + stop + again)
    resumed = [str(e["direction"]) for e in calls if e["t_ms"] > 9_000]  # type: ignore[operator]
    assert len(resumed) >= 15 and set(resumed[1:]) == {"backward"}, resumed


def test_at_a_few_samples_a_second_the_lean_waits_for_a_moving_sample() -> None:
    """Under 4 Hz the lean's wait rounds to no checks at all: with none summed yet
    there is no lean to read (it divided by zero)."""
    d = StepDetector(1000, lambda t, i, j: None)
    d.has_still = True
    assert d.u_moving == 0
    assert gait.GaitClassifier(d).lean_credit(1000, 0, 0) == 0


def pelvis_swing(spm: float, offset: float = 0.0, from_s: float = 0.0) -> Callable[[float], float]:
    """Yaw rate of walking a straight line at ``spm``: the pelvis swings one way then
    the other each stride (1.2 rad/s), from ``from_s`` on, plus a gyroscope's ``offset``."""
    stride_s = 2 * 60 / spm

    def rate(t: float) -> float:
        return offset + (1.2 * math.sin(2 * math.pi * t / stride_s) if t >= from_s else 0.0)

    return rate


def test_the_pelvis_swinging_about_the_vertical_every_stride_is_not_turning() -> None:
    """In a straight line the trunk still yaws, one way then the other each stride."""
    calls = decisions(with_gyro(walk(12, 110, backward=True), pelvis_swing(110)))
    assert len(calls) >= 18
    assert all(e["direction"] == "backward" for e in calls[3:]), [e["direction"] for e in calls]


def test_an_untrimmed_gyroscope_is_trimmed_while_standing_still() -> None:
    """An MPU-6050's gyroscope may read 20 deg/s (0.35 rad/s) with the body still. About
    the vertical, that and the pelvis' swing make a straight walk look like turning
    (every step unknown); standing still 3 s first teaches the detector the offset."""
    swing = pelvis_swing(110, offset=0.34, from_s=3.0)
    rot = rotation(0.5, -1.1, 2.2)
    still = [
        (t, *(round(rot[i][2] * G) for i in range(3)), None, None, None) for t, *_ in standing(3)
    ]
    samples = still + shifted(walk(12, 110, backward=True, rot=rot), 3_000)
    calls = decisions(with_gyro(samples, swing, rot))
    assert len(calls) >= 18
    assert all(e["direction"] == "backward" for e in calls[3:]), [e["direction"] for e in calls]


def test_a_turn_on_the_spot_is_not_taken_for_the_gyroscopes_offset() -> None:
    """Standing still by the accelerometer while turning round slowly (IPOL's walkers do,
    at the end of a trial): the rate is uneven, so it is not learnt as an offset; the
    steady rate once the turn is over is."""
    session = Session(RATE, lambda e: None, has_gyro=True)
    turn = u_turn(1.5, 3.0)
    seen = []
    for t, ax, ay, az, gx, gy, gz in with_gyro(standing(10), lambda t: 0.1 + turn(t)):
        session.feed_row((t, ax, ay, az, gx, gy, gz))
        d = session.detector
        seen.append(d.yaw_still >> d.yaw_lp)
    assert max(seen[: 6 * RATE]) == 0 and min(seen) == 0, max(seen)
    assert abs(seen[-1] - 100) <= 5, seen[-1]


def symmetric_shape(phase: float) -> float:
    """A step whose vertical signal is the same played either way: no time asymmetry."""
    return 0.5 * (stride_shape(phase) + stride_shape(-phase))


def test_the_session_frame_calls_a_bout_the_vertical_signal_cannot() -> None:
    """Walking whose vertical signal is time-symmetric: alone, the template cannot tell
    forward from backward (both get the same calls); after forward walking in the same
    session the horizontal lead, which flips under time reversal, tells them apart."""

    def symmetric_bout(backward: bool) -> list[Sample]:
        return walk(10, 110, backward=backward, vshape=symmetric_shape)

    alone = [[e["direction"] for e in decisions(symmetric_bout(b))][3:] for b in (False, True)]
    assert len(alone[0]) >= 11 and set(alone[0]) == set(alone[1]), alone
    first = walk(20, 110)
    pause = [(first[-1][0] + 10 * (k + 1), 0, 0, G, None, None, None) for k in range(300)]
    t = pause[-1][0] + 10
    for backward in (False, True):
        second = shifted(symmetric_bout(backward), t)
        calls = decisions(first + pause + second)
        later = [e["direction"] for e in calls if e["t_ms"] > second[0][0]]  # type: ignore[operator]
        assert len(later) >= 14
        assert all(e["direction"] == "forward" for e in calls[3 : len(calls) - len(later)])
        want = "backward" if backward else "forward"
        assert all(d == want for d in later[3:]), (want, later)


def test_a_clip_put_back_the_other_way_round_is_relearnt() -> None:
    """40 s of walking; the clip taken off (4 s lying on its side) and put back turned
    180 degrees about the vertical; 40 s more. The session frame would now point the
    wrong way: the tilt while handled makes it start afresh."""
    first = walk(40, 110)
    turned = walk(40, 110, rot=rotation(math.pi, 0, 0))
    t = first[-1][0]
    handled = [(t + 10 * (k + 1), G, 0, 0, None, None, None) for k in range(400)]
    t = handled[-1][0]
    calls = decisions(first + handled + shifted(turned, t + 10))
    after = [e["direction"] for e in calls if e["t_ms"] > t]  # type: ignore[operator]
    assert len(after) >= 60
    assert all(d != "backward" for d in after), after
    # turned without the handling (not physically possible) the old frame holds on
    t = first[-1][0]
    instant = decisions(first + shifted(turned, t + 10))
    assert "backward" in [e["direction"] for e in instant if e["t_ms"] > t]  # type: ignore[operator]


def test_the_session_frame_learns_nothing_from_a_bout_start_or_an_odd_stride() -> None:
    """``relative``: the first stride sets the axis (no evidence), blind strides are not
    credited, a lead across the axis says nothing, and the sense that the template
    scores forward becomes forward."""
    c = gait.GaitClassifier(Session(RATE, lambda e: None).detector)
    lead = c._d.lead
    u = c._d.u  # vertical: z

    def stride(x: int, y: int, score: int, use: bool = True) -> int:
        c._lead_prev[0] = c._lead_prev[1] = c._lead_prev[2] = 0
        lead[0], lead[1], lead[2] = x, y, 0
        return int(c.relative(gait.WALK, score, use))

    assert u[2] > 0
    assert stride(9000, 500, 30) == 0  # sets the axis
    assert stride(9000, 500, 30, use=False) == 0  # a blind stride
    assert c._session[gait.WALK] == 0
    for _ in range(10):
        assert stride(8000, -300, 30) > 0
    assert stride(-8000, 300, 0) < 0  # the other sense: backward
    assert stride(100, 9000, 30) == 0  # across the axis
    assert stride(10, 5, 30) == 0  # too small: standing


def test_a_warm_up_fixes_the_frame_until_the_clip_is_moved() -> None:
    """``relative`` in a plan's warm-up: every stride is credited as forward whatever its
    template score; after 20 the template no longer moves the frame, until the vertical
    tilts (the clip handled) and the frame is learnt afresh."""
    c = gait.GaitClassifier(Session(RATE, lambda e: None).detector)
    lead = c._d.lead

    def stride(score: int) -> int:
        c._lead_prev[0] = c._lead_prev[1] = c._lead_prev[2] = 0
        lead[0], lead[1], lead[2] = 8000, -300, 0
        return int(c.relative(gait.WALK, score, True))

    c.new_interval("warmup")
    stride(0)  # sets the axis
    for _ in range(20):
        stride(-60)  # the template says backward: the warm-up says forward
    assert c._session[gait.WALK] > 0
    c.new_interval("backward")
    for _ in range(200):
        assert stride(-60) > 0  # the template cannot talk it round
    c._d.tilted = True
    stride(-60)
    assert c._session[gait.WALK] == 0  # afresh: the axis is set again, no evidence yet
    for _ in range(10):
        stride(-60)
    assert stride(-60) < 0  # and the template teaches it, as without a warm-up


def mirrored_shape(phase: float) -> float:
    """A step the template reads the wrong way round: the measured shape mirrored in time."""
    return stride_shape(-phase)


def coached_calls(first: str) -> tuple[list[str], int]:
    """A walker the template misreads: 40 s forward in a ``first`` interval, 2 s to turn
    round, 20 s backward in a backward interval. Directions after the turn, and how many
    wrong-direction warnings the coach gave."""
    plan = {"version": 1, "name": "misread", "blocks": [
        {"kind": first, "seconds": 40}, {"kind": "backward", "seconds": 60}]}  # fmt: skip
    fwd = walk(40, 110, vshape=mirrored_shape)
    rest = [(40_000 + s[0], *s[1:]) for s in standing(2)]
    back = [(42_000 + s[0], *s[1:]) for s in walk(20, 110, backward=True, vshape=mirrored_shape)]
    out: list[dict[str, object]] = []
    session = Session(RATE, out.append, Coach(plan, out.append))
    for smp in fwd + rest + back:
        session.feed_row(smp)
    calls = [str(e["direction"]) for e in out if e["type"] == "step" and e["t_ms"] > 42_000]  # type: ignore[operator]
    warnings = [e for e in out if e["type"] == "warning" and e["reason"] == "wrong_direction"]
    return calls, len(warnings)


def test_a_warm_up_teaches_the_frame_what_the_template_misreads() -> None:
    """Without a warm-up the session frame learns from the template and calls this walker
    the wrong way round all session (and warns a compliant runner); a forward warm-up is
    taken as forward, and the backward interval after it is called backward."""
    misread, nagged = coached_calls("forward")
    assert misread.count("forward") >= 0.9 * len(misread) and nagged > 0, misread
    calls, warned = coached_calls("warmup")
    assert len(calls) >= 30 and warned == 0
    assert calls.count("backward") >= 0.9 * len(calls), calls


def test_model_constants_are_integers_of_the_right_shape() -> None:
    assert len(gait_model.TEMPLATE) == gait.N
    assert all(isinstance(v, int) and -127 <= v <= 127 for v in gait_model.TEMPLATE)
    for name in ("LEAK_SHIFT", "HYSTERESIS", "CONFIDENT", "SHIFT_FORWARD_MS", "SHIFT_BACKWARD_MS"):
        assert isinstance(getattr(gait_model, name), int)
    assert gait_model.CONFIDENT > 0


def test_running_with_flight_is_run() -> None:
    """A stride whose vertical force drops to free fall is running whatever the cadence."""
    out = decisions(walk(8, 170, amp=16000))
    assert out and all(e["gait"] == "run" for e in out[3:])


def calls_after(pause_s: float, before: str) -> list[str]:
    """Directions of forward steps after walking ``before`` and a pause of ``pause_s``."""
    first = walk(10, 110, backward=before == "backward")
    rest = [(10_000 + s[0], *s[1:]) for s in standing(pause_s)]
    t0 = 10_000 + int(pause_s * 1000)
    fwd = [(t0 + s[0], *s[1:]) for s in walk(8, 110)]
    return [str(e["direction"]) for e in decisions(first + rest + fwd) if e["t_ms"] > t0]  # type: ignore[operator]


def test_the_first_steps_after_a_short_stop_keep_the_direction() -> None:
    """A bout's first two steps have mostly the stop before them in their window.

    After a 2 s stop (a U-turn, a stumble) they keep the old direction, after
    12 s they are unknown; from the third step on the strides decide.
    """
    after = calls_after(2, "forward")
    assert len(after) >= 12
    assert set(after) == {"forward"}, after
    turned = calls_after(2, "backward")  # (its first step is dated backward, before t0)
    assert turned[0] == "backward" and set(turned[1:]) == {"forward"}, turned
    long = calls_after(12, "forward")
    assert long[:2] == ["unknown"] * 2 and set(long[2:]) == {"forward"}, long


def test_a_new_interval_of_the_plan_does_not_inherit_the_old_direction() -> None:
    """Forward, the plan switches to backward, a 2 s stop to turn round, backward.

    Without a plan the stop is a pause like any other and the first steps after
    it keep the old direction; with the plan asking for a change they are unknown.
    """
    plan = {"version": 1, "name": "switch", "blocks": [
        {"kind": "forward", "seconds": 12}, {"kind": "backward", "seconds": 60}]}  # fmt: skip
    fwd = walk(12.5, 110)  # half a second into the backward interval before stopping
    rest = [(12_500 + s[0], *s[1:]) for s in standing(2)]
    back = [(14_500 + s[0], *s[1:]) for s in walk(8, 110, backward=True)]
    out: list[dict[str, object]] = []
    session = Session(RATE, out.append, Coach(plan, out.append))
    for smp in fwd + rest + back:
        session.feed_row(smp)
    coached = [e["direction"] for e in out if e["type"] == "step" and e["t_ms"] > 14_500]  # type: ignore[operator]
    plain = [e["direction"] for e in decisions(fwd + rest + back) if e["t_ms"] > 14_500]  # type: ignore[operator]
    assert plain[:2] == ["forward"] * 2, plain
    assert coached[:2] == ["unknown"] * 2, coached
    assert set(coached[2:]) == set(plain[2:]) == {"backward"}, (coached, plain)


def leaning_calls(degrees: float, backward: bool) -> list[str]:
    """Directions from 15 s into a run, after standing upright, of a runner whose
    vertical signal is the same played either way (the template cannot tell),
    pitched by ``degrees`` while running."""
    lean = rotation(0, math.radians(degrees), 0)
    bout = walk(40, 185, backward=backward, vshape=symmetric_shape, rot=lean)
    calls = decisions(standing(3) + shifted(bout, 3000))
    return [str(e["direction"]) for e in calls if e["t_ms"] > 18_000]  # type: ignore[operator]


def test_a_lean_tells_the_running_frame_what_the_stride_shape_cannot() -> None:
    """The running frame reads the lean against standing still: forward strides' lead
    points against it (in this synthetic signal, +6 degrees of pitch is that lean).
    Upright, both directions get the same call; leaning, each gets its own; under 5
    degrees the lean says nothing. Walking is left to the template: a walker's
    lean is no bigger than how differently people stand."""
    upright = leaning_calls(0, False), leaning_calls(0, True)
    assert len(upright[0]) >= 40 and set(upright[0]) == set(upright[1]), upright
    assert len(set(upright[0])) == 1
    assert set(leaning_calls(6, False)) == {"forward"}
    assert set(leaning_calls(6, True)) == {"backward"}
    assert leaning_calls(4, True) == upright[1]
    walked = []
    for degrees in (-6, 6):  # leaning either way, walking is called alike
        bout = walk(
            40,
            110,
            backward=True,
            vshape=symmetric_shape,
            rot=rotation(0, math.radians(degrees), 0),
        )
        calls = decisions(standing(3) + shifted(bout, 3000))
        walked.append([e["direction"] for e in calls if e["t_ms"] > 18_000])  # type: ignore[operator]
    assert len(walked[0]) >= 20 and walked[0] == walked[1] and len(set(walked[0])) == 1


def test_the_lean_credits_the_sense_running_strides_lead_against() -> None:
    """``lean_credit``: a lean of 6 degrees along +x credits a frame axis along -x as
    forward and one along +x as backward; nothing across the axis, under 5 degrees,
    before 2.5 s of settled running, or without a standing upright."""
    c = gait.GaitClassifier(Session(RATE, lambda e: None).detector)
    d = c._d
    d.has_still = True
    d.u_still[0], d.u_still[1], d.u_still[2] = 0, 0, 1024

    def credit(degrees: float, axis: tuple[int, int, int], n: int = 1000) -> int:
        a = math.radians(degrees)
        up = n * 1024
        d.u_sum[0], d.u_sum[1], d.u_sum[2] = round(up * math.sin(a)), 0, round(up * math.cos(a))
        d.u_moving = n
        return int(c.lean_credit(*axis))

    assert credit(6, (-900, 0, 0)) > 0
    assert credit(6, (900, 0, 0)) < 0
    assert credit(6, (0, 900, 0)) == 0  # across
    assert credit(4, (-900, 0, 0)) == 0  # too small
    assert credit(6, (-900, 0, 0), n=30) == 0  # 2.4 s (every 8th sample): not yet
    d.has_still = False
    assert credit(6, (-900, 0, 0)) == 0
