"""A vibration motor, buzzer or LED on one PWM pin, driven by the haptic player's level.

- ``erm_pwm`` / ``pwm``: a coin ERM motor through a transistor (with its
  flyback diode); duty follows the level 0..255. PWM runs above hearing
  (``freq``, default 20 kHz) so the motor does not whine. A weak motor that
  does not start at low duty is handled by the player's ``min_level``.
- ``buzzer``: a passive piezo; any level > 0 sounds a tone (``tone_hz``) at
  50 % duty, so the player's rhythm is heard instead of felt.
- ``led``: full on/off, the same rhythm seen.

``cfg`` is the board's ``haptic`` object (``kind``, ``pin``, optional
``freq``, ``tone_hz``, ``active_low``). A ``pwm`` object with ``duty_u16`` may
be passed in instead of a pin (tests). The duty is written only when the
level changes, and computing it allocates nothing.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

_MOTOR = const(0)
_BUZZER = const(1)
_LED = const(2)
_FULL = const(65535)
_HALF = const(32768)
_MOTOR_HZ = const(20000)
_TONE_HZ = const(2700)  # a typical piezo's resonance: loudest


class ErmPwm:
    def __init__(self, cfg, pwm=None):
        kind = cfg.get("kind", "erm_pwm")
        self.mode = _BUZZER if kind == "buzzer" else (_LED if kind == "led" else _MOTOR)
        self.active_low = bool(cfg.get("active_low", False))
        if self.mode == _BUZZER:
            freq = cfg.get("tone_hz", _TONE_HZ)
        elif self.mode == _LED:
            freq = cfg.get("freq", 1000)
        else:
            freq = cfg.get("freq", _MOTOR_HZ)
        if pwm is None:
            import machine

            pwm = machine.PWM(machine.Pin(cfg["pin"], machine.Pin.OUT), freq=freq, duty_u16=0)
        else:
            pwm.freq(freq)
        self.pwm = pwm
        self.level = -1
        self.set_level(0)

    def duty_for(self, level):
        """The u16 duty for ``level`` (0..255), before any active-low inversion."""
        if level <= 0:
            return 0
        if self.mode == _BUZZER:
            return _HALF
        if self.mode == _LED or level >= 255:
            return _FULL
        return level * 257

    def set_level(self, level):
        if level == self.level:
            return True
        self.level = level
        duty = self.duty_for(level)
        if self.active_low:
            duty = _FULL - duty
        self.pwm.duty_u16(duty)
        return True

    def poll(self, now_ms):
        """Nothing to advance (same interface as the DRV2605L driver); ready at once."""
        return True

    def standby(self):
        return self.set_level(0)

    def wake(self):
        return True

    def off(self):
        self.set_level(0)

    def deinit(self):
        self.set_level(0)
        self.pwm.deinit()
