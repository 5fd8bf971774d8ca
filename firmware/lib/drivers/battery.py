"""Battery voltage through a resistor divider on an ADC pin, in integer millivolts.

``divider`` is the ratio battery/pin voltage (2 for two equal resistors; the
M5StickC Plus2 uses 2 too). The ESP32's ``read_uv`` applies the chip's eFuse
calibration; each reading averages ``samples`` conversions to tame ADC noise
(all integer: the sum of 16 readings of at most 3.3 V in µV stays a small int).
``low()`` latches below ``low_mv`` and clears only ``hysteresis_mv`` above it,
so a voltage sagging under motor load does not make the alert flicker.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

_LOW_MV = const(3400)  # a LiPo under load: roughly the last 10 %
_HYSTERESIS_MV = const(150)


class Battery:
    def __init__(self, pin, divider=2, samples=8, low_mv=_LOW_MV, hysteresis_mv=_HYSTERESIS_MV,
                 adc=None):
        if adc is None:
            import machine

            adc = machine.ADC(machine.Pin(pin), atten=machine.ADC.ATTN_11DB)
        self.adc = adc
        self._div_milli = int(divider * 1000 + 0.5)  # once, here: no floats per reading
        self.samples = samples if 1 <= samples <= 16 else 8
        self.low_mv = low_mv
        self.hysteresis_mv = hysteresis_mv
        self.is_low = False
        self.last_mv = 0

    def millivolts(self):
        """Battery voltage now, in mV (0 if the ADC reads nothing, e.g. no battery)."""
        total = 0
        n = self.samples
        adc = self.adc
        for _ in range(n):
            total += adc.read_uv()
        pin_mv = total // n // 1000
        self.last_mv = pin_mv * self._div_milli // 1000
        return self.last_mv

    def low(self):
        """Take a reading; True while the battery is low (with hysteresis)."""
        mv = self.millivolts()
        if mv <= 0:
            return self.is_low  # no reading: keep what we knew
        if self.is_low:
            if mv > self.low_mv + self.hysteresis_mv:
                self.is_low = False
        elif mv < self.low_mv:
            self.is_low = True
        return self.is_low
