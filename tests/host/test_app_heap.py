"""The app's heap figures that ``retrostride bench`` prints, measured under MicroPython."""

from __future__ import annotations

from host_tools.bench import pack
from host_tools.vdev.app_heap import app_heap


def test_app_heap_figures_are_measured_and_plausible():
    # Four seconds of a 2 Hz bounce: enough for steps, events and log records.
    samples = [
        (10 * k, 300, 0, 9806 + (4000 if k % 50 < 8 else -1500), 0, 0, 0) for k in range(400)
    ]
    got = app_heap(samples, pack(samples))
    # Modules, drivers, buffers and session state: tens of KB, not a few bytes, not MBs.
    assert 20_000 < got["app_heap_live_bytes"] < 400_000
    assert got["app_heap_peak_bytes"] >= got["app_heap_live_bytes"]
    # Ending the session gives its memory back, the detector's 4 KB of rings included
    # (the coach, which the app keeps, once held them through a callback).
    assert got["app_heap_live_bytes"] - got["app_heap_after_session_bytes"] > 4096
    assert got["app_events"] >= 3  # session_start, interval, its buzz at least
    assert got["app_alloc_bytes_per_sample"] is not None
