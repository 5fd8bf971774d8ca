"""``retrostride vdev``: port on the first stdout line, --fs-dir round trip, clean exit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_vdev_serves_mpremote_and_mirrors_its_filesystem(tmp_path):
    fs_dir = tmp_path / "fs"
    (fs_dir / "logs").mkdir(parents=True)
    (fs_dir / "logs" / "s1.bin").write_bytes(b"\x00session one")
    plan = tmp_path / "plan.json"
    intro = (Path(__file__).parents[2] / "host_tools" / "plans" / "intro.json").read_text()
    plan.write_text(intro)
    proc = subprocess.Popen(
        [str(BIN / "retrostride"), "vdev", "--fs-dir", str(fs_dir), "--plan", str(plan)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()  # the vdev prints it within a second
        assert port.startswith("/dev/"), port

        def mpremote(*args: str) -> str:
            result = subprocess.run(
                [str(BIN / "mpremote"), "connect", port, *args],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            return result.stdout

        assert "12 s1.bin" in mpremote("fs", "ls", ":logs")
        assert json.loads(mpremote("fs", "cat", ":plan.json")) == json.loads(intro)
        mpremote("fs", "rm", ":logs/s1.bin")
        mpremote("exec", "f=open('/logs/s2.bin','wb'); f.write(b'two'); f.close()")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the port line
    assert sorted(p.name for p in (fs_dir / "logs").iterdir()) == ["s2.bin"]
    assert (fs_dir / "logs" / "s2.bin").read_bytes() == b"two"
    assert json.loads((fs_dir / "plan.json").read_text()) == json.loads(intro)


def test_vdev_rejects_a_missing_plan(tmp_path):
    result = subprocess.run(
        [str(BIN / "retrostride"), "vdev", "--plan", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "plan" in result.stderr and "Traceback" not in result.stderr


def test_vdev_runs_the_firmware_over_a_trace_before_printing_the_port(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "version": 1,
                "name": "Two blocks",
                "blocks": [{"kind": "warmup", "seconds": 5}, {"kind": "backward", "seconds": 5}],
            }
        )
    )
    trace = tmp_path / "trace.csv"
    subprocess.run(
        [str(BIN / "retrostride"), "simulate", "--plan", str(plan), "--out", str(trace)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rows = sum(1 for line in trace.read_text().splitlines()[1:] if not line.startswith("#"))
    fs_dir = tmp_path / "fs"
    proc = subprocess.Popen(
        [
            str(BIN / "retrostride"),
            *("vdev", "--plan", str(plan)),  # and the demo's board
            *("--trace", str(trace), "--fs-dir", str(fs_dir)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        assert port.startswith("/dev/"), port
        logs = [p.name for p in (fs_dir / "logs").glob("*.rsl")]
        assert logs == ["s00001.rsl"]  # written before the port line
        assert json.loads((fs_dir / "board.json").read_text())["name"] == "devkitc-gy521"
        listing = subprocess.run(
            [str(BIN / "mpremote"), "connect", port, "fs", "ls", ":logs"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "s00001.rsl" in listing
        assert (
            "main.py"
            in subprocess.run(
                [str(BIN / "mpremote"), "connect", port, "fs", "ls", ":"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
        )  # the firmware is on the device, as deploy would leave it
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"ran {rows - 1} trace rows ({rows - 1} samples delivered)" in err


def test_vdev_refuses_a_bad_trace_or_plan_before_starting(tmp_path):
    """Checked on the host, as replay checks them: the user's file and line, exit 2."""
    good = tmp_path / "good.csv"
    good.write_text("t_ms,ax,ay,az\n0,0,0,9.8\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("t_ms,ax,ay,az\n0,0,0,9.8\n10,0,x,9.8\n")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "name": "x", "blocks": []}))
    for args, message in (
        (["--trace", str(bad)], f"{bad}:3: ay is not a number"),
        (["--trace", str(good), "--plan", str(plan)], f"{plan}: blocks"),
    ):
        result = subprocess.run(
            [str(BIN / "retrostride"), "vdev", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr


def test_vdev_reports_a_firmware_failure_during_the_trace_in_one_sentence(tmp_path):
    board = json.loads((Path(__file__).parents[2] / "boards" / "devkitc-gy521.json").read_text())
    del board["i2c"]  # the app cannot build its IMU bus
    (tmp_path / "b.json").write_text(json.dumps(board))
    trace = tmp_path / "t.csv"
    trace.write_text("t_ms,ax,ay,az\n0,0,0,9.8\n10,0,0,9.8\n")
    result = subprocess.run(
        [
            str(BIN / "retrostride"),
            "vdev",
            "--board",
            str(tmp_path / "b.json"),
            "--trace",
            str(trace),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert "the firmware failed while running the trace" in last and "KeyError" in last
