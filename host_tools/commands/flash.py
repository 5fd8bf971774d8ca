"""``retrostride flash``: write MicroPython to the board with esptool."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from host_tools.errors import UsageError
from host_tools.flash import find_port, flash, logs_on_board, read_image


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "flash",
        help="write a MicroPython firmware image to the board",
        description="Checks that FW.bin is an ESP image built for the chip on the port, erases "
        "the flash and writes the image at the chip's offset (esptool). Without --port the "
        "board is found by its USB id. A board that still holds session logs never synced is "
        "left alone unless --discard-logs is given.",
    )
    p.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (default: auto-detect)")
    p.add_argument("--firmware", type=Path, required=True, metavar="FW.bin")
    p.add_argument("--chip", help="expected chip (esp32, esp32s3, ...); checked against both")
    p.add_argument("--baud", type=int, default=460800, help="write speed (default 460800)")
    p.add_argument(
        "--discard-logs",
        action="store_true",
        help="erase session logs the board holds that were never synced (default: refuse)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    image = read_image(args.firmware)
    port = args.port or find_port()
    if not args.discard_logs:
        logs = logs_on_board(port)
        if logs is None:
            raise UsageError(
                f"no MicroPython answered on {port}, so the board could not be checked for "
                "session logs not synced yet, which flashing erases: press its RESET button "
                "and try again (a board asleep wakes), or pass --discard-logs (a new board "
                "holds none)."
            )
        if logs:
            shown = ", ".join(logs[:3]) + (", ..." if len(logs) > 3 else "")
            raise UsageError(
                f"the board holds {len(logs)} session log(s) not synced yet ({shown}) and "
                "flashing erases them: run 'retrostride sync' first, or pass --discard-logs."
            )
    chip = flash(port, image, args.chip, args.baud)
    print(f"Flashed {image.path.name} ({len(image.data)} bytes) to the {chip} on {port}.")
    return 0
