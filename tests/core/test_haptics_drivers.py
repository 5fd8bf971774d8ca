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
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools.paths import FIRMWARE_LIB, REPO
from retrostride import haptics

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


_PLAYS = st.lists(
    st.tuples(st.integers(0, 300), st.one_of(st.none(), st.sampled_from(haptics.NAMES))),
    max_size=40,
)


@settings(max_examples=100)
@given(_PLAYS, st.booleans(), st.integers(0, 2))
def test_chip_drive_follows_the_player(
    seq: list[tuple[int, str | None]], lra: bool, faults: int
) -> None:
    """Whatever is played, the DRV2605L's decoded drive equals the player's level (ERM: 7 bits)."""
    _load("mp_drv2605", "test_init_sequence_for_an_erm")  # puts the fakes on sys.path
    machine = importlib.import_module("machine")
    fake = importlib.import_module("fake_drv2605")
    drv_mod = importlib.import_module("drivers.drv2605")
    bus_mod = importlib.import_module("drivers.i2c_bus")
    machine.reset_fakes()
    chip = machine.attach_i2c(fake.FakeDRV2605())
    drv = drv_mod.DRV2605(bus_mod.I2CBus(machine.I2C(0)), lra=lra)
    drv.begin(0)
    now = 0
    while drv.poll(now) != drv_mod.READY:
        now += 1
        assert now < 20
    p = haptics.Player()
    for dt, name in seq:
        for _ in range(dt // 10):
            now += 10
            machine.i2c_faults(faults)  # within the bus's retries: never lost
            chip.clock = now
            level = p.tick(now)
            drv.set_level(level)
            want = level if lra else (level >> 1) * 255 // 127
            assert chip.drive() == want
        if name is not None:
            p.play(name, now)
    machine.i2c_faults(0)
