"""Shared test set-up: hypothesis profiles and a per-tier count at the end of a run."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

# Calls into the MicroPython worker take milliseconds; wall-clock deadlines
# would only make property tests flaky on a loaded 2-core CI machine.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI") else "default")

TIERS = ("core", "micropython", "static", "host")


def tier_of(nodeid: str) -> str:
    """The test tier is the folder below tests/ (node ids are rootdir-relative)."""
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") in ("call", "setup") and (
                outcome != "passed" or report.when == "call"
            ):
                counts[tier_of(report.nodeid), outcome] += 1
    if not counts:
        return
    terminalreporter.section("tests per tier")
    for tier in sorted({t for t, _ in counts}):
        line = ", ".join(
            f"{counts[tier, o]} {o}"
            for o in ("passed", "failed", "skipped", "error")
            if counts[tier, o]
        )
        terminalreporter.write_line(f"{tier:12s} {line}")
