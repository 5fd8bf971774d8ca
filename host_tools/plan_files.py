"""Workout plan files on the host: a path or the name of a bundled plan, read and
checked by the core's own validator, so every command accepts and refuses alike."""

from __future__ import annotations

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
    try:
        plans.load(text)
    except plans.PlanError as e:
        raise UsageError(f"{path}: {'; '.join(e.problems)}.") from e
    return text


def plan_text(spec: str | Path) -> tuple[Path, str]:
    """The plan named by ``spec`` (a file or a bundled name): its path and checked text."""
    path = plan_path(spec)
    return path, read_plan_text(path)


def load_plan(spec: str | Path) -> dict[str, Any]:
    """The plan named by ``spec`` as a dict, checked as the device checks it."""
    obj: dict[str, Any] = json.loads(plan_text(spec)[1])
    return obj
