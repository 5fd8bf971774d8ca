"""flash: image checks, port detection and the esptool sequence, without a board."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from esptool import cmds
from esptool.targets import CHIP_DEFS

from host_tools import device
from host_tools import flash as flashing
from host_tools.cli import main
from host_tools.errors import CommandFailed, UsageError


def image(tmp_path, chip_id: int, magic: int = 0xE9):
    header = bytearray(64)
    header[0] = magic
    struct.pack_into("<H", header, 12, chip_id)
    path = tmp_path / f"fw-{chip_id}.bin"
    path.write_bytes(bytes(header) + b"\x00" * 1000)
    return path


def test_reads_the_chip_from_the_header(tmp_path):
    img = flashing.read_image(image(tmp_path, 9))
    assert img.chip == "esp32s3" and img.offset == 0
    assert flashing.read_image(image(tmp_path, 0)).offset == 0x1000


def test_rejects_a_file_that_is_no_esp_image(tmp_path):
    with pytest.raises(UsageError, match="not an ESP firmware image"):
        flashing.read_image(image(tmp_path, 0, magic=0x7F))


def test_rejects_an_application_without_its_bootloader(tmp_path):
    path = image(tmp_path, 9)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 32, flashing.APP_DESC_MAGIC)  # esp_app_desc_t opens it
    path.write_bytes(bytes(data))
    with pytest.raises(UsageError, match="application alone, without the bootloader"):
        flashing.read_image(path)


def test_rejects_an_image_for_another_chip(tmp_path):
    img = flashing.read_image(image(tmp_path, 9))
    with pytest.raises(UsageError, match="built for ESP32-S3, but the board is an ESP32"):
        flashing.check_chip(img, "esp32")


def ports(*ids):
    return [SimpleNamespace(device=f"/dev/ttyUSB{i}", vid=v, pid=p) for i, (v, p) in enumerate(ids)]


def test_finds_the_one_board_by_usb_id(monkeypatch):
    monkeypatch.setattr(
        flashing.list_ports, "comports", lambda: ports((0x1234, 1), (0x10C4, 0xEA60))
    )
    assert flashing.find_port() == "/dev/ttyUSB1"


@pytest.mark.parametrize(
    ("ids", "message"),
    [((), "no ESP32 board found"), (((0x10C4, 0xEA60), (0x1A86, 0x7523)), "several boards")],
)
def test_no_or_several_boards_ask_for_a_port(monkeypatch, ids, message):
    monkeypatch.setattr(flashing.list_ports, "comports", lambda: ports(*ids))
    with pytest.raises(UsageError, match=message):
        flashing.find_port()


class FakePort:
    closed = False

    def close(self):
        self.closed = True


def fake_esp(monkeypatch, chip: str, calls: list):
    """esptool's own class for ``chip`` (the S2/S3/C3 ones subclass the ESP32's), no I/O."""
    esp = object.__new__(CHIP_DEFS[chip])
    esp._port = FakePort()
    monkeypatch.setattr(cmds, "detect_chip", lambda port, baud: esp)
    monkeypatch.setattr(esp.__class__, "change_baud", lambda self, b: calls.append(("baud", b)))
    monkeypatch.setattr(cmds, "run_stub", lambda e: calls.append(("stub",)) or e)
    monkeypatch.setattr(cmds, "attach_flash", lambda e: calls.append(("attach",)))

    def write_flash(e, addr_data, erase_all=False):
        if erase_all:
            calls.append(("erase",))  # esptool erases after checking the image
        calls.append(("write", addr_data[0][0]))

    monkeypatch.setattr(cmds, "write_flash", write_flash)
    monkeypatch.setattr(cmds, "reset_chip", lambda e, mode: calls.append(("reset", mode)))
    return esp


@pytest.mark.parametrize(("chip", "chip_id", "offset"), [
    ("esp32", 0, 0x1000), ("esp32s3", 9, 0), ("esp32c3", 5, 0),
])  # fmt: skip
def test_erases_then_writes_at_the_chips_offset(monkeypatch, tmp_path, chip, chip_id, offset):
    calls: list = []
    esp = fake_esp(monkeypatch, chip, calls)
    img = flashing.read_image(image(tmp_path, chip_id))
    assert flashing.flash("/dev/ttyUSB0", img) == chip
    assert calls == [
        ("stub",),
        ("baud", 460800),
        ("attach",),
        ("erase",),
        ("write", offset),
        ("reset", "hard-reset"),
    ]
    assert esp._port.closed


def test_an_esp32_image_is_refused_on_an_s3(monkeypatch, tmp_path):
    calls: list = []
    fake_esp(monkeypatch, "esp32s3", calls)
    with pytest.raises(UsageError, match="built for ESP32, but the board is an ESP32-S3"):
        flashing.flash("/dev/ttyUSB0", flashing.read_image(image(tmp_path, 0)))
    assert calls == []


def test_a_cable_pulled_mid_write_is_one_sentence(monkeypatch, tmp_path):
    calls: list = []
    fake_esp(monkeypatch, "esp32", calls)

    def pulled(e, addr_data, erase_all=False):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(cmds, "write_flash", pulled)
    with pytest.raises(CommandFailed, match=r"flashing failed: .*flash again"):
        flashing.flash("/dev/ttyUSB0", flashing.read_image(image(tmp_path, 0)))


def test_refuses_before_erasing_when_the_board_is_another_chip(monkeypatch, tmp_path, capsys):
    calls: list = []
    fake_esp(monkeypatch, "esp32", calls)
    monkeypatch.setattr(device, "Device", board_holding({}))
    path = image(tmp_path, 9)
    assert main(["flash", "--port", "/dev/ttyUSB0", "--firmware", str(path)]) == 2
    assert calls == []
    err = capsys.readouterr().err
    assert "built for ESP32-S3" in err and err.count("\n") == 1


def test_a_port_nobody_answers_on_is_one_sentence_and_exit_1(tmp_path, capsys):
    import os

    master, slave = os.openpty()  # a serial port with nothing behind it
    try:
        path = image(tmp_path, 0)
        argv = ["flash", "--port", os.ttyname(slave), "--firmware", str(path)]
        code = main([*argv, "--discard-logs"])  # nobody answers MicroPython's REPL either
    finally:
        os.close(master)
        os.close(slave)
    assert code == 1
    err = capsys.readouterr().err
    assert "no ESP chip answered" in err and "Traceback" not in err


def board_holding(files: dict[str, int]) -> type:
    """A MicroPython board as ``host_tools.device.Device`` sees it: its ``/logs`` folder."""

    class Board:
        def __init__(self, port: str, timeout_s: float) -> None:
            pass

        def __enter__(self) -> Board:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def list_sizes(self, folder: str) -> dict[str, int]:
            assert folder == "/logs"
            return files

    return Board


@pytest.mark.parametrize(
    ("files", "flags", "erased"),
    [
        ({"s00003.rsl": 900, "s00004.rsl": 20, "OPEN": 10}, [], False),
        ({"s00003.rsl": 900}, ["--discard-logs"], True),
        ({"OPEN": 10}, [], True),  # a marker with nothing behind it
        ({}, [], True),
    ],
)
def test_a_board_holding_logs_never_synced_is_not_erased(
    monkeypatch, tmp_path, capsys, files, flags, erased
):
    calls: list = []
    fake_esp(monkeypatch, "esp32", calls)
    monkeypatch.setattr(device, "Device", board_holding(files))
    path = image(tmp_path, 0)
    code = main(["flash", "--port", "/dev/ttyUSB0", "--firmware", str(path), *flags])
    err = capsys.readouterr().err
    assert (("erase",) in calls) == erased and code == (0 if erased else 2)
    if not erased:
        assert "2 session log(s) not synced yet (s00003.rsl, s00004.rsl)" in err
        assert "retrostride sync" in err and "--discard-logs" in err


def test_a_board_no_micropython_answers_on_is_flashed_only_when_told(monkeypatch, tmp_path, capsys):
    """A new board, but also one in the app's deep sleep holding logs: not erased unasked."""

    def silent(port: str, timeout_s: float) -> None:
        raise CommandFailed("could not enter the raw REPL")

    calls: list = []
    fake_esp(monkeypatch, "esp32", calls)
    monkeypatch.setattr(device, "Device", silent)
    argv = ["flash", "--port", "/dev/ttyUSB0", "--firmware", str(image(tmp_path, 0))]
    assert main(argv) == 2 and calls == []
    err = capsys.readouterr().err
    assert "could not be checked" in err and "--discard-logs" in err and err.count("\n") == 1
    assert main([*argv, "--discard-logs"]) == 0
    assert ("erase",) in calls


def test_a_port_that_does_not_exist_is_bad_input(tmp_path, capsys):
    path = image(tmp_path, 0)
    assert main(["flash", "--port", str(tmp_path / "ttyNONE"), "--firmware", str(path)]) == 2
    assert "no serial port" in capsys.readouterr().err
