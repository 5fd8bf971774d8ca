"""``retrostride sync [--port PORT]``: new session logs from the device into the database."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from host_tools.commands.import_cmd import add_db_option
from host_tools.device import Device
from host_tools.flash import find_port
from host_tools.store import open_store
from host_tools.sync import DeviceLogs, sync


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sync",
        help="copy new session logs from the device, verify, store, then free them",
        description="Lists /logs on the device, copies each finished session log, checks it "
        "against the device's own sha256, decodes it with the firmware's reader, stores it "
        "(one transaction) and only then deletes it on the device. Safe to interrupt and run "
        "again: nothing is lost or stored twice.",
    )
    p.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (default: auto-detect)")
    add_db_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    port = args.port or find_port()
    with open_store(args.db) as store, Device(port, timeout_s=30) as device:
        result = sync(DeviceLogs(device), store, source=f"sync:{port}")
        device.set_clock(dt.datetime.now(dt.UTC))  # the next sessions are dated by it
    parts = [f"{len(result.stored)} new session(s) stored"]
    if result.freed_known:
        parts.append(f"{len(result.freed_known)} already stored and freed")
    if result.refused:
        parts.append(f"{len(result.refused)} refused")
    if result.open_log:
        parts.append(f"{result.open_log} still being written")
    print("; ".join(parts) + f" ({result.bytes_copied} bytes copied).")
    return 0
