"""Whole sessions of real walking: one subject's IPOL trials joined, one mounting.

Why: each IPOL trial is ~20-30 steps, shorter than any workout, and the
classifier learns a session's frame (``gait.GaitClassifier.relative``) as it
goes. A subject's trials were recorded with the sensor mounted once (their
horizontal leads agree from trial to trial), so joining them with a few
seconds of standing between gives a real session to score. Three kinds:
every trial forward, every trial time-reversed (a backward session), and the
two alternating (a retro-running workout of forward and backward bouts). And
one for the coach: a workout (``workout``) with the plan it follows.

    python -m host_tools.sessions OUT_DIR [--subjects 6,7,8,9,10]

writes ``S-forward.csv``, ``S-reversed.csv`` and ``S-mixed.csv`` per subject
for ``retrostride eval``, and ``S-workout.csv``, ``S-workout-unturned.csv``
(the same intervals all walked forward) and their plan ``S-workout.json`` for
``retrostride replay --plan``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from host_tools.fit_gait import subject_traces
from host_tools.paths import IPOL_DATA
from host_tools.timereverse import reverse, to_text
from retrostride.trace import Trace

KINDS = ("forward", "reversed", "mixed")
STILL_MS = 3000
HELD_OUT = (6, 7, 8, 9, 10)


def joined(trials: Sequence[Trace], still_ms: int = STILL_MS) -> Trace:
    """The trials one after the other, each preceded by ``still_ms`` of standing (its
    own first sample held), time restarting from 0 and running on."""
    first = trials[0]
    out = Trace(" + ".join(t.name for t in trials))
    out.meta = dict(first.meta, source="joined trials: " + ", ".join(t.name for t in trials))
    out.has_gyro, out.has_label, out.has_step = first.has_gyro, True, True
    period = 1000 // first.rate_hz()
    t0 = 0
    for trial in trials:
        if not trial.rows:
            continue
        head = trial.rows[0]
        for k in range(still_ms // period):
            out.rows.append((t0 + k * period, *head[1:4], 0, 0, 0, "still", 0))
        t0 += still_ms
        base = head[0]
        for r in trial.rows:
            out.rows.append((t0 + r[0] - base, *r[1:]))
        t0 = out.rows[-1][0] + period
    return out


def subject_sessions(
    subjects: Sequence[int] = HELD_OUT, kind: str = "forward", data: Path = IPOL_DATA
) -> Iterator[tuple[int, Trace]]:
    """``(subject, session)`` for each subject with trials in ``data``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    for s in subjects:
        trials = subject_traces([s], data)
        if not trials:
            continue
        if kind == "reversed":
            trials = [reverse(t) for t in trials]
        elif kind == "mixed":
            trials = [reverse(t) if i % 2 else t for i, t in enumerate(trials)]
        yield s, joined(trials)


def workout(trials: Sequence[Trace], turns_round: bool = True) -> tuple[Trace, dict[str, Any]]:
    """One subject's trials as a plan-following session, and the plan (``plan.md``).

    The warm-up walks the first two trials; three backward intervals (a trial
    time-reversed) then alternate with three forward ones (the next trials, round
    again), each interval as long as its trials with their standing. A walker who
    does not turn round walks the backward intervals' trials forward: the same
    plan fits, and every backward interval is walked the wrong way.
    """
    intervals: list[tuple[str, list[Trace]]] = [("warmup", list(trials[:2]))]
    for i in range(6):
        trial = trials[(2 + i) % len(trials)]
        if i % 2:
            intervals.append(("forward", [trial]))
        else:
            intervals.append(("backward", [reverse(trial) if turns_round else trial]))
    period = 1000 // trials[0].rate_hz()
    blocks = []
    end_ms = done_s = 0
    for kind, ts in intervals:  # whole seconds, rounded without drifting from the trials
        end_ms += sum(STILL_MS + t.rows[-1][0] - t.rows[0][0] + period for t in ts)
        seconds = round(end_ms / 1000) - done_s
        done_s += seconds
        blocks.append({"kind": kind, "seconds": seconds})
    plan = {"version": 1, "name": "Real walking workout", "blocks": blocks}
    return joined([t for _, ts in intervals for t in ts]), plan


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write whole-session traces of real walking.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--subjects", default=",".join(map(str, HELD_OUT)))
    ap.add_argument("--data", type=Path, default=IPOL_DATA)
    args = ap.parse_args(argv)
    subjects = [int(s) for s in args.subjects.split(",")]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        for s, trace in subject_sessions(subjects, kind, args.data):
            path = args.out_dir / f"{s}-{kind}.csv"
            path.write_text(to_text(trace), encoding="utf-8")
            print(path)
    for s in subjects:
        trials = subject_traces([s], args.data)
        if not trials:
            continue
        trace, plan = workout(trials)
        unturned, _ = workout(trials, turns_round=False)  # the same plan fits it
        files = {
            f"{s}-workout.csv": to_text(trace),
            f"{s}-workout-unturned.csv": to_text(unturned),
            f"{s}-workout.json": json.dumps(plan, indent=1) + "\n",
        }
        for name, text in files.items():
            path = args.out_dir / name
            path.write_text(text, encoding="utf-8")
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
