"""Firmware type-checks against MicroPython's ESP32 stubs; host code is typed and linted."""

import subprocess
import sys
from pathlib import Path

import pytest

from host_tools.paths import FIRMWARE, REPO

BIN = Path(sys.executable).parent
TYPINGS = REPO / ".venv" / "mp-typings"
NO_STDLIB_PYTHON = Path(__file__).with_name("no_stdlib_python")


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def stubs() -> Path:
    if not (TYPINGS / "machine.pyi").is_file():
        pytest.fail(f"ESP32 stubs missing at {TYPINGS}: run 'make deps'")
    return TYPINGS


def pyright_firmware(stubs: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return run(
        str(BIN / "pyright"),
        "-p",
        str(FIRMWARE / "pyrightconfig.json"),
        "--pythonpath",
        str(NO_STDLIB_PYTHON),
        *paths,
    )


def test_firmware_type_checks_against_micropython_stubs(stubs):
    result = pyright_firmware(stubs)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stub_check_catches_cpython_only_imports(stubs, tmp_path):
    probe = FIRMWARE / "lib" / "_probe_cpython_only.py"
    probe.write_text("import dataclasses\nimport time\n\ntime.sleep_ms('soon')\n")
    try:
        result = pyright_firmware(stubs, str(probe))
    finally:
        probe.unlink()
    assert 'Import "dataclasses" could not be resolved' in result.stdout
    assert "sleep_ms" in result.stdout


def test_host_code_passes_mypy_strict():
    result = run(str(BIN / "mypy"), "--no-error-summary")
    assert result.returncode == 0, result.stdout + result.stderr


def test_host_and_tests_pass_ruff():
    result = run(str(BIN / "ruff"), "check", "host_tools", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
