"""DRV2605L driver against the register-level fake on the fake machine.I2C."""

import gc

import machine
from drivers import drv2605
from drivers.drv2605 import DRV2605
from drivers.i2c_bus import I2CBus
from fake_drv2605 import FakeDRV2605

from retrostride import haptics
from retrostride.haptics import Player


def _setup(lra=False, calibrate=None, **fake):
    machine.reset_fakes()
    chip = machine.attach_i2c(FakeDRV2605(**fake))
    bus = I2CBus(machine.I2C(0, scl=machine.Pin(22), sda=machine.Pin(21), freq=400000))
    drv = DRV2605(bus, lra=lra, calibrate=calibrate)
    return chip, bus, drv


def _bring_up(drv, now=0, polls=20):
    drv.begin(now)
    for i in range(polls):
        if drv.poll(now + i) == drv2605.READY:
            return now + i
    raise AssertionError("not ready, state " + str(drv.state))


def test_init_sequence_for_an_erm():
    chip, bus, drv = _setup()
    _bring_up(drv)
    assert chip.resets == 1
    regs = chip.regs
    assert regs[0x01] == 0x05  # RTP, out of standby
    assert regs[0x1A] & 0x80 == 0  # ERM
    assert regs[0x1D] & 0x20  # open loop
    assert regs[0x1D] & 0x08 == 0  # signed RTP data
    assert regs[0x03] & 7 == 1  # TS2200 library A
    assert regs[0x17] == 3000 * 100 // 2196  # clamp for a 3 V motor
    assert drv.chip_id == 7
    # the reset came first, RTP mode last
    regs_written = [r for r, _ in chip.writes]
    assert regs_written[0] == 0x01 and chip.writes[0][1] & 0x80
    assert chip.writes[-1] == (0x01, 0x05)
    assert chip.drive() == 0
    assert bus.errors == 0


def test_init_sequence_for_an_lra_with_calibration():
    chip, _bus, drv = _setup(lra=True, calibrate=True, cal_reads=4)
    _bring_up(drv)
    assert chip.calibrations == 1
    assert drv.calibration_ok is True
    assert chip.regs[0x1A] & 0x80  # LRA
    assert chip.regs[0x03] & 7 == 6  # LRA library
    assert chip.regs[0x1C] & 0x80 == 0  # unidirectional input
    assert chip.regs[0x01] == 0x05
    drv.set_level(200)
    assert chip.drive() == 200


def test_failed_calibration_is_reported_not_fatal():
    chip, _bus, drv = _setup(calibrate=True, fail_calibration=True)
    _bring_up(drv)
    assert drv.calibration_ok is False
    drv.set_level(255)
    assert chip.drive() == 255


def test_rtp_follows_the_player():
    chip, _bus, drv = _setup()
    t0 = _bring_up(drv)
    p = Player()
    p.play("start_backward", t0)
    want = []
    for t in range(t0, t0 + 4500, 10):
        chip.clock = t
        if t == t0 + 200:
            p.play("fall", t)  # pre-empts
        level = p.tick(t)
        drv.set_level(level)
        want.append(level)
        assert chip.drive() == (level >> 1) * 255 // 127
    # one write per change of level, not one per tick
    changes = sum(1 for i in range(1, len(want)) if want[i] != want[i - 1])
    assert changes > 10
    assert len(chip.rtp) <= changes + 2  # + the zero written at init
    on_times = [t for t, d in chip.drive_log if d > 0]
    assert on_times[0] == t0  # the backward cue starts at once
    assert chip.drive_log[-1][1] == 0  # silent at the end
    # the rhythm the chip played is the fall's SOS after the pre-emption
    runs = []
    prev_t, prev_d = chip.drive_log[0]
    for t, d in chip.drive_log[1:]:
        if t >= t0 + 200:
            runs.append((1 if prev_d else 0, t - max(prev_t, t0 + 200)))
        prev_t, prev_d = t, d
    sos = [(1 if lv else 0, dur) for lv, dur in haptics.runs("fall")]
    assert runs == sos, runs
    # the interrupted cue would start 3.1 s after it was asked for: stale, not replayed
    assert p.stale == 1


def test_rtp_plays_a_replayed_cue_after_a_gap():
    chip, _bus, drv = _setup()
    t0 = _bring_up(drv)
    p = Player()
    p.play("start_forward", t0)
    for t in range(t0, t0 + 4000, 10):
        chip.clock = t
        if t == t0 + 100:
            p.play("wrong_direction", t)  # pre-empts; start_forward is queued again
        drv.set_level(p.tick(t))
    wd = haptics.duration_ms("wrong_direction")
    restart = t0 + 100 + wd + haptics.GAP_MS
    # silent through the gap, then start_forward from its beginning
    assert [d for t, d in chip.drive_log if t0 + 100 + wd <= t < restart] in ([0], [])
    after = [(t - restart, 1 if d else 0) for t, d in chip.drive_log if t >= restart]
    want = []
    at = 0
    for lv, dur in haptics.runs("start_forward"):
        want.append((at, 1 if lv else 0))
        at += dur
    want.append((at, 0))
    assert after == want, after


def test_i2c_faults_are_retried_counted_and_recovered():
    chip, bus, drv = _setup()
    _bring_up(drv)
    machine.i2c_faults(2)  # within the retries
    assert drv.set_level(255)
    assert chip.drive() == 255
    assert bus.errors == 2
    machine.i2c_faults(10)  # more than the retries: reported, not raised
    assert not drv.set_level(0)
    assert drv.faults == 1
    machine.i2c_faults(0)
    assert drv.set_level(0)  # the next tick sends it again
    assert chip.drive() == 0


def test_missing_chip_is_retried_later():
    machine.reset_fakes()
    bus = I2CBus(machine.I2C(0))
    drv = DRV2605(bus)
    drv.begin(0)
    assert drv.state == drv2605.ERROR
    assert not drv.set_level(100)
    machine.attach_i2c(FakeDRV2605())
    assert drv.poll(500) == drv2605.ERROR  # waits before retrying
    drv.poll(1000)
    for t in range(1001, 1010):
        drv.poll(t)
    assert drv.state == drv2605.READY


def test_wrong_chip_id_is_refused():
    chip, _bus, drv = _setup(device_id=4)  # a DRV2604: no effect library ROM
    drv.begin(0)
    for t in range(1, 10):
        drv.poll(t)
    assert drv.state == drv2605.ERROR
    assert drv.chip_id == 4
    assert chip.regs[0x01] & 0x40  # left in standby, never driven


def test_standby_and_wake():
    chip, _bus, drv = _setup()
    _bring_up(drv)
    drv.set_level(255)
    assert chip.drive() == 255
    drv.standby()
    assert chip.standby() and chip.drive() == 0
    drv.wake()
    drv.set_level(255)
    assert chip.drive() == 255


def test_unchanged_level_allocates_nothing():
    _chip, _bus, drv = _setup()
    _bring_up(drv)
    drv.set_level(128)
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(200):
        drv.set_level(128)
    assert gc.mem_alloc() - before == 0


def test_an_lra_is_calibrated_by_default_an_erm_not():
    chip, _bus, drv = _setup(lra=True)
    _bring_up(drv)
    assert chip.calibrations == 1
    chip, _bus, drv = _setup()
    _bring_up(drv)
    assert chip.calibrations == 0
