"""The coach: turns time, steps and falls into what the runner feels and the log keeps.

The :class:`retrostride.session.Session` drives it: ``on_sample`` and ``tick``
per sample, ``on_step`` per decided step, ``on_fall`` per confirmed fall,
``end`` when the data (or the session) ends. The app's button calls
``pause``/``resume``/``skip``/``end``. Everything it decides is an event:

- ``session_start`` at the first sample, ``interval`` + a start buzz
  (``start_backward``/``start_forward``/``start_rest`` or the block's cue) at
  each change, a ``countdown`` buzz ``countdown_s`` before each change;
- wrong-direction coaching: in a backward interval, once the turn-round grace
  is over (6.5 s, and the first 4 steps of a new bout after a pause in stepping,
  while the classifier settles), when at least 5 of the last 6 steps are
  forward, a ``warning`` (``wrong_direction``) and its buzz, then not again
  for 15 s; the same for backward steps in a forward interval;
- ``backward_limit`` when continuous backward time passes the cap;
- ``fall`` buzz and a paused plan after a fall (the button resumes it, with the next
  interval if the fall came in a backward one);
- ``pause`` again every 30 s to a runner who goes on stepping while the plan stands;
- ``session_end`` with per-interval compliance (of the steps whose direction
  was decided, the share that went the asked way: a U-turn's steps and a
  bout's first ones are not held against the runner) and totals.

Per tick nothing is allocated: the tick path compares ints only.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


from array import array

from retrostride import events, plan
from retrostride.safety import BackwardCap
from retrostride.ticks import ticks_diff
from retrostride.timer import DONE, IDLE, PAUSED, RUNNING, Timer

GRACE_MS = const(6500)  # turning round + the classifier settling, from the interval start
BOUT_SKIP = const(4)  # first steps of a bout (after a pause in stepping) are not judged
_BOUT_GAP_MS = const(1200)
WARN_EVERY_MS = const(15000)
_WINDOW = const(6)  # last steps looked at
_WRONG_OF_WINDOW = const(5)  # this many of them in the wrong direction
_MIN_CONF = 0.5  # the classifier says 0.5 for a decided step with no margin to spare
_COUNTDOWN_MS = const(4000)
_COUNTDOWN_STEPS = const(6)  # a step-counted block's countdown: ~3-4 s of steps
_CAP_GRACE_S = const(10)  # continuous backward may overrun the plan's cap by this
_MAX_STEP_GAP_MS = const(1500)  # longer gaps between steps are not "moving"
_END_SLACK_MS = const(2000)  # data ending this close to the plan's end: completed
# a runner who goes on stepping while the plan stands (after a fall, or a pause they
# forgot) is told it stands again, this often
_PAUSED_REMIND_MS = const(30000)

_START = {
    "backward": "start_backward",
    "forward": "start_forward",
    "warmup": "start_forward",
    "rest": "start_rest",
    "cooldown": "start_rest",
}
_ASKED = {"backward": 1, "forward": 0, "warmup": 0, "cooldown": 0, "rest": -1}  # 1 back, 0 fwd


class Coach:
    """Runs one plan over one session and emits its events through ``emit``."""

    def __init__(self, plan_obj, emit, cap_s=None, cap_steps=None, origin=0):
        self.name = plan_obj["name"]
        self._emit = emit
        self.on_interval = None  # called with its kind as each interval starts (Session wires it)
        self._origin = origin
        flat = plan.flatten(plan_obj)
        ext = plan.extensions(plan_obj)
        n = len(flat)
        self.n = n
        cue = plan.cues(plan_obj) if "cues" in ext else [None] * n
        self._patterns = [cue[i] or _START[flat[i][0]] for i in range(n)]
        self._asked = array("b", [_ASKED[k] for k, _, _ in flat])
        self._wrong_ok = array("b", [1 if k in ("forward", "backward") else 0 for k, _, _ in flat])
        cd = plan_obj.get("countdown_s") if "cues" in ext else None
        self.countdown_ms = cd * 1000 if cd else _COUNTDOWN_MS
        clock = "backward_steps" if plan_obj.get("backward_clock") == "backward_steps" else "wall"
        self.timer = Timer(flat, self._on_block, "backward_clock" in ext and clock != "wall")
        cs, _ = plan.caps(plan_obj, cap_s, cap_steps)
        self.cap = BackwardCap((cs + _CAP_GRACE_S) * 1000)
        # per-interval tallies
        self.i_steps = array("i", bytes(4 * n))
        self.i_asked = array("i", bytes(4 * n))
        self.i_decided = array("i", bytes(4 * n))  # steps not ``unknown``
        self.i_back_ms = array("i", bytes(4 * n))
        self.i_warnings = array("i", bytes(4 * n))
        self.steps = 0
        self.backward_steps = 0
        self.back_ms = 0
        self.falls = 0
        self.skipped = 0
        self.warnings = 0
        self.limits = 0
        self._recent = array("b", bytes(_WINDOW))  # 1: wrong direction, ring
        self._recent_n = 0
        self._interval_t = 0
        self._last_warn = 0
        self._warned = False
        self._last_step_t = 0
        self._any_step = False
        self._bout_steps = 0
        self._countdown_done = True
        self._plan_done = False
        self._fell = False  # the plan stands because of a fall (``resume``)
        self._paused_cue_t = 0  # when the plan's standing was last told (``_remind_paused``)
        self._ended = False

    def _t(self, now):
        return ticks_diff(now, self._origin)

    # -- driven by the session ---------------------------------------------------

    def tick(self, now):
        """Per sample (or more often): the plan starts at the first tick.

        Kept to a frame of 11 words or less, so that MicroPython puts it on the
        stack and not the heap at every call (``VM_MAX_STATE_ON_STACK``): the
        rare work is in helpers.
        """
        timer = self.timer
        if timer.state == IDLE:
            self._begin(now)
        timer.tick(now)
        if timer.state == RUNNING and not self._countdown_done:
            self._count_down(now)
        # the cap watches the runner, not the plan: a pause does not end a run backward
        if self.cap.running and self.cap.due(now):  # a call saved per sample
            self._cap_reached(now)

    def _count_down(self, now):
        rem = self.timer.remaining_ms(now)
        if 0 <= rem <= self.countdown_ms:
            self._countdown_done = True
            self._emit(events.buzz(self._t(now), "countdown"))

    def _cap_reached(self, now):
        self.limits += 1
        t = self._t(now)
        self._emit(events.warning(t, "backward_limit"))
        self._emit(events.buzz(t, "backward_limit"))

    def on_step(self, step):
        now = step.get("decided_ms", step["t_ms"])
        t_step = step["t_ms"]
        direction = step["direction"]
        back = direction == "backward"
        timer = self.timer
        if timer.state == IDLE:
            self._begin(now)
        self.steps += 1
        gap = ticks_diff(t_step, self._last_step_t) if self._any_step else 0
        if not self._any_step or gap > _BOUT_GAP_MS:
            self._bout_steps = 0  # a new bout: its direction is not settled yet
        self._bout_steps += 1
        if gap < 0 or gap > _MAX_STEP_GAP_MS:
            gap = 0
        self._last_step_t = t_step
        self._any_step = True
        if back:
            self.backward_steps += 1
            self.back_ms += gap
        self.cap.on_step(t_step, direction)
        i = timer.index
        if timer.state == PAUSED and self._bout_steps > BOUT_SKIP:
            self._remind_paused(now)
        if timer.state == RUNNING and 0 <= i < self.n:
            self.i_steps[i] += 1
            asked = self._asked[i]
            if (asked == 1 and back) or (asked == 0 and direction == "forward"):
                self.i_asked[i] += 1
            if direction != "unknown":
                self.i_decided[i] += 1
            if back:
                self.i_back_ms[i] += gap
            if self._wrong_ok[i]:
                self._coach_direction(now, t_step, i, asked, direction, step["confidence"])
        timer.on_step(now, direction)
        if not self._countdown_done and timer.state == RUNNING:
            left = timer.remaining_steps()
            if 0 < left <= _COUNTDOWN_STEPS:  # step-counted block: about 3-4 s to go
                self._countdown_done = True
                self._emit(events.buzz(self._t(now), "countdown"))

    def _remind_paused(self, now):
        if ticks_diff(now, self._paused_cue_t) >= _PAUSED_REMIND_MS:
            self._paused_cue_t = now
            self._emit(events.buzz(self._t(now), "pause"))

    def _coach_direction(self, now, t_step, i, asked, direction, confidence):
        if self._bout_steps <= BOUT_SKIP:
            return
        wrong = direction == ("forward" if asked == 1 else "backward") and confidence >= _MIN_CONF
        self._recent[self._recent_n % _WINDOW] = 1 if wrong else 0
        self._recent_n += 1
        if not wrong or ticks_diff(t_step, self._interval_t) < GRACE_MS:
            return  # the latest step must itself be wrong: a turning runner is not nagged
        k = 0
        for j in range(_WINDOW):
            k += self._recent[j]
        if k < _WRONG_OF_WINDOW:
            return
        if self._warned and ticks_diff(now, self._last_warn) < WARN_EVERY_MS:
            return
        self._warned = True
        self._last_warn = now
        self.warnings += 1
        self.i_warnings[i] += 1
        t = self._t(now)
        self._emit(events.warning(t, "wrong_direction"))
        self._emit(events.buzz(t, "wrong_direction"))

    def on_fall(self, t_ms):
        """A fall was confirmed (the session emitted it): alert and pause the plan; the
        resume after it goes on with the next interval if this one was backward."""
        self.falls += 1
        self._emit(events.buzz(self._t(t_ms), "fall"))
        self.cap.reset()
        if self.timer.state == RUNNING and self.timer.pause(t_ms):
            self._fell = True
            self._paused_cue_t = t_ms

    # -- the button --------------------------------------------------------------

    def pause(self, now):
        if self.timer.pause(now):
            self._paused_cue_t = now
            self._emit(events.buzz(self._t(now), "pause"))
            return True
        return False

    def resume(self, now):
        timer = self.timer
        if not timer.resume(now):
            return False
        self._emit(events.buzz(self._t(now), "resume"))
        fell = self._fell
        self._fell = False
        i = timer.index
        if fell and 0 <= i < self.n and timer.kinds[i] == "backward":
            timer.skip(now)  # not straight back into backward running after a fall
        return True

    def is_paused(self):
        """Paused by the button or by a fall (the app asks before a press)."""
        return self.timer.state == PAUSED

    def toggle(self, now):
        """The start/pause button: resume when paused (also after a fall), else pause."""
        return self.resume(now) if self.is_paused() else self.pause(now)

    def skip(self, now):
        if self.timer.skip(now):
            self.skipped += 1
            return True
        return False

    # -- start and end -----------------------------------------------------------

    def _begin(self, now):
        self._emit(events.session_start(self._t(now), self.name))
        self.timer.start(now)

    def _on_block(self, now, i):
        t = self._t(now)
        if i >= self.n:
            self._plan_done = True
            self._countdown_done = True
            self._emit(events.buzz(t, "session_end"))
            return
        self._interval_t = now
        self._warned = False  # a new interval's first warning waits for nothing before it
        if self.on_interval is not None:
            self.on_interval(self.timer.kinds[i])
        self._recent_n = 0
        for j in range(_WINDOW):
            self._recent[j] = 0
        d = self.timer.duration_ms(i)
        # a countdown only where it cannot be confused with the start buzz
        if d == 0:
            self._countdown_done = self.timer.remaining_steps() <= 2 * _COUNTDOWN_STEPS
        else:
            self._countdown_done = d < self.countdown_ms + 2000
        self._emit(events.interval(t, i, self.timer.kinds[i]))
        self._emit(events.buzz(t, self._patterns[i]))

    def end(self, now):
        """Close the session: the summary goes into ``session_end``."""
        if self._ended:
            return
        self._ended = True
        timer = self.timer
        if timer.state == IDLE:
            self._begin(now)
        completed = self._plan_done
        if not completed and timer.state == RUNNING and timer.index == self.n - 1:
            rem = timer.remaining_ms(now)
            completed = 0 <= rem <= _END_SLACK_MS
        if timer.state != DONE:
            timer.end(now)
        if not self._plan_done:
            self._emit(events.buzz(self._t(now), "session_end"))
        self._emit(events.session_end(self._t(now), self.name, self.summary(completed)))

    def summary(self, completed):
        compliance = []
        steps = []
        back_s = []
        for i in range(self.n):
            s = self.i_steps[i]
            d = self.i_decided[i]
            a = self._asked[i]
            compliance.append((self.i_asked[i] * 100 + d // 2) // d if d and a >= 0 else None)
            steps.append(s)
            back_s.append((self.i_back_ms[i] + 500) // 1000)
        return {
            "steps": self.steps,
            "backward_steps": self.backward_steps,
            "backward_s": (self.back_ms + 500) // 1000,
            "compliance": compliance,
            "interval_kinds": self.timer.kinds,
            "interval_steps": steps,
            "interval_backward_s": back_s,
            "intervals_reached": self.n if self._plan_done else self.timer.index + 1,
            "completed": completed,
            "falls": self.falls,
            "skipped": self.skipped,
            "wrong_direction": self.warnings,
            "backward_limit": self.limits,
            "longest_backward_s": (self.cap.longest_ms + 500) // 1000,
        }
