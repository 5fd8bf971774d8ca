"""``retrostride demo``: simulate, run on the virtual device, sync, report, export."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from host_tools import demo
from host_tools.errors import UsageError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="a whole session without hardware: virtual device, sync, report, export",
        description="Simulates a runner on the intro plan, runs the real firmware over it "
        "on the virtual device, syncs the session into a demo database, writes the report "
        "and the exports, and prints where the report is.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=demo.OUT,
        metavar="DIR",
        help=f"demo folder (default {demo.OUT})",
    )
    p.add_argument("--seed", type=int, default=1, help="simulated runner (default 1)")
    p.add_argument(
        "--minutes",
        type=float,
        metavar="M",
        help="cut the session at M minutes (default: whole plan)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.minutes is not None and args.minutes <= 0:
        raise UsageError("--minutes must be positive.")
    demo.run(args.out, args.seed, args.minutes)
    return 0
