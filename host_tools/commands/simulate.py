"""``retrostride simulate``: a synthetic, labelled trace with ground-truth steps."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from host_tools.errors import CommandFailed, UsageError
from host_tools.plan_files import plan_text
from host_tools.simulate import DIRECTIONS, GAITS, MOUNTINGS, Options, simulate
from retrostride import plan as plan_mod

_MAX_MINUTES = 600.0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate",
        help="write a synthetic, labelled IMU trace of walking or running",
        description="Writes a retrostride-trace v1 CSV of a simulated runner (waist IMU, random "
        "mounting, noise) with label and step ground truth. The seed draws the runner, the "
        "mounting and the course: the same arguments give the same bytes. Model and sources: "
        "docs/simulator.md.",
    )
    # Choices are checked in run() so that a bad value is one sentence, not argparse usage.
    p.add_argument("--out", metavar="TRACE.csv", required=True, help="where to write the trace")
    p.add_argument("--gait", default="run", metavar="walk|run", help="default run")
    p.add_argument(
        "--direction",
        default="mixed",
        metavar="forward|backward|mixed",
        help="default mixed; with --plan, forward makes a runner who never turns round",
    )
    p.add_argument(
        "--plan", metavar="PLAN", help="follow this plan (a file or a bundled name) from t_ms = 0"
    )
    p.add_argument("--seed", default="0", metavar="N", help="random seed (default 0)")
    p.add_argument(
        "--minutes",
        default=None,
        metavar="M",
        help="length (default 3; with --plan the plan's length, cut at M if given)",
    )
    p.add_argument("--rate", default="100", metavar="HZ", help="sample rate (default 100)")
    p.add_argument(
        "--range-g", default="16", metavar="G", help="accelerometer full scale (default 16)"
    )
    p.add_argument("--acc-only", action="store_true", help="omit the gyroscope columns")
    p.add_argument(
        "--clean",
        action="store_true",
        help="no noise, bias, jitter or saturation (mounting still random)",
    )
    p.add_argument(
        "--no-activities",
        action="store_true",
        help="no stops, fidgeting or U-turns between bouts",
    )
    p.add_argument(
        "--dropouts",
        action="store_true",
        help="about once a minute a time gap (missing samples) and a nan reading",
    )
    p.add_argument(
        "--mounting",
        default="random",
        metavar="NAME",
        help="random (default) or a fixed clip orientation: " + ", ".join(MOUNTINGS),
    )
    p.add_argument(
        "--offset-cm",
        default="0,0,0",
        metavar="F,L,U",
        help="where the clip sits, in cm forward, left, up, from the model's point (running: "
        "the pelvis' centre; walking: the small of the back); the trunk's rotation then "
        "pushes it (default 0,0,0)",
    )
    p.add_argument(
        "--falls",
        action="store_true",
        help="one fall mid-trace: topple, impact, lying still, getting up (not with --plan)",
    )
    p.set_defaults(handler=run)


def _number(text: str, name: str, lo: float, hi: float, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise UsageError(f"--{name} must be {kind}, got {text!r}.") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        bounds = f"{lo} and {hi}" if integer else f"{lo:g} and {hi:g}"
        raise UsageError(f"--{name} must be between {bounds}, got {text!r}.")
    return value


def options_from_args(args: argparse.Namespace) -> tuple[Options, Any]:
    """Checked options and the flattened plan (or None); bad values raise UsageError."""
    if not args.out:  # given empty
        raise UsageError("--out TRACE.csv names no file.")
    if args.gait not in GAITS:
        raise UsageError(f"--gait must be walk or run, got {args.gait!r}.")
    if args.direction not in DIRECTIONS:
        raise UsageError(f"--direction must be forward, backward or mixed, got {args.direction!r}.")
    if args.mounting != "random" and args.mounting not in MOUNTINGS:
        raise UsageError(
            f"--mounting must be random or one of {', '.join(MOUNTINGS)}, got {args.mounting!r}."
        )
    seed = int(_number(args.seed, "seed", 0, 2**63 - 1, integer=True))
    minutes = None
    if args.minutes is not None:
        minutes = _number(args.minutes, "minutes", 0.05, _MAX_MINUTES)
    rate = int(_number(args.rate, "rate", 25, 400, integer=True))
    range_g = _number(args.range_g, "range-g", 2, 32)
    parts = args.offset_cm.split(",")
    if len(parts) != 3:
        raise UsageError(f"--offset-cm takes three numbers, F,L,U, got {args.offset_cm!r}.")
    offset = tuple(_number(x.strip(), "offset-cm", -50, 50) for x in parts)
    blocks = None
    plan_name = ""
    if args.plan:
        if args.falls:
            raise UsageError(
                "--falls is for a trace without --plan: a runner following a plan does not "
                "fall on cue."
            )
        path, text = plan_text(args.plan)
        obj = json.loads(text)
        blocks = plan_mod.flatten(obj)
        plan_name = str(obj.get("name", path.stem))
    opts = Options(
        seed=seed,
        gait=args.gait,
        direction=args.direction,
        minutes=minutes,
        plan_name=plan_name,
        rate_hz=rate,
        acc_only=args.acc_only,
        range_g=range_g,
        clean=args.clean,
        activities=not args.no_activities,
        dropouts=args.dropouts,
        falls=args.falls,
        mounting=args.mounting,
        offset_cm=(offset[0], offset[1], offset[2]),
    )
    return opts, blocks


def run(args: argparse.Namespace) -> int:
    opts, blocks = options_from_args(args)
    out = Path(args.out)
    try:
        with out.open("w", encoding="utf-8", newline="\n") as f:
            counts = simulate(opts, f, blocks)
    except OSError as e:
        raise CommandFailed(f"cannot write {out}: {e.strerror or e}.") from None
    print(
        f"Wrote {out}: {counts['samples']} samples, {counts['steps']} true steps "
        f"(seed {opts.seed}, {opts.gait}, {opts.direction}"
        + (f", plan {opts.plan_name!r}" if opts.plan_name else "")
        + ")."
    )
    return 0
