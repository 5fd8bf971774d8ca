"""The haptic vocabulary: each cue's name, rhythm, priority and meaning.

Runners ask for cues they can tell apart by feel while running, so every
pattern differs in *rhythm* (the sequence of short and long pulses), not only
in length. Several are Morse letters, which makes them easy to learn:
B(ackward) is dah-dit-dit-dit, F(orward) dit-dit-dah-dit, R(est) dit-dah-dit,
and a fall is SOS.

Notation: one character is one 50 ms slot; ``#`` full strength, ``+`` medium,
``:`` weak, ``.`` off. ``"######..##"`` is a 300 ms pulse, a 100 ms gap, a
100 ms pulse.

Apart from the player (``haptics``), which builds its tables from these at
import, so that a plan's cues are checked against the names (``plan``), on the
host and on the device, without loading the player.
"""

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there
    def const(__expr):  # positional-only, like the stub's
        return __expr


_PRIO_FALL = const(4)
_PRIO_ALERT = const(3)
_PRIO_START = const(2)
_PRIO_COUNTDOWN = const(1)
_PRIO_OTHER = const(0)

# name, rhythm, priority, max queue wait in ms, meaning
PATTERNS = (
    ("start_backward", "######..##..##..##", _PRIO_START, 3000,
     "a backward interval starts now (Morse B: dah-dit-dit-dit)"),
    ("start_forward", "##..##..######..##", _PRIO_START, 3000,
     "a forward interval starts now (Morse F: dit-dit-dah-dit)"),
    ("start_rest", "##..######..##", _PRIO_START, 3000,
     "rest starts now (Morse R: dit-dah-dit)"),
    # (2 s: behind a wrong_direction, 1.3 s and its gap, still 2 s before the change)
    ("countdown", "##......##", _PRIO_COUNTDOWN, 2000,
     "the interval changes in a few seconds (tick ... tick)"),
    ("wrong_direction", "##..##..##......##..##..##", _PRIO_ALERT, 2000,
     "you are not running the asked direction (two fast triples)"),
    ("backward_limit", "########....########", _PRIO_ALERT, 3000,
     "continuous backward time reached the safety cap (two long)"),
    ("fall", "##..##..##....######..######..######....##..##..##", _PRIO_FALL, 10000,
     "a fall or stumble was detected, plan paused (SOS)"),
    ("session_end", "########..++++++++..::::::::", _PRIO_OTHER, 10000,
     "the session is over (three long, fading)"),
    ("low_battery", "::....::....::....::", _PRIO_OTHER, 10000,
     "battery is low (four slow weak dits)"),
    ("pause", "##....######", _PRIO_OTHER, 3000,
     "the plan is paused: by the button, or again every 30 s while you go on (dit-dah)"),
    ("resume", "######....##", _PRIO_OTHER, 3000,
     "resumed (dah-dit)"),
)

NAMES = tuple(p[0] for p in PATTERNS)
