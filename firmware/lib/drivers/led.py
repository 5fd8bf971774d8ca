"""A status LED on a plain pin, optionally active-low (many boards wire it so): the
app lights it while a session records."""


class Led:
    def __init__(self, pin, active_low=False):
        import machine

        self.pin = machine.Pin(pin, machine.Pin.OUT)
        self.active_low = active_low
        self.lit = None
        self.set(False)

    def set(self, on):
        on = bool(on)
        if on != self.lit:
            self.lit = on
            self.pin.value(1 if on != self.active_low else 0)
