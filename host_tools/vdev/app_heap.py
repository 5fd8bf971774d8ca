"""The app's heap under real MicroPython: what ``retrostride bench`` adds for the device.

The whole app (``firmware/lib/app.py``: drivers over the fake ``machine``, the
MPU-6050 chip fake's FIFO, the core session with the coach of the default plan,
the haptics player and the logbook writer) is built and run over the bench's
samples inside the WebAssembly port, pumping every 4 samples as the app's pump
task does. The baseline is taken after the fake ``machine``, the chip fake and
the sample buffer exist, so they are not counted (on a board ``machine`` is
part of the firmware image). Inside one call into the WebAssembly port
``gc.collect()`` frees nothing, so each simulated second is its own call,
starting with a collection:

- ``app_heap_live_bytes``: the largest live heap (after a collection) of the
  app above that baseline: imported modules, drivers, buffers, session state;
- ``app_heap_peak_bytes``: that live heap plus everything ``pump``/``tick``
  allocated during the following second -- the high-water a board's heap must
  hold when the collector runs at least once a second;
- ``app_alloc_bytes_per_sample``: all of the app's allocation (steps, events,
  log records) spread over the samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from host_tools.micropython import MicroPython
from host_tools.paths import FIRMWARE_LIB

FAKES = Path(__file__).with_name("mp")
BOARD = (
    '{"name": "bench-devkitc-gy521", "chip": "esp32", '
    '"i2c": {"id": 0, "scl": 22, "sda": 21, "freq": 400000}, '
    '"imu": {"kind": "mpu6050", "addr": 104, "axes": "xyz"}, '
    '"haptic": {"kind": "erm_pwm", "pin": 25}, "button": {"pin": 0, "active_low": true}, '
    '"battery": {"pin": 35, "divider": 2}, "led": {"pin": 2}}'
)

_SETUP = """
import gc, sys
sys.path.append('/sim')
from array import array
n = {n}
buf = array('i', bytearray(28 * n))
with open('/bench/samples.bin', 'rb') as f:
    f.readinto(buf)
import json, machine
from fake_mpu6050 import FakeMPU6050
chip = FakeMPU6050(104)
machine.attach_i2c(chip)
def chunk(k, end):
    # Samples k..end-1 into the chip; pump + tick every 4: the app's allocation only.
    acc = 0
    while k < end:
        j = 7 * k
        chip.push(buf[j + 1], buf[j + 2], buf[j + 3], buf[j + 4], buf[j + 5], buf[j + 6])
        k += 1
        if k % 4 == 0 or k == n:
            m = gc.mem_alloc()
            a.pump(buf[j])
            a.tick(buf[j])
            acc += gc.mem_alloc() - m
    return acc
"""

# Inside one call into the WebAssembly port gc.collect() frees nothing (measured), so
# every simulated second is its own call, with a collection at its start.
_BUILD = """
gc.collect()
base = gc.mem_alloc()
import app
a = app.App(json.loads({board!r}), None)
a.start_session(0)
"""
_CHUNK = "gc.collect()\nlive = gc.mem_alloc() - base\nprint(live, chunk({k}, {end}))\n"
_CHUNK_SAMPLES = 100  # one second at 100 Hz


def app_heap(samples: Sequence[tuple[int, ...]], data: bytes) -> dict[str, Any]:
    """Heap figures of the app over ``samples`` (``data``: them packed as bench packs)."""
    n = len(samples)
    peak = live_max = alloc = 0
    with MicroPython({FIRMWARE_LIB: "/lib", FAKES: "/sim"}, 8 * 1024 * 1024, 600) as mp:
        mp.write_file("/bench/samples.bin", data)
        mp.exec(_SETUP.format(n=n))
        mp.exec(_BUILD.format(board=BOARD))
        for k in range(0, n, _CHUNK_SAMPLES):
            out = mp.exec(_CHUNK.format(k=k, end=min(n, k + _CHUNK_SAMPLES))).split()
            live, acc = int(out[-2]), int(out[-1])
            live_max = max(live_max, live)
            peak = max(peak, live + acc)
            alloc += acc
        mp.exec("a.stop_session()")
        # Measured: a collection in the call right after the one that ended the session
        # still counts the session's memory (~17 KB); one call later it is freed.
        mp.exec("gc.collect()")
        end = mp.exec("gc.collect()\nprint(gc.mem_alloc() - base, a.events)")
    live_end, events = (int(v) for v in end.split()[-2:])
    return {
        "app_heap_peak_bytes": peak,
        "app_heap_live_bytes": live_max,
        "app_heap_after_session_bytes": live_end,
        "app_alloc_bytes_per_sample": round(alloc / n, 1) if n else None,
        "app_events": events,
        "app_heap_note": (
            "whole app over the fake machine and MPU-6050 FIFO, default plan; live = "
            "largest gc.mem_alloc() above the empty interpreter after a collection (taken "
            "each simulated second); peak = live + what pump/tick allocated in the "
            "following second (the chip fake's own garbage is not counted)"
        ),
    }
