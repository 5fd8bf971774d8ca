"""A log written by MicroPython is the same bytes CPython writes, and decodes to the same events."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from retrostride import logbook


class _Keep(io.BytesIO):
    def close(self) -> None:
        pass


def cpython_bytes(events: list[dict[str, Any]], header: dict[str, Any]) -> bytes:
    s = _Keep()
    w = logbook.Writer(s, header)
    for e in events:
        w.append(e)
    return s.getvalue()


@st.composite
def event(draw: st.DrawFn) -> dict[str, Any]:
    t = draw(st.integers(0, 3 * 10**6))
    kind = draw(st.sampled_from(["step", "step", "step", "interval", "buzz", "warning", "end"]))
    if kind == "step":
        return {
            "type": "step",
            "t_ms": t,
            "direction": draw(st.sampled_from(logbook.DIRECTIONS)),
            "gait": draw(st.sampled_from(logbook.GAITS)),
            "cadence_spm": draw(st.integers(0, 400)),
            "confidence": draw(st.integers(0, 100)) / 100,
            "decided_ms": t + draw(st.integers(0, 900)),
        }
    if kind == "interval":
        return {"type": kind, "t_ms": t, "index": draw(st.integers(0, 30)), "kind": "rest"}
    if kind == "buzz":
        return {"type": kind, "t_ms": t, "pattern": draw(st.sampled_from([*logbook.PATTERNS, "x"]))}
    if kind == "warning":
        return {"type": kind, "t_ms": t, "reason": "sensor", "count": draw(st.integers(0, 9))}
    return {"type": "session_end", "t_ms": t, "plan": "intro", "steps": 3, "compliance": [1, 0]}


def monotone(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Times as a session has them: mostly increasing, in small steps."""
    t = 0
    out = []
    for e in events:
        t += e["t_ms"] % 3000
        e = dict(e, t_ms=t)
        if "decided_ms" in e:
            e["decided_ms"] = t + e["decided_ms"] % 900
        out.append(e)
    return out


@settings(max_examples=25, deadline=None)
@given(st.lists(event(), max_size=60))
def test_micropython_writes_the_bytes_cpython_writes(micropython, raw_events):
    events = monotone(raw_events)
    header = {"session": "d1", "board": "vdev", "plan": "intro", "fw": "0.1"}
    micropython.write_file("/ev.json", json.dumps(events))
    out = micropython.exec(
        "import json, binascii\nfrom retrostride import logbook\n"
        "events = json.load(open('/ev.json'))\n"
        "f = open('/d.rsl', 'wb')\n"
        f"w = logbook.Writer(f, {header!r})\n"
        "for e in events:\n    w.append(e)\n"
        "w.close()\n"
        "print(binascii.hexlify(open('/d.rsl', 'rb').read()).decode())\n"
    )
    device = bytes.fromhex(out.strip())
    assert device == cpython_bytes(events, header)
    got_header, got, report = logbook.read(device)
    assert got_header == header and got == events and report["records_dropped"] == 0


def test_micropython_reads_a_damaged_cpython_log_like_cpython(micropython):
    events = [
        {
            "type": "step",
            "t_ms": 1000 + 350 * i,
            "direction": "backward",
            "gait": "run",
            "cadence_spm": 171,
            "confidence": 0.9,
            "decided_ms": 1120 + 350 * i,
        }
        for i in range(40)
    ]
    data = bytearray(cpython_bytes(events, {"session": "x"}))
    data[100] ^= 0x10
    data = data[:-3]
    micropython.write_file("/dmg.rsl", bytes(data))
    out = micropython.exec(
        "import json\nfrom retrostride import logbook\n"
        "h, ev, rep = logbook.read(open('/dmg.rsl', 'rb').read())\n"
        "print(json.dumps([h, ev, rep]))\n"
    )
    mp_header, mp_events, mp_report = json.loads(out)
    header, cp_events, report = logbook.read(bytes(data))
    assert (mp_header, mp_events, mp_report) == (header, cp_events, report)
    assert report["tail_bytes"] == 3 and report["damaged_regions"] == 1
    assert len(cp_events) == len(events) - 2
