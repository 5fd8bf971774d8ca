"""``retrostride flash``: write MicroPython to the board with esptool."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from host_tools.flash import find_port, flash, read_image


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "flash",
        help="write a MicroPython firmware image to the board",
        description="Checks that FW.bin is an ESP image built for the chip on the port, erases "
        "the flash and writes the image at the chip's offset (esptool). Without --port the "
        "board is found by its USB id.",
    )
    p.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (default: auto-detect)")
    p.add_argument("--firmware", type=Path, required=True, metavar="FW.bin")
    p.add_argument("--chip", help="expected chip (esp32, esp32s3, ...); checked against both")
    p.add_argument("--baud", type=int, default=460800, help="write speed (default 460800)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    image = read_image(args.firmware)
    port = args.port or find_port()
    chip = flash(port, image, args.chip, args.baud)
    print(f"Flashed {image.path.name} ({len(image.data)} bytes) to the {chip} on {port}.")
    return 0
