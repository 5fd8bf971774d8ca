"""``retrostride replay`` and ``eval``: bad input is one sentence and exit 2, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

RETROSTRIDE = Path(sys.executable).with_name("retrostride")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("t_ms,ax,ay,az\n0,1,2,x\n", "bad.csv:2: az is not a number: 'x'"),
        ("t_ms,ax,ay,az\n10,1,2,3\n5,1,2,3\n", "bad.csv:3: time goes backwards"),
        ("# nothing\n", "bad.csv: no header line"),
        ("# rate_hz: 0\nt_ms,ax,ay,az\n0,1,2,3\n", "bad.csv:1: rate_hz must be samples a second"),
        ("t_ms,ax,ay,az\n" + "".join(f"{k // 2},0,0,9.8\n" for k in range(99)), "timestamps say"),
    ],
)
def test_bad_trace_is_rejected_with_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("replay", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_option_is_refused_with_the_commands_own_usage():
    result = run("replay", "--bogus", "t.csv")
    assert result.returncode == 2 and result.stdout == ""
    assert "usage: retrostride replay" in result.stderr
    assert "retrostride replay: error: unrecognized arguments: --bogus" in result.stderr


def test_missing_file_is_one_sentence(tmp_path):
    result = run("replay", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot read trace" in result.stderr


def test_binary_file_is_rejected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = run("replay", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    path.write_bytes("t_ms,ax,ay,az\n0,0,0,9.8\n10,0,0,9.8 \u00b0\n".encode("latin-1"))
    result = run("replay", str(path))
    assert result.returncode == 2 and f"{path}:3: not UTF-8 text (byte 0xb0)" in result.stderr


def test_a_trace_without_samples_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("# rate_hz: 100\nt_ms,ax,ay,az\n")
    result = run("replay", str(path))
    assert result.returncode == 2 and f"{path}: no samples after the header" in result.stderr


PLANS = Path(__file__).resolve().parents[2] / "host_tools" / "plans"


def synthetic_trace(seconds: int, fall_at: float | None = None, seed: int = 1) -> str:
    """A rhythmic walk-like signal at 100 Hz, optionally ending in a fall (impact, then lying)."""
    import math
    import random

    rnd = random.Random(seed)
    lines = ["# retrostride-trace v1", "# rate_hz: 100", "t_ms,ax,ay,az"]
    for k in range(seconds * 100):
        s = k / 100
        if fall_at is not None and s >= fall_at:
            d = s - fall_at
            if d < 0.15:
                a = (30.0, 20.0, 25.0)
            elif d < 0.6:
                a = (rnd.uniform(-15, 15), rnd.uniform(-15, 15), rnd.uniform(-5, 15))
            else:
                a = (9.81 + rnd.gauss(0, 0.05), rnd.gauss(0, 0.05), rnd.gauss(0, 0.05))
        else:
            ph = 2 * math.pi * 1.8 * s
            a = (
                0.8 * math.sin(ph + 1) + rnd.gauss(0, 0.1),
                0.5 * math.sin(ph / 2) + rnd.gauss(0, 0.1),
                9.81 + 3.0 * math.sin(ph) + rnd.gauss(0, 0.2),
            )
        lines.append(f"{k * 10},{a[0]:.4f},{a[1]:.4f},{a[2]:.4f}")
    return "\n".join(lines) + "\n"


def events_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    import json

    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_columns_the_format_does_not_know_are_named_and_change_nothing(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text(synthetic_trace(20))
    lines = plain.read_text().splitlines()
    more = tmp_path / "more.csv"
    more.write_text(
        "\n".join(lines[:2] + [lines[2] + ",GX,temp"] + [r + ",0.1,21.5" for r in lines[3:]])
    )
    result = run("replay", str(more))
    assert f"{more}: ignoring column(s) 'GX', 'temp', not in retrostride-trace v1" in result.stderr
    assert events_of(result) == events_of(run("replay", str(plain)))


def test_a_trace_from_another_placement_is_named_and_read_as_a_clip(tmp_path):
    """trace.md knows shoe traces too; the core reads every trace as a waistband clip."""
    first, *rest = synthetic_trace(20).splitlines()
    shoe, waist = tmp_path / "shoe.csv", tmp_path / "waist.csv"
    shoe.write_text("\n".join([first, "# placement: shoe", *rest]))
    waist.write_text("\n".join([first, "# placement: lower-back (L5)", *rest]))
    on_shoe, on_waist = run("replay", str(shoe)), run("replay", str(waist))
    note = f"{shoe}: placement 'shoe': the core is made for a clip on the waistband"
    assert note in on_shoe.stderr
    assert "placement" not in on_waist.stderr
    assert events_of(on_shoe) == events_of(on_waist)


def test_without_a_plan_it_prints_steps_and_falls(tmp_path):
    path = tmp_path / "fall.csv"
    path.write_text(synthetic_trace(30, fall_at=20))
    got = events_of(run("replay", str(path)))
    types = {e["type"] for e in got}
    assert types == {"step", "fall"}
    (fall,) = [e for e in got if e["type"] == "fall"]
    assert fall["t_ms"] == 20000 and 20000 < fall["decided_ms"] <= 23000


def test_with_a_plan_the_coach_runs_from_t0_and_pauses_on_a_fall(tmp_path):
    path = tmp_path / "fall.csv"
    path.write_text(synthetic_trace(30, fall_at=20))
    got = events_of(run("replay", str(path), "--plan", str(PLANS / "intro.json")))
    assert got[0] == {"type": "session_start", "t_ms": 0, "plan": "Reverse intro"}
    assert got[1] == {"type": "interval", "t_ms": 0, "index": 0, "kind": "warmup"}
    fall = next(i for i, e in enumerate(got) if e["type"] == "fall")
    assert got[fall + 1]["type"] == "buzz" and got[fall + 1]["pattern"] == "fall"
    end = got[-1]
    assert end["type"] == "session_end" and end["falls"] == 1 and end["completed"] is False
    assert end["steps"] == sum(1 for e in got if e["type"] == "step")


def test_the_plan_starts_at_t0_even_when_the_first_row_is_later(tmp_path):
    """cli.md: the plan starts at the trace's t_ms = 0, so a trace whose first row is at
    250 ms is already 250 ms into the warm-up; the plan is named as a bundled one."""
    head, rows = synthetic_trace(8).split("t_ms,ax,ay,az\n")
    late = [f"{int(t) + 250},{rest}" for t, rest in (r.split(",", 1) for r in rows.splitlines())]
    path = tmp_path / "late.csv"
    path.write_text(head + "t_ms,ax,ay,az\n" + "\n".join(late) + "\n")
    got = events_of(run("replay", str(path), "--plan", "intro"))
    assert got[0] == {"type": "session_start", "t_ms": 0, "plan": "Reverse intro"}
    assert got[1] == {"type": "interval", "t_ms": 0, "index": 0, "kind": "warmup"}


def test_plan_replay_is_identical_in_both_runtimes(tmp_path):
    path = tmp_path / "walk.csv"
    path.write_text(synthetic_trace(40, fall_at=33))
    plan = tmp_path / "plan.json"
    plan.write_text(
        '{"version": 1, "name": "quick", "blocks": [{"kind": "warmup", "seconds": 5},'
        ' {"repeat": 2, "blocks": [{"kind": "backward", "seconds": 6},'
        ' {"kind": "forward", "steps": 8}]}, {"kind": "cooldown", "seconds": 5}]}'
    )
    cp = run("replay", str(path), "--plan", str(plan))
    mp = run("replay", str(path), "--plan", str(plan), "--runtime", "micropython")
    assert cp.returncode == mp.returncode == 0, mp.stderr
    assert cp.stdout == mp.stdout
    kinds = [e["type"] for e in events_of(cp)]
    assert {"interval", "buzz", "fall", "session_end"} <= set(kinds)


def test_old_mac_line_ends_replay_alike_in_both_runtimes(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(synthetic_trace(12).replace("\n", "\r").encode())
    cp = run("replay", str(path))
    mp = run("replay", str(path), "--runtime", "micropython")
    assert cp.returncode == mp.returncode == 0, mp.stderr
    assert cp.stdout == mp.stdout and events_of(cp)


def test_an_invalid_plan_is_refused_before_running(tmp_path):
    path = tmp_path / "walk.csv"
    path.write_text(synthetic_trace(2))
    plan = tmp_path / "plan.json"
    plan.write_text('{"version": 1, "name": "x", "blocks": [{"kind": "backward", "seconds": 0}]}')
    result = run("replay", str(path), "--plan", str(plan))
    assert result.returncode == 2 and result.stdout == ""
    assert "blocks[0].seconds: must be > 0" in result.stderr and "Traceback" not in result.stderr
    result = run("replay", str(path), "--plan", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "cannot read plan" in result.stderr


QUICK = {
    "version": 1,
    "name": "Quick",
    "blocks": [
        {"kind": "warmup", "seconds": 30},
        {
            "repeat": 2,
            "blocks": [{"kind": "backward", "seconds": 30}, {"kind": "forward", "seconds": 45}],
        },
        {"kind": "cooldown", "seconds": 20},
    ],
}


@pytest.mark.parametrize(("gait", "seed"), [("run", 3), ("run", 6)])
def test_simulated_runners_coaching_targets(tmp_path, gait, seed):
    """Compliant runner: no wrong-direction nudge; runner who never turns: one in every
    backward interval within 10 s; interval events within one sample period of plan times."""
    import json

    plan = tmp_path / "quick.json"
    plan.write_text(json.dumps(QUICK))
    got = {}
    for direction in ("mixed", "forward"):
        trace = tmp_path / f"{direction}.csv"
        sim = subprocess.run(
            [
                str(RETROSTRIDE),
                "simulate",
                "--plan",
                str(plan),
                "--gait",
                gait,
                "--seed",
                str(seed),
                "--direction",
                direction,
                "--out",
                str(trace),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert sim.returncode == 0, sim.stderr
        got[direction] = events_of(run("replay", str(trace), "--plan", str(plan)))
    plan_starts = [0, 30000, 60000, 105000, 135000, 180000]
    for evs in got.values():
        starts = [e["t_ms"] for e in evs if e["type"] == "interval"]
        assert len(starts) == len(plan_starts)
        assert all(0 <= s - p <= 15 for s, p in zip(starts, plan_starts, strict=True)), starts
    nudges = [e for e in got["mixed"] if e.get("reason") == "wrong_direction"]
    assert nudges == []
    warns = [e["t_ms"] for e in got["forward"] if e.get("reason") == "wrong_direction"]
    for start in (30000, 105000):
        assert [w for w in warns if start <= w <= start + 10000], (start, warns)


@pytest.mark.parametrize(("gait", "seed"), [("run", 4), ("walk", 5)])
def test_simulated_fall_is_found_once_without_a_plan(tmp_path, gait, seed):
    trace = tmp_path / "fall.csv"
    cmd = [str(RETROSTRIDE), "simulate", "--falls", "--gait", gait, "--seed", str(seed)]
    sim = subprocess.run(
        [*cmd, "--out", str(trace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sim.returncode == 0, sim.stderr
    rows = [ln.split(",") for ln in trace.read_text().splitlines() if ln[:1].isdigit()]
    t_label = next(int(r[0]) for r in rows if "fall" in r)
    falls = [e for e in events_of(run("replay", str(trace))) if e["type"] == "fall"]
    assert len(falls) == 1
    assert t_label <= falls[0]["t_ms"] <= t_label + 2000  # the impact ends the topple
    assert falls[0]["decided_ms"] - falls[0]["t_ms"] <= 3000


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    trace = tmp_path / "run.csv"
    made = run("simulate", "--out", str(trace), "--gait", "run", "--minutes", "8", "--seed", "2")
    assert made.returncode == 0, made.stderr
    # `replay T | head -1`: the pipe closes after the first line, with far more than a
    # pipe buffer (64 KB) of events still to write
    proc = subprocess.Popen(
        [str(RETROSTRIDE), "replay", str(trace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith('{"type":')
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(60) == 141
    assert "Traceback" not in err and err == ""


def test_eval_scores_a_simulated_trace_and_rejects_a_bad_one(tmp_path):
    import json

    trace = tmp_path / "run.csv"
    sim = run("simulate", "--out", str(trace), "--gait", "run", "--seed", "21", "--minutes", "1")
    assert sim.returncode == 0, sim.stderr
    result = run("eval", "--json", str(trace))
    assert result.returncode == 0, result.stderr
    total = json.loads(result.stdout)["total"]
    assert total["truth_steps"] > 100
    assert total["step_recall"] > 0.9 and total["step_precision"] > 0.9
    assert {"run_forward", "run_backward"} <= set(total["step_recall_by_label"])
    text = run("eval", str(trace)).stdout
    assert "step recall by true label" in text and "run_forward" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("t_ms,ax,ay,az\n0,1,2,x\n")
    result = run("eval", str(trace), str(bad))
    assert result.returncode == 2 and "bad.csv:2:" in result.stderr
    assert "Traceback" not in result.stderr
    unlabelled = tmp_path / "plain.csv"
    unlabelled.write_text("t_ms,ax,ay,az\n0,0,0,9.8\n10,0,0,9.8\n")
    for args, message in (
        ([str(unlabelled)], "plain.csv has no step column"),
        ([str(trace), str(trace)], "more than once"),
        (["--tolerance-ms", "-5", str(trace)], "--tolerance-ms must be a positive"),
    ):
        result = run("eval", *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def walk_rows(rate: int, seconds: int = 30) -> list[str]:
    """A rhythmic 110 steps a minute, sampled at ``rate``."""
    import math

    return [
        f"{k * 1000 // rate},0.1,0.2,{9.81 + 4 * math.sin(math.pi * k / rate / 0.545) ** 8:.4f}"
        for k in range(rate * seconds)
    ]


def test_a_trace_without_rate_hz_is_replayed_at_the_rate_of_its_timestamps(tmp_path):
    """Sampled at 200 Hz and saying so, or not saying: the same steps (a core set
    up for 100 Hz would smooth and low-pass over twice the time)."""
    rows = walk_rows(200)
    stated, unstated = tmp_path / "stated.csv", tmp_path / "unstated.csv"
    stated.write_text("\n".join(["# rate_hz: 200", "t_ms,ax,ay,az", *rows]) + "\n")
    unstated.write_text("\n".join(["t_ms,ax,ay,az", *rows]) + "\n")
    want = events_of(run("replay", str(stated)))
    assert len([e for e in want if e["type"] == "step"]) >= 50
    assert events_of(run("replay", str(unstated))) == want


def test_a_trace_faster_than_the_core_takes_is_averaged_down(tmp_path):
    """Over 300 Hz the detector's 512 samples no longer hold a bout's first peak while
    it waits for a second (a 407 Hz trace had a step dated after its end): 400 and
    1000 Hz are averaged to 200 and 250 Hz and find the steps 200 Hz finds."""

    def steps(rate: int) -> list[int]:
        path = tmp_path / f"walk{rate}.csv"
        path.write_text("\n".join([f"# rate_hz: {rate}", "t_ms,ax,ay,az", *walk_rows(rate)]))
        return [int(e["t_ms"]) for e in events_of(run("replay", str(path))) if e["type"] == "step"]  # type: ignore[call-overload]

    want = steps(200)
    assert len(want) >= 50
    for rate in (400, 1000):
        got = steps(rate)
        assert len(got) == len(want), rate
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 5, rate
