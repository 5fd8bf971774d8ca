"""A status LED on a plain pin: on/off, optionally active-low (many boards wire it so).

For showing haptic rhythms on a board without a motor, give the player's level
to :meth:`set_level` (any level > 0 is on); the app may also use it as a
"session running" light.
"""


class Led:
    def __init__(self, pin, active_low=False, pin_obj=None):
        if pin_obj is None:
            import machine

            pin_obj = machine.Pin(pin, machine.Pin.OUT)
        self.pin = pin_obj
        self.active_low = active_low
        self.on_ = None
        self.set(False)

    def set(self, on):
        on = bool(on)
        if on != self.on_:
            self.on_ = on
            self.pin.value(1 if on != self.active_low else 0)

    def set_level(self, level):
        self.set(level > 0)
        return True

    def poll(self, now_ms):
        """Nothing to advance (same interface as the motor drivers)."""
        return True

    def on(self):
        self.set(True)

    def off(self):
        self.set(False)
