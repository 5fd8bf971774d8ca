"""Reader for retrostride-trace v1 CSV (see shared/contracts/trace.md).

Runs on the host (replay, eval) and inside MicroPython (the virtual device
feeds its simulated IMU from a trace), so it must give bit-identical samples on
both. Values are therefore parsed from their decimal text straight into
fixed-point integers -- acceleration in mm/s^2, angular rate in mrad/s --
without going through floats (the ESP32 port has single-precision floats,
CPython double). Unparseable rows are errors naming file and line; a ``nan``
value is not an error but a missing reading, returned as ``None`` so the core
can report it as a sensor warning.
"""

LABELS = (
    "still",
    "walk_forward",
    "walk_backward",
    "run_forward",
    "run_backward",
    "turn",
    "fall",
    "other",
)
_ACC = ("ax", "ay", "az")
_GYRO = ("gx", "gy", "gz")
_EXP_MAX = 40  # 1e37 m/s^2 is a garbage reading but a number; 10**99999 would not fit
T_MAX_MS = 2000000000  # the core keeps times in 32-bit arrays, with room for deadlines
RATE_MAX_HZ = 1000  # t_ms counts whole milliseconds
RATE_ROWS = 64  # a trace without rate_hz: its rate is read from this many first rows


class TraceError(ValueError):
    """A trace that breaks the format; the message names file and line."""


def parse_milli(text):
    """Decimal text -> int thousandths, rounded half away from zero; None for nan.

    Accepts an optional sign, digits with an optional point, and an optional
    exponent (``1.5e-3``). Raises ValueError for anything else, and for an
    exponent so large that the integer would not fit.
    """
    s = text.strip()
    if s.lower() in ("nan", "+nan", "-nan"):
        return None
    neg = False
    if s[:1] in ("-", "+"):
        neg = s[0] == "-"
        s = s[1:]
    exp = 0
    e = s.find("e")
    if e < 0:
        e = s.find("E")
    if e >= 0:
        x = s[e + 1 :]
        sign = x[:1]
        if sign in ("-", "+"):
            x = x[1:]
        if not _digits(x):
            raise ValueError("not a number: " + _shown(text))
        exp = -int(x) if sign == "-" else int(x)
        s = s[:e]
    point = s.find(".")
    if point >= 0:
        digits = s[:point] + s[point + 1 :]
        exp -= len(s) - point - 1
    else:
        digits = s
    if not _digits(digits):
        raise ValueError("not a number: " + _shown(text))
    exp += 3  # thousandths
    if exp > _EXP_MAX:  # 10**exp would take the heap (and the time) of a device
        raise ValueError("out of range: " + _shown(text))
    if exp < -len(digits):  # under a thousandth: rounds to zero
        return 0
    value = int(digits)
    if exp >= 0:
        value *= 10**exp
    else:
        div = 10 ** (-exp)
        value = (value + div // 2) // div
    return -value if neg else value


def _digits(text):
    """Non-empty and ASCII digits only: CPython's ``isdigit`` and ``int`` also take
    other scripts' digits (and ``int`` spaces and underscores), MicroPython's do not,
    and a trace must read the same in both."""
    if not text:
        return False
    for c in text:
        if c < "0" or c > "9":
            return False
    return True


def _shown(text):
    """A field for a message: its repr, cut short (a bad field may be a whole file)."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


class Trace:
    """A parsed trace: metadata, column flags and rows of fixed-point samples.

    Each row is ``(t_ms, ax, ay, az, gx, gy, gz, label, step)``; the gyro values
    are None when the trace is accelerometer-only or the reading is nan,
    ``label`` is None when the column is absent, ``step`` is None likewise.
    """

    def __init__(self, name):
        self.name = name
        self.meta = {}
        self.nominal_hz = 0  # ``rate_hz`` from the metadata, checked; 0 when absent
        self.has_gyro = False
        self.has_label = False
        self.has_step = False
        self.ignored = []  # header names the format does not know: read past, not used
        self.rows = []

    def rate_hz(self):
        """The trace's sample rate: see :meth:`rate_from`."""
        return self.rate_from(self.rows)

    def rate_from(self, rows):
        """Nominal rate, else estimated from the timestamps of the first
        ``RATE_ROWS`` of ``rows`` (100 when fewer than two say anything). A
        streamed replay has only these when it must set up the session, so a
        parsed trace answers the same. Raises :class:`TraceError` when the
        timestamps say more than whole milliseconds can."""
        rate = self.nominal_hz
        if not rate:
            n = len(rows) if len(rows) < RATE_ROWS else RATE_ROWS
            span = rows[n - 1][0] - rows[0][0] if n > 1 else 0
            rate = (1000 * (n - 1) + span // 2) // span if span > 0 else 100
        if rate > RATE_MAX_HZ:
            raise TraceError(
                self.name + ": its timestamps say " + str(rate) + " samples a second, more than"
                " whole milliseconds can stamp"
            )  # fmt: skip
        return rate if rate > 0 else 1


def _nominal_rate(text, where):
    """The ``rate_hz`` metadata as whole Hz, or an error naming its line."""
    try:
        milli = parse_milli(text)
    except ValueError:
        milli = None
    hz = None if milli is None else (milli + 500) // 1000
    if hz is None or hz < 1 or hz > RATE_MAX_HZ:
        raise TraceError(
            where + ": rate_hz must be samples a second, 1 to " + str(RATE_MAX_HZ)
            + ", got " + repr(text)
        )  # fmt: skip
    return hz


def _columns(header, where):
    if header[0] in "-.0123456789":
        raise TraceError(where + ": expected the header line (t_ms,ax,ay,az,...), found data")
    names = [c.strip() for c in header.split(",")]
    index = {}
    for i, n in enumerate(names):
        if n in index:
            raise TraceError(where + ": duplicate column " + repr(n))
        index[n] = i
    for n in ("t_ms",) + _ACC:
        if n not in index:
            raise TraceError(where + ": header lacks column " + repr(n))
    gyro = [n in index for n in _GYRO]
    if any(gyro) and not all(gyro):
        raise TraceError(where + ": gx, gy, gz must be given together or not at all")
    # other columns (a magnetometer, a temperature) are the recorder's business
    known = ("t_ms",) + _ACC + _GYRO + ("label", "step")
    return index, all(gyro), [n for n in names if n not in known]


def parse_lines(lines, name="<trace>"):
    """Parse an iterable of text lines into a :class:`Trace` holding every row.

    Raises :class:`TraceError` with ``name:line`` on the first bad line, so
    nothing is half-processed silently.
    """
    trace = Trace(name)
    for row in iter_rows(trace, lines):
        trace.rows.append(row)
    return trace


def iter_rows(trace, lines):
    """Yield rows one by one, filling ``trace``'s metadata and flags on the way.

    For long traces on small heaps (the virtual device streams its IMU from
    this); errors are raised as :class:`TraceError` when the bad line is read.
    """
    name = trace.name
    index = None
    ncol = 0
    last_t = -1
    lineno = 0
    for raw in lines:
        lineno += 1
        line = raw.strip()
        if lineno == 1 and line[:1] == "\ufeff":
            line = line[1:]  # a byte-order mark, as spreadsheets save UTF-8
        if not line:
            continue
        where = name + ":" + str(lineno)
        if line[0] == "#":
            body = line[1:].strip()
            colon = body.find(":")
            if colon > 0 and index is None:
                key = body[:colon].strip()
                value = body[colon + 1 :].strip()
                trace.meta[key] = value
                if key == "rate_hz":
                    trace.nominal_hz = _nominal_rate(value, where)
            continue
        if index is None:
            index, trace.has_gyro, trace.ignored = _columns(line, where)
            ncol = len(index)
            trace.has_label = "label" in index
            trace.has_step = "step" in index
            continue
        fields = line.split(",")
        if len(fields) != ncol:
            raise TraceError(
                where + ": expected " + str(ncol) + " fields, found " + str(len(fields))
            )
        row = _row(fields, index, trace.has_gyro, where)
        if row[0] < last_t:
            raise TraceError(
                where + ": time goes backwards (" + str(row[0]) + " < " + str(last_t) + ")"
            )
        last_t = row[0]
        yield row
    if index is None:
        raise TraceError(name + ": no header line")


def _row(fields, index, has_gyro, where):
    text = fields[index["t_ms"]].strip()
    t = int(text) if _digits(text) else -1
    if t < 0:
        raise TraceError(where + ": t_ms must be a non-negative integer, got " + _shown(text))
    if t > T_MAX_MS:
        raise TraceError(
            where + ": t_ms counts from the trace's start, at most " + str(T_MAX_MS)
            + " (23 days), got " + text
        )  # fmt: skip
    values = []
    for n in _ACC + _GYRO:
        if n in _GYRO and not has_gyro:
            values.append(None)
            continue
        try:
            values.append(parse_milli(fields[index[n]]))
        except ValueError as e:  # not a number, or out of range
            raise TraceError(where + ": " + n + " is " + str(e))
    label = None
    if "label" in index:
        label = fields[index["label"]].strip()
        if label == "":
            label = None
        elif label not in LABELS:
            raise TraceError(where + ": unknown label " + _shown(label))
    step = None
    if "step" in index:
        text = fields[index["step"]].strip()
        if text not in ("0", "1", ""):
            raise TraceError(where + ": step must be 0 or 1, got " + _shown(text))
        step = 1 if text == "1" else 0
    return (t, values[0], values[1], values[2], values[3], values[4], values[5], label, step)


def on_grid(rows, rate_hz):
    """Rows as a chip sampling at ``rate_hz`` sees the recorded motion: at each of
    its sample times (whole ms from 0 to the last row's), the latest row at or
    before it (the first row before that), re-timed. No anti-alias filter: this
    is for feeding a device, not for measuring the motion."""
    prev = None
    k = 0
    t = 0
    for row in rows:
        t = row[0]
        while prev is not None and (k * 1000) // rate_hz < t:
            yield ((k * 1000) // rate_hz,) + prev[1:]
            k += 1
        prev = row
    while prev is not None and (k * 1000) // rate_hz <= t:
        yield ((k * 1000) // rate_hz,) + prev[1:]
        k += 1


def read(path):
    """Parse the trace file at ``path``."""
    with open(path) as f:
        return parse_lines(f, path)
