"""A session's story for the runner: a text summary, PNG plots and one HTML page.

Everything here works on plain event lists (shared/contracts/events.md), so the
same code serves the session store, a JSON Lines file and the tests. The
per-interval figures are recomputed from the step events; the device's own
``session_end`` totals win where present, because they are what the runner felt.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen: render straight to PNG

import matplotlib.pyplot as plt
from matplotlib import dates as mdates
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from host_tools.errors import UsageError
from host_tools.paths import read_text
from host_tools.store import open_store

Event = dict[str, Any]

# The runner reads colour before text: one hue per direction, one tint per interval kind.
DIRECTION_COLOURS = {"forward": "#1f63b4", "backward": "#e0600b", "unknown": "#8c8c8c"}
KIND_COLOURS = {
    "warmup": "#fff1b8",
    "forward": "#d6e6fa",
    "backward": "#fddcc4",
    "rest": "#e6e6e6",
    "cooldown": "#d9f0d3",
}
ASKED_DIRECTION = {
    "warmup": "forward",
    "forward": "forward",
    "backward": "backward",
    "cooldown": "forward",
}
# A step "covers" the time to the next one, but not across a stop.
MAX_STEP_GAP_MS = 1500


@dataclass(frozen=True)
class Interval:
    """One plan step as run: when, what was asked, what the feet did."""

    index: int
    kind: str | None  # None: a session without a plan
    start_ms: int
    end_ms: int
    steps: int = 0
    forward_steps: int = 0
    backward_steps: int = 0
    backward_s: float = 0.0
    cadence_spm: int = 0  # mean of the steps' cadence
    reported_compliance: float | None = None  # the device's own figure, from session_end

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000

    @property
    def decided_steps(self) -> int:
        """Steps with a direction (not ``unknown``): what compliance is counted over."""
        return self.forward_steps + self.backward_steps

    @property
    def compliance(self) -> float | None:
        """Share of the steps with a decided direction that went the asked way; None
        where no direction is asked or none was decided.

        The device's figure wins: it is what the coach judged and what progression reads.
        """
        if self.reported_compliance is not None:
            return self.reported_compliance
        asked = ASKED_DIRECTION.get(self.kind or "")
        if asked is None or self.decided_steps == 0:
            return None
        hits = self.backward_steps if asked == "backward" else self.forward_steps
        return hits / self.decided_steps


@dataclass(frozen=True)
class Summary:
    """The figures a report and an export need of one session."""

    session_id: str
    plan: str | None
    start: dt.datetime | None
    duration_s: float
    steps: int
    backward_steps: int
    backward_s: float
    intervals: list[Interval]
    warnings: list[tuple[int, str]] = field(default_factory=list)
    falls: list[int] = field(default_factory=list)
    planned: bool = True
    start_is_sync_time: bool = False  # no wall clock on the device: the day it was stored

    @property
    def compliance(self) -> float | None:
        """Share of decided steps in the asked direction over all intervals that ask one."""
        asked = [
            (iv.compliance, iv.decided_steps) for iv in self.intervals if iv.compliance is not None
        ]
        total = sum(n for _, n in asked)
        if not total:
            return None
        return sum((c or 0.0) * n for c, n in asked) / total


def steps_of(events: Iterable[Event]) -> list[Event]:
    """Step events ordered by contact time (they are emitted when decided, so may lag)."""
    return sorted((e for e in events if e.get("type") == "step"), key=lambda e: int(e["t_ms"]))


def end_ms(events: Sequence[Event]) -> int:
    for e in events:
        if e.get("type") == "session_end":
            return int(e["t_ms"])
    return max((int(e.get("t_ms", 0)) for e in events), default=0)


def _step_spans(steps: Sequence[Event], end: int) -> list[tuple[Event, int]]:
    """Each step with the milliseconds it covers (to the next step, capped at a stop)."""
    spans = []
    for i, s in enumerate(steps):
        nxt = int(steps[i + 1]["t_ms"]) if i + 1 < len(steps) else end
        spans.append((s, max(0, min(nxt - int(s["t_ms"]), MAX_STEP_GAP_MS))))
    return spans


def intervals_of(events: Sequence[Event]) -> list[Interval]:
    """The intervals as run; a session without a plan is one interval of kind None."""
    end = end_ms(events)
    marks = sorted((e for e in events if e.get("type") == "interval"), key=lambda e: int(e["t_ms"]))
    bounds: list[tuple[int, str | None, int]] = [
        (int(e.get("index", i)), str(e.get("kind")), int(e["t_ms"])) for i, e in enumerate(marks)
    ]
    if not bounds:
        bounds = [(0, None, 0)]
    elif bounds[0][2] > 0:
        # the plan starts at t=0; anything before its first event belongs to it
        bounds[0] = (bounds[0][0], bounds[0][1], 0)
    spans = _step_spans(steps_of(events), end)
    out = []
    for n, (index, kind, start) in enumerate(bounds):
        stop = bounds[n + 1][2] if n + 1 < len(bounds) else max(end, start)
        last = n + 1 == len(bounds)  # the last interval keeps steps logged at the very end
        mine = [
            (s, ms)
            for s, ms in spans
            if start <= int(s["t_ms"]) and (last or int(s["t_ms"]) < stop)
        ]
        cad = [int(s.get("cadence_spm", 0)) for s, _ in mine if s.get("cadence_spm")]
        out.append(
            Interval(
                index=index,
                kind=kind,
                start_ms=start,
                end_ms=stop,
                steps=len(mine),
                forward_steps=sum(1 for s, _ in mine if s.get("direction") == "forward"),
                backward_steps=sum(1 for s, _ in mine if s.get("direction") == "backward"),
                backward_s=sum(ms for s, ms in mine if s.get("direction") == "backward") / 1000,
                cadence_spm=round(sum(cad) / len(cad)) if cad else 0,
            )
        )
    return out


def _parse_time(value: Any) -> dt.datetime | None:
    """A wall-clock start from a store row or event: ISO text or Unix seconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # ms or s since the epoch
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return None


START_KEYS = ("start", "started", "started_at", "start_time", "wall_start", "epoch_s", "unix_s")
STORED_KEYS = ("synced_at", "imported_at", "stored_at", "created_at")


def start_time(
    events: Sequence[Event], session: dict[str, Any] | None = None
) -> dt.datetime | None:
    """When the session began: an explicit start in the store's row, the log header or the
    session_start event; else when the store received it (the device has no wall clock,
    so for weekly progress the day it was synced is the best date there is)."""
    sources = _sources(events, session)
    return _first_time(START_KEYS, sources) or _first_time(STORED_KEYS, sources)


def _sources(events: Sequence[Event], session: dict[str, Any] | None) -> list[dict[str, Any]]:
    row = session or {}
    sources: list[dict[str, Any]] = [row]
    if isinstance(row.get("header"), dict):
        sources.append(row["header"])
    return sources + [e for e in events if e.get("type") == "session_start"]


def _first_time(keys: Sequence[str], sources: Sequence[dict[str, Any]]) -> dt.datetime | None:
    for src in sources:
        for key in keys:
            when = _parse_time(src.get(key))
            if when is not None:
                return when
    return None


def _with_device_figures(iv: Interval, end: Event) -> Interval:
    """Per-interval compliance (integer per cent) and backward seconds from ``session_end``."""
    comp, back = end.get("compliance"), end.get("interval_backward_s")
    if iv.kind is None:
        return iv
    if isinstance(comp, list) and iv.index < len(comp) and isinstance(comp[iv.index], int | float):
        iv = replace(iv, reported_compliance=comp[iv.index] / 100)
    if isinstance(back, list) and iv.index < len(back) and isinstance(back[iv.index], int | float):
        iv = replace(iv, backward_s=float(back[iv.index]))
    return iv


def summarize(
    events: Sequence[Event], session_id: str = "", session: dict[str, Any] | None = None
) -> Summary:
    """One session's figures; the device's ``session_end`` totals win where present."""
    ends = [e for e in events if e.get("type") == "session_end"]
    starts = [e for e in events if e.get("type") == "session_start"]
    summary_ev = ends[-1] if ends else {}
    intervals = [_with_device_figures(iv, summary_ev) for iv in intervals_of(events)]
    steps = steps_of(events)
    plan = summary_ev.get("plan") or (starts[0].get("plan") if starts else None)
    return Summary(
        session_id=session_id,
        plan=str(plan) if plan else None,
        start=start_time(events, session),
        duration_s=end_ms(events) / 1000,
        steps=int(summary_ev.get("steps", len(steps))),
        backward_steps=int(
            summary_ev.get("backward_steps", sum(iv.backward_steps for iv in intervals))
        ),
        backward_s=float(summary_ev.get("backward_s", sum(iv.backward_s for iv in intervals))),
        intervals=intervals,
        warnings=[
            (int(e["t_ms"]), str(e.get("reason", "?")))
            for e in events
            if e.get("type") == "warning"
        ],
        falls=[int(e["t_ms"]) for e in events if e.get("type") == "fall"],
        planned=any(e.get("type") == "interval" for e in events),
        start_is_sync_time=_first_time(START_KEYS, _sources(events, session)) is None,
    )


def clock(ms: float) -> str:
    """Session time as m:ss (or h:mm:ss), what a runner reads on a watch."""
    s = round(ms / 1000)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{round(x * 100)}%"


def interval_line(iv: Interval, count: int) -> str:
    """``interval 3 of 14: backward 30 s, 92% backward steps``."""
    kind = iv.kind or "session"
    head = f"interval {iv.index + 1} of {count}: {kind} {round(iv.duration_s)} s"
    asked = ASKED_DIRECTION.get(iv.kind or "")
    if iv.steps == 0:
        return f"{head}, no steps"
    if asked is None:
        return f"{head}, {iv.steps} steps ({iv.backward_steps} backward)"
    unknown = iv.steps - iv.decided_steps
    note = f", {unknown} without a direction" if unknown else ""
    return f"{head}, {_pct(iv.compliance)} {asked} steps ({iv.steps} steps{note})"


def format_text(s: Summary) -> str:
    """The summary printed on stdout."""
    lines = [f"session {s.session_id}" + (f" ({s.plan})" if s.plan else "")]
    if s.start and s.start_is_sync_time:
        lines.append(f"stored     {s.start:%Y-%m-%d %H:%M} UTC (the device keeps no date)")
    elif s.start:
        lines.append(f"started    {s.start:%Y-%m-%d %H:%M} UTC")
    lines += [
        f"duration   {clock(s.duration_s * 1000)}",
        f"steps      {s.steps} ({s.backward_steps} backward)",
        f"backward   {s.backward_s / 60:.1f} min",
        f"compliance {_pct(s.compliance)} of steps in the asked direction",
    ]
    if s.planned:
        lines.append("")
        lines += [interval_line(iv, len(s.intervals)) for iv in s.intervals]
    lines.append("")
    if s.warnings:
        lines.append(f"warnings  {len(s.warnings)}:")
        lines += [f"  {clock(t)} {reason}" for t, reason in s.warnings]
    else:
        lines.append("warnings  none")
    if s.falls:
        lines.append(f"falls     {len(s.falls)}: at " + ", ".join(clock(t) for t in s.falls))
    else:
        lines.append("falls     none")
    return "\n".join(lines)


# --- plots -----------------------------------------------------------------------------


def _time_unit(s: Summary) -> tuple[float, str]:
    """Milliseconds per axis unit and the axis label: seconds for short sessions."""
    if s.duration_s < 180:
        return 1000.0, "time into session (s)"
    return 60000.0, "time into session (min)"


def _shade(ax: Any, s: Summary) -> None:
    unit, _ = _time_unit(s)
    for iv in s.intervals:
        if iv.kind:
            ax.axvspan(
                iv.start_ms / unit,
                iv.end_ms / unit,
                color=KIND_COLOURS.get(iv.kind, "#ffffff"),
                zorder=0,
                lw=0,
            )


def _kind_legend(s: Summary) -> list[Patch]:
    kinds = [k for k in KIND_COLOURS if any(iv.kind == k for iv in s.intervals)]
    return [Patch(color=KIND_COLOURS[k], label=f"{k} interval") for k in kinds]


def _title(s: Summary, what: str) -> str:
    when = s.start.strftime(" %Y-%m-%d") if s.start else ""
    return f"{what} - session {s.session_id}{when}"


def plot_direction(s: Summary, events: Sequence[Event], path: Path) -> Path:
    """Every step as a tick in its direction's lane, over the shaded intervals."""
    fig, ax = plt.subplots(figsize=(11, 3.8), dpi=100)
    _shade(ax, s)
    unit, xlabel = _time_unit(s)
    lanes = {"forward": 1, "unknown": 0, "backward": -1}
    handles: list[Any] = []
    steps = steps_of(events)
    for d, y in lanes.items():
        xs = [int(e["t_ms"]) / unit for e in steps if e.get("direction") == d]
        h = ax.scatter(
            xs, [y] * len(xs), marker="|", s=220, color=DIRECTION_COLOURS[d], label=f"{d} step"
        )
        handles.append(h)
    for t, _reason in s.warnings:
        ax.scatter([t / unit], [1.6], marker="v", s=70, color="#c00000", zorder=5)
    for t in s.falls:
        ax.scatter([t / unit], [1.6], marker="X", s=120, color="black", zorder=6)
    if s.warnings:
        handles.append(Line2D([], [], ls="", marker="v", color="#c00000", label="warning"))
    if s.falls:
        handles.append(Line2D([], [], ls="", marker="X", color="black", label="fall"))
    ax.set_yticks([1, 0, -1], ["forward", "unknown", "backward"])
    ax.set_ylim(-1.6, 2.0)
    ax.set_xlim(0, max(s.duration_s * 1000 / unit, 0.1))
    ax.set_xlabel(xlabel)
    ax.set_title(_title(s, "Step direction over time"))
    ax.legend(
        handles=handles + _kind_legend(s),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_cadence(s: Summary, events: Sequence[Event], path: Path) -> Path:
    """Cadence of each step, coloured by direction, over the shaded intervals."""
    fig, ax = plt.subplots(figsize=(11, 3.8), dpi=100)
    _shade(ax, s)
    unit, xlabel = _time_unit(s)
    steps = [e for e in steps_of(events) if e.get("cadence_spm")]
    for d, colour in DIRECTION_COLOURS.items():
        mine = [e for e in steps if e.get("direction") == d]
        if mine:
            ax.scatter(
                [int(e["t_ms"]) / unit for e in mine],
                [int(e["cadence_spm"]) for e in mine],
                s=18 if len(steps) < 300 else 6,
                color=colour,
                label=f"{d} steps",
            )
    ax.set_xlim(0, max(s.duration_s * 1000 / unit, 0.1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cadence (steps/min)")
    ax.set_title(_title(s, "Cadence"))
    ax.grid(axis="y", alpha=0.4)
    handles = ax.get_legend_handles_labels()[0]
    ax.legend(
        handles=handles + _kind_legend(s),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
        markerscale=3,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_compliance(s: Summary, path: Path) -> Path:
    """One bar per interval: the share of its steps in the asked direction."""
    fig, ax = plt.subplots(figsize=(11, 3.8), dpi=100)
    ivs = [iv for iv in s.intervals if iv.compliance is not None]
    xs = [iv.index + 1 for iv in ivs]
    ys = [100 * (iv.compliance or 0) for iv in ivs]
    colours = [DIRECTION_COLOURS[ASKED_DIRECTION[iv.kind or "forward"]] for iv in ivs]
    bars = ax.bar(xs, ys, color=colours, width=0.7)
    for bar, iv in zip(bars, ivs, strict=True):
        ax.annotate(
            f"{round(100 * (iv.compliance or 0))}%",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.axhline(80, color="#444444", ls="--", lw=1)
    ax.set_ylim(0, 110)
    ax.set_xlabel("interval number")
    ax.set_ylabel("steps in the asked direction (%)")
    ax.set_xticks(xs)
    short = {"warmup": "warm", "backward": "back", "forward": "fwd", "cooldown": "cool"}
    ax.set_xticklabels(
        [f"{iv.index + 1}\n{short.get(iv.kind or '', iv.kind)}" for iv in ivs], fontsize=8
    )
    ax.set_title(_title(s, "Compliance per interval"))
    if not ivs:
        ax.text(0.5, 0.5, "no interval asked for a direction", ha="center", transform=ax.transAxes)
    ax.legend(
        handles=[
            Patch(color=DIRECTION_COLOURS["backward"], label="backward interval"),
            Patch(color=DIRECTION_COLOURS["forward"], label="forward / warm-up / cool-down"),
            Line2D([], [], color="#444444", ls="--", label="80% guide"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def iso_week(when: dt.datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def plot_progress(history: Sequence[Summary], path: Path, current: str = "") -> Path:
    """Backward minutes per ISO week, and each session's compliance, over all sessions."""
    dated = sorted((s for s in history if s.start), key=lambda s: s.start or dt.datetime.min)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6.5), dpi=100)
    weeks: dict[str, float] = {}
    for s in dated:
        assert s.start is not None
        weeks[iso_week(s.start)] = weeks.get(iso_week(s.start), 0.0) + s.backward_s / 60
    labels = list(weeks)
    if not labels:
        top.text(0.5, 0.5, "no dated sessions yet", ha="center", transform=top.transAxes)
        top.set_xticks([])
    top.bar(labels, [weeks[w] for w in labels], color=DIRECTION_COLOURS["backward"], width=0.6)
    for i, w in enumerate(labels):
        top.annotate(f"{weeks[w]:.1f}", (i, weeks[w]), ha="center", va="bottom", fontsize=8)
    top.set_ylabel("backward time (min)")
    top.set_xlabel("ISO week")
    top.set_title("Progress: backward minutes per week")
    top.set_ylim(0, max([*weeks.values(), 1.0]) * 1.2)
    pts = [(s.start, 100 * s.compliance, s.session_id) for s in dated if s.compliance is not None]
    if pts:
        bottom.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            marker="o",
            color=DIRECTION_COLOURS["forward"],
            label="compliance per session",
        )
        here = [p for p in pts if p[2] == current]
        if here:
            bottom.scatter(
                [here[0][0]],
                [here[0][1]],
                s=140,
                facecolors="none",
                edgecolors="#c00000",
                label="this session",
                zorder=5,
            )
        bottom.legend(loc="lower left", fontsize=8)
    else:
        bottom.text(
            0.5,
            0.5,
            "no dated sessions with intervals yet",
            ha="center",
            transform=bottom.transAxes,
        )
    bottom.set_ylim(0, 105)
    bottom.set_ylabel("steps in asked direction (%)")
    bottom.set_xlabel("session date")
    bottom.set_title("Progress: compliance trend")
    bottom.grid(alpha=0.4)
    if pts:
        # At least a fortnight around the sessions: one session alone would get an
        # axis of several years from matplotlib's autoscale.
        days = [p[0] for p in pts if p[0] is not None]
        pad = max(dt.timedelta(days=7), (days[-1] - days[0]) / 20)
        bottom.set_xlim(days[0] - pad, days[-1] + pad)
        locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_locator(locator)
        concise = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        bottom.xaxis.set_major_formatter(concise)
    else:
        bottom.set_xticks([])
    undated = len(history) - len(dated)
    if undated:
        fig.text(0.01, 0.01, f"{undated} session(s) without a start date are not shown", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# --- the page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pngs: dict[str, Path]


PLOT_TITLES = {
    "direction": "Step direction over time",
    "cadence": "Cadence",
    "compliance": "Compliance per interval",
    "progress": "Progress across sessions",
}


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(s: Summary, pngs: dict[str, Path]) -> str:
    """One self-contained page: the summary table and every plot inlined."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{iv.index + 1}</td><td>{esc(iv.kind or 'session')}</td>"
        f"<td>{clock(iv.start_ms)}</td><td>{round(iv.duration_s)} s</td>"
        f"<td>{iv.steps}</td><td>{iv.backward_steps}</td><td>{iv.backward_s:.0f} s</td>"
        f"<td>{_pct(iv.compliance)}</td></tr>"
        for iv in s.intervals
    )
    events = "".join(f"<li>{clock(t)} warning: {esc(r)}</li>" for t, r in s.warnings) + "".join(
        f"<li>{clock(t)} fall</li>" for t in s.falls
    )
    figures = "".join(
        f'<figure id="{name}"><img alt="{esc(PLOT_TITLES[name])}" src="{_data_uri(p)}">'
        f"<figcaption>{esc(PLOT_TITLES[name])}</figcaption></figure>"
        for name, p in pngs.items()
    )
    nav = " | ".join(f'<a href="#{n}">{esc(PLOT_TITLES[n])}</a>' for n in pngs)
    title = f"RetroStride session {esc(s.session_id)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:1150px;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}
img{{max-width:100%}}pre{{background:#f6f6f6;padding:.5em}}</style></head>
<body><h1>{title}</h1><nav>{nav}</nav>
<h2>Summary</h2><pre>{esc(format_text(s))}</pre>
<h2>Intervals</h2><table><tr><th>#</th><th>kind</th><th>start</th><th>length</th>
<th>steps</th><th>backward steps</th><th>backward time</th><th>compliance</th></tr>{rows}</table>
<h2>Warnings and falls</h2><ul>{events or "<li>none</li>"}</ul>
<h2>Plots</h2>{figures}
</body></html>
"""


def write_report(
    events: Sequence[Event],
    out_dir: Path,
    session_id: str,
    history: Sequence[Summary] = (),
    session: dict[str, Any] | None = None,
) -> tuple[Summary, ReportFiles]:
    """Write the PNGs and the HTML page for one session; ``history`` feeds the progress view."""
    s = summarize(events, session_id, session)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create report directory {out_dir}: {e.strerror or e}.") from e
    past = [h for h in history if h.session_id != session_id] + [s]
    pngs = {
        "direction": plot_direction(s, events, out_dir / "direction.png"),
        "cadence": plot_cadence(s, events, out_dir / "cadence.png"),
        "compliance": plot_compliance(s, out_dir / "compliance.png"),
        "progress": plot_progress(past, out_dir / "progress.png", session_id),
    }
    page = out_dir / "report.html"
    page.write_text(render_html(s, pngs), encoding="utf-8")
    return s, ReportFiles(page, pngs)


def read_events_jsonl(path: Path) -> list[Event]:
    """Events from a JSON Lines file (what ``replay`` or ``events`` prints)."""
    text = read_text(path, "events file")
    events: list[Event] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as err:
            raise UsageError(f"{path}:{n}: not a JSON event ({err.msg}).") from err
        if (
            not isinstance(event, dict)
            or "type" not in event
            or not isinstance(event.get("t_ms"), int)
        ):
            raise UsageError(f"{path}:{n}: an event needs 'type' and an integer 't_ms'.")
        events.append(event)
    return events


# --- where a session's events come from ------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A session's events, its store row (if any) and every stored session's summary."""

    session_id: str
    events: list[Event]
    row: dict[str, Any]
    history: list[Summary]


def load(session_id: str, db: Path | None, events_file: Path | None) -> Loaded:
    """The session from ``--events FILE.jsonl`` or from the session store."""
    if events_file is not None:
        events = read_events_jsonl(events_file)
        return Loaded(session_id, events, {}, [])
    return _load_from_store(session_id, db)


def _load_from_store(ref: str, db: Path | None) -> Loaded:
    """SESSION as ``retrostride events`` reads it: id, device session id or sha256 prefix."""
    with open_store(db, create=False) as store:
        session_id = store.resolve(ref)
        if session_id is None:
            raise UsageError(f"no stored session {ref!r}: 'retrostride sessions' lists them.")
        rows = store.sessions()
        history = [summarize(store.events(int(r["id"])), str(r["id"]), r) for r in rows]
        row = next(r for r in rows if int(r["id"]) == session_id)
        events = store.events(session_id)
    return Loaded(str(session_id), events, row, history)
