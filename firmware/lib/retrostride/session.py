"""Samples and time in, events out: the loop the device, replay and the virtual device share.

A :class:`Session` owns the sensor guard, the step detector and the gait
classifier, and (with a plan) a coach. The app feeds it IMU samples with their
session time where the driver put them (``feed``); ``replay`` feeds it the rows
of a trace (``feed_row``, through ``feed``). Both therefore produce the same
events from the same samples, on CPython and on MicroPython.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


from array import array

from retrostride import events
from retrostride.gait import GaitClassifier
from retrostride.safety import FallDetector
from retrostride.sensor_guard import NONE, SensorGuard
from retrostride.stride import CLAMP_MM, EVERY_MASK, MASK, StepDetector

# A sample, as the device's IMU drivers lay it out: session time (ms), acceleration
# (mm/s^2) and angular rate (mrad/s) on three axes, ``NONE`` for a missing reading
FIELDS = const(7)
_SATURATION_MM = const(155000)  # just under a +-16 g range
# the detector keeps 512 samples and needs a peak 1.65 s old (a bout's first step
# waiting up to 1.5 s for a second): a faster trace is averaged down to this
MAX_RATE_HZ = const(300)


class Session:
    """Detection (and coaching, when a coach is given) over one run.

    ``emit(event)`` receives every event in time order of decision. Falls are
    detected here, with or without a plan; a coach gets a tick per sample,
    each step and each fall (it pauses the plan). ``has_gyro``: samples carry a
    gyroscope reading (it tells the classifier when the runner turns; a missing
    one is reported as a sensor warning); without it the gyro fields are not read.
    """

    def __init__(self, rate_hz, emit, coach=None, saturation_mm_s2=_SATURATION_MM, has_gyro=False):
        period = (1000 + rate_hz // 2) // rate_hz
        self._emit = emit
        self._has_gyro = has_gyro
        self._coach = coach
        self.now_ms = 0
        self.steps = 0
        self._a = array("i", (0, 0, 0))  # the sample's acceleration, clamped
        self._row = [0] * FIELDS  # ``feed_row``'s sample
        self.guard = SensorGuard(emit, period, saturation_mm_s2)
        self.detector = StepDetector(period, self._on_step)
        self.classifier = GaitClassifier(self.detector)
        self.falls = FallDetector(period)
        if coach is not None:
            # the runner is asked to change direction: the classifier stops
            # carrying the old direction over the pause of turning round
            coach.on_interval = self.classifier.new_interval

    def feed(self, buf, j):
        """The sample at ``buf[j:j + FIELDS]`` (ints, ``NONE`` where missing), the
        IMU driver's own buffer on the device.

        Called every sample, so its frame is kept within 11 words (MicroPython
        takes a larger one from the heap at every call): the sample stays in
        ``buf``, its clamped acceleration goes to both detectors in one array, a
        fall is handled in a helper, and locals are reused (each name is a word).
        """
        t = buf[j]
        self.now_ms = t
        if self.guard.check(buf, j):
            a = self._a  # clamped: the detectors' products stay small ints
            v = buf[j + 1]
            a[0] = CLAMP_MM if v > CLAMP_MM else (-CLAMP_MM if v < -CLAMP_MM else v)
            v = buf[j + 2]
            a[1] = CLAMP_MM if v > CLAMP_MM else (-CLAMP_MM if v < -CLAMP_MM else v)
            v = buf[j + 3]
            a[2] = CLAMP_MM if v > CLAMP_MM else (-CLAMP_MM if v < -CLAMP_MM else v)
            self.detector.feed(t, a)
            if self._has_gyro:
                if buf[j + 4] == NONE or buf[j + 5] == NONE or buf[j + 6] == NONE:
                    self.guard.gyro_missing(t)
                elif self.detector.n & EVERY_MASK == 0:  # a turn rate changes slowly
                    self.detector.turn(buf, j + 4)
            a = self.falls.feed(t, a)
            if a >= 0:
                self._fell(a, t)
        a = self._coach
        if a is not None:
            a.tick(t)

    def feed_row(self, row):
        """A trace row (time, then six readings, None where missing): ``feed`` for
        replay and the host's tools, which hold samples as tuples."""
        b = self._row
        for i in range(FIELDS):
            v = row[i]
            b[i] = NONE if v is None else v
        self.feed(b, 0)

    def _fell(self, t_fall, t_ms):
        self._emit(events.fall_at(t_fall, t_ms))
        if self._coach is not None:
            self._coach.on_fall(t_ms)

    def _on_step(self, t_contact, i_peak, i_prev):
        d = self.detector
        t_peak = d.t[i_peak & MASK]
        interval = t_peak - d.t[i_prev & MASK] if i_prev >= 0 else 0
        cadence = (60000 + interval // 2) // interval if interval > 0 else 0
        c = self.classifier
        direction, gait, confidence = c.classify(i_peak, i_prev, cadence)
        step = events.step(
            c.date(t_contact),
            events.DIRECTIONS[direction],
            events.GAITS[gait],
            cadence,
            confidence,
            self.now_ms,
        )
        self.steps += 1
        self._emit(step)
        if self._coach is not None:
            self._coach.on_step(step)

    def finish(self, t_ms):
        """End of data: the coach (if any) closes the session with its summary."""
        if self._coach is not None:
            self._coach.end(t_ms)
            # the app keeps the coach (its summary, the button) after the
            # session: it must not keep the detector's buffers alive too
            self._coach.on_interval = None


def replay(lines, name, emit, coach=None, plan_obj=None):
    """Run a whole trace (text lines) through a :class:`Session`.

    With ``plan_obj`` (a valid plan) a :class:`retrostride.coach.Coach` runs
    it from the trace's ``t_ms = 0``. The trace is streamed, so this runs on a
    small heap too; without ``rate_hz`` metadata its rate is read from its first
    rows, and a trace faster than ``MAX_RATE_HZ`` is averaged down
    (:func:`for_trace`). Raises ``retrostride.trace.TraceError`` for a malformed
    trace.
    """
    if coach is None and plan_obj is not None:
        from retrostride.coach import Coach

        coach = Coach(plan_obj, emit)
    from retrostride.trace import RATE_ROWS, Trace, iter_rows

    trace = Trace(name)
    rows = iter_rows(trace, lines)
    held = []  # the first rows: without rate_hz, the rate is read from them
    for row in rows:
        held.append(row)
        if trace.nominal_hz or len(held) >= RATE_ROWS:
            break
    if not held:
        return None
    session, every = for_trace(trace.rate_from(held), emit, coach, trace.has_gyro)
    if coach is not None:
        coach.tick(0)  # the plan starts at t_ms = 0, wherever the first row is
    t = 0
    for row in averaged(_chained(held, rows), every):
        t = row[0]
        session.feed_row(row)
    session.finish(t)
    return session


def for_trace(rate_hz, emit, coach=None, has_gyro=False):
    """A :class:`Session` for samples at ``rate_hz``, and how many of them make one
    of its samples (1 up to ``MAX_RATE_HZ``; 2 for 400 Hz, 4 for 1000 Hz)."""
    every = (rate_hz + MAX_RATE_HZ - 1) // MAX_RATE_HZ
    return Session((rate_hz + every // 2) // every, emit, coach, has_gyro=has_gyro), every


def averaged(rows, every):
    """Trace rows, ``every`` at a time made into one: the last one's time and the
    readings' means (None where one of the group's is missing), a boxcar low-pass
    before the decimation. Only the first seven fields (time, six readings) count."""
    if every == 1:
        for row in rows:
            yield row
        return
    group = []
    for row in rows:
        group.append(row)
        if len(group) == every:
            yield _mean(group)
            group = []
    if group:
        yield _mean(group)


def _mean(group):
    n = len(group)
    out = [group[-1][0]]
    for i in range(1, 7):
        total = 0
        for row in group:
            v = row[i]
            if v is None:
                total = None
                break
            total += v
        out.append(None if total is None else (total + n // 2) // n)
    return tuple(out)


def _chained(first, rest):
    for row in first:
        yield row
    for row in rest:
        yield row
