"""IMU drivers against their register-level fakes through the fake machine.I2C.

Each test runs for all three chips: WHO_AM_I, FIFO burst contents (board axes,
scale within 1 LSB), ODR-derived timestamps, overflow, I2C faults, allocation.
"""

import gc
from array import array

import machine
from drivers.i2c_bus import I2CBus
from drivers.imu import FIELDS, MAX_BATCH, make_imu, parse_axes
from fake_lsm6ds3 import FakeLSM6DS3
from fake_mpu6050 import FakeMPU6050
from fake_mpu6886 import FakeMPU6886
from mpunit import raises

# kind, fake, address, output data rate, accel mm/s^2 per LSB, gyro mrad/s per LSB
CHIPS = (
    ("mpu6050", FakeMPU6050, 0x69, 100, 9806.65 / 4096, 17.4532925 / 32.8),
    ("mpu6886", FakeMPU6886, 0x68, 100, 9806.65 / 4096, 17.4532925 / 32.8),
    ("lsm6ds3", FakeLSM6DS3, 0x6A, 104, 9806.65 * 8 / 32768, 35 * 0.01745329),
)
T0 = 1000


def setup(chip, axes="xyz"):
    kind, fake_cls, addr = chip[0], chip[1], chip[2]
    machine.reset_fakes()
    fake = machine.attach_i2c(fake_cls(addr))
    bus = I2CBus(machine.I2C(0, scl=machine.Pin(22), sda=machine.Pin(21), freq=400000))
    imu = make_imu(bus, {"kind": kind, "addr": addr, "axes": axes})
    assert imu.reset() > 0
    assert fake.resets == 1
    assert imu.configure(T0)
    return fake, bus, imu


def buffer():
    return array("i", [0] * (FIELDS * MAX_BATCH))


def drain(imu, into, now_ms=0):
    """Every sample in the FIFO, as lists of FIELDS ints, via repeated burst reads."""
    out = []
    while True:
        n = imu.read(into, now_ms)
        for j in range(n):
            out.append(list(into[j * FIELDS : (j + 1) * FIELDS]))
        if n < MAX_BATCH:
            return out


def test_who_am_i_is_checked():
    for chip in CHIPS:
        setup(chip)
    machine.reset_fakes()
    bus = I2CBus(machine.I2C(0))
    machine.attach_i2c(FakeMPU6886(0x68))  # an MPU-6886 is not an MPU-6050
    assert make_imu(bus, {"kind": "mpu6050", "addr": 0x68}).reset() == -1
    imu = make_imu(bus, {"kind": "lsm6ds3", "addr": 0x6A})  # nothing at 0x6A
    assert imu.reset() == -1 and imu.who == -1
    assert bus.last_errno == 19
    raises(ValueError, make_imu, bus, {"kind": "bmi160", "addr": 0x68})


def test_boot_init_waits_once_for_the_chip_reset():
    for i, wait in enumerate((100, 100, 1)):
        chip = CHIPS[i]
        fake, _bus, imu = setup(chip)
        waits = []
        assert imu.init(T0, waits.append)
        assert waits == [wait] and fake.resets == 2
        fake.push(0, 0, 9807)
        assert imu.read(buffer()) == 1
    machine.reset_fakes()
    imu = make_imu(I2CBus(machine.I2C(0)), {"kind": "mpu6050", "addr": 0x68})
    waits = []
    assert not imu.init(T0, waits.append) and waits == []  # no chip: no wait, a status


def test_configures_100hz_ranges_and_fifo():
    for chip in CHIPS:
        fake, _bus, imu = setup(chip)
        assert not getattr(fake, "asleep", lambda: False)()
        assert fake.rate_hz() == chip[3]
        assert fake.hold(500, 0, 0, 9807) == chip[3] // 2  # 0.5 s fits every FIFO
        assert len(drain(imu, buffer())) == chip[3] // 2


def test_burst_returns_pushed_samples_in_board_axes_within_one_lsb():
    pushed = [
        (0, 0, 9807, 0, 0, 0),
        (1234, -5678, 9000, 100, -200, 300),
        (-39000, 20000, -15, -5000, 7000, 1),
        (77, -3, 60000, 17000, -17000, -9),
    ]
    for chip in CHIPS:
        a_lsb, g_lsb = chip[4], chip[5]
        for axes in ("xyz", "-y x z", "z -x -y"):
            src, sign = parse_axes(axes)
            fake, _bus, imu = setup(chip, axes)
            for s in pushed:
                fake.push(*s)
            got = drain(imu, buffer())
            assert len(got) == len(pushed), (chip[0], len(got))
            for i, row in enumerate(got):
                s = pushed[i]
                for k in range(3):
                    want_a = sign[k] * s[src[k]]
                    want_g = sign[k] * s[3 + src[k]]
                    assert abs(row[1 + k] - want_a) <= a_lsb, (chip[0], axes, s, row)
                    assert abs(row[4 + k] - want_g) <= g_lsb + 1, (chip[0], axes, s, row)


def test_saturates_at_the_configured_range():
    for chip in CHIPS:
        fake, _bus, imu = setup(chip)
        fake.push(200000, -200000, 0, 0, 0, 40000)
        row = drain(imu, buffer())[0]
        assert 78000 < row[1] < 78460 and -78460 < row[2] < -78000, (chip[0], row)
        assert 17400 < row[6] < 20100, (chip[0], row)  # +-1000 deg/s (+ LSM headroom)


def test_timestamps_follow_the_output_data_rate_not_the_read_time():
    for chip in CHIPS:
        rate = chip[3]
        fake, _bus, imu = setup(chip)
        into = buffer()
        times = []
        now = 50000  # the read time is far off: it must not matter
        for _ in range(7):
            fake.hold(150, 0, 0, 9807)
            now += 3333
            times += [row[0] for row in drain(imu, into, now)]
        assert len(times) == 7 * 150 * rate // 1000
        for k, t in enumerate(times):
            assert t == T0 + (k + 1) * 1000 // rate, (chip[0], k, t)


def test_timestamps_wrap_like_ticks_ms():
    chip = CHIPS[0]
    fake, _bus, imu = setup(chip)
    imu.configure(0x3FFFFFFF - 15)
    fake.hold(50, 0, 0, 9807)
    times = [row[0] for row in drain(imu, buffer())]
    assert times == [0x3FFFFFFF - 5, 4, 14, 24, 34]


def test_overflow_is_counted_and_reading_resumes_re_anchored():
    for chip in CHIPS:
        fake, _bus, imu = setup(chip)
        into = buffer()
        fake.hold(5000, 100, 200, 9807)  # far more than any of the FIFOs holds
        assert fake.overflows > 0
        assert imu.read(into, 20000) == 0
        assert imu.overflows == 1
        fake.push(1, 2, 9807)
        fake.push(1, 2, 9807)
        rows = drain(imu, into, 20100)
        assert [r[0] for r in rows] == [20000 + 1000 // chip[3], 20000 + 2000 // chip[3]]
        assert abs(rows[0][3] - 9807) <= chip[4]
        assert imu.overflows == 1


def test_i2c_faults_are_retried_counted_and_never_raised():
    for chip in CHIPS:
        fake, bus, imu = setup(chip)
        into = buffer()
        for _ in range(5):
            fake.push(0, 0, 9807)
        machine.i2c_faults(2)  # retried inside one transfer
        assert imu.read(into) == 5
        assert bus.errors == 2 and bus.failures == 0
        fake.push(0, 0, 9807)
        machine.i2c_faults(3)  # the status read gives up: nothing read, nothing lost
        assert imu.read(into) == 0
        assert bus.failures == 1
        assert imu.read(into) == 1
        assert into[0] == T0 + 6 * 1000 // chip[3]
        for _ in range(3):
            fake.push(0, 0, 9807)
        machine.i2c_faults(1, after=1)  # the burst fails: not retried, the FIFO restarts
        assert imu.read(into, 7000) == 0
        assert bus.failures == 2 and imu.overflows == 0
        fake.push(0, 0, 9807)
        assert imu.read(into) == 1 and into[0] == 7000 + 1000 // chip[3]
        machine.i2c_faults(1000)  # a dead bus: still no exception
        for _ in range(10):
            assert imu.read(into) == 0
        assert bus.failures == 12


def test_steady_state_read_allocates_nothing():
    for chip in CHIPS:
        fake, _bus, imu = setup(chip, "-y x z")
        into = buffer()
        fake.hold(100, 0, 0, 9807)
        imu.read(into)
        for _ in range(3):
            for i in range(20):
                fake.push(i, -i, 9807, 3 * i, 0, -i)
            gc.collect()
            before = gc.mem_alloc()
            n = imu.read(into)
            used = gc.mem_alloc() - before
            assert n == 20
            assert used == 0, (chip[0], used)


def test_gy521_clones_are_taken_and_another_chip_is_not():
    for who in (0x98, 0x72):
        machine.reset_fakes()
        fake = FakeMPU6050(0x68)
        fake.regs[0x75] = who
        machine.attach_i2c(fake)
        imu = make_imu(I2CBus(machine.I2C(0)), {"kind": "mpu6050", "addr": 0x68})
        assert imu.reset() > 0 and imu.who == who
    machine.reset_fakes()
    fake = FakeMPU6050(0x68)
    fake.regs[0x75] = 0x70  # an MPU-6500: its accelerometer filter is set elsewhere
    machine.attach_i2c(fake)
    imu = make_imu(I2CBus(machine.I2C(0)), {"kind": "mpu6050", "addr": 0x68})
    assert imu.reset() == -1 and imu.who == 0x70


def test_the_mpu6886_accelerometer_gets_its_own_filter():
    fake, _bus, _imu = setup(CHIPS[1])
    assert fake.accel_filter_hz() < 50  # under the 100 Hz samples' 50 Hz
    fake, _bus, _imu = setup(CHIPS[0])
    assert fake.regs[0x1D] == 0  # FF_THR on the MPU-6050: left alone


def test_sleep_stops_sampling_until_the_next_reset():
    for chip in CHIPS:
        fake, _bus, imu = setup(chip)
        assert imu.sleep()
        assert fake.asleep() and not fake.push(0, 0, 9807)
        assert imu.init(T0, lambda ms: None)
        assert not fake.asleep() and fake.push(0, 0, 9807)
