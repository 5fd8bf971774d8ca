"""PWM motor/buzzer/LED and battery drivers on the fake machine, fed by the haptic player."""

import gc

import machine
from drivers.battery import Battery
from drivers.erm_pwm import ErmPwm
from drivers.led import Led

from retrostride import haptics
from retrostride.haptics import Player


def _play(name, out, player):
    player.play(name, 0)
    trace = []
    for t in range(0, haptics.duration_ms(name) + 100, 10):
        level = player.tick(t)
        out.set_level(level)
        trace.append(level)
    return trace


def test_erm_duty_follows_the_level():
    machine.reset_fakes()
    m = ErmPwm({"kind": "erm_pwm", "pin": 25})
    pwm = machine.pwms[25]
    assert pwm.freq() == 20000
    assert pwm.duty_u16() == 0
    for level, duty in ((255, 65535), (100, 25700), (1, 257), (0, 0)):
        m.set_level(level)
        assert pwm.duty_u16() == duty, (level, pwm.duty_u16())


def test_erm_plays_session_end_fading():
    machine.reset_fakes()
    m = ErmPwm({"kind": "erm_pwm", "pin": 25})
    pwm = machine.pwms[25]
    duties = []
    p = Player()
    p.play("session_end", 0)
    for t in range(0, 1500, 50):
        m.set_level(p.tick(t))
        duties.append(pwm.duty_u16())
    on = [d for d in duties if d]
    assert on[0] == 65535 and on[-1] == 100 * 257
    assert duties[-1] == 0


def test_buzzer_and_led_keep_the_rhythm():
    for kind in ("buzzer", "led"):
        machine.reset_fakes()
        out = ErmPwm({"kind": kind, "pin": 4})
        pwm = machine.pwms[4]
        p = Player(binary=True)
        for name in haptics.NAMES:
            p.play(name, 0)
            onoff = []
            for t in range(0, haptics.duration_ms(name) + 100, 10):
                out.set_level(p.tick(t))
                onoff.append(1 if pwm.duty_u16() else 0)
            want = []
            for level, dur in haptics.runs(name):
                want += [haptics.onoff(level)] * (dur // 10)
            want += [0] * 10
            assert onoff == want, (kind, name)
    assert pwm.freq() == 1000


def test_buzzer_sounds_a_tone_at_half_duty():
    machine.reset_fakes()
    b = ErmPwm({"kind": "buzzer", "pin": 4, "tone_hz": 4000})
    b.set_level(30)
    assert machine.pwms[4].freq() == 4000
    assert machine.pwms[4].duty_u16() == 32768


def test_active_low_inverts():
    machine.reset_fakes()
    m = ErmPwm({"kind": "led", "pin": 2, "active_low": True})
    assert machine.pwms[2].duty_u16() == 65535  # off
    m.set_level(200)
    assert machine.pwms[2].duty_u16() == 0


def test_pin_led():
    machine.reset_fakes()
    led = Led(10, active_low=True)
    assert machine.pin_level(10) == 1
    led.set(True)
    assert machine.pin_level(10) == 0
    led.set(False)
    assert machine.pin_level(10) == 1


def test_set_level_allocates_nothing():
    machine.reset_fakes()
    m = ErmPwm({"kind": "erm_pwm", "pin": 25})
    p = Player(min_level=80)
    p.play("fall", 0)
    m.set_level(p.tick(0))
    gc.collect()
    before = gc.mem_alloc()
    for t in range(10, 3000, 10):
        m.set_level(p.tick(t))
    assert gc.mem_alloc() - before == 0


def test_battery_millivolts_through_the_divider():
    machine.reset_fakes()
    bat = Battery(35, divider=2)
    # 11 dB attenuation: full scale 3.3 V at 65535 in the fake
    machine.set_adc(35, 65535 * 2000 // 3300)  # 2.0 V at the pin
    mv = bat.millivolts()
    assert 3990 <= mv <= 4000, mv
    bat2 = Battery(35, divider=1.5)
    assert 2990 <= bat2.millivolts() <= 3000


def test_battery_low_latches_with_hysteresis():
    machine.reset_fakes()
    bat = Battery(35, divider=2, low_mv=3400, hysteresis_mv=150)

    def at(mv):
        machine.set_adc(35, (mv // 2) * 65535 // 3300 + 1)
        return bat.low()

    assert not at(3800)
    assert at(3350)
    assert at(3450)  # still low: inside the hysteresis band
    assert at(3500)
    assert not at(3600)  # charged
    machine.set_adc(35, 0)
    assert not bat.low()  # no reading keeps the last state


class _ConstAdc:
    """read_uv of a fixed voltage (the fake machine's scaling itself uses big ints)."""

    def read_uv(self):
        return 1900123


def test_battery_reading_allocates_nothing():
    bat = Battery(35, divider=2, adc=_ConstAdc())
    assert bat.millivolts() == 3800
    bat.millivolts()
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(20):
        bat.low()
    assert gc.mem_alloc() - before == 0
