"""The RetroStride app: the one module that wires hardware to the core.

It reads ``/board.json``, builds the drivers it names, loads ``/plan.json``
(falling back to the safe default plan, with a ``warning`` in the log, when the
file is missing or damaged) and runs asyncio tasks:

- sensor pump: FIFO burst from the IMU -> ``Session.sample`` per sample;
- event sink: every event the core emits -> logbook record; ``buzz`` -> player;
- haptics: ``Player.tick`` -> motor level;
- button: short = start / pause-resume, double = skip, long = stop;
- watchdog feed, battery check (``low_battery``), idle light and deep sleep.

Only this module knows about ``machine``. The per-sample work is the plain
method :meth:`App.pump` and the haptics step :meth:`App.tick`, so the virtual
device calls them directly with a simulated clock (``host_tools/vdev/mp``),
while on a board the asyncio tasks call them with ``time.ticks_ms()``.
Times given to :meth:`pump` are ticks (they may wrap); the core only ever sees
session time (ms since the session started), as ``replay`` does.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

import json

from retrostride import events
from retrostride.ticks import ticks_diff

BOARD_FILE = "/board.json"
PLAN_FILE = "/plan.json"
VERSION = "0.1"

_PUMP_MS = const(40)  # FIFO read period: 4 samples at 100 Hz, far below FIFO depth
_HAPTIC_MS = const(10)
_BUTTON_MS = const(10)
_WDT_MS = const(8000)
_WDT_FEED_MS = const(1000)
_BATTERY_MS = const(60000)
_LOW_BATTERY_MV = const(3450)
_LIGHT_SLEEP_AFTER_MS = const(60000)  # idle (no session) before light sleeping
_DEEP_SLEEP_AFTER_MS = const(600000)  # idle before deep sleep (button wakes)
_LIGHT_SLEEP_MS = const(200)
_MAX_BURST = const(64)  # samples per FIFO read, bounded by the buffer below


def read_text(path):
    """A small file's text, or None when it is missing or unreadable."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def read_board(path=BOARD_FILE):
    text = read_text(path)
    if text is None:
        raise OSError("no board file " + path)
    return json.loads(text)


def load_plan(text):
    """``(plan, problem)``: the plan module's load-or-default (problem is None if fine)."""
    from retrostride import plan as plan_mod

    return plan_mod.load_or_default(text)


def make_coach(plan, emit, rate_hz):
    """The core's coach for ``plan`` (PLAN/COACH's interface, built as replay builds it)."""
    from retrostride import coach as coach_mod

    return coach_mod.Coach(plan, emit)


class App:
    """Board drivers + core session + haptics + logbook; no asyncio in here.

    ``hw`` is an optional dict of ready-made parts (``imu``, ``motor``,
    ``button``, ``battery``) that replaces building them from the board; the
    tests and the virtual device pass nothing and get the real drivers over the
    fake ``machine``.
    """

    def __init__(self, board, plan_text=None, hw=None, log_dir=None, tap=None):
        self.board = board
        self.plan, self.plan_problem = load_plan(plan_text)
        hw = hw or {}
        self.i2c = None
        self.imu = hw.get("imu") or self._make_imu(board)
        self.rate_hz = self.imu.rate_hz
        self.motor = hw.get("motor") or self._make_motor(board)
        self.button = hw.get("button") or self._make_button(board)
        self.battery = hw.get("battery") or self._make_battery(board)
        self.player = self._make_player(board)
        self.log_dir = log_dir
        self.tap = tap  # the virtual device's record of what the chip delivered
        self.session = None
        self.coach = None
        self.writer = None
        self.log_path = None
        self.paused = False
        self.running = False
        self.events = 0
        self.low_battery = False
        self.level = 0
        self._t0 = 0
        self._k = 0  # samples given to the session; their time is derived from the ODR
        self._last_t = 0
        self._idle_since = 0
        self._buf = self.imu.buffer(_MAX_BURST)

    # -- building from the board ---------------------------------------------------------

    def _make_imu(self, board):
        import machine

        from drivers.i2c_bus import I2CBus
        from drivers.imu import make_imu

        c = board["i2c"]
        i2c = machine.I2C(
            c.get("id", 0), scl=machine.Pin(c["scl"]), sda=machine.Pin(c["sda"]), freq=c["freq"]
        )
        self.i2c = I2CBus(i2c)
        return make_imu(self.i2c, board)

    def _make_motor(self, board):
        h = board.get("haptic") or {}
        kind = h.get("kind")
        if kind == "drv2605":
            from drivers.drv2605 import DRV2605

            return DRV2605(self.i2c, h)
        if kind in ("erm_pwm", "pwm", "buzzer", "led"):
            from drivers.erm_pwm import ErmPwm

            return ErmPwm(h)
        return None

    def _make_button(self, board):
        """The button's pin, polled; the gesture logic is the core's ``Button``."""
        b = board.get("button")
        if not b:
            return None
        import machine

        from retrostride.button import Button

        active_low = b.get("active_low", True)
        pull = machine.Pin.PULL_UP if active_low else machine.Pin.PULL_DOWN
        self._button_pin = machine.Pin(b["pin"], machine.Pin.IN, pull)
        self._button_down = 0 if active_low else 1
        return Button()

    def poll_button(self, now_ms):
        """One raw reading of the button through the gesture logic; acts on a gesture."""
        kind = self.button.update(now_ms, self._button_pin.value() == self._button_down)
        if kind:
            self.press(kind, now_ms)
        return kind

    def _make_battery(self, board):
        b = board.get("battery")
        if not b:
            return None
        from drivers.battery import Battery

        return Battery(b["pin"], b.get("divider", 2))

    def _make_player(self, board):
        from retrostride.haptics import Player

        h = board.get("haptic") or {}
        binary = h.get("kind") in ("buzzer", "led")  # same rhythms, on/off only
        return Player(h.get("strength_pct", 100), h.get("min_level", 0), binary)

    # -- the session ---------------------------------------------------------------------

    def _sink(self, event):
        """Every core event: one logbook record; a buzz also goes to the player."""
        self.events += 1
        if self.writer is not None:
            self.writer.append(event)
        if event["type"] == "buzz":
            self.player.play(event["pattern"], self._last_t)

    def _open_log(self):
        from retrostride import logbook

        d = self.log_dir or logbook.LOG_DIR
        try:
            import os

            os.mkdir(d)
        except OSError:
            pass  # already there
        path = d + "/" + logbook.next_name(d) + logbook.LOG_SUFFIX
        stream = open(path, "wb")
        header = {
            "plan": self.plan.get("name", ""),
            "board": self.board.get("name", ""),
            "rate_hz": self.rate_hz,
            "app": VERSION,
        }
        self.writer = logbook.Writer(stream, header)
        self.log_path = path
        return stream

    def start_session(self, now_ms):
        """Start logging and coaching; session time 0 is ``now_ms`` (ticks)."""
        from retrostride.session import Session

        self._stream = self._open_log()
        self._t0 = now_ms
        self._k = 0
        self._last_t = 0
        if self.plan_problem is not None:
            w = events.warning(0, "plan")
            w["detail"] = self.plan_problem
            self._sink(w)
        self.coach = make_coach(self.plan, self._sink, self.rate_hz)
        self.session = Session(self.rate_hz, self._sink, self.coach)
        self.imu.flush()
        self.running = True
        self.paused = False

    def stop_session(self):
        """End of the session: the coach's summary, then the log is closed."""
        if self.session is None:
            return
        self.session.finish(self._last_t)
        self.session = None
        self.running = False
        self.writer = None
        self._stream.close()

    def pump(self, now_ms):
        """Read the IMU FIFO once and feed each sample to the session; returns the count.

        Sample times come from the sample counter and the output data rate, not
        from ``now_ms``: a late read does not shift them.
        """
        buf = self._buf
        n = self.imu.read(buf)
        session = self.session
        if session is None or self.paused:
            return n
        tap = self.tap
        rate = self.rate_hz
        i = 0
        while i < n:
            j = 6 * i
            t = (self._k * 1000) // rate
            self._k += 1
            self._last_t = t
            if tap is not None:
                tap(t, buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
            if self.imu.has_gyro:
                session.sample(t, buf[j], buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5])
            else:
                session.sample(t, buf[j], buf[j + 1], buf[j + 2], None, None, None)
            i += 1
        return n

    def tick(self, now_ms):
        """Haptics step: the player's level for this moment goes to the motor."""
        t = self._last_t if self.session is not None else ticks_diff(now_ms, self._t0)
        level = self.player.tick(t)
        if level != self.level:
            self.level = level
            if self.motor is not None:
                self.motor.set(level)
        return level

    def press(self, kind, now_ms):
        """A button gesture: ``short`` start/pause-resume, ``double`` skip, ``long`` stop."""
        if kind == "short":
            if self.session is None:
                self.start_session(now_ms)
            elif self.paused:
                self.paused = False
                self.coach.resume(self._last_t)
            else:
                self.paused = True
                self.coach.pause(self._last_t)
        elif kind == "double" and self.session is not None:
            self.coach.skip(self._last_t)
        elif kind == "long" and self.session is not None:
            self.stop_session()
        self._idle_since = now_ms

    def check_battery(self, now_ms):
        """One battery reading; below the threshold once: ``low_battery`` buzz and warning."""
        if self.battery is None or self.low_battery:
            return
        mv = self.battery.millivolts()
        if 0 < mv < _LOW_BATTERY_MV:
            self.low_battery = True
            t = self._last_t
            w = events.warning(t, "battery")
            w["mv"] = mv
            self._sink(w)
            self._sink(events.buzz(t, "low_battery"))


# -- asyncio tasks: a board only (the virtual device calls pump/tick itself) ------------


async def _every(ms, fn):
    import asyncio
    import time

    while True:
        fn(time.ticks_ms())
        await asyncio.sleep_ms(ms)


async def _button_task(app):
    import asyncio
    import time

    while True:
        app.poll_button(time.ticks_ms())
        await asyncio.sleep_ms(_BUTTON_MS)


async def _power_task(app):
    """Idle (no session): light sleep in short naps, then deep sleep woken by the button."""
    import asyncio
    import time

    import machine

    app._idle_since = time.ticks_ms()
    while True:
        await asyncio.sleep_ms(1000)
        if app.session is not None:
            app._idle_since = time.ticks_ms()
            continue
        idle = time.ticks_diff(time.ticks_ms(), app._idle_since)
        if idle > _DEEP_SLEEP_AFTER_MS and app.button is not None:
            try:
                import esp32

                esp32.wake_on_ext0(
                    machine.Pin(app.board["button"]["pin"]),
                    0 if app.board["button"].get("active_low", True) else 1,
                )
            except ImportError:
                pass
            machine.deepsleep()
        elif idle > _LIGHT_SLEEP_AFTER_MS:
            machine.lightsleep(_LIGHT_SLEEP_MS)


async def run(app):
    import asyncio

    import machine

    wdt = machine.WDT(timeout=_WDT_MS)
    tasks = [
        asyncio.create_task(_every(_PUMP_MS, app.pump)),
        asyncio.create_task(_every(_HAPTIC_MS, app.tick)),
        asyncio.create_task(_every(_WDT_FEED_MS, lambda now: wdt.feed())),
        asyncio.create_task(_every(_BATTERY_MS, app.check_battery)),
        asyncio.create_task(_power_task(app)),
    ]
    if app.button is not None:
        tasks.append(asyncio.create_task(_button_task(app)))
    await asyncio.gather(*tasks)


def main():
    """Entry point from ``main.py`` on a board."""
    import asyncio

    app = App(read_board(), read_text(PLAN_FILE))
    asyncio.run(run(app))
