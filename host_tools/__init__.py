"""RetroStride host tools: the ``retrostride`` command and what it drives."""
