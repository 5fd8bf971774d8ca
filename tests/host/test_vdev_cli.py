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
    plan.write_text(json.dumps({"version": 1}))
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
        assert json.loads(mpremote("fs", "cat", ":plan.json")) == {"version": 1}
        mpremote("fs", "rm", ":logs/s1.bin")
        mpremote("exec", "f=open('/logs/s2.bin','wb'); f.write(b'two'); f.close()")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the port line
    assert sorted(p.name for p in (fs_dir / "logs").iterdir()) == ["s2.bin"]
    assert (fs_dir / "logs" / "s2.bin").read_bytes() == b"two"
    assert json.loads((fs_dir / "plan.json").read_text()) == {"version": 1}


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
