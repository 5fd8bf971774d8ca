"""drivers.i2c_bus over the fake machine.I2C: retries, counters, never raises."""

import gc

import machine
from drivers.i2c_bus import I2CBus
from mpunit import raises


class Regs:
    """A bare register file chip (no read_into: exercises the fake's slow path too)."""

    def __init__(self, addr):
        self.addr = addr
        self.mem = bytearray(range(256))

    def read(self, reg, n):
        return bytes(self.mem[reg : reg + n])

    def write(self, reg, data):
        self.mem[reg : reg + len(data)] = data


def fresh():
    machine.reset_fakes()
    chip = machine.attach_i2c(Regs(0x5A))
    return chip, I2CBus(machine.I2C(0, scl=machine.Pin(22), sda=machine.Pin(21), freq=400000))


def test_reads_and_writes_registers():
    chip, bus = fresh()
    buf = bytearray(3)
    assert bus.read_into(0x5A, 0x10, buf)
    assert bytes(buf) == b"\x10\x11\x12"
    assert bus.write_reg(0x5A, 0x01, 0x1FF)
    assert chip.mem[1] == 0xFF
    assert bus.write(0x5A, 0x20, b"\x01\x02")
    assert bus.read_reg(0x5A, 0x21) == 2
    assert bus.errors == 0 and bus.failures == 0


def test_a_transient_fault_is_retried_and_counted():
    _chip, bus = fresh()
    machine.i2c_faults(2)  # two failed attempts, the third (last retry) succeeds
    assert bus.read_reg(0x5A, 0x33) == 0x33
    assert bus.errors == 2 and bus.failures == 0
    assert bus.last_errno == 116


def test_a_persistent_fault_gives_a_status_not_an_exception():
    chip, bus = fresh()
    machine.i2c_faults(10)
    assert bus.read_reg(0x5A, 0x33) == -1
    assert not bus.write_reg(0x5A, 0x01, 5)
    assert bus.failures == 2 and bus.errors == 6
    assert chip.mem[1] == 1  # the failed write did not land


def test_a_missing_device_is_enodev_and_counted():
    _chip, bus = fresh()
    assert not bus.read_into(0x29, 0, bytearray(1))
    assert bus.last_errno == 19 and bus.failures == 1
    assert bus.probe(0x5A) and not bus.probe(0x29)


def test_the_fake_bus_raises_like_an_esp32():
    fresh()
    i2c = machine.I2C(0)
    e = raises(OSError, i2c.readfrom_mem, 0x29, 0, 1)
    assert e.args[0] == 19
    machine.i2c_faults(1)
    e = raises(OSError, i2c.readfrom_mem, 0x5A, 0, 1)
    assert e.args[0] == 116
    assert i2c.readfrom_mem(0x5A, 7, 2) == b"\x07\x08"
    assert i2c.scan() == [0x5A]


def test_register_pointer_protocol():
    chip, _ = fresh()
    i2c = machine.I2C(0)
    assert i2c.writeto(0x5A, b"\x40\xaa") == 2
    assert chip.mem[0x40] == 0xAA
    i2c.writeto(0x5A, b"\x41")
    assert i2c.readfrom(0x5A, 2) == b"\x41\x42"


def test_steady_state_transfers_allocate_nothing():
    _chip, bus = fresh()

    class Fast(Regs):
        def read_into(self, reg, buf):
            for i in range(len(buf)):
                buf[i] = self.mem[reg + i]

    machine.attach_i2c(Fast(0x6B))
    buf = bytearray(12)
    bus.read_into(0x6B, 0, buf)
    bus.write_reg(0x6B, 3, 4)
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(50):
        bus.read_into(0x6B, 0, buf)
        bus.read_reg(0x6B, 2)
    assert gc.mem_alloc() - before == 0
