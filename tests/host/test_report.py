"""``retrostride report``: summary figures, PNG plots and a self-contained HTML page."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from host_tools.report import format_text, intervals_of, summarize, write_report

RETROSTRIDE = Path(sys.executable).with_name("retrostride")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# An intro-like plan: warm-up, backward/forward pairs, cool-down (kind, seconds).
PLAN = [("warmup", 60)] + [("backward", 30), ("forward", 90)] * 3 + [("cooldown", 60)]


def make_session(
    seed: int = 1, plan: list[tuple[str, int]] | None = PLAN, wrong_share: float = 0.1
) -> list[dict[str, Any]]:
    """A hand-built event stream as the device would log it.

    Steps every 0.3-0.6 s in the asked direction, with ``wrong_share`` of them in the
    other one; a wrong-direction warning and a fall in the second backward interval.
    """
    rng = random.Random(seed)
    blocks = plan or [(None, 300)]
    events: list[dict[str, Any]] = [
        {
            "type": "session_start",
            "t_ms": 0,
            "plan": "intro" if plan else None,
            "start": f"2026-11-{10 + seed:02d}T07:00:00Z",
        }
    ]
    t = 0
    steps = backward_steps = backward_ms = 0
    for index, (kind, seconds) in enumerate(blocks):
        if plan:
            events.append({"type": "interval", "t_ms": t, "index": index, "kind": kind})
        end = t + seconds * 1000
        s = t + 400
        while s < end:
            asked = "backward" if kind == "backward" else "forward"
            other = "forward" if asked == "backward" else "backward"
            direction = other if rng.random() < wrong_share else asked
            gait = "run" if kind in ("backward", "forward") else "walk"
            cadence = rng.randint(165, 185) if gait == "run" else rng.randint(105, 120)
            events.append(
                {
                    "type": "step",
                    "t_ms": s,
                    "direction": direction,
                    "gait": gait,
                    "cadence_spm": cadence,
                    "confidence": 0.9,
                    "decided_ms": s + 700,
                }
            )
            steps += 1
            backward_steps += direction == "backward"
            gap = round(60000 / cadence)
            backward_ms += gap if direction == "backward" else 0
            s += gap
        if kind == "backward" and index == 3:
            events.append({"type": "warning", "t_ms": t + 8000, "reason": "wrong_direction"})
            events.append({"type": "buzz", "t_ms": t + 8000, "pattern": "wrong_direction"})
            events.append({"type": "fall", "t_ms": t + 20000})
        t = end
    events.append(
        {
            "type": "session_end",
            "t_ms": t,
            "plan": "intro" if plan else None,
            "steps": steps,
            "backward_steps": backward_steps,
            "backward_s": backward_ms // 1000,
            "compliance": [],
        }
    )
    events.sort(key=lambda e: e["t_ms"])
    return events


def write_jsonl(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_intervals_split_the_steps_by_plan_time():
    events = make_session(wrong_share=0.0)
    ivs = intervals_of(events)
    assert [iv.kind for iv in ivs] == [k for k, _ in PLAN]
    assert [round(iv.duration_s) for iv in ivs] == [s for _, s in PLAN]
    backward = [iv for iv in ivs if iv.kind == "backward"]
    assert all(iv.compliance == 1.0 and iv.backward_steps == iv.steps > 0 for iv in backward)
    # ~30 s of continuous backward running: backward time close to the interval length
    assert all(28 <= iv.backward_s <= 30 for iv in backward)
    assert sum(iv.steps for iv in ivs) == sum(e["type"] == "step" for e in events)


def test_compliance_counts_wrong_direction_steps():
    events = make_session(wrong_share=0.25, seed=3)
    s = summarize(events, "s3")
    for iv in s.intervals:
        if iv.kind == "backward":
            assert iv.compliance is not None and 0.55 < iv.compliance < 0.95
            assert iv.compliance == iv.backward_steps / iv.steps
    assert s.warnings == [(int(PLAN[0][1] * 1000 + 120000 + 8000), "wrong_direction")]
    assert len(s.falls) == 1
    assert s.start == dt.datetime(2026, 11, 13, 7, tzinfo=dt.UTC)


def test_steps_without_a_direction_do_not_count_against_compliance():
    """As on the device: a U-turn's steps and a bout's first ones are ``unknown``."""
    events = make_session(wrong_share=0.0, seed=4)
    steps = [e for e in events if e["type"] == "step"]
    for e in steps[::3]:
        e["direction"] = "unknown"
    s = summarize(events, "s4")
    backward = [iv for iv in s.intervals if iv.kind == "backward"]
    assert all(iv.compliance == 1.0 and iv.backward_steps < iv.steps for iv in backward)
    unknown = backward[0].steps - backward[0].backward_steps
    assert format_text(s).count(f"{unknown} without a direction") >= 1
    assert s.compliance == 1.0


def test_session_without_plan_is_one_interval():
    events = make_session(plan=None)
    s = summarize(events, "free")
    assert len(s.intervals) == 1 and s.intervals[0].kind is None
    assert s.intervals[0].steps == s.steps and s.compliance is None


def test_report_writes_pngs_and_an_html_page_embedding_them(tmp_path):
    history = [summarize(make_session(seed=n), f"s{n}") for n in (1, 2, 9)]
    _, files = write_report(make_session(seed=4), tmp_path / "out", "s4", history)
    assert set(files.pngs) == {"direction", "cadence", "compliance", "progress"}
    page = files.html.read_text()
    for png in files.pngs.values():
        data = png.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
        assert base64.b64encode(data).decode() in page  # embedded, not linked
    assert page.count("data:image/png;base64,") == 4
    assert 'src="http' not in page and "<script" not in page
    assert "interval 2 of 8: backward 30 s" in page


def test_report_command_prints_summary_and_html_path_last(tmp_path):
    src = write_jsonl(tmp_path / "ev.jsonl", make_session(seed=5))
    out = tmp_path / "rep"
    result = run("report", "s5", "--events", str(src), "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert Path(lines[-1]) == out / "report.html" and Path(lines[-1]).exists()
    assert re.search(r"interval 2 of 8: backward 30 s, \d+% backward steps", result.stdout)
    assert "falls     1" in result.stdout and "wrong_direction" in result.stdout
    for name in ("direction", "cadence", "compliance", "progress"):
        assert (out / f"{name}.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "ev.jsonl:1: not a JSON event"),
        ('{"type": "step"}\n', "ev.jsonl:1: an event needs 'type' and an integer 't_ms'"),
    ],
)
def test_bad_events_file_is_one_sentence(tmp_path, content, message):
    (tmp_path / "ev.jsonl").write_text(content)
    result = run("report", "x", "--events", str(tmp_path / "ev.jsonl"), "--out", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unknown_session_or_missing_db_is_exit_2(tmp_path):
    result = run("report", "nope", "--db", str(tmp_path / "none.sqlite"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_the_devices_own_per_interval_figures_win():
    events = make_session(seed=6, wrong_share=0.0)
    end = events[-1]
    end["compliance"] = [100, 50, 100, 75, 100, 100, 100, 100]
    end["interval_backward_s"] = [0, 12, 0, 20, 0, 29, 0, 0]
    s = summarize(events, "s6")
    assert [iv.compliance for iv in s.intervals][:4] == [1.0, 0.5, 1.0, 0.75]
    assert [iv.backward_s for iv in s.intervals][:4] == [0.0, 12.0, 0.0, 20.0]
    # overall: per-interval shares weighted by each interval's steps
    steps = [iv.steps for iv in s.intervals]
    want = sum(c / 100 * n for c, n in zip(end["compliance"], steps, strict=True)) / sum(steps)
    assert s.compliance == pytest.approx(want)


def test_report_of_a_simulated_plan_session_replayed_by_the_core(tmp_path):
    """Events from the real pipeline: simulate --plan, then the core's replay with the coach."""
    plan = tmp_path / "short.json"
    blocks = [{"kind": "warmup", "seconds": 30}]
    blocks += [
        {
            "repeat": 2,
            "blocks": [{"kind": "backward", "seconds": 20}, {"kind": "forward", "seconds": 30}],
        }
    ]
    blocks += [{"kind": "cooldown", "seconds": 30}]
    plan.write_text(json.dumps({"version": 1, "name": "short", "blocks": blocks}))
    trace = tmp_path / "t.csv"
    sim = run("simulate", "--out", str(trace), "--plan", str(plan), "--seed", "1")
    if sim.returncode != 0 or not trace.exists():
        pytest.skip(f"simulate --plan is not available here: {sim.stderr.strip()}")
    replayed = run("replay", str(trace), "--plan", str(plan))
    assert replayed.returncode == 0, replayed.stderr
    events = [json.loads(line) for line in replayed.stdout.splitlines()]
    n_intervals = sum(e["type"] == "interval" for e in events)
    s, files = write_report(events, tmp_path / "r", "sim")
    assert len(s.intervals) == n_intervals == 6
    assert [iv.kind for iv in s.intervals][:3] == ["warmup", "backward", "forward"]
    assert s.steps == events[-1]["steps"] and s.plan == events[-1]["plan"]
    assert files.html.exists() and len(files.pngs) == 4


def stored_db(tmp_path: Path, seeds: tuple[int, ...] = (1, 2, 8)) -> Path:
    """A session database holding real logbook files of ``make_session(seed)`` sessions."""
    import io

    from host_tools.store import Store
    from retrostride import logbook

    db = tmp_path / "sessions.db"
    with Store(db) as st:
        for seed in seeds:
            buf = io.BytesIO()
            w = logbook.Writer(buf, {"session": f"dev{seed}", "plan": "intro"})
            for e in make_session(seed=seed):
                w.append(e)
            st.add(buf.getvalue(), f"test{seed}")
    return db


def test_report_reads_the_session_store(tmp_path):
    db = stored_db(tmp_path)
    out = tmp_path / "rep"
    result = run("report", "dev8", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "session 3 (intro)" in result.stdout
    assert "started    2026-11-18 07:00 UTC" in result.stdout
    assert "interval 2 of 8: backward 30 s" in result.stdout
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 4
    # the progress view spans every stored session: three ISO weeks (W46, W46, W47)
    from host_tools.store import Store

    with Store(db) as st:
        history = [summarize(st.events(int(r["id"])), str(r["id"]), r) for r in st.sessions()]
    assert sorted({h.start.isocalendar()[1] for h in history if h.start}) == [46, 47]


def test_report_of_an_unknown_stored_session_is_exit_2(tmp_path):
    db = stored_db(tmp_path, seeds=(1,))
    result = run("report", "42", "--db", str(db), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "no stored session '42'" in result.stderr and result.stderr.count("\n") == 1


def test_a_session_without_a_clock_is_dated_by_when_it_was_stored():
    events = [e for e in make_session(seed=1) if e["type"] != "session_start"]
    row = {"id": 7, "start": None, "stored_at": "2026-11-20 18:05:00"}
    s = summarize(events, "7", row)
    assert s.start == dt.datetime(2026, 11, 20, 18, 5, tzinfo=dt.UTC) and s.start_is_sync_time
    assert "stored     2026-11-20 18:05 UTC (the device keeps no date)" in format_text(s)
    explicit = summarize(make_session(seed=1), "1", row)
    assert explicit.start == dt.datetime(2026, 11, 11, 7, tzinfo=dt.UTC)
    assert not explicit.start_is_sync_time
