"""``retrostride report``: one session's summary on stdout, plots and an HTML page on disk."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from host_tools.report import format_text, load, write_report


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="summarise a stored session and plot it",
        description="Prints a summary of SESSION, writes PNG plots (direction, cadence, "
        "compliance per interval, progress across sessions) and one self-contained HTML "
        "page, and prints the page's path last.",
    )
    p.add_argument("session", metavar="SESSION", help="session id (see 'retrostride sessions')")
    p.add_argument("--db", type=Path, help="session database (default: the user's data dir)")
    p.add_argument(
        "--out", type=Path, help="output directory (default: ./retrostride-report/SESSION/)"
    )
    p.add_argument(
        "--events", type=Path, metavar="FILE.jsonl", help="read the events from a file instead"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    loaded = load(args.session, args.db, args.events)
    out = args.out or Path("retrostride-report") / _safe(loaded.session_id)
    summary, files = write_report(loaded.events, out, loaded.session_id, loaded.history, loaded.row)
    print(format_text(summary))
    print()
    for name, path in files.pngs.items():
        print(f"{name:<11} {path}")
    print(files.html)
    return 0


def _safe(name: str) -> str:
    """A session id as a directory name (ids come from the store, but stay careful)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "session"
