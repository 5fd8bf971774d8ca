"""``retrostride vdev``: a virtual device on a pty that mpremote, deploy and sync can use.

The port path is the first line of stdout (flushed; nothing is printed before it),
then the device serves until SIGTERM or SIGINT. ``--board`` and ``--plan`` are copied
onto the device as ``/board.json`` and ``/plan.json``; ``--fs-dir`` mirrors the
device's filesystem to a host directory (loaded at start, every change written through).

Where the pre-serve step goes: running the firmware over ``--trace`` (simulated clock,
``--realtime`` to pace it) belongs in :func:`run` between assembling ``files`` and
``device.start()``. ``start()`` returns only once ``boot.py`` and ``main.py`` have run
to completion, so a ``main.py`` that replays the trace on the virtual board (its fake
``machine`` mounted with ``VirtualDevice(mounts=...)``) already finishes before the
port line is printed. ``--trace`` and ``--realtime`` are only checked and kept for now.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from host_tools.errors import CommandFailed, UsageError
from host_tools.paths import BOARDS
from host_tools.vdev.bridge import VirtualDevice


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "vdev",
        help="start a virtual device and serve mpremote on a pty until killed",
        description="Starts a virtual device (real MicroPython in WebAssembly behind a "
        "pseudo-terminal), prints its port path as the first line of stdout and serves "
        "mpremote until killed.",
    )
    p.add_argument("--board", metavar="B", help="board name (boards/B.json) or board JSON file")
    p.add_argument("--trace", type=Path, metavar="T", help="IMU trace CSV to run before serving")
    p.add_argument("--plan", type=Path, metavar="P", help="workout plan JSON for the device")
    p.add_argument("--realtime", action="store_true", help="run the trace at real speed")
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


def _board_file(board: str) -> Path:
    given = Path(board)
    if given.suffix == ".json" or given.exists():
        return given
    return BOARDS / f"{board}.json"


def run(args: argparse.Namespace) -> int:
    files: dict[str, bytes | str] = {}
    if args.board is not None:
        files["/board.json"] = _json_file(_board_file(args.board), "board file")
    if args.plan is not None:
        files["/plan.json"] = _json_file(args.plan, "plan")
    if args.trace is not None and not args.trace.is_file():
        raise UsageError(f"the trace {args.trace} does not exist.")
    if args.watchdog <= 0:
        raise UsageError("--watchdog must be a positive number of seconds.")
    if args.fs_dir is not None and args.fs_dir.exists() and not args.fs_dir.is_dir():
        raise UsageError(f"--fs-dir {args.fs_dir} is not a directory.")
    device = VirtualDevice(
        fs_dir=args.fs_dir, files=files, link=args.link, command_timeout_s=args.watchdog
    )
    try:
        port = device.start()
        sys.stdout.write(port + "\n")
        sys.stdout.flush()
        device.run_until_killed()
    except RuntimeError as e:  # Node or the runtime package missing, or the runtime died
        raise CommandFailed(str(e).rstrip(".") + ".") from None
    except OSError as e:
        raise CommandFailed(f"the virtual device failed: {e}.") from None
    finally:
        device.stop()
    return 0
