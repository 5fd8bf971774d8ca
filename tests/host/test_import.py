"""``import``, ``sessions`` and ``events`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_store import make_log, session_events

from host_tools import cli
from host_tools.paths import REPO
from retrostride import logbook

DATA = REPO.parent / "shared" / "data" / "ipol-gait"
PLAN = REPO / "host_tools" / "plans" / "intro.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_list_then_events(tmp_path, capsys):
    events = session_events()
    log = tmp_path / "20261125_0001.rsl"
    log.write_bytes(make_log(events))
    db = str(tmp_path / "s.db")
    code, out, err = run(capsys, "import", str(log), "--db", db)
    assert code == 0 and "stored" in out and err == ""
    code, out, _ = run(capsys, "import", str(log), "--db", db)
    assert code == 0 and "already stored" in out
    code, out, _ = run(capsys, "sessions", "--db", db, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 1 and rows[0]["id"] == 1 and rows[0]["steps"] == 20
    code, out, _ = run(capsys, "sessions", "--db", db)
    assert code == 0 and "intro" in out
    code, out, _ = run(capsys, "events", "1", "--db", db)
    assert code == 0 and [json.loads(line) for line in out.splitlines()] == events


def test_a_session_from_a_board_without_a_clock_is_listed_by_when_it_was_stored(tmp_path, capsys):
    log = tmp_path / "s00007.rsl"
    log.write_bytes(make_log(session_events(), "s00007", start=None))
    db = str(tmp_path / "s.db")
    assert run(capsys, "import", str(log), "--db", db)[0] == 0
    code, out, _ = run(capsys, "sessions", "--db", db)
    row = next(line for line in out.splitlines() if "s00007" in line)
    assert code == 0 and " *" in row and "the board keeps no date" in out
    fit = tmp_path / "s.fit"
    code, _, err = run(capsys, "export", "1", "--format", "fit", "--db", db, "--out", str(fit))
    assert code == 0 and "the board had no date for session 1" in err and fit.stat().st_size


def test_damaged_log_warns_and_keeps_every_intact_record(tmp_path, capsys):
    events = session_events(40)
    data = bytearray(make_log(events))
    data[200] ^= 0x55
    log = tmp_path / "bad.rsl"
    log.write_bytes(bytes(data[:-4]))  # and a power cut in the last record
    code, out, err = run(capsys, "import", str(log), "--db", str(tmp_path / "s.db"))
    assert code == 0
    assert "warning" in err and "damaged bytes" in err and "incomplete last record" in err
    code, out, _ = run(capsys, "events", "1", "--db", str(tmp_path / "s.db"))
    got = [json.loads(line) for line in out.splitlines()]
    assert len(got) == len(events) - 2 and all(e in events for e in got)
    tcx = str(tmp_path / "s.tcx")
    code, _, err = run(capsys, "export", "1", "--format", "tcx", "--db", str(tmp_path / "s.db"),
                       "--out", tcx)  # fmt: skip
    assert code == 0 and "log was damaged: exported from its intact records" in err


def test_a_copy_with_a_damaged_header_is_known_by_its_file_name(tmp_path, capsys):
    whole = make_log(session_events(), "s00003")
    damaged = bytearray(whole)
    damaged[14] ^= 0x08  # the header's JSON
    (tmp_path / "copy").mkdir()
    (tmp_path / "s00003.rsl").write_bytes(whole)
    (tmp_path / "copy" / "s00003.rsl").write_bytes(bytes(damaged))
    db = str(tmp_path / "s.db")
    assert run(capsys, "import", str(tmp_path / "s00003.rsl"), "--db", db)[0] == 0
    code, out, err = run(capsys, "import", str(tmp_path / "copy" / "s00003.rsl"), "--db", db)
    assert code == 0 and "session 1 already stored" in out and "header is damaged" in err


def test_a_file_that_is_not_a_log_is_exit_2_in_one_sentence(tmp_path, capsys):
    bad = tmp_path / "trace.csv"
    bad.write_text("t_ms,ax\n0,1\n")
    good = tmp_path / "g.rsl"
    good.write_bytes(make_log(session_events()))
    code, out, err = run(capsys, "import", str(good), str(bad), "--db", str(tmp_path / "s.db"))
    assert code == 2 and "not a RetroStride session log" in err and len(err.splitlines()) == 1
    code, out, _ = run(capsys, "sessions", "--json", "--db", str(tmp_path / "s.db"))
    assert json.loads(out) == []  # nothing half-imported
    code, _, err = run(capsys, "import", str(tmp_path / "missing.rsl"), "--db", str(tmp_path / "d"))
    assert code == 2 and "cannot read" in err


def test_unknown_session_is_exit_2_and_listing_creates_no_database(tmp_path, capsys):
    db = tmp_path / "s.db"
    code, _, err = run(capsys, "events", "7", "--db", str(db))
    assert code == 2 and "no session database at" in err
    code, out, _ = run(capsys, "sessions", "--json", "--db", str(db))
    assert code == 0 and json.loads(out) == [] and not db.exists()
    good = tmp_path / "g.rsl"
    good.write_bytes(make_log(session_events()))
    assert run(capsys, "import", str(good), "--db", str(db))[0] == 0
    code, _, err = run(capsys, "events", "7", "--db", str(db))
    assert code == 2 and "no stored session" in err


def test_events_prints_exactly_what_replay_prints_for_the_same_trace_and_plan(tmp_path, capsys):
    trace = DATA / "1-1_fwd.csv"
    if not trace.exists():
        pytest.skip("../shared/data/ipol-gait is not here (a fresh clone has no ../shared)")
    code, replayed, _ = run(capsys, "replay", str(trace), "--plan", str(PLAN))
    assert code == 0 and replayed
    log = tmp_path / "r.rsl"
    with log.open("wb") as f:
        w = logbook.Writer(f, {"session": "r1", "plan": "intro"})
        for line in replayed.splitlines():
            w.append(json.loads(line))
    db = str(tmp_path / "s.db")
    assert run(capsys, "import", str(log), "--db", db)[0] == 0
    code, out, _ = run(capsys, "events", "r1", "--db", db)
    assert code == 0 and out == replayed
    assert isinstance(Path(db), Path)
