"""ST LSM6DS3TR-C: FIFO burst reads at 104 Hz, +-8 g, +-1000 deg/s.

Datasheet DocID 030071. Set-up: SW_RESET (about 50 us; ``reset`` asks for 1 ms), then
CTRL3_C BDU + IF_INC, both sensors at 104 Hz (the chip has no 100 Hz rate; the
timestamps use 104 Hz), FIFO_CTRL3 gyro and accelerometer in the FIFO undecimated,
FIFO_CTRL5 bypass (empties it) then continuous mode at 104 Hz. A data set is six
little-endian words: gyro x, y, z then accelerometer x, y, z.

Reading: FIFO_STATUS1..4 (4 bytes: unread words, flags, pattern), then one burst
from FIFO_DATA_OUT_L of the whole data sets (the address rolls back from 0x3F to
0x3E). The FIFO holds 2048 words (341 sets, 3.3 s at 104 Hz). OVER_RUN set (the
oldest sets were overwritten) or a pattern that does not start at a set boundary:
the FIFO is emptied through bypass, the overflow counted and the clock re-anchored.
Sleep: both sensors powered down (ODR 0); the next reset wakes them.
"""

from drivers.imu import DEG_NUM, G_NUM, ImuBase

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


_FIFO_CTRL3 = const(0x08)
_FIFO_CTRL5 = const(0x0A)
_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_FIFO_STATUS1 = const(0x3A)
_FIFO_DATA_OUT_L = const(0x3E)

_SW_RESET = const(0x01)
_BDU_IF_INC = const(0x44)
_XL_104HZ_8G = const(0x4C)  # ODR_XL 0100, FS_XL 11
_G_104HZ_1000DPS = const(0x48)  # ODR_G 0100, FS_G 10
_FIFO_BOTH = const(0x09)  # DEC_FIFO_GYRO 001, DEC_FIFO_XL 001
_POWER_DOWN = const(0x00)
_FIFO_BYPASS = const(0x00)
_FIFO_CONT_104HZ = const(0x26)  # ODR_FIFO 0100, FIFO_MODE 110
_OVER_RUN = const(0x40)
_SET_WORDS = const(6)
_RESET_MS = const(1)


class LSM6DS3(ImuBase):
    SAMPLE_BYTES = 12
    WHO = (0x6A,)

    def __init__(self, bus, addr=0x6A, axes="xyz"):
        ImuBase.__init__(self, bus, addr, axes)
        self._status = bytearray(4)
        self.rate_hz = 104
        # +-8 g: 0.244 mg/LSB = 8/32768 g; +-1000 deg/s: 35 mdps/LSB
        self.set_scales(G_NUM * 8, 100 * 32768, DEG_NUM * 35, 10**10)

    def reset(self):
        self.who = self.bus.read_reg(self.addr, _WHO_AM_I)
        if self.who not in self.WHO:
            return -1
        if not self.bus.write_reg(self.addr, _CTRL3_C, _SW_RESET):
            return -1
        return _RESET_MS

    def configure(self, now_ms):
        b = self.bus
        a = self.addr
        ok = b.write_reg(a, _CTRL3_C, _BDU_IF_INC)
        ok = b.write_reg(a, _CTRL1_XL, _XL_104HZ_8G) and ok
        ok = b.write_reg(a, _CTRL2_G, _G_104HZ_1000DPS) and ok
        ok = b.write_reg(a, _FIFO_CTRL3, _FIFO_BOTH) and ok
        ok = self._restart_fifo(now_ms) and ok
        return ok

    def _restart_fifo(self, now_ms):
        self.anchor(now_ms)
        ok = self.bus.write_reg(self.addr, _FIFO_CTRL5, _FIFO_BYPASS)
        return self.bus.write_reg(self.addr, _FIFO_CTRL5, _FIFO_CONT_104HZ) and ok

    def sleep(self):
        ok = self.bus.write_reg(self.addr, _CTRL1_XL, _POWER_DOWN)
        return self.bus.write_reg(self.addr, _CTRL2_G, _POWER_DOWN) and ok

    def read(self, into, now_ms=0):
        st = self._status
        if not self.bus.read_into(self.addr, _FIFO_STATUS1, st):
            return 0
        words = ((st[1] & 0x07) << 8) | st[0]
        pattern = ((st[3] & 0x03) << 8) | st[2]
        if st[1] & _OVER_RUN or pattern:
            self.overflows += 1
            self._restart_fifo(now_ms)
            return 0
        k = words // _SET_WORDS
        cap = self.capacity(into)
        if k > cap:
            k = cap
        if not k:
            return 0
        # not retried: a burst that failed part-way has popped words; start afresh instead
        if not self.bus.read_into(self.addr, _FIFO_DATA_OUT_L, self._views[k], 0):
            self._restart_fifo(now_ms)
            return 0
        buf = self._buf
        raw = self._raw
        for j in range(k):
            o = j * 12
            for i in range(3):
                v = buf[o + 6 + 2 * i] | (buf[o + 7 + 2 * i] << 8)
                raw[i] = v - 65536 if v & 0x8000 else v
                v = buf[o + 2 * i] | (buf[o + 1 + 2 * i] << 8)
                raw[3 + i] = v - 65536 if v & 0x8000 else v
            self._emit(into, j)
        return k
