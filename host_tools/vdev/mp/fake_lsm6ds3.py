"""Register-level fake of the ST LSM6DS3TR-C, for tests and the virtual device.

Modelled from the LSM6DS3TR-C datasheet (DocID 030071) register map:

- WHO_AM_I (0x0F) reads 0x6A. Address 0x6A (SA0 low) or 0x6B (SA0 high).
- CTRL3_C (0x12): SW_RESET (bit 0, self-clearing) restores the defaults
  (CTRL3_C = 0x04: IF_INC, register address auto-increment); BDU bit 6.
- CTRL1_XL (0x10): ODR_XL bits 7:4, FS_XL bits 3:2 (00 2 g, 01 16 g, 10 4 g, 11 8 g:
  0.061/0.488/0.122/0.244 mg/LSB). CTRL2_G (0x11): ODR_G bits 7:4, FS_G bits 3:2
  (00 250, 01 500, 10 1000, 11 2000 dps: 8.75/17.5/35/70 mdps/LSB), FS_125 bit 1.
  ODR codes 1..10: 12.5, 26, 52, 104, 208, 416, 833, 1660, 3330, 6660 Hz.
- Data registers OUTX_L_G (0x22) .. OUTZ_H_XL (0x2D), little-endian.
- FIFO, 4 KB = 2048 16-bit words. FIFO_CTRL1/2 (0x06/0x07) threshold; FIFO_CTRL3
  (0x08) DEC_FIFO_GYRO bits 5:3 and DEC_FIFO_XL bits 2:0 (001 = in the FIFO, no
  decimation; 000 = not in the FIFO); FIFO_CTRL4 (0x09) third/fourth data sets (unused);
  FIFO_CTRL5 (0x0A) ODR_FIFO bits 6:3 (same codes), FIFO_MODE bits 2:0 (000 bypass:
  FIFO off and emptied, 001 FIFO: stops when full, 110 continuous: overwrites the
  oldest data set). A data set is the gyro X, Y, Z words then the accelerometer's.
- FIFO_STATUS1/2 (0x3A/0x3B): DIFF_FIFO (unread words, 11 bits: STATUS2 bits 2:0 are
  bits 10:8), STATUS2 WaterM (bit 7), OVER_RUN (bit 6, here cleared by going to
  bypass), FIFO_FULL_SMART (bit 5), FIFO_EMPTY (bit 4). FIFO_STATUS3/4 (0x3C/0x3D):
  FIFO_PATTERN, the index in the data set of the next word to be read.
- FIFO_DATA_OUT_L/H (0x3E/0x3F): reading H pops the word; a burst read rolls the
  address back from 0x3F to 0x3E, so one long read empties many words.

``push(ax, ay, az, gx, gy, gz)`` (mm/s^2, mrad/s) makes ONE sample at the FIFO rate;
``hold(ms, ...)`` makes as many as ODR_FIFO produces in ``ms``.
"""

from fake_mpu6050 import G_MM, RAD_DEG, clip16

_FIFO_CTRL1 = 0x06
_FIFO_CTRL3 = 0x08
_FIFO_CTRL5 = 0x0A
_WHO_AM_I = 0x0F
_CTRL1_XL = 0x10
_CTRL2_G = 0x11
_CTRL3_C = 0x12
_OUTX_L_G = 0x22
_FIFO_STATUS1 = 0x3A
_FIFO_STATUS2 = 0x3B
_FIFO_STATUS3 = 0x3C
_FIFO_STATUS4 = 0x3D
_FIFO_DATA_OUT_L = 0x3E
_FIFO_DATA_OUT_H = 0x3F

ODR_HZ = (0, 12.5, 26, 52, 104, 208, 416, 833, 1660, 3330, 6660)
_XL_LSB_PER_G = (16384, 2048, 8192, 4096)
_G_MDPS_PER_LSB = (8.75, 17.5, 35.0, 70.0)
_WORDS = 2048


class FakeLSM6DS3:
    """An LSM6DS3TR-C on the fake I2C bus."""

    WHO = 0x6A

    def __init__(self, addr=0x6A):
        self.addr = addr
        self.regs = bytearray(128)
        self.fifo = bytearray(2 * _WORDS)
        self.resets = 0
        self.overflows = 0
        self._power_on()

    def _power_on(self):
        for i in range(128):
            self.regs[i] = 0
        self.regs[_WHO_AM_I] = self.WHO
        self.regs[_CTRL3_C] = 0x04
        self._clear_fifo()
        self._phase = 0

    def _clear_fifo(self):
        self.head = 0  # word index of the oldest unread word
        self.words = 0
        self.pattern = 0
        self.overrun = False
        self._low = -1  # the popped word's high byte is still to be read

    def mode(self):
        return self.regs[_FIFO_CTRL5] & 7

    def rate_hz(self):
        code = (self.regs[_FIFO_CTRL5] >> 3) & 0xF
        return ODR_HZ[code] if code < len(ODR_HZ) else 0

    def set_words(self):
        """Words per data set: 3 per sensor that FIFO_CTRL3 puts in the FIFO."""
        c3 = self.regs[_FIFO_CTRL3]
        return 3 * (1 if c3 & 0x38 else 0) + 3 * (1 if c3 & 0x07 else 0)

    # -- I2C side -------------------------------------------------------------------
    def read_into(self, reg, buf):
        inc = self.regs[_CTRL3_C] & 0x04
        for i in range(len(buf)):
            buf[i] = self._read_byte(reg)
            if reg == _FIFO_DATA_OUT_H:
                reg = _FIFO_DATA_OUT_L
            elif inc:
                reg = (reg + 1) & 0x7F

    def read(self, reg, n):
        buf = bytearray(n)
        self.read_into(reg, buf)
        return bytes(buf)

    def write(self, reg, data):
        for b in data:
            self._write_byte(reg, b)
            reg = (reg + 1) & 0x7F

    def _read_byte(self, reg):
        if reg == _FIFO_DATA_OUT_L:
            return self.fifo[2 * self.head] if self.words else 0
        if reg == _FIFO_DATA_OUT_H:
            if not self.words:
                return 0
            v = self.fifo[2 * self.head + 1]
            self.head = (self.head + 1) % _WORDS
            self.words -= 1
            n = self.set_words()
            self.pattern = (self.pattern + 1) % n if n else 0
            return v
        if reg == _FIFO_STATUS1:
            return self.words & 0xFF
        if reg == _FIFO_STATUS2:
            v = (self.words >> 8) & 0x07
            if self.overrun:
                v |= 0x40
            if self.words >= _WORDS - self.set_words():
                v |= 0x20
            if not self.words:
                v |= 0x10
            thr = self.regs[_FIFO_CTRL1] | ((self.regs[_FIFO_CTRL1 + 1] & 7) << 8)
            if thr and self.words >= thr:
                v |= 0x80
            return v
        if reg == _FIFO_STATUS3:
            return self.pattern & 0xFF
        if reg == _FIFO_STATUS4:
            return self.pattern >> 8
        return self.regs[reg]

    def _write_byte(self, reg, v):
        if reg == _CTRL3_C and v & 0x01:
            self.resets += 1
            self._power_on()
            return
        if reg == _WHO_AM_I or 0x1E <= reg <= 0x3F:  # status, data, FIFO outputs: read-only
            return
        self.regs[reg] = v
        if reg == _FIFO_CTRL5 and v & 7 == 0:
            self._clear_fifo()

    # -- the physical world side ----------------------------------------------------
    def raw(self, ax, ay, az, gx, gy, gz):
        """(gyro xyz, accel xyz) raw counts by the configured ranges."""
        a = _XL_LSB_PER_G[(self.regs[_CTRL1_XL] >> 2) & 3] / G_MM
        c2 = self.regs[_CTRL2_G]
        mdps = 4.375 if c2 & 0x02 else _G_MDPS_PER_LSB[(c2 >> 2) & 3]
        g = RAD_DEG / mdps  # LSB per mrad/s: (mrad/s -> mdeg/s) / (mdeg/s per LSB)
        return (
            clip16(gx * g),
            clip16(gy * g),
            clip16(gz * g),
            clip16(ax * a),
            clip16(ay * a),
            clip16(az * a),
        )

    def asleep(self):
        """Both sensors powered down (ODR 0): nothing is sampled."""
        return not self.regs[_CTRL1_XL] >> 4 and not self.regs[_CTRL2_G] >> 4

    def push(self, ax, ay, az, gx=0, gy=0, gz=0):
        """One sample at the FIFO rate (the data registers update if the sensors are on)."""
        if self.asleep():
            return False
        raw = self.raw(ax, ay, az, gx, gy, gz)
        if self.regs[_CTRL2_G] >> 4:
            for i in range(3):
                self._set16(_OUTX_L_G + 2 * i, raw[i])
        if self.regs[_CTRL1_XL] >> 4:
            for i in range(3):
                self._set16(_OUTX_L_G + 6 + 2 * i, raw[3 + i])
        if self.mode() == 0 or not self.rate_hz():
            return False
        words = []
        c3 = self.regs[_FIFO_CTRL3]
        if c3 & 0x38:
            words.extend(raw[0:3])
        if c3 & 0x07:
            words.extend(raw[3:6])
        if not words:
            return False
        if self.words + len(words) > _WORDS:
            self.overflows += 1
            self.overrun = True
            if self.mode() != 6:  # FIFO mode: stop when full
                return False
            self.head = (self.head + len(words)) % _WORDS  # continuous: drop the oldest set
            self.words -= len(words)
        for w in words:
            at = (self.head + self.words) % _WORDS
            self.fifo[2 * at] = w & 0xFF
            self.fifo[2 * at + 1] = (w >> 8) & 0xFF
            self.words += 1
        return True

    def hold(self, ms, ax, ay, az, gx=0, gy=0, gz=0):
        self._phase += ms * self.rate_hz()
        n = int(self._phase // 1000)
        self._phase -= n * 1000
        for _ in range(n):
            self.push(ax, ay, az, gx, gy, gz)
        return n

    def _set16(self, reg, v):
        self.regs[reg] = v & 0xFF
        self.regs[reg + 1] = (v >> 8) & 0xFF
