"""Register-level fake of the TDK InvenSense MPU-6886 (M5StickC Plus/Plus2, M5Stack), for tests.

The MPU-6886 keeps the MPU-6050's register addresses for what we use (SMPLRT_DIV 0x19,
CONFIG 0x1A, GYRO_CONFIG 0x1B, ACCEL_CONFIG 0x1C, FIFO_EN 0x23, INT_STATUS 0x3A,
ACCEL_XOUT_H 0x3B, USER_CTRL 0x6A, PWR_MGMT_1 0x6B, FIFO_COUNTH/L 0x72/0x73,
FIFO_R_W 0x74, WHO_AM_I 0x75) and the same full-scale ranges, and differs in
(MPU-6886 datasheet DS-000193):

- WHO_AM_I reads 0x19.
- FIFO_EN (0x23) has two bits: GYRO_FIFO_EN (bit 4) and ACCEL_FIFO_EN (bit 3), and
  the temperature always goes with them: a packet is ACCEL (6) + TEMP (2) + GYRO (6)
  = 14 bytes, big-endian. T = raw/326.8 + 25 degC.
- CONFIG (0x1A) FIFO_MODE (bit 6): 1 = when the FIFO is full, further samples are
  not written (here: a packet that does not fit is dropped whole); 0 = the oldest
  bytes are overwritten, as on the MPU-6050. Either way INT_STATUS bit 4 is set.
- ACCEL_CONFIG2 (0x1D) holds the accelerometer filter (CONFIG's is the gyro's only);
  a plain register here, read by ``accel_filter_hz``.
- USER_CTRL.FIFO_RESET is modelled as on the MPU-6050 (only with FIFO_EN 0), the
  stricter reading.
- The gyro output rate is 32 kHz if GYRO_CONFIG FCHOICE_B (bits 1:0) is non-zero.
"""

import fake_mpu6050 as _base  # the module, not the class: this one offers one Fake* name

_FIFO_OFLOW = _base._FIFO_OFLOW
_INT_STATUS = _base._INT_STATUS
be16 = _base.be16
clip16 = _base.clip16

_CONFIG = 0x1A
_GYRO_CONFIG = 0x1B
_FIFO_EN = 0x23


class FakeMPU6886(_base.FakeMPU6050):
    """An MPU-6886 on the fake I2C bus."""

    WHO = 0x19
    FIFO_SIZE = 1024
    RESET_PWR = 0x40

    def rate_hz(self):
        if self.regs[_GYRO_CONFIG] & 3:
            return 32000.0
        return _base.FakeMPU6050.rate_hz(self)

    def accel_filter_hz(self):
        """The accelerometer's bandwidth by ACCEL_CONFIG2 (A_DLPF_CFG; FCHOICE_B bypasses)."""
        c2 = self.regs[0x1D]
        if c2 & 0x08:
            return 1046.0
        return (218.1, 218.1, 99.0, 44.8, 21.2, 10.2, 5.1, 420.0)[c2 & 7]

    def temp_raw(self):
        return clip16((self.temp_c - 25) * 326.8)

    def packet(self, raw):
        en = self.regs[_FIFO_EN]
        if not en & 0x18:
            return b""
        out = b""
        if en & 0x08:
            out += be16(raw[0]) + be16(raw[1]) + be16(raw[2])
        out += be16(raw[3])
        if en & 0x10:
            out += be16(raw[4]) + be16(raw[5]) + be16(raw[6])
        return out

    def _fifo_write(self, data):
        if self.regs[_CONFIG] & 0x40 and self.count + len(data) > self.FIFO_SIZE:
            self.overflows += 1
            self.regs[_INT_STATUS] |= _FIFO_OFLOW
            return
        _base.FakeMPU6050._fifo_write(self, data)
