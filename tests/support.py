"""Helpers for tests of every tier: where the shared data lives."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"
