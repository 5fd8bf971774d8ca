"""A non-blocking player of the haptic vocabulary (``cues``): what the runner feels.

The rhythm strings are parsed once at import into flat preallocated arrays
(runs of equal level with their cumulative end times), so playing allocates
nothing.

:class:`Player` is ticked by the app (``tick(now_ms) -> level 0..255``, the
motor is set to that level). Cues have priorities: a higher-priority cue
pre-empts the one playing at once (which is queued again, from its start); an
equal or lower one waits in a small queue and follows after ``GAP_MS`` of
silence (else SOS's last dit and B's first dah would feel like one pulse), and
a queued cue that waited too long is dropped (a countdown for a change that has
already happened is noise). Strength per board: ``scale_pct`` caps the
strength, ``min_level`` lifts every non-zero level so a weak ERM still spins,
``kick_ms`` starts every pulse at full strength for that long (an ERM at rest
needs a kick to spin up quickly, then holds at a lower level); ``binary=True``
renders every pulse as full on/off for a buzzer or an LED, keeping the rhythm.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from array import array

from retrostride.cues import NAMES, PATTERNS
from retrostride.ticks import ticks_add, ticks_diff

SLOT_MS = const(50)
GAP_MS = const(400)  # silence between two queued cues, so they do not run together
_QUEUE = const(4)

_LEVELS = {"#": 255, "+": 170, ":": 100, ".": 0}


def _parse(rhythm):
    """Runs of ``(level, duration_ms)`` of one rhythm string; ValueError if malformed."""
    runs = []
    for ch in rhythm:
        if ch not in _LEVELS:
            raise ValueError("bad rhythm char " + repr(ch))
        level = _LEVELS[ch]
        if runs and runs[-1][0] == level:
            runs[-1][1] += SLOT_MS
        else:
            runs.append([level, SLOT_MS])
    if not runs or runs[0][0] == 0 or runs[-1][0] == 0:
        raise ValueError("a rhythm must start and end with a pulse")
    return runs


def _build():
    levels = array("B")
    ends = array("H")
    first = array("H")
    count = array("H")
    prio = array("B")
    stale = array("H")
    for name, rhythm, priority, max_wait, _meaning in PATTERNS:
        runs = _parse(rhythm)
        first.append(len(levels))
        count.append(len(runs))
        prio.append(priority)
        stale.append(max_wait)
        t = 0
        for level, dur in runs:
            t += dur
            levels.append(level)
            ends.append(t)
    return levels, ends, first, count, prio, stale


_LEVEL, _END, _FIRST, _COUNT, _PRIO, _STALE = _build()


def index(name):
    """Pattern number of ``name``, or -1 if it is not in the vocabulary."""
    for i in range(len(NAMES)):
        if NAMES[i] == name:
            return i
    return -1


def runs(name):
    """``[(level, duration_ms), ...]`` of a pattern (for tests and docs)."""
    i = index(name)
    out = []
    prev = 0
    for k in range(_FIRST[i], _FIRST[i] + _COUNT[i]):
        out.append((_LEVEL[k], _END[k] - prev))
        prev = _END[k]
    return out


def duration_ms(name):
    i = index(name)
    return _END[_FIRST[i] + _COUNT[i] - 1]


def onoff(level):
    """On/off rendering of a level, for a buzzer or an LED."""
    return 1 if level > 0 else 0


def table():
    """``[(name, rhythm, priority, meaning), ...]``: the vocabulary for the README."""
    return [(p[0], p[1], p[2], p[4]) for p in PATTERNS]


def doc():
    """The vocabulary as a Markdown table."""
    lines = [
        "One character = " + str(SLOT_MS) + " ms: `#` full, `+` medium, `:` weak, `.` off.",
        "",
        "| name | rhythm | priority | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, rhythm, priority, meaning in table():
        cells = (name, "`" + rhythm + "`", str(priority), meaning)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


class Player:
    """Plays named patterns without blocking; ``tick`` gives the motor level.

    ``play`` returns True if the cue starts or is queued, False if it is
    unknown, already pending, or dropped because the queue is full of more
    urgent cues. ``preempted``, ``dropped`` and ``stale`` count lost cues.
    """

    def __init__(self, scale_pct=100, min_level=0, binary=False, kick_ms=0):
        top = 255 * scale_pct // 100
        top = 255 if top > 255 else (1 if top < 1 else top)
        if min_level > top:
            min_level = top
        lut = bytearray(256)
        for raw in range(1, 256):
            if binary:
                lut[raw] = 255
            else:
                v = min_level + raw * (top - min_level) // 255
                lut[raw] = v if v > 0 else 1
        self._lut = lut
        self._top = 255 if binary else top  # the kick level
        self.kick_ms = kick_ms
        self._cur = -1  # pattern playing, -1 when silent
        self._start = 0
        self._k = 0  # index into _LEVEL/_END of the current run
        self._q_pat = array("b", [-1] * _QUEUE)
        self._q_t = array("i", [0] * _QUEUE)
        self._q_n = 0
        self.preempted = 0
        self.dropped = 0
        self.stale = 0
        self.level = 0

    @property
    def playing(self):
        """Name of the pattern being played, or None."""
        return NAMES[self._cur] if self._cur >= 0 else None

    def busy(self):
        return self._cur >= 0 or self._q_n > 0

    def play(self, name, now_ms):
        p = index(name)
        if p < 0:
            return False
        cur = self._cur
        if cur < 0:
            self._start_pattern(p, now_ms)
            return True
        if _PRIO[p] > _PRIO[cur]:
            self.preempted += 1
            # the interrupted cue plays again afterwards if it is still fresh then
            self._enqueue(cur, self._start)
            self._start_pattern(p, now_ms)
            return True
        if p == cur:
            return False
        return self._enqueue(p, now_ms)

    def stop(self):
        """Silence now and forget every queued cue."""
        self._cur = -1
        self._q_n = 0
        self.level = 0

    def tick(self, now_ms):
        """Advance to ``now_ms``; return the level (0..255) to drive the motor with."""
        cur = self._cur
        next_start = now_ms
        if cur >= 0:
            t = ticks_diff(now_ms, self._start)
            if t < 0:  # the gap before a queued cue
                self.level = 0
                return 0
            k = self._k
            last = _FIRST[cur] + _COUNT[cur] - 1
            while k <= last and t >= _END[k]:
                k += 1
            if k > last:
                self._cur = -1
                next_start = ticks_add(self._start, _END[last] + GAP_MS)
                if ticks_diff(next_start, now_ms) < 0:
                    next_start = now_ms
            else:
                self._k = k
                level = self._lut[_LEVEL[k]]
                if level and self.kick_ms:
                    first = _FIRST[cur]
                    # a pulse after silence: full strength for its first kick_ms
                    if k == first or _LEVEL[k - 1] == 0:
                        begun = _END[k - 1] if k > first else 0
                        if t - begun < self.kick_ms:
                            level = self._top
                self.level = level
                return level
        while self._q_n > 0:
            p = self._q_pat[0]
            waited = ticks_diff(next_start, self._q_t[0])
            self._pop_front()
            if waited <= _STALE[p]:
                self._start_pattern(p, next_start)
                return self.tick(now_ms)
            self.stale += 1
        self.level = 0
        return 0

    def _start_pattern(self, p, now_ms):
        self._cur = p
        self._start = now_ms
        self._k = _FIRST[p]

    def _pop_front(self):
        n = self._q_n - 1
        qp = self._q_pat
        qt = self._q_t
        for i in range(n):
            qp[i] = qp[i + 1]
            qt[i] = qt[i + 1]
        self._q_n = n

    def _enqueue(self, p, now_ms):
        qp = self._q_pat
        qt = self._q_t
        n = self._q_n
        for i in range(n):
            if qp[i] == p:
                return False  # already waiting: one cue is enough
        if n == _QUEUE:
            # full: the least urgent, newest entry makes room, unless it is this one
            low = n - 1
            for i in range(n - 1, -1, -1):
                if _PRIO[qp[i]] < _PRIO[qp[low]]:
                    low = i
            if _PRIO[qp[low]] >= _PRIO[p]:
                self.dropped += 1
                return False
            for i in range(low, n - 1):
                qp[i] = qp[i + 1]
                qt[i] = qt[i + 1]
            n -= 1
            self.dropped += 1
        # keep the queue ordered by priority, FIFO within a priority
        pos = n
        while pos > 0 and _PRIO[qp[pos - 1]] < _PRIO[p]:
            qp[pos] = qp[pos - 1]
            qt[pos] = qt[pos - 1]
            pos -= 1
        qp[pos] = p
        qt[pos] = now_ms
        self._q_n = n + 1
        return True
