"""``retrostride bench``: device-cost figures measured under real MicroPython."""

from __future__ import annotations

import json
import math

import pytest

from host_tools import cli


def test_bench_measures_a_simulated_run_with_the_coach(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", "--json", "--minutes", "0.5"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["coach"] is True and got["plan"] == "intro.json"
    assert got["samples"] == 3000 and got["steps"] > 50  # half a minute of running
    # Budgets from issue #3: these fail if the hot path starts allocating or slows down.
    assert got["alloc_bytes_per_sample"] == 0
    assert 0 < got["heap_core_bytes"] < 64 * 1024
    assert got["wasm_instructions_per_sample"] > 10_000
    layouts = got["wasm_instructions_per_sample_by_layout"]
    assert len(layouts) == 3 and sorted(layouts)[1] == got["wasm_instructions_per_sample"]
    assert got["wasm_instructions_per_collection"] > got["wasm_instructions_per_sample"]
    assert 0 < got["esp32_duty_estimate"] < 0.05
    # the duty is the samples of one second plus the one collection a second the app runs
    per_second = 100 * got["esp32_us_per_sample_estimate"] + got["esp32_us_per_collection_estimate"]
    assert abs(got["esp32_duty_estimate"] - per_second / 1e6) < 1e-3
    assert "WebAssembly instructions" in got["cost_unit"]
    assert got["app_heap_peak_bytes"] >= got["app_heap_live_bytes"] > 0
    # measured with the heap locked while standing: any allocation there fails the run;
    # no per-sample frame comes from the heap, so locking it saves next to nothing
    assert abs(got["wasm_frame_spill_per_standing_sample"]) < 2_000
    assert got["gyro"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--plan", "intro", "--no-plan"], "contradict"),
        (["--minutes", "90"], "--minutes"),
        (["--plan", "nosuch"], "unknown plan"),
    ],
)
def test_bench_refuses_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["bench", *argv]) == 2
    assert message in capsys.readouterr().err


def test_bench_refuses_a_trace_too_short_to_measure(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "short.csv"
    trace.write_text("t_ms,ax,ay,az\n0,0,0,9.81\n10,0,0,9.81\n", encoding="utf-8")
    assert cli.main(["bench", "--trace", str(trace)]) == 2
    assert "at least 400" in capsys.readouterr().err


def test_bench_samples_a_trace_at_another_rate_on_the_device_grid(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The device samples at 100 Hz, so 6 s of a 200 Hz walk are 601 samples there."""
    trace = tmp_path / "fast.csv"
    rows = "".join(
        f"{5 * k},0.1,0.2,{9.81 + 4 * math.sin(math.pi * k / 109) ** 8:.4f}\n" for k in range(1201)
    )
    trace.write_text("# rate_hz: 200\nt_ms,ax,ay,az\n" + rows, encoding="utf-8")
    assert cli.main(["bench", "--json", "--no-plan", "--trace", str(trace)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["samples"] == 601 and got["source"] == f"{trace} (200 Hz, at 100)"
    assert got["gyro"] is False  # an accelerometer-only board reads no gyroscope
    assert got["steps"] >= 9  # a step every 0.545 s
    assert got["alloc_bytes_per_sample"] == 0
