"""The app wiring inside real MicroPython, on the fake machine with a register-level IMU.

Each test builds the real ``app.App`` from a board dict over the fake ``machine``
(``/fakes``, from host_tools/vdev/mp): the MPU-6050 fake's FIFO is fed, the app
pumps it into the core, and the session log it writes is decoded with the
core's own reader.
"""

import json
import os

import app
import machine
from drivers import drv2605
from fake_drv2605 import FakeDRV2605
from fake_mpu6050 import FakeMPU6050
from fake_mpu6886 import FakeMPU6886
from mpunit import raises

from retrostride import logbook

BOARD = {
    "name": "test-devkitc-gy521",
    "chip": "esp32",
    "i2c": {"id": 0, "scl": 22, "sda": 21, "freq": 400000},
    "imu": {"kind": "mpu6050", "addr": 104, "axes": "xyz"},
    "haptic": {"kind": "erm_pwm", "pin": 25},
    "button": {"pin": 0, "active_low": True},
    "battery": {"pin": 35, "divider": 2},
    "led": {"pin": 2, "active_low": False},
}
PLAN = {
    "version": 1,
    "name": "Short",
    "blocks": [{"kind": "warmup", "seconds": 2}, {"kind": "backward", "seconds": 3}],
}
BTN = 0
BAT = 35


def _fresh(plan_text=None):
    machine.reset_fakes()
    for d in ("/logs",):
        try:
            for name in os.listdir(d):
                os.remove(d + "/" + name)
        except OSError:
            pass
    chip = FakeMPU6050(104)
    machine.attach_i2c(chip)
    machine.set_pin(BTN, 1)  # released (active low)
    _battery_mv(4000)
    return chip, app.App(BOARD, plan_text)


def _battery_mv(mv):
    full = machine.ADC._FULL_UV[machine.ADC.ATTN_11DB]
    machine.set_adc(BAT, (mv // 2) * 1000 * 65535 // full)


def _log(a):
    with open(a.log_path, "rb") as f:
        return logbook.read(f.read())


def _walk(chip, a, seconds, t0=0):
    """A plain up-down bounce at 2 steps/s pushed sample by sample, pumped every 40 ms."""
    n = seconds * 100
    for k in range(n):
        phase = k % 50
        az = 9806 + (4000 if phase < 8 else -1500)
        chip.push(300, 0, az, 0, 0, 0)
        if k % 4 == 3:
            a.pump(t0 + 10 * k)
            a.tick(t0 + 10 * k)
    while a.pump(t0 + 10 * n):
        pass


def test_a_session_over_the_fifo_is_logged_and_decodes_to_the_coach_events():
    chip, a = _fresh(json.dumps(PLAN))
    assert a.rate_hz == 100 and a.plan["name"] == "Short" and a.plan_problem is None
    a.start_session(0)
    _walk(chip, a, 6)
    assert a._k == 600  # every sample pushed reached the session, none twice
    a.stop_session()
    header, events, report = _log(a)
    assert report["records_dropped"] == 0
    assert header["plan"] == "Short" and header["board"] == "test-devkitc-gy521"
    types = [e["type"] for e in events]
    assert types[0] == "session_start" and types[-1] == "session_end"
    kinds = [e["kind"] for e in events if e["type"] == "interval"]
    assert kinds == ["warmup", "backward"]
    assert [e["t_ms"] for e in events if e["type"] == "interval"] == [0, 2000]
    assert "OPEN" not in os.listdir("/logs")  # closed cleanly


def test_the_host_breaking_in_closes_the_log_and_buys_time_from_the_watchdog():
    """mpremote's Ctrl-C stops the app at the REPL, where nothing feeds the watchdog."""
    chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    _walk(chip, a, 3)
    a.motor.set_level(200)  # caught mid-buzz
    app.hand_over(a)
    _, events, report = _log(a)
    assert report["records_dropped"] == 0 and events[-1]["type"] == "session_end"
    assert "OPEN" not in os.listdir("/logs") and a.session is None
    assert a.motor.level == 0 and machine.pwms[25].duty_u16() == 0
    assert machine.watchdogs[-1].timeout == 900000


def test_a_log_left_open_by_a_crash_is_released_at_boot():
    chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    _walk(chip, a, 2)  # then the board resets: the session never stops
    assert "OPEN" in os.listdir("/logs")
    app.release_open_log()
    assert "OPEN" not in os.listdir("/logs")
    _, events, _ = _log(a)
    assert events[0]["type"] == "session_start" and events[-1]["type"] != "session_end"
    app.release_open_log()  # nothing open: nothing to do


def test_each_log_header_carries_its_own_random_tag():
    """Names repeat once the flash is erased; the host tells sessions apart by the tag."""
    chip, a = _fresh(json.dumps(PLAN))
    tags = []
    for k in range(2):
        a.start_session(10000 * k)
        _walk(chip, a, 1, 10000 * k)
        a.stop_session()
        header, _, report = _log(a)
        assert report["header_ok"] and len(header["tag"]) == 8
        assert header["plan_def"] == PLAN  # as run: the host's next suggestion builds on it
        int(header["tag"], 16)
        tags.append(header["tag"])
    assert tags[0] != tags[1]


def test_a_session_is_dated_once_the_host_has_set_the_clock():
    _chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)  # power-on: the RTC counts from 2000, no date to trust
    a.stop_session()
    assert "start" not in _log(a)[0]
    machine.RTC().datetime((2026, 11, 30, 0, 8, 16, 5, 0))  # as deploy and sync set it
    a.start_session(10000)
    a.stop_session()
    assert _log(a)[0]["start"] == "2026-11-30T08:16:05Z"


def test_every_buzz_event_reaches_the_player_and_the_motor():
    chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    levels = []
    for k in range(40):
        chip.push(0, 0, 9806, 0, 0, 0)
        a.pump(10 * k)
        levels.append(a.tick(10 * k))
    assert a.player.playing is not None or max(levels) > 0
    assert max(levels) > 0  # the start buzz drove the motor
    assert machine.pwms[25].duty_u16() > 0 or levels[-1] == 0


def test_a_damaged_plan_file_falls_back_to_the_default_with_a_log_entry():
    chip, a = _fresh('{"version": 1, "name": "broken", "blocks": [')
    assert a.plan["name"] == "Safe default (intro)"
    a.start_session(0)
    for _k in range(8):
        chip.push(0, 0, 9806, 0, 0, 0)
    a.pump(80)
    a.stop_session()
    _, events, _ = _log(a)
    first = events[0]
    assert first["type"] == "warning" and first["reason"] == "plan"
    assert "not valid JSON" in first["detail"]


def test_button_short_starts_then_pauses_and_long_stops():
    chip, a = _fresh(json.dumps(PLAN))
    t = 0
    seen = []

    def hold(ms, level):
        nonlocal t
        machine.set_pin(BTN, level)
        end = t + ms
        while t < end:
            chip.push(0, 0, 9806, 0, 0, 0)
            a.pump(t)
            kind = a.poll_button(t)
            if kind:
                seen.append(kind)
            t += 10

    hold(100, 1)  # released at start (a button held at boot is not a press)
    assert machine.pin_level(2) == 0  # the status light: off while nothing records
    hold(100, 0)  # a short press
    hold(500, 1)
    assert seen == ["short"] and a.session is not None and not a.paused
    assert machine.pin_level(2) == 1
    hold(100, 0)
    hold(500, 1)
    assert seen == ["short", "short"] and a.paused
    hold(1200, 0)  # long press: stop
    hold(100, 1)
    assert seen[-1] == "long" and a.session is None
    assert machine.pin_level(2) == 0
    _, events, _ = _log(a)
    assert events[-1]["type"] == "session_end"


def test_low_battery_buzzes_and_warns_once():
    _chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    a.check_battery(0)
    _battery_mv(3000)
    a.check_battery(60000)
    a.check_battery(120000)
    a.stop_session()
    _, events, _ = _log(a)
    buzzes = [e for e in events if e["type"] == "buzz" and e["pattern"] == "low_battery"]
    warnings = [e for e in events if e["type"] == "warning" and e["reason"] == "battery"]
    assert len(buzzes) == 1 and len(warnings) == 1
    assert 2900 <= warnings[0]["mv"] <= 3100


def test_idle_light_sleeps_then_deep_sleeps_but_never_during_a_session():
    _chip, a = _fresh(json.dumps(PLAN))
    a._idle_since = 0
    assert a.power(30000) is None
    assert a.power(61000) == "light"
    a.start_session(61000)
    assert a.power(700000) is None
    a.stop_session()
    try:  # noqa: SIM105 (no contextlib in MicroPython)
        a.power(700000 + 600001)
    except SystemExit:  # the fake's deepsleep: nothing runs after it on a board
        pass
    assert machine.sleeps[0] == ("light", 200)
    assert machine.sleeps[-1][0] == "deep"
    assert _chip.asleep()  # milliamperes otherwise, against the board's microamperes


def test_the_periodic_tasks_call_their_step_and_yield_instead_of_sleeping():
    # The webassembly port has no asyncio.run (its asyncio rides the JS event loop),
    # so the task coroutine is stepped by hand: each step calls the method once and
    # then yields to the scheduler (asyncio.sleep_ms) rather than blocking.
    _chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    calls = []
    task = app._every(40, calls.append)
    for _ in range(3):
        task.send(None)
    assert len(calls) == 3
    assert machine.sleeps == []


def test_a_full_flash_refuses_the_session_and_deletes_no_log():
    _, a = _fresh(json.dumps(PLAN))
    assert a.start_session(0)
    a.stop_session()
    kept = sorted(os.listdir("/logs"))
    real = os.statvfs
    os.statvfs = lambda path: (4096, 4096, 100, 1, 1, 0, 0, 0, 0, 255)  # 4 KB free
    try:
        assert not a.start_session(100)
    finally:
        os.statvfs = real
    assert a.session is None and "flash full" in a.refused
    assert sorted(os.listdir("/logs")) == kept  # the unsynced log is still there


def test_a_level_the_motor_missed_is_sent_again():
    """The write that ends a buzz lost on the bus must not leave the motor running."""
    _fresh()
    drv = machine.attach_i2c(FakeDRV2605())
    board = dict(BOARD)
    board["haptic"] = {"kind": "drv2605"}
    a = app.App(board, None)
    t = 0
    while a.motor.state != drv2605.READY:
        a.tick(t)
        t += 10
    a.player.play("countdown", t)  # 100 ms full, 300 ms off, 100 ms full
    a.tick(t + 50)
    assert drv.drive() == 255
    machine.i2c_faults(3)  # the write and both retries
    a.tick(t + 150)
    assert drv.drive() == 255  # still on: the 0 did not get through ...
    a.tick(t + 160)
    assert drv.drive() == 0  # ... and is sent again


def test_a_board_that_powers_itself_through_a_latch_holds_it_high():
    machine.reset_fakes()
    app.hold_power({"power_hold": {"pin": 4}})
    assert machine.pin_level(4) == 1 and 4 in machine.held
    machine.Pin(4, machine.Pin.OUT, value=0)
    assert machine.pin_level(4) == 1  # held
    app.hold_power(BOARD)  # no latch: nothing driven
    assert machine.pin_level(2) is None


def test_another_chip_at_the_imus_address_is_named_by_what_it_answers():
    machine.reset_fakes()
    machine.attach_i2c(FakeMPU6886(104))
    e = raises(OSError, app.App, BOARD, None)
    assert str(e) == "IMU mpu6050: WHO_AM_I reads 0x19", str(e)
    machine.reset_fakes()
    e = raises(OSError, app.App, BOARD, None)
    assert str(e) == "IMU mpu6050 not answering", str(e)


def _stand(chip, a, seconds, t0):
    """Standing still, pumped and ticked every 40 ms as the app's tasks do; the time after."""
    n = seconds * 100
    for k in range(n):
        chip.push(0, 0, 9806, 0, 0, 0)
        if k % 4 == 3:
            a.pump(t0 + 10 * k)
            a.tick(t0 + 10 * k)
    return t0 + 10 * n


def test_a_pause_holds_the_plan_and_resuming_goes_on_where_it_stood():
    """A 5-minute pause: the plan's clock stands, the motor is quiet, nothing is skipped."""
    chip, a = _fresh(json.dumps(PLAN))  # warm-up 2 s, then backward 3 s
    a.start_session(0)
    t = _stand(chip, a, 1, 0)
    a.press("short", t)
    assert a.paused
    on = 0
    for _ in range(300):
        t = _stand(chip, a, 1, t)
        on += a.level > 0
    assert on <= 1  # the pause cue, then quiet (it was left buzzing)
    a.press("short", t)
    assert not a.paused
    t = _stand(chip, a, 2, t)
    a.stop_session()
    _, events, _ = _log(a)
    intervals = [e for e in events if e["type"] == "interval"]
    # the warm-up's last second runs after the resume: the backward interval starts then,
    # not at the resume with every interval the pause spanned
    assert [e["kind"] for e in intervals] == ["warmup", "backward"]
    assert intervals[1]["t_ms"] >= 301000 + 900


def test_one_press_resumes_a_plan_a_fall_paused():
    chip, a = _fresh(json.dumps(PLAN))
    a.start_session(0)
    t = _stand(chip, a, 1, 0)
    a.coach.on_fall(a._last_t)  # as the session reports a confirmed fall
    assert a.paused
    t = _stand(chip, a, 5, t)
    a.press("short", t)
    assert not a.paused
    a.stop_session()
    _, events, _ = _log(a)
    assert [e["pattern"] for e in events if e["type"] == "buzz"][-2:] == ["resume", "session_end"]
