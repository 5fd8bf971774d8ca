"""A virtual device that first runs the real firmware over a trace (``vdev --trace``).

The firmware's files (``boot.py``, ``main.py``, ``lib/...``) are put onto the
device's filesystem as ``deploy`` would; the fake ``machine`` and chip fakes
(``host_tools/vdev/mp``) are mounted at ``/sim`` ahead of ``/lib`` on the path;
the trace goes into a side directory (``/simio``) that is not part of the
device's filesystem. At the first boot, ``sim_run.run`` builds the real
``app.App`` and drives it over the trace with the trace's time as the clock;
its session log is left in ``/logs/``. ``main.py`` is not run by the virtual
device: the app's asyncio loop never returns and nothing can interrupt code
inside WebAssembly.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from host_tools.device import rtc_fields
from host_tools.paths import FIRMWARE
from host_tools.vdev.bridge import VirtualDevice

SIM_DIR = Path(__file__).with_name("mp")
SIM_MOUNT = "/sim"
IO_MOUNT = "/simio"
DELIVERED = f"{IO_MOUNT}/delivered.csv"
REPORT = f"{IO_MOUNT}/run.json"
PROGRESS = f"{IO_MOUNT}/progress"


def firmware_files() -> dict[str, bytes | str]:
    """Every firmware file at its device path, as deploy puts them there."""
    out: dict[str, bytes | str] = {}
    for path in sorted(FIRMWARE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        out["/" + path.relative_to(FIRMWARE).as_posix()] = path.read_bytes()
    return out


def run_code(realtime: bool) -> str:
    """The first-boot code: the trace run, reporting to the side directory, on a board
    whose clock deploy set just now (so its session is dated)."""
    clock = rtc_fields(dt.datetime.now(dt.UTC))
    return (
        "import sim_run\n"
        f"sim_run.run({IO_MOUNT + '/trace.csv'!r}, realtime={realtime!r}, "
        f"delivered={DELIVERED!r}, report={REPORT!r}, progress={PROGRESS!r}, clock={clock!r})\n"
    )


@dataclass
class TraceDevice:
    """A :class:`VirtualDevice` set up for a trace run, and its side directory."""

    device: VirtualDevice
    io_dir: Path
    result: dict[str, Any] = field(default_factory=dict)

    def start(self) -> str:
        """Run the trace (blocking), then return the port path."""
        port = self.device.start()
        error = self.device.first_boot_error
        if error is not None and error[0] != "SystemExit":
            text = error[1].strip()
            print(text, file=sys.stderr)  # the device's own traceback, as a board prints it
            last = text.splitlines()[-1] if text else error[0]
            raise RuntimeError(f"the firmware failed while running the trace ({last})")
        report = self.device.side_files.get(REPORT)
        if report is None:
            raise RuntimeError("the firmware did not finish the trace run")
        self.result = json.loads(report)
        return port

    @property
    def delivered(self) -> bytes | None:
        """The samples the IMU driver handed to the core, as a trace."""
        return self.device.side_files.get(DELIVERED)

    def stop(self) -> None:
        self.device.stop()
        shutil.rmtree(self.io_dir, ignore_errors=True)


def _last_t_ms(trace: Path) -> int | None:
    """The trace's last time stamp, read from its end (for progress), if it has one."""
    with trace.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 4096))
        lines = f.read().decode("utf-8", "replace").strip().splitlines()
    try:
        return int(float(lines[-1].split(",")[0]))
    except (IndexError, ValueError):
        return None


def progress_printer(trace: Path) -> Callable[[str, bytes], None]:
    """Shows on stderr how far the firmware has run through ``trace``."""
    total = _last_t_ms(trace)
    started = time.monotonic()

    def show(path: str, data: bytes) -> None:
        if path != PROGRESS:
            return
        t = int(data or b"0")
        of = f" of {_mmss(total)}" if total else ""
        wall = time.monotonic() - started
        print(f"vdev: firmware at {_mmss(t)}{of} of the trace ({wall:.0f} s)", file=sys.stderr)

    return show


def _mmss(ms: int) -> str:
    return f"{ms // 60000}:{ms // 1000 % 60:02d}"


def trace_device(
    trace: Path,
    files: dict[str, bytes | str],
    realtime: bool = False,
    fs_dir: Path | None = None,
    link: Path | None = None,
    command_timeout_s: float = 60.0,
) -> TraceDevice:
    """A device that runs the firmware over ``trace`` at its first boot.

    ``files`` must hold ``/board.json`` (and ``/plan.json`` unless the default plan
    is wanted); the firmware's own files are added to them.
    """
    io_dir = Path(tempfile.mkdtemp(prefix="retrostride-vdev-"))
    shutil.copyfile(trace, io_dir / "trace.csv")
    all_files = firmware_files()
    all_files.update(files)
    device = VirtualDevice(
        fs_dir=fs_dir,
        mounts={SIM_DIR: SIM_MOUNT, io_dir: IO_MOUNT},
        files=all_files,
        link=link,
        command_timeout_s=command_timeout_s,
        ready_timeout_s=24 * 3600.0,
        run_main=False,
        first_boot=run_code(realtime),
        on_side_file=progress_printer(trace),
    )
    return TraceDevice(device, io_dir)
