"""The session store: synced and imported logs in one SQLite file, each stored once.

A session is keyed by the sha256 of its log bytes, so the same file synced or
imported twice is stored once. The device's own session id (from the log
header, or from the log's file name when the header is damaged: the device
names each log after its session) catches the other double count: a copy taken
while the session was still being written, or one whose damaged records the
reader dropped, holds a subsequence of the whole log's events, and is replaced
by it (or, coming after it, not stored); of two copies with the same events the
more intact one is kept. Names repeat (the device's counter restarts when its
flash is erased, and every board counts alike), so two intact headers must also
be equal: the device writes a random ``tag`` into each. Every session goes in
with one transaction, so a crash leaves it fully stored or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from retrostride import logbook

Event = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    device_session TEXT,
    source TEXT NOT NULL,
    stored_at TEXT NOT NULL DEFAULT (datetime('now')),
    header TEXT NOT NULL,
    start TEXT,
    plan TEXT,
    steps INTEGER NOT NULL,
    backward_steps INTEGER,
    backward_s REAL,
    compliance TEXT,
    n_events INTEGER NOT NULL,
    report TEXT NOT NULL,
    log BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_device ON sessions(device_session);
CREATE TABLE IF NOT EXISTS events (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


class NotALog(ValueError):
    """The bytes are not a RetroStride session log at all."""


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/retrostride/sessions.db``, else ``~/.local/share/...``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "retrostride" / "sessions.db"


def db_path(db: Path | None) -> Path:
    """The database a command works on: ``--db``, else the user's default one."""
    return db if db is not None else default_db_path()


def open_store(db: Path | None, create: bool = True) -> Store:
    """The session database (``db_path``); one that does not exist is made only to
    store into. Problems are the user's: one sentence, exit 2."""
    path = db_path(db)
    if not create and not path.exists():
        raise UsageError(f"no session database at {path}: run 'retrostride sync' or pass --db.")
    try:
        return Store(path)
    except Exception as e:  # sqlite3.DatabaseError, OSError
        raise UsageError(f"cannot open the session database {path}: {e}.") from e


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


Decoded = tuple[dict[str, Any], list[Event], dict[str, Any]]


def decode(data: bytes) -> Decoded:
    """The core reader's ``(header, events, report)``; :class:`NotALog` if it is none."""
    header, events, report = logbook.read(data)
    if report["not_a_log"]:
        raise NotALog("not a RetroStride session log (no RSLG header)")
    if report["version"] != logbook.VERSION:
        raise NotALog(f"a session log of format version {report['version']}, not supported")
    return header, events, report


def session_of_name(name: str) -> str | None:
    """The device session id a plain log file name carries (``s00012.rsl``), else None."""
    if not logbook.is_log_name(name):
        return None
    return name[: -len(logbook.LOG_SUFFIX)]


def _within(part: list[Event], whole: list[Event]) -> bool:
    """Whether ``part``'s events all appear in ``whole``, in order."""
    rest = iter(whole)
    return all(any(e == w for w in rest) for e in part)


def _headers_agree(
    a: dict[str, Any], a_report: dict[str, Any], b: dict[str, Any], b_report: dict[str, Any]
) -> bool:
    """Whether two logs of the same name may be one session: copies of a log share its
    header (the device's random ``tag`` among it); a damaged header cannot say."""
    if a_report.get("header_ok", True) and b_report.get("header_ok", True):
        return a == b
    return True


def _intactness(report: dict[str, Any]) -> tuple[bool, bool]:
    """Orders copies holding the same events: an intact header first, then no damage."""
    return bool(report.get("header_ok", True)), not damage_text(report)


def damage_text(report: dict[str, Any]) -> str:
    """What the reader dropped, in words; '' for an intact log."""
    parts = []
    if not report.get("header_ok", True):
        parts.append("its header is damaged")
    if report.get("damaged_regions"):
        parts.append(
            f"{report['bytes_skipped']} damaged bytes in {report['damaged_regions']} "
            "place(s) were skipped"
        )
    if report.get("tail_bytes"):
        parts.append(f"an incomplete last record ({report['tail_bytes']} bytes) was dropped")
    return "; ".join(parts)


def summary_of(header: dict[str, Any], events: list[Event]) -> dict[str, Any]:
    """Summary columns, from the session_end event when there is one."""
    end = next((e for e in reversed(events) if e.get("type") == "session_end"), None)
    start = next((e for e in events if e.get("type") == "session_start"), None)
    plan = header.get("plan")
    if plan is None:
        plan = (end or start or {}).get("plan")
    steps = sum(1 for e in events if e.get("type") == "step")
    out: dict[str, Any] = {
        "start": None if header.get("start") is None else str(header["start"]),
        "plan": None if plan is None else str(plan),
        "steps": steps,
        "backward_steps": sum(
            1 for e in events if e.get("type") == "step" and e.get("direction") == "backward"
        ),
        "backward_s": None,
        "compliance": None,
    }
    if end is not None:
        for key in ("steps", "backward_steps", "backward_s"):
            if isinstance(end.get(key), int | float) and not isinstance(end.get(key), bool):
                out[key] = end[key]
        if "compliance" in end:
            out["compliance"] = end["compliance"]
    return out


class Store:
    """One SQLite database of sessions; ``Store(path)`` creates it when missing."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, sha256: str) -> bool:
        row = self._db.execute("SELECT 1 FROM sessions WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def add(
        self,
        log_bytes: bytes,
        source: str,
        decoded: Decoded | None = None,
        file_name: str | None = None,
    ) -> tuple[int, bool]:
        """Store one log: ``(session id, True)`` if new, ``(existing id, False)`` if held.

        Raises :class:`NotALog`. A log whose events contain, in order, all of stored
        ones' of the same device session (copies taken while it was written, or
        damaged) replaces them; one whose events a stored one contains is held.
        ``file_name`` (the log's, without folders) names the session when the
        header does not.
        """
        header, events, report = decoded if decoded is not None else decode(log_bytes)
        digest = sha256_hex(log_bytes)
        device_session = header.get("session")
        if device_session is None and file_name is not None:
            device_session = session_of_name(file_name)
        device_session = None if device_session is None else str(device_session)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT id FROM sessions WHERE sha256 = ?", (digest,)).fetchone()
            if row is not None:
                db.execute("COMMIT")
                return int(row["id"]), False
            replace: list[int] = []  # copies this log completes (damaged ones differ)
            if device_session is not None:
                for old in db.execute(
                    "SELECT id, header, report FROM sessions WHERE device_session = ?",
                    (device_session,),
                ).fetchall():
                    old_report = json.loads(old["report"])
                    if not _headers_agree(header, report, json.loads(old["header"]), old_report):
                        continue  # another session of that name (a second board, a reflash)
                    stored = self._events_locked(int(old["id"]))
                    if _within(stored, events) and (
                        events != stored or _intactness(report) > _intactness(old_report)
                    ):
                        replace.append(int(old["id"]))  # the new log completes the stored one
                    elif _within(events, stored):
                        db.execute("COMMIT")  # an earlier or damaged copy of a stored log
                        return int(old["id"]), False
            for old_id in replace:
                db.execute("DELETE FROM events WHERE session_id = ?", (old_id,))
                db.execute("DELETE FROM sessions WHERE id = ?", (old_id,))
            s = summary_of(header, events)
            cur = db.execute(
                "INSERT INTO sessions (id, sha256, device_session, source, header, start, plan,"
                " steps, backward_steps, backward_s, compliance, n_events, report, log)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    min(replace, default=None),
                    digest,
                    device_session,
                    source,
                    json.dumps(header),
                    s["start"],
                    s["plan"],
                    s["steps"],
                    s["backward_steps"],
                    s["backward_s"],
                    None if s["compliance"] is None else json.dumps(s["compliance"]),
                    len(events),
                    json.dumps(report),
                    log_bytes,
                ),
            )
            session_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO events (session_id, seq, event) VALUES (?, ?, ?)",
                ((session_id, i, json.dumps(e)) for i, e in enumerate(events)),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return session_id, True

    def _events_locked(self, session_id: int) -> list[Event]:
        rows = self._db.execute(
            "SELECT event FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
        ).fetchall()
        return [json.loads(r["event"]) for r in rows]

    def sessions(self) -> list[dict[str, Any]]:
        """Every stored session's summary row, oldest first."""
        rows = self._db.execute(
            "SELECT id, sha256, device_session, source, stored_at, start, plan, steps,"
            " backward_steps, backward_s, compliance, n_events, report FROM sessions"
            " ORDER BY start IS NULL, start, id"
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["compliance"] = None if d["compliance"] is None else json.loads(d["compliance"])
            report = json.loads(d.pop("report"))
            d["damaged"] = bool(damage_text(report))
            out.append(d)
        return out

    def last_plan(self) -> dict[str, Any] | None:
        """The plan the newest session with one in its log header ran (``plan_def``)."""
        rows = self._db.execute(
            "SELECT header FROM sessions ORDER BY start IS NULL, start, id"
        ).fetchall()
        for r in reversed(rows):
            plan = json.loads(r["header"]).get("plan_def")
            if isinstance(plan, dict):
                return plan
        return None

    def resolve(self, ref: str) -> int | None:
        """A session id from its number, its device session id or a sha256 prefix.

        :class:`UsageError` for a device session id that several sessions share.
        """
        if ref.isascii() and ref.isdigit():  # isdigit takes "²", which int() refuses
            row = self._db.execute("SELECT id FROM sessions WHERE id = ?", (int(ref),)).fetchone()
            if row is not None:
                return int(row["id"])
        rows = self._db.execute(
            "SELECT id FROM sessions WHERE device_session = ? ORDER BY id", (ref,)
        ).fetchall()
        if len(rows) == 1:
            return int(rows[0]["id"])
        if len(rows) > 1:
            numbers = ", ".join(str(r["id"]) for r in rows)
            raise UsageError(
                f"{ref!r} names sessions {numbers} (a second board, or one whose flash was "
                "erased, counts from s00001 again): give the number."
            )
        if len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref.lower()):
            rows = self._db.execute(
                "SELECT id FROM sessions WHERE sha256 LIKE ?", (ref.lower() + "%",)
            ).fetchall()
            if len(rows) == 1:
                return int(rows[0]["id"])
        return None

    def events(self, session_id: int) -> list[Event]:
        """The session's events in log order."""
        return self._events_locked(session_id)

    def log_bytes(self, session_id: int) -> bytes | None:
        row = self._db.execute("SELECT log FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else bytes(row["log"])

    def session_summaries(self) -> list[Event]:
        """The session_end event of every stored session that has one, oldest first."""
        out = []
        for s in self.sessions():
            for e in reversed(self._events_locked(int(s["id"]))):
                if e.get("type") == "session_end":
                    out.append(e)
                    break
        return out
