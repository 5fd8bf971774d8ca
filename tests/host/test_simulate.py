"""``retrostride simulate``: determinism, the trace contract, physics and ground truth."""

import contextlib
import io
import itertools
import json
import math
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools import cli
from host_tools.datasets import SPLITS, items
from host_tools.evaluate import score
from host_tools.simulate import G, Options, random_mounting, rotate, simulate
from host_tools.timereverse import relocated
from retrostride import gait_model, session
from retrostride.trace import LABELS, parse_lines

RETROSTRIDE = Path(sys.executable).with_name("retrostride")


def run_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), *args], capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Result:
    """The CLI in-process (fast); one test runs the installed console script."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as e:  # argparse's own usage errors
            code = int(e.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def make(**kw):
    """Simulate in-process; returns (text, parsed trace)."""
    kw.setdefault("minutes", 0.5)
    buf = io.StringIO()
    simulate(Options(**kw), buf)
    text = buf.getvalue()
    return text, parse_lines(text.splitlines(), "sim.csv")


def norms(trace, first):
    return [math.sqrt(r[first] ** 2 + r[first + 1] ** 2 + r[first + 2] ** 2) for r in trace.rows]


def true_steps(trace, label=None):
    return [r[0] for r in trace.rows if r[8] == 1 and (label is None or r[7] == label)]


# ------------------------------------------------------------ determinism, contract


def test_same_arguments_give_the_same_bytes_and_seeds_differ(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, "7"), (b, "7"), (c, "8")):
        result = run_subprocess("simulate", "--out", str(path), "--seed", seed, "--minutes", "0.3")
        assert result.returncode == 0, result.stderr
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


@pytest.mark.parametrize("gait", ["walk", "run"])
@pytest.mark.parametrize("direction", ["forward", "backward", "mixed"])
def test_output_follows_the_trace_contract(gait, direction):
    text, trace = make(seed=3, gait=gait, direction=direction, minutes=1.0)
    assert text.startswith("# retrostride-trace v1\n")
    assert trace.meta["rate_hz"] == "100"
    assert trace.meta["placement"] == "waist"
    assert "seed=3" in trace.meta["source"] and f"gait={gait}" in trace.meta["source"]
    assert "cadence=" in trace.meta["runner"] and trace.meta["mounting"]
    assert trace.has_gyro and trace.has_label and trace.has_step
    assert trace.rows[0][0] >= 0
    assert {r[7] for r in trace.rows} <= set(LABELS)
    span = trace.rows[-1][0] - trace.rows[0][0]
    assert abs(span - 60_000) < 50
    assert abs(len(trace.rows) - 6000) <= 1
    moving = {f"{gait}_{d}" for d in ("forward", "backward")}
    if direction == "mixed":
        assert moving <= {r[7] for r in trace.rows}
    else:
        assert f"{gait}_{direction}" in {r[7] for r in trace.rows}
        assert f"{gait}_{'backward' if direction == 'forward' else 'forward'}" not in {
            r[7] for r in trace.rows
        }


def test_accelerometer_only_omits_the_gyro_columns():
    text, trace = make(seed=4, acc_only=True)
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header == "t_ms,ax,ay,az,label,step"
    assert not trace.has_gyro
    assert all(r[4] is None for r in trace.rows)
    assert "gyro=no" in trace.meta["sensor"]


def test_saturation_clips_at_the_range():
    _, trace = make(seed=5, gait="run", direction="backward", range_g=2.0)
    limit = round(2.0 * G * 1000)
    peak = max(max(abs(r[1]), abs(r[2]), abs(r[3])) for r in trace.rows)
    assert peak <= limit
    clipped = sum(1 for r in trace.rows if max(abs(r[1]), abs(r[2]), abs(r[3])) >= limit - 1)
    assert clipped > 50  # running at +-2 g does saturate


def test_sample_times_jitter_but_never_go_backwards():
    _, trace = make(seed=6)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(trace.rows)]
    assert min(gaps) >= 0
    assert len(set(gaps)) > 1
    assert statistics.mean(gaps) == pytest.approx(10.0, abs=0.05)


# ------------------------------------------------------------ mounting


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32),
    st.tuples(*(st.floats(-50, 50, allow_nan=False) for _ in range(3))),
)
def test_every_mounting_is_a_rotation(seed, v):
    m, _ = random_mounting(random.Random(seed), uniform_p=0.5)
    r = rotate(m, v)
    assert math.hypot(*r) == pytest.approx(math.hypot(*v), abs=1e-9)
    det = (
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    )
    assert det == pytest.approx(1.0, abs=1e-9)  # proper: no mirror-image sensor


def test_mounting_changes_axes_but_not_magnitudes():
    _, a = make(seed=9, gait="run", direction="mixed", clean=True, uniform_mount_p=0.0)
    _, b = make(seed=9, gait="run", direction="mixed", clean=True, uniform_mount_p=1.0)
    assert a.meta["mounting"] != b.meta["mounting"]
    assert [r[1:4] for r in a.rows[:100]] != [r[1:4] for r in b.rows[:100]]
    for name, first in (("acc", 1), ("gyro", 4)):
        na, nb = norms(a, first), norms(b, first)
        assert max(abs(x - y) for x, y in zip(na, nb, strict=True)) < 3, name  # rounding only


# ------------------------------------------------------------ physics (science.md)


def cadences(trace, label):
    t = true_steps(trace, label)
    gaps = [b - a for a, b in itertools.pairwise(t) if b - a < 1500]
    return 60_000 / statistics.median(gaps)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_cadence_flight_and_peak_follow_the_literature(seed):
    _, fwd = make(seed=seed, gait="run", direction="forward", clean=True, activities=False)
    _, bwd = make(seed=seed, gait="run", direction="backward", clean=True, activities=False)
    _, walk = make(seed=seed, gait="walk", direction="forward", clean=True, activities=False)
    assert 150 <= cadences(fwd, "run_forward") <= 190
    assert 170 <= cadences(bwd, "run_backward") <= 230
    assert cadences(bwd, "run_backward") > cadences(fwd, "run_forward")
    assert 80 <= cadences(walk, "walk_forward") <= 130

    def flight_ms(trace):
        """Time per step with the accelerometer reading ~0 (free fall)."""
        rows = [r for r in trace.rows if r[7].startswith("run")]
        free = sum(1 for r in rows if math.sqrt(r[1] ** 2 + r[2] ** 2 + r[3] ** 2) < 600)
        return 10 * free / len(true_steps(trace))

    def peak_up(trace):
        return max(norms(trace, 1)) / 1000 - G

    # running has a flight phase (specific force ~0), walking never does
    assert 30 <= flight_ms(fwd) <= 140
    assert min(norms(walk, 1)) > 4000
    # backward: longer flight, higher peak upward acceleration (Cavagna et al.)
    assert flight_ms(bwd) > flight_ms(fwd)
    assert 10.5 <= peak_up(fwd) <= 19.0
    assert peak_up(bwd) > peak_up(fwd)


@pytest.mark.parametrize("gait", ["walk", "run"])
def test_mean_specific_force_is_gravity(gait):
    """Whole steps carry the body weight: no vertical drift of the centre of mass."""
    _, trace = make(
        seed=12, gait=gait, direction="backward", clean=True, activities=False, uniform_mount_p=0
    )
    rows = [r for r in trace.rows if r[7] != "still"]
    mean = [statistics.mean(r[k] for r in rows) / 1000 for k in (1, 2, 3)]
    assert math.hypot(*mean) == pytest.approx(G, rel=0.03)


# ------------------------------------------------------------ ground truth vs the detector


def detect(text):
    events = []
    session.replay(text.splitlines(), "sim.csv", events.append)
    return [e for e in events if e["type"] == "step"]


def dating_shift(step: dict) -> int:
    """What the classifier added to the detector's peak time for this step's call."""
    back = step["direction"] == "backward"
    if step["gait"] == "run":
        return gait_model.SHIFT_RUN_BACKWARD_MS if back else gait_model.SHIFT_RUN_FORWARD_MS
    return gait_model.SHIFT_BACKWARD_MS if back else gait_model.SHIFT_FORWARD_MS


@pytest.mark.parametrize(
    ("gait", "direction", "seed"),
    [
        ("walk", "forward", 21),
        ("walk", "backward", 22),
        ("run", "forward", 23),
        ("run", "backward", 24),
    ],
)
def test_detector_finds_the_labelled_steps(gait, direction, seed):
    """One detection per labelled step, at a steady offset from it.

    The offset is the detector's own latency convention (it may report the
    contact a little early or late per gait); the ground truth is where the
    contact begins. Aligning by the median offset first keeps this test about
    the labels, not about the detector's calibration constant. The classifier's
    per-direction dating is undone first (each step back at the detector's peak),
    so a stride called the wrong way does not count against the detector: the
    direction is scored elsewhere.
    """
    text, trace = make(
        seed=seed, gait=gait, direction=direction, minutes=1.0, clean=True, activities=False
    )
    steps = [dict(e, t_ms=e["t_ms"] - dating_shift(e)) for e in detect(text)]
    truth = true_steps(trace)
    tally = score(trace, steps, tol=150)
    assert abs(tally.found_steps - tally.truth_steps) <= 0.05 * tally.truth_steps
    offsets = []
    for e in steps:
        nearest = min(truth, key=lambda t, e=e: abs(t - e["t_ms"]))
        offsets.append(e["t_ms"] - nearest)
    shift = statistics.median(offsets)
    shifted = [dict(e, t_ms=e["t_ms"] - round(shift)) for e in steps]
    aligned = score(trace, shifted, tol=80).figures()
    assert aligned["step_recall"] >= 0.9, aligned
    assert aligned["step_precision"] >= 0.9, aligned


def test_fidgeting_and_standing_carry_no_steps():
    _, trace = make(seed=31, gait="walk", direction="forward", minutes=3.0)
    labels = {r[7] for r in trace.rows}
    assert "other" in labels or "still" in labels
    assert not [r for r in trace.rows if r[8] == 1 and r[7] in ("still", "other")]


def test_turns_rotate_about_half_a_circle():
    _, trace = make(seed=41, gait="walk", direction="forward", minutes=3.0, clean=True)
    turn_rows = [r for r in trace.rows if r[7] == "turn"]
    assert turn_rows, "a 3-minute walk has U-turns"
    assert [r for r in turn_rows if r[8] == 1], "people step while turning"
    # rotation over each turn: ~pi (the mounting rotates the axis, not the angle)
    angles = []
    for turning, rows in itertools.groupby(trace.rows, key=lambda r: r[7] == "turn"):
        if turning:
            rows = list(rows)
            angle = [sum(r[k] for r in rows) / 1000 * 0.01 for k in (4, 5, 6)]
            angles.append(math.hypot(*angle))
    assert angles
    for angle in angles:
        assert angle == pytest.approx(math.pi, rel=0.2)


# ------------------------------------------------------------ plans


def write_plan(tmp_path, blocks):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"version": 1, "name": "test", "blocks": blocks}))
    return path


BLOCKS = [
    {"kind": "warmup", "seconds": 20},
    {
        "repeat": 2,
        "blocks": [{"kind": "backward", "seconds": 15}, {"kind": "forward", "seconds": 15}],
    },
    {"kind": "rest", "seconds": 10},
    {"kind": "cooldown", "seconds": 10},
]
EXPECT = [
    (0, 20, {"run_forward"}),
    (20, 35, {"run_backward"}),
    (35, 50, {"run_forward"}),
    (50, 65, {"run_backward"}),
    (65, 80, {"run_forward"}),
    (80, 90, {"walk_forward", "still"}),
    (90, 100, {"run_forward"}),
]


def labels_between(trace, t0, t1):
    return {r[7] for r in trace.rows if t0 * 1000 <= r[0] < t1 * 1000}


@pytest.mark.parametrize("seed", ["1", "2"])
def test_plan_labels_follow_the_block_times(tmp_path, seed):
    out = tmp_path / "t.csv"
    result = run(
        "simulate", "--out", str(out), "--plan", str(write_plan(tmp_path, BLOCKS)), "--seed", seed
    )
    assert result.returncode == 0, result.stderr
    trace = parse_lines(out.read_text().splitlines(), str(out))
    assert trace.rows[-1][0] >= 100_000
    for t0, t1, want in EXPECT:
        # a few seconds to notice the change and turn round, then the block's activity only
        assert labels_between(trace, t0 + 4, t1) <= want, (t0, t1)
        # (the first 20 ms may still be the previous block: sample times jitter)
        assert labels_between(trace, t0 + 0.02, t1) <= want | {
            "turn",
            "run_forward",
            "run_backward",
        }
    for t0, _, _want in EXPECT[1:5]:
        assert "turn" in labels_between(trace, t0, t0 + 4)  # turning round takes 1-2 s


def test_forward_runner_never_turns_round(tmp_path):
    out = tmp_path / "t.csv"
    plan = write_plan(tmp_path, BLOCKS)
    result = run("simulate", "--out", str(out), "--plan", str(plan), "--direction", "forward")
    assert result.returncode == 0, result.stderr
    trace = parse_lines(out.read_text().splitlines(), str(out))
    labels = {r[7] for r in trace.rows}
    assert "run_backward" not in labels and "turn" not in labels
    assert labels_between(trace, 24, 35) == {"run_forward"}  # a backward block, run forward


def test_step_counted_block_lasts_that_many_steps(tmp_path):
    blocks = [
        {"kind": "warmup", "seconds": 10},
        {"kind": "backward", "steps": 60},
        {"kind": "rest", "seconds": 5},
    ]
    out = tmp_path / "t.csv"
    result = run("simulate", "--out", str(out), "--plan", str(write_plan(tmp_path, blocks)))
    assert result.returncode == 0, result.stderr
    trace = parse_lines(out.read_text().splitlines(), str(out))
    t = [r for r in trace.rows if r[0] >= 10_000 and r[8] == 1]
    in_block = []
    for r in t:
        if r[7] in ("walk_forward", "still"):
            break
        in_block.append(r)
    assert len(in_block) == 60
    assert sum(1 for r in in_block if r[7] == "run_backward") >= 50


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gait", "hop"], "--gait must be walk or run"),
        (["--direction", "sideways"], "--direction must be forward, backward or mixed"),
        (["--seed", "x"], "--seed must be an integer"),
        (["--minutes", "-1"], "--minutes must be between"),
        (["--minutes", "nan"], "--minutes must be between"),
        (["--range-g", "1"], "--range-g must be between"),
        (["--offset-cm", "12,0"], "--offset-cm takes three numbers"),
        (["--offset-cm", "12,0,x"], "--offset-cm must be a number"),
        (["--offset-cm", "80,0,0"], "--offset-cm must be between"),
        (["--plan", "/nonexistent/plan.json"], "cannot read plan"),
    ],
)
def test_bad_arguments_are_one_sentence_and_exit_2(tmp_path, args, message):
    out = tmp_path / "t.csv"
    result = run("simulate", "--out", str(out), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_out_and_invalid_plan_are_usage_errors(tmp_path):
    result = run("simulate")
    assert result.returncode == 2 and "required: --out" in result.stderr
    assert result.stderr.startswith("usage: retrostride simulate [-h] --out TRACE.csv")
    result = run("simulate", "--out", "")
    assert result.returncode == 2 and "--out TRACE.csv names no file" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "name": "x", "blocks": [{"kind": "jog"}]}))
    result = run("simulate", "--out", str(tmp_path / "t.csv"), "--plan", str(bad))
    assert result.returncode == 2
    assert ": blocks" in result.stderr and "blocks[0]" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unwritable_output_is_a_failure(tmp_path):
    result = run("simulate", "--out", str(tmp_path / "no" / "such" / "dir.csv"), "--minutes", "0.1")
    assert result.returncode == 1 and "cannot write" in result.stderr


# ------------------------------------------------------------ data sets


def test_tuning_and_held_out_sets_share_no_seed():
    tune = items("tune", 30)
    held = items("heldout", 30)
    assert not {i.options.seed for i in tune} & {i.options.seed for i in held}
    assert len({i.name for i in tune + held}) == 60
    assert any(i.options.acc_only for i in held) and any(i.options.range_g == 8 for i in held)
    assert set(SPLITS) == {"tune", "heldout"}
    with pytest.raises(ValueError):
        items("train")


def test_dropouts_leave_gaps_and_nan_but_keep_every_contact():
    _, plain = make(seed=13, minutes=2.0)
    _, holed = make(seed=13, minutes=2.0, dropouts=True)
    assert len(holed.rows) < len(plain.rows)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(holed.rows)]
    assert max(gaps) >= 30
    assert any(r[1] is None for r in holed.rows)
    assert len(true_steps(holed)) == len(true_steps(plain))
    kept = {r[0]: r[1:] for r in holed.rows if r[1] is not None}
    same = [r for r in plain.rows if r[0] in kept and r[8] == 0]
    assert all(kept[r[0]][:6] == r[1:7] for r in same)  # the rest of the trace is unchanged


def test_a_fall_is_an_impact_then_lying_in_another_orientation():
    _, plain = make(seed=17, direction="backward", minutes=2.0)
    _, fell = make(seed=17, direction="backward", minutes=2.0, falls=True)
    rows = [r for r in fell.rows if r[7] == "fall"]
    assert rows and not [r for r in rows if r[8] == 1]
    start = rows[0][0]
    assert max(norms(fell, 1)) > 3 * G * 1000  # the impact
    before = next(i for i, r in enumerate(fell.rows) if r[0] == start)
    assert fell.rows[:before] == plain.rows[:before]  # the same run up to the fall

    def gravity(rows):
        mean = [statistics.mean(r[k] for r in rows) for k in (1, 2, 3)]
        n = math.hypot(*mean)
        return [m / n for m in mean]

    upright = gravity(fell.rows[before - 300 : before])
    lying = gravity(rows[-150:])
    tilt = math.degrees(math.acos(sum(a * b for a, b in zip(upright, lying, strict=True))))
    assert 45 < tilt < 110


@pytest.mark.parametrize(("name", "axis", "sign"), [("front", 3, 1), ("upside-down", 3, -1)])
def test_a_named_mounting_fixes_the_axes(name, axis, sign):
    _, trace = make(seed=2, mounting=name, clean=True, minutes=0.1)
    standing = [r for r in trace.rows if r[7] == "still"]
    assert statistics.mean(r[axis] for r in standing) * sign > 9500  # gravity on +-z
    assert trace.meta["mounting"].startswith(name)


def test_an_unknown_mounting_is_a_usage_error(tmp_path):
    result = run("simulate", "--out", str(tmp_path / "t.csv"), "--mounting", "hat")
    assert result.returncode == 2 and "--mounting must be random or one of" in result.stderr


def test_a_clip_off_the_centre_is_pushed_by_the_trunks_rotation():
    """``--offset-cm``: the lever arm the simulator adds agrees with the one
    ``timereverse.relocated`` works out from the trace's own gyroscope, which is a
    second, independent way to the same physics; standing still adds nothing."""
    kw = {"seed": 5, "gait": "run", "minutes": 0.5, "clean": True, "mounting": "front"}
    text, centre = make(**kw)
    moved_text, moved = make(offset_cm=(12.0, 0.0, 0.0), **kw)
    assert "# clip offset: 12,0,0 cm" in moved_text and "clip offset" not in text
    worked_out = relocated(centre, (0.12, 0.0, 0.0))  # front mounting: sensor axes = body axes
    running = [i for i, r in enumerate(centre.rows) if (r[7] or "").startswith("run")]
    for k in (2, 3):  # across and along gravity, where the pitching pushes
        push = [moved.rows[i][k] - centre.rows[i][k] for i in running]
        est = [worked_out.rows[i][k] - centre.rows[i][k] for i in running]
        assert statistics.pstdev(push) > 1000  # mm/s^2: a real push
        assert statistics.correlation(push, est) > 0.98
    still = [i for i, r in enumerate(centre.rows) if r[7] == "still"]
    assert all(abs(moved.rows[i][k] - centre.rows[i][k]) <= 10 for i in still for k in (1, 2, 3))
    assert [r[4:] for r in moved.rows] == [r[4:] for r in centre.rows]
