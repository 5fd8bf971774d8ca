"""The trace reader inside MicroPython: same fixed-point values, same errors."""

from mpunit import raises

from retrostride.trace import TraceError, parse_lines, parse_milli

HEADER = "t_ms,ax,ay,az,gx,gy,gz,label,step"


def test_parses_a_row_to_the_same_integers_as_cpython():
    t = parse_lines(
        ["# rate_hz: 100", HEADER, "0,9.91480,0.38278,-1.12271,-0.16080,0.09525,0.02725,still,1"]
    )
    assert t.rows == [(0, 9915, 383, -1123, -161, 95, 27, "still", 1)]
    assert t.rate_hz() == 100


def test_parse_milli_edge_cases():
    assert parse_milli("0.0005") == 1
    assert parse_milli("-0.0005") == -1
    assert parse_milli("1.5e-3") == 2
    assert parse_milli("2E2") == 200000
    assert parse_milli("nan") is None
    raises(ValueError, parse_milli, "1.2.3")
    assert parse_milli("1e-999999999") == 0
    assert parse_milli("-4e-7") == 0
    assert parse_milli("12e33") == 12 * 10**36
    raises(ValueError, parse_milli, "1e999999999")
    for text in ("\u0663", "1e\u0663", "\u00b2", "1e 2", "1e1_0", "1e+-2"):
        raises(ValueError, parse_milli, text)


def test_errors_name_file_and_line():
    e = raises(
        TraceError, parse_lines, [HEADER, "0,0,0,0,0,0,0,still,0", "0,x,0,0,0,0,0,still,0"], "t.csv"
    )
    assert str(e).startswith("t.csv:3: ax is not a number"), str(e)
    e = raises(TraceError, parse_lines, [HEADER, "0,0,1e99,0,0,0,0,still,0"], "t.csv")
    assert str(e) == "t.csv:2: ay is out of range: '1e99'", str(e)
    e = raises(
        TraceError, parse_lines, [HEADER, "9,0,0,0,0,0,0,still,0", "8,0,0,0,0,0,0,still,0"], "t.csv"
    )
    assert "t.csv:3: time goes backwards" in str(e), str(e)
    e = raises(TraceError, parse_lines, [HEADER, "1732838400000,0,0,0,0,0,0,still,0"], "t.csv")
    assert str(e).startswith("t.csv:2: t_ms counts from the trace's start"), str(e)


def test_a_byte_order_mark_and_a_missing_header():
    got = parse_lines(["\ufeff# rate_hz: 50", "t_ms,ax,ay,az", "0,1,2,3"], "bom.csv")
    assert got.nominal_hz == 50 and got.rows[0][:4] == (0, 1000, 2000, 3000)
    e = raises(TraceError, parse_lines, ["0,0.1,0.2,9.8", "10,0.1,0.2,9.8"], "d.csv")
    assert str(e).startswith("d.csv:1: expected the header line"), str(e)


def test_unknown_columns_are_read_past_and_named():
    t = parse_lines(["t_ms,ax,temp,ay,az", "0,1,hot,2,3"])
    assert t.ignored == ["temp"]
    assert t.rows[0] == (0, 1000, 2000, 3000, None, None, None, None, None)


def test_accelerometer_only():
    t = parse_lines(["t_ms,ax,ay,az", "0,1,2,3"])
    assert not t.has_gyro
    assert t.rows[0] == (0, 1000, 2000, 3000, None, None, None, None, None)


def test_the_rate_is_checked_and_read_from_the_timestamps_when_absent():
    e = raises(TraceError, parse_lines, ["# rate_hz: 0", "t_ms,ax,ay,az", "0,0,0,9.8"], "r.csv")
    assert str(e).startswith("r.csv:1: rate_hz must be samples a second"), str(e)
    text = ["# rate_hz: 104.2", "t_ms,ax,ay,az"]
    text.extend(str(5 * k) + ",0,0,9.81" for k in range(100))
    assert parse_lines(text[1:]).rate_hz() == 200
    assert parse_lines(text).rate_hz() == 104


def test_a_trace_faster_than_the_core_takes_is_averaged_down():
    """As tests/host/test_replay_cli.py: 600 Hz is averaged to 200 Hz and finds the
    steps 200 Hz finds, at the same times within 5 ms."""
    import math

    from retrostride import session

    def steps(rate):
        lines = ["# rate_hz: " + str(rate), "t_ms,ax,ay,az"]
        for k in range(rate * 12):
            up = 4 * math.sin(math.pi * k / rate / 0.545) ** 8
            lines.append(str(k * 1000 // rate) + ",0.1,0.2," + str(round(9.81 + up, 4)))
        out = []
        session.replay(lines, "w.csv", out.append)
        return [e["t_ms"] for e in out if e["type"] == "step"]

    want = steps(200)
    got = steps(600)
    assert len(want) >= 18 and len(got) == len(want), (want, got)
    assert max(abs(got[i] - want[i]) for i in range(len(want))) <= 5, (want, got)


def test_on_grid_samples_a_trace_at_the_device_rate():
    from retrostride.trace import on_grid

    def rows(times):
        return [(t, i, 0, 0, None, None, None, None, None) for i, t in enumerate(times)]

    fast = [(r[0], r[1]) for r in on_grid(rows([5 * k for k in range(9)]), 100)]
    assert fast == [(0, 0), (10, 2), (20, 4), (30, 6), (40, 8)], fast
    slow = [(r[0], r[1]) for r in on_grid(rows([0, 20, 40]), 100)]
    assert slow == [(0, 0), (10, 0), (20, 1), (30, 1), (40, 2)], slow
    jitter = [(r[0], r[1]) for r in on_grid(rows([0, 9, 21, 29, 40]), 104)]
    assert jitter == [(0, 0), (9, 1), (19, 1), (28, 2), (38, 3)], jitter
