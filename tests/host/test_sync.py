"""Sync with faults injected at every device call and inside the database transaction."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_store import make_log, session_events

from host_tools import store as store_mod
from host_tools.errors import CommandFailed
from host_tools.store import Store
from host_tools.sync import Progress, progress_bar, sync
from retrostride import logbook


class FakeDevice:
    """Files in a dict, the same calls as :class:`host_tools.sync.DeviceLogs`."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)

    def list_sizes(self, folder: str) -> dict[str, int]:
        pre = folder.rstrip("/") + "/"
        return {p[len(pre) :]: len(d) for p, d in self.files.items() if p.startswith(pre)}

    def sha256(self, path: str) -> bytes | None:
        data = self.files.get(path)
        return None if data is None else hashlib.sha256(data).digest()

    def read_small(self, path: str) -> bytes:
        return self.files[path]

    def read_verified(self, path: str, size: int, progress: Progress | None) -> tuple[bytes, bytes]:
        data = self.files[path]
        if progress is not None:
            progress(len(data), size)
        return data, hashlib.sha256(data).digest()

    def remove(self, path: str) -> None:
        del self.files[path]


class Pulled(Exception):
    """The cable was pulled / the process was killed at this call."""


class Faulty:
    """Forwards to a device and fails at call number ``fail_at`` (counting every call)."""

    def __init__(self, dev: FakeDevice, fail_at: int | None, exc: BaseException) -> None:
        self.dev, self.fail_at, self.exc, self.calls = dev, fail_at, exc, 0

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self.dev, name)

        def call(*args: Any) -> Any:
            self.calls += 1
            if self.calls == self.fail_at:
                raise self.exc
            return fn(*args)

        return call


EVENTS = {n: session_events(n) for n in (5, 9, 14, 30)}
LOGS = {f"/logs/2026112{i}_0001.rsl": make_log(EVENTS[n], f"s{n}") for i, n in enumerate(EVENTS)}
DAMAGED = bytearray(LOGS["/logs/20261123_0001.rsl"])
DAMAGED[150] ^= 0x20
LOGS["/logs/20261123_0001.rsl"] = bytes(DAMAGED)
OPEN = "/logs/20261129_0001.rsl"
DEVICE = {
    **LOGS,
    OPEN: make_log(EVENTS[5][:3], "open"),
    logbook.OPEN_MARKER: b"20261129_0001.rsl",
    "/logs/notes.txt": b"hello",
    "/logs/bad name.rsl": LOGS["/logs/20261120_0001.rsl"],
    "/logs/20261128_0001.rsl": b"not a log at all",
    "/main.py": b"",
}
LEFT = set(DEVICE) - set(LOGS)


def digests(db: Store) -> list[str]:
    return sorted(s["sha256"] for s in db.sessions())


def check(db: Store, dev: FakeDevice) -> None:
    """Zero loss, zero duplicates, everything else left alone."""
    want = sorted(hashlib.sha256(d).hexdigest() for d in LOGS.values())
    assert digests(db) == want
    assert set(dev.files) == LEFT
    for s in db.sessions():
        data = db.log_bytes(s["id"])
        assert data is not None
        assert db.events(s["id"]) == logbook.read(data)[1]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "s.db") as st:
        yield st


def quiet(_: str) -> None:
    pass


def test_sync_stores_each_log_once_frees_it_and_leaves_the_rest(db):
    dev = FakeDevice(DEVICE)
    warnings: list[str] = []
    result = sync(dev, db, warn=warnings.append, progress=lambda n: None)
    check(db, dev)
    assert len(result.stored) == 4 and result.open_log == "20261129_0001.rsl"
    assert sorted(result.refused) == ["20261128_0001.rsl", "bad name.rsl", "notes.txt"]
    assert result.damaged == ["20261123_0001.rsl"]
    assert any("damaged bytes" in w for w in warnings)
    assert any("still writing" in w for w in warnings)
    again = sync(dev, db, warn=quiet)
    assert again.stored == [] and again.freed_known == []
    check(db, dev)


def test_a_log_already_stored_is_freed_without_copying(db):
    db.add(LOGS["/logs/20261121_0001.rsl"], "earlier import")
    dev = FakeDevice(DEVICE)
    result = sync(dev, db, warn=quiet)
    assert result.freed_known == ["20261121_0001.rsl"] and len(result.stored) == 3
    check(db, dev)


def test_a_header_damaged_log_completes_a_copy_taken_earlier(db):
    """The device names a log after its session, so the header is not needed to
    tell that an earlier, cut copy and the whole log are one session."""
    events = session_events(12)
    whole = bytearray(make_log(events, "s00007"))
    db.add(bytes(whole[: len(whole) // 2]), "copied by hand mid-session", file_name="s00007.rsl")
    whole[12] ^= 0x01  # the header's JSON
    dev = FakeDevice({"/logs/s00007.rsl": bytes(whole)})
    warnings: list[str] = []
    result = sync(dev, db, warn=warnings.append)
    assert result.stored == ["s00007.rsl"] and dev.files == {}
    assert any("header is damaged" in w for w in warnings)
    [session] = db.sessions()
    assert session["device_session"] == "s00007" and db.events(session["id"]) == events


def test_a_copy_of_a_stored_session_is_freed_and_another_of_its_name_stored(db):
    events = session_events(12)
    db.add(make_log(events, "s00002", tag="5e5e5e5e"), "synced before")
    dev = FakeDevice(
        {
            "/logs/s00002.rsl": make_log(events[:5], "s00002", tag="5e5e5e5e"),  # a cut copy
            "/logs/s00001.rsl": make_log(events[:1], "s00001", tag="6f6f6f6f"),
        }
    )
    db.add(make_log(events, "s00001", tag="0d0d0d0d"), "another board's s00001")
    result = sync(dev, db, warn=quiet)
    assert result.freed_known == ["s00002.rsl"] and result.stored == ["s00001.rsl"]
    assert dev.files == {} and len(db.sessions()) == 3


def total_calls() -> int:
    probe = Faulty(FakeDevice(DEVICE), None, Pulled())
    with Store(":memory:") as st:
        sync(probe, st, warn=quiet)  # type: ignore[arg-type]
    return probe.calls


@pytest.mark.parametrize("exc", [Pulled("cable"), KeyboardInterrupt(), CommandFailed("x")])
def test_interrupted_at_every_device_call_then_resumed_loses_and_duplicates_nothing(tmp_path, exc):
    n = total_calls()
    assert n > 15
    for k in range(1, n + 1):
        dev = FakeDevice(DEVICE)
        path = tmp_path / f"{type(exc).__name__}{k}.db"
        with Store(path) as st, pytest.raises(type(exc)):
            sync(Faulty(dev, k, exc), st, warn=quiet)  # type: ignore[arg-type]
        with Store(path) as st:  # a new process
            sync(dev, st, warn=quiet)
            check(st, dev)


def test_killed_inside_the_database_transaction_then_resumed(tmp_path, monkeypatch):
    real = json.dumps
    k = 0
    for fail_at in range(1, 200, 3):
        calls = {"n": 0, "at": fail_at}

        def dumps(obj: Any, *a: Any, calls: dict[str, int] = calls, **kw: Any) -> str:
            calls["n"] += 1
            if calls["n"] == calls["at"]:
                raise Pulled("killed mid-transaction")
            return real(obj, *a, **kw)

        dev = FakeDevice(DEVICE)
        path = tmp_path / f"t{fail_at}.db"
        monkeypatch.setattr(store_mod.json, "dumps", dumps)
        with Store(path) as st:
            try:
                sync(dev, st, warn=quiet)
            except Pulled:
                k += 1
        monkeypatch.setattr(store_mod.json, "dumps", real)
        with Store(path) as st:
            sync(dev, st, warn=quiet)
            check(st, dev)
    assert k > 20  # the failures really happened inside transactions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_many_interruptions_in_a_row_still_end_with_everything_once(tmp_path_factory, faults):
    dev = FakeDevice(DEVICE)
    path = tmp_path_factory.mktemp("multi") / "s.db"
    for k in faults:
        with Store(path) as st, contextlib.suppress(Pulled):
            sync(Faulty(dev, k, Pulled()), st, warn=quiet)  # type: ignore[arg-type]
    with Store(path) as st:
        sync(dev, st, warn=quiet)
        check(st, dev)


def test_a_copy_that_does_not_match_the_device_hash_deletes_nothing(db):
    class Garbling(FakeDevice):
        def read_verified(self, path: str, size: int, progress: Any) -> tuple[bytes, bytes]:
            data, digest = super().read_verified(path, size, progress)
            return data[:-1] + bytes([data[-1] ^ 1]), digest

    dev = Garbling(DEVICE)
    with pytest.raises(CommandFailed, match="does not match the device's sha256"):
        sync(dev, db, warn=quiet)
    assert set(dev.files) == set(DEVICE) and db.sessions() == []


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_on_a_terminal_and_writes_quarters_into_a_log() -> None:
    log, tty = io.StringIO(), _Tty()
    for stream in (log, tty):
        show = progress_bar("s1.rsl", stream)
        for done in range(0, 64 * 1024 + 1, 1024):
            show(done, 64 * 1024)
    assert log.getvalue().count("\n") == 5  # 0, 1/4, 1/2, 3/4, done
    assert "\r" not in log.getvalue()
    assert tty.getvalue().count("\r") == 65 and tty.getvalue().endswith("64/64 KB\n")
    quiet = io.StringIO()
    progress_bar("tiny.rsl", quiet)(100, 100)  # small files: no bar at all
    assert quiet.getvalue() == ""


def test_sync_without_a_port_finds_none_and_says_so(tmp_path, monkeypatch, capsys) -> None:
    from host_tools import cli
    from host_tools import flash as flashing

    monkeypatch.setattr(flashing.list_ports, "comports", lambda: [])
    assert cli.main(["sync", "--db", str(tmp_path / "s.db")]) == 2
    assert "no ESP32 board found on USB" in capsys.readouterr().err
