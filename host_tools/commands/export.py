"""``retrostride export``: a stored session as FIT, TCX or GoldenCheetah CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from host_tools.errors import CommandFailed, UsageError
from host_tools.export import FALLBACK_START, FORMATS, default_name, export_summary
from host_tools.report import load, summarize


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write a session as FIT, TCX or GoldenCheetah CSV",
        description="Writes SESSION as a file other tools open: FIT (Garmin Connect, Strava, "
        "intervals.icu, GoldenCheetah), TCX, or GoldenCheetah's own CSV. One lap per interval.",
    )
    p.add_argument("session", metavar="SESSION", help="session id (see 'retrostride sessions')")
    # Not argparse choices: a bad format must be one sentence, exit 2, like every other error.
    p.add_argument("--format", required=True, metavar="fit|tcx|csv", dest="fmt")
    p.add_argument(
        "--out",
        type=Path,
        help="output file (default: ./retrostride-SESSION.FMT; a CSV's name starts with its "
        "date and time, where GoldenCheetah reads them)",
    )
    p.add_argument("--db", type=Path, help="session database (default: the user's data dir)")
    p.add_argument(
        "--events", type=Path, metavar="FILE.jsonl", help="read the events from a file instead"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    fmt = str(args.fmt).lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {args.fmt!r}; choose one of {', '.join(FORMATS)}.")
    loaded = load(args.session, args.db, args.events)
    s = summarize(loaded.events, loaded.session_id, loaded.row)
    try:
        data = export_summary(s, loaded.events, fmt)
    except ValueError as e:  # an empty session
        raise UsageError(f"{e}.") from None
    if loaded.row.get("damaged"):
        print(
            f"note: session {s.session_id}'s log was damaged: exported from its intact records.",
            file=sys.stderr,
        )
    if fmt != "csv" and s.start is None:
        print(
            f"note: session {s.session_id} has no wall-clock start; its times count from "
            f"{FALLBACK_START:%Y-%m-%d}.",
            file=sys.stderr,
        )
    elif fmt != "csv" and s.start_is_sync_time:
        print(
            f"note: the board had no date for session {s.session_id}; it is dated when it "
            f"was stored ({s.start:%Y-%m-%d %H:%M} UTC).",
            file=sys.stderr,
        )
    out: Path = args.out or default_name(loaded.session_id, fmt, s.start)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise CommandFailed(f"cannot write {out}: {e.strerror or e}.") from e
    print(out)
    return 0
