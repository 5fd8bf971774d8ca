"""Backward gait from forward recordings, by playing them in reverse.

Backward walking is close to forward walking played backwards (Grasso et al.
1998; shared/notes/science.md), and the only real trunk data we have is
forward. Under time reversal the specific force keeps its sign,
``a(t) -> a(-t)``, and the angular rate flips, ``w(t) -> -w(-t)``.

Ground truth needs care: a *contact* of the reversed trace is a *lift-off* of
the original one. In walking a foot lifts off one double-support time after
the other foot's contact, about 10-12 % of the stride, i.e. about a fifth of a
step interval (~0.1 s at normal cadence). So each original contact at ``t_k``
with local step interval ``T_k`` gives a reversed contact at
``end - (t_k + DOUBLE_SUPPORT_PER_STEP * T_k)`` (clamped to 60..160 ms). This
holds for the first contact of a bout too (the trailing foot leaves after it)
and the last one (the other foot leaves to close the stance).

Check against the detector (subjects 1-5): forward, the step's highest
vertical peak (the trailing leg's push-off) comes ~80-90 ms *before* the
labelled contact; with a double support of ~110 ms, reversal predicts that
peak ~200 ms *after* the reversed contact, and the offset fitted on the
reversed traces (``gait_model.SHIFT_BACKWARD_MS``) is -210 ms: the two agree
within a sample. ``python -m host_tools.timereverse --check FILES`` prints the
remaining offset between the core's dated contacts and these ground truths.

The other ways a recording is made into one we do not have are here too: at
another sample rate (``resampled``), from a clip worn another way
(``remounted``), from a clip worn elsewhere on the waistband (``relocated``), from
a board without a gyroscope (``accelerometer_only``), from an untrimmed
accelerometer and gyroscope (``miscalibrated``).

Run as ``python -m host_tools.timereverse IN.csv OUT.csv`` to write a reversed
trace that ``retrostride eval`` can read.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from host_tools.simulate import Mat, Vec, add, cross, rotate
from retrostride.trace import Trace, parse_lines

DOUBLE_SUPPORT_PER_STEP = 0.2  # double support / step interval (10 % of a stride)
_DS_MIN_MS = 60
_DS_MAX_MS = 160
_BOUT_GAP_MS = 2000
# The pelvis' own rotation, as gait kinematics are filtered (6 Hz): a sensor
# strapped to the skin also wobbles faster than that, and a rigid-body lever arm
# would multiply that wobble, which a clip elsewhere on the body does not share.
POSE_LOWPASS_HZ = 6.0
GAIT_BAND_HZ = (0.5, 8.0)  # a stride's harmonics: not posture, not the strap's wobble
_LABELS = {
    "walk_forward": "walk_backward",
    "run_forward": "run_backward",
    "walk_backward": "walk_forward",
    "run_backward": "run_forward",
}

Row = tuple[int, int | None, int | None, int | None, int | None, int | None, int | None,
            str | None, int | None]  # fmt: skip


def _neg(v: int | None) -> int | None:
    return None if v is None else -v


def lift_offs(contacts: Sequence[int]) -> list[int]:
    """Lift-off times implied by a sorted list of contact times (ms).

    Each contact ``t_k`` is followed by the other foot's lift-off one double
    support later; the double support scales with the local step interval.
    """
    out: list[int] = []
    for k, t in enumerate(contacts):
        gaps = [
            contacts[j + 1] - contacts[j]
            for j in (k - 1, k)
            if 0 <= j < len(contacts) - 1 and 0 < contacts[j + 1] - contacts[j] <= _BOUT_GAP_MS
        ]
        interval = sum(gaps) / len(gaps) if gaps else 550.0
        ds = min(_DS_MAX_MS, max(_DS_MIN_MS, round(DOUBLE_SUPPORT_PER_STEP * interval)))
        out.append(t + ds)
    return out


def reverse(trace: Trace) -> Trace:
    """The trace played backwards, with labels and ground-truth steps mapped.

    Times become ``end - t`` (rows re-sorted so time increases); acceleration
    is kept, angular rate negated; forward labels become backward ones (turn,
    still, fall, other are unchanged); contacts are the original lift-offs.
    """
    rows: list[Row] = list(trace.rows)
    out = _empty_like(trace, trace.name + " (time-reversed)")
    out.meta["source"] = trace.meta.get("source", trace.name) + "; time-reversed"
    if not rows:
        return out
    end = rows[-1][0]
    contacts = [r[0] for r in rows if r[8] == 1]
    new_contacts = sorted(end - t for t in lift_offs(contacts) if t <= end)
    times = [end - r[0] for r in reversed(rows)]
    marks: set[int] = set()
    j = 0
    for c in new_contacts:  # the sample nearest each new contact
        while j + 1 < len(times) and abs(times[j + 1] - c) <= abs(times[j] - c):
            j += 1
        marks.add(j)
    for i, r in enumerate(reversed(rows)):
        label = _LABELS.get(r[7] or "", r[7])
        step = (1 if i in marks else 0) if trace.has_step else None
        out.rows.append(
            (times[i], r[1], r[2], r[3], _neg(r[4]), _neg(r[5]), _neg(r[6]), label, step)
        )
    return out


def resampled(trace: Trace, rate_hz: int) -> Trace:
    """The trace at another sample rate (IMUs run at 50-208 Hz): linear interpolation,
    each labelled step on its nearest sample."""
    rows = trace.rows
    out = _empty_like(trace)
    out.meta["rate_hz"] = str(rate_hz)
    out.nominal_hz = rate_hz
    period = 1000 // rate_hz
    steps = [r[0] for r in rows if r[8] == 1]
    j = k = 0
    for t in range(rows[0][0], rows[-1][0] + 1, period):
        while j + 1 < len(rows) and rows[j + 1][0] <= t:
            j += 1
        a, b = rows[j], rows[min(j + 1, len(rows) - 1)]
        f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0.0
        vals = [None if x is None or y is None else round(x + f * (y - x))
                for x, y in zip(a[1:7], b[1:7], strict=True)]  # fmt: skip
        step = 0
        while k < len(steps) and steps[k] < t + period / 2:
            step = 1
            k += 1
        out.rows.append((t, *vals, a[7], step))
    return out


def remounted(trace: Trace, m: Mat) -> Trace:
    """The trace as a sensor turned by ``m`` would have recorded it: the clip worn
    another way (both vectors turn alike; times, labels and steps are kept)."""
    out = _empty_like(trace)
    for r in trace.rows:
        out.rows.append((r[0], *_turned(m, r[1:4]), *_turned(m, r[4:7]), r[7], r[8]))
    return out


def relocated(trace: Trace, offset_m: Vec) -> Trace:
    """The trace as a sensor fixed ``offset_m`` (metres, in the sensor's own axes)
    away on the same rigid body would have recorded it: a clip on the front or side
    of the waistband instead of at the back.

    The specific force gains the lever arm's ``alpha x d + w x (w x d)``, with ``w``
    the gyroscope's rate low-passed at ``POSE_LOWPASS_HZ`` (zero-phase) and ``alpha``
    its derivative; the rates are the same anywhere on a rigid body. Samples with a
    missing reading are kept as they were. Needs a gyroscope.
    """
    if not trace.has_gyro:
        raise ValueError(f"{trace.name}: moving the sensor needs its gyroscope")
    rows = trace.rows
    rate = trace.rate_hz()
    w = _body_rates(trace, rate)
    out = _empty_like(trace)
    for i, r in enumerate(rows):
        acc = _known(r[1:4])
        if acc is None or _known(r[4:7]) is None:
            out.rows.append(r)
            continue
        rate_i = (w[0][i], w[1][i], w[2][i])
        alpha = (_slope(rows, w[0], i), _slope(rows, w[1], i), _slope(rows, w[2], i))
        lever = add(cross(alpha, offset_m), cross(rate_i, cross(rate_i, offset_m)))
        moved = (v + round(1000 * x) for v, x in zip(acc, lever, strict=True))
        out.rows.append((r[0], *moved, *r[4:]))
    return out


def ipol_offset(trace: Trace, forward_m: float, left_m: float) -> Vec:
    """``forward_m`` ahead of and ``left_m`` left of an IPOL recording's lower-back
    sensor, in that sensor's axes.

    Up is gravity while the trace says ``still``. The sensor's z axis points out of
    the back: along it, the horizontal acceleration averaged over the labelled
    contacts rises to its highest and drops sharply about when the trunk's impact
    shows (docs/detection.md), which is what forward acceleration does at heel
    strike (Zijlstra & Hof 2003) with z pointing backward, not forward.
    """
    still = [a for r in trace.rows if r[7] == "still" and (a := _known(r[1:4])) is not None]
    if not still:
        raise ValueError(f"{trace.name}: no standing still to find the vertical from")
    up = _unit([sum(a[k] for a in still) for k in range(3)])
    fwd = _unit(add(_scaled(up, up[2]), (0.0, 0.0, -1.0)))  # -z, made horizontal
    return add(_scaled(fwd, forward_m), _scaled(cross(up, fwd), left_m))


def yaw_axis_offset(trace: Trace) -> Vec:
    """Where the sensor sat from the axis the body yawed about while walking or
    running: a horizontal vector in the sensor's own axes, metres.

    A yaw acceleration ``alpha`` about the vertical pushes a point ``d`` off the axis
    by ``alpha x d``: sideways for a point ahead of the axis, fore and aft for one
    beside it. So the horizontal acceleration regressed on the yaw acceleration,
    both band-passed to ``GAIT_BAND_HZ``, is ``up x d``, and that does not need to
    know which way is forward. On IPOL the back reads ~0.17 m behind the axis
    (docs/detection.md, "Worn elsewhere on the waistband"). Needs a gyroscope.
    """
    if not trace.has_gyro:
        raise ValueError(f"{trace.name}: the yaw needs the gyroscope")
    rows = trace.rows
    # _LABELS' keys are the walking and running labels
    moving = [r[7] in _LABELS and _known(r[1:4]) is not None and _known(r[4:7]) is not None
              for r in rows]  # fmt: skip
    if not any(moving):
        raise ValueError(f"{trace.name}: no samples labelled walking or running")
    rate = trace.rate_hz()
    acc = [_held([r[1 + k] for r in rows]) for k in range(3)]
    up = _unit([sum(a for a, m in zip(acc[k], moving, strict=True) if m) for k in range(3)])
    w = _body_rates(trace, rate)
    yaw = _along(w, up)
    alpha = _band([_slope(rows, yaw, i) for i in range(len(rows))], rate)
    vertical = _along(acc, up)
    level = [_band([a - v * up[k] for a, v in zip(acc[k], vertical, strict=True)], rate)
             for k in range(3)]  # fmt: skip
    norm = sum(x * x for x, m in zip(alpha, moving, strict=True) if m)
    b = [sum(h * x for h, x, m in zip(level[k], alpha, moving, strict=True) if m) / norm
         for k in range(3)]  # fmt: skip
    return cross((b[0], b[1], b[2]), up)


def _body_rates(trace: Trace, rate_hz: float) -> list[list[float]]:
    """The gyroscope's three rates (rad/s) as the pelvis turns: low-passed at
    ``POSE_LOWPASS_HZ``, zero-phase, a missing reading holding the one before."""
    rows = trace.rows
    return [_lowpass(_held([r[4 + k] for r in rows]), rate_hz, POSE_LOWPASS_HZ) for k in range(3)]


def _along(xyz: Sequence[Sequence[float]], u: Vec) -> list[float]:
    """Per sample, the three series' component along ``u``."""
    return [x * u[0] + y * u[1] + z * u[2] for x, y, z in zip(*xyz, strict=True)]


def _slope(rows: Sequence[Row], xs: Sequence[float], i: int) -> float:
    """d xs / dt at row ``i`` (per second), from its neighbours."""
    lo, hi = max(i - 1, 0), min(i + 1, len(rows) - 1)
    return (xs[hi] - xs[lo]) / ((rows[hi][0] - rows[lo][0]) / 1000 or 1.0)


def _band(xs: Sequence[float], rate_hz: float) -> list[float]:
    lo, hi = GAIT_BAND_HZ
    fast = _lowpass(xs, rate_hz, hi)
    return [a - b for a, b in zip(fast, _lowpass(fast, rate_hz, lo), strict=True)]


def _lowpass(xs: Sequence[float], rate_hz: float, cut_hz: float) -> list[float]:
    """Second-order Butterworth low-pass run forwards then backwards (no lag)."""
    k = math.tan(math.pi * cut_hz / rate_hz)
    norm = 1 / (1 + math.sqrt(2) * k + k * k)
    b0 = k * k * norm
    a1 = 2 * (k * k - 1) * norm
    a2 = (1 - math.sqrt(2) * k + k * k) * norm

    def run(seq: Sequence[float]) -> list[float]:
        out: list[float] = []
        x1 = x2 = y1 = y2 = seq[0] if seq else 0.0  # settled on the first value
        for x in seq:
            y = b0 * (x + 2 * x1 + x2) - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, x, y1, y
            out.append(y)
        return out

    return run(run(xs)[::-1])[::-1]


def _held(xs: Sequence[int | None]) -> list[float]:
    """Milli-units as units, a missing reading holding the one before (0 at the start),
    so that a gap does not ring through the filter."""
    out: list[float] = []
    last = 0.0
    for x in xs:
        if x is not None:
            last = x / 1000
        out.append(last)
    return out


def _scaled(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def _known(v: Sequence[int | None]) -> tuple[int, int, int] | None:
    """A 3-reading as ints, or None when any is missing."""
    x, y, z = v
    return None if x is None or y is None or z is None else (x, y, z)


def _unit(v: Sequence[float]) -> Vec:
    n = math.sqrt(sum(x * x for x in v))
    return (v[0] / n, v[1] / n, v[2] / n)


def accelerometer_only(trace: Trace) -> Trace:
    """The trace as a board without a gyroscope would have recorded it."""
    out = _empty_like(trace)
    out.has_gyro = False
    out.rows = [(r[0], r[1], r[2], r[3], None, None, None, r[7], r[8]) for r in trace.rows]
    return out


def miscalibrated(
    trace: Trace, bias_mm: int, noise_mm: int, seed: int, gyro_bias_mrad: int = 0
) -> Trace:
    """The trace as a cheaper, untrimmed IMU would have recorded it: a fixed offset
    on each accelerometer axis (drawn up to ``bias_mm`` mm/s^2 either way; an
    MPU-6050's zero-g offset is up to 50-80 mg), white noise of ``noise_mm``, and a
    fixed offset on each gyroscope axis (up to ``gyro_bias_mrad`` mrad/s either way;
    an MPU-6050's zero-rate offset is up to 20 deg/s, 349 mrad/s)."""
    rng = random.Random(seed)
    bias = [round(rng.uniform(-bias_mm, bias_mm)) for _ in range(3)]
    zero_rate = (  # drawn only when asked, so the accelerometer's draws stay as they were
        [round(rng.uniform(-gyro_bias_mrad, gyro_bias_mrad)) for _ in range(3)]
        if gyro_bias_mrad
        else [0, 0, 0]
    )
    out = _empty_like(trace)
    for r in trace.rows:
        acc = [None if v is None else v + b + round(rng.gauss(0, noise_mm))
               for v, b in zip(r[1:4], bias, strict=True)]  # fmt: skip
        gyro = [None if v is None else v + b for v, b in zip(r[4:7], zero_rate, strict=True)]
        out.rows.append((r[0], *acc, *gyro, *r[7:]))
    return out


def _turned(m: Mat, v: Sequence[int | None]) -> tuple[int | None, ...]:
    """``m @ v`` in whole units; a reading with a nan component stays unreadable."""
    known = _known(v)
    if known is None:
        return (None, None, None)
    return tuple(round(x) for x in rotate(m, known))


def _empty_like(trace: Trace, name: str | None = None) -> Trace:
    """A trace with ``trace``'s metadata, rate and columns, and no rows yet."""
    out = Trace(trace.name if name is None else name)
    out.meta = dict(trace.meta)
    out.nominal_hz = trace.nominal_hz
    out.has_gyro, out.has_label, out.has_step = trace.has_gyro, trace.has_label, trace.has_step
    return out


def _milli(v: int | None) -> str:
    if v is None:
        return "nan"
    sign = "-" if v < 0 else ""
    whole, frac = divmod(abs(v), 1000)
    return f"{sign}{whole}.{frac:03d}"


def to_text(trace: Trace) -> str:
    """The trace as retrostride-trace v1 CSV text (values exact to the thousandth)."""
    lines = ["# retrostride-trace v1"]
    lines += [f"# {k}: {v}" for k, v in trace.meta.items()]
    cols = ["t_ms", "ax", "ay", "az"]
    if trace.has_gyro:
        cols += ["gx", "gy", "gz"]
    if trace.has_label:
        cols.append("label")
    if trace.has_step:
        cols.append("step")
    lines.append(",".join(cols))
    for r in trace.rows:
        f = [str(r[0]), _milli(r[1]), _milli(r[2]), _milli(r[3])]
        if trace.has_gyro:
            f += [_milli(r[4]), _milli(r[5]), _milli(r[6])]
        if trace.has_label:
            f.append(r[7] or "")
        if trace.has_step:
            f.append(str(r[8] or 0))
        lines.append(",".join(f))
    return "\n".join(lines) + "\n"


def load(path: Path) -> Trace:
    """Parse a trace file (errors name file and line)."""
    return parse_lines(path.read_text(encoding="utf-8").splitlines(), str(path))


def _check(paths: Sequence[Path]) -> None:
    """Median signed offset (detected - truth, ms) forward and reversed."""
    from host_tools.evaluate import match, truth_of
    from host_tools.replay import replay_cpython

    for name in ("forward", "reversed"):
        offsets: list[int] = []
        for p in paths:
            tr = load(p) if name == "forward" else reverse(load(p))
            found = sorted(e["t_ms"] for e in replay_cpython(to_text(tr), p.name)
                           if e["type"] == "step")  # fmt: skip
            truth = truth_of(tr).t_ms
            for i, j in enumerate(match(truth, found, 150)):
                if j is not None:
                    offsets.append(found[j] - truth[i])
        offsets.sort()
        if offsets:
            q = len(offsets) // 4
            print(f"{name}: n={len(offsets)} detected-truth median {offsets[len(offsets) // 2]} ms,"
                  f" IQR {offsets[q]}..{offsets[3 * q]} ms")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a time-reversed copy of a trace.")
    ap.add_argument("paths", type=Path, nargs="+")
    ap.add_argument("--check", action="store_true", help="compare truth with detected contacts")
    args = ap.parse_args(argv)
    if args.check:
        _check(args.paths)
        return 0
    if len(args.paths) != 2:
        print("usage: timereverse IN.csv OUT.csv", file=sys.stderr)
        return 2
    args.paths[1].write_text(to_text(reverse(load(args.paths[0]))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
