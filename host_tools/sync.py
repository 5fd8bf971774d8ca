"""Sync: copy each finished session log off the device, prove it, store it, then free it.

The order is what makes it safe to interrupt anywhere: a log leaves the device
only after the database transaction that holds it has committed, and a log whose
sha256 is already stored is freed without copying it again. Run again after any
interruption, it finishes the job without losing or duplicating a session.

Device side: logs are ``logbook.LOG_DIR/<name>logbook.LOG_SUFFIX``; names that
are not plain log names are refused (left alone and reported); the log named in
``logbook.OPEN_MARKER`` is being written and is neither copied nor deleted.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from host_tools.device import Device
from host_tools.errors import CommandFailed
from host_tools.store import NotALog, Store, damage_text, decode
from retrostride import logbook

Progress = Callable[[int, int], None]
CHUNK = 1024  # bytes per round trip, as base64; mpremote reads its output byte by byte (quadratic)


class LogDevice(Protocol):
    """What sync needs from a device (the real one is :class:`DeviceLogs`)."""

    def list_sizes(self, folder: str) -> dict[str, int]: ...

    def sha256(self, path: str) -> bytes | None: ...

    def read_small(self, path: str) -> bytes: ...

    def read_verified(self, path: str, size: int, progress: Progress | None) -> tuple[bytes, bytes]:
        """The file and the device's sha256 of exactly the bytes it sent."""
        ...

    def remove(self, path: str) -> None: ...


class DeviceLogs:
    """:class:`LogDevice` over mpremote: base64 chunks, hashed on the device as they are read.

    ``mpremote fs cp`` sends ``repr(bytes)`` 256 bytes per round trip (binary data
    roughly triples); this reads ``CHUNK`` bytes per round trip as base64.
    """

    def __init__(self, device: Device) -> None:
        self.device = device

    def list_sizes(self, folder: str) -> dict[str, int]:
        return self.device.list_sizes(folder)

    def sha256(self, path: str) -> bytes | None:
        return self.device.sha256(path)

    def read_small(self, path: str) -> bytes:
        return self.device.read(path)

    def read_verified(self, path: str, size: int, progress: Progress | None) -> tuple[bytes, bytes]:
        import binascii

        dev = self.device
        dev.exec(
            f"import hashlib, binascii\n_h = hashlib.sha256()\n_f = open({path!r}, 'rb')\n"
            "def _r():\n"
            f" b = _f.read({CHUNK})\n"
            " _h.update(b)\n"
            " print(binascii.b2a_base64(b).decode(), end='')\n"
        )
        data = bytearray()
        try:
            while True:
                out = dev.exec("_r()")
                try:
                    chunk = binascii.a2b_base64(out.strip())
                except binascii.Error as e:
                    raise CommandFailed(f"garbled data while copying {path}: {e}.") from e
                if not chunk:
                    break
                data += chunk
                if progress is not None:
                    progress(len(data), max(size, len(data)))
        finally:
            digest_hex = dev.exec("_f.close()\nprint(binascii.hexlify(_h.digest()).decode())")
        return bytes(data), bytes.fromhex(digest_hex.strip())

    def remove(self, path: str) -> None:
        self.device.remove(path)


@dataclass
class SyncResult:
    stored: list[str] = field(default_factory=list)  # new sessions copied and stored
    freed_known: list[str] = field(default_factory=list)  # already stored: only freed
    refused: list[str] = field(default_factory=list)  # not plain log names / not logs
    open_log: str | None = None  # being written: left alone
    damaged: list[str] = field(default_factory=list)
    bytes_copied: int = 0


def progress_bar(name: str, out: TextIO | None = None, min_bytes: int = 16 * 1024) -> Progress:
    """A one-line bar on stderr for transfers of at least ``min_bytes``.

    On a terminal the bar redraws in place; into a file or pipe (a CI log, the
    demo) it writes a plain line at each quarter instead of a smear of redraws.
    """
    quarters = [-1]

    def show(done: int, total: int) -> None:
        if total < min_bytes:
            return
        stream = out if out is not None else sys.stderr
        width = 30
        filled = width * done // max(total, 1)
        bar = f"{name} [{'#' * filled}{'-' * (width - filled)}] {done // 1024}/{total // 1024} KB"
        if stream.isatty():
            stream.write("\r" + bar + ("\n" if done >= total else ""))
        else:
            quarter = 4 * done // max(total, 1)
            if quarter == quarters[0]:
                return
            quarters[0] = quarter
            stream.write(bar + "\n")
        stream.flush()

    return show


def sync(
    dev: LogDevice,
    store: Store,
    source: str = "device",
    warn: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
    progress: Callable[[str], Progress | None] = progress_bar,
) -> SyncResult:
    """Copy, verify, decode, store and then free every finished log on ``dev``."""
    result = SyncResult()
    folder = logbook.LOG_DIR
    sizes = dev.list_sizes(folder)
    marker = logbook.OPEN_NAME
    if marker in sizes:
        result.open_log = dev.read_small(logbook.OPEN_MARKER).decode(errors="replace").strip()
    for name in sorted(sizes):
        if name == marker:
            continue
        if not logbook.is_log_name(name):
            result.refused.append(name)
            warn(f"refused {folder}/{name}: not a plain log name (left on the device).")
            continue
        if name == result.open_log:
            warn(f"left {folder}/{name} alone: the device is still writing it.")
            continue
        path = f"{folder}/{name}"
        digest = dev.sha256(path)
        if digest is None:
            continue  # gone since the listing
        if store.has(digest.hex()):
            dev.remove(path)
            result.freed_known.append(name)
            continue
        data, sent_digest = dev.read_verified(path, sizes[name], progress(name))
        mine = hashlib.sha256(data).digest()
        if mine != sent_digest or sent_digest != digest:
            raise CommandFailed(
                f"the copy of {path} does not match the device's sha256 (a bad cable or "
                "a busy device?); nothing was deleted, run sync again."
            )
        result.bytes_copied += len(data)
        try:
            decoded = decode(data)
        except NotALog as e:
            result.refused.append(name)
            warn(f"refused {path}: {e} (left on the device).")
            continue
        damage = damage_text(decoded[2])
        if damage:
            result.damaged.append(name)
            warn(f"warning: {path}: {damage}; kept {len(decoded[1])} intact events.")
        # one transaction, committed here; not new: a copy of a stored session held its events
        new = store.add(data, f"{source}:{path}", decoded, name)[1]
        dev.remove(path)
        (result.stored if new else result.freed_known).append(name)
    return result
