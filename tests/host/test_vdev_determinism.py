"""The virtual device's session log == ``retrostride replay --plan`` under CPython.

The firmware runs in real MicroPython with the fake ``machine``: the trace goes
through the chip fake's FIFO as raw counts and back through the IMU driver, so
the core on the device sees quantised values (one LSB of the chip's range).
Equality is therefore defined on what the chip delivered: the virtual device
writes those samples out as a trace, and replaying *that* under CPython must
give exactly the events decoded from the device's log, every key of every
event. A second check ties the delivered samples to the original trace: same
count, same times, each value within one LSB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from host_tools.replay import canonical
from host_tools.vdev.trace_run import trace_device
from retrostride import logbook
from retrostride.trace import on_grid, parse_lines

BIN = Path(sys.executable).parent
BOARD = {
    "name": "test-devkitc-gy521",
    "chip": "esp32",
    "i2c": {"id": 0, "scl": 22, "sda": 21, "freq": 400000},
    "imu": {"kind": "mpu6050", "addr": 104, "axes": "xyz"},
    "haptic": {"kind": "erm_pwm", "pin": 25},
    "button": {"pin": 0, "active_low": True},
    "battery": {"pin": 35, "divider": 2},
    "led": {"pin": 2},
}
PLAN = {
    "version": 1,
    "name": "Tiny",
    "blocks": [
        {"kind": "warmup", "seconds": 15},
        {
            "repeat": 2,
            "blocks": [{"kind": "backward", "seconds": 15}, {"kind": "forward", "seconds": 15}],
        },
        {"kind": "cooldown", "seconds": 10},
    ],
}
ACC_LSB_MM = 9806.65 / 4096  # the MPU-6050 driver runs the accelerometer at +-8 g
GYRO_LSB_MRAD = 17.4532925 / 32.8  # and the gyroscope at +-1000 deg/s


def run(*args: str) -> str:
    result = subprocess.run(
        [str(BIN / "retrostride"), *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def device_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("determinism")
    plan = tmp / "plan.json"
    plan.write_text(json.dumps(PLAN))
    trace = tmp / "trace.csv"
    run("simulate", "--plan", str(plan), "--out", str(trace), "--seed", "5", "--gait", "run")
    files: dict[str, bytes | str] = {
        "/board.json": json.dumps(BOARD),
        "/plan.json": plan.read_text(),
    }
    traced = trace_device(trace, files)
    try:
        traced.start()
        logs = {p: d for p, d in traced.device.fs.files.items() if p.startswith("/logs/")}
        delivered = traced.delivered
        result = traced.result
    finally:
        traced.stop()
    assert delivered is not None
    (tmp / "delivered.csv").write_bytes(delivered)
    return {"tmp": tmp, "plan": plan, "trace": trace, "logs": logs, "result": result}


def test_device_log_equals_cpython_replay_of_what_the_chip_delivered(device_run):
    tmp = device_run["tmp"]
    logs = device_run["logs"]
    assert isinstance(tmp, Path) and isinstance(logs, dict)
    names = [p for p in logs if logbook.is_log_name(p.rsplit("/", 1)[1])]
    assert len(names) == 1, sorted(logs)
    header, events, report = logbook.read(logs[names[0]])
    assert report["records_dropped"] == 0 and report["header_ok"]
    assert header["plan"] == "Tiny"
    replayed = [
        json.loads(line)
        for line in run("replay", str(tmp / "delivered.csv"), "--plan", str(device_run["plan"]))
        .strip()
        .splitlines()
    ]
    decoded = [canonical(e) for e in events]
    kinds = {e["type"] for e in decoded}
    assert {"step", "interval", "buzz", "session_start", "session_end"} <= kinds
    assert sum(e["type"] == "step" for e in decoded) > 50
    assert sum(e["type"] == "interval" for e in decoded) == 6
    assert decoded == replayed


def test_delivered_samples_are_the_trace_within_one_lsb(device_run):
    trace = device_run["trace"]
    tmp = device_run["tmp"]
    assert isinstance(trace, Path) and isinstance(tmp, Path)
    original = parse_lines(trace.read_text().splitlines(), str(trace)).rows
    delivered = parse_lines((tmp / "delivered.csv").read_text().splitlines(), "delivered").rows
    assert len(delivered) == len(original)
    result = device_run["result"]
    assert isinstance(result, dict) and result["samples"] == len(original)
    worst_acc = worst_gyro = 0.0
    for d, o in zip(delivered, original, strict=True):
        # Times come from the chip's output data rate, not the trace's jittered stamps.
        assert abs(d[0] - o[0]) <= 5
        for k in range(1, 4):
            if abs(o[k]) < 8 * 9806:  # inside the chip's range (outside it saturates)
                worst_acc = max(worst_acc, abs(d[k] - o[k]))
        for k in range(4, 7):
            worst_gyro = max(worst_gyro, abs(d[k] - o[k]))
    assert worst_acc <= ACC_LSB_MM + 2  # quantisation plus the 3-decimal trace text
    assert worst_gyro <= GYRO_LSB_MRAD + 2


def test_against_the_original_trace_only_quantisation_and_sample_times_differ(device_run):
    """Replaying the trace as recorded (not as delivered) is not byte-identical: the chip
    quantises and stamps samples on its own output-data-rate grid instead of the trace's
    jittered times. What must still hold: the same plan events within one sample period,
    and the step stream the same to within a couple of per cent."""
    logs = device_run["logs"]
    assert isinstance(logs, dict)
    (log,) = [d for p, d in logs.items() if p.endswith(logbook.LOG_SUFFIX)]
    _, events, _ = logbook.read(log)
    original = [
        json.loads(line)
        for line in run("replay", str(device_run["trace"]), "--plan", str(device_run["plan"]))
        .strip()
        .splitlines()
    ]
    for kind in ("interval",):
        got = [(e["kind"], e["t_ms"]) for e in events if e["type"] == kind]
        want = [(e["kind"], e["t_ms"]) for e in original if e["type"] == kind]
        assert [k for k, _ in got] == [k for k, _ in want]
        assert all(abs(a - b) <= 12 for (_, a), (_, b) in zip(got, want, strict=True))
    steps = [e for e in events if e["type"] == "step"]
    steps_orig = [e for e in original if e["type"] == "step"]
    assert abs(len(steps) - len(steps_orig)) <= max(2, len(steps_orig) // 50)
    back = sum(e["direction"] == "backward" for e in steps)
    back_orig = sum(e["direction"] == "backward" for e in steps_orig)
    assert abs(back - back_orig) <= max(2, back_orig // 20)


def test_a_trace_at_another_rate_is_sampled_on_the_chips_grid(tmp_path: Path) -> None:
    """A 200 Hz recording reaches the 100 Hz board as its chip would sample it: the
    latest row at or before each of its sample times (``trace.on_grid``)."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    trace = tmp_path / "fast.csv"
    run("simulate", "--plan", str(plan), "--out", str(trace), "--seed", "5", "--rate", "200")
    traced = trace_device(trace, {"/board.json": json.dumps(BOARD), "/plan.json": plan.read_text()})
    try:
        traced.start()
        delivered = traced.delivered
    finally:
        traced.stop()
    assert delivered is not None
    original = parse_lines(trace.read_text().splitlines(), str(trace)).rows
    got = parse_lines(delivered.decode().splitlines(), "delivered").rows
    want = list(on_grid(original, 100))
    assert len(original) > 10_000 and len(got) == len(want) == (original[-1][0] // 10) + 1
    for d, o in zip(got, want, strict=True):
        assert d[0] == o[0]
        for k in range(1, 4):
            if abs(o[k]) < 8 * 9806:
                assert abs(d[k] - o[k]) <= ACC_LSB_MM + 2
