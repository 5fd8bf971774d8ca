"""Run the firmware core over a recorded or simulated trace, in CPython or MicroPython.

Both runtimes execute the same ``retrostride.session.replay`` on the same trace
text; the MicroPython run happens inside the real WebAssembly port, so what it
prints is what the device would decide.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.micropython import MicroPython
from host_tools.plan_files import plan_text as checked_plan
from retrostride import plan as plans
from retrostride import session
from retrostride.trace import Trace, TraceError, parse_lines

Event = dict[str, Any]
RUNTIMES = ("cpython", "micropython")
_CLIP_PLACEMENTS = ("waist", "lower-back")  # trace.md's placements a clip can have


def read_trace_text(path: Path) -> str:
    """The trace's text, checked in full first so errors name file and line."""
    return read_trace(path)[0]


def read_trace(path: Path) -> tuple[str, Trace]:
    """The trace's text and the trace parsed from it, checked in full (file:line)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read trace {path}: {e.strerror or e}.") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text (byte {data[e.start]:#04x}).") from e
    try:
        trace = parse_lines(text.splitlines(), str(path))
        trace.rate_hz()  # and at a rate the core takes
    except TraceError as e:
        raise UsageError(f"{e}.") from e
    if not trace.rows:
        raise UsageError(f"{path}: no samples after the header.")
    if trace.ignored:  # a misspelt gx would otherwise pass for an accelerometer-only trace
        names = ", ".join(repr(n) for n in trace.ignored)
        print(f"{path}: ignoring column(s) {names}, not in retrostride-trace v1.", file=sys.stderr)
    placement = trace.meta.get("placement", "")
    if placement and placement.split()[0].lower() not in _CLIP_PLACEMENTS:
        print(
            f"{path}: placement {placement!r}: the core is made for a clip on the waistband "
            "and reads this trace as if it were worn there.",
            file=sys.stderr,
        )
    return text, trace


def replay_cpython(text: str, name: str, plan_text: str | None = None) -> list[Event]:
    out: list[Event] = []
    plan_obj = plans.load(plan_text) if plan_text is not None else None
    session.replay(text.splitlines(), name, out.append, plan_obj=plan_obj)
    return [canonical(e) for e in out]


def replay_micropython(
    text: str, name: str, mp: MicroPython | None = None, plan_text: str | None = None
) -> list[Event]:
    """Replay inside MicroPython; events come back as JSON lines."""
    own = mp is None
    runtime = mp if mp is not None else MicroPython(timeout_s=600)
    try:  # the lines CPython's reader sees (a file of CR-only line ends is one line to MicroPython)
        runtime.write_file("/trace.csv", "\n".join(text.splitlines()) + "\n")
        load = "None"
        if plan_text is not None:
            runtime.write_file("/plan.json", plan_text)
            load = "plan.load(open('/plan.json').read())"
        out = runtime.exec(
            "import json\nfrom retrostride import plan, session\n"
            "def _emit(e):\n    print('\\x02' + json.dumps(e))\n"
            f"_plan = {load}\n"
            "with open('/trace.csv') as f:\n"
            f"    session.replay(f, {name!r}, _emit, plan_obj=_plan)\n"
        )
    finally:
        if own:
            runtime.close()
    return [
        _same_floats(json.loads(line[1:])) for line in out.splitlines() if line.startswith("\x02")
    ]


def _same_floats(event: Event) -> Event:
    """Rebuild the one float the core emits exactly as CPython's core makes it.

    MicroPython prints floats with fewer digits than CPython; the core derives
    ``confidence`` from an integer per cent, so that integer is recovered here.
    """
    if "confidence" in event:
        event["confidence"] = round(event["confidence"] * 100) / 100
    return canonical(event)


_KEY_ORDER = {
    k: i
    for i, k in enumerate(
        (
            "type",
            "t_ms",
            "direction",
            "gait",
            "cadence_spm",
            "confidence",
            "decided_ms",
            "index",
            "kind",
            "pattern",
            "reason",
            "detail",
            "count",
            "plan",
            "steps",
            "backward_steps",
            "backward_s",
            "compliance",
            "interval_kinds",
            "interval_steps",
            "interval_backward_s",
            "intervals_reached",
            "completed",
            "falls",
            "skipped",
            "wrong_direction",
            "backward_limit",
            "longest_backward_s",
        )
    )
}


def canonical(event: Event) -> Event:
    """The event with its keys in one fixed order (MicroPython dicts are unordered)."""
    return dict(sorted(event.items(), key=lambda kv: (_KEY_ORDER.get(kv[0], 99), kv[0])))


def replay(path: Path, runtime: str = "cpython", plan: str | Path | None = None) -> list[Event]:
    """Events of the core over the trace at ``path``; with ``plan`` (a file or a bundled
    plan's name) it coaches from t_ms = 0."""
    plan_text = checked_plan(plan)[1] if plan is not None else None
    text = read_trace_text(path)
    if runtime == "micropython":
        return replay_micropython(text, str(path), plan_text=plan_text)
    return replay_cpython(text, str(path), plan_text)
