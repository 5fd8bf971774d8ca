"""The safe plan the device runs when its plan file is missing or damaged.

It is the intro stage of the guidance (warm-up, 30 s backward / 90 s forward
x 6, cool-down): short backward stretches well under every cap, so running it
by mistake can do no harm. Kept as a literal so it needs no file to load.
"""

PLAN = {
    "version": 1,
    "name": "Safe default (intro)",
    "blocks": [
        {"kind": "warmup", "seconds": 300},
        {
            "repeat": 6,
            "blocks": [
                {"kind": "backward", "seconds": 30},
                {"kind": "forward", "seconds": 90},
            ],
        },
        {"kind": "cooldown", "seconds": 300},
    ],
}
