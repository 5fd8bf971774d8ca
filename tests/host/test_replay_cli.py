"""``retrostride replay``: bad input is one sentence and exit 2, never a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

RETROSTRIDE = Path(sys.executable).with_name("retrostride")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("t_ms,ax,ay,az\n0,1,2,x\n", "bad.csv:2: az is not a number: 'x'"),
        ("t_ms,ax,ay,az\n10,1,2,3\n5,1,2,3\n", "bad.csv:3: time goes backwards"),
        ("# nothing\n", "bad.csv: no header line"),
    ],
)
def test_bad_trace_is_rejected_with_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("replay", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file_is_one_sentence(tmp_path):
    result = run("replay", str(tmp_path / "nope.csv"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot read trace" in result.stderr


def test_binary_file_is_rejected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = run("replay", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
