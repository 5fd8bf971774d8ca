"""The chip fakes themselves behave as their datasheets say (so driver tests mean something)."""

import machine
from fake_lsm6ds3 import FakeLSM6DS3
from fake_mpu6050 import FakeMPU6050
from fake_mpu6886 import FakeMPU6886


def mpu(cls, config=0x03):
    machine.reset_fakes()
    chip = machine.attach_i2c(cls(0x68))
    i2c = machine.I2C(0)
    assert chip.asleep()  # power-on: SLEEP set, nothing sampled
    assert not chip.push(0, 0, 9807)
    i2c.writeto_mem(0x68, 0x6B, b"\x01")  # wake, PLL clock
    i2c.writeto_mem(0x68, 0x19, b"\x09")  # SMPLRT_DIV 9
    i2c.writeto_mem(0x68, 0x1A, bytes([config]))
    i2c.writeto_mem(0x68, 0x1C, b"\x10")  # +-8 g
    return chip, i2c


def count(i2c, addr=0x68):
    b = i2c.readfrom_mem(addr, 0x72, 2)
    return (b[0] << 8) | b[1]


def test_mpu6050_fifo_overwrites_bytes_and_flags_overflow():
    chip, i2c = mpu(FakeMPU6050)
    assert i2c.readfrom_mem(0x68, 0x75, 1) == b"\x68"
    assert chip.rate_hz() == 100
    i2c.writeto_mem(0x68, 0x1A, b"\x00")  # DLPF off: gyro at 8 kHz
    assert chip.rate_hz() == 800
    i2c.writeto_mem(0x68, 0x23, b"\x08")  # accel only: 6-byte packets
    i2c.writeto_mem(0x68, 0x6A, b"\x44")  # FIFO on + reset
    chip.push(0, 0, 9807)
    assert count(i2c) == 6
    assert i2c.readfrom_mem(0x68, 0x74, 6) == b"\x00\x00\x00\x00\x10\x00"  # 4096 = 1 g, BE
    assert count(i2c) == 0
    for _ in range(200):
        chip.push(0, 0, 9807)
    assert count(i2c) == 1024
    assert i2c.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10  # FIFO_OFLOW_INT
    assert i2c.readfrom_mem(0x68, 0x3A, 1)[0] == 0  # cleared by the read
    i2c.writeto_mem(0x68, 0x6B, b"\x80")  # DEVICE_RESET
    assert chip.asleep() and count(i2c) == 0 and chip.resets == 1


def test_mpu6050_data_registers_and_temperature():
    chip, i2c = mpu(FakeMPU6050)
    chip.push(-9807, 0, 0, 0, 0, 0)
    b = i2c.readfrom_mem(0x68, 0x3B, 8)
    assert b[0:2] == b"\xf0\x00"  # -4096
    temp = ((b[6] << 8) | b[7]) - 65536
    assert abs(temp / 340 + 36.53 - 25) < 0.01


def test_mpu6886_packet_has_temperature_and_fifo_mode_stops_when_full():
    chip, i2c = mpu(FakeMPU6886, config=0x43)  # FIFO_MODE 1
    assert i2c.readfrom_mem(0x68, 0x75, 1) == b"\x19"
    i2c.writeto_mem(0x68, 0x23, b"\x18")
    i2c.writeto_mem(0x68, 0x6A, b"\x44")
    chip.push(0, 0, 9807, 1000, 0, 0)
    assert count(i2c) == 14
    p = i2c.readfrom_mem(0x68, 0x74, 14)
    assert p[4:6] == b"\x10\x00" and p[6:8] == b"\x00\x00"  # az, then temp (0 at 25 degC)
    assert p[8:10] == b"\x1d\x52"  # gx: 1 rad/s = 57.30 deg/s * 131 LSB = 7506, big-endian
    for _ in range(100):
        chip.push(0, 0, 9807)
    assert count(i2c) == 73 * 14  # whole packets kept, the rest dropped
    assert chip.overflows == 100 - 73


def test_lsm6ds3_fifo_layout_rollback_status_and_modes():
    machine.reset_fakes()
    chip = machine.attach_i2c(FakeLSM6DS3(0x6B))
    i2c = machine.I2C(0)
    assert i2c.readfrom_mem(0x6B, 0x0F, 1) == b"\x6a"
    i2c.writeto_mem(0x6B, 0x10, b"\x4c")  # 104 Hz, +-8 g
    i2c.writeto_mem(0x6B, 0x11, b"\x48")  # 104 Hz, 1000 dps
    i2c.writeto_mem(0x6B, 0x08, b"\x09")  # gyro and accel in the FIFO
    i2c.writeto_mem(0x6B, 0x0A, b"\x21")  # 104 Hz, FIFO mode (stop when full)
    assert chip.rate_hz() == 104
    st = i2c.readfrom_mem(0x6B, 0x3A, 4)
    assert st[1] & 0x10 and st[0] == 0  # FIFO_EMPTY
    chip.push(0, 0, 9807, 0, 0, 611)  # 611 mrad/s = 35 deg/s = 1000 LSB
    chip.push(0, 0, 9807, 0, 0, 611)
    st = i2c.readfrom_mem(0x6B, 0x3A, 4)
    assert st[0] == 12 and not st[1] & 0x10 and st[2] == 0
    data = i2c.readfrom_mem(0x6B, 0x3E, 24)  # two data sets in one burst (address rolls back)
    for o in (0, 12):
        assert data[o + 4 : o + 6] == (1000).to_bytes(2, "little")  # gyro z first
        assert data[o + 10 : o + 12] == (4096).to_bytes(2, "little")  # then accel z
    i2c.readfrom_mem(0x6B, 0x3E, 0)
    chip.push(0, 0, 0)
    i2c.readfrom_mem(0x6B, 0x3E, 4)  # two words read: the pattern moves on
    assert i2c.readfrom_mem(0x6B, 0x3C, 1) == b"\x02"
    i2c.writeto_mem(0x6B, 0x0A, b"\x00")  # bypass empties
    i2c.writeto_mem(0x6B, 0x0A, b"\x21")
    for _ in range(400):
        chip.push(0, 0, 9807)
    st = i2c.readfrom_mem(0x6B, 0x3A, 2)
    assert (st[0] | (st[1] & 7) << 8) == 341 * 6 and st[1] & 0x40  # full, OVER_RUN
    i2c.writeto_mem(0x6B, 0x12, b"\x01")  # SW_RESET
    assert chip.resets == 1 and chip.mode() == 0 and chip.regs[0x12] == 0x04
