"""The RetroStride app: the one module that wires hardware to the core.

It reads ``/board.json``, builds the drivers it names, loads ``/plan.json``
(falling back to the safe default plan, with a ``warning`` in the log, when the
file is missing or damaged) and runs asyncio tasks:

- sensor pump: FIFO burst from the IMU -> ``Session.feed`` per sample, in place;
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
from array import array

from retrostride import events
from retrostride.ticks import ticks_diff

BOARD_FILE = "/board.json"
PLAN_FILE = "/plan.json"
SEQ_FILE = "/session_seq"
VERSION = "0.1"

_PUMP_MS = const(40)  # FIFO read period: 4 samples at 100 Hz, far below FIFO depth
_HAPTIC_MS = const(10)
_BUTTON_MS = const(10)
_WDT_MS = const(8000)
_WDT_FEED_MS = const(1000)
# the host's turn after it breaks in (sync, deploy): the watchdog, which cannot be
# stopped and is fed by nothing at the REPL, gets this long before it restarts the app
_HOST_WDT_MS = const(900000)
_BATTERY_MS = const(60000)
_LIGHT_SLEEP_AFTER_MS = const(60000)  # idle (no session) before light sleeping
_DEEP_SLEEP_AFTER_MS = const(600000)  # idle before deep sleep (button wakes)
_LIGHT_SLEEP_MS = const(200)
_CLOCK_SET_AFTER = const(2025)  # an RTC's year before this was never set by the host
_POWER_MS = const(1000)
_MAX_BURST = const(32)  # samples per FIFO read (the drivers' MAX_BATCH)
_FIELDS = const(7)  # t_ms, ax, ay, az, gx, gy, gz per sample (drivers.imu.FIELDS, session.FIELDS)


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


def make_coach(plan, emit):
    """The core's coach for ``plan``, built as ``replay --plan`` builds it."""
    from retrostride.coach import Coach

    return Coach(plan, emit)


def next_log_name(seq_file=SEQ_FILE):
    """``s<n>`` with ``n`` one more than the last session's, kept in ``seq_file``.

    A counter file rather than the highest name in ``/logs``: sync frees synced
    logs, and a reused name would look like an old session to the host.
    """
    text = read_text(seq_file)
    n = int(text) + 1 if text and text.strip().isdigit() else 1
    with open(seq_file, "w") as f:
        f.write(str(n))
    return "s" + ("0000" + str(n))[-5:] if n < 100000 else "s" + str(n)


def wall_clock():
    """The board's clock as UTC text (``2026-11-30T08:16:00Z``) when the host has set it
    (deploy and sync do), else None: after a power loss it counts from 2000 again. Set,
    it keeps counting through deep sleep (on the chip's less exact sleep clock: each
    sync sets it again)."""
    import machine

    y, mo, d, _wd, h, mi, s, _sub = machine.RTC().datetime()
    if y < _CLOCK_SET_AFTER:
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, mo, d, h, mi, s)


def session_tag():
    """32 random bits as 8 hex digits, for the log header: the name's counter starts
    again when the flash is erased, and a second board counts alike, so the host
    tells sessions of the same name apart by this (``host_tools.store``)."""
    try:
        from os import urandom  # the ESP32's hardware generator

        b = urandom(4)
        return "%02x%02x%02x%02x" % (b[0], b[1], b[2], b[3])
    except ImportError:  # ports without it seed ``random`` themselves
        import random

        return "%08x" % random.getrandbits(32)


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
        self._motor_poll = False
        self.imu = hw.get("imu") or self._make_imu(board)
        self.rate_hz = self.imu.rate_hz  # set by the driver's configure()
        self.motor = hw.get("motor") or self._make_motor(board)
        self.button = hw.get("button") or self._make_button(board)
        self.battery = hw.get("battery") or self._make_battery(board)
        self.led = self._make_led(board)
        self.player = self._make_player(board)
        self.log_dir = log_dir
        self.tap = tap  # the virtual device records what the chip delivered: tap(buf, j) a sample
        self.session = None
        self.coach = None
        self.writer = None
        self.log_path = None
        self.running = False
        self.events = 0
        self.low_battery = False
        self.refused = None
        self.level = 0
        self._t0 = 0
        self._k = 0  # samples given to the session; their time is derived from the ODR
        self._last_t = 0
        self._idle_since = 0
        self._buf = array("i", bytes(4 * _FIELDS * _MAX_BURST))
        self.has_gyro = getattr(self.imu, "has_gyro", True)

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
        imu = make_imu(self.i2c, board["imu"])
        import time

        # Boot only: one bounded wait (<= 100 ms) for the chip's reset.
        if not imu.init(time.ticks_ms(), time.sleep_ms):
            kind = board["imu"]["kind"]
            if imu.who >= 0 and imu.who not in imu.WHO:  # another chip at the address
                raise OSError("IMU " + kind + ": WHO_AM_I reads " + hex(imu.who))
            raise OSError("IMU " + kind + " not answering")
        return imu

    def _make_motor(self, board):
        h = board.get("haptic") or {}
        kind = h.get("kind")
        if kind == "drv2605":
            from drivers.drv2605 import ADDR, DRV2605

            m = DRV2605(self.i2c, h.get("addr", ADDR), h.get("actuator") == "lra")
            import time

            m.begin(time.ticks_ms())  # a state machine that tick() advances: nothing blocks
            self._motor_poll = True
            return m
        if kind in ("erm_pwm", "pwm", "buzzer", "led"):
            from drivers.erm_pwm import ErmPwm

            return ErmPwm(h)
        return None

    def _make_led(self, board):
        """The board's status light, lit while a session records."""
        led = board.get("led")
        if not led:
            return None
        from drivers.led import Led

        return Led(led["pin"], led.get("active_low", False))

    def _make_button(self, board):
        """The button's pin, polled through the core's gesture logic."""
        b = board.get("button")
        if not b:
            return None
        from drivers.pin_button import PinButton

        return PinButton(b["pin"], b.get("active_low", True))

    @property
    def paused(self):
        """The plan stands (the button, or a fall); the session goes on."""
        return self.coach is not None and self.coach.is_paused()

    def poll_button(self, now_ms):
        """One reading of the button; acts on a gesture (short, double, long)."""
        button = self.button
        if button is None:
            return None
        kind = button.poll(now_ms)
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
            self.player.play(event["pattern"], event["t_ms"])

    def _open_log(self):
        """A new log file; ``OPEN_MARKER`` names it until it is closed."""
        import os

        from retrostride import logbook

        d = self.log_dir or logbook.LOG_DIR
        try:
            os.mkdir(d)
        except OSError:
            pass  # already there
        session = next_log_name()
        name = session + logbook.LOG_SUFFIX
        path = d + "/" + name
        stream = open(path, "wb")
        header = {
            "session": session,
            "tag": session_tag(),
            "plan": self.plan.get("name", ""),
            "plan_def": self.plan,  # as run: the host's next suggestion builds on it
            "board": self.board.get("name", ""),
            "rate_hz": self.rate_hz,
            "app": VERSION,
        }
        start = wall_clock()
        if start is not None:
            header["start"] = start
        self.writer = logbook.Writer(stream, header, max(1, min(255, 1000 // self.rate_hz)))
        with open(d + "/" + logbook.OPEN_NAME, "w") as f:
            f.write(name)
        self.log_path = path
        return stream

    def flash_ok(self):
        """The logbook's flash-full policy: room for a session, never deleting a log.

        Every log still on the device is unsynced (sync deletes a log only after
        storing it), so nothing is deleted here; without room the session does
        not start (``refused`` says why).
        """
        import os

        from retrostride import logbook

        d = self.log_dir or logbook.LOG_DIR
        try:
            st = os.statvfs("/")
            free = st[0] * st[4]  # f_bsize * f_bavail
        except OSError:
            return True  # no statvfs: nothing to go by
        logs = []
        try:
            for name in os.listdir(d):
                if logbook.is_log_name(name):
                    logs.append((name, os.stat(d + "/" + name)[6], False))
        except OSError:
            pass
        ok, _ = logbook.space_plan(free, logs)
        self.refused = None if ok else "flash full: sync to free it"
        return ok

    def start_session(self, now_ms):
        """Start logging and coaching; session time 0 is ``now_ms`` (ticks).

        Returns False (and starts nothing) when the flash has no room for a log.
        """
        from retrostride.session import Session

        if not self.flash_ok():
            return False
        self._open_log()
        self._t0 = now_ms
        self._k = 0
        self._first = True  # the session's time 0 is its first sample's ODR time
        self._last_t = 0
        if self.plan_problem is not None:
            w = events.warning(0, "plan")
            w["detail"] = self.plan_problem
            self._sink(w)
        self.coach = make_coach(self.plan, self._sink)
        self.session = Session(self.rate_hz, self._sink, self.coach, has_gyro=self.has_gyro)
        while self.imu.read(self._buf, now_ms):
            pass  # samples from before the start are not the session's
        self.running = True
        if self.led is not None:
            self.led.set(True)
        return True

    def stop_session(self):
        """End of the session: the coach's summary, then the log is closed."""
        if self.session is None:
            return
        self.session.finish(self._last_t)
        self.session = None
        self.running = False
        if self.writer is not None:
            self.writer.close()
        self.writer = None
        release_open_log(self.log_dir)
        if self.led is not None:
            self.led.set(False)

    def pump(self, now_ms):
        """Read the IMU FIFO once and feed each sample to the session; returns the count.

        Sample times are the driver's, derived from the output data rate (not
        from ``now_ms``: a late read does not shift them), made relative to the
        session's first sample.
        """
        buf = self._buf
        n = self.imu.read(buf, now_ms)
        session = self.session
        if session is None:  # paused, samples still flow: falls, the clock, the log
            return n
        if n and self._first:
            self._first = False
            self._t0 = buf[0]
        tap = self.tap
        t0 = self._t0
        i = 0
        while i < n:
            j = _FIELDS * i
            t = ticks_diff(buf[j], t0)
            buf[j] = t  # the session reads the sample where the driver put it
            self._k += 1
            self._last_t = t
            if tap is not None:
                tap(buf, j)
            session.feed(buf, j)
            i += 1
        return n

    def tick(self, now_ms):
        """Haptics step: the player's level for this moment goes to the motor."""
        t = self._last_t if self.session is not None else ticks_diff(now_ms, self._t0)
        level = self.player.tick(t)
        motor = self.motor
        if motor is not None and self._motor_poll:
            motor.poll(now_ms)
        # a level the motor did not take (the DRV2605 still starting, or the write that
        # ends a buzz lost on the bus) is sent again next tick, not left vibrating
        if level != self.level and (motor is None or motor.set_level(level)):
            self.level = level
        return level

    def press(self, kind, now_ms):
        """A button gesture: ``short`` start/pause-resume, ``double`` skip, ``long`` stop."""
        coach = self.coach
        if kind == "short":
            if self.session is None or coach is None:
                self.start_session(now_ms)
            else:  # resumes a plan a fall paused, too
                coach.toggle(self._last_t)
        elif kind == "double" and self.session is not None and coach is not None:
            coach.skip(self._last_t)
        elif kind == "long" and self.session is not None:
            self.stop_session()
        self._idle_since = now_ms

    def check_battery(self, now_ms):
        """One battery reading; below the threshold once: ``low_battery`` buzz and warning."""
        if self.battery is None or self.low_battery:
            return
        if self.battery.low():
            mv = self.battery.last_mv
            self.low_battery = True
            t = self._last_t
            w = events.warning(t, "battery")
            w["mv"] = mv
            self._sink(w)
            self._sink(events.buzz(t, "low_battery"))


    def power(self, now_ms):
        """Idle policy (no session): short light-sleep naps, later deep sleep.

        Deep sleep is armed to wake on the button (``esp32.wake_on_ext0``); on
        a board nothing runs after it (the chip restarts from ``boot.py``).
        Returns what it did: None, ``"light"`` or ``"deep"``.
        """
        import machine

        if self.session is not None:
            self._idle_since = now_ms
            return None
        idle = ticks_diff(now_ms, self._idle_since)
        if idle > _DEEP_SLEEP_AFTER_MS and self.button is not None:
            b = self.board["button"]
            try:
                import esp32

                esp32.wake_on_ext0(machine.Pin(b["pin"]), not b.get("active_low", True))
            except ImportError:
                pass  # the fake machine has no esp32 module
            # the IMU sampling draws milliamperes, the sleeping board microamperes
            self.imu.sleep()
            if self.motor is not None:
                self.motor.standby()
            machine.deepsleep()
            return "deep"
        if idle > _LIGHT_SLEEP_AFTER_MS:
            machine.lightsleep(_LIGHT_SLEEP_MS)
            return "light"
        return None


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


async def run(app):
    """Every task of the app, forever (``asyncio.run(run(app))``)."""
    import asyncio
    import time

    import machine

    wdt = machine.WDT(timeout=_WDT_MS)
    app._idle_since = time.ticks_ms()
    tasks = [
        asyncio.create_task(_every(_PUMP_MS, app.pump)),
        asyncio.create_task(_every(_HAPTIC_MS, app.tick)),
        asyncio.create_task(_every(_WDT_FEED_MS, lambda now: wdt.feed())),
        asyncio.create_task(_every(_BATTERY_MS, app.check_battery)),
        asyncio.create_task(_every(_POWER_MS, app.power)),
    ]
    if app.button is not None:
        tasks.append(asyncio.create_task(_button_task(app)))
    await asyncio.gather(*tasks)


def hand_over(app):
    """The host broke in with Ctrl-C (mpremote, for sync or deploy): end the session
    so its log is closed and can be synced, silence the motor, and give the
    watchdog the host's time instead of 8 s (a sync cut off every 8 s would never
    finish a long log); after that it restarts the app."""
    import machine
    import micropython

    micropython.kbd_intr(-1)  # a second Ctrl-C must not cut the log's last record
    try:
        app.stop_session()
        if app.motor is not None:
            app.motor.set_level(0)
        machine.WDT(timeout=_HOST_WDT_MS)
    finally:
        micropython.kbd_intr(3)


def release_open_log(log_dir=None):
    """Unmark the log being written, so sync takes it: a session's end closed it; at
    boot no session runs, so a log still marked open was cut short (a crash, a power
    cut, a watchdog reset) and is taken as it is."""
    import os

    from retrostride import logbook

    try:
        os.remove((log_dir or logbook.LOG_DIR) + "/" + logbook.OPEN_NAME)
    except OSError:
        pass  # nothing was left open


def hold_power(board):
    """A board that keeps itself on through a latch pin (``power_hold``: the M5StickC
    Plus2's GPIO 4) drives it high first thing, or it switches off when its power
    button is let go; held (an RTC pad keeps its hold in deep sleep), the board stays
    powered asleep, so its button can wake it."""
    p = board.get("power_hold")
    if not p:
        return
    import machine

    # hold= is the ESP32 port's (ports/esp32/machine_pin.c); the stubs list the generic Pin
    machine.Pin(p["pin"], machine.Pin.OUT, value=1, hold=True)  # pyright: ignore[reportCallIssue]


def main():
    """Entry point from ``main.py`` on a board."""
    import asyncio

    board = read_board()
    hold_power(board)
    release_open_log()
    app = App(board, read_text(PLAN_FILE))
    try:
        asyncio.run(run(app))
    except KeyboardInterrupt:
        hand_over(app)
