"""Trace CSV reader: fixed-point parsing and file:line errors (CPython tier)."""

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import SHARED_DATA

from retrostride import trace
from retrostride.trace import TraceError, parse_lines, parse_milli

HEADER = "t_ms,ax,ay,az,gx,gy,gz,label,step"


def lines(*rows: str, header: str = HEADER) -> list[str]:
    return ["# retrostride-trace v1", "# rate_hz: 100", header, *rows]


def test_parses_rows_into_fixed_point():
    t = parse_lines(lines("0,9.91480,0.38278,-1.12271,-0.16080,0.09525,0.02725,still,0"))
    assert t.meta == {"rate_hz": "100"}
    assert t.has_gyro and t.has_label and t.has_step
    assert t.rows == [(0, 9915, 383, -1123, -161, 95, 27, "still", 0)]


def test_accelerometer_only_trace_has_no_gyro():
    t = parse_lines(lines("10,0,0,9.81", header="t_ms,ax,ay,az"))
    assert not t.has_gyro and not t.has_label
    assert t.rows == [(10, 0, 0, 9810, None, None, None, None, None)]


def test_nan_is_a_missing_reading_not_an_error():
    t = parse_lines(lines("0,nan,0,0,0,0,0,still,0"))
    assert t.rows[0][1] is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("0,1,2", "test.csv:4: expected 9 fields, found 3"),
        ("0,x,0,0,0,0,0,still,0", "test.csv:4: ax is not a number: 'x'"),
        ("-5,0,0,0,0,0,0,still,0", "test.csv:4: t_ms must be a non-negative integer"),
        ("\u00b2,0,0,0,0,0,0,still,0", "test.csv:4: t_ms must be a non-negative integer"),
        ("\u0663,0,0,0,0,0,0,still,0", "test.csv:4: t_ms must be a non-negative integer"),
        ("0,0,-9.9e300,0,0,0,0,still,0", "test.csv:4: ay is out of range: '-9.9e300'"),
        ("0," + "7" * 99 + "x,0,0,0,0,0,still,0", "ax is not a number: '" + "7" * 40 + "'..."),
        ("0,0,0,0,0,0,0,jog,0", "test.csv:4: unknown label 'jog'"),
        ("0,0,0,0,0,0,0,still,2", "test.csv:4: step must be 0 or 1"),
        ("1732838400000,0,0,0,0,0,0,still,0", "test.csv:4: t_ms counts from the trace's start"),
    ],
)
def test_bad_rows_name_file_and_line(row, message):
    with pytest.raises(TraceError, match=re.escape(message)):
        parse_lines(lines(row), "test.csv")


def test_time_going_backwards_is_rejected_at_its_line():
    with pytest.raises(TraceError, match=r"t\.csv:5: time goes backwards \(5 < 10\)"):
        parse_lines(lines("10,0,0,0,0,0,0,still,0", "5,0,0,0,0,0,0,still,0"), "t.csv")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("t_ms,ax,ay", "lacks column 'az'"),
        ("t_ms,ax,ay,az,gx", "gx, gy, gz must be given together"),
        ("0,0.1,0.2,9.8", r"h\.csv:3: expected the header line .*found data"),
    ],
)
def test_bad_headers_are_rejected(header, message):
    with pytest.raises(TraceError, match=message):
        parse_lines(lines(header=header), "h.csv")


def test_columns_the_format_does_not_know_are_read_past_and_named():
    """A recorder may log more (a magnetometer, a temperature): those columns are not
    checked or used, and the trace says which they were, for the host to tell."""
    t = parse_lines(
        lines("0,n/a,9.91480,0.38278,-1.12271,x,still,1", header="t_ms,mx,ax,ay,az,temp,label,step")
    )
    assert t.ignored == ["mx", "temp"] and not t.has_gyro
    assert t.rows == [(0, 9915, 383, -1123, None, None, None, "still", 1)]
    assert parse_lines(lines("0,0,0,9.8", header="t_ms,ax,ay,az")).ignored == []
    with pytest.raises(TraceError, match=r"h\.csv:4: expected 5 fields, found 4"):
        parse_lines(lines("0,0,0,9.8", header="t_ms,ax,ay,az,mx"), "h.csv")


@pytest.mark.parametrize("value", ["0", "-100", "0.4", "fast", "100 Hz", "1001", ""])
def test_a_rate_that_is_no_sample_rate_is_rejected_at_its_line(value):
    """A session needs a sample period: 0 Hz used to divide by zero in the core."""
    text = ["# retrostride-trace v1", f"# rate_hz: {value}", HEADER, "0,0,0,0,0,0,0,still,0"]
    message = f"r.csv:2: rate_hz must be samples a second, 1 to 1000, got {value!r}"
    with pytest.raises(TraceError, match=re.escape(message)):
        parse_lines(text, "r.csv")


def test_a_fractional_rate_is_rounded_and_a_missing_one_read_from_the_timestamps():
    rows = [f"{5 * k + (k % 3 == 0)},0,0,9.81" for k in range(200)]  # 200 Hz with jitter
    nominal = parse_lines(["# rate_hz: 104.2", "t_ms,ax,ay,az", *rows])
    assert nominal.nominal_hz == 104 and nominal.rate_hz() == 104
    unstated = parse_lines(["t_ms,ax,ay,az", *rows])
    assert unstated.nominal_hz == 0 and unstated.rate_hz() == 200
    assert parse_lines(["t_ms,ax,ay,az", rows[0]]).rate_hz() == 100  # one row cannot tell


def test_timestamps_closer_than_a_millisecond_apart_are_refused():
    rows = [f"{k // 2},0,0,9.81" for k in range(100)]  # two samples a millisecond
    fast = parse_lines(["t_ms,ax,ay,az", *rows], "f.csv")
    with pytest.raises(TraceError, match=r"f\.csv: its timestamps say 20.. samples a second"):
        fast.rate_hz()


def test_a_byte_order_mark_is_not_part_of_the_first_line():
    got = parse_lines(["\ufeff# rate_hz: 50", "t_ms,ax,ay,az", "0,1,2,3"], "bom.csv")
    assert got.nominal_hz == 50 and got.rows[0][:4] == (0, 1000, 2000, 3000)
    got = parse_lines(["\ufefft_ms,ax,ay,az", "0,1,2,3"], "bom.csv")
    assert got.rows[0][:4] == (0, 1000, 2000, 3000)


def test_a_file_without_header_is_rejected():
    with pytest.raises(TraceError, match=r"e\.csv: no header line"):
        parse_lines(["# only comments"], "e.csv")


@given(st.decimals(min_value=-1000, max_value=1000, allow_nan=False, places=6))
def test_parse_milli_rounds_half_away_from_zero(value):
    text = format(value, "f")
    expected = int(abs(value * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert parse_milli(text) == (-expected if value < 0 else expected)


@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_parse_milli_reads_python_float_reprs(value):
    expected = int((Decimal(repr(value)) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert parse_milli(repr(value)) == expected


@given(st.integers(0, 10**12), st.integers(-60, 34), st.booleans())
def test_parse_milli_takes_any_exponent_a_reading_can_have(digits, exp, neg):
    text = ("-" if neg else "") + f"{digits}e{exp}"
    with localcontext() as exact:
        exact.prec = 100
        magnitude = (Decimal(digits).scaleb(exp + 3)).quantize(Decimal(1), ROUND_HALF_UP)
    assert parse_milli(text) == (-int(magnitude) if neg else int(magnitude))


def test_an_exponent_too_big_for_the_device_is_an_error_not_a_hang():
    assert parse_milli("1e-999999999") == 0
    with pytest.raises(ValueError, match="out of range"):
        parse_milli("1e999999999")


# other scripts' digits, a superscript, spaces and underscores: CPython's int() takes
# some of them, MicroPython's does not, and a trace must read the same in both
@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "1.2.3",
        "1e",
        "abc",
        "1,5",
        "\u0663",
        "1e\u0663",
        "\u00b2",
        "1e 2",
        "1e1_0",
        "1e+-2",
    ],
)
def test_parse_milli_rejects_non_numbers(text):
    with pytest.raises(ValueError):
        parse_milli(text)


def test_reads_every_real_recording():
    files = sorted((SHARED_DATA / "ipol-gait").glob("*.csv"))
    if not files:
        pytest.skip(f"real recordings not present at {SHARED_DATA / 'ipol-gait'}")
    for path in files:
        t = trace.read(str(path))
        assert t.has_gyro and t.has_step and t.rate_hz() == 100
        assert sum(r[8] for r in t.rows) > 10, path.name


def _rows(times: list[int]) -> list[tuple]:
    return [(t, i, 0, 0, None, None, None, None, None) for i, t in enumerate(times)]


def test_on_grid_samples_a_faster_or_slower_trace_at_the_device_rate():
    fast = list(trace.on_grid(_rows([5 * k for k in range(9)]), 100))  # 200 Hz, 0-40 ms
    assert [(r[0], r[1]) for r in fast] == [(0, 0), (10, 2), (20, 4), (30, 6), (40, 8)]
    slow = list(trace.on_grid(_rows([0, 20, 40]), 100))  # 50 Hz: each row held twice
    assert [(r[0], r[1]) for r in slow] == [(0, 0), (10, 0), (20, 1), (30, 1), (40, 2)]
    assert list(trace.on_grid([], 100)) == []


@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=60),
    st.integers(1, 1000),
)
def test_on_grid_takes_the_latest_row_at_or_before_each_sample_time(gaps, rate):
    times = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    rows = _rows(times)
    got = list(trace.on_grid(rows, rate))
    assert [r[0] for r in got] == [k * 1000 // rate for k in range(len(got))]
    assert got[-1][0] <= times[-1] < (len(got) * 1000) // rate
    for t, i, *rest in got:
        latest = [r for r in rows if r[0] <= t][-1:] or rows[:1]
        assert i == latest[0][1] and tuple(rest) == rows[i][2:]
