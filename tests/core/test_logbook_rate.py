"""Bytes per hour of running, measured on the real core's events over a simulated run.

The header and the session_start/end records are paid once per session and are
counted apart from the hourly rate.
"""

from __future__ import annotations

import io

from host_tools import cli
from host_tools.paths import REPO
from host_tools.replay import replay
from retrostride import logbook


class Keep(io.BytesIO):
    def close(self) -> None:
        pass


def test_a_simulated_run_with_a_plan_logs_under_64_kb_per_hour(tmp_path, capsys):
    trace = tmp_path / "run.csv"
    argv = ["simulate", "--out", str(trace), "--gait", "run", "--minutes", "12", "--seed", "4"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    events = replay(trace, plan=REPO / "host_tools" / "plans" / "intro.json")
    s = Keep()
    w = logbook.Writer(s, {"session": "rate", "plan": "intro", "board": "sim"})
    fixed = w.bytes_written  # the header, and below session_start/end: once per session
    for e in events:
        before = w.bytes_written
        w.append(e)
        if e["type"] in ("session_start", "session_end"):
            fixed += w.bytes_written - before
    data = s.getvalue()
    assert logbook.read(data)[1] == events
    steps = [e for e in events if e["type"] == "step"]
    hours = (events[-1]["t_ms"] - events[0]["t_ms"]) / 3_600_000
    per_hour = (len(data) - fixed) / hours
    spm = len(steps) / hours / 60
    assert spm > 140  # it really is running
    print(f"\nlogbook: {per_hour:.0f} bytes/h at {spm:.0f} steps/min, {fixed} bytes per session")
    assert per_hour <= 64 * 1024, (per_hour, spm)
