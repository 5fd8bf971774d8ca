"""Workout plan files on the host: a path or the name of a bundled plan, read and
checked by the core's own validator, so every command accepts and refuses alike."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.paths import PLANS, bundled_or_file, read_text
from retrostride import plan as plans


def plan_path(spec: str | Path) -> Path:
    """A plan file's path, or the name of a bundled plan (``intro``)."""
    return bundled_or_file(spec, PLANS, "plan")


def read_plan_text(path: Path) -> str:
    """The plan's text, validated by the core's validator (exit 2 on problems)."""
    text = read_text(path, "plan")
    problems = plan_problems(text)
    if problems:
        raise UsageError(f"{path}: {'; '.join(problems)}.")
    return text


def plan_problems(text: str, cap_s: int | None = None) -> list[str]:
    """Every problem with a plan's text: the core validator's (what the device refuses),
    and keys given twice in one object, which the device's JSON parser takes silently
    (the last one counts), so a hand-edited plan could lose a block without a word."""
    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        twice.extend(
            f"{k!r} is given twice in one object" for k in dict.fromkeys(keys) if keys.count(k) > 1
        )
        return dict(items)

    try:
        with contextlib.suppress(ValueError):  # not JSON: the validator says where
            json.loads(text, object_pairs_hook=pairs)
        plans.load(text, cap_s)
    except RecursionError:  # CPython's JSON reader gives up at ~1000 levels
        return ["$: nested too deep to read (repeats nest at most 6 deep)"]
    except plans.PlanError as e:
        return twice + list(e.problems)
    return twice


def plan_text(spec: str | Path) -> tuple[Path, str]:
    """The plan named by ``spec`` (a file or a bundled name): its path and checked text."""
    path = plan_path(spec)
    return path, read_plan_text(path)


def load_plan(spec: str | Path) -> dict[str, Any]:
    """The plan named by ``spec`` as a dict, checked as the device checks it."""
    obj: dict[str, Any] = json.loads(plan_text(spec)[1])
    return obj
