"""``retrostride sessions``: the stored sessions, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from host_tools.commands.import_cmd import add_db_option
from host_tools.store import db_path, open_store


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sessions",
        help="list the stored sessions",
        description="Lists the sessions in the database, oldest first.",
    )
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="a JSON array of objects (with 'id')")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    if db_path(args.db).exists():  # else none stored yet
        with open_store(args.db, create=False) as store:
            rows = store.sessions()
    if args.json:
        sys.stdout.write(json.dumps(rows, separators=(",", ":")) + "\n")
        return 0
    if not rows:
        print("no sessions stored yet: run 'retrostride sync --port PORT' or 'retrostride import'.")
        return 0
    print(f"{'id':>4}  {'session':<20} {'start':<20} {'plan':<16} {'steps':>6} {'back s':>7}")
    undated = False
    for r in rows:
        back = "" if r["backward_s"] is None else f"{r['backward_s']:.0f}"
        mark = "  (damaged)" if r["damaged"] else ""
        if r["start"]:  # ISO text from the board's clock: to the minute, as stored_at
            when = str(r["start"]).replace("T", " ")[:16]
        else:  # a board without a clock: when it was stored, marked
            when = f"{str(r['stored_at'])[:16]} *"
            undated = True
        print(
            f"{r['id']:>4}  {r['device_session'] or '-'!s:<20} {when:<20} "
            f"{r['plan'] or '-'!s:<16} {r['steps']:>6} {back:>7}{mark}"
        )
    if undated:
        print("* when it was stored (UTC): the board keeps no date")
    return 0
