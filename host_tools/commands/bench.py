"""``retrostride bench``: what the core costs on the device, measured under real MicroPython."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from host_tools.bench import RATE_HZ, Sample, measure
from host_tools.deploy import plan_path
from host_tools.errors import UsageError
from host_tools.replay import read_plan_text, read_trace_text
from host_tools.simulate import Options, simulate
from retrostride.trace import TraceError, parse_lines

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
    p.add_argument("--trace", type=Path, metavar="TRACE.csv", help="samples to run (100 Hz)")
    p.add_argument(
        "--plan", metavar="PLAN", help="plan the coach runs: a file or a bundled name (intro)"
    )
    p.add_argument("--no-plan", action="store_true", help="detection only, no coach")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="simulated run's seed")
    p.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help="simulated run's length")
    p.set_defaults(handler=run)


def _samples(text: str, name: str) -> list[Sample]:
    """Rows as the IMU driver hands them over: ints, a missing gyro as 0.

    Rows with a missing acceleration reading are left out: the driver never
    delivers them, and the benchmark's sample buffer holds ints only.
    """
    try:
        trace = parse_lines(text.splitlines(), name)
    except TraceError as e:
        raise UsageError(str(e)) from e
    rate = trace.rate_hz()
    if rate != RATE_HZ:
        raise UsageError(f"{name} is sampled at {rate} Hz; the bench measures at {RATE_HZ} Hz.")
    out: list[Sample] = []
    for t, ax, ay, az, gx, gy, gz, _label, _step in trace.rows:
        if ax is None or ay is None or az is None:
            continue
        out.append((t, ax, ay, az, gx or 0, gy or 0, gz or 0))
    return out


def run(args: argparse.Namespace) -> int:
    if args.no_plan and args.plan is not None:
        raise UsageError("--plan and --no-plan contradict each other; give one.")
    if args.trace is not None:
        source = str(args.trace)
        samples = _samples(read_trace_text(args.trace), source)
    else:
        if not 0.5 <= args.minutes <= 30:
            raise UsageError("--minutes must be between 0.5 and 30.")
        buf = io.StringIO()
        opts = Options(seed=args.seed, gait="run", direction="mixed", minutes=args.minutes)
        simulate(opts, buf)
        source = f"simulated mixed running, seed {args.seed}, {args.minutes:g} min"
        samples = _samples(buf.getvalue(), "simulated run")
    if len(samples) < 400:
        raise UsageError(f"{source} has {len(samples)} samples; the bench needs at least 400.")
    plan_text = None
    plan_name = None
    if not args.no_plan:
        path = plan_path(args.plan if args.plan is not None else "intro")
        plan_text = read_plan_text(path)
        plan_name = path.name
    print(f"measuring {len(samples)} samples under MicroPython...", file=sys.stderr)
    figures = {"source": source, "plan": plan_name, **measure(samples, plan_text)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    for key, value in figures.items():
        print(f"{key:38s} {value}")
    return 0
