"""The button's pin, polled, feeding the core's gesture logic (``retrostride.button``).

No interrupt handler: the app calls :meth:`poll` every 5..20 ms from its
button task (micropython-async's advice); the pin uses the internal pull
resistor that matches ``active_low``. For waking from deep sleep the app uses
the same pin with ``esp32.wake_on_ext0``.
"""

from retrostride.button import Button


class PinButton:
    def __init__(self, pin, active_low=True, pin_obj=None, button=None):
        if pin_obj is None:
            import machine

            pull = machine.Pin.PULL_UP if active_low else machine.Pin.PULL_DOWN
            pin_obj = machine.Pin(pin, machine.Pin.IN, pull)
        self.pin = pin_obj
        self._down = 0 if active_low else 1
        self.button = button if button is not None else Button()

    def pressed(self):
        """The raw (not debounced) level, as pressed or not."""
        return self.pin.value() == self._down

    def poll(self, now_ms):
        """One reading: returns ``"short"``, ``"double"``, ``"long"`` or None."""
        return self.button.update(now_ms, self.pin.value() == self._down)
