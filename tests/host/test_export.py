"""``retrostride export``: FIT read back by independent decoders, TCX and GoldenCheetah CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import fitdecode
import pytest
from test_report import PLAN, make_session

from host_tools.export import GC_COLUMNS, default_name, export
from host_tools.report import steps_of

RETROSTRIDE = Path(sys.executable).with_name("retrostride")
TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
AX = "{http://www.garmin.com/xmlschemas/ActivityExtension/v2}"
START = dt.datetime(2026, 11, 11, 7, tzinfo=dt.UTC)  # make_session(seed=1)
DURATION_S = sum(s for _, s in PLAN)


def decode_fit(data: bytes) -> dict[str, list[dict[str, object]]]:
    """Every data message by name, decoded by fitdecode with its CRC check on."""
    out: dict[str, list[dict[str, object]]] = {}
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as fr:
        for frame in fr:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


def test_fit_has_one_lap_per_interval_with_its_kind_and_cadence_in_strides():
    events = make_session(seed=1)
    msgs = decode_fit(export(events, "fit", "s1"))
    assert msgs["file_id"][0]["type"] == "activity"
    assert msgs["session"][0]["sport"] == "running"
    assert msgs["session"][0]["num_laps"] == len(PLAN)
    assert msgs["session"][0]["start_time"] == START
    assert msgs["activity"][0]["num_sessions"] == 1
    laps = msgs["lap"]
    assert [lap["total_elapsed_time"] for lap in laps] == [float(s) for _, s in PLAN]
    assert [lap["start_time"] for lap in laps][1] == START + dt.timedelta(seconds=PLAN[0][1])
    want = {"warmup": "warmup", "backward": "interval", "forward": "active", "cooldown": "cooldown"}
    assert [lap["intensity"] for lap in laps] == [want[k] for k, _ in PLAN]
    names = [step["wkt_step_name"] for step in msgs["workout_step"]]
    assert names == [f"{n + 1} {k}" for n, (k, _) in enumerate(PLAN)]
    assert [lap["wkt_step_index"] for lap in laps] == list(range(len(PLAN)))
    # cadence: FIT counts strides (two steps) per minute
    records = msgs["record"]
    assert len(records) == DURATION_S + 1
    assert records[0]["timestamp"] == START
    steps = steps_of(events)
    at_100s = [e for e in steps if e["t_ms"] <= 100_000][-1]["cadence_spm"]
    # whole strides and the half apart, as FIT keeps them: 171 steps/min is 85.5
    assert records[100]["cadence"] + records[100]["fractional_cadence"] == at_100s / 2
    running = [r["cadence"] for r in records[70:170]]
    assert all(80 <= c <= 95 for c in running)  # 165-185 steps/min
    backward_lap = laps[1]
    in_lap = [e for e in steps if 60_000 <= e["t_ms"] < 90_000]
    mean = sum(e["cadence_spm"] for e in in_lap) / len(in_lap)
    lap_cadence = backward_lap["avg_running_cadence"] + backward_lap["avg_fractional_cadence"]
    assert lap_cadence == round(mean) / 2
    assert backward_lap["total_strides"] == len(in_lap) // 2
    assert msgs["session"][0]["total_strides"] == sum(lap["total_strides"] for lap in laps)


def test_fit_crc_is_checked_by_the_decoder():
    data = bytearray(export(make_session(seed=1), "fit", "s1"))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(fitdecode.FitError):
        decode_fit(bytes(data))


def test_fit_passes_garmins_integrity_check_when_the_sdk_is_present():
    sdk = pytest.importorskip("garmin_fit_sdk", reason="Garmin's FIT SDK is not installed")
    data = export(make_session(seed=1), "fit", "s1")
    decoder = sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data)))
    assert decoder.check_integrity()
    messages, errors = sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data))).read()
    assert errors == [] and len(messages["lap_mesgs"]) == len(PLAN)


def test_session_without_plan_is_one_lap_in_every_format():
    events = make_session(plan=None)
    msgs = decode_fit(export(events, "fit", "free"))
    assert len(msgs["lap"]) == 1 and msgs["session"][0]["num_laps"] == 1
    root = ET.fromstring(export(events, "tcx", "free"))
    assert len(root.findall(f".//{TCX}Lap")) == 1
    rows = list(csv.DictReader(io.StringIO(export(events, "csv", "free").decode())))
    assert {r["interval"] for r in rows} == {"1"}


def test_tcx_is_a_running_activity_with_a_lap_per_interval_and_run_cadence():
    events = make_session(seed=1)
    data = export(events, "tcx", "s1")
    assert data.startswith(b"<?xml")
    root = ET.fromstring(data)
    assert root.tag == f"{TCX}TrainingCenterDatabase"
    activities = root.findall(f"{TCX}Activities/{TCX}Activity")
    assert len(activities) == 1 and activities[0].get("Sport") == "Running"
    assert activities[0].findtext(f"{TCX}Id") == "2026-11-11T07:00:00.000Z"
    laps = activities[0].findall(f"{TCX}Lap")
    assert len(laps) == len(PLAN)
    assert [float(lap.findtext(f"{TCX}TotalTimeSeconds") or 0) for lap in laps] == [
        float(s) for _, s in PLAN
    ]
    # the schema's element order inside a Lap
    order = [child.tag.removeprefix(TCX) for child in laps[1]]
    assert order == [
        "TotalTimeSeconds",
        "DistanceMeters",
        "Calories",
        "Intensity",
        "TriggerMethod",
        "Track",
        "Notes",
        "Extensions",
    ]
    points = root.findall(f".//{TCX}Trackpoint")
    assert len(points) == DURATION_S + 1
    cadence = [int(p.findtext(f"{TCX}Extensions/{AX}TPX/{AX}RunCadence") or -1) for p in points]
    assert min(cadence) >= 0 and all(80 <= c <= 95 for c in cadence[70:170])
    times = [dt.datetime.fromisoformat(p.findtext(f"{TCX}Time") or "") for p in points]
    assert times == sorted(times) and times[0] == START


def test_csv_has_goldencheetahs_header_and_one_row_per_second():
    events = make_session(seed=1)
    text = export(events, "csv", "s1").decode()
    header = text.splitlines()[0]
    # GoldenCheetah (src/FileIO/CsvRideFile.cpp) recognises its CSV by this line
    assert header == (
        "secs,cad,hr,km,kph,nm,watts,alt,lon,lat,headwind,slope,temp,interval,"
        "lrbalance,lte,rte,lps,rps,smo2,thb,o2hb,hhb"
    )
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert all(len(r) == len(GC_COLUMNS) for r in rows)
    assert [int(r[0]) for r in rows] == list(range(DURATION_S + 1))
    intervals = [int(r[13]) for r in rows]
    assert intervals[0] == 1 and intervals[60] == 2 and max(intervals) == len(PLAN)
    assert all(165 <= int(r[1]) <= 185 for r in rows[70:170])  # steps/min


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RETROSTRIDE), *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_export_command_writes_the_file_and_prints_its_path(tmp_path):
    src = tmp_path / "ev.jsonl"
    src.write_text("".join(json.dumps(e) + "\n" for e in make_session(seed=2)))
    out = tmp_path / "s.fit"
    result = run("export", "s2", "--events", str(src), "--format", "fit", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert len(decode_fit(out.read_bytes())["lap"]) == len(PLAN)


def test_bad_format_is_exit_2_one_sentence(tmp_path):
    src = tmp_path / "ev.jsonl"
    src.write_text("".join(json.dumps(e) + "\n" for e in make_session(seed=2)))
    result = run("export", "s2", "--events", str(src), "--format", "gpx")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown format 'gpx'" in result.stderr


def test_bad_session_is_exit_2_one_sentence(tmp_path):
    result = run("export", "nope", "--format", "fit", "--db", str(tmp_path / "none.sqlite"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_real_walk_replayed_by_the_core_exports_and_reports(tmp_path):
    """Events made by the firmware core itself (detection only: no plan, one lap)."""
    from host_tools.paths import REPO
    from host_tools.replay import read_trace_text, replay_cpython
    from host_tools.report import summarize, write_report

    trace = REPO.parent / "shared" / "data" / "ipol-gait" / "1-1_fwd.csv"
    if not trace.exists():
        pytest.skip(f"real recordings not present at {trace.parent}")
    events = replay_cpython(read_trace_text(trace), str(trace))
    steps = steps_of(events)
    assert len(steps) > 10
    s = summarize(events, "walk")
    msgs = decode_fit(export(events, "fit", "walk"))
    assert len(msgs["lap"]) == 1 and msgs["lap"][0]["total_strides"] == len(steps) // 2
    assert len(msgs["record"]) == int(s.duration_s) + 1
    mid = steps[len(steps) // 2]
    assert msgs["record"][mid["t_ms"] // 1000 + 1]["cadence"] == round(
        [e for e in steps if e["t_ms"] <= (mid["t_ms"] // 1000 + 1) * 1000][-1]["cadence_spm"] / 2
    )
    _, files = write_report(events, tmp_path, "walk")
    assert all(p.stat().st_size > 5000 for p in files.pngs.values())


def test_export_reads_the_session_store(tmp_path):
    from test_report import stored_db

    db = stored_db(tmp_path, seeds=(1, 2))
    out = tmp_path / "s.fit"
    result = run("export", "1", "--db", str(db), "--format", "fit", "--out", str(out))
    assert result.returncode == 0, result.stderr
    msgs = decode_fit(out.read_bytes())
    assert len(msgs["lap"]) == len(PLAN)
    assert msgs["session"][0]["start_time"] == START
    result = run("export", "dev2", "--db", str(db), "--format", "tcx", "--out", str(tmp_path / "t"))
    assert result.returncode == 0, result.stderr
    assert len(ET.parse(tmp_path / "t").getroot().findall(f".//{TCX}Lap")) == len(PLAN)


def _step(t_ms: int, spm: int) -> dict[str, object]:
    return {"type": "step", "t_ms": t_ms, "direction": "backward", "gait": "run",
            "cadence_spm": spm, "confidence": 0.9, "decided_ms": t_ms + 100}  # fmt: skip


def test_fit_keeps_the_half_stride_and_gives_each_session_its_own_file_id():
    start = {"type": "session_start", "t_ms": 0, "plan": None, "start": "2026-11-30T08:00:00Z"}
    odd = [
        start,
        *(_step(350 * k, 171) for k in range(1, 20)),
        {"type": "session_end", "t_ms": 7000},
    ]
    msgs = decode_fit(export(odd, "fit", "a"))
    assert {(r["cadence"], r["fractional_cadence"]) for r in msgs["record"][1:6]} == {(85, 0.5)}
    other = [
        start,
        *(_step(350 * k, 170) for k in range(1, 20)),
        {"type": "session_end", "t_ms": 7000},
    ]
    serials = [
        decode_fit(export(e, "fit", "a"))["file_id"][0]["serial_number"] for e in (odd, other)
    ]
    assert serials[0] != serials[1]  # same start: Garmin Connect would refuse the second
    assert decode_fit(export(odd, "fit", "a"))["file_id"][0]["serial_number"] == serials[0]


def test_fit_records_stay_a_second_apart_from_a_start_with_a_fraction():
    events = make_session(seed=1)
    events[0] = {**events[0], "start": "2026-11-11T07:00:00.500Z"}
    stamps = [r["timestamp"] for r in decode_fit(export(events, "fit", "s1"))["record"]]
    assert all(b - a == dt.timedelta(seconds=1) for a, b in itertools.pairwise(stamps))


def test_tcx_keeps_to_its_schema_for_a_lap_under_a_second_and_a_lap_of_many_steps():
    events: list[dict[str, object]] = [
        {"type": "session_start", "t_ms": 0, "plan": "x", "start": "2026-11-30T08:00:00Z"},
        {"type": "interval", "t_ms": 0, "index": 0, "kind": "forward"},
        *(_step(k, 170) for k in range(1, 66_001)),  # more steps than an unsignedShort holds
        {"type": "interval", "t_ms": 70_200, "index": 1, "kind": "backward"},
        {"type": "interval", "t_ms": 70_600, "index": 2, "kind": "rest"},  # 0.4 s: no whole second
        {"type": "session_end", "t_ms": 75_000},
    ]
    laps = ET.fromstring(export(events, "tcx", "x")).findall(f".//{TCX}Lap")
    assert len(laps) == 3
    assert laps[0].find(f".//{AX}Steps") is None and laps[2].find(f".//{AX}Steps") is not None
    assert laps[1].find(f"{TCX}Track") is None  # a Track must hold a Trackpoint
    assert all(t.find(f"{TCX}Trackpoint") is not None for t in ET.fromstring(
        export(events, "tcx", "x")).iter(f"{TCX}Track"))  # fmt: skip


def test_an_empty_session_is_exit_2_one_sentence(tmp_path):
    src = tmp_path / "ev.jsonl"
    src.write_text(json.dumps({"type": "session_start", "t_ms": 0, "plan": None}) + "\n")
    out = tmp_path / "e.csv"
    result = run("export", "e", "--events", str(src), "--format", "csv", "--out", str(out))
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.count("\n") == 1 and "session e is empty" in result.stderr


def test_time_paused_by_the_button_or_a_fall_is_left_out_of_the_timer():
    events = make_session(seed=1)
    events += [
        {"type": "buzz", "t_ms": 30_000, "pattern": "pause"},  # the button, in the warm-up
        {"type": "buzz", "t_ms": 45_000, "pattern": "resume"},
        {"type": "buzz", "t_ms": 70_000, "pattern": "fall"},  # a fall pauses the plan
        {"type": "buzz", "t_ms": 80_000, "pattern": "resume"},
    ]
    events.sort(key=lambda e: e["t_ms"])
    msgs = decode_fit(export(events, "fit", "s1"))
    laps = msgs["lap"]
    assert [lap["total_elapsed_time"] for lap in laps] == [float(s) for _, s in PLAN]
    assert laps[0]["total_timer_time"] == PLAN[0][1] - 15  # a watch's timer stands, too
    assert laps[1]["total_timer_time"] == PLAN[1][1] - 10
    assert msgs["session"][0]["total_timer_time"] == DURATION_S - 25
    timer = [(e["timestamp"] - START).seconds for e in msgs["event"] if e["event"] == "timer"]
    assert timer == [0, 30, 45, 70, 80, DURATION_S]
    tcx = ET.fromstring(export(events, "tcx", "s1"))
    times = [float(t.text or 0) for t in tcx.iter(f"{TCX}TotalTimeSeconds")]
    assert times[:2] == [PLAN[0][1] - 15, PLAN[1][1] - 10]


def test_a_csv_is_named_with_its_date_where_goldencheetah_reads_it():
    name = default_name("s1", "csv", START).name
    assert re.fullmatch(r"(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)(\d\d)[^.]*\.csv", name)  # CsvRideFile
    assert name.startswith("20261111_070000_")
    assert default_name("s1", "fit", START).name == "retrostride-s1.fit"
    assert default_name("s1", "csv", None).name == "retrostride-s1.csv"
