"""Session logs: a crash-safe, compact, lossless binary file of the event stream.

One file per session under ``LOG_DIR`` named ``<id>LOG_SUFFIX`` (``LOG_NAME`` says
which names are plain log names). The writer appends one record per event and
flushes it, so a power cut at any byte loses at most the record in flight; the
reader never raises, recovers every intact record around damage and says what
it dropped. The same code encodes on the device and decodes on the host.

File layout (format version 1, integers little-endian unless said otherwise)::

    header   "RSLG" | version u8 | tick_ms u8 | n u16 | n bytes of JSON (the header dict)
             | crc32 u32 (of version .. JSON)
    records  compact step (6 bytes) or framed record, back to back

Compact step (most of a log; bit 7 of its first byte is set)::

    b0 = 1 | dir:2 | gait:1 | conf[6:3]      b1 = conf[2:0] | lag:5
    b2 = cadence_spm (0..255)                 b3 = T & 0xFF
    b4 b5 = crc32(hi u32 | b0..b3) & 0xFFFF

``T = t_ms // tick_ms``, ``lag = (decided_ms - t_ms) // tick_ms``, ``conf`` the
confidence in per cent. ``hi = T >> 8`` is not stored: the reader takes it from
the previous event's time (candidates hi, hi+1, hi-1 in that order) and the CRC
proves which one was meant. The writer uses this form only when that search
gives the right answer both from the previous event and (candidates hi, hi+1,
hi-1, hi+2, as a reader searches after damage) from the one before it, so that
losing any one record never loses the next; otherwise (and every
``_ANCHOR_EVERY`` steps) it writes a framed step with absolute times.

Framed record (resync marker first; every other event)::

    0x7E | type u8 | n u16 | n bytes payload | crc32(0x7E .. payload) & 0xFFFF u16

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
OPEN_MARKER = "/logs/OPEN"  # holds the file name of the log being written, if any
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
_ANCHOR_EVERY = const(128)
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

_NEAR = (0, 1, -1)  # the time-hi candidates a reader tries, in order
_WIDE = (0, 1, -1, 2)  # ... and after damage (then further out)
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


def _hi_bytes(buf, hi):
    buf[0] = hi & 0xFF
    buf[1] = (hi >> 8) & 0xFF
    buf[2] = (hi >> 16) & 0xFF
    buf[3] = (hi >> 24) & 0xFF
    return buf


def _time_hi(t_ms, tick):
    return (t_ms // tick) >> 8


class Writer:
    """Appends events to ``stream`` (a file opened ``"wb"``), one flushed record each.

    ``header`` is a JSON-ready dict (session id, start, board, plan, firmware…);
    ``tick_ms`` the sample period, the time unit of compact steps.
    """

    def __init__(self, stream, header, tick_ms=DEFAULT_TICK_MS):
        if not 1 <= tick_ms <= 255:
            raise ValueError("tick_ms must be 1..255")
        self._s = stream
        self._tick = tick_ms
        self._last_t = 0
        self._prev_t = 0  # the event before: lets a reader that lost one record go on
        self._since_anchor = 0
        self._rec = bytearray(6)
        self._hi = bytearray(4)
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
        t = event.get("t_ms")
        if _is_int(t):
            self._prev_t = self._last_t
            self._last_t = t

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
        tick = self._tick
        lag = dec - t
        self._since_anchor += 1
        if (
            self._since_anchor < _ANCHOR_EVERY
            and t >= 0
            and t % tick == 0
            and lag >= 0
            and lag % tick == 0
            and lag // tick < 32
            and 0 <= cad < 256
        ):
            r = self._rec
            big_t = t // tick
            r[0] = 0x80 | (d << 5) | (g << 4) | (pct >> 3)
            r[1] = ((pct & 7) << 5) | (lag // tick)
            r[2] = cad
            r[3] = big_t & 0xFF
            hi = big_t >> 8
            head = self._head
            c = _crc16(head, crc32(_hi_bytes(self._hi, hi)))
            ok = self._first(head, c, hi, _time_hi(self._last_t, tick), False)
            ok = ok and self._first(head, c, hi, _time_hi(self._prev_t, tick), True)
            if ok:
                r[4] = c & 0xFF
                r[5] = c >> 8
                return r
        if not (_I32_MIN <= t <= _I32_MAX and _I32_MIN <= dec <= _I32_MAX and 0 <= cad < 65536):
            return None
        self._since_anchor = 0
        return _framed(_T_STEP, struct.pack("<iiHBBB", t, dec, cad, pct, d, g))

    def _first(self, head, c, hi, h0, wide):
        """Would a reader whose last event had time-hi ``h0`` find ``hi`` first?"""
        for off in _WIDE if wide else _NEAR:
            cand = h0 + off
            if cand == hi:
                return True
            if cand >= 0 and _crc16(head, crc32(_hi_bytes(self._hi, cand))) == c:
                return False
        return False

    def close(self):
        if hasattr(self._s, "flush"):
            self._s.flush()
        self._s.close()


def _framed(kind, payload):
    n = len(payload)
    rec = bytearray(4 + n + 2)
    rec[0] = _MARK
    rec[1] = kind
    rec[2] = n & 0xFF
    rec[3] = n >> 8
    rec[4 : 4 + n] = payload
    c = _crc16(memoryview(rec)[0 : 4 + n])
    rec[4 + n] = c & 0xFF
    rec[5 + n] = c >> 8
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
    def __init__(self, data, tick):
        self.data = data
        self.tick = tick
        self.last_t = 0
        self.skipped = 0  # bytes skipped since the last intact record
        self.hi = bytearray(4)

    def framed_at(self, pos):
        data = self.data
        end = pos + 4
        if end > len(data) or data[pos] != _MARK or not 1 <= data[pos + 1] <= _T_JSON:
            return None
        n = data[pos + 2] | (data[pos + 3] << 8)
        end += n
        if end + 2 > len(data):
            return None
        if _crc16(memoryview(data)[pos:end]) != data[end] | (data[end + 1] << 8):
            return None
        e = _decode_framed(data[pos + 1], memoryview(data)[pos + 4 : end])
        return None if e is None else (e, end + 2)

    def compact_at(self, pos, wide):
        data = self.data
        if pos + 6 > len(data) or not data[pos] & 0x80:
            return None
        head = memoryview(data)[pos : pos + 4]
        want = data[pos + 4] | (data[pos + 5] << 8)
        h0 = _time_hi(self.last_t, self.tick)
        # After damage each lost record may have moved the time by one window.
        extra = min(self.skipped // 6, 64) if wide else 0
        for i in range(4 + 2 * extra if wide else 3):
            if i < 4:
                hi = h0 + _WIDE[i]
            elif i < 4 + extra:
                hi = h0 + i - 1
            else:
                hi = h0 - 2 - (i - 4 - extra)
            if hi >= 0 and _crc16(head, crc32(_hi_bytes(self.hi, hi))) == want:
                b0 = data[pos]
                b1 = data[pos + 1]
                d = (b0 >> 5) & 3
                pct = ((b0 & 15) << 3) | (b1 >> 5)
                if d >= len(DIRECTIONS) or pct > 100:
                    return None
                tick = self.tick
                t = ((hi << 8) | data[pos + 3]) * tick
                e = _step_event(t, t + (b1 & 31) * tick, data[pos + 2], pct, d, (b0 >> 4) & 1)
                return e, pos + 6
        return None

    def record_at(self, pos, resync):
        got = self.framed_at(pos)
        if got is not None:
            return got
        got = self.compact_at(pos, resync)
        if got is None or not resync or got[1] == len(self.data):
            return got
        # After damage a compact step must be confirmed by an intact record right after it.
        saved = self.last_t
        self.last_t = got[0]["t_ms"]
        follow = self.framed_at(got[1]) or self.compact_at(got[1], False)
        self.last_t = saved
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
    r = _Reader(data, tick)
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
        e, pos = got
        events.append(e)
        t = e.get("t_ms")
        if _is_int(t):
            r.last_t = t
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
