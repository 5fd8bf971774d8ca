"""``retrostride plan``: check a workout plan, and suggest the next one from history.

``plan validate`` runs the firmware core's own validator, so a plan it passes
is one the device accepts. ``plan next`` runs the core's progression rules over
the session summaries stored by ``sync``/``import``, from the plan the newest
session ran (its log carries it), so suggestions build on each other as they
are deployed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from host_tools.errors import CommandFailed, UsageError
from host_tools.paths import read_text
from host_tools.plan_files import load_plan, plan_path, plan_problems
from retrostride import plan as plans
from retrostride import progression


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help="validate a workout plan or suggest the next one",
        description="Workout plans (JSON, version 1). 'validate' checks one; 'next' suggests "
        "the next plan from the stored sessions.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = actions.add_parser(
        "validate",
        help="check a plan; exit 2 with one line per problem",
        description="Checks a workout plan (a file or a bundled name) with the validator the "
        "device runs: exit 0 and a summary if it is valid, else exit 2 and one line per problem.",
    )
    v.add_argument("plan", metavar="PLAN")
    v.add_argument(
        "--cap-s",
        type=int,
        default=None,
        help=f"cap on one backward stretch, seconds (default {plans.DEFAULT_BACKWARD_S})",
    )
    v.set_defaults(handler=run_validate)
    n = actions.add_parser("next", help="suggest the next plan from the stored sessions")
    n.add_argument("--db", type=Path, default=None, help="session database (default: user data)")
    n.add_argument(
        "--plan",
        default=None,
        help="the current plan: a file or a bundled name (default: the one the newest stored "
        "session ran, else intro)",
    )
    n.add_argument("--out", type=Path, default=None, help="write the plan here, not stdout")
    n.set_defaults(handler=run_next)


def describe(obj: dict[str, Any]) -> str:
    flat = plans.flatten(obj)
    total = sum(s for _, s, _ in flat)
    back = sum(s for k, s, _ in flat if k == "backward")
    back_steps = sum(n for k, _, n in flat if k == "backward")
    extra = f" + {back_steps} steps" if back_steps else ""
    return (
        f"{obj['name']!r}: {len(flat)} interval{'' if len(flat) == 1 else 's'}, "
        f"{total // 60} min {total % 60} s timed, "
        f"{back} s backward{extra}"
    )


def run_validate(args: argparse.Namespace) -> int:
    if args.cap_s is not None and not 0 < args.cap_s <= plans.HARD_BACKWARD_S:
        raise UsageError(f"--cap-s must be between 1 and {plans.HARD_BACKWARD_S}.")
    path = plan_path(args.plan)
    text = read_text(path, "plan")
    problems = plan_problems(text, args.cap_s)
    if problems:
        for p in problems:
            print(f"{args.plan}: {p}", file=sys.stderr)
        return 2
    print(f"{args.plan}: valid, {describe(json.loads(text))}")
    return 0


def _history(db: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The stored session summaries, oldest first, and the plan the newest one ran."""
    from host_tools.store import db_path, open_store

    if db is None and not db_path(None).exists():
        return [], None  # nothing synced yet: the plan starts from the beginning
    with open_store(db, create=False) as store:
        return store.session_summaries(), store.last_plan()


def run_next(args: argparse.Namespace) -> int:
    history, ran = _history(args.db)
    if args.plan is not None:
        current = load_plan(args.plan)
    elif ran is not None and not plans.validate(ran):
        current = ran
        print(f"from the plan the last session ran: {describe(ran)}", file=sys.stderr)
    else:
        current = load_plan("intro")
    new, reason = progression.suggest(current, history)
    out = json.dumps(new, indent=2) + "\n"
    if args.out is not None:
        try:
            args.out.write_text(out, encoding="utf-8")
        except OSError as e:
            raise CommandFailed(f"cannot write {args.out}: {e.strerror or e}.") from e
    else:
        sys.stdout.write(out)
    print(f"{reason}. Next: {describe(new)}", file=sys.stderr)
    return 0
