"""The fake machine module: pins, PWM, ADC, WDT, sleeps behave as the tests rely on."""

import machine
from mpunit import raises


def test_pins_outputs_inputs_and_irq():
    machine.reset_fakes()
    led = machine.Pin(19, machine.Pin.OUT, value=1)
    assert machine.pin_level(19) == 1
    led.off()
    assert machine.pin_level(19) == 0 and led.value() == 0
    seen = []
    button = machine.Pin(37, machine.Pin.IN, machine.Pin.PULL_UP)
    assert button.value() == 1
    button.irq(lambda p: seen.append(p.value()), trigger=machine.Pin.IRQ_FALLING)
    machine.set_pin(37, 0)
    machine.set_pin(37, 1)
    assert seen == [0]


def test_pwm_adc_wdt_and_sleeps():
    machine.reset_fakes()
    pwm = machine.PWM(machine.Pin(25), freq=200, duty_u16=0)
    pwm.duty_u16(40000)
    assert machine.pwms[25].duty_u16() == 40000 and pwm.freq() == 200
    adc = machine.ADC(machine.Pin(38), atten=machine.ADC.ATTN_11DB)
    machine.set_adc(38, 65535 // 2)
    assert adc.read() == 2047
    assert 1640000 < adc.read_uv() < 1660000
    wdt = machine.WDT(timeout=8000)
    wdt.feed()
    wdt.feed()
    assert machine.watchdogs[-1].feeds == 2
    machine.lightsleep(100)
    raises(SystemExit, machine.deepsleep, 5000)
    assert machine.sleeps == [("light", 100), ("deep", 5000)]
    assert machine.reset_cause() == machine.PWRON_RESET
    machine.set_reset_cause(machine.DEEPSLEEP_RESET, machine.EXT0_WAKE)
    assert machine.reset_cause() == machine.DEEPSLEEP_RESET
    assert machine.wake_reason() == machine.EXT0_WAKE
    assert len(machine.unique_id()) == 6
    machine.freq(80000000)
    assert machine.freq() == 80000000
