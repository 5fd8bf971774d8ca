"""InvenSense MPU-6050 (GY-521 breakout): FIFO burst reads at 100 Hz, +-8 g, +-1000 deg/s.

Register map RM-MPU-6000A rev 4.2. Set-up: DEVICE_RESET, then (>= 100 ms later,
see ``imu.py`` for the two-phase reset) clock from the X gyro PLL, DLPF 44 Hz
(gyro output 1 kHz) and SMPLRT_DIV 9 -> 100 Hz, FIFO_EN accel + gyro xyz: a 12-byte
big-endian packet (ax ay az gx gy gz) per sample, FIFO emptied and on. FIFO_RESET
takes effect only while FIFO_EN is 0 (USER_CTRL, 4.29), so the FIFO is restarted in
two writes. Sleep: PWR_MGMT_1.SLEEP (the next reset wakes it).

Reading: FIFO_COUNT (2 bytes), then one burst from FIFO_R_W of the whole packets
there (at most ``imu.MAX_BATCH``). The FIFO holds 1024 bytes (85 packets, 0.85 s at
100 Hz): the app must read more often than that. When it overflows the chip
overwrites the oldest bytes, so the count reaches 1024 or stops being a multiple of
12: the FIFO is then emptied, the overflow counted and the clock re-anchored.
"""

from drivers.imu import DEG_NUM, G_NUM, ImuBase

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_GYRO_CONFIG = const(0x1B)
_ACCEL_CONFIG = const(0x1C)
_ACCEL_CONFIG2 = const(0x1D)  # MPU-6500 family (the 6886) only: FF_THR on the 6050
_FIFO_EN = const(0x23)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

_DEVICE_RESET = const(0x80)
_SLEEP = const(0x40)
_CLK_PLL_XGYRO = const(0x01)
_DLPF_44HZ = const(0x03)
_DIV_100HZ = const(9)  # 1 kHz / (1 + 9)
_FS_1000DPS = const(0x10)  # FS_SEL 2: 32.8 LSB/(deg/s)
_AFS_8G = const(0x10)  # AFS_SEL 2: 4096 LSB/g
_FIFO_ACCEL_GYRO = const(0x78)  # XG YG ZG ACCEL
_USER_FIFO_EN = const(0x40)
_USER_FIFO_RESET = const(0x04)
_FIFO_SIZE = const(1024)
_RESET_MS = const(100)


class MPU6050(ImuBase):
    SAMPLE_BYTES = 12
    # GY-521 clones answer 0x98 or 0x72 and otherwise work alike (ElectronicCats/mpu6050
    # issue 21: 13 of 20 modules from three sellers; jrowberg/i2cdevlib issue 478)
    WHO = (0x68, 0x98, 0x72)
    GYRO_AT = 6  # byte offset of gyro x in a packet
    CONFIG_BITS = _DLPF_44HZ
    ACCEL_FILTER = -1  # ACCEL_CONFIG2, where the accelerometer has a filter of its own
    FIFO_BITS = _FIFO_ACCEL_GYRO

    def __init__(self, bus, addr=0x68, axes="xyz"):
        ImuBase.__init__(self, bus, addr, axes)
        self._count = bytearray(2)
        self.rate_hz = 100
        # +-8 g: 4096 LSB/g; +-1000 deg/s: 32.8 LSB/(deg/s)
        self.set_scales(G_NUM, 100 * 4096, DEG_NUM, 328 * 10**6)

    def reset(self):
        self.who = self.bus.read_reg(self.addr, _WHO_AM_I)
        if self.who not in self.WHO:
            return -1
        if not self.bus.write_reg(self.addr, _PWR_MGMT_1, _DEVICE_RESET):
            return -1
        return _RESET_MS

    def configure(self, now_ms):
        b = self.bus
        a = self.addr
        ok = b.write_reg(a, _PWR_MGMT_1, _CLK_PLL_XGYRO)
        ok = b.write_reg(a, _SMPLRT_DIV, _DIV_100HZ) and ok
        ok = b.write_reg(a, _CONFIG, self.CONFIG_BITS) and ok
        ok = b.write_reg(a, _GYRO_CONFIG, _FS_1000DPS) and ok
        ok = b.write_reg(a, _ACCEL_CONFIG, _AFS_8G) and ok
        if self.ACCEL_FILTER >= 0:
            ok = b.write_reg(a, _ACCEL_CONFIG2, self.ACCEL_FILTER) and ok
        ok = b.write_reg(a, _FIFO_EN, self.FIFO_BITS) and ok
        ok = self._restart_fifo(now_ms) and ok
        return ok

    def _restart_fifo(self, now_ms):
        self.anchor(now_ms)
        ok = self.bus.write_reg(self.addr, _USER_CTRL, _USER_FIFO_RESET)
        return self.bus.write_reg(self.addr, _USER_CTRL, _USER_FIFO_EN) and ok

    def sleep(self):
        return self.bus.write_reg(self.addr, _PWR_MGMT_1, _SLEEP)

    def read(self, into, now_ms=0):
        if not self.bus.read_into(self.addr, _FIFO_COUNTH, self._count):
            return 0
        count = (self._count[0] << 8) | self._count[1]
        n = self.SAMPLE_BYTES
        if count >= _FIFO_SIZE or count % n:
            self.overflows += 1
            self._restart_fifo(now_ms)
            return 0
        k = count // n
        cap = self.capacity(into)
        if k > cap:
            k = cap
        if not k:
            return 0
        # not retried: a burst that failed part-way has popped bytes; start afresh instead
        if not self.bus.read_into(self.addr, _FIFO_R_W, self._views[k], 0):
            self._restart_fifo(now_ms)
            return 0
        buf = self._buf
        raw = self._raw
        g = self.GYRO_AT
        for j in range(k):
            o = j * n
            for i in range(3):
                v = (buf[o + 2 * i] << 8) | buf[o + 2 * i + 1]
                raw[i] = v - 65536 if v & 0x8000 else v
                v = (buf[o + g + 2 * i] << 8) | buf[o + g + 2 * i + 1]
                raw[3 + i] = v - 65536 if v & 0x8000 else v
            self._emit(into, j)
        return k
