"""``retrostride replay``: the firmware core over a trace, events as JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from host_tools.replay import RUNTIMES, replay


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "replay",
        help="run the firmware core over a trace and print its events",
        description="Runs the firmware core over TRACE as the device would and prints one "
        "JSON event per line. Without --plan it only detects (steps, falls, sensor warnings); "
        "with --plan the plan starts at the trace's t_ms = 0 and the coach's events follow.",
    )
    p.add_argument("trace", type=Path, metavar="TRACE.csv")
    p.add_argument(
        "--plan", metavar="PLAN", help="workout plan to run: a file or a bundled name (intro)"
    )
    p.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default="cpython",
        help="the core in CPython (default) or in real MicroPython (WebAssembly), as on the device",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    for event in replay(args.trace, args.runtime, args.plan):
        sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
    return 0
