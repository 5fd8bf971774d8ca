"""Register-level fake of the InvenSense MPU-6050 (GY-521 breakout), for tests and the vdev.

Modelled from the MPU-6000/6050 register map (RM-MPU-6000A rev 4.2):

- WHO_AM_I (0x75) reads 0x68 whatever the AD0 pin (the address is 0x68 or 0x69).
- PWR_MGMT_1 (0x6B): DEVICE_RESET (bit 7) restores the power-on registers (SLEEP set,
  FIFO empty); while SLEEP (bit 6) is set no samples are made.
- Sample rate = gyro output rate / (1 + SMPLRT_DIV (0x19)); the gyro output rate is
  8 kHz when CONFIG (0x1A) DLPF_CFG is 0 or 7, else 1 kHz.
- GYRO_CONFIG (0x1B) FS_SEL bits 4:3: 131, 65.5, 32.8, 16.4 LSB/(deg/s);
  ACCEL_CONFIG (0x1C) AFS_SEL bits 4:3: 16384, 8192, 4096, 2048 LSB/g.
- Data registers ACCEL_XOUT_H (0x3B) .. GYRO_ZOUT_L (0x48), big-endian, temperature
  in between (T = raw/340 + 36.53 degC).
- FIFO, 1024 bytes: USER_CTRL (0x6A) FIFO_EN (bit 6) lets samples in, FIFO_RESET
  (bit 2, self-clearing) empties it when written while FIFO_EN is 0 (4.29: "resets the
  FIFO buffer when set to 1 while FIFO_EN equals 0"); with FIFO_EN it does nothing.
  FIFO_EN (0x23) picks what goes in, written in register order: ACCEL (bit 3,
  6 bytes), TEMP (bit 7, 2), XG/YG/ZG (bits 6/5/4, 2 each).
  FIFO_COUNT_H/L (0x72/0x73) count bytes; FIFO_R_W (0x74) pops one byte per read
  and does not auto-increment the register address. When full, the oldest bytes are
  overwritten (so a packet boundary is lost) and INT_STATUS (0x3A) FIFO_OFLOW_INT
  (bit 4) is set; reading INT_STATUS clears it.

Feeding it: ``push(ax, ay, az, gx, gy, gz)`` (mm/s^2, mrad/s ints) makes ONE sample
at the configured rate: raw counts by the configured ranges, saturated to int16.
``hold(ms, ...)`` makes as many samples as the configured rate produces in ``ms``.
"""

_SMPLRT_DIV = 0x19
_CONFIG = 0x1A
_GYRO_CONFIG = 0x1B
_ACCEL_CONFIG = 0x1C
_FIFO_EN = 0x23
_INT_STATUS = 0x3A
_ACCEL_XOUT_H = 0x3B
_USER_CTRL = 0x6A
_PWR_MGMT_1 = 0x6B
_FIFO_COUNTH = 0x72
_FIFO_COUNTL = 0x73
_FIFO_R_W = 0x74
_WHO_AM_I = 0x75

_FIFO_OFLOW = 0x10
G_MM = 9806.65  # mm/s^2 per g
RAD_DEG = 57.29577951308232


def clip16(v):
    v = round(v)
    if v > 32767:
        return 32767
    if v < -32768:
        return -32768
    return v


def be16(v):
    v &= 0xFFFF
    return bytes((v >> 8, v & 0xFF))


class FakeMPU6050:
    """An MPU-6050 on the fake I2C bus (``machine.attach_i2c(FakeMPU6050())``)."""

    WHO = 0x68
    FIFO_SIZE = 1024
    RESET_PWR = 0x40  # PWR_MGMT_1 at power-on: SLEEP

    def __init__(self, addr=0x68, temp_c=25):
        self.addr = addr
        self.temp_c = temp_c
        self.regs = bytearray(128)
        self.fifo = bytearray(self.FIFO_SIZE)
        self.resets = 0
        self.overflows = 0  # times a write found the FIFO full
        self._power_on()

    # -- chip state ----------------------------------------------------------------
    def _power_on(self):
        for i in range(128):
            self.regs[i] = 0
        self.regs[_PWR_MGMT_1] = self.RESET_PWR
        self.regs[_WHO_AM_I] = self.WHO
        self._clear_fifo()
        self._phase = 0

    def _clear_fifo(self):
        self.head = 0
        self.count = 0

    def asleep(self):
        return bool(self.regs[_PWR_MGMT_1] & 0x40)

    def rate_hz(self):
        dlpf = self.regs[_CONFIG] & 7
        base = 8000 if dlpf in (0, 7) else 1000
        return base / (1 + self.regs[_SMPLRT_DIV])

    def accel_lsb_per_g(self):
        return 16384 >> ((self.regs[_ACCEL_CONFIG] >> 3) & 3)

    def gyro_lsb_per_dps(self):
        return (131.0, 65.5, 32.8, 16.4)[(self.regs[_GYRO_CONFIG] >> 3) & 3]

    def fifo_enabled(self):
        return bool(self.regs[_USER_CTRL] & 0x40)

    # -- I2C side -------------------------------------------------------------------
    def read_into(self, reg, buf):
        for i in range(len(buf)):
            buf[i] = self._read_byte(reg)
            if reg != _FIFO_R_W:
                reg = (reg + 1) & 0x7F

    def read(self, reg, n):
        buf = bytearray(n)
        self.read_into(reg, buf)
        return bytes(buf)

    def write(self, reg, data):
        for b in data:
            self._write_byte(reg, b)
            if reg != _FIFO_R_W:
                reg = (reg + 1) & 0x7F

    def _read_byte(self, reg):
        if reg == _FIFO_R_W:
            if self.count == 0:
                return 0
            v = self.fifo[self.head]
            self.head = (self.head + 1) % self.FIFO_SIZE
            self.count -= 1
            return v
        if reg == _FIFO_COUNTH:
            return self.count >> 8
        if reg == _FIFO_COUNTL:
            return self.count & 0xFF
        if reg == _INT_STATUS:
            v = self.regs[reg]
            self.regs[reg] = 0
            return v
        return self.regs[reg]

    def _write_byte(self, reg, v):
        if reg == _PWR_MGMT_1 and v & 0x80:
            self.resets += 1
            self._power_on()
            return
        if reg == _USER_CTRL:
            if v & 0x04 and not v & 0x40:
                self._clear_fifo()
            self.regs[reg] = v & ~0x04 & 0xFF
            return
        if reg == _FIFO_R_W:
            return
        if reg in (_WHO_AM_I, _INT_STATUS, _FIFO_COUNTH, _FIFO_COUNTL):
            return
        if _ACCEL_XOUT_H <= reg <= 0x60:  # sensor data: read-only
            return
        self.regs[reg] = v

    # -- the physical world side ------------------------------------------------------
    def raw(self, ax, ay, az, gx, gy, gz):
        """Raw counts for a sample: (accel xyz, temp, gyro xyz) by the configured ranges."""
        a = self.accel_lsb_per_g() / G_MM
        g = self.gyro_lsb_per_dps() * RAD_DEG / 1000.0
        return (
            clip16(ax * a),
            clip16(ay * a),
            clip16(az * a),
            self.temp_raw(),
            clip16(gx * g),
            clip16(gy * g),
            clip16(gz * g),
        )

    def temp_raw(self):
        return clip16((self.temp_c - 36.53) * 340)

    def packet(self, raw):
        """FIFO bytes of one sample, in register order, as FIFO_EN selects them."""
        en = self.regs[_FIFO_EN]
        out = b""
        if en & 0x08:
            out += be16(raw[0]) + be16(raw[1]) + be16(raw[2])
        if en & 0x80:
            out += be16(raw[3])
        for bit, i in ((0x40, 4), (0x20, 5), (0x10, 6)):
            if en & bit:
                out += be16(raw[i])
        return out

    def push(self, ax, ay, az, gx=0, gy=0, gz=0):
        """One sample at the output data rate; False if the chip is asleep."""
        if self.asleep():
            return False
        raw = self.raw(ax, ay, az, gx, gy, gz)
        data = b"".join(be16(v) for v in raw)
        self.regs[_ACCEL_XOUT_H : _ACCEL_XOUT_H + 14] = data
        if self.fifo_enabled():
            self._fifo_write(self.packet(raw))
        return True

    def hold(self, ms, ax, ay, az, gx=0, gy=0, gz=0):
        """Keep a reading for ``ms``: as many samples as the configured rate makes."""
        self._phase += ms * self.rate_hz()
        n = int(self._phase // 1000)
        self._phase -= n * 1000
        for _ in range(n):
            self.push(ax, ay, az, gx, gy, gz)
        return n

    def _fifo_write(self, data):
        full = False
        for b in data:
            if self.count == self.FIFO_SIZE:  # overwrite the oldest byte
                self.head = (self.head + 1) % self.FIFO_SIZE
                self.count -= 1
                full = True
            self.fifo[(self.head + self.count) % self.FIFO_SIZE] = b
            self.count += 1
        if full:
            self.overflows += 1
            self.regs[_INT_STATUS] |= _FIFO_OFLOW
