"""What every IMU driver shares, and ``make_imu`` that picks one from the board file.

Driver API (``mpu6050``, ``mpu6886``, ``lsm6ds3``):

- ``reset() -> int``: checks WHO_AM_I and starts a chip reset; returns the ms to wait
  before ``configure`` (-1: no such chip or the bus failed). Two-phase on purpose:
  the app ticks on while the chip resets. ``init(now_ms, sleep_ms)`` does both with
  one bounded wait (at most 100 ms, MPU-6050/6886 reset) and is for boot only.
- ``configure(now_ms) -> bool``: ranges, ~100 Hz output data rate, FIFO on and empty;
  the first FIFO sample is then due at ``now_ms`` + one period.
- ``sleep() -> bool``: the chip in its lowest-power mode, before the board's deep
  sleep (an IMU sampling draws about a milliampere, the sleeping ESP32 ten
  microamperes); the next ``reset`` wakes it.
- ``read(into, now_ms=0) -> int``: one burst read of whole samples from the FIFO into
  ``into`` (``array('i')``, ``FIELDS`` ints per sample: t_ms, ax, ay, az in mm/s^2,
  gx, gy, gz in mrad/s, board axes applied); returns how many samples. Timestamps
  are derived from the output data rate, each one period after the previous
  (``now_ms`` is used only to re-anchor after a FIFO overflow, which is counted in
  ``overflows``; the FIFO is emptied and samples restart from there). A failed
  transfer returns 0 and is counted by the bus; nothing is raised.

Steady state allocates nothing: the byte buffer, one memoryview per batch size, the
count buffer and the scratch array are made in ``__init__``; scaling is fixed-point
with every product inside MicroPython's small-int range (31 bits).

Axes (``imu.axes`` in the board file): three signed sensor axes, naming for body
x, y, z in turn which sensor axis (and sign) it is, e.g. ``"xyz"`` (as mounted),
``"-y x z"`` (body x = -sensor y, body y = sensor x). Spaces are optional. Body frame
when worn at the waist: x forward, y left, z up.
"""

from array import array

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


FIELDS = const(7)
MAX_BATCH = const(32)
_TICKS_MAX = const(0x3FFFFFFF)
_LIMIT = const(32768)  # a scale factor stays below this so raw * k fits 31 bits
G_NUM = const(980665)  # 1 g = 9806.65 mm/s^2 = G_NUM / 100
DEG_NUM = const(174532925)  # 1 deg/s = 17.4532925 mrad/s = DEG_NUM / 10**7


def parse_axes(text):
    """``"-y x z"`` -> ([1, 0, 2], [-1, 1, 1]); raises ValueError if not a signed permutation."""
    src = []
    sign = []
    s = 1
    for ch in text:
        if ch == " ":
            continue
        if ch in "+-":
            s = -1 if ch == "-" else 1
            continue
        i = "xyz".find(ch)
        if i < 0:
            raise ValueError("axes: unknown character " + repr(ch))
        src.append(i)
        sign.append(s)
        s = 1
    if sorted(src) != [0, 1, 2]:
        raise ValueError("axes: must name x, y and z once each, e.g. 'xyz' or '-y x z'")
    return src, sign


def fixed_scale(num, den):
    """(k, shift) with raw * k >> shift ~= raw * num / den and k < 2**15."""
    shift = 0
    while shift < 24 and (num << (shift + 1)) // den < _LIMIT:
        shift += 1
    return (((num << shift) * 2 + den) // (2 * den)), shift


class ImuBase:
    """FIFO bookkeeping, fixed-point scaling, axes mapping and ODR timestamps."""

    SAMPLE_BYTES = 12
    WHO = ()  # the WHO_AM_I values the chip may answer

    def __init__(self, bus, addr, axes="xyz"):
        self.bus = bus
        self.addr = addr
        src, sign = parse_axes(axes)
        self._src = array("i", src)
        self._sign = array("i", sign)
        self._raw = array("i", [0] * 6)  # sensor frame: ax, ay, az, gx, gy, gz
        n = self.SAMPLE_BYTES
        self._buf = bytearray(MAX_BATCH * n)
        mv = memoryview(self._buf)
        self._views = [mv[: k * n] for k in range(MAX_BATCH + 1)]
        self.overflows = 0
        self.samples = 0
        self.who = -1
        self.rate_hz = 100
        self._t = 0
        self._frac = 0
        self._ka = self._sa = self._kg = self._sg = 0

    # -- set-up ----------------------------------------------------------------------
    def set_scales(self, a_num, a_den, g_num, g_den):
        """Fixed-point factors: mm/s^2 per LSB = a_num/a_den, mrad/s per LSB = g_num/g_den."""
        self._ka, self._sa = fixed_scale(a_num, a_den)
        self._kg, self._sg = fixed_scale(g_num, g_den)

    def anchor(self, now_ms):
        """The next FIFO sample is due one period after ``now_ms``."""
        self._t = now_ms & _TICKS_MAX
        self._frac = 0

    def reset(self) -> int:  # per chip
        return -1

    def configure(self, now_ms) -> bool:  # per chip
        return False

    def read(self, into, now_ms=0) -> int:  # per chip
        return 0

    def sleep(self) -> bool:  # per chip
        return False

    def init(self, now_ms, sleep_ms):
        """Boot-time convenience: reset, one bounded wait (<= 100 ms), configure."""
        wait = self.reset()
        if wait < 0:
            return False
        if wait:
            sleep_ms(wait)
        return self.configure(now_ms)

    # -- the hot path ----------------------------------------------------------------
    def _emit(self, into, j):
        """Scale ``_raw``, map axes, stamp the next ODR time, store sample ``j``."""
        raw = self._raw
        ka = self._ka
        sa = self._sa
        kg = self._kg
        sg = self._sg
        src = self._src
        sign = self._sign
        rate = self.rate_hz
        self._frac += 1000
        while self._frac >= rate:
            self._frac -= rate
            self._t += 1
        self._t &= _TICKS_MAX
        base = j * FIELDS
        into[base] = self._t
        for k in range(3):
            into[base + 1 + k] = sign[k] * ((raw[src[k]] * ka) >> sa)
            into[base + 4 + k] = sign[k] * ((raw[3 + src[k]] * kg) >> sg)
        self.samples += 1

    def capacity(self, into):
        n = len(into) // FIELDS
        return n if n < MAX_BATCH else MAX_BATCH


def make_imu(bus, imu):
    """The driver for a board's ``imu`` dict: ``{"kind", "addr", "axes"}``."""
    kind = imu["kind"]
    args = (bus, imu["addr"], imu.get("axes", "xyz"))
    if kind == "mpu6050":
        from drivers.mpu6050 import MPU6050

        return MPU6050(*args)
    if kind == "mpu6886":
        from drivers.mpu6886 import MPU6886

        return MPU6886(*args)
    if kind == "lsm6ds3":
        from drivers.lsm6ds3 import LSM6DS3

        return LSM6DS3(*args)
    raise ValueError("imu.kind: unknown IMU " + repr(kind))
