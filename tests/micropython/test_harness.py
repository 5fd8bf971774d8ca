"""The MicroPython tier must fail what MicroPython cannot run, even if CPython can."""

import pytest

from host_tools.micropython import MicroPython, MicroPythonError

CPYTHON_ONLY = {
    "dataclasses": "import dataclasses\n\ndef test_it():\n    assert dataclasses\n",
    "removeprefix": "def test_it():\n    assert 'xab'.removeprefix('x') == 'ab'\n",
    "int_from_bytes_keyword": (
        "def test_it():\n    assert int.from_bytes(b'\\x01\\x00', byteorder='big') == 256\n"
    ),
}


@pytest.mark.parametrize("snippet", sorted(CPYTHON_ONLY))
def test_cpython_only_snippet_fails_the_micropython_tier(pytester, snippet):
    source = CPYTHON_ONLY[snippet]
    namespace: dict[str, object] = {}
    exec(compile(source, snippet, "exec"), namespace)
    namespace["test_it"]()  # CPython is happy with it ...
    pytester.mkdir("micropython")
    (pytester.path / "micropython" / f"mp_{snippet}.py").write_text(source)
    result = pytester.runpytest_inprocess("-p", "mp_collect", "-q")
    result.assert_outcomes(failed=1)  # ... MicroPython is not.
    result.stdout.fnmatch_lines(["*failed under MicroPython*"])


def test_passing_module_passes_and_each_test_is_an_item(pytester):
    pytester.mkdir("micropython")
    (pytester.path / "micropython" / "mp_ok.py").write_text(
        "def test_a():\n    assert 1 + 1 == 2\n\ndef test_b():\n    assert [1, 2][-1] == 2\n"
    )
    result = pytester.runpytest_inprocess("-p", "mp_collect", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*mp_ok.py::test_a PASSED*", "*mp_ok.py::test_b PASSED*"])


def test_an_endless_loop_is_stopped_by_the_timeout():
    with MicroPython(timeout_s=2) as mp, pytest.raises(MicroPythonError, match="no answer"):
        mp.exec("while True:\n    pass\n")


def test_exceptions_come_back_with_micropythons_traceback():
    with MicroPython() as mp, pytest.raises(MicroPythonError, match="ZeroDivisionError"):
        mp.exec("1 // 0")
