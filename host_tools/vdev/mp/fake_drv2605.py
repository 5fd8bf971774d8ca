"""Register-level fake of the TI DRV2605L haptic driver (MicroPython and CPython).

Attach it with ``machine.attach_i2c(FakeDRV2605())``. It models what the
driver relies on, per the datasheet (SLOS854) register map:

- power-on defaults of registers 0x00..0x22; STATUS is read-only with
  DEVICE_ID 7 (DRV2605L) in bits 7:5; reserved addresses read 0.
- MODE.DEV_RESET restores the defaults; the bit reads back as 1 for
  ``reset_reads`` reads of MODE, then clears (the chip's reset time, counted
  in reads because the fake has no clock of its own).
- auto-calibration: GO written while MODE is 7 stays 1 for ``cal_reads`` reads
  of GO, then clears, fills A_CAL_COMP/A_CAL_BEMF and sets STATUS.DIAG_RESULT
  if ``fail_calibration``. GO in other modes plays the library sequence
  (recorded in ``effects``) and clears at the next read.
- RTP: every RTP_INPUT write is recorded in ``rtp`` as ``(clock, value)``;
  the test moves ``clock`` (ms). :meth:`drive` decodes the present motor drive
  (0..255 forward, 0 in standby or outside RTP mode, braking counted as 0) the
  way the chip would with the current FEEDBACK/CONTROL2/CONTROL3 bits, and
  ``drive_log`` records it at every write that changes it.
- every write is also in ``writes`` as ``(reg, value)``, in order.
"""

ADDR = 0x5A

# fmt: off
_DEFAULTS = (
    0xE0, 0x40, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00,  # 0x00..0x07
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  # 0x08..0x0F
    0x00, 0x05, 0x19, 0xFF, 0x19, 0xFF, 0x3E, 0x8C,  # 0x10..0x17
    0x0C, 0x6C, 0x36, 0x93, 0xF5, 0xA0, 0x20, 0x80,  # 0x18..0x1F
    0x33, 0x00, 0x00,  # 0x20..0x22
)
# fmt: on
_NREGS = 0x23

STATUS = 0x00
MODE = 0x01
RTP_INPUT = 0x02
LIBRARY_SEL = 0x03
GO = 0x0C
RATED_VOLTAGE = 0x16
OD_CLAMP = 0x17
A_CAL_COMP = 0x18
A_CAL_BEMF = 0x19
FEEDBACK = 0x1A
CONTROL2 = 0x1C
CONTROL3 = 0x1D
VBAT = 0x21


class FakeDRV2605:
    def __init__(self, addr=ADDR, reset_reads=1, cal_reads=3, fail_calibration=False, device_id=7):
        self.addr = addr
        self.device_id = device_id
        self.reset_reads = reset_reads
        self.cal_reads = cal_reads
        self.fail_calibration = fail_calibration
        self.regs = bytearray(_DEFAULTS)
        self.regs[STATUS] = device_id << 5
        self.clock = 0
        self.writes = []
        self.rtp = []
        self.drive_log = []
        self.effects = []
        self.resets = 0
        self.calibrations = 0
        self._reset_left = 0
        self._go_left = 0
        self.regs[VBAT] = 0xC3  # ~4.2 V: VBAT * 5.6 V / 255

    # --- the I2C side -------------------------------------------------
    def read(self, reg, n):
        buf = bytearray(n)
        self.read_into(reg, buf)
        return bytes(buf)

    def read_into(self, reg, buf):
        for i in range(len(buf)):
            buf[i] = self._read1(reg + i)

    def write(self, reg, data):
        for i in range(len(data)):
            self._write1(reg + i, data[i])

    # --- behaviour ----------------------------------------------------
    def _read1(self, reg):
        if reg >= _NREGS:
            return 0
        if reg == MODE and self._reset_left > 0:
            self._reset_left -= 1
            if self._reset_left == 0:
                self.regs[MODE] &= 0x7F
            return self.regs[MODE] | 0x80
        if reg == GO and self.regs[GO] & 1:
            if self._go_left > 0:
                self._go_left -= 1
            if self._go_left == 0:
                self._finish_go()
                return self.regs[GO]
        return self.regs[reg]

    def _write1(self, reg, value):
        value &= 0xFF
        self.writes.append((reg, value))
        if reg >= _NREGS or reg == STATUS:
            return
        if reg == MODE and value & 0x80:
            self.regs[:] = bytearray(_DEFAULTS)
            self.regs[STATUS] = self.device_id << 5
            self.regs[MODE] = 0x40 | 0x80
            self.resets += 1
            self._reset_left = self.reset_reads
            self._go_left = 0
            if self.reset_reads == 0:
                self.regs[MODE] = 0x40
            self._log_drive()
            return
        self.regs[reg] = value
        if reg == GO and value & 1:
            if self.regs[MODE] & 0x47 == 0x07:
                self.calibrations += 1
                self._go_left = self.cal_reads
            else:
                seq = bytes(self.regs[4:12])
                self.effects.append((self.clock, self.regs[LIBRARY_SEL] & 7, seq))
                self._go_left = 1
        if reg == RTP_INPUT:
            self.rtp.append((self.clock, value))
        self._log_drive()

    def _finish_go(self):
        self.regs[GO] = 0
        if self.regs[MODE] & 0x07 == 0x07:
            if self.fail_calibration:
                self.regs[STATUS] |= 0x08
            else:
                self.regs[STATUS] &= ~0x08 & 0xFF
                self.regs[A_CAL_COMP] = 0x0E
                self.regs[A_CAL_BEMF] = 0x79
                self.regs[FEEDBACK] = (self.regs[FEEDBACK] & 0xFC) | 0x02

    def _log_drive(self):
        d = self.drive()
        if not self.drive_log or self.drive_log[-1][1] != d:
            self.drive_log.append((self.clock, d))

    # --- what the motor sees ------------------------------------------
    def lra(self):
        return bool(self.regs[FEEDBACK] & 0x80)

    def standby(self):
        return bool(self.regs[MODE] & 0x40)

    def drive(self):
        """Forward drive 0..255 the motor gets now (brake and reverse count as 0)."""
        mode = self.regs[MODE]
        if mode & 0xC0 or mode & 0x07 != 0x05:
            return 0
        v = self.regs[RTP_INPUT]
        c3 = self.regs[CONTROL3]
        unsigned = c3 & 0x08
        erm_open = not self.lra() and c3 & 0x20
        bidir = self.regs[CONTROL2] & 0x80
        if erm_open and not bidir:
            return 0  # unidirectional input is for closed loop only: undocumented here
        if not bidir:
            return v  # closed loop, unidirectional: 0x00 off .. 0xFF full
        if unsigned:
            return 0 if v <= 0x80 else (v - 0x80) * 255 // 0x7F
        return 0 if v >= 0x80 else v * 255 // 0x7F
