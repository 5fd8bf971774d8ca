"""Board files (``boards/*.json``): load one and check it before it reaches a device.

A board file names the chip, the I2C bus, the IMU and how it is mounted, the haptic
actuator, the button, the battery divider and the LED (schema in ``boards/README.md``).
A wrong pin or address on a board shows up as a silent IMU or a dead motor, so
every problem is named here, by its JSON path, in one sentence each, before deploy.
The axes notation is parsed by the firmware's own ``drivers/imu.py`` (one parser).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.paths import BOARDS, FIRMWARE_LIB, bundled_or_file


class Chip:
    """What a microcontroller's GPIOs can do, from its datasheet's pin list."""

    def __init__(
        self,
        gpios: set[int],
        reserved: set[int],
        input_only: set[int],
        adc: set[int],
        i2c_ids: tuple[int, ...],
    ) -> None:
        self.gpios = gpios
        self.reserved = reserved  # wired to the SPI flash/PSRAM on the modules
        self.input_only = input_only
        self.adc = adc
        self.i2c_ids = i2c_ids


CHIPS: dict[str, Chip] = {
    # ESP32: GPIO 0-39 without 20, 24, 28-31; 6-11 flash; 34-39 input only (no pull-ups).
    "esp32": Chip(
        gpios=set(range(40)) - {20, 24, 28, 29, 30, 31},
        reserved=set(range(6, 12)),
        input_only=set(range(34, 40)),
        adc={0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39},
        i2c_ids=(0, 1),
    ),
    # ESP32-S3: GPIO 0-21 and 26-48; 26-32 flash; no input-only pins; ADC on GPIO 1-20.
    "esp32s3": Chip(
        gpios=set(range(22)) | set(range(26, 49)),
        reserved=set(range(26, 33)),
        input_only=set(),
        adc=set(range(1, 21)),
        i2c_ids=(0, 1),
    ),
    # ESP32-C3: GPIO 0-21; 12-17 flash; ADC on GPIO 0-4; one I2C controller.
    "esp32c3": Chip(
        gpios=set(range(22)),
        reserved=set(range(12, 18)),
        input_only=set(),
        adc=set(range(5)),
        i2c_ids=(0,),
    ),
}

IMU_ADDRESSES: dict[str, tuple[int, ...]] = {
    "mpu6050": (0x68, 0x69),
    "mpu6886": (0x68, 0x69),
    "lsm6ds3": (0x6A, 0x6B),
}
DEMO_BOARD = "devkitc-gy521"  # the demo's, and the virtual device's for a trace run
PIN_HAPTICS = ("erm_pwm", "pwm", "buzzer", "led")
HAPTIC_KINDS = (*PIN_HAPTICS, "drv2605", "none")
DRV2605_ADDR = 0x5A
TOP_KEYS = {
    "name": True,
    "chip": True,
    "i2c": True,
    "imu": True,
    "haptic": True,
    "button": False,
    "battery": False,
    "led": False,
    "power_hold": False,
    "description": False,
}


def _axes_parser() -> Callable[[str], Any]:
    """The firmware's ``parse_axes`` (drivers/imu.py imports nothing host-specific)."""
    spec = importlib.util.spec_from_file_location(
        "_retrostride_fw_imu", FIRMWARE_LIB / "drivers" / "imu.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    parse: Callable[[str], Any] = module.parse_axes
    return parse


class _Check:
    """Collects ``"json.path: problem"`` sentences while walking one board object."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.pins: dict[int, str] = {}

    def add(self, path: str, problem: str) -> None:
        self.problems.append(f"{path}: {problem}")

    def obj(self, board: dict[str, Any], key: str, required: bool) -> dict[str, Any] | None:
        if key not in board:
            if required:
                self.add(key, "is missing")
            return None
        value = board[key]
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.add(key, "must be an object")
            return None
        return value

    def int_(
        self, obj: dict[str, Any], path: str, key: str, lo: int, hi: int, default: int | None = None
    ) -> int | None:
        if key not in obj:
            if default is None:
                self.add(f"{path}.{key}", "is missing")
            return default
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, int):
            self.add(f"{path}.{key}", f"must be an integer, not {json.dumps(v)}")
            return None
        if not lo <= v <= hi:
            self.add(f"{path}.{key}", f"must be between {lo} and {hi}, not {v}")
            return None
        return v

    def bool_(self, obj: dict[str, Any], path: str, key: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.add(f"{path}.{key}", "must be true or false")

    def gpio(
        self,
        chip: Chip | None,
        obj: dict[str, Any],
        path: str,
        key: str,
        output: bool,
        adc: bool,
    ) -> None:
        where = f"{path}.{key}"
        if key not in obj:
            self.add(where, "is missing")
            return
        n = obj[key]
        if isinstance(n, bool) or not isinstance(n, int):
            self.add(where, f"must be a GPIO number, not {json.dumps(n)}")
            return
        if chip is None:
            return
        if n not in chip.gpios:
            lo, hi = min(chip.gpios), max(chip.gpios)
            self.add(where, f"GPIO {n} does not exist on this chip (GPIO {lo}-{hi}, with gaps)")
            return
        if n in chip.reserved:
            self.add(where, f"GPIO {n} is wired to the module's flash and cannot be used")
            return
        if output and n in chip.input_only:
            self.add(where, f"GPIO {n} is input-only on this chip and cannot drive an output")
            return
        if adc and n not in chip.adc:
            self.add(where, f"GPIO {n} has no ADC on this chip")
            return
        if n in self.pins:
            self.add(where, f"GPIO {n} is already used by {self.pins[n]}")
            return
        self.pins[n] = where


def validate_board(board: Any) -> list[str]:
    """Every problem of a board object as ``"json.path: problem"``; [] when it is valid."""
    c = _Check()
    if not isinstance(board, dict):
        return ["(top): a board file must hold a JSON object"]
    for key in sorted(set(board) - set(TOP_KEYS)):
        c.add(key, f"unknown key (known: {', '.join(TOP_KEYS)})")
    for key, required in TOP_KEYS.items():
        if required and key not in board:
            c.add(key, "is missing")
    name = board.get("name")
    if "name" in board and (not isinstance(name, str) or not name.strip()):
        c.add("name", "must be a non-empty string")
    chip: Chip | None = None
    if "chip" in board:
        chip = CHIPS.get(board["chip"]) if isinstance(board["chip"], str) else None
        if chip is None:
            c.add("chip", f"must be one of {', '.join(CHIPS)}, not {json.dumps(board['chip'])}")

    i2c = c.obj(board, "i2c", True) if "i2c" in board else None
    if i2c is not None:
        ids = chip.i2c_ids if chip else (0, 1)
        i2c_id = c.int_(i2c, "i2c", "id", 0, 9, default=0)
        if i2c_id is not None and i2c_id not in ids:
            c.add("i2c.id", f"must be one of {', '.join(map(str, ids))} on this chip")
        c.int_(i2c, "i2c", "freq", 10_000, 1_000_000)
        c.gpio(chip, i2c, "i2c", "scl", True, False)
        c.gpio(chip, i2c, "i2c", "sda", True, False)

    imu = c.obj(board, "imu", True) if "imu" in board else None
    if imu is not None:
        kind = imu.get("kind")
        addrs = IMU_ADDRESSES.get(kind) if isinstance(kind, str) else None
        if addrs is None:
            c.add("imu.kind", f"must be one of {', '.join(IMU_ADDRESSES)}, not {json.dumps(kind)}")
        addr = c.int_(imu, "imu", "addr", 0x08, 0x77)
        if addrs is not None and addr is not None and addr not in addrs:
            hexes = " or ".join(f"0x{a:02X}" for a in addrs)
            c.add("imu.addr", f"must be {hexes} for {kind}, not 0x{addr:02X}")
        axes = imu.get("axes", "xyz")
        if not isinstance(axes, str):
            c.add("imu.axes", 'must be a string such as "xyz" or "-y x z"')
        else:
            try:
                _axes_parser()(axes)
            except ValueError as e:
                c.add("imu.axes", f"{str(e).removeprefix('axes: ')} (got {json.dumps(axes)})")

    haptic = c.obj(board, "haptic", True) if "haptic" in board else None
    if haptic is not None:
        kind = haptic.get("kind")
        if kind not in HAPTIC_KINDS:
            c.add(
                "haptic.kind", f"must be one of {', '.join(HAPTIC_KINDS)}, not {json.dumps(kind)}"
            )
        elif kind in PIN_HAPTICS:
            c.gpio(chip, haptic, "haptic", "pin", True, False)
            c.int_(haptic, "haptic", "freq", 1, 40_000, default=-1)
            c.int_(haptic, "haptic", "tone_hz", 20, 20_000, default=-1)
            c.bool_(haptic, "haptic", "active_low")
        elif kind == "drv2605":
            addr = c.int_(haptic, "haptic", "addr", 0, 0x7F, default=DRV2605_ADDR)
            if addr is not None and addr != DRV2605_ADDR:
                c.add("haptic.addr", f"must be 0x{DRV2605_ADDR:02X} for drv2605, not 0x{addr:02X}")
            if imu is not None and addr is not None and imu.get("addr") == addr:
                c.add("haptic.addr", f"0x{addr:02X} is already the IMU's address on the same bus")
            if haptic.get("actuator", "erm") not in ("erm", "lra"):
                c.add("haptic.actuator", 'must be "erm" or "lra"')
        if kind != "none":
            c.int_(haptic, "haptic", "strength_pct", 1, 100, default=-1)
            c.int_(haptic, "haptic", "min_level", 0, 255, default=-1)

    button = c.obj(board, "button", False)
    if button is not None:
        c.gpio(chip, button, "button", "pin", False, False)
        c.bool_(button, "button", "active_low")
    battery = c.obj(board, "battery", False)
    if battery is not None:
        c.gpio(chip, battery, "battery", "pin", False, True)
        div = battery.get("divider", 2)
        if isinstance(div, bool) or not isinstance(div, int | float) or not 1 <= div <= 20:
            c.add("battery.divider", "must be a number from 1 to 20 (battery volts per pin volt)")
    led = c.obj(board, "led", False)
    if led is not None:
        c.gpio(chip, led, "led", "pin", True, False)
        c.bool_(led, "led", "active_low")
    hold = c.obj(board, "power_hold", False)
    if hold is not None:
        c.gpio(chip, hold, "power_hold", "pin", True, False)
    if "description" in board and not isinstance(board["description"], str):
        c.add("description", "must be a string")
    return c.problems


def board_names() -> list[str]:
    return sorted(p.stem for p in BOARDS.glob("*.json"))


def board_path(name_or_path: str) -> Path:
    """A bundled board's name (``m5stickc-plus2``) or a path to a board file."""
    return bundled_or_file(name_or_path, BOARDS, "board")


def load_board(name_or_path: str) -> dict[str, Any]:
    """The board as a dict, or UsageError naming every problem (one sentence each)."""
    path = board_path(name_or_path)
    try:
        board = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: is not UTF-8 text.") from e
    except json.JSONDecodeError as e:
        raise UsageError(f"{path}:{e.lineno}: not valid JSON ({e.msg}).") from e
    problems = validate_board(board)
    if problems:
        lines = "\n".join(f"  {p}." for p in problems)
        raise UsageError(f"{path}: the board file has {len(problems)} problem(s):\n{lines}")
    result: dict[str, Any] = board
    return result
