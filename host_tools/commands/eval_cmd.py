"""``retrostride eval``: per-step accuracy of the core against labelled traces."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.evaluate import CALL_TOLERANCE_MS, MATCH_TOLERANCE_MS, Tally, score
from host_tools.replay import RUNTIMES, read_trace, replay_cpython, replay_micropython

_ROWS = (
    ("step_recall", "step recall"),
    ("step_precision", "step precision"),
    ("count_error", "count error"),
    ("direction_balanced_accuracy", "direction balanced accuracy"),
    ("gait_accuracy", "gait accuracy"),
    ("turn_false_backward_rate", "U-turn steps called backward"),
    ("latency_ms_median", "decision latency, median ms"),
    ("latency_steps_p95", "decision latency, p95 steps"),
    ("decided_within_2_steps", "decided within 2 steps"),
)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "eval",
        help="score step detection, direction and gait against labelled traces",
        description="Replays each TRACE and scores the detected steps against its step and "
        "label columns. Direction and gait are scored from the 4th step of each bout, on "
        f"steps within {CALL_TOLERANCE_MS} ms of a contact (a walking step called the wrong "
        "way is also dated ~290 ms off: it counts as a wrong call, not as a missed step).",
    )
    p.add_argument("traces", type=Path, nargs="+", metavar="TRACE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default="cpython",
        help="the core in CPython (default) or in real MicroPython (WebAssembly), as on the device",
    )
    p.add_argument(
        "--tolerance-ms",
        type=int,
        default=MATCH_TOLERANCE_MS,
        help=f"how far a detected contact may be from the true one to be found "
        f"(default {MATCH_TOLERANCE_MS})",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.tolerance_ms <= 0:
        raise UsageError(
            f"--tolerance-ms must be a positive number of ms, got {args.tolerance_ms}."
        )
    if len(set(map(str, args.traces))) < len(args.traces):
        raise UsageError("a TRACE is given more than once: each is scored once.")
    total = Tally()
    per_trace: dict[str, dict[str, Any]] = {}
    for path in args.traces:
        text, trace = read_trace(path)
        if not trace.has_step:
            raise UsageError(f"{path} has no step column: eval needs the true contacts.")
        if args.runtime == "micropython":
            found = replay_micropython(text, str(path))
        else:
            found = replay_cpython(text, str(path))
        tally = score(trace, found, args.tolerance_ms)
        per_trace[str(path)] = tally.figures()
        total.add(tally)
    figures = total.figures()
    if args.json:
        print(json.dumps({"total": figures, "traces": per_trace}, indent=2))
        return 0
    print(f"{len(args.traces)} trace(s), {figures['truth_steps']} true steps")
    for key, label in _ROWS:
        value = figures[key]
        print(f"  {label:32s} {_text(value)}")
    recalls = figures["direction_recall"]
    print(
        f"  {'direction recall':32s} forward {_text(recalls['forward'])}, "
        f"backward {_text(recalls['backward'])}"
    )
    by_label = ", ".join(f"{k} {v}" for k, v in figures["step_recall_by_label"].items())
    print(f"  {'step recall by true label':32s} {by_label or 'n/a'}")
    return 0


def _text(value: object) -> str:
    return "n/a" if value is None else str(value)
