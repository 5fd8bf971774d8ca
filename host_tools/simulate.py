"""Synthetic, labelled waist/lower-back IMU traces of walking and running, forward and backward.

Why: real trunk data exists only for forward walking (``shared/data/ipol-gait``);
running and backward running must be simulated to tune and check the step
detector and the direction/gait classifier. The model is documented in
``docs/simulator.md``; this docstring is its short form.

Model (body frame x forward, y left, z up; ``u`` = continuous step count):

* **Walking** (inverted pendulum): vertical centre-of-mass acceleration is two
  wrapped Gaussian peaks in double support -- loading just after contact
  (phase 0.06) and push-off at the opposite toe-off (phase ``ds`` ~0.2) --
  and a broad trough in single support whose area cancels them exactly, so the
  mean over a step is zero (no vertical drift). Antero-posterior: braking after
  contact, propulsion before the next (a sinusoid at step frequency plus a
  harmonic). Medio-lateral: ``M sin(pi u)`` (stride frequency, towards the
  stance leg). Trunk pitch at step frequency, roll and yaw at stride frequency.
* **Running** (spring-mass): stance of duty ``D = t_contact / T`` with vertical
  specific force ``P sin(pi s**gamma)**k`` (``gamma < 1``: hard landing, soft
  take-off), an optional heel-strike transient, and a flight phase of zero
  specific force (free fall, i.e. -g relative). ``k`` is chosen per runner so
  the peak upward acceleration matches the target (forward ~13.2 m/s^2,
  backward ~15.7 m/s^2, Cavagna et al. 2011/2012); ``P`` is then set per step
  by the impulse-momentum balance (mean specific force = g). AP: braking then
  propulsion during stance only.
* **Backward** gait is the forward pattern of the same runner played in
  reverse (Grasso 1998, Lee 2013): the forward profile is evaluated at
  ``u' = e - u`` where ``e`` is the phase of the forward gait's other event
  (toe-off in running, opposite toe-off in walking), so accelerations keep
  their sign (a(t) -> a(-t)) and angular rates flip (w -> -w(-t)); the
  reversed hard landing becomes the soft landing--hard take-off. On top come
  backward's own numbers (Cavagna; Wright & Weyand 2001): higher cadence,
  longer flight (0.098 vs 0.072 s), shorter contact, higher peak. The trunk
  leans forward in both directions, drawn from the same distribution.
* **Other activities**: standing (postural sway), fidgeting (bends, twists,
  weight shifts, arm-like torso swinging, no steps), U-turns (yaw of pi over
  1-2 s with a few reduced walking steps and centripetal acceleration).
* **Sensor**: a random mounting (one of the 24 axis-aligned clip orientations
  tilted up to 30 deg, or a uniformly random rotation), per-axis bias and scale
  error, white noise, sample-time jitter, saturation at a configurable range,
  and an accelerometer-only variant. Everything is drawn from
  ``random.Random(seed)``: the same arguments give byte-identical output.

Simplifications are listed in ``docs/simulator.md``: small-angle trunk
kinematics, no sensor lever arm in gait, no spectral detail beyond the shapes
above, and parameter ranges chosen from the literature, not fitted to data.
"""

from __future__ import annotations

import bisect
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TextIO

G = 9.80665
GYRO_RANGE = math.radians(2000.0)
VERSION = "2"

GAITS = ("walk", "run")
CADENCE_RANGE = {
    "walk_forward": (80.0, 130.0),
    "walk_backward": (80.0, 130.0),
    "run_forward": (150.0, 190.0),
    "run_backward": (170.0, 230.0),
}
DIRECTIONS = ("forward", "backward", "mixed")

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]


def _u(rng: random.Random, lo: float, hi: float) -> float:
    return lo + (hi - lo) * rng.random()


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _wgauss(phi: float, mu: float, sigma: float) -> float:
    """A Gaussian bump wrapped onto the unit phase circle (period 1)."""
    total = 0.0
    for k in (-1.0, 0.0, 1.0):
        z = (phi - mu + k) / sigma
        total += math.exp(-0.5 * z * z)
    return total


# ---------------------------------------------------------------- runner


@dataclass(frozen=True)
class GaitParams:
    """One runner's parameters for one gait and direction (see docs/simulator.md)."""

    cadence_spm: float
    vert: float  # walking: loading peak; running: target peak upward accel (m/s^2)
    vert2: float  # walking: push-off peak; running: heel-strike transient (m/s^2)
    ap: float  # antero-posterior amplitude (m/s^2)
    ml: float  # medio-lateral amplitude (m/s^2)
    pitch: float  # trunk pitch oscillation (rad), step frequency
    roll: float  # trunk roll oscillation (rad), stride frequency
    yaw: float  # pelvis/trunk yaw oscillation (rad), stride frequency
    event: float  # phase of the forward gait's other event: double support or duty
    push_phase: float = 0.82  # walking: phase of the trailing leg's push-off peak
    ph_pitch: float = 0.5  # phases (rad) of the trunk oscillations within the step/stride
    ph_roll: float = 0.3
    ph_yaw: float = -1.0
    flight_s: float = 0.0  # running only
    gamma: float = 1.0  # running stance skew (<1: hard landing)
    k: float = 1.0  # running stance shape exponent (solved from the peak)
    shape_mean: float = 0.5  # mean of the stance shape over the stance


@dataclass(frozen=True)
class Runner:
    """Per-runner variability, all drawn from the seed."""

    walk_forward: GaitParams
    walk_backward: GaitParams
    run_forward: GaitParams
    run_backward: GaitParams
    lean_deg: tuple[float, float]  # trunk forward lean range, same for both directions
    asymmetry: float  # left/right amplitude difference (fraction)
    timing_asymmetry: float  # left/right step duration difference (fraction)
    step_cv: float  # step-to-step variability of duration (fraction)
    phase_roll: float
    phase_yaw: float
    phase_pitch: float
    wobble: float  # clip/soft-tissue ringing after a landing (m/s^2)
    wobble_hz: float

    def params(self, gait: str, direction: str) -> GaitParams:
        key = f"{gait}_{direction}"
        p: GaitParams = getattr(self, key)
        return p

    def describe(self) -> str:
        parts = []
        for key in ("walk_forward", "walk_backward", "run_forward", "run_backward"):
            p: GaitParams = getattr(self, key)
            txt = f"{key}(cadence={p.cadence_spm:.0f}spm"
            if key.startswith("run"):
                txt += f", flight={p.flight_s:.3f}s, peak={p.vert:.1f}m/s2"
            txt += ")"
            parts.append(txt)
        parts.append(f"lean={self.lean_deg[0]:.1f}-{self.lean_deg[1]:.1f}deg")
        parts.append(f"asymmetry={self.asymmetry:.3f}")
        parts.append(f"step_cv={self.step_cv:.3f}")
        return "; ".join(parts)


def _stance_shape(s: float, gamma: float, k: float) -> float:
    if s <= 0.0 or s >= 1.0:
        return 0.0
    base: float = math.sin(math.pi * math.pow(s, gamma))
    return math.pow(base, k)


def _stance_mean(gamma: float, k: float, n: int = 200) -> float:
    return sum(_stance_shape((i + 0.5) / n, gamma, k) for i in range(n)) / n


def _solve_run(
    cadence: float, flight: float, peak: float, gamma: float, impact: float
) -> tuple[float, float, float, float]:
    """Shape exponent ``k`` so the stance impulse carries body weight at ``peak``.

    Returns ``(k, shape_mean, duty, achieved_peak)``.
    """
    period = 60.0 / cadence
    contact = period - flight
    duty = contact / period
    impulse = G * period - impact * 0.012 * math.sqrt(2 * math.pi)
    want = impulse / ((peak + G) * contact)  # required mean of the shape
    lo, hi = 0.4, 12.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if _stance_mean(gamma, mid, 64) > want:
            lo = mid
        else:
            hi = mid
    k = 0.5 * (lo + hi)
    mean = _stance_mean(gamma, k)
    return k, mean, duty, impulse / (mean * contact) - G


def make_runner(rng: random.Random) -> Runner:
    """Draw one runner: cadences, amplitudes, asymmetry, contact and flight times."""
    deg = math.radians
    # walking (inverted pendulum), forward; backward walking is a little slower-stepping
    # or faster-stepping depending on the person, with a longer double support.
    cad_wf = _u(rng, 92, 122)
    ds = _u(rng, 0.17, 0.24)
    walk_amp = _u(rng, 0.75, 1.3)
    # The loading peak is drawn relative to the push-off: over the IPOL trials the trunk's
    # vertical peak before contact is 0.9-9.9x the one after it (median 1.64); this range
    # gives 1.04-2.4x (median 1.62) in the simulated trunk signal (docs/simulator.md).
    load_fraction = _u(rng, 0.5, 1.25)
    push = walk_amp * _u(rng, 2.5, 5.5)
    walk_f = GaitParams(
        cadence_spm=cad_wf,
        vert=push * load_fraction,
        vert2=push,
        ap=walk_amp * _u(rng, 1.2, 2.6),
        ml=walk_amp * _u(rng, 0.9, 2.0),
        pitch=deg(_u(rng, 1.5, 4.0)),
        roll=deg(_u(rng, 3.0, 7.0)),
        yaw=deg(_u(rng, 4.0, 9.0)),
        event=ds,
        push_phase=1.0 - _u(rng, 0.13, 0.2),
    )
    walk_b = GaitParams(
        cadence_spm=_clamp(cad_wf * _u(rng, 0.92, 1.08), 80, 130),
        vert=walk_f.vert * _u(rng, 0.8, 1.05),
        vert2=walk_f.vert2 * _u(rng, 0.8, 1.05),
        ap=walk_f.ap * _u(rng, 0.8, 1.1),
        ml=walk_f.ml * _u(rng, 0.9, 1.2),
        pitch=walk_f.pitch * _u(rng, 0.9, 1.3),
        roll=walk_f.roll * _u(rng, 0.9, 1.2),
        yaw=walk_f.yaw * _u(rng, 0.7, 1.0),
        event=_clamp(ds * _u(rng, 1.0, 1.1), 0.15, 0.3),
        push_phase=walk_f.push_phase,
    )
    # running (spring-mass): Cavagna et al. 2011/2012, Wright & Weyand 2001
    cad_rf = _u(rng, 155, 186)
    flight_f = _clamp(rng.gauss(0.072, 0.012), 0.04, 0.11)
    peak_f = _clamp(rng.gauss(13.2, 0.8), 11.5, 15.0)
    gamma_f = _u(rng, 0.72, 0.9)
    # heel strikers: the impact peak of the ground reaction force stands up to
    # ~1.2 body weights above the stance curve (docs/simulator.md)
    impact = _u(rng, 0.0, 12.0) if rng.random() < 0.7 else 0.0
    k_f, mean_f, duty_f, peak_f = _solve_run(cad_rf, flight_f, peak_f, gamma_f, impact)
    run_amp = _u(rng, 0.8, 1.25)
    run_f = GaitParams(
        cadence_spm=cad_rf,
        vert=peak_f,
        vert2=impact,
        ap=run_amp * _u(rng, 2.5, 4.5),
        ml=run_amp * _u(rng, 1.5, 3.0),
        pitch=deg(_u(rng, 2.0, 4.5)),
        roll=deg(_u(rng, 3.0, 6.5)),
        yaw=deg(_u(rng, 5.0, 11.0)),
        event=duty_f,
        flight_s=flight_f,
        gamma=gamma_f,
        k=k_f,
        shape_mean=mean_f,
    )
    cad_rb = _clamp(cad_rf * _u(rng, 1.06, 1.2), 170, 230)
    flight_b = _clamp(flight_f + rng.gauss(0.026, 0.008), flight_f + 0.005, 0.14)
    peak_b = _clamp(peak_f + rng.gauss(2.5, 0.6), peak_f + 0.8, 17.5)
    # backward runners land on the forefoot: no heel-strike transient
    k_b, mean_b, duty_b, peak_b = _solve_run(cad_rb, flight_b, peak_b, gamma_f, 0.0)
    run_b = GaitParams(
        cadence_spm=cad_rb,
        vert=peak_b,
        vert2=0.0,
        ap=run_f.ap * _u(rng, 0.75, 1.0),
        ml=run_f.ml * _u(rng, 0.9, 1.2),
        pitch=run_f.pitch * _u(rng, 0.9, 1.3),
        roll=run_f.roll * _u(rng, 0.8, 1.1),
        yaw=run_f.yaw * _u(rng, 0.6, 0.95),
        event=duty_b,
        flight_s=flight_b,
        gamma=gamma_f,
        k=k_b,
        shape_mean=mean_b,
    )
    lean_lo = _u(rng, 1.0, 6.0)
    runner = Runner(
        walk_forward=walk_f,
        walk_backward=walk_b,
        run_forward=run_f,
        run_backward=run_b,
        lean_deg=(lean_lo, lean_lo + _u(rng, 2.0, 6.0)),
        asymmetry=_u(rng, 0.0, 0.1),
        timing_asymmetry=_u(rng, 0.0, 0.03),
        step_cv=_u(rng, 0.01, 0.035),
        phase_roll=_u(rng, -0.5, 0.5),
        phase_yaw=_u(rng, -0.5, 0.5),
        phase_pitch=_u(rng, -0.8, 0.8),
        wobble=_u(rng, 0.0, 2.5),
        wobble_hz=_u(rng, 12.0, 22.0),
    )
    # each runner's trunk oscillations sit at their own phase of the step
    ph = {
        "ph_pitch": 0.5 + runner.phase_pitch,
        "ph_roll": 0.3 + runner.phase_roll,
        "ph_yaw": -1.0 + runner.phase_yaw,
    }
    return replace(
        runner,
        walk_forward=replace(walk_f, **ph),
        walk_backward=replace(walk_b, **ph),
        run_forward=replace(run_f, **ph),
        run_backward=replace(run_b, **ph),
    )


# ---------------------------------------------------------------- kinematics


@dataclass
class Kin:
    """Body state at one instant: COM acceleration (heading frame), trunk angles and rates."""

    acc: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    ang: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # roll, pitch, yaw
    rate: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # body rates


def forward_profile(
    p: GaitParams,
    gait: str,
    u: float,
    period: float,
    scale: float,
    kin: Kin,
    vscale: float | None = None,
) -> None:
    """The forward gait of ``p`` at continuous step count ``u``; rates per unit ``u``.

    Adds into ``kin``: ``acc`` in m/s^2, ``ang`` in rad, ``rate`` in rad per step
    (the caller multiplies by du/dt). ``vscale`` scales the vertical component
    (default ``scale``): running keeps it at 1 once under way, because the
    impulse balance and free fall in flight fix the vertical profile.
    """
    phi = u - math.floor(u)
    if gait == "walk":
        # loading peak of the leading leg just after contact, push-off peak of the
        # trailing leg just before it (the M-shaped ground reaction force), and the
        # single-support trough whose area cancels both
        a_load, a_push = p.vert, p.vert2
        s1, s2, s3 = 0.035, 0.045, 0.16
        c = (a_load * s1 + a_push * s2) / s3
        av = a_load * _wgauss(phi, 0.05, s1) + a_push * _wgauss(phi, p.push_phase, s2)
        av -= c * _wgauss(phi, 0.4, s3)
        aap = -p.ap * math.sin(2 * math.pi * phi - 0.3) + 0.3 * p.ap * math.sin(
            4 * math.pi * phi + 0.5
        )
        aml = p.ml * math.sin(math.pi * u)  # towards the stance leg, stride frequency
    else:
        duty = p.event
        if phi < duty:
            s = phi / duty
            contact = duty * period
            big_p = (G * period - p.vert2 * 0.012 * math.sqrt(2 * math.pi)) / (
                p.shape_mean * contact
            )
            f = big_p * _stance_shape(s, p.gamma, p.k)
            if p.vert2:
                z = (phi * period - 0.025) / 0.012
                f += p.vert2 * math.exp(-0.5 * z * z)
            av = f - G
            aap = -p.ap * math.sin(2 * math.pi * s)
            # sideways push towards the stance leg, alternating left/right
            aml = p.ml * math.sin(math.pi * s) * (1.0 if math.floor(u) % 2 == 0 else -1.0)
        else:
            # flight: free fall in every direction, the accelerometer reads ~0
            av, aap, aml = -G, 0.0, 0.0
    kin.acc[0] += scale * aap
    kin.acc[1] += scale * aml
    kin.acc[2] += (scale if vscale is None else vscale) * av
    two_pi = 2 * math.pi
    kin.ang[1] += scale * p.pitch * math.sin(two_pi * phi + p.ph_pitch)
    kin.rate[1] += scale * p.pitch * two_pi * math.cos(two_pi * phi + p.ph_pitch)
    kin.ang[0] += scale * p.roll * math.sin(math.pi * u + p.ph_roll)
    kin.rate[0] += scale * p.roll * math.pi * math.cos(math.pi * u + p.ph_roll)
    kin.ang[2] += scale * p.yaw * math.sin(math.pi * u + p.ph_yaw)
    kin.rate[2] += scale * p.yaw * math.pi * math.cos(math.pi * u + p.ph_yaw)


# ---------------------------------------------------------------- segments


class Segment:
    """A stretch of one activity on ``[t0, t1)`` (seconds) with one label."""

    label = "still"

    def __init__(self, t0: float, t1: float, lean: float) -> None:
        self.t0 = t0
        self.t1 = t1
        self.lean = lean  # target static forward lean (rad)
        self.contacts: list[float] = []

    def state(self, t: float, kin: Kin) -> None:
        """Add the body state at time ``t`` into ``kin``."""


class Still(Segment):
    """Standing: slow postural sway only."""

    def __init__(self, t0: float, t1: float, lean: float, rng: random.Random) -> None:
        super().__init__(t0, t1, lean)
        self.sway = [
            (math.radians(_u(rng, 0.1, 0.5)), _u(rng, 0.15, 0.5), _u(rng, 0, 6.3)) for _ in range(3)
        ]

    def state(self, t: float, kin: Kin) -> None:
        for axis, (amp, freq, ph) in enumerate(self.sway):
            w = 2 * math.pi * freq
            kin.ang[axis] += amp * math.sin(w * t + ph)
            kin.rate[axis] += amp * w * math.cos(w * t + ph)


class Fidget(Still):
    """Torso movement without steps: bends, twists, weight shifts, arm-like swinging."""

    label = "other"

    def __init__(self, t0: float, t1: float, lean: float, rng: random.Random) -> None:
        super().__init__(t0, t1, lean, rng)
        self.moves: list[tuple[float, float, int, float, float]] = []
        t = t0 + _u(rng, 0.0, 0.5)
        while t < t1 - 0.6:
            kind = rng.choice(("bend", "twist", "shift", "swing", "swing"))
            dur = min(_u(rng, 0.8, 2.5), t1 - t)
            if kind == "bend":
                self.moves.append((t, dur, 1, math.radians(_u(rng, 8, 35)), 0.0))
            elif kind == "twist":
                self.moves.append((t, dur, 2, math.radians(_u(rng, -40, 40)), 0.0))
            elif kind == "shift":
                self.moves.append((t, dur, 0, math.radians(_u(rng, -8, 8)), 0.0))
            else:
                self.moves.append((t, dur, 3, math.radians(_u(rng, 4, 12)), _u(rng, 0.7, 1.8)))
            t += dur + _u(rng, 0.0, 0.8)

    def state(self, t: float, kin: Kin) -> None:
        super().state(t, kin)
        for start, dur, axis, amp, freq in self.moves:
            tau = (t - start) / dur
            if not 0.0 <= tau < 1.0:
                continue
            if axis < 3:
                # raised-cosine there-and-back; the trunk pivots ~0.2 m below the clip
                kin.ang[axis] += amp * 0.5 * (1 - math.cos(2 * math.pi * tau))
                rate = amp * math.pi / dur * math.sin(2 * math.pi * tau)
                kin.rate[axis] += rate
                accel = amp * 2 * math.pi**2 / dur**2 * math.cos(2 * math.pi * tau)
                if axis == 1:
                    kin.acc[0] += 0.2 * accel
                elif axis == 0:
                    kin.acc[1] -= 0.2 * accel
            else:
                # arms swinging drive a yaw oscillation of the torso and a small bounce
                env = math.sin(math.pi * tau)
                w = 2 * math.pi * freq
                kin.ang[2] += amp * env * math.sin(w * (t - start))
                kin.rate[2] += amp * env * w * math.cos(w * (t - start))
                kin.acc[1] += 0.4 * env * math.sin(w * (t - start))
                kin.acc[2] += 0.5 * env * math.sin(2 * w * (t - start))


class Fall(Segment):
    """A stumble and fall: the trunk topples, hits the ground, and lies there.

    The body rotates by ``angle`` about one horizontal axis over ``drop`` s with
    partial free fall, an impact spike of ``impact`` m/s^2 (25 ms) lands it, then
    it lies still until ``t1``. :class:`GetUp` brings it back upright.
    """

    label = "fall"

    def __init__(self, t0: float, rng: random.Random, direction: str) -> None:
        self.drop = _u(rng, 0.5, 0.9)
        super().__init__(t0, t0 + self.drop + _u(rng, 3.0, 7.0), math.radians(2.0))
        side = rng.random() < 0.4
        self.axis = 0 if side else 1  # roll (sideways) or pitch
        sign = rng.choice((-1.0, 1.0)) if side else (-1.0 if direction == "backward" else 1.0)
        self.angle = sign * math.radians(_u(rng, 60.0, 90.0))
        self.impact = _u(rng, 25.0, 60.0)

    def state(self, t: float, kin: Kin) -> None:
        tau = (t - self.t0) / self.drop
        if tau < 1.0:
            # smoothstep topple; the supporting force fades as the body drops
            kin.ang[self.axis] += self.angle * tau * tau * (3 - 2 * tau)
            kin.rate[self.axis] += self.angle * 6 * tau * (1 - tau) / self.drop
            kin.acc[2] -= 0.6 * G * math.sin(math.pi * tau)
        else:
            kin.ang[self.axis] += self.angle
        z = (t - self.t0 - self.drop) / 0.025
        if -4 < z < 4:
            spike = self.impact * math.exp(-0.5 * z * z)
            kin.acc[2] += spike
            kin.acc[0] += 0.4 * spike


class GetUp(Segment):
    """Back to upright after a fall: a slow rotation with some shuffling."""

    label = "other"

    def __init__(self, fall: Fall, rng: random.Random) -> None:
        self.dur = _u(rng, 1.5, 3.0)
        super().__init__(fall.t1, fall.t1 + self.dur, math.radians(2.0))
        self.axis = fall.axis
        self.angle = fall.angle

    def state(self, t: float, kin: Kin) -> None:
        tau = min(1.0, max(0.0, (t - self.t0) / self.dur))
        kin.ang[self.axis] += self.angle * (1 - tau * tau * (3 - 2 * tau))
        kin.rate[self.axis] -= self.angle * 6 * tau * (1 - tau) / self.dur
        kin.acc[2] += 1.5 * math.sin(2 * math.pi * tau) * math.sin(math.pi * tau)


class Locomotion(Segment):
    """Steps of one gait and direction; ends at ``t_end`` or after ``n_steps``."""

    gait: str
    direction: str

    def __init__(
        self,
        t0: float,
        runner: Runner,
        gait: str,
        direction: str,
        rng: random.Random,
        t_end: float | None = None,
        n_steps: int | None = None,
        scale: float = 1.0,
        cadence_factor: float = 1.0,
        label: str | None = None,
        ramp_out: bool = True,
        after: Segment | None = None,
    ) -> None:
        lean = math.radians(_u(rng, *runner.lean_deg))
        super().__init__(t0, t0, lean)
        # The step in flight when the previous activity ended is finished first:
        # the next contact comes when that step would have ended, not at t0.
        self.lead: Locomotion | None = None
        first = t0
        if isinstance(after, Locomotion) and after.starts:
            end_of_step = after.starts[-1] + after.periods[-1]
            if end_of_step > t0:
                self.lead = after
                first = end_of_step
        self.ramp_in = not (
            isinstance(after, Locomotion)
            and not isinstance(after, Turn)
            and after.gait == gait
            and after.direction == direction
        )
        self.cadence_factor = cadence_factor
        self.label = label or f"{gait}_{direction}"
        self.gait = gait
        self.direction = direction
        self.p = runner.params(gait, direction)
        self.runner = runner
        self.scale = scale
        cadence = self.p.cadence_spm * cadence_factor
        if label is None:  # keep the literature's ranges (a turn has its own cadence)
            cadence = _clamp(cadence, *CADENCE_RANGE[f"{gait}_{direction}"])
        period = 60.0 / cadence
        self.starts: list[float] = []
        self.periods: list[float] = []
        self.amps: list[float] = []
        t = first
        drift = 0.0
        i = 0
        while True:
            if n_steps is not None and i >= n_steps:
                break
            drift = 0.8 * drift + rng.gauss(0.0, runner.step_cv * 0.6)
            side = 1 if i % 2 == 0 else -1
            T = period * (1 + drift + side * runner.timing_asymmetry * 0.5)
            if t_end is not None and t >= t_end:
                break
            self.starts.append(t)
            self.periods.append(T)
            self.amps.append(1 + side * runner.asymmetry * 0.5 + rng.gauss(0.0, 0.03))
            t += T
            i += 1
        self.t1 = t if t_end is None else max(t_end, t0)  # the last step is cut at t_end
        self.contacts = list(self.starts)
        self.ramp_out = ramp_out

    def state(self, t: float, kin: Kin) -> None:
        if not self.starts:
            return
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            if self.lead is not None:
                self.lead.state(t, kin)
            return
        period = self.periods[i]
        u = i + (t - self.starts[i]) / period
        n = len(self.starts)
        env = min(1.0, 0.55 + 0.45 * u / 1.5) if self.ramp_in else 1.0
        if self.ramp_out:
            env = min(env, 0.55 + 0.45 * (n - u) / 1.0)
        scale = self.scale * self.amps[i] * env
        vscale = env if self.gait == "run" else scale
        self._wobble(t - self.starts[i], scale, kin)
        tmp = Kin()
        if self.direction == "forward":
            forward_profile(self.p, self.gait, u, period, scale, tmp, vscale)
            sign = 1.0
        else:
            forward_profile(self.p, self.gait, self.p.event - u, period, scale, tmp, vscale)
            sign = -1.0  # time reversal: angular rates flip
        for k in range(3):
            kin.acc[k] += tmp.acc[k]
            kin.ang[k] += tmp.ang[k]
            kin.rate[k] += sign * tmp.rate[k] / period

    def _wobble(self, dt: float, scale: float, kin: Kin) -> None:
        """The clip rings briefly after each landing (not time-reversed: it follows impact)."""
        amp = self.runner.wobble * scale
        if self.gait == "walk":
            amp *= 0.3
        elif self.direction == "backward":
            amp *= 0.5  # forefoot landing is softer
        if amp and dt < 0.15:
            w = amp * math.exp(-dt / 0.03) * math.sin(2 * math.pi * self.runner.wobble_hz * dt)
            kin.acc[2] += w
            kin.acc[0] += 0.5 * w


class Turn(Locomotion):
    """A U-turn: yaw through pi over ``duration`` with a few small walking steps."""

    def __init__(
        self,
        t0: float,
        runner: Runner,
        rng: random.Random,
        duration: float,
        cadence: float,
        after: Segment | None = None,
    ) -> None:
        factor = cadence / runner.walk_forward.cadence_spm
        super().__init__(
            t0,
            runner,
            "walk",
            "forward",
            rng,
            t_end=t0 + duration,
            scale=_u(rng, 0.45, 0.75),
            cadence_factor=factor,
            label="turn",
            ramp_out=False,
            after=after,
        )
        self.turn_sign = rng.choice((-1.0, 1.0))
        self.speed = _u(rng, 0.2, 0.6)  # m/s along the arc
        self.duration = duration

    def state(self, t: float, kin: Kin) -> None:
        super().state(t, kin)
        tau = (t - self.t0) / self.duration
        if 0.0 <= tau < 1.0:
            w = self.turn_sign * math.pi / self.duration * (1 - math.cos(2 * math.pi * tau))
            kin.rate[2] += w
            kin.acc[1] += self.speed * w  # centripetal


# ---------------------------------------------------------------- script


@dataclass(frozen=True)
class Options:
    """Everything that shapes a trace; the seed draws the rest."""

    seed: int = 0
    gait: str = "run"
    direction: str = "mixed"
    minutes: float | None = None
    plan: object | None = None
    plan_name: str = ""
    rate_hz: int = 100
    acc_only: bool = False
    range_g: float = 16.0
    dropouts: bool = False  # missing samples (time gaps) and nan readings, ~1 each a minute
    falls: bool = False  # one fall mid-trace (without a plan)
    clean: bool = False
    activities: bool = True  # stops, fidgeting and U-turns between bouts
    uniform_mount_p: float = 0.25  # share of mountings that are any rotation at all
    mounting: str = "random"  # or a name in MOUNTINGS
    # where the clip sits from the point the model describes (body frame: forward, left,
    # up; cm): the trunk's rotation then pushes it about (lever arm); 0 leaves it there
    offset_cm: tuple[float, float, float] = (0.0, 0.0, 0.0)


DEFAULT_MINUTES = 3.0


def _interlude(
    segs: list[Segment], t: float, runner: Runner, rng: random.Random, gait: str, allow_turn: bool
) -> float:
    """A stop, fidget or U-turn between bouts; returns the new time."""
    lean = math.radians(_u(rng, *runner.lean_deg))
    r = rng.random()
    if r < 0.3:
        dur = _u(rng, 2.0, 6.0)
        segs.append(Still(t, t + dur, lean, rng))
    elif r < 0.55:
        dur = _u(rng, 3.0, 8.0)
        segs.append(Fidget(t, t + dur, lean, rng))
    elif r < 0.85 and allow_turn:
        segs.append(_turn(t, runner, rng, gait, segs[-1]))
    else:
        return t
    return segs[-1].t1


def _turn(
    t: float, runner: Runner, rng: random.Random, gait: str, after: Segment | None = None
) -> Turn:
    cadence = _u(rng, 95, 130) if gait == "walk" else _u(rng, 120, 160)
    return Turn(t, runner, rng, _u(rng, 1.2, 2.2), cadence, after)


def free_script(opts: Options, runner: Runner, rng: random.Random, total: float) -> list[Segment]:
    """Bouts of the asked gait and direction with stops, fidgets and turns between them."""
    segs: list[Segment] = [Still(0.0, _u(rng, 2.0, 4.0), math.radians(2.0), rng)]
    t = segs[-1].t1
    direction = "backward" if opts.direction == "backward" else "forward"
    fallen = False
    while t < total:
        bout = _u(rng, 15.0, 40.0)
        segs.append(
            Locomotion(
                t,
                runner,
                opts.gait,
                direction,
                rng,
                t_end=t + bout,
                after=segs[-1],
                scale=_u(rng, 0.85, 1.15),  # easier and harder bouts
                cadence_factor=_u(rng, 0.95, 1.05),
            )
        )
        t = segs[-1].t1
        if opts.falls and not fallen and t > 0.4 * total:
            # one fall mid-trace, drawn from its own stream (the rest stays as it was)
            fall_rng = random.Random(opts.seed * 49979687 + 5)
            fall = Fall(t, fall_rng, direction)
            segs += [fall, GetUp(fall, fall_rng)]
            segs.append(Still(segs[-1].t1, segs[-1].t1 + _u(fall_rng, 2, 5), fall.lean, fall_rng))
            t = segs[-1].t1
            fallen = True
        if opts.direction == "mixed":
            nxt = "backward" if direction == "forward" else "forward"
            r = rng.random()
            if r < 0.5:
                segs.append(_turn(t, runner, rng, opts.gait, segs[-1]))
                t = segs[-1].t1
            elif r < 0.75 and opts.activities:
                t = _interlude(segs, t, runner, rng, opts.gait, False)
            direction = nxt
        elif opts.activities:
            t = _interlude(segs, t, runner, rng, opts.gait, True)
    return segs


def plan_script(
    opts: Options, runner: Runner, rng: random.Random, blocks: Sequence[tuple[str, int, int]]
) -> list[Segment]:
    """The runner follows the plan's blocks from t = 0 (see docs/simulator.md)."""
    segs: list[Segment] = []
    t = 0.0
    facing = "forward"  # which way the body moves relative to where it faces
    for kind, seconds, steps in blocks:
        end = t + seconds if seconds else None
        gait = opts.gait
        scale, cad = 1.0, 1.0
        if kind in ("warmup", "cooldown"):
            direction = "forward"
            scale, cad = 0.8, 0.93
        elif kind == "rest":
            direction = "forward"
            if rng.random() < 0.5:
                lean = math.radians(_u(rng, *runner.lean_deg))
                if end is None:
                    # a step-counted rest: walk it
                    gait = "walk"
                else:
                    segs.append(Still(t, end, lean, rng))
                    t = end
                    continue
            gait = "walk"
        elif kind == "backward":
            direction = "forward" if opts.direction == "forward" else "backward"
        else:
            direction = "backward" if opts.direction == "backward" else "forward"
        left = steps
        if direction != facing:
            prev = segs[-1] if segs else None
            if isinstance(prev, Locomotion) and not isinstance(prev, Turn):
                # the runner feels the buzz and keeps going a moment before turning round
                cont = Locomotion(
                    t,
                    runner,
                    prev.gait,
                    prev.direction,
                    rng,
                    t_end=t + _u(rng, 0.3, 1.0) if end is None else min(t + _u(rng, 0.3, 1.0), end),
                    scale=prev.scale,
                    cadence_factor=prev.cadence_factor,
                    ramp_out=False,
                    after=prev,
                )
                segs.append(cont)
                t = cont.t1
                if left:
                    left = max(1, left - len(cont.contacts))
            turn = _turn(t, runner, rng, gait, segs[-1] if segs else None)
            if end is not None:
                turn.t1 = min(turn.t1, end)
            segs.append(turn)
            t = turn.t1
            facing = direction
            if left:
                left = max(1, left - len(turn.contacts))
        if end is not None and t >= end:
            continue
        segs.append(
            Locomotion(
                t,
                runner,
                gait,
                direction,
                rng,
                t_end=end,
                n_steps=left or None,
                scale=scale,
                cadence_factor=cad,
                ramp_out=False,
                after=segs[-1] if segs else None,
            )
        )
        t = segs[-1].t1
    segs.append(Still(t, t + 3.0, math.radians(2.0), rng))
    return segs


# ---------------------------------------------------------------- sensor


def _matmul(a: Mat, b: Mat) -> Mat:
    return tuple(  # type: ignore[return-value]
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )


def _axis_angle(axis: Vec, angle: float) -> Mat:
    x, y, z = axis
    c, s = math.cos(angle), math.sin(angle)
    C = 1 - c
    return (
        (c + x * x * C, x * y * C - z * s, x * z * C + y * s),
        (y * x * C + z * s, c + y * y * C, y * z * C - x * s),
        (z * x * C - y * s, z * y * C + x * s, c + z * z * C),
    )


def _random_unit(rng: random.Random) -> Vec:
    while True:
        v = (rng.gauss(0, 1), rng.gauss(0, 1), rng.gauss(0, 1))
        n = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
        if n > 1e-6:
            return (v[0] / n, v[1] / n, v[2] / n)


def _clip_orientations() -> list[Mat]:
    """The 24 proper rotations that map body axes onto sensor axes (signed permutations)."""
    out: list[Mat] = []
    perms = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))
    for perm in perms:
        for signs in range(8):
            rows = []
            for i in range(3):
                row = [0.0, 0.0, 0.0]
                row[perm[i]] = -1.0 if signs >> i & 1 else 1.0
                rows.append(tuple(row))
            m: Mat = (rows[0], rows[1], rows[2])  # type: ignore[assignment]
            det = (
                m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
            )
            if det > 0:
                out.append(m)
    return out


def random_mounting(rng: random.Random, uniform_p: float = 0.25) -> tuple[Mat, str]:
    """Rotation body -> sensor (rows: sensor axes in body coordinates) and a description.

    With probability ``uniform_p`` any rotation at all; otherwise one of the 24 ways
    a clip's axes can line up with the body (front, back, side, upside down, ...)
    tilted by up to 30 degrees about a random axis.
    """
    if rng.random() < uniform_p:
        # uniformly random rotation (Shoemake's quaternion method)
        u1, u2, u3 = rng.random(), rng.random(), rng.random()
        a, b = math.sqrt(1 - u1), math.sqrt(u1)
        w, x = a * math.sin(2 * math.pi * u2), a * math.cos(2 * math.pi * u2)
        y, z = b * math.sin(2 * math.pi * u3), b * math.cos(2 * math.pi * u3)
        m: Mat = (
            (1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
            (2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
            (2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)),
        )
        return m, "uniformly random rotation"
    base = rng.choice(_clip_orientations())
    tilt = math.radians(_u(rng, 0.0, 30.0))
    m = _matmul(base, _axis_angle(_random_unit(rng), tilt))
    return m, f"clip axes {_axes_text(base)} tilted {math.degrees(tilt):.0f} deg"


def _axes_text(m: Mat) -> str:
    names = "xyz"
    parts = []
    for row in m:
        for j, v in enumerate(row):
            if v:
                parts.append(("-" if v < 0 else "") + names[j])
    return " ".join(parts)


def rotate(m: Mat, v: Sequence[float]) -> Vec:
    """``m @ v``: a body-frame vector in the sensor frame."""
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def cross(a: Sequence[float], b: Sequence[float]) -> Vec:
    """``a x b``."""
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def add(a: Sequence[float], b: Sequence[float]) -> Vec:
    """``a + b``."""
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


_ALPHA_DT = 0.002  # s either side: the angular acceleration as a central difference


def _lever_push(segs: Sequence[Segment], starts: Sequence[float], t: float, w: Vec, d: Vec) -> Vec:
    """What the trunk's rotation adds to the specific force at ``d`` (m, body frame)
    from the point the model describes: ``alpha x d + w x (w x d)``. The slow change
    of the static lean is left out of ``alpha``."""
    after = _rates(segs, starts, t + _ALPHA_DT)
    before = _rates(segs, starts, max(0.0, t - _ALPHA_DT))
    alpha = tuple((a - b) / (2 * _ALPHA_DT) for a, b in zip(after, before, strict=True))
    return add(cross(alpha, d), cross(w, cross(w, d)))


def _rates(segs: Sequence[Segment], starts: Sequence[float], t: float) -> Vec:
    """The trunk's body rates at ``t`` (the segments' states are pure functions of time)."""
    kin = Kin()
    segs[max(0, bisect.bisect_right(starts, t) - 1)].state(t, kin)
    return (kin.rate[0], kin.rate[1], kin.rate[2])


def _level_to_body(roll: float, pitch: float, v: Sequence[float]) -> Vec:
    """A heading-level-frame vector in the body frame (body = Ry(pitch) Rx(roll))."""
    cp, sp = math.cos(pitch), math.sin(pitch)
    x = cp * v[0] - sp * v[2]
    z1 = sp * v[0] + cp * v[2]
    cr, sr = math.cos(roll), math.sin(roll)
    y = cr * v[1] + sr * z1
    z = -sr * v[1] + cr * z1
    return (x, y, z)


@dataclass(frozen=True)
class Sensor:
    """Mounting and error model of one IMU."""

    mount: Mat
    mount_text: str
    acc_bias: Vec
    acc_scale: Vec
    acc_noise: float
    gyro_bias: Vec
    gyro_noise: float
    jitter_ms: float
    range_g: float


MOUNTINGS: dict[str, Mat] = {
    # rows: the sensor's x, y, z axes in body coordinates (x forward, y left, z up)
    "front": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "back": ((-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
    "left": ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "right": ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "upside-down": ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, -1.0)),
}


def make_sensor(rng: random.Random, opts: Options) -> Sensor:
    mount, text = random_mounting(rng, opts.uniform_mount_p)
    if opts.mounting != "random":
        mount, text = MOUNTINGS[opts.mounting], f"{opts.mounting} (fixed)"
    if opts.clean:
        zero = (0.0, 0.0, 0.0)
        return Sensor(mount, text, zero, (1.0, 1.0, 1.0), 0.0, zero, 0.0, 0.0, 1e6)
    return Sensor(
        mount=mount,
        mount_text=text,
        acc_bias=(_u(rng, -0.2, 0.2), _u(rng, -0.2, 0.2), _u(rng, -0.2, 0.2)),
        acc_scale=(_u(rng, 0.98, 1.02), _u(rng, 0.98, 1.02), _u(rng, 0.98, 1.02)),
        acc_noise=_u(rng, 0.02, 0.1),
        gyro_bias=(_u(rng, -0.03, 0.03), _u(rng, -0.03, 0.03), _u(rng, -0.03, 0.03)),
        gyro_noise=_u(rng, 0.002, 0.012),
        jitter_ms=_u(rng, 0.0, 1.5),
        range_g=opts.range_g,
    )


# ---------------------------------------------------------------- writer


def _fmt(x: float) -> str:
    s = f"{x:.5f}"
    return "0.00000" if s == "-0.00000" else s


def simulate(
    opts: Options, out: TextIO, plan_blocks: Sequence[tuple[str, int, int]] | None = None
) -> dict[str, int]:
    """Write one trace to ``out``; returns counts (samples, steps) for the caller to report."""
    rng = random.Random(opts.seed)
    runner = make_runner(rng)
    sensor = make_sensor(random.Random(opts.seed * 7919 + 1), opts)
    script_rng = random.Random(opts.seed * 104729 + 2)
    if plan_blocks is not None:
        segs = plan_script(opts, runner, script_rng, plan_blocks)
        total = segs[-1].t1
        if opts.minutes is not None:
            total = min(total, opts.minutes * 60.0)
    else:
        total = (opts.minutes if opts.minutes is not None else DEFAULT_MINUTES) * 60.0
        segs = free_script(opts, runner, script_rng, total)
    seg_starts = [s.t0 for s in segs]
    contacts = sorted(
        (c, s.label) for s in segs for c in s.contacts if s.t0 <= c < min(s.t1, total)
    )
    noise = random.Random(opts.seed * 15485863 + 3)
    period_ms = 1000.0 / opts.rate_hz
    n_samples = int(total * 1000.0 / period_ms)
    limit = sensor.range_g * G
    header = [
        "# retrostride-trace v1",
        f"# rate_hz: {opts.rate_hz}",
        "# placement: waist",
        f"# source: retrostride simulate v{VERSION} (synthetic, model in docs/simulator.md); "
        f"seed={opts.seed} gait={opts.gait} direction={opts.direction} "
        f"minutes={total / 60:.2f}" + (f" plan={opts.plan_name!r}" if opts.plan_name else ""),
        f"# seed: {opts.seed}",
        f"# runner: {runner.describe()}",
        f"# mounting: {sensor.mount_text}; rows "
        + " | ".join(" ".join(f"{v:.3f}" for v in row) for row in sensor.mount),
        f"# sensor: range_g={sensor.range_g:g} acc_noise={sensor.acc_noise:.3f}m/s2 "
        f"gyro_noise={sensor.gyro_noise:.4f}rad/s jitter_ms={sensor.jitter_ms:.2f} "
        f"gyro={'no' if opts.acc_only else 'yes'}",
    ]
    if any(opts.offset_cm):
        where = ",".join(f"{c:g}" for c in opts.offset_cm)
        header.append(f"# clip offset: {where} cm (forward, left, up) from the model's point")
    gaps, nans = _dropouts(opts, n_samples) if opts.dropouts else ([], set())
    if opts.dropouts:
        header.append(f"# dropouts: {len(gaps)} time gaps, {len(nans)} nan samples")
    cols = "t_ms,ax,ay,az" + ("" if opts.acc_only else ",gx,gy,gz") + ",label,step"
    out.write("\n".join(header) + "\n" + cols + "\n")
    lever = (opts.offset_cm[0] / 100, opts.offset_cm[1] / 100, opts.offset_cm[2] / 100)
    lean = segs[0].lean
    lean_rate = 0.0
    tau = 0.7
    ci = 0
    steps = 0
    written = 0
    pending: str | None = None  # label of a contact that fell into a time gap
    gap_i = 0
    buf = io.StringIO()
    for n in range(n_samples):
        jitter = 0.0
        if sensor.jitter_ms:
            jitter = _clamp(noise.gauss(0.0, sensor.jitter_ms), -0.4 * period_ms, 0.4 * period_ms)
        t_ms_true = max(0.0, n * period_ms + jitter)  # t_ms never negative
        t = t_ms_true / 1000.0
        si = max(0, bisect.bisect_right(seg_starts, t) - 1)
        seg = segs[si]
        kin = Kin()
        seg.state(t, kin)
        # the static lean follows each activity's posture with a first-order lag
        lean_rate = (seg.lean - lean) / tau
        lean += lean_rate * period_ms / 1000.0
        roll, pitch = kin.ang[0], lean + kin.ang[1]
        f_body = _level_to_body(roll, pitch, (kin.acc[0], kin.acc[1], kin.acc[2] + G))
        w_body = (kin.rate[0], kin.rate[1] + lean_rate, kin.rate[2])
        if any(lever):
            f_body = add(f_body, _lever_push(segs, seg_starts, t, w_body, lever))
        f = rotate(sensor.mount, f_body)
        w = rotate(sensor.mount, w_body)
        acc = []
        for k in range(3):
            v = f[k] * sensor.acc_scale[k] + sensor.acc_bias[k]
            if sensor.acc_noise:
                v += noise.gauss(0.0, sensor.acc_noise)
            acc.append(_clamp(v, -limit, limit))
        gyr = []
        for k in range(3):
            v = w[k] + sensor.gyro_bias[k]
            if sensor.gyro_noise:
                v += noise.gauss(0.0, sensor.gyro_noise)
            gyr.append(_clamp(v, -GYRO_RANGE, GYRO_RANGE))
        step = 0
        label = seg.label
        if pending is not None:
            step, label, pending = 1, pending, None
        while ci < len(contacts) and contacts[ci][0] <= t:
            step = 1
            label = contacts[ci][1]
            ci += 1
        while gap_i < len(gaps) and gaps[gap_i][1] <= n:
            gap_i += 1
        if gap_i < len(gaps) and gaps[gap_i][0] <= n:
            if step:
                pending = label  # the contact is flagged on the next sample there is
            continue
        steps += step
        written += 1
        row = [str(round(t_ms_true))]
        if n in nans:
            row += ["nan"] * (3 if opts.acc_only else 6)
        else:
            row += [_fmt(acc[0]), _fmt(acc[1]), _fmt(acc[2])]
            if not opts.acc_only:
                row += [_fmt(gyr[0]), _fmt(gyr[1]), _fmt(gyr[2])]
        row += [label, str(step)]
        buf.write(",".join(row) + "\n")
        if n % 4096 == 4095:
            out.write(buf.getvalue())
            buf = io.StringIO()
    out.write(buf.getvalue())
    return {"samples": written, "steps": steps}


def _dropouts(opts: Options, n_samples: int) -> tuple[list[tuple[int, int]], set[int]]:
    """Sample-index ranges to leave out (30-500 ms) and single samples to read nan."""
    rng = random.Random(opts.seed * 32452843 + 4)
    per_minute = 60 * opts.rate_hz
    count = max(1, round(n_samples / per_minute))
    gaps = []
    for _ in range(count):
        start = rng.randrange(1, max(2, n_samples - 1))
        length = max(1, round(_u(rng, 0.03, 0.5) * opts.rate_hz))
        gaps.append((start, min(n_samples - 1, start + length)))
    gaps.sort()
    nans = {rng.randrange(1, max(2, n_samples)) for _ in range(count)}
    return gaps, nans
