"""TI DRV2605L haptic driver over I2C, in real-time playback so the Player's level drives it.

From the datasheet (SLOS854): after power-up the chip sits in standby (MODE
0x40). We reset it (MODE.DEV_RESET, which the chip clears when done), take it
out of standby, choose ERM or LRA (FEEDBACK_CONTROL.N_ERM_LRA), the effect
library (TS2200 A for ERM, the LRA library for LRA), the drive clamp, an
optional auto-calibration (MODE 7 + GO, the chip clears GO when done and
reports DIAG_RESULT), then MODE 5 (RTP): from then on every level is one
write of RTP_INPUT.

RTP encoding: an ERM runs open loop with signed data in bidirectional input
mode (CONTROL2.BIDIR_INPUT = 1, the default: the mode open loop is documented
in; 0x00 off .. 0x7F full forward), so the level is halved; an LRA runs closed
loop, unidirectional (BIDIR_INPUT = 0, which the datasheet keeps to closed
loop), where 0x00 is off and 0xFF full drive.

Nothing here sleeps: ``begin`` starts a state machine that ``poll(now_ms)``
advances from the app's tick. I2C goes through ``drivers.i2c_bus.I2CBus``
(retried and counted there); a failed step is retried later, never raised.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from retrostride.ticks import ticks_diff

ADDR = const(0x5A)

_STATUS = const(0x00)
_MODE = const(0x01)
_RTP_INPUT = const(0x02)
_LIBRARY_SEL = const(0x03)
_GO = const(0x0C)
_RATED_VOLTAGE = const(0x16)
_OD_CLAMP = const(0x17)
_FEEDBACK = const(0x1A)
_CONTROL2 = const(0x1C)
_CONTROL3 = const(0x1D)

_DEV_RESET = const(0x80)
_STANDBY = const(0x40)
_MODE_INTERNAL = const(0x00)
_MODE_RTP = const(0x05)
_MODE_AUTOCAL = const(0x07)

_N_ERM_LRA = const(0x80)
_FEEDBACK_DEFAULT = const(0x36)  # brake factor 3, loop gain 1, BEMF gain 2
_CONTROL2_DEFAULT = const(0xF5)
_BIDIR_INPUT = const(0x80)
_CONTROL3_DEFAULT = const(0xA0)  # noise gate 2, ERM open loop
_ERM_OPEN_LOOP = const(0x20)
_DATA_FORMAT_UNSIGNED = const(0x08)
_LIB_ERM_A = const(1)
_LIB_LRA = const(6)
_DIAG_RESULT = const(0x08)

_ID_DRV2605 = const(3)
_ID_DRV2605L = const(7)

# states
OFF = const(0)
RESETTING = const(1)
CALIBRATING = const(2)
READY = const(3)
ERROR = const(4)

_RESET_TIMEOUT_MS = const(50)
_CAL_TIMEOUT_MS = const(1500)
_RETRY_MS = const(1000)


class DRV2605:
    """One DRV2605L. ``begin(now)``, then ``poll(now)`` and ``set_level(level)`` each tick."""

    def __init__(self, bus, addr=ADDR, lra=False, clamp_mv=3000, rated=0x3E, calibrate=None):
        self.bus = bus
        self.addr = addr
        self.lra = lra
        # ERM open loop: V = OD_CLAMP * 21.96 mV (datasheet, equation 5)
        clamp = clamp_mv * 100 // 2196
        self._clamp = 255 if clamp > 255 else clamp
        self._rated = rated
        # closed loop (LRA) tracks the motor through its back-EMF: calibrate it by default;
        # an open-loop ERM does not use the calibration results
        self.calibrate = lra if calibrate is None else calibrate
        self.state = OFF
        self._t = 0
        self._last = -1  # RTP value last written, -1 to force a write
        self.chip_id = -1
        self.calibration_ok = None
        self.faults = 0  # steps that failed and will be retried

    def begin(self, now_ms):
        """Start (or restart) the init sequence: a software reset first."""
        self._last = -1
        self._t = now_ms
        if self.bus.write_reg(self.addr, _MODE, _DEV_RESET):
            self.state = RESETTING
        else:
            self._fail(now_ms)

    def poll(self, now_ms):
        """Advance the init state machine; returns the state."""
        state = self.state
        if state == RESETTING:
            mode = self.bus.read_reg(self.addr, _MODE)
            if mode >= 0 and not mode & _DEV_RESET:
                self._configure(now_ms)
            elif ticks_diff(now_ms, self._t) > _RESET_TIMEOUT_MS:
                self._fail(now_ms)
        elif state == CALIBRATING:
            go = self.bus.read_reg(self.addr, _GO)
            if go == 0:
                status = self.bus.read_reg(self.addr, _STATUS)
                self.calibration_ok = status >= 0 and not status & _DIAG_RESULT
                self._enter_rtp(now_ms)
            elif ticks_diff(now_ms, self._t) > _CAL_TIMEOUT_MS:
                self.calibration_ok = False
                self._enter_rtp(now_ms)
        elif state == ERROR:
            if ticks_diff(now_ms, self._t) >= _RETRY_MS:
                self.begin(now_ms)
        return self.state

    def set_level(self, level):
        """Drive at ``level`` 0..255 (written only when it changes); False if not sent."""
        if self.state != READY:
            return False
        v = level if self.lra else level >> 1
        if v == self._last:
            return True
        if self.bus.write_reg(self.addr, _RTP_INPUT, v):
            self._last = v
            return True
        self._last = -1
        self.faults += 1
        return False

    def standby(self):
        """Low-power standby keeping the configuration (for idle and sleep)."""
        self._last = -1
        return self.bus.write_reg(self.addr, _MODE, _STANDBY | _MODE_RTP)

    def wake(self):
        return self.bus.write_reg(self.addr, _MODE, _MODE_RTP)

    def _configure(self, now_ms):
        bus = self.bus
        a = self.addr
        status = bus.read_reg(a, _STATUS)
        if status < 0:
            self._fail(now_ms)
            return
        self.chip_id = status >> 5
        if self.chip_id != _ID_DRV2605L and self.chip_id != _ID_DRV2605:
            self._fail(now_ms)
            return
        if self.lra:
            feedback = _FEEDBACK_DEFAULT | _N_ERM_LRA
            library = _LIB_LRA
            control2 = _CONTROL2_DEFAULT & ~_BIDIR_INPUT
            control3 = (_CONTROL3_DEFAULT & ~_ERM_OPEN_LOOP) | _DATA_FORMAT_UNSIGNED
        else:
            feedback = _FEEDBACK_DEFAULT
            library = _LIB_ERM_A
            control2 = _CONTROL2_DEFAULT
            control3 = (_CONTROL3_DEFAULT | _ERM_OPEN_LOOP) & ~_DATA_FORMAT_UNSIGNED
        ok = (
            bus.write_reg(a, _MODE, _MODE_INTERNAL)
            and bus.write_reg(a, _FEEDBACK, feedback)
            and bus.write_reg(a, _RATED_VOLTAGE, self._rated)
            and bus.write_reg(a, _OD_CLAMP, self._clamp)
            and bus.write_reg(a, _CONTROL2, control2)
            and bus.write_reg(a, _CONTROL3, control3)
            and bus.write_reg(a, _LIBRARY_SEL, library)
        )
        if not ok:
            self._fail(now_ms)
            return
        if self.calibrate:
            self._t = now_ms
            if bus.write_reg(a, _MODE, _MODE_AUTOCAL) and bus.write_reg(a, _GO, 1):
                self.state = CALIBRATING
            else:
                self._fail(now_ms)
            return
        self._enter_rtp(now_ms)

    def _enter_rtp(self, now_ms):
        bus = self.bus
        if bus.write_reg(self.addr, _RTP_INPUT, 0) and bus.write_reg(self.addr, _MODE, _MODE_RTP):
            self._last = 0
            self.state = READY
        else:
            self._fail(now_ms)

    def _fail(self, now_ms):
        self.faults += 1
        self.state = ERROR
        self._t = now_ms
