"""The event stream: the one language of the system (shared/contracts/events.md).

Events are plain dicts with JSON-ready values so that replay can print them,
the logbook can encode them and reports can read them without translation.
They are made once per step or state change, never per sample.
"""

STEP = "step"
INTERVAL = "interval"
BUZZ = "buzz"
WARNING = "warning"
FALL = "fall"
SESSION_START = "session_start"
SESSION_END = "session_end"
TYPES = (STEP, INTERVAL, BUZZ, WARNING, FALL, SESSION_START, SESSION_END)

DIRECTIONS = ("forward", "backward", "unknown")
GAITS = ("walk", "run")
KINDS = ("warmup", "forward", "backward", "rest", "cooldown")
REASONS = ("wrong_direction", "backward_limit", "sensor", "plan", "battery")


def step(t_ms, direction, gait, cadence_spm, confidence_pct, decided_ms):
    """A foot contact at ``t_ms`` (its own time), decided at ``decided_ms``.

    Confidence is carried as an integer per cent in the core and the log, and
    exposed as the 0..1 number the contract asks for.
    """
    return {
        "type": STEP,
        "t_ms": t_ms,
        "direction": direction,
        "gait": gait,
        "cadence_spm": cadence_spm,
        "confidence": confidence_pct / 100,
        "decided_ms": decided_ms,
    }


def interval(t_ms, index, kind):
    return {"type": INTERVAL, "t_ms": t_ms, "index": index, "kind": kind}


def buzz(t_ms, pattern):
    return {"type": BUZZ, "t_ms": t_ms, "pattern": pattern}


def warning(t_ms, reason):
    return {"type": WARNING, "t_ms": t_ms, "reason": reason}


def fall(t_ms):
    return {"type": FALL, "t_ms": t_ms}


def fall_at(t_ms, decided_ms):
    """A fall whose impact was at ``t_ms``, confirmed at ``decided_ms``."""
    return {"type": FALL, "t_ms": t_ms, "decided_ms": decided_ms}


def session_start(t_ms, plan):
    """The session begins; ``plan`` is the plan's name (None: detection only)."""
    return {"type": SESSION_START, "t_ms": t_ms, "plan": plan}


def session_end(t_ms, plan, summary):
    """The session is over; the summary's keys are merged into the event."""
    e = {"type": SESSION_END, "t_ms": t_ms, "plan": plan}
    for k in summary:
        e[k] = summary[k]
    return e
