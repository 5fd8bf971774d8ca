"""``retrostride vdev``: a virtual device on a pty that mpremote, deploy and sync can use.

The port path is the first line of stdout (flushed; nothing is printed before it),
then the device serves until SIGTERM or SIGINT. ``--board`` and ``--plan`` are copied
onto the device as ``/board.json`` and ``/plan.json``; ``--fs-dir`` mirrors the
device's filesystem to a host directory (loaded at start, every change written through).

With ``--trace`` the device holds the real firmware (``firmware/`` copied onto its
filesystem) and, before the port line is printed, runs the app over the whole trace
with the fake ``machine``, a register-level chip fake fed from the trace and the
trace's time as its clock (:mod:`host_tools.vdev.trace_run`); the session log is then
in ``/logs/``. ``--realtime`` paces that run at the trace's speed. The trace and the
plan are checked on the host first (errors name the file and line). A trace run
without ``--board`` uses the demo's board (``boards.DEMO_BOARD``: the firmware builds
its drivers from one), and one without ``--plan`` the app's default plan.
``--delivered FILE`` writes the samples the IMU driver delivered to the core, as a
trace (what ``replay`` must be given to reproduce the log exactly).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_tools.boards import DEMO_BOARD, board_path
from host_tools.errors import CommandFailed, UsageError
from host_tools.plan_files import plan_text
from host_tools.replay import read_trace_text
from host_tools.vdev.bridge import VirtualDevice
from host_tools.vdev.trace_run import TraceDevice, trace_device


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "vdev",
        help="start a virtual device and serve mpremote on a pty until killed",
        description="Starts a virtual device (real MicroPython in WebAssembly behind a "
        "pseudo-terminal), prints its port path as the first line of stdout and serves "
        "mpremote until killed.",
    )
    p.add_argument(
        "--board",
        metavar="B",
        help=f"board name (boards/B.json) or board JSON file (with --trace, default {DEMO_BOARD})",
    )
    p.add_argument("--trace", type=Path, metavar="T", help="IMU trace CSV to run before serving")
    p.add_argument(
        "--plan", metavar="P", help="workout plan for the device: a file or a bundled name"
    )
    p.add_argument("--realtime", action="store_true", help="run the trace at real speed")
    p.add_argument(
        "--delivered",
        type=Path,
        metavar="FILE",
        help="with --trace: write the samples the IMU driver delivered, as a trace",
    )
    p.add_argument("--fs-dir", type=Path, metavar="DIR", help="host directory mirroring the FS")
    p.add_argument("--link", type=Path, metavar="PATH", help="also make PATH a symlink to the pty")
    p.add_argument(
        "--watchdog",
        type=float,
        default=60.0,
        metavar="S",
        help="restart the runtime when a command runs longer than S seconds (default 60)",
    )
    p.set_defaults(handler=run)


def _json_file(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
        json.loads(data)
    except OSError as e:
        raise UsageError(f"cannot read the {what} {path}: {e.strerror}.") from None
    except ValueError as e:
        raise UsageError(f"the {what} {path} is not valid JSON: {e}.") from None
    return data


def run(args: argparse.Namespace) -> int:
    files: dict[str, bytes | str] = {}
    board = args.board if args.board is not None or args.trace is None else DEMO_BOARD
    if board is not None:
        files["/board.json"] = _json_file(board_path(board), "board file")
    if args.plan is not None:
        files["/plan.json"] = plan_text(args.plan)[1]
    if args.trace is not None:
        read_trace_text(args.trace)  # bad rows are the user's: file and line, before any work
    if args.watchdog <= 0:
        raise UsageError("--watchdog must be a positive number of seconds.")
    if args.fs_dir is not None and args.fs_dir.exists() and not args.fs_dir.is_dir():
        raise UsageError(f"--fs-dir {args.fs_dir} is not a directory.")
    if args.delivered is not None and args.trace is None:
        raise UsageError("--delivered needs --trace.")
    if args.trace is not None:
        traced = trace_device(
            args.trace, files, args.realtime, args.fs_dir, args.link, args.watchdog
        )
        device = traced.device
        starter: Callable[[], str] = traced.start
    else:
        device = VirtualDevice(
            fs_dir=args.fs_dir, files=files, link=args.link, command_timeout_s=args.watchdog
        )
        starter = device.start
    try:
        port = starter()
        if args.trace is not None:
            _report(traced, args.delivered)
        sys.stdout.write(port + "\n")
        sys.stdout.flush()
        device.run_until_killed()
    except RuntimeError as e:  # Node or the runtime package missing, or the runtime died
        raise CommandFailed(str(e).rstrip(".") + ".") from None
    except OSError as e:
        raise CommandFailed(f"the virtual device failed: {e}.") from None
    finally:
        if args.trace is not None:
            traced.stop()
        else:
            device.stop()
    return 0


def _report(traced: TraceDevice, delivered: Path | None) -> None:
    """What the trace run did, on stderr (stdout's first line is the port)."""
    r = traced.result
    print(
        f"vdev: ran {r['rows']} trace rows ({r['samples']} samples delivered) through the "
        f"firmware in {r['wall_ms'] / 1000:.1f} s: {r['events']} events logged to {r['log']}"
        + (f"; plan file not used: {r['plan_problem']}" if r.get("plan_problem") else ""),
        file=sys.stderr,
    )
    if delivered is not None:
        data = traced.delivered
        if data is None:
            raise CommandFailed("the firmware did not record the delivered samples.")
        delivered.write_bytes(data)
