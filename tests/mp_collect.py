"""pytest plugin: run ``micropython/mp_*.py`` test modules inside real MicroPython.

Each ``def test_*`` of such a module becomes one pytest item (its node id holds
``micropython``). The module runs once, in a fresh interpreter with the
firmware ``lib/`` on its path, and every test's outcome is reported back, so a
test that CPython would pass but MicroPython fails fails the build.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from host_tools.micropython import MicroPython, MicroPythonError
from host_tools.paths import FIRMWARE_LIB, REPO

MPUNIT = Path(__file__).with_name("micropython") / "mpunit.py"
FAKES = REPO / "host_tools" / "vdev" / "mp"  # fake machine and chips, at /fakes


def _is_micropython_module(path: Path) -> bool:
    return (
        path.suffix == ".py" and path.name.startswith("mp_") and path.parent.name == "micropython"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if _is_micropython_module(file_path):
        module: MicroPythonModule = MicroPythonModule.from_parent(parent, path=file_path)
        return module
    return None


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """Named on the command line, an mp_ module must not also be imported by CPython."""
    if _is_micropython_module(module_path):
        ignored: NotForCPython = NotForCPython.from_parent(parent, path=module_path)
        return ignored
    return None


class NotForCPython(pytest.File):
    """Stands in for CPython's collector of an mp_ module: collects nothing."""

    def collect(self) -> Iterator[pytest.Item]:
        return iter(())


class MicroPythonModule(pytest.File):
    """A test module that runs inside MicroPython rather than CPython."""

    _outcomes: dict[str, dict[str, Any]] | None = None

    def test_names(self) -> list[str]:
        """Top-level ``test_*`` functions, read from the source without running it."""
        tree = ast.parse(self.path.read_text(), filename=str(self.path))
        return [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        ]

    def collect(self) -> Iterator[pytest.Item]:
        for name in self.test_names():
            yield MicroPythonItem.from_parent(self, name=name)

    def outcome(self, name: str) -> dict[str, Any]:
        """Run the whole module on first use; return ``name``'s outcome."""
        if self._outcomes is None:
            self._outcomes = self._run()
        return self._outcomes.get(
            name, {"ok": False, "error": "MicroPython stopped before this test reported"}
        )

    def _run(self) -> dict[str, dict[str, Any]]:
        names = self.test_names()
        outcomes: dict[str, dict[str, Any]] = {}
        with MicroPython({FIRMWARE_LIB: "/lib", self.path.parent: "/tests", FAKES: "/fakes"}) as mp:
            mp.write_file("/tests/mpunit.py", MPUNIT.read_text())
            try:
                out = mp.exec(
                    "import sys\nsys.path.insert(0, '/tests')\nsys.path.append('/fakes')\n"
                    "import mpunit\n"
                    f"mpunit.run({self.path.stem!r}, {names!r})\n"
                )
            except MicroPythonError as e:
                out = str(e)
                crash = str(e)
            else:
                crash = ""
        for line in out.splitlines():
            if line.startswith("\x02"):
                result = json.loads(line[1:])
                outcomes[result["name"]] = result
        for name in names:
            if name not in outcomes and crash:
                outcomes[name] = {"ok": False, "error": "MicroPython crashed:\n" + crash}
        return outcomes


class MicroPythonFailure(Exception):
    """A test failed inside MicroPython; the message is MicroPython's traceback."""


class MicroPythonItem(pytest.Item):
    """One ``test_*`` function of a MicroPython test module."""

    parent: MicroPythonModule

    def runtest(self) -> None:
        result = self.parent.outcome(self.name)
        if not result["ok"]:
            raise MicroPythonFailure(result["error"])

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, MicroPythonFailure):
            return f"failed under MicroPython:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"micropython::{self.name}"
