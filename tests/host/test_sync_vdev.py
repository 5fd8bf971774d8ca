"""sync against the virtual device through the real mpremote transport, and its cost
next to a plain ``mpremote fs cp`` of the same one-hour log (bytes on the wire, wall time)."""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import serial
from mpremote.transport_serial import SerialTransport
from test_deploy import board_clock_error_s

from host_tools import cli
from host_tools.store import Store
from host_tools.vdev.bridge import VirtualDevice
from host_tools.vdev.trace_run import SIM_DIR, SIM_MOUNT
from retrostride import logbook

MPREMOTE = Path(sys.executable).parent / "mpremote"
HOUR = "20261125_0700.rsl"
SHORT = "20261125_0800.rsl"
OPEN = "20261125_0900.rsl"


class Keep(io.BytesIO):
    def close(self) -> None:
        pass


def hour_of_running(seed: int = 5) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out: list[dict[str, Any]] = [{"type": "session_start", "t_ms": 0, "plan": "intro"}]
    t = 0
    for minute in range(60):
        if minute % 2 == 0:
            kind = "backward" if minute % 4 else "forward"
            out.append({"type": "interval", "t_ms": t, "index": minute // 2, "kind": kind})
            out.append({"type": "buzz", "t_ms": t, "pattern": "start_" + kind})
            out.append({"type": "buzz", "t_ms": t + 56000, "pattern": "countdown"})
        end = t + 60000
        while t < end:
            t += rnd.choice([340, 350, 360])
            out.append(
                {
                    "type": "step",
                    "t_ms": t,
                    "direction": "backward" if minute % 4 else "forward",
                    "gait": "run",
                    "cadence_spm": rnd.randint(165, 178),
                    "confidence": rnd.randint(60, 100) / 100,
                    "decided_ms": t + rnd.choice([110, 120, 130]),
                }
            )
    out.append({"type": "session_end", "t_ms": t, "plan": "intro", "steps": 10000})
    return out


def encode(events: list[dict[str, Any]], session: str) -> bytes:
    s = Keep()
    w = logbook.Writer(s, {"session": session, "board": "vdev", "plan": "intro"})
    for e in events:
        w.append(e)
    return s.getvalue()


EVENTS = hour_of_running()
HOUR_LOG = encode(EVENTS, HOUR[:-4])
SHORT_LOG = encode(EVENTS[:50], SHORT[:-4])


class Wire:
    """Counts bytes through pyserial (what crosses the serial line)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read = self.written = 0
        real_read, real_write = serial.Serial.read, serial.Serial.write

        def read(s: Any, size: int = 1) -> bytes:
            data: bytes = real_read(s, size)
            self.read += len(data)
            return data

        def write(s: Any, data: Any) -> Any:
            self.written += len(data)
            return real_write(s, data)

        monkeypatch.setattr(serial.Serial, "read", read)
        monkeypatch.setattr(serial.Serial, "write", write)

    def total(self) -> int:
        return self.read + self.written


def make_device(tmp_path: Path, files: dict[str, bytes | str]) -> VirtualDevice:
    return VirtualDevice(
        fs_dir=tmp_path / "fs", files=files, command_timeout_s=60, mounts={SIM_DIR: SIM_MOUNT}
    )


@pytest.fixture
def device(tmp_path: Path) -> Iterator[VirtualDevice]:
    files: dict[str, bytes | str] = {
        f"/logs/{HOUR}": HOUR_LOG,
        f"/logs/{SHORT}": SHORT_LOG,
        f"/logs/{OPEN}": SHORT_LOG[:100],
        logbook.OPEN_MARKER: OPEN,
        "/logs/evil name.rsl": SHORT_LOG,
    }
    with make_device(tmp_path, files) as vd:
        yield vd


def test_sync_from_the_virtual_device_stores_frees_refuses_and_is_idempotent(
    device, tmp_path, capsys
):
    db = str(tmp_path / "s.db")
    code = cli.main(["sync", "--port", device.port, "--db", db])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2 new session(s) stored" in out
    assert "evil name.rsl" in err and "still writing" in err
    with Store(db) as st:
        rows = st.sessions()
        assert sorted(r["device_session"] for r in rows) == [HOUR[:-4], SHORT[:-4]]
        hour = next(r for r in rows if r["device_session"] == HOUR[:-4])
        assert st.events(hour["id"]) == EVENTS
        assert hour["sha256"] == hashlib.sha256(HOUR_LOG).hexdigest()
    files = set(device.fs.files)
    assert f"/logs/{HOUR}" not in files and f"/logs/{SHORT}" not in files
    assert {f"/logs/{OPEN}", logbook.OPEN_MARKER, "/logs/evil name.rsl"} <= files
    assert cli.main(["sync", "--port", device.port, "--db", db]) == 0  # again: nothing twice
    with Store(db) as st:
        assert len(st.sessions()) == 2
    assert board_clock_error_s(device.port) < 60  # the next sessions are dated


def test_one_hour_log_sync_against_mpremote_fs_cp(tmp_path, monkeypatch):
    """The figures for the report: one run each, same device, same file."""
    cli.build_parser()  # import every command module first: not part of either figure
    with make_device(tmp_path, {f"/logs/{HOUR}": HOUR_LOG}) as device:
        wire = Wire(monkeypatch)
        t0 = time.perf_counter()
        transport = SerialTransport(device.port, timeout=30)
        try:
            transport.enter_raw_repl(soft_reset=False)
            copied = transport.fs_readfile(f"/logs/{HOUR}")  # what `mpremote fs cp` calls
            transport.exit_raw_repl()
        finally:
            transport.close()
        cp_s, cp_bytes = time.perf_counter() - t0, wire.total()
        assert bytes(copied) == HOUR_LOG  # mpremote's copy is not verified; sync's is

        t0 = time.perf_counter()
        out = subprocess.run(
            [
                str(MPREMOTE),
                "connect",
                device.port,
                "fs",
                "cp",
                f":/logs/{HOUR}",
                str(tmp_path / "c"),
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
        cli_s = time.perf_counter() - t0
        assert out.returncode == 0 and (tmp_path / "c").read_bytes() == HOUR_LOG

        wire.read = wire.written = 0
        t0 = time.perf_counter()
        assert cli.main(["sync", "--port", device.port, "--db", str(tmp_path / "s.db")]) == 0
        sync_s, sync_bytes = time.perf_counter() - t0, wire.total()
        assert f"/logs/{HOUR}" not in device.fs.files

    figures = {
        "log_bytes": len(HOUR_LOG),
        "cp_wire_bytes": cp_bytes,
        "cp_s": round(cp_s, 2),
        "cp_cli_s_incl_startup": round(cli_s, 2),
        "sync_wire_bytes": sync_bytes,
        "sync_s": round(sync_s, 2),
        "cp_s_at_115200_baud": round(cp_bytes * 10 / 115200, 1),
        "sync_s_at_115200_baud": round(sync_bytes * 10 / 115200, 1),
    }
    print("\nsync-vs-cp " + json.dumps(figures), file=sys.stderr)
    # list + hash + copy + verify + delete, and still far fewer bytes than the bare copy
    assert sync_bytes < 0.6 * cp_bytes


def test_sync_process_killed_at_many_points_then_rerun_loses_and_duplicates_nothing(tmp_path):
    """A real `retrostride sync` process SIGKILLed mid-way, then run again to the end.

    Kills are triggered by what the sync has done, not by wall time (a fast machine
    would finish before a fixed delay): right after a session is committed (before the
    device copy is freed), right after a device copy is freed, and early in a run.
    """
    logs = {
        f"/logs/2026112{i}_0001.rsl": encode(EVENTS[: 3000 + 500 * i], f"k{i}") for i in range(4)
    }
    exe = Path(sys.executable).parent / "retrostride"
    db = tmp_path / "s.db"
    device_logs = tmp_path / "fs" / "logs"

    def stored() -> int:
        if not db.exists():
            return 0
        with Store(db) as st:
            return len(st.sessions())

    def on_device() -> int:
        return sum(1 for p in device_logs.iterdir() if p.suffix == ".rsl")

    with make_device(tmp_path, dict(logs)) as device:
        kills = 0
        stored_between: list[int] = []
        triggers = ("stored", "freed", "early", "stored", "freed")
        for trigger in triggers:
            before_stored, before_device = stored(), on_device()
            started = time.monotonic()
            proc = subprocess.Popen(
                [str(exe), "sync", "--port", device.port, "--db", str(db)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while proc.poll() is None:
                if trigger == "stored":
                    fired = stored() > before_stored
                elif trigger == "freed":
                    fired = on_device() < before_device
                else:
                    fired = time.monotonic() - started > 0.8
                if fired or time.monotonic() - started > 120:
                    proc.kill()
                    kills += 1
                    break
                time.sleep(0.01)
            proc.wait(30)
            stored_between.append(stored())
        done = subprocess.run(
            [str(exe), "sync", "--port", device.port, "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        left = {p for p in device.fs.files if p.startswith("/logs/")}
    print("\nkilled", kills, "times; sessions stored after each run:", stored_between)
    assert kills >= 2  # the kills really interrupted syncs
    assert left == set()
    with Store(db) as st:
        got = sorted(s["sha256"] for s in st.sessions())
        assert got == sorted(hashlib.sha256(d).hexdigest() for d in logs.values())
        for s in st.sessions():
            n = int(str(s["device_session"])[1:])
            assert st.events(s["id"]) == EVENTS[: 3000 + 500 * n]
