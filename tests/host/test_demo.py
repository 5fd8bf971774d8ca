"""``retrostride demo`` end to end (a short session): the steps run for real, or it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_demo_runs_vdev_sync_report_and_export_and_says_where_the_report_is(tmp_path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [str(BIN / "retrostride"), "demo", "--out", str(out), "--minutes", "1.5"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("demo: the report is at ")
    page = Path(last.rsplit(" ", 1)[1])
    assert page.is_file() and page.stat().st_size > 1000
    assert "<html" in page.read_text(errors="replace").lower()
    for fmt in ("fit", "tcx", "csv"):
        assert (out / f"session.{fmt}").stat().st_size > 0
    assert (out / "demo.db").is_file()
    # sync freed the log on the virtual device only after storing it
    assert list((out / "device" / "logs").glob("*.rsl")) == []
    assert "virtual device ran the session" in result.stdout


def test_demo_fails_loudly_when_a_step_fails(tmp_path):
    result = subprocess.run(
        [str(BIN / "retrostride"), "demo", "--out", str(tmp_path / "d"), "--minutes", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "--minutes" in result.stderr
