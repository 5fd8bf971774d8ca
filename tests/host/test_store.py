"""The session store: each log once, one transaction per session, summaries for progression."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host_tools import store as store_mod
from host_tools.errors import UsageError
from host_tools.store import NotALog, Store
from retrostride import logbook

Event = dict[str, Any]


class Keep(io.BytesIO):
    def close(self) -> None:
        pass


def make_log(events: list[Event], session: str = "s1", **header: Any) -> bytes:
    s = Keep()
    w = logbook.Writer(s, {"session": session, "start": "2026-11-25T07:00", **header})
    for e in events:
        w.append(e)
    return s.getvalue()


def step(t: int, d: str = "backward") -> Event:
    return {
        "type": "step",
        "t_ms": t,
        "direction": d,
        "gait": "run",
        "cadence_spm": 170,
        "confidence": 0.9,
        "decided_ms": t + 120,
    }


def session_events(n: int = 20, backward_s: float = 30.5) -> list[Event]:
    out: list[Event] = [{"type": "session_start", "t_ms": 0, "plan": "intro"}]
    out += [step(1000 + 350 * i, "backward" if i % 2 else "forward") for i in range(n)]
    out.append(
        {
            "type": "session_end",
            "t_ms": 1000 + 350 * n,
            "plan": "intro",
            "steps": n,
            "backward_steps": n // 2,
            "backward_s": backward_s,
            "compliance": [0.9, 0.75],
        }
    )
    return out


def test_default_db_path_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store_mod.default_db_path() == tmp_path / "xdg" / "retrostride" / "sessions.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store_mod.default_db_path() == (
        tmp_path / "home" / ".local" / "share" / "retrostride" / "sessions.db"
    )


def test_a_log_is_stored_once_with_its_summary_and_events(tmp_path):
    events = session_events()
    log = make_log(events)
    with Store(tmp_path / "db" / "s.db") as st:
        sid, new = st.add(log, "test")
        assert new
        assert st.add(log, "again") == (sid, False)
        assert st.has(store_mod.sha256_hex(log))
        assert st.events(sid) == events
        [row] = st.sessions()
        assert row["id"] == sid and row["device_session"] == "s1"
        assert row["steps"] == 20 and row["backward_s"] == 30.5
        assert row["compliance"] == [0.9, 0.75] and row["plan"] == "intro"
        assert row["n_events"] == len(events) and not row["damaged"]
        assert st.resolve(str(sid)) == sid == st.resolve("s1")
        assert st.resolve(store_mod.sha256_hex(log)[:10]) == sid
        assert st.resolve("nope") is None
        assert st.resolve("\u00b2") is None  # isdigit takes it, int() does not


def test_a_copy_taken_mid_session_is_replaced_by_the_full_log_not_added(tmp_path):
    events = session_events()
    full = make_log(events)
    partial = full[: len(make_log(events[:8])) + 3]  # 8 records and a torn one
    with Store(tmp_path / "s.db") as st:
        sid, new = st.add(partial, "early copy")
        assert new and len(st.events(sid)) == 8
        sid2, new2 = st.add(full, "sync")
        assert new2 and sid2 == sid
        assert st.events(sid) == events and len(st.sessions()) == 1
        assert st.add(partial, "old copy again") == (sid, False)
        assert len(st.sessions()) == 1


def test_a_damaged_copy_and_the_intact_log_are_one_session_in_either_order(tmp_path):
    """A copy with a flipped byte loses one record mid-log: not a prefix of the whole
    log, but every event it kept is in it, in order."""
    events = session_events()
    full = make_log(events)
    damaged = bytearray(full)
    damaged[len(damaged) // 2] ^= 0xFF
    with Store(tmp_path / "a.db") as st:
        sid, _ = st.add(bytes(damaged), "first a damaged copy")
        assert len(st.events(sid)) == len(events) - 1
        assert st.add(full, "then the log") == (sid, True)
        assert st.events(sid) == events and len(st.sessions()) == 1
    with Store(tmp_path / "b.db") as st:
        sid, _ = st.add(full, "the log")
        assert st.add(bytes(damaged), "then a damaged copy") == (sid, False)
        assert st.events(sid) == events and len(st.sessions()) == 1


def test_a_copy_whose_header_is_damaged_is_named_by_its_file(tmp_path):
    """Without its header a copy has no session id; the device's file name carries it."""
    events = session_events()
    full = make_log(events)
    damaged = bytearray(full)
    damaged[10] ^= 0xFF  # inside the header's JSON: its checksum fails
    with Store(tmp_path / "a.db") as st:
        sid, _ = st.add(bytes(damaged), "first the damaged copy", file_name="s1.rsl")
        assert st.sessions()[0]["device_session"] == "s1" and st.sessions()[0]["damaged"]
        assert st.add(full, "then the log", file_name="s1.rsl") == (sid, True)
        assert st.events(sid) == events and len(st.sessions()) == 1
    with Store(tmp_path / "b.db") as st:
        sid, _ = st.add(full, "the log")
        assert st.add(bytes(damaged), "a damaged copy", file_name="s1.rsl") == (sid, False)
        assert st.add(bytes(damaged), "renamed by hand", file_name="my run.rsl")[1]
        assert len(st.sessions()) == 2


def test_other_sessions_with_the_same_device_id_are_kept_apart(tmp_path):
    with Store(tmp_path / "s.db") as st:
        a, _ = st.add(make_log(session_events(5)), "a")
        b, new = st.add(make_log(session_events(6)), "b")
        assert new and a != b and len(st.sessions()) == 2


@pytest.mark.parametrize("first", ["whole", "short"])
def test_sessions_that_share_a_name_are_kept_apart_by_their_tags(tmp_path, first):
    """A reflashed board (its counter restarts) or a second board names its sessions
    s00001 again. A session cut short before its first step, or with none logged,
    holds events that another session of the plan also holds, in order."""
    events = session_events(20)
    logs = {
        "whole": make_log(events, "s00001", tag="0a0a0a0a"),
        "short": make_log(events[:1], "s00001", tag="1b1b1b1b"),
        "empty": make_log([], "s00001", tag="2c2c2c2c"),
    }
    order = [first, *(k for k in logs if k != first)]
    with Store(tmp_path / "s.db") as st:
        assert all(st.add(logs[k], k)[1] for k in order)
        assert sorted(r["n_events"] for r in st.sessions()) == [0, 1, len(events)]
        with pytest.raises(UsageError, match="names sessions 1, 2, 3"):
            st.resolve("s00001")
        assert st.resolve("2") == 2


def test_session_summaries_are_session_ends_oldest_first(tmp_path):
    with Store(tmp_path / "s.db") as st:
        st.add(make_log(session_events(4, 2.0), "b", start="2026-11-02"), "x")
        st.add(make_log(session_events(3, 1.0), "a", start="2026-11-01"), "x")
        st.add(make_log([step(10)], "c", start="2026-11-03"), "x")  # no session_end
        sums = st.session_summaries()
        assert [s["backward_s"] for s in sums] == [1.0, 2.0]
        assert all(s["type"] == "session_end" for s in sums)


def test_not_a_log_is_refused_and_nothing_is_stored(tmp_path):
    with Store(tmp_path / "s.db") as st:
        with pytest.raises(NotALog):
            st.add(b"t_ms,ax,ay\n", "x")
        assert st.sessions() == []


def test_a_failure_inside_the_transaction_leaves_nothing(tmp_path, monkeypatch):
    log = make_log(session_events())
    with Store(tmp_path / "s.db") as st:

        def broken(*args: Any) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(store_mod, "summary_of", lambda h, e: {**broken()})  # type: ignore[dict-item]
        with pytest.raises(sqlite3.OperationalError):
            st.add(log, "x")
        monkeypatch.undo()
        assert st.sessions() == [] and not st.has(store_mod.sha256_hex(log))
        assert st.add(log, "x")[1]


def test_damaged_logs_keep_their_intact_events_and_are_marked(tmp_path):
    events = session_events()
    log = bytearray(make_log(events))
    log[len(log) // 2] ^= 0xFF
    with Store(tmp_path / "s.db") as st:
        sid, _ = st.add(bytes(log), "x")
        got = st.events(sid)
        assert len(got) == len(events) - 1 and all(e in events for e in got)
        assert st.sessions()[0]["damaged"]
        assert isinstance(st.path, Path)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 25),
    st.lists(st.lists(st.integers(0, 10**6), max_size=3), min_size=1, max_size=4),
    st.lists(st.integers(0, 10**6), max_size=2),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_any_damaged_or_cut_copies_and_the_log_end_as_one_session(
    tmp_path_factory: pytest.TempPathFactory,
    n: int,
    flips: list[list[int]],
    header_flips: list[int],
    cuts: list[int],
    rnd: Any,
) -> None:
    """Copies of one device session -- records damaged anywhere, the header too (but
    not its magic and version, without which it is no log), or cut short while being
    written -- and the whole log, imported in any order under the device's file name:
    one session holding the whole log itself."""
    events = session_events(n)
    full = make_log(events)
    header_end = len(make_log([]))
    copies = [full]
    for positions in flips:
        damaged = bytearray(full)
        for p in positions:
            damaged[header_end + p % (len(full) - header_end)] ^= 0x5A
        copies.append(bytes(damaged))
    for p in header_flips:
        damaged = bytearray(full)
        damaged[5 + p % (header_end - 5)] ^= 0x5A
        copies.append(bytes(damaged))
    copies += [full[: header_end + c % (len(full) - header_end)] for c in cuts]
    rnd.shuffle(copies)
    with Store(tmp_path_factory.mktemp("store") / "s.db") as st_:
        for i, log in enumerate(copies):
            st_.add(log, f"copy {i}", file_name="s1.rsl")
        sessions = st_.sessions()
        assert len(sessions) == 1
        assert st_.events(int(sessions[0]["id"])) == events
        assert st_.log_bytes(int(sessions[0]["id"])) == full  # not a copy as complete
