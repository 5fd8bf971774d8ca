"""``retrostride bench``: what the core costs on the device, measured under real MicroPython."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from host_tools.bench import RATE_HZ, Sample, measure
from host_tools.errors import UsageError
from host_tools.plan_files import plan_text as checked_plan
from host_tools.replay import read_trace
from host_tools.simulate import Options, simulate
from retrostride.trace import Trace, on_grid, parse_lines

DEFAULT_SEED = 7
DEFAULT_MINUTES = 1.0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="measure the core's heap and per-sample cost under real MicroPython",
        description="Runs the firmware core over IMU samples inside real MicroPython and "
        "prints its device costs: heap allocated per sample in steady state, heap high-water, "
        "WebAssembly instructions per sample, an ESP32 duty estimate at 100 Hz, and the whole "
        "app's heap. The samples are a simulated run (mixed forward/backward running) unless "
        "--trace is given; the coach runs the bundled intro plan unless --no-plan.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--trace",
        type=Path,
        metavar="TRACE.csv",
        help="samples to run (resampled to 100 Hz, the device's rate)",
    )
    p.add_argument(
        "--plan", metavar="PLAN", help="plan the coach runs: a file or a bundled name (intro)"
    )
    p.add_argument("--no-plan", action="store_true", help="detection only, no coach")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="simulated run's seed")
    p.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help="simulated run's length")
    p.set_defaults(handler=run)


def _samples(trace: Trace) -> tuple[list[Sample], int]:
    """Rows as the IMU driver hands them over at the device's rate: ints, a missing
    gyro as 0 (an accelerometer-only trace's are not read: ``measure``'s ``has_gyro``);
    and the trace's own rate (checked by ``replay.read_trace``).

    A trace at another rate is sampled on the device's grid (``trace.on_grid``,
    as the virtual device's chip does). Rows with a missing acceleration reading
    are left out: the driver never delivers them, and the benchmark's sample
    buffer holds ints only.
    """
    rate = trace.rate_hz()
    rows = trace.rows if rate == RATE_HZ else on_grid(trace.rows, RATE_HZ)
    out: list[Sample] = []
    for t, ax, ay, az, gx, gy, gz, _label, _step in rows:
        if ax is None or ay is None or az is None:
            continue
        out.append((t, ax, ay, az, gx or 0, gy or 0, gz or 0))
    return out, rate


def run(args: argparse.Namespace) -> int:
    if args.no_plan and args.plan is not None:
        raise UsageError("--plan and --no-plan contradict each other; give one.")
    if args.trace is not None:
        trace = read_trace(args.trace)[1]
        samples, rate = _samples(trace)
        source = str(args.trace) if rate == RATE_HZ else f"{args.trace} ({rate} Hz, at {RATE_HZ})"
    else:
        if not 0.5 <= args.minutes <= 30:
            raise UsageError("--minutes must be between 0.5 and 30.")
        buf = io.StringIO()
        opts = Options(seed=args.seed, gait="run", direction="mixed", minutes=args.minutes)
        simulate(opts, buf)
        source = f"simulated mixed running, seed {args.seed}, {args.minutes:g} min"
        trace = parse_lines(buf.getvalue().splitlines(), "simulated run")
        samples, _ = _samples(trace)
    if len(samples) < 400:
        raise UsageError(f"{source} has {len(samples)} samples; the bench needs at least 400.")
    plan_text = None
    plan_name = None
    if not args.no_plan:
        path, plan_text = checked_plan(args.plan if args.plan is not None else "intro")
        plan_name = path.name
    print(f"measuring {len(samples)} samples under MicroPython...", file=sys.stderr)
    figures = {"source": source, "plan": plan_name, **measure(samples, plan_text, trace.has_gyro)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    for key, value in figures.items():
        print(f"{key:38s} {'n/a' if value is None else value}")
    return 0
