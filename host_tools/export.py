"""Files other training tools open: FIT (first choice), TCX, and GoldenCheetah's CSV.

There is no GPS: an export is a running activity in time only, one sample per
second with the cadence of the latest step, one lap per interval as run.
FIT counts cadence in strides (one per two steps) per minute; TCX's RunCadence
does too; GoldenCheetah's CSV gets steps per minute, as a runner reads it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from host_tools.report import Event, Interval, Summary, steps_of, summarize

FORMATS = ("fit", "tcx", "csv")
# A cadence reading lasts this long after its step; later the runner has stopped.
CADENCE_HOLD_MS = 2500
# Sessions without a wall-clock start still need an absolute time in FIT and TCX.
FALLBACK_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Sample:
    """One second of the session: its offset and the cadence then (steps/min, 0 = still)."""

    t_ms: int
    cadence_spm: int


def samples(events: Sequence[Event], duration_ms: int) -> list[Sample]:
    """One sample per whole second from 0 to the end, carrying the latest step's cadence."""
    steps = steps_of(events)
    out, i, last_t, last_cad = [], 0, -CADENCE_HOLD_MS - 1, 0
    for t in range(0, duration_ms + 1, 1000):
        while i < len(steps) and int(steps[i]["t_ms"]) <= t:
            last_t, last_cad = int(steps[i]["t_ms"]), int(steps[i].get("cadence_spm", 0))
            i += 1
        out.append(Sample(t, last_cad if t - last_t <= CADENCE_HOLD_MS else 0))
    return out


def paused(events: Sequence[Event], duration_ms: int) -> list[tuple[int, int]]:
    """When the plan's timer stood, ``(from_ms, to_ms)``: from a pause of the button, or a
    fall while the plan ran, to the resume (the coach's buzzes say so). FIT and TCX count
    a lap's timer time without them, as a watch does."""
    spans: list[tuple[int, int]] = []
    since: int | None = None
    done = False  # the plan ran out (its session_end buzz): nothing pauses any more
    for e in sorted((e for e in events if e.get("type") == "buzz"), key=lambda e: e["t_ms"]):
        pattern, t = e.get("pattern"), int(e["t_ms"])
        if pattern == "session_end":
            done = True
        elif pattern in ("pause", "fall") and since is None and not done:
            since = t
        elif pattern == "resume" and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, duration_ms))
    return spans


def timer_s(start_ms: int, end_ms: int, spans: Sequence[tuple[int, int]]) -> float:
    """Seconds from ``start_ms`` to ``end_ms`` the timer ran (outside the paused spans)."""
    stood = sum(max(0, min(end_ms, b) - max(start_ms, a)) for a, b in spans)
    return (end_ms - start_ms - stood) / 1000


def laps(s: Summary) -> list[Interval]:
    """The laps: one per interval (a session without a plan is a single lap)."""
    return [iv for iv in s.intervals if iv.end_ms > iv.start_ms] or s.intervals[:1]


def lap_name(iv: Interval) -> str:
    return f"{iv.index + 1} {iv.kind or 'run'}"


def strides_per_min(spm: int) -> int:
    """TCX cadence: whole strides (two steps) per minute, a half stride rounded up."""
    return (spm + 1) // 2


def fit_cadence(spm: int) -> tuple[int, float]:
    """FIT cadence: whole strides per minute and the half stride, which FIT keeps apart
    (``fractional_cadence``), so 171 steps/min is 85.5, not 86."""
    return spm // 2, (spm % 2) / 2


def file_serial(events: Sequence[Event]) -> int:
    """32 bits of the events' sha256 for the FIT file id: two sessions never share one
    (Garmin Connect refuses a file id it has seen), one session always gets the same."""
    text = json.dumps(list(events), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") or 1


# --- FIT -------------------------------------------------------------------------------

_INTENSITY = {
    "warmup": "WARMUP",
    "cooldown": "COOLDOWN",
    "rest": "REST",
    "forward": "ACTIVE",
    "backward": "INTERVAL",
}


def to_fit(s: Summary, events: Sequence[Event], start: dt.datetime) -> bytes:
    """A FIT activity: file_id, device_info, workout steps naming the laps, records, laps,
    session and activity, with timer start/stop events, built by ``fit-tool``."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import (
        Activity,
        EventType,
        FileType,
        Intensity,
        LapTrigger,
        Manufacturer,
        SessionTrigger,
        Sport,
        SubSport,
    )
    from fit_tool.profile.profile_type import (
        Event as FitEvent,
    )

    t0 = round(start.timestamp() * 1000)
    duration_ms = round(s.duration_s * 1000)
    end = t0 + duration_ms
    run_laps = laps(s)
    cads = [int(e["cadence_spm"]) for e in steps_of(events) if e.get("cadence_spm")]
    b = FitFileBuilder(auto_define=True, min_string_size=16)
    device = {"manufacturer": Manufacturer.DEVELOPMENT.value, "product": 1}
    b.add(
        _fit(
            FileIdMessage(),
            type=FileType.ACTIVITY,
            time_created=t0,
            serial_number=file_serial(events),
            product_name="RetroStride",
            **device,
        )
    )
    b.add(
        _fit(
            DeviceInfoMessage(),
            timestamp=t0,
            device_index=0,
            software_version=0.1,
            product_name="RetroStride",
            **device,
        )
    )
    b.add(
        _fit(
            WorkoutMessage(),
            sport=Sport.RUNNING,
            num_valid_steps=len(run_laps),
            wkt_name=(s.plan or "free run")[:15],
        )
    )
    for n, iv in enumerate(run_laps):
        b.add(
            _fit(
                WorkoutStepMessage(),
                message_index=n,
                wkt_step_name=lap_name(iv)[:15],
                intensity=Intensity[_INTENSITY.get(iv.kind or "", "ACTIVE")],
            )
        )
    stood = paused(events, duration_ms)
    timer = [(0, EventType.START)]  # the timer's events, in time order with the records
    for a, z in stood:
        timer.append((a, EventType.STOP_ALL))
        if z < duration_ms:  # else paused to the end
            timer.append((z, EventType.START))
    if not stood or stood[-1][1] < duration_ms:
        timer.append((duration_ms, EventType.STOP_ALL))
    messages = []
    for smp in samples(events, duration_ms):
        while timer and timer[0][0] <= smp.t_ms and timer[0][0] < duration_ms:
            messages.append(_timer_event(t0, *timer.pop(0)))
        whole, half = fit_cadence(smp.cadence_spm)
        messages.append(
            _fit(RecordMessage(), timestamp=t0 + smp.t_ms, cadence=whole, fractional_cadence=half)
        )
    messages += [_timer_event(t0, *ev) for ev in timer]
    b.add_all(messages)
    for n, iv in enumerate(run_laps):
        whole, half = fit_cadence(iv.cadence_spm)
        b.add(
            _fit(
                LapMessage(),
                message_index=n,
                timestamp=t0 + iv.end_ms,
                start_time=t0 + iv.start_ms,
                total_elapsed_time=iv.duration_s,
                total_timer_time=timer_s(iv.start_ms, iv.end_ms, stood),
                event=FitEvent.LAP,
                event_type=EventType.STOP,
                lap_trigger=LapTrigger.TIME if s.planned else LapTrigger.SESSION_END,
                sport=Sport.RUNNING,
                sub_sport=SubSport.GENERIC,
                intensity=Intensity[_INTENSITY.get(iv.kind or "", "ACTIVE")],
                wkt_step_index=n,
                total_strides=iv.steps // 2,
                avg_running_cadence=whole,
                avg_fractional_cadence=half,
            )
        )
    whole, half = fit_cadence(round(sum(cads) / len(cads)) if cads else 0)
    b.add(
        _fit(
            SessionMessage(),
            message_index=0,
            timestamp=end,
            start_time=t0,
            total_elapsed_time=duration_ms / 1000,
            total_timer_time=timer_s(0, duration_ms, stood),
            event=FitEvent.SESSION,
            event_type=EventType.STOP,
            trigger=SessionTrigger.ACTIVITY_END,
            sport=Sport.RUNNING,
            sub_sport=SubSport.GENERIC,
            first_lap_index=0,
            num_laps=len(run_laps),
            total_strides=sum(iv.steps // 2 for iv in run_laps),  # the laps add up to it
            avg_running_cadence=whole,
            avg_fractional_cadence=half,
        )
    )
    b.add(
        _fit(
            ActivityMessage(),
            timestamp=end,
            total_timer_time=timer_s(0, duration_ms, stood),
            num_sessions=1,
            type=Activity.MANUAL,
            event=FitEvent.ACTIVITY,
            event_type=EventType.STOP,
        )
    )
    data: bytes = b.build().to_bytes()
    return data


def _timer_event(t0: int, at_ms: int, kind: Any) -> Any:
    """A FIT timer event (start, or stop_all) ``at_ms`` into the session."""
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.profile_type import Event as FitEvent

    return _fit(EventMessage(), event=FitEvent.TIMER, event_type=kind, timestamp=t0 + at_ms)


def _fit(msg: Any, **fields: Any) -> Any:
    """Set FIT fields by profile name; a name the message lacks is a bug, not a silent no-op
    (fit-tool has no accessor for some fields, e.g. lap.wkt_step_index)."""
    for name, value in fields.items():
        if isinstance(getattr(type(msg), name, None), property):
            setattr(msg, name, value)  # handles scale, enums, subfields, timestamps
            continue
        fld = msg.get_field_by_name(name)
        if fld is None:
            raise ValueError(f"FIT {type(msg).__name__} has no field {name!r}")
        fld.set_value(0, value)
    return msg


# --- TCX -------------------------------------------------------------------------------

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TCX_MAX_STEPS = 65535  # a lap's Steps is an unsignedShort (ActivityExtension v2)


def _iso(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


def to_tcx(s: Summary, events: Sequence[Event], start: dt.datetime) -> bytes:
    """A TCX activity: one Lap per interval, one Trackpoint per second with RunCadence."""
    ET.register_namespace("", TCX_NS)
    ET.register_namespace("ax", AX_NS)
    ET.register_namespace("xsi", XSI_NS)

    def tag(name: str, ns: str = TCX_NS) -> str:
        return f"{{{ns}}}{name}"

    def sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        el = ET.SubElement(parent, tag(name))
        if text is not None:
            el.text = text
        return el

    root = ET.Element(tag("TrainingCenterDatabase"))
    root.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{TCX_NS} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd",
    )
    activity = sub(sub(root, "Activities"), "Activity")
    activity.set("Sport", "Running")
    sub(activity, "Id", _iso(start))
    duration_ms = round(s.duration_s * 1000)
    all_samples = samples(events, duration_ms)
    stood = paused(events, duration_ms)
    run_laps = laps(s)
    for n, iv in enumerate(run_laps):
        lap = sub(activity, "Lap")
        lap.set("StartTime", _iso(start + dt.timedelta(milliseconds=iv.start_ms)))
        sub(lap, "TotalTimeSeconds", f"{timer_s(iv.start_ms, iv.end_ms, stood):.1f}")
        sub(lap, "DistanceMeters", "0")
        sub(lap, "Calories", "0")
        sub(lap, "Intensity", "Resting" if iv.kind == "rest" else "Active")
        sub(lap, "TriggerMethod", "Time" if s.planned else "Manual")
        last = n == len(run_laps) - 1
        points = [
            smp
            for smp in all_samples
            if iv.start_ms <= smp.t_ms < iv.end_ms or (last and smp.t_ms == iv.end_ms)
        ]
        if points:  # a Track holds at least one Trackpoint (the schema)
            track = sub(lap, "Track")
            for smp in points:
                tp = sub(track, "Trackpoint")
                sub(tp, "Time", _iso(start + dt.timedelta(milliseconds=smp.t_ms)))
                tpx = ET.SubElement(sub(tp, "Extensions"), tag("TPX", AX_NS))
                ET.SubElement(tpx, tag("RunCadence", AX_NS)).text = str(
                    strides_per_min(smp.cadence_spm)
                )
        sub(lap, "Notes", f"{lap_name(iv)}: {iv.steps} steps, {iv.backward_steps} backward")
        lx = ET.SubElement(sub(lap, "Extensions"), tag("LX", AX_NS))
        ET.SubElement(lx, tag("AvgRunCadence", AX_NS)).text = str(strides_per_min(iv.cadence_spm))
        if iv.steps <= TCX_MAX_STEPS:
            ET.SubElement(lx, tag("Steps", AX_NS)).text = str(iv.steps)
    sub(
        activity,
        "Notes",
        f"RetroStride session {s.session_id}" + (f", plan {s.plan}" if s.plan else ""),
    )
    creator = sub(activity, "Creator")
    creator.set(f"{{{XSI_NS}}}type", "Device_t")
    sub(creator, "Name", "RetroStride")
    sub(creator, "UnitId", "0")
    sub(creator, "ProductID", "0")
    version = sub(creator, "Version")
    sub(version, "VersionMajor", "0")
    sub(version, "VersionMinor", "1")
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


# --- GoldenCheetah CSV -----------------------------------------------------------------

# GoldenCheetah recognises its own CSV by this first line (CsvRideFile.cpp, "gc" type);
# one row per second, `interval` numbers the laps from 1.
GC_COLUMNS = [
    "secs",
    "cad",
    "hr",
    "km",
    "kph",
    "nm",
    "watts",
    "alt",
    "lon",
    "lat",
    "headwind",
    "slope",
    "temp",
    "interval",
    "lrbalance",
    "lte",
    "rte",
    "lps",
    "rps",
    "smo2",
    "thb",
    "o2hb",
    "hhb",
]


def to_csv(s: Summary, events: Sequence[Event]) -> bytes:
    """GoldenCheetah CSV: seconds, cadence (steps/min), interval number; the rest zero."""
    duration_ms = round(s.duration_s * 1000)
    run_laps = laps(s)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(GC_COLUMNS)
    for smp in samples(events, duration_ms):
        lap = next(
            (n for n, iv in enumerate(run_laps) if iv.start_ms <= smp.t_ms < iv.end_ms),
            len(run_laps) - 1,
        )
        row: dict[str, Any] = dict.fromkeys(GC_COLUMNS, 0)
        row.update(secs=smp.t_ms // 1000, cad=smp.cadence_spm, temp="", interval=lap + 1)
        w.writerow([row[c] for c in GC_COLUMNS])
    return buf.getvalue().encode("utf-8")


def export(
    events: Sequence[Event],
    fmt: str,
    session_id: str = "",
    session: dict[str, Any] | None = None,
) -> bytes:
    """The session in ``fmt`` (one of FORMATS)."""
    return export_summary(summarize(events, session_id, session), events, fmt)


def export_summary(s: Summary, events: Sequence[Event], fmt: str) -> bytes:
    """The summarized session ``s`` (of ``events``) in ``fmt``; ValueError if it is empty."""
    if s.duration_s < 1:
        raise ValueError(f"session {s.session_id or '?'} is empty: nothing to export")
    # whole seconds: FIT times are, and a half second would give two records one time
    start = (s.start or FALLBACK_START).replace(microsecond=0)
    if fmt == "fit":
        return to_fit(s, events, start)
    if fmt == "tcx":
        return to_tcx(s, events, start)
    if fmt == "csv":
        return to_csv(s, events)
    raise ValueError(fmt)


def default_name(session_id: str, fmt: str, start: dt.datetime | None = None) -> Path:
    """``retrostride-ID.FMT``; a CSV starts with its date and time (``20261130_081600_``),
    the only place GoldenCheetah reads a CSV's date from."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in session_id) or "session"
    when = f"{start.astimezone(dt.UTC):%Y%m%d_%H%M%S}_" if fmt == "csv" and start else ""
    return Path(f"{when}retrostride-{safe}.{fmt}")
