"""Session logs: a crash-safe, compact, lossless binary file of the event stream.

One file per session under ``LOG_DIR`` named ``<id>LOG_SUFFIX`` (``LOG_NAME`` says
which names are plain log names). The writer appends one record per event and
flushes it, so a power cut at any byte loses at most the record in flight; the
reader never raises, recovers every intact record around damage and says what
it dropped. Limits of a 16-bit check, measured in tests/core/test_logbook.py: a
compact step right after two damaged records in a row may be lost too, and about
one corruption in 800 decodes a damaged compact step as one never written. The
same code encodes on the device and decodes on the host.

File layout (format version 1, integers little-endian unless said otherwise)::

    header   "RSLG" | version u8 | tick_ms u8 | n u16 | n bytes of JSON (the header dict)
             | crc32 u32 (of version .. JSON)
    records  compact step (6 bytes) or framed record, back to back

Compact step (most of a log; bit 7 of its first byte is set), 6 bytes::

    bits 31..0 of b0..b3 (big-endian):  1 | dir:2 | gait:1 | conf_lo:5 | cad_lo:5
                                        | lag:9 | t_lo:9
    b4 b5 = crc32(t_hi u24 | cad_hi u8 | conf_hi u8, crc32(b0..b3)) & 0xFFFF

``t_lo = t_ms & 511``, ``t_hi = t_ms >> 9``; ``cad_lo/hi`` split ``cadence_spm``
and ``conf_lo/hi`` the confidence in per cent at bit 5; ``lag = decided_ms - t_ms``
(0..511). The high parts are not stored: the reader predicts them from the
previous event's time and the previous step's cadence and confidence, tries the
candidates in a fixed order (cadence hi +0, +1, -1; within each, confidence hi
+0, +1, -1, +2, -2, +3, -3 as far as 0..3; within each, time hi +0, +1, +2, -1)
and the CRC proves which one was meant. The writer uses this form
only when that search finds the truth first both from its present state and,
with the wider search a reader makes after damage, from its state one record
earlier, so losing any one record never loses the next; otherwise (and every
``_ANCHOR_EVERY`` steps) it writes a framed step with absolute values.
``tick_ms`` in the header is the sample period, for information.

Framed record (resync marker first; every other event)::

    0x7E | type u8 | n u8 | n bytes payload | crc32(0x7E .. payload) & 0xFFFF u16
    (type 7: a JSON record of 256 bytes or more, with n as u16)

    1 step      t i32, decided i32, cadence u16, conf % u8, dir u8, gait u8
    2 interval  t i32, index u16, kind u8          3 buzz     t i32, pattern u8
    4 warning   t i32, reason u8                   5 fall     t i32
    6 json      the event as JSON (session_start/end, extra keys, unknown names)

An event with any key, type or value the fixed encodings cannot carry
exactly goes as JSON, so ``read`` returns dicts equal to the ones appended.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

import json
import struct
from binascii import crc32

LOG_DIR = "/logs"
LOG_SUFFIX = ".rsl"
OPEN_NAME = "OPEN"  # in LOG_DIR: holds the file name of the log being written, if any
OPEN_MARKER = LOG_DIR + "/" + OPEN_NAME
MAGIC = b"RSLG"
VERSION = 1
DEFAULT_TICK_MS = 10
SESSION_RESERVE = 160 * 1024  # flash kept free to start a session (~2.5 h at 64 KB/h)

_MARK = const(0x7E)
_T_STEP = const(1)
_T_INTERVAL = const(2)
_T_BUZZ = const(3)
_T_WARNING = const(4)
_T_FALL = const(5)
_T_JSON = const(6)
_T_JSON_LONG = const(7)
_ANCHOR_EVERY = const(256)
_I32_MIN = const(-0x40000000)  # kept in small-int range on 32-bit MicroPython
_I32_MAX = const(0x3FFFFFFF)

# Name tables of format version 1: append only, never reorder.
DIRECTIONS = ("forward", "backward", "unknown")
GAITS = ("walk", "run")
KINDS = ("warmup", "forward", "backward", "rest", "cooldown")
PATTERNS = (
    "start_backward",
    "start_forward",
    "start_rest",
    "countdown",
    "wrong_direction",
    "backward_limit",
    "fall",
    "session_end",
    "low_battery",
    "pause",
    "resume",
)
REASONS = ("wrong_direction", "backward_limit", "sensor", "plan", "battery")

_NEAR = (0, 1, -1)  # candidates for the cadence high part, in order
_C_WIDE = (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7)  # ... after damage
_P_ORDER = (0, 1, -1, 2, -2, 3, -3)  # ... for the confidence's (0..3)
_T_NEAR = (0, 1, 2, -1)  # ... for the time high part
_T_WIDE = (0, 1, 2, -1, 3)  # ... after damage (then further out)
_STEP_KEYS = ("type", "t_ms", "direction", "gait", "cadence_spm", "confidence", "decided_ms")


def is_log_name(name):
    """A plain log file name: 1..40 of [0-9A-Za-z_-] then LOG_SUFFIX (no path)."""
    if not name.endswith(LOG_SUFFIX):
        return False
    stem = name[: len(name) - len(LOG_SUFFIX)]
    if not 1 <= len(stem) <= 40:
        return False
    return all("0" <= c <= "9" or "a" <= c <= "z" or "A" <= c <= "Z" or c in "_-" for c in stem)


def _dumps(v):
    """JSON with sorted keys and no spaces, the same bytes on MicroPython and CPython
    (floats aside: each runtime prints its own digits)."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + _dumps(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_dumps(x) for x in v) + "]"
    return json.dumps(v)


def _crc16(data, start=0):
    return crc32(data, start) & 0xFFFF


def _is_int(v):
    return type(v) is int


def _index(table, value):
    for i in range(len(table)):
        if table[i] == value:
            return i
    return -1


def _pct(conf):
    """Per cent that gives ``conf`` back exactly as ``pct / 100``, or -1."""
    if type(conf) is not float or not 0.0 <= conf <= 1.0:
        return -1
    pct = round(conf * 100)
    return pct if pct / 100 == conf else -1


def _ctx(buf, t_hi, c_hi, p_hi):
    """The implicit high parts of a compact step, as the bytes its CRC covers."""
    buf[0] = t_hi & 0xFF
    buf[1] = (t_hi >> 8) & 0xFF
    buf[2] = (t_hi >> 16) & 0xFF
    buf[3] = c_hi & 0xFF
    buf[4] = p_hi & 0xFF
    return buf


def _advance(state, e):
    """What a reader knows after event ``e``: last time, last step's cadence and per cent."""
    t = e.get("t_ms")
    if _is_int(t):
        state[0] = t
    if e.get("type") == "step":
        cad = e.get("cadence_spm")
        pct = _pct(e.get("confidence"))
        if _is_int(cad) and 0 < cad < 8192 and pct >= 0:  # 0: no rhythm yet, keep the last
            state[1] = cad
            state[2] = pct


def _decided(e, default):
    """When ``e`` was decided (its ``decided_ms``, else its time), or ``default``."""
    d = e.get("decided_ms", e.get("t_ms"))
    return d if _is_int(d) else default


def _finds(buf, base, c, t, cad, pct, state, t_order):
    """Would a reader in ``state`` meet the true high parts first among CRC matches?"""
    t0 = state[0] >> 9
    c0 = state[1] >> 5
    p0 = state[2] >> 5
    th = t >> 9
    ch = cad >> 5
    ph = pct >> 5
    for dc in _NEAR:
        b = c0 + dc
        for dp in _P_ORDER:
            e = p0 + dp
            if b < 0 or not 0 <= e <= 3:
                continue
            for dt in t_order:
                a = t0 + dt
                if a == th and b == ch and e == ph:
                    return True
                if a >= 0 and _crc16(_ctx(buf, a, b, e), base) == c:
                    return False
    return False


class Writer:
    """Appends events to ``stream`` (a file opened ``"wb"``), one flushed record each.

    ``header`` is a JSON-ready dict (session id and random tag, board, plan, firmware…);
    ``tick_ms`` the sample period, recorded in the header for information.
    """

    def __init__(self, stream, header, tick_ms=DEFAULT_TICK_MS):
        if not 1 <= tick_ms <= 255:
            raise ValueError("tick_ms must be 1..255")
        self._s = stream
        self._state = [0, 0, 0]  # time, cadence, per cent the reader predicts from
        self._before = [0, 0, 0]  # ... and as it was one record earlier
        self._since_anchor = 0
        self._rec = bytearray(6)
        self._ctx = bytearray(5)
        self._head = memoryview(self._rec)[0:4]
        self.bytes_written = 0
        body = _dumps(header).encode()
        head = bytearray(8 + len(body) + 4)
        head[0:4] = MAGIC
        head[4] = VERSION
        head[5] = tick_ms
        head[6] = len(body) & 0xFF
        head[7] = len(body) >> 8
        head[8 : 8 + len(body)] = body
        c = crc32(memoryview(head)[4 : 8 + len(body)])
        for i in range(4):
            head[8 + len(body) + i] = (c >> (8 * i)) & 0xFF
        self._put(head)

    def _put(self, data):
        self._s.write(data)
        if hasattr(self._s, "flush"):
            self._s.flush()
        self.bytes_written += len(data)

    def append(self, event):
        """Encode ``event`` (a dict), write it and flush: it is on flash when this returns."""
        kind = event.get("type")
        rec = self._step(event) if kind == "step" else _framed_event(event)
        if rec is None:
            rec = _framed(_T_JSON, _dumps(event).encode())
        self._put(rec)
        b = self._before
        st = self._state
        b[0] = st[0]
        b[1] = st[1]
        b[2] = st[2]
        _advance(st, event)

    def _step(self, e):
        if len(e) != len(_STEP_KEYS):
            return None
        for k in _STEP_KEYS:
            if k not in e:
                return None
        t = e["t_ms"]
        dec = e["decided_ms"]
        cad = e["cadence_spm"]
        d = _index(DIRECTIONS, e["direction"])
        g = _index(GAITS, e["gait"])
        pct = _pct(e["confidence"])
        if not (_is_int(t) and _is_int(dec) and _is_int(cad)) or d < 0 or g < 0 or pct < 0:
            return None
        lag = dec - t
        self._since_anchor += 1
        if (
            self._since_anchor < _ANCHOR_EVERY
            and 0 <= t <= _I32_MAX
            and 0 <= lag < 512
            and 0 <= cad < 8192
        ):
            r = self._rec
            c_lo = cad & 31
            p_lo = pct & 31
            t_lo = t & 511
            r[0] = 0x80 | (d << 5) | (g << 4) | (p_lo >> 1)
            r[1] = ((p_lo & 1) << 7) | (c_lo << 2) | (lag >> 7)
            r[2] = ((lag & 0x7F) << 1) | (t_lo >> 8)
            r[3] = t_lo & 0xFF
            base = crc32(self._head)
            c = _crc16(_ctx(self._ctx, t >> 9, cad >> 5, pct >> 5), base)
            st = self._state
            b = self._before
            if _finds(self._ctx, base, c, t, cad, pct, st, _T_NEAR) and _finds(
                self._ctx, base, c, t, cad, pct, b, _T_WIDE
            ):
                r[4] = c & 0xFF
                r[5] = c >> 8
                return r
        if not (_I32_MIN <= t <= _I32_MAX and _I32_MIN <= dec <= _I32_MAX and 0 <= cad < 65536):
            return None
        self._since_anchor = 0
        return _framed(_T_STEP, struct.pack("<iiHBBB", t, dec, cad, pct, d, g))

    def close(self):
        if hasattr(self._s, "flush"):
            self._s.flush()
        self._s.close()


def _framed(kind, payload):
    n = len(payload)
    if n > 0xFFFF:
        raise ValueError("event too large for the log")
    head = 3 if n < 256 else 4
    rec = bytearray(head + n + 2)
    rec[0] = _MARK
    if head == 3:
        rec[1] = kind
        rec[2] = n
    else:
        rec[1] = _T_JSON_LONG  # only JSON records get this long
        rec[2] = n & 0xFF
        rec[3] = n >> 8
    rec[head : head + n] = payload
    c = _crc16(memoryview(rec)[0 : head + n])
    rec[head + n] = c & 0xFF
    rec[head + n + 1] = c >> 8
    return rec


def _framed_event(e):
    """Fixed encodings of interval/buzz/warning/fall, or None (then JSON)."""
    kind = e.get("type")
    t = e.get("t_ms")
    if not _is_int(t) or not _I32_MIN <= t <= _I32_MAX:
        return None
    n = len(e)
    if kind == "interval" and n == 4:
        i = e.get("index")
        k = _index(KINDS, e.get("kind"))
        if _is_int(i) and 0 <= i < 65536 and k >= 0:
            return _framed(_T_INTERVAL, struct.pack("<iHB", t, i, k))
    elif kind == "buzz" and n == 3:
        p = _index(PATTERNS, e.get("pattern"))
        if p >= 0:
            return _framed(_T_BUZZ, struct.pack("<iB", t, p))
    elif kind == "warning" and n == 3:
        r = _index(REASONS, e.get("reason"))
        if r >= 0:
            return _framed(_T_WARNING, struct.pack("<iB", t, r))
    elif kind == "fall" and n == 2:
        return _framed(_T_FALL, struct.pack("<i", t))
    return None


def _step_event(t, dec, cad, pct, d, g):
    return {
        "type": "step",
        "t_ms": t,
        "direction": DIRECTIONS[d],
        "gait": GAITS[g],
        "cadence_spm": cad,
        "confidence": pct / 100,
        "decided_ms": dec,
    }


def _decode_framed(kind, p):
    """The event of one framed payload whose CRC matched; None if it makes no sense."""
    n = len(p)
    if kind == _T_STEP and n == 13:
        t, dec, cad, pct, d, g = struct.unpack("<iiHBBB", p)
        if pct <= 100 and d < len(DIRECTIONS) and g < len(GAITS):
            return _step_event(t, dec, cad, pct, d, g)
    elif kind == _T_INTERVAL and n == 7:
        t, i, k = struct.unpack("<iHB", p)
        if k < len(KINDS):
            return {"type": "interval", "t_ms": t, "index": i, "kind": KINDS[k]}
    elif kind == _T_BUZZ and n == 5:
        t, i = struct.unpack("<iB", p)
        if i < len(PATTERNS):
            return {"type": "buzz", "t_ms": t, "pattern": PATTERNS[i]}
    elif kind == _T_WARNING and n == 5:
        t, i = struct.unpack("<iB", p)
        if i < len(REASONS):
            return {"type": "warning", "t_ms": t, "reason": REASONS[i]}
    elif kind == _T_FALL and n == 4:
        return {"type": "fall", "t_ms": struct.unpack("<i", p)[0]}
    elif kind == _T_JSON:
        try:
            e = json.loads(bytes(p).decode())
        except Exception:  # damaged text that happened to match its CRC
            return None
        if isinstance(e, dict):
            return e
    return None


class _Reader:
    def __init__(self, data):
        self.data = data
        self.state = [0, 0, 0]
        self.skipped = 0  # bytes skipped since the last intact record
        self.stale = False  # damage since the last step read
        self.decided = 0  # decision time of the last event read
        self.ctx = bytearray(5)

    def framed_at(self, pos):
        data = self.data
        if pos + 3 > len(data) or data[pos] != _MARK or not 1 <= data[pos + 1] <= _T_JSON_LONG:
            return None
        kind = data[pos + 1]
        if kind == _T_JSON_LONG:
            if pos + 4 > len(data):
                return None
            start = pos + 4
            n = data[pos + 2] | (data[pos + 3] << 8)
            kind = _T_JSON
        else:
            start = pos + 3
            n = data[pos + 2]
        end = start + n
        if end + 2 > len(data):
            return None
        if _crc16(memoryview(data)[pos:end]) != data[end] | (data[end + 1] << 8):
            return None
        e = _decode_framed(kind, memoryview(data)[start:end])
        return None if e is None else (e, end + 2)

    def compact_at(self, pos, wide, lo=-1, hi=-1):
        """The compact step at ``pos`` and where it ends, or None.

        ``wide``: the search after damage. ``lo``/``hi`` (ms, -1: none) bound the
        step's decision time; time high parts that cannot meet them are not tried.
        """
        data = self.data
        if pos + 6 > len(data) or not data[pos] & 0x80:
            return None
        b0 = data[pos]
        b1 = data[pos + 1]
        b2 = data[pos + 2]
        d = (b0 >> 5) & 3
        if d >= len(DIRECTIONS):
            return None
        p_lo = ((b0 & 15) << 1) | (b1 >> 7)
        c_lo = (b1 >> 2) & 31
        lag = ((b1 & 3) << 7) | (b2 >> 1)
        t_lo = ((b2 & 1) << 8) | data[pos + 3]
        base = crc32(memoryview(data)[pos : pos + 4])
        want = data[pos + 4] | (data[pos + 5] << 8)
        st = self.state
        t0 = st[0] >> 9
        c0 = st[1] >> 5
        p0 = st[2] >> 5
        # After damage each lost record may have moved the time by a window or two.
        extra = min(self.skipped // 6, 64) if wide else 0
        t_order = _T_WIDE if wide else _T_NEAR
        n_t = len(t_order) + 2 * extra
        for dc in _C_WIDE if wide else _NEAR:
            ch = c0 + dc
            for dp in _P_ORDER:
                ph = p0 + dp
                if ch < 0 or not 0 <= ph <= 3:
                    continue
                for i in range(n_t):
                    if i < len(t_order):
                        th = t0 + t_order[i]
                    elif i < len(t_order) + extra:
                        th = t0 + 4 + i - len(t_order)
                    else:
                        th = t0 - 2 - (i - len(t_order) - extra)
                    if th < 0:
                        continue
                    t = (th << 9) | t_lo
                    if (lo >= 0 and t + lag < lo) or (hi >= 0 and t + lag > hi):
                        continue
                    if _crc16(_ctx(self.ctx, th, ch, ph), base) != want:
                        continue
                    pct = (ph << 5) | p_lo
                    if pct > 100:
                        return None
                    e = _step_event(t, t + lag, (ch << 5) | c_lo, pct, d, (b0 >> 4) & 1)
                    return e, pos + 6
        return None

    def record_at(self, pos, resync):
        got = self.framed_at(pos)
        if got is not None:
            return got
        # Lost records may also have held steps: until a step is read again the
        # cadence and confidence the reader predicts from are stale.
        if not (resync or self.stale):
            return self.compact_at(pos, False)
        # After damage a compact step must be confirmed by an intact record right after
        # it (so one just before the end of a damaged file is dropped, not guessed), and
        # its decision time must lie between the last intact event's and that record's
        # (the device logs events in the order it decides them). The wide search after
        # damage tries thousands of high parts, so without these bounds the last six
        # damaged bytes before an intact record would pass the 16-bit CRC by chance
        # in a few per cent of damaged regions.
        follow = self.framed_at(pos + 6)
        if follow is not None:
            return self.compact_at(pos, True, self.decided, _decided(follow[0], -1))
        got = self.compact_at(pos, True, self.decided)
        if got is None:
            return None
        st = self.state
        saved = (st[0], st[1], st[2])
        _advance(st, got[0])
        follow = self.compact_at(got[1], False, got[0]["decided_ms"])
        st[0], st[1], st[2] = saved
        return got if follow is not None else None


def _parse_header(data, report):
    """(header dict, tick, offset of the first record); header problems go in ``report``."""
    n = len(data)
    version = data[4] if n > 4 else VERSION
    report["version"] = version
    tick = data[5] if n > 5 and data[5] else DEFAULT_TICK_MS
    if n >= 8:
        size = data[6] | (data[7] << 8)
        end = 8 + size
        if end + 4 <= n:
            want = data[end] | (data[end + 1] << 8) | (data[end + 2] << 16) | (data[end + 3] << 24)
            if crc32(memoryview(data)[4:end]) == want:
                try:
                    header = json.loads(bytes(data[8:end]).decode())
                except Exception:
                    header = None
                if isinstance(header, dict):
                    report["header_ok"] = True
                    return header, tick, end + 4
    report["header_ok"] = False
    return {}, tick, min(8, n)


def read(data):
    """Decode a log: ``(header, events, report)``; never raises on any input.

    ``report``: ``not_a_log`` (no magic), ``header_ok``, ``version``, ``records``
    (decoded), ``damaged_regions`` and ``bytes_skipped`` (undecodable bytes
    between intact records), ``tail_bytes`` (an incomplete or damaged end, as a
    power cut leaves), ``records_dropped`` (at least that many: one per region).
    """
    report = {
        "not_a_log": False,
        "header_ok": False,
        "version": None,
        "records": 0,
        "damaged_regions": 0,
        "bytes_skipped": 0,
        "tail_bytes": 0,
        "records_dropped": 0,
    }
    events = []
    try:
        data = bytes(data)
    except Exception:
        report["not_a_log"] = True
        return {}, events, report
    header, tick, pos = _parse_header(data, report)
    if data[:4] != MAGIC and not report["header_ok"]:
        report["not_a_log"] = True
        report["version"] = None
        return {}, events, report
    if report["version"] != VERSION:
        report["records_dropped"] = 1 if len(data) > pos else 0
        report["tail_bytes"] = len(data) - pos
        return header, events, report
    r = _Reader(data)
    n = len(data)
    skip_from = -1 if report["header_ok"] else pos
    while pos < n:
        r.skipped = pos - skip_from if skip_from >= 0 else 0
        got = r.record_at(pos, skip_from >= 0)
        if got is None:
            if skip_from < 0:
                skip_from = pos
            pos += 1
            continue
        if skip_from >= 0:
            report["damaged_regions"] += 1
            report["bytes_skipped"] += pos - skip_from
            skip_from = -1
            r.stale = True
        e, pos = got
        events.append(e)
        _advance(r.state, e)
        r.decided = _decided(e, r.decided)
        if e.get("type") == "step":
            r.stale = False
    if skip_from >= 0:
        report["tail_bytes"] = n - skip_from
    report["records"] = len(events)
    report["records_dropped"] = report["damaged_regions"] + (1 if report["tail_bytes"] else 0)
    return header, events, report


def space_plan(free_bytes, logs, reserve=SESSION_RESERVE):
    """Flash-full policy: ``(may_start, names_to_delete)``.

    ``logs`` is a list of ``(name, size, synced)``, oldest first. Synced logs
    are deleted oldest first only as far as needed to keep ``reserve`` bytes
    free; an unsynced log is never deleted. If even deleting every synced log
    is not enough, nothing is deleted and the session does not start.
    """
    if free_bytes >= reserve:
        return True, []
    delete = []
    free = free_bytes
    for name, size, synced in logs:
        if synced:
            delete.append(name)
            free += size
            if free >= reserve:
                return True, delete
    return False, []
