"""Whatever a sensor or a trace file sends, at any rate a trace can state (1-1000 Hz,
averaged down over 300 Hz as replay does), the core keeps running: no exception,
only step, fall and sensor-warning events, in time order of decision, steps in
time order of contact too, and no contact dated before the session or after its end."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from retrostride import session
from retrostride.trace import RATE_MAX_HZ

G = 9810
KINDS = ("still", "bounce", "noise", "clipped", "missing", "gap")


def samples(kind: str, n: int, amp: int, rng: random.Random) -> list[tuple[int | None, ...]]:
    """``n`` accelerometer + gyroscope readings (ints, None when missing) of one kind."""
    out: list[tuple[int | None, ...]] = []
    for k in range(n):
        if kind == "missing":
            out.append((None, None, None, None, None, None))
        elif kind == "still":
            out.append((0, 0, G, 0, 0, 0))
        elif kind == "bounce":  # steps of any size and cadence
            up = amp if k % (2 + amp % 9) == 0 else -amp // 4
            out.append((amp // 7, -amp // 11, G + up, amp % 300, 0, -(amp % 500)))
        elif kind == "clipped":  # a sensor pinned at its limits, or beyond them
            big = 10**6 * (1 if k % 2 else -1)
            out.append((big, -big, big, big, big, -big))
        else:
            x, y, z, w = (rng.randint(-amp, amp) for _ in range(4))
            out.append((x, y, G + z, w, 0, -w))
    return out


@settings(max_examples=300)
@given(
    rate=st.integers(1, RATE_MAX_HZ),
    parts=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(1, 300), st.integers(0, 200_000)),
        min_size=1,
        max_size=10,
    ),
    gyro=st.booleans(),
    seed=st.integers(0, 2**16),
)
# a jolt in the first 60 ms read as a running step: dated 130 ms before its peak, it
# was a contact before the session began (t_ms -60)
@example(rate=100, parts=[("still", 1, 0), ("noise", 46, 15419), ("noise", 145, 4204)],
         gyro=False, seed=55)  # fmt: skip
def test_any_stream_at_any_rate_is_taken_without_raising(
    rate: int, parts: list[tuple[str, int, int]], gyro: bool, seed: int
) -> None:
    rng = random.Random(seed)
    events: list[dict[str, object]] = []
    rows = []
    k = 0  # samples so far, stamped as a logger at ``rate`` would (9, 10, 9, 10 ms at 104 Hz)
    gap = 0
    t = 0
    for kind, n, amp in parts:
        if kind == "gap":
            gap += 100 * n
            continue
        for a in samples(kind, n, amp, rng):
            t = gap + k * 1000 // rate
            rows.append((t, *a[:3], *(a[3:] if gyro else (None, None, None))))
            k += 1
    s, every = session.for_trace(rate, events.append, has_gyro=gyro)
    for r in session.averaged(rows, every):
        s.feed_row(r)
    s.finish(t)
    assert {e["type"] for e in events} <= {"step", "fall", "warning"}
    decided = [int(e.get("decided_ms", e["t_ms"])) for e in events]  # type: ignore[call-overload]
    assert decided == sorted(decided)
    contacts = [int(e["t_ms"]) for e in events if e["type"] == "step"]  # type: ignore[call-overload]
    assert contacts == sorted(contacts)
    assert all(0 <= int(e["t_ms"]) <= t for e in events)  # type: ignore[call-overload]


def test_a_contact_read_as_two_steps_keeps_the_steps_in_time_order() -> None:
    """IPOL 4-6 opens with one contact's two peaks 200 ms apart: the first step is dated
    as walking (after its peak), the second as running at 300 spm (before it). Left
    alone, the second came out dated before the first."""
    events: list[dict[str, object]] = []
    s = session.Session(100, events.append)
    t = 0
    for k in range(400):  # 2 s standing, a double bump, 2 s standing
        up = 3000 if k in range(200, 204) or k in range(220, 224) else 0
        t = 10 * k
        s.feed_row((t, 0, 0, G + up, None, None, None))
    s.finish(t)
    steps = [e for e in events if e["type"] == "step"]
    assert [e["gait"] for e in steps] == ["walk", "run"]  # the case itself
    assert steps[0]["t_ms"] == steps[1]["t_ms"]
