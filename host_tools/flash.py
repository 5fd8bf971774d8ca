"""Write MicroPython to a board with esptool, refusing images made for another chip.

The image header says which chip it was built for (byte 0 is 0xE9, the u16 at
offset 12 is the chip id); the chip on the port says what it is. Flashing an
S3 image onto a plain ESP32 bricks nothing but wastes the runner's evening, so
the two are compared before anything is erased, and esptool erases the flash
only after its own checks of the image (``write_flash(erase_all=True)``). The
write offset comes from esptool's own chip table (0x1000 for ESP32 and S2, 0 for
S3 and C3). Erasing also deletes session logs not yet synced, so the command
looks for them first, and refuses when it cannot look.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from esptool.targets import CHIP_DEFS
from serial.tools import list_ports

from host_tools.errors import CommandFailed, UsageError
from retrostride import logbook

IMAGE_MAGIC = 0xE9
# an application's description (esp_app_desc_t) opens its first segment; a whole
# firmware image starts with the bootloader instead
APP_DESC_MAGIC = 0xABCD5432
_FIRST_SEGMENT_DATA = 24 + 8  # image header, then the first segment's header
# USB-serial bridges found on ESP32 boards, and Espressif's own USB (S2/S3/C3).
USB_IDS: dict[tuple[int, int], str] = {
    (0x10C4, 0xEA60): "Silicon Labs CP210x",
    (0x10C4, 0xEA70): "Silicon Labs CP2105",
    (0x1A86, 0x7523): "WCH CH340",
    (0x1A86, 0x7522): "WCH CH340",
    (0x1A86, 0x5523): "WCH CH341",
    (0x1A86, 0x55D3): "WCH CH343",
    (0x1A86, 0x55D4): "WCH CH9102",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6010): "FTDI FT2232H (ESP-Prog)",
    (0x0403, 0x6015): "FTDI FT231X",
    (0x303A, 0x0002): "ESP32-S2 ROM USB",
    (0x303A, 0x0009): "ESP32-S3 ROM USB",
    (0x303A, 0x1001): "Espressif USB JTAG/serial",
    (0x303A, 0x4001): "Espressif USB CDC (MicroPython)",
}


@dataclass(frozen=True)
class Image:
    """A firmware image file and the chip it was built for."""

    path: Path
    data: bytes
    chip: str  # esptool's name: esp32, esp32s3, ...

    @property
    def offset(self) -> int:
        offset: int = CHIP_DEFS[self.chip].BOOTLOADER_FLASH_OFFSET
        return offset


def chip_for_id(chip_id: int) -> str | None:
    for name, rom in CHIP_DEFS.items():
        if chip_id == rom.IMAGE_CHIP_ID:
            return str(name)
    return None


def read_image(path: Path) -> Image:
    """Read and check an ESP firmware image; UsageError for anything else."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read firmware {path}: {e.strerror or e}.") from e
    if len(data) < 24 or data[0] != IMAGE_MAGIC:
        raise UsageError(
            f"{path} is not an ESP firmware image (it must start with byte 0xE9; "
            "use the .bin for your board from micropython.org/download)."
        )
    (chip_id,) = struct.unpack_from("<H", data, 12)
    chip = chip_for_id(chip_id)
    if chip is None:
        raise UsageError(f"{path} is built for an unknown chip (id {chip_id}).")
    if data[_FIRST_SEGMENT_DATA : _FIRST_SEGMENT_DATA + 4] == struct.pack("<I", APP_DESC_MAGIC):
        raise UsageError(
            f"{path} is an application alone, without the bootloader, and would leave the "
            "board unable to start: use the firmware .bin for your board from "
            "micropython.org/download."
        )
    return Image(path, data, chip)


def check_chip(image: Image, chip: str) -> None:
    """Refuse an image built for another chip than ``chip``."""
    if chip != image.chip:
        raise UsageError(
            f"{image.path.name} is built for {CHIP_DEFS[image.chip].CHIP_NAME}, "
            f"but the board is an {CHIP_DEFS[chip].CHIP_NAME}: download the image for your board."
        )


def find_port() -> str:
    """The one plugged-in ESP32 board's serial port, found by USB vendor/product id."""
    found = [p for p in list_ports.comports() if p.vid is not None and (p.vid, p.pid) in USB_IDS]
    if not found:
        raise UsageError(
            "no ESP32 board found on USB: plug it in with a data cable (not a charge-only one) "
            "or name the port with --port."
        )
    if len(found) > 1:
        names = ", ".join(f"{p.device} ({USB_IDS[(p.vid, p.pid)]})" for p in found)
        raise UsageError(f"several boards are plugged in ({names}): choose one with --port.")
    device: str = found[0].device
    return device


def logs_on_board(port: str) -> list[str] | None:
    """The session logs on the board, which erasing the flash would lose (sync deletes
    each once it is stored, so none of these is); None when no MicroPython answers:
    a new board, one left in its bootloader, but also one in the app's deep sleep."""
    import contextlib
    import io

    from host_tools.device import Device

    try:  # mpremote prints what it got when the raw REPL does not answer
        with contextlib.redirect_stdout(io.StringIO()), Device(port, timeout_s=2) as dev:
            names = dev.list_sizes(logbook.LOG_DIR)
    except (CommandFailed, ValueError, SyntaxError):  # a missing port stays bad input
        return None
    return sorted(n for n in names if logbook.is_log_name(n))


def flash(port: str, image: Image, chip: str | None = None, baud: int = 460800) -> str:
    """Detect the chip on ``port``, check the image, erase and write it. Returns the chip."""
    from esptool import cmds
    from esptool.util import FatalError

    if chip is not None:
        if chip not in CHIP_DEFS:
            raise UsageError(f"unknown chip {chip!r}: one of {', '.join(sorted(CHIP_DEFS))}.")
        check_chip(image, chip)
    try:
        esp = cmds.detect_chip(port, 115200)
    except (FatalError, OSError) as e:  # pyserial's SerialException is an OSError
        text = _one_line(e)  # esptool words the port's own error into its message
        if "Errno 2]" in text:  # "could not open port ...: No such file"
            raise UsageError(f"no serial port {port}: is the board plugged in?") from e
        if "busy" in text.lower() or "Errno 16" in text or "Errno 11" in text:
            raise CommandFailed(
                f"port {port} is busy: close the program using it "
                "(a serial monitor, mpremote, Thonny) and try again."
            ) from e
        if "Permission denied" in text or "Errno 13" in text:
            raise CommandFailed(
                f"no permission to open {port}: add yourself to the port's group "
                "(e.g. 'sudo usermod -aG dialout $USER', then log in again)."
            ) from e
        raise CommandFailed(
            f"no ESP chip answered on {port}: check the cable, or hold BOOT while pressing "
            f"RESET to enter the bootloader ({text})."
        ) from e
    try:
        # by name: esptool's S2/S3/C3 classes subclass the ESP32's
        found = str(next(n for n, rom in CHIP_DEFS.items() if rom.CHIP_NAME == esp.CHIP_NAME))
        check_chip(image, found)
        esp = cmds.run_stub(esp)  # then the speed, as esptool's own command line does
        if baud != 115200:
            esp.change_baud(baud)
        cmds.attach_flash(esp)
        cmds.write_flash(esp, [(image.offset, image.data)], erase_all=True)
        cmds.reset_chip(esp, "hard-reset")
    except (FatalError, OSError) as e:  # a cable pulled mid-write is a serial OSError
        raise CommandFailed(
            f"flashing failed: {_one_line(e)}; flash again (at --baud 115200 if it keeps failing)."
        ) from e
    finally:
        esp._port.close()
    return found


def _one_line(e: BaseException) -> str:
    """esptool's message, which spans lines, as part of one sentence."""
    return " ".join(str(e).split()).rstrip(".")
