"""One Node process running MicroPython for the virtual device, spoken to in frames.

The frame format and the requests are described at the top of ``repl_worker.mjs``.
The bridge owns the event loop: it sends a request, watches :meth:`Runtime.fileno`,
and reads the output, journal and completion events with :meth:`Runtime.events`.
Killing the process is the only way to stop code that runs away.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import struct
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from host_tools.micropython import NODE_HINT, RUNTIME_PACKAGE, MicroPythonUnavailable
from host_tools.paths import NODE_MODULES, REPO

WORKER = Path(__file__).with_name("repl_worker.mjs")
START_TIMEOUT_S = 20.0
_HEAD = struct.Struct("<cI")

Event = tuple[str, bytes]


def frame(kind: str, payload: bytes = b"") -> bytes:
    return _HEAD.pack(kind.encode("ascii"), len(payload)) + payload


def split_nul(payload: bytes) -> tuple[str, bytes]:
    """Split a ``name\\0rest`` payload (paths are UTF-8)."""
    name, _, rest = payload.partition(b"\0")
    return name.decode("utf-8", "replace"), rest


class RuntimeDied(RuntimeError):
    """The Node process ended without being asked to."""


class Runtime:
    """A started MicroPython worker, filesystem loaded, waiting for requests."""

    def __init__(
        self,
        heap_bytes: int,
        mounts: dict[Path, str],
        dirs: Iterable[str],
        files: dict[str, bytes],
    ) -> None:
        node = shutil.which("node")
        if node is None:
            raise MicroPythonUnavailable(NODE_HINT)
        if not (NODE_MODULES / RUNTIME_PACKAGE).is_dir():
            raise MicroPythonUnavailable(
                f"{RUNTIME_PACKAGE} is not installed in {NODE_MODULES}: run 'make deps'."
            )
        args = [node, str(WORKER), "--heap", str(heap_bytes)]
        for host_dir, mp_dir in mounts.items():
            args += ["--mount", f"{host_dir}:{mp_dir}"]
        self._proc = subprocess.Popen(args, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin = self._proc.stdin
        self._fd = self._proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._pending = b""
        self._queued: list[Event] = []
        self._wait_ready()
        for path in sorted(dirs):
            self.send("K", path.encode())
        for path, data in files.items():
            self.send("L", path.encode() + b"\0" + data)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                self.kill()
                raise MicroPythonUnavailable("the MicroPython worker did not start in time")
            for event in self.events():
                if event[0] == "R":
                    return
                self._queued.append(event)

    def fileno(self) -> int:
        return self._fd

    def send(self, kind: str, payload: bytes = b"") -> None:
        try:
            self._stdin.write(frame(kind, payload))
            self._stdin.flush()
        except BrokenPipeError as e:
            raise RuntimeDied("the MicroPython worker exited") from e

    def events(self) -> list[Event]:
        """Every complete frame that has arrived; raises RuntimeDied at end of file."""
        out, self._queued = self._queued, []
        try:
            chunk = os.read(self._fd, 1 << 20)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            raise RuntimeDied("the MicroPython worker exited")
        if chunk:
            self._pending += chunk
        while len(self._pending) >= _HEAD.size:
            kind, size = _HEAD.unpack_from(self._pending)
            end = _HEAD.size + size
            if len(self._pending) < end:
                break
            out.append((kind.decode("ascii"), self._pending[_HEAD.size : end]))
            self._pending = self._pending[end:]
        return out

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
