"""A fake ``machine`` module for tests and the virtual device (MicroPython and CPython).

Only the app layer imports ``machine``; with this module first on ``sys.path`` the
real firmware runs unchanged against fake chips. What it models, and how tests
steer it:

- ``I2C(id, scl=, sda=, freq=)`` dispatches ``readfrom_mem_into``, ``readfrom_mem``,
  ``writeto_mem``, ``readfrom_into``, ``writeto`` and ``scan`` to the chip fakes
  attached with :func:`attach_i2c`. A chip has ``.addr``, ``.read(reg, n) -> bytes``
  and ``.write(reg, data)``; it may also have ``.read_into(reg, buf)``, used instead
  of ``read`` so that a burst read allocates nothing (the drivers' zero-allocation
  tests need it). As on the ESP32, an address nobody answers raises
  ``OSError(19)`` (ENODEV); :func:`i2c_faults` makes the next ``n`` transfers (after
  ``after`` good ones) raise ``OSError(116)`` (ETIMEDOUT), as a stuck bus does.
  Plain ``writeto``/``readfrom_into`` follow the register-pointer protocol: the
  first byte written selects the register.
- ``Pin``: outputs remember their level (:func:`pin_level`); an input's level is set
  by the test with :func:`set_pin`, which also fires a matching ``irq`` handler.
- ``PWM`` remembers ``freq``/``duty_u16``; ``ADC`` reads a raw value set with
  :func:`set_adc` (``read_u16``, ``read`` 12-bit, ``read_uv`` scaled by attenuation).
- ``WDT`` counts ``feed()`` calls; ``freq``, ``unique_id``, ``reset_cause`` and
  ``wake_reason`` answer like an ESP32. ``lightsleep(ms)`` and ``deepsleep(ms)`` are
  recorded in ``sleeps``; ``deepsleep`` then raises ``SystemExit``, because on a
  board nothing after it runs (the chip restarts from ``boot.py``).

:func:`reset_fakes` puts everything back to power-on state between tests.
"""

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
PIN_WAKE = 2
EXT0_WAKE = 2
EXT1_WAKE = 3
TIMER_WAKE = 4

_ENODEV = 19
_ETIMEDOUT = 116

_chips = {}  # I2C address -> chip fake
_fast = {}  # I2C address -> the chip has read_into
_pointer = {}  # I2C address -> register selected by a plain writeto
_faults = [0, 0]  # transfers still to fail, transfers to let through first
_inputs = {}  # pin id -> level set by the test
_outputs = {}  # pin id -> level driven by the firmware
held = set()  # pin ids whose pad holds its level (``Pin(..., hold=True)``)
_irqs = {}  # pin id -> (handler, trigger, Pin)
_adc = {}  # pin id -> raw u16
_UNSET_RTC = (2000, 1, 1, 5, 0, 0, 0, 0)  # an ESP32's RTC after power-on: 2000-01-01
_state = {"freq": 160000000, "reset_cause": PWRON_RESET, "wake_reason": 0, "rtc": _UNSET_RTC}
sleeps = []  # ("light" | "deep", ms) in call order
watchdogs = []  # every WDT made, newest last
pwms = {}  # pin id -> PWM


def reset_fakes():
    """Forget every chip, fault, pin, ADC value, sleep and watchdog (power-on state)."""
    _chips.clear()
    _fast.clear()
    _pointer.clear()
    _faults[0] = 0
    _faults[1] = 0
    _inputs.clear()
    _outputs.clear()
    held.clear()
    _irqs.clear()
    _adc.clear()
    sleeps.clear()
    del watchdogs[:]
    pwms.clear()
    _state["freq"] = 160000000
    _state["reset_cause"] = PWRON_RESET
    _state["wake_reason"] = 0
    _state["rtc"] = _UNSET_RTC


def attach_i2c(chip):
    """Put a chip fake on the (single, shared) I2C bus at ``chip.addr``."""
    _chips[chip.addr] = chip
    _fast[chip.addr] = hasattr(chip, "read_into")
    return chip


def detach_i2c(addr):
    _chips.pop(addr, None)
    _fast.pop(addr, None)


def i2c_faults(n, after=0):
    """Make ``n`` I2C transfers fail with OSError(116) ETIMEDOUT, after ``after`` good ones."""
    _faults[0] = n
    _faults[1] = after


def _chip(addr):
    if _faults[1] > 0:
        _faults[1] -= 1
    elif _faults[0] > 0:
        _faults[0] -= 1
        raise OSError(_ETIMEDOUT)
    chip = _chips.get(addr)
    if chip is None:
        raise OSError(_ENODEV)
    return chip


def _read_into(addr, reg, buf):
    chip = _chip(addr)
    if _fast[addr]:
        chip.read_into(reg, buf)
    else:
        data = chip.read(reg, len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]


class I2C:
    """The ESP32 hardware I2C controller, talking to the attached chip fakes."""

    def __init__(self, id=0, scl=None, sda=None, freq=400000, timeout=50000):
        self.id = id
        self.scl = scl
        self.sda = sda
        self.freq = freq

    def scan(self):
        return sorted(_chips)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        _read_into(addr, memaddr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        buf = bytearray(nbytes)
        _read_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        _chip(addr).write(memaddr, bytes(buf))

    def writeto(self, addr, buf, stop=True):
        chip = _chip(addr)
        if len(buf):
            _pointer[addr] = buf[0]
            if len(buf) > 1:
                chip.write(buf[0], bytes(buf[1:]))
        return len(buf)

    def readfrom_into(self, addr, buf, stop=True):
        _read_into(addr, _pointer.get(addr, 0), buf)

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        self.readfrom_into(addr, buf)
        return bytes(buf)


def set_pin(pin_id, level):
    """Set an input pin's level as the outside world would; fires a matching irq."""
    old = _inputs.get(pin_id, 0)
    level = 1 if level else 0
    _inputs[pin_id] = level
    irq = _irqs.get(pin_id)
    if irq is not None and level != old:
        handler, trigger, pin = irq
        edge = Pin.IRQ_RISING if level else Pin.IRQ_FALLING
        if handler is not None and trigger & edge:
            handler(pin)


def pin_level(pin_id):
    """The level the firmware drives on an output pin (None if never driven)."""
    return _outputs.get(pin_id)


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_LOW = 4
    WAKE_HIGH = 5

    def __init__(self, id, mode=-1, pull=-1, value=None, hold=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        if pull == Pin.PULL_UP and id not in _inputs:
            _inputs[id] = 1
        if value is not None:
            self.value(value)
        if hold is not None:  # the ESP32 port's: the pad keeps its level, in deep sleep too
            if hold:
                held.add(id)
            else:
                held.discard(id)

    def init(self, mode=-1, pull=-1, value=None, hold=None):
        self.__init__(self.id, mode, pull, value, hold)

    def value(self, v=None):
        if v is None:
            if self.mode == Pin.OUT:
                return _outputs.get(self.id, 0)
            return _inputs.get(self.id, 0)
        if self.id not in held:  # a held pad ignores writes until released
            _outputs[self.id] = 1 if v else 0
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3, wake=None):
        _irqs[self.id] = (handler, trigger, self)


class PWM:
    def __init__(self, pin, freq=5000, duty=None, duty_u16=None, duty_ns=None):
        self.pin = pin
        self._freq = freq
        self._duty = 0
        if duty is not None:
            self.duty(duty)
        if duty_u16 is not None:
            self._duty = duty_u16
        pwms[getattr(pin, "id", pin)] = self

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f
        return None

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        self._duty = d
        return None

    def duty(self, d=None):
        """ESP32's 10-bit duty (0..1023), kept as u16 like the port does."""
        if d is None:
            return self._duty >> 6
        self._duty = min(d, 1023) * 65535 // 1023
        return None

    def deinit(self):
        self._duty = 0


def set_adc(pin_id, raw_u16):
    """Set the raw 16-bit reading of the ADC on ``pin_id``."""
    _adc[pin_id] = raw_u16


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    # full-scale voltage (µV) per attenuation, as the ESP32 port's calibration assumes
    _FULL_UV = (950000, 1250000, 1750000, 3300000)

    def __init__(self, pin, atten=ATTN_0DB):
        self.pin = getattr(pin, "id", pin)
        self.atten_ = atten

    def atten(self, a):
        self.atten_ = a

    def read_u16(self):
        return _adc.get(self.pin, 0)

    def read(self):
        return _adc.get(self.pin, 0) >> 4

    def read_uv(self):
        return _adc.get(self.pin, 0) * ADC._FULL_UV[self.atten_] // 65535


class RTC:
    """The board's clock, as the host left it (``datetime(t)``), else the power-on
    2000-01-01; it does not advance here (a virtual session lasts minutes)."""

    def datetime(self, t=None):
        if t is None:
            return _state["rtc"]
        _state["rtc"] = tuple(t)
        return None


class WDT:
    """Counts feeds; a test checks the app fed it (it never resets anything)."""

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.feeds = 0
        watchdogs.append(self)

    def feed(self):
        self.feeds += 1


def freq(hz=None):
    if hz is None:
        return _state["freq"]
    _state["freq"] = hz
    return None


def unique_id():
    return b"\x24\x0a\xc4\x52\x53\x01"


def reset_cause():
    return _state["reset_cause"]


def wake_reason():
    return _state["wake_reason"]


def set_reset_cause(cause, wake=0):
    """What the next ``reset_cause()``/``wake_reason()`` answer (e.g. after deep sleep)."""
    _state["reset_cause"] = cause
    _state["wake_reason"] = wake


def lightsleep(ms=None):
    sleeps.append(("light", ms))


def deepsleep(ms=None):
    sleeps.append(("deep", ms))
    raise SystemExit("deepsleep")


def idle():
    pass


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def reset():
    raise SystemExit("reset")


def soft_reset():
    raise SystemExit("soft_reset")
