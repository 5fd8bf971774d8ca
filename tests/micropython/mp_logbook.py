"""The session log inside MicroPython: the device writes it, the same code reads it back."""

import gc

from retrostride import logbook


def _step(t, lag=120, cadence=170, pct=80, d="backward"):
    return {
        "type": "step",
        "t_ms": t,
        "direction": d,
        "gait": "run",
        "cadence_spm": cadence,
        "confidence": pct / 100,
        "decided_ms": t + lag,
    }


def _session():
    out = [{"type": "session_start", "t_ms": 0, "plan": "intro"}]
    t = 0
    for i in range(60):
        t += (330, 350, 360, 2600, 370)[i % 5]
        out.append(_step(t, (120, 0, 770, 310)[i % 4], (170, 0, 300)[i % 3], i % 101, "forward"))
        if i % 20 == 0:
            out.append({"type": "interval", "t_ms": t, "index": i // 20, "kind": "backward"})
            out.append({"type": "buzz", "t_ms": t, "pattern": "countdown"})
            out.append({"type": "warning", "t_ms": t, "reason": "sensor", "detail": "nan"})
            out.append({"type": "buzz", "t_ms": t, "pattern": "not_in_table"})
    out.append({"type": "fall", "t_ms": t + 1})
    out.append({"type": "session_end", "t_ms": t + 2, "plan": "intro", "steps": 60})
    return out


def _write(events, path="/s.rsl"):
    f = open(path, "wb")  # noqa: SIM115 (the writer closes it)
    w = logbook.Writer(f, {"session": "mp1", "board": "vdev"})
    ends = []
    for e in events:
        w.append(e)
        ends.append(w.bytes_written)
    w.close()
    with open(path, "rb") as f:
        return f.read(), ends


def test_a_file_written_on_the_device_reads_back_key_for_key():
    events = _session()
    data, _ = _write(events)
    header, got, report = logbook.read(data)
    assert header == {"session": "mp1", "board": "vdev"}
    assert got == events
    assert report["records_dropped"] == 0 and report["header_ok"]


def test_every_truncation_keeps_the_complete_records():
    events = _session()
    data, ends = _write(events)
    for cut in range(0, len(data) + 1, 3):
        got = logbook.read(data[:cut])[1]
        assert got == events[: sum(1 for e in ends if e <= cut)], cut


def test_a_flipped_byte_loses_only_its_record():
    events = _session()
    data, ends = _write(events)
    header_end = len(_write([])[0])
    starts = [header_end] + ends[:-1]  # noqa: RUF005 (MicroPython has no [*x])
    for at in range(header_end, len(data), 7):
        raw = bytearray(data)
        raw[at] ^= 0x41
        got = logbook.read(bytes(raw))[1]
        lost = [i for i in range(len(ends)) if starts[i] <= at < ends[i]]
        assert got == [e for i, e in enumerate(events) if i not in lost], at


def test_garbage_never_raises():
    for blob in (b"", b"RSLG", b"RSLG\x01\x0a\xff\xff", bytes(range(256)), b"\x7e" * 40):
        logbook.read(blob)
        logbook.read(logbook.MAGIC + blob)


class _Sink:
    def write(self, b):
        return len(b)

    def flush(self):
        pass


def test_appending_a_step_allocates_little():
    w = logbook.Writer(_Sink(), {"session": "a"})
    steps = [_step(1000 + 350 * i) for i in range(200)]
    for e in steps[:10]:
        w.append(e)
    gc.collect()
    before = gc.mem_alloc()
    for e in steps[10:]:
        w.append(e)
    per_step = (gc.mem_alloc() - before) // 190
    print("\x03alloc_per_step", per_step)
    assert per_step < 320, per_step  # measured 234 (crc32 results above 2**30 are boxed)


def test_policy_and_names():
    assert logbook.space_plan(10, [("a.rsl", 5, False), ("b.rsl", 9, True)], 15) == (
        True,
        ["b.rsl"],
    )
    assert logbook.space_plan(1, [("a.rsl", 5, False)], 15) == (False, [])
    assert logbook.is_log_name("x_1.rsl") and not logbook.is_log_name("../x.rsl")
