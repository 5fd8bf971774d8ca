"""Interval timer: a state machine over a flattened plan, driven by ticks and steps.

Time enters as millisecond ticks (session time in replay, ``time.ticks_ms()``
values on the device) and is only ever compared with
:func:`retrostride.ticks.ticks_diff`, so a session that spans the 2**30 wrap
runs exactly like one that does not.

No drift: a time-counted block ends at the plan's own time -- the previous
boundary plus the block's duration, in "active" ms (elapsed since start minus
time spent paused) -- never at "sample time + accumulated deltas". A step-
counted block, a skip, or a backward block in the ``backward_steps`` clock
mode (which counts only time stepping backward, and ends at twice its length
in plan time at the latest) ends when it ends; the next boundary is counted
from there.

Per tick nothing is allocated: state is ints and preallocated arrays.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


from array import array

from retrostride.ticks import ticks_diff

IDLE = const(0)
RUNNING = const(1)
PAUSED = const(2)
DONE = const(3)

_BACK_HOLD_MS = const(1500)  # backward_steps clock: runs this long after a backward step
# ... and the block ends anyway after this many times its length in plan time: a
# runner who does not go backward is not held in it (and warned) for ever
_BACK_CEILING = const(2)


class Timer:
    """Interval state machine over ``flat`` (``plan.flatten`` output).

    ``on_block(now, index)`` is called when block ``index`` begins (index 0 at
    :meth:`start`), and with ``index == len(flat)`` when the plan is over.
    """

    def __init__(self, flat, on_block, backward_clock=False):
        n = len(flat)
        self.n = n
        self.kinds = [k for k, _, _ in flat]
        self._ms = array("i", [s * 1000 for _, s, _ in flat])
        self._steps = array("i", [c for _, _, c in flat])
        self._back = array("b", [1 if k == "backward" else 0 for k, _, _ in flat])
        self._on_block = on_block
        self._backward_clock = backward_clock
        self.state = IDLE
        self.index = -1
        self._start = 0
        self._paused_ms = 0
        self._pause_at = 0
        self._block_start = 0  # active ms at which the current block began
        self.count = 0  # steps counted in the current block
        self._credit = 0  # backward_steps clock: ms credited in the block
        self._credit_t = 0
        self._last_back = 0
        self._seen_back = False

    def active_ms(self, now):
        """Plan time: ms since start, not counting pauses."""
        if self.state == PAUSED:
            now = self._pause_at
        return ticks_diff(now, self._start) - self._paused_ms

    def start(self, now):
        if self.state != IDLE:
            return
        self.state = RUNNING
        self._start = now
        self._credit_t = now
        self._enter(now, 0, 0)

    def _enter(self, now, i, block_start):
        self.index = i
        self._block_start = block_start
        self.count = 0
        self._credit = 0
        self._credit_t = now
        if i >= self.n:
            self.state = DONE
        self._on_block(now, i)

    def tick(self, now):
        """Advance to ``now``; crosses as many block ends as have passed.

        Runs every sample, so its frame is kept to 11 words or less, which
        MicroPython puts on the stack (a larger one is taken from the heap at
        every call, ``VM_MAX_STATE_ON_STACK``): a timed block runs on plan time
        (``active_ms`` written out), a timed backward block on the
        backward_steps clock when that is on (``_back_clock``).
        """
        while self.state == RUNNING:
            i = self.index
            d = self._ms[i]
            if d == 0:
                return  # step-counted: ends in on_step
            if self._backward_clock and self._back[i]:
                if not self._back_clock(now, d):
                    return
            else:
                d += self._block_start  # the block's end, in plan time
                if ticks_diff(now, self._start) - self._paused_ms < d:
                    return
                self._enter(now, i + 1, d)

    def _back_clock(self, now, d):
        """Credit the backward_steps clock up to ``now``; True when the block's ``d``
        ms are used up and the next block has begun."""
        if self._seen_back and ticks_diff(now, self._last_back) <= _BACK_HOLD_MS:
            self._credit += ticks_diff(now, self._credit_t)
        self._credit_t = now
        active = self.active_ms(now)
        if self._credit < d and active - self._block_start < _BACK_CEILING * d:
            return False
        self._enter(now, self.index + 1, active)
        return True

    def on_step(self, now, direction):
        """A detected step (``direction`` a string) decided at ``now``."""
        if direction == "backward":
            self._last_back = now
            self._seen_back = True
        if self.state != RUNNING:
            return
        i = self.index
        if self._ms[i] == 0:
            self.count += 1
            if self.count >= self._steps[i]:
                self._enter(now, i + 1, self.active_ms(now))
        else:
            self.count += 1

    def remaining_ms(self, now):
        """ms left in a time-counted block, or -1 for a step-counted one / not running."""
        state = self.state
        if state != RUNNING and state != PAUSED:
            return -1
        i = self.index
        d = self._ms[i]
        if d == 0:
            return -1
        if self._backward_clock and self._back[i]:
            return d - self._credit
        if state == PAUSED:
            now = self._pause_at
        return self._block_start + d - ticks_diff(now, self._start) + self._paused_ms

    def remaining_steps(self):
        if self.state != RUNNING and self.state != PAUSED:
            return -1
        i = self.index
        return self._steps[i] - self.count if self._ms[i] == 0 else -1

    def duration_ms(self, i):
        return self._ms[i]

    def pause(self, now):
        if self.state == RUNNING:
            self.tick(now)
        if self.state == RUNNING:
            self.state = PAUSED
            self._pause_at = now
            return True
        return False

    def resume(self, now):
        if self.state == PAUSED:
            self._paused_ms += ticks_diff(now, self._pause_at)
            self.state = RUNNING
            self._credit_t = now
            return True
        return False

    def skip(self, now):
        """End the current block now (button); the next one starts at once."""
        if self.state == RUNNING:
            self._enter(now, self.index + 1, self.active_ms(now))
            return True
        return False

    def end(self, now):
        if self.state != DONE:
            self.state = DONE
