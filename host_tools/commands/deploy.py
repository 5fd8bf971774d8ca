"""``retrostride deploy``: put the app, the board file and a plan onto the board."""

from __future__ import annotations

import argparse
from typing import Any

from host_tools.deploy import deploy
from host_tools.flash import find_port


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "deploy",
        help="copy the app, board file and plan to the board (only what changed)",
        description="Checks the board file and the plan, compiles firmware/lib with mpy-cross "
        "for the .mpy version the board loads, copies only the files whose sha256 differs "
        "on the board, verifies them, and writes /board.json and /plan.json.",
    )
    p.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (default: auto-detect)")
    p.add_argument(
        "--board", required=True, help="a bundled board name (see boards/) or a board file"
    )
    p.add_argument(
        "--plan",
        help="a bundled plan name (e.g. intro) or a plan file (default: keep the board's plan)",
    )
    p.add_argument(
        "--source", action="store_true", help="copy .py sources instead of compiled .mpy files"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    port = args.port or find_port()
    summary = deploy(port, args.board, args.plan, compiled=not args.source)
    print(
        f"Deployed to {port}: {len(summary.copied)} copied, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed."
    )
    return 0
