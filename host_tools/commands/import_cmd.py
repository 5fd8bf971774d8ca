"""``retrostride import LOG...``: store session logs copied by other means (as sync does)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.store import NotALog, damage_text, decode, default_db_path, open_store


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"session database (default {default_db_path()})",
    )


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        help="store session log files copied from a device by other means",
        description="Decodes and checks each LOG with the firmware's own reader and stores it "
        "in the session database, once. A damaged log keeps every intact record; what was "
        "dropped is said on stderr.",
    )
    p.add_argument("logs", type=Path, nargs="+", metavar="LOG")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    logs: list[tuple[Path, bytes]] = []
    for path in args.logs:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read {path}: {e.strerror or e}.") from e
        logs.append((path, data))
    decoded = []
    for path, data in logs:
        try:
            decoded.append(decode(data))
        except NotALog as e:
            raise UsageError(f"{path} is {e}.") from e
    with open_store(args.db) as store:
        for (path, data), d in zip(logs, decoded, strict=True):
            damage = damage_text(d[2])
            if damage:
                print(
                    f"retrostride import: warning: {path}: {damage}; "
                    f"kept {len(d[1])} intact events.",
                    file=sys.stderr,
                )
            session_id, new = store.add(data, f"import:{path.resolve()}", d, path.name)
            state = "stored" if new else "already stored"
            print(f"{path}: session {session_id} {state} ({len(d[1])} events)")
    return 0
