"""Hypothesis drives the same core functions in CPython and MicroPython; they must agree."""

from hypothesis import given
from hypothesis import strategies as st

from retrostride.ticks import TICKS_MAX, TICKS_PERIOD, ticks_add, ticks_diff
from retrostride.trace import parse_milli

ticks = st.integers(0, TICKS_MAX)
deltas = st.integers(-(TICKS_PERIOD // 2) + 1, TICKS_PERIOD // 2 - 1)


@given(st.lists(st.tuples(ticks, ticks), min_size=1, max_size=50))
def test_ticks_diff_matches_micropythons_own(micropython, pairs):
    got = micropython.exec(
        "import time\nfrom retrostride.ticks import ticks_diff\n"
        f"for a, b in {pairs!r}:\n    print(ticks_diff(a, b), time.ticks_diff(a, b))\n"
    )
    for (a, b), line in zip(pairs, got.split("\n"), strict=False):
        core, runtime = (int(v) for v in line.split())
        assert core == runtime == ticks_diff(a, b), (a, b)


@given(ticks, deltas)
def test_ticks_add_same_in_both_interpreters(micropython, t, d):
    assert micropython.call("retrostride.ticks", "ticks_add", t, d) == ticks_add(t, d)


@given(
    st.lists(st.decimals(min_value=-2000, max_value=2000, allow_nan=False, places=5), max_size=30)
)
def test_parse_milli_same_in_both_interpreters(micropython, values):
    texts = [format(v, "f") for v in values] + ["nan", "1e-3", "-2.5E1"]
    got = [micropython.call("retrostride.trace", "parse_milli", s) for s in texts]
    assert got == [parse_milli(s) for s in texts]
