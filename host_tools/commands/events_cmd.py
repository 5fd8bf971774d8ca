"""``retrostride events SESSION``: a stored session's events as JSON Lines, like replay."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from host_tools.commands.import_cmd import add_db_option
from host_tools.errors import UsageError
from host_tools.replay import canonical
from host_tools.store import open_store


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "events",
        help="print a stored session's events as JSON Lines",
        description="Prints the events of SESSION (its id, its device session id or a sha256 "
        "prefix, see 'retrostride sessions') one JSON object per line, as replay prints them.",
    )
    p.add_argument("session", metavar="SESSION")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_store(args.db, create=False) as store:
        session_id = store.resolve(args.session)
        if session_id is None:
            raise UsageError(
                f"no stored session {args.session!r}: 'retrostride sessions' lists them."
            )
        events = store.events(session_id)
    for event in events:
        sys.stdout.write(json.dumps(canonical(event), separators=(",", ":")) + "\n")
    return 0
