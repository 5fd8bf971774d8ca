"""One button, polled: debounce, short, double and long presses from raw samples.

As micropython-async recommends, the pin is polled (every 5..20 ms) rather than
handled in an interrupt, and this logic is pure: the caller passes each raw
"pressed" sample with its ``now_ms``. The app maps ``short`` to start/pause,
``double`` to skip and ``long`` to stop.

- A level counts only after it has been stable for ``debounce_ms``.
- ``long`` fires while the button is still held, after ``long_ms``; its
  release then gives nothing.
- A short press is reported only once ``double_ms`` passed after its release
  without a second press; a second short press within that window gives
  ``double`` instead (never ``short`` then ``double``).
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr

from retrostride.ticks import ticks_diff

SHORT = "short"
DOUBLE = "double"
LONG = "long"

_IDLE = const(0)
_DOWN = const(1)  # first press held
_WAIT = const(2)  # first press released, waiting for a second one
_DOWN2 = const(3)  # second press held
_HELD_LONG = const(4)  # long reported, waiting for release


class Button:
    """Feed ``update(now_ms, pressed)``; it returns None or one event name."""

    def __init__(self, debounce_ms=30, long_ms=800, double_ms=300):
        self.debounce_ms = debounce_ms
        self.long_ms = long_ms
        self.double_ms = double_ms
        self._raw = 0
        self._raw_t = 0
        self._stable = 0
        self._state = _IDLE
        self._t = 0  # time of the last stable edge
        self._started = False

    @property
    def pressed(self):
        """The debounced level."""
        return self._stable == 1

    def update(self, now_ms, pressed):
        raw = 1 if pressed else 0
        if not self._started:
            self._started = True
            self._raw = raw
            self._raw_t = now_ms
            self._stable = raw
            self._state = _HELD_LONG if raw else _IDLE  # held at boot: not a press
            self._t = now_ms
            return None
        if raw != self._raw:
            self._raw = raw
            self._raw_t = now_ms
        elif raw != self._stable and ticks_diff(now_ms, self._raw_t) >= self.debounce_ms:
            self._stable = raw
            return self._edge(raw, now_ms)
        return self._timeout(now_ms)

    def _edge(self, down, now_ms):
        state = self._state
        self._t = now_ms
        if down:
            if state == _IDLE:
                self._state = _DOWN
            elif state == _WAIT:
                self._state = _DOWN2
            return None
        if state == _DOWN:
            self._state = _WAIT
            return None
        self._state = _IDLE
        if state == _DOWN2:
            return DOUBLE
        return None

    def _timeout(self, now_ms):
        state = self._state
        if state == _DOWN or state == _DOWN2:
            if ticks_diff(now_ms, self._t) >= self.long_ms:
                self._state = _HELD_LONG
                return LONG
        elif state == _WAIT:
            if ticks_diff(now_ms, self._t) >= self.double_ms:
                self._state = _IDLE
                return SHORT
        return None
