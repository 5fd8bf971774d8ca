"""A MicroPython board on a serial port, through mpremote's transport (pinned 1.29).

mpremote does the protocol (raw REPL, raw paste, chunked file transfer); this
wrapper adds what our commands need on top: errors a runner can act on instead
of tracebacks, a read timeout so a silent port cannot hang us, and the few
device-side queries (hash, sizes, bytecode version) deploy and sync rely on.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Any

from host_tools.errors import CommandFailed, UsageError

Progress = Callable[[int, int], None]


class Device:
    """An open connection in raw REPL mode; use as a context manager."""

    def __init__(self, port: str, timeout_s: float = 10.0, soft_reset: bool = False) -> None:
        from mpremote.transport import TransportError
        from mpremote.transport_serial import SerialTransport

        self.port = port
        try:
            self._t: Any = SerialTransport(port, baudrate=115200, timeout=timeout_s)
        except TransportError as e:
            raise _port_error(port, e) from e
        try:
            self._t.enter_raw_repl(soft_reset=soft_reset)
        except Exception as e:
            self._t.close()
            raise CommandFailed(
                f"could not enter the raw REPL on {port}: the board may be busy or printing "
                "at boot; press its reset button and try again."
            ) from e

    def __enter__(self) -> Device:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the port may already be gone (cable pulled)
            self._t.exit_raw_repl()
        self._t.close()

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from mpremote.transport import TransportError

        try:
            return fn(*args, **kwargs)
        except TransportError as e:
            raise CommandFailed(f"{what} failed on {self.port}: {e}.") from e
        except OSError as e:
            raise CommandFailed(f"{what} failed on {self.port}: {e.strerror or e}.") from e

    def exec(self, code: str) -> str:
        out: bytes = self._call("running code", self._t.exec, code)
        return out.decode(errors="replace")

    def evaluate(self, expression: str) -> Any:
        """A Python literal computed on the device."""
        return ast.literal_eval(self.exec(f"print(repr({expression}))").strip())

    def set_clock(self, when: dt.datetime) -> bool:
        """The board's RTC to ``when`` in UTC: the app dates each session's log by it.
        False where there is no ``machine.RTC`` (the bare virtual device)."""
        out = self.exec(
            "try:\n"
            "    import machine\n"
            f"    machine.RTC().datetime({rtc_fields(when)!r})\n"
            "    print(1)\n"
            "except (ImportError, AttributeError):\n"
            "    print(0)\n"
        )
        return out.strip() == "1"

    def mpy_version(self) -> tuple[int, int] | None:
        """The bytecode (.mpy) version the firmware loads: (major, sub); None from a
        MicroPython too old to say."""
        value = self.evaluate("getattr(__import__('sys').implementation, '_mpy', None)")
        if not isinstance(value, int):
            return None
        return value & 0xFF, (value >> 8) & 0x03

    def list_sizes(self, folder: str) -> dict[str, int]:
        """Regular files directly in ``folder`` with their sizes; {} if it does not exist."""
        out = self.exec(
            "import os\n"
            "def _ls(d):\n"
            "    try:\n"
            "        return [(e[0], os.stat(d + '/' + e[0])[6]) for e in os.ilistdir(d)"
            " if e[1] == 0x8000]\n"
            "    except OSError:\n"
            "        return []\n"
            f"print(repr(_ls({folder.rstrip('/')!r})))\n"
        )
        return {str(name): int(size) for name, size in ast.literal_eval(out.strip())}

    def sha256(self, path: str) -> bytes | None:
        """The device's own sha256 of ``path``, or None if the file does not exist."""
        if not self._call("checking a file", self._t.fs_exists, path):
            return None
        digest: bytes = self._call("hashing a file", self._t.fs_hashfile, path, "sha256")
        return digest

    def read(self, path: str, progress: Progress | None = None) -> bytes:
        data: bytes = self._call(
            f"reading {path}",
            self._t.fs_readfile,
            path,
            chunk_size=1024,
            progress_callback=progress,
        )
        return data

    def write(self, path: str, data: bytes, progress: Progress | None = None) -> None:
        self._call(
            f"writing {path}",
            self._t.fs_writefile,
            path,
            data,
            chunk_size=1024,
            progress_callback=progress,
        )

    def makedirs(self, path: str) -> None:
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            sub = "/" + "/".join(parts[:i])
            if not self._call("checking a folder", self._t.fs_exists, sub):
                self._call(f"creating {sub}", self._t.fs_mkdir, sub)

    def remove(self, path: str) -> None:
        self._call(f"removing {path}", self._t.fs_rmfile, path)


def rtc_fields(when: dt.datetime) -> tuple[int, ...]:
    """``when`` in UTC as ``machine.RTC().datetime`` takes it (weekday 0 is Monday)."""
    t = when.astimezone(dt.UTC)
    return (t.year, t.month, t.day, t.weekday(), t.hour, t.minute, t.second, 0)


def _port_error(port: str, e: Exception) -> Exception:
    text = str(e)
    if "No such file" in text or "Errno 2]" in text or "failed to access" in text:
        return UsageError(f"no serial port {port}: is the board plugged in?")
    if "busy" in text.lower() or "Errno 16" in text or "lock" in text.lower():
        return CommandFailed(
            f"port {port} is busy: close the program using it (a serial monitor, another "
            "mpremote, Thonny) and try again."
        )
    if "Permission denied" in text or "Errno 13" in text:
        return CommandFailed(
            f"no permission to open {port}: add yourself to the 'dialout' group "
            "(sudo usermod -aG dialout $USER) and log in again."
        )
    return CommandFailed(f"cannot open {port}: {text}.")
