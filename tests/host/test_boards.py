"""Board files: every bundled board is valid, and each kind of mistake is named by its path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from host_tools.boards import board_names, load_board, validate_board
from host_tools.errors import UsageError
from host_tools.paths import FIRMWARE_LIB

BASE = load_board("devkitc-gy521")


def with_(path: str, value: Any) -> dict[str, Any]:
    """A copy of the DevKitC board with one JSON path changed (``...`` deletes it)."""
    board = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    target = board
    for p in parents:
        target = target[p]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return board


def test_at_least_the_three_boards_are_bundled_and_valid():
    names = board_names()
    for name in ("devkitc-gy521", "m5stickc-plus2", "esp32s3-lsm6ds3-drv2605"):
        assert name in names
    for name in names:
        board = load_board(name)
        assert board["name"] == name
        assert validate_board(board) == []


def test_board_facts_from_the_datasheets():
    m5 = load_board("m5stickc-plus2")
    assert m5["imu"] == {"kind": "mpu6886", "addr": 0x68, "axes": m5["imu"]["axes"]}
    assert (m5["i2c"]["sda"], m5["i2c"]["scl"]) == (21, 22)
    assert m5["haptic"]["kind"] == "buzzer" and m5["haptic"]["pin"] == 2
    assert m5["button"]["pin"] == 37 and m5["battery"]["pin"] == 38
    assert m5["power_hold"]["pin"] == 4
    s3 = load_board("esp32s3-lsm6ds3-drv2605")
    assert s3["chip"] == "esp32s3" and s3["imu"]["kind"] == "lsm6ds3"
    assert s3["haptic"]["kind"] == "drv2605" and s3["haptic"]["addr"] == 0x5A


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("imu.addr", 0x6A, "imu.addr: must be 0x68 or 0x69 for mpu6050, not 0x6A"),
        ("imu.kind", "bmi160", "imu.kind: must be one of mpu6050, mpu6886, lsm6ds3"),
        ("imu.axes", "x y y", "imu.axes: must name x, y and z once each"),
        ("imu.axes", "xyw", "imu.axes: unknown character 'w'"),
        ("haptic.pin", 36, "haptic.pin: GPIO 36 is input-only on this chip"),
        ("i2c.scl", 34, "i2c.scl: GPIO 34 is input-only"),
        ("i2c.sda", 7, "i2c.sda: GPIO 7 is wired to the module's flash"),
        ("i2c.sda", 20, "i2c.sda: GPIO 20 does not exist on this chip"),
        ("i2c.freq", 5_000_000, "i2c.freq: must be between 10000 and 1000000"),
        ("i2c.id", 2, "i2c.id: must be one of 0, 1 on this chip"),
        ("battery.pin", 23, "battery.pin: GPIO 23 has no ADC on this chip"),
        ("haptic.pin", 22, "haptic.pin: GPIO 22 is already used by i2c.scl"),
        ("haptic.kind", "rumble", "haptic.kind: must be one of"),
        ("button.active_low", "yes", "button.active_low: must be true or false"),
        ("chip", "esp8266", "chip: must be one of esp32, esp32s3, esp32c3"),
        ("imu", ..., "imu: is missing"),
        ("i2c.scl", "22", 'i2c.scl: must be a GPIO number, not "22"'),
        ("colour", "red", "colour: unknown key"),
    ],
)
def test_each_mistake_is_one_sentence_at_its_json_path(path, value, problem):
    problems = validate_board(with_(path, value))
    assert any(p.startswith(problem) for p in problems), problems
    assert len(problems) == 1, problems


def test_s3_pins_and_a_bad_drv2605_address():
    s3 = load_board("esp32s3-lsm6ds3-drv2605")
    s3["led"] = {"pin": 47}  # exists on the S3 (an ESP32 has no GPIO 47)
    assert validate_board(s3) == []
    s3["led"] = {"pin": 23}
    assert validate_board(s3) == [
        "led.pin: GPIO 23 does not exist on this chip (GPIO 0-48, with gaps)"
    ]
    s3["led"] = None
    s3["haptic"]["addr"] = 0x6A
    assert validate_board(s3) == [
        "haptic.addr: must be 0x5A for drv2605, not 0x6A",
        "haptic.addr: 0x6A is already the IMU's address on the same bus",
    ]


def test_load_board_reports_every_problem_of_a_file(tmp_path: Path):
    bad = with_("imu.addr", 0x70)
    bad["haptic"]["pin"] = 39
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(UsageError) as e:
        load_board(str(path))
    text = str(e.value)
    assert "2 problem(s)" in text
    assert "imu.addr: must be 0x68 or 0x69 for mpu6050, not 0x70." in text
    assert "haptic.pin: GPIO 39 is input-only" in text


def test_unknown_names_broken_json_and_missing_files_are_usage_errors(tmp_path: Path):
    with pytest.raises(UsageError, match="unknown board 'nope': use one of devkitc-gy521"):
        load_board("nope")
    broken = tmp_path / "b.json"
    broken.write_text('{"name": "x",\n "chip": }')
    with pytest.raises(UsageError, match=r"b.json:2: not valid JSON"):
        load_board(str(broken))
    with pytest.raises(UsageError, match="cannot read board"):
        load_board(str(tmp_path / "gone.json"))
    assert validate_board([1, 2]) == ["(top): a board file must hold a JSON object"]


def test_every_bundled_board_builds_its_imu_driver_on_the_host():
    """The firmware factory accepts each board's imu object (CPython side of the check)."""
    import sys

    sys.path.insert(0, str(FIRMWARE_LIB))
    try:
        from drivers.imu import make_imu

        for name in board_names():
            imu = make_imu(object(), load_board(name)["imu"])
            assert imu.addr == load_board(name)["imu"]["addr"]
    finally:
        sys.path.remove(str(FIRMWARE_LIB))
