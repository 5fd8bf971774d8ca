"""The drivers' MicroPython test modules, run again under CPython.

The drivers and the fake ``machine`` are plain Python that both interpreters run;
``tests/micropython/mp_{i2c_bus,machine,imu*}.py`` run inside MicroPython through
``tests/mp_collect.py``, and here the very same test functions run under CPython
so a difference between the two interpreters shows up as a one-sided failure.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from host_tools.paths import FIRMWARE_LIB, REPO

MP_TESTS = REPO / "tests" / "micropython"
FAKES = REPO / "host_tools" / "vdev" / "mp"
MODULES = sorted(
    [MP_TESTS / "mp_i2c_bus.py", MP_TESTS / "mp_machine.py", *MP_TESTS.glob("mp_imu*.py")]
)


def _tests(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text())
    return [
        (path.stem, node.name)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


CASES = [case for path in MODULES for case in _tests(path)]


def _load(module: str, name: str) -> Callable[[], None]:
    for path in (MP_TESTS, FAKES, FIRMWARE_LIB):
        if str(path) not in sys.path:
            sys.path.append(str(path))
    fn: Callable[[], None] = getattr(importlib.import_module(module), name)
    return fn


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}::{n}" for m, n in CASES])
def test_under_cpython(module: str, name: str) -> None:
    fn = _load(module, name)
    if "mem_alloc" in Path(MP_TESTS / f"{module}.py").read_text() and "alloc" in name:
        pytest.skip("gc.mem_alloc exists only in MicroPython; checked in that tier")
    fn()
