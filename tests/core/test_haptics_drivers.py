"""The haptics drivers' MicroPython test modules, run again under CPython.

``mp_drv2605``, ``mp_motor`` and ``mp_button`` run inside MicroPython through
``tests/mp_collect.py``; here the same functions run under CPython against the
same fakes, so an interpreter difference shows up as a one-sided failure.
Allocation checks need ``gc.mem_alloc`` and run only in the MicroPython tier.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable

import pytest

from host_tools.paths import FIRMWARE_LIB, REPO

MP_TESTS = REPO / "tests" / "micropython"
FAKES = REPO / "host_tools" / "vdev" / "mp"
MODULES = ("mp_drv2605", "mp_motor", "mp_button", "mp_haptics")


def _cases() -> list[tuple[str, str]]:
    out = []
    for module in MODULES:
        tree = ast.parse((MP_TESTS / f"{module}.py").read_text())
        out += [
            (module, node.name)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        ]
    return out


CASES = _cases()


def _load(module: str, name: str) -> Callable[[], None]:
    for path in (MP_TESTS, FAKES, FIRMWARE_LIB):
        if str(path) not in sys.path:
            sys.path.append(str(path))
    fn: Callable[[], None] = getattr(importlib.import_module(module), name)
    return fn


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}::{n}" for m, n in CASES])
def test_same_tests_under_cpython(module: str, name: str) -> None:
    if "allocates_nothing" in name:
        pytest.skip("gc.mem_alloc exists only in MicroPython; checked in that tier")
    _load(module, name)()
