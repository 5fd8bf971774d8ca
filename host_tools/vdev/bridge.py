"""A virtual ESP32 on a pty: real MicroPython (WebAssembly, in Node) that mpremote can drive.

:class:`VirtualDevice` owns a pseudo-terminal and a Node worker (``repl_worker.mjs``)
and plays the board's half of the serial line. Unmodified ``mpremote connect PORT ...``
works against the pty path: ``fs ls/cp/rm/mkdir/sha256sum``, ``exec``, ``eval``,
``soft-reset``, ``resume``, ``repl``. How it differs from a board, and why:

- The raw REPL (and raw-paste) is played in CPython (:mod:`host_tools.vdev.rawrepl`);
  the friendly REPL is MicroPython's own. Output is translated ``\\n`` -> ``\\r\\n``.
- Nothing can interrupt a loop inside WebAssembly. Ctrl-C while code runs waits
  ``interrupt_grace_s`` (``boot_grace_s`` for boot.py/main.py), then the Node runtime
  is killed and restarted and the code reported as ``KeyboardInterrupt``; a command
  running over ``command_timeout_s`` is stopped the same way (the watchdog). Files
  survive (closed files are journalled to the host as they are written); variables,
  open files and imported modules do not, unlike a real Ctrl-C.
- A soft reset restarts the runtime (a fresh heap, like a board) from the journalled
  filesystem, then runs ``boot.py`` and, in the friendly REPL only, ``main.py``.
  ``main.py`` cannot be interrupted part-way, so the REPL answers once it has run to
  completion (or after the Ctrl-C grace, when the runtime is restarted without it).
  :meth:`VirtualDevice.start` likewise returns after the first boot finished.
- ``OSError`` numbers are the ESP32's and ``os.ilistdir`` yields sizes
  (:mod:`host_tools.vdev.shim`); stdin reads (``input()``, ``mpremote mount``) do not work.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sys
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from host_tools.vdev import rawrepl
from host_tools.vdev.fsmirror import FsMirror, normalize
from host_tools.vdev.runtime import Event, Runtime, RuntimeDied, split_nul
from host_tools.vdev.shim import SHIM_FILENAME, run_file_code, shim_code

MAX_PENDING_OUTPUT = 4 << 20  # bytes kept for a pty nobody reads; older ones are dropped


@dataclass
class _Job:
    """One request the runtime is working on."""

    kind: str  # "setup" | "boot" | "init" | "exec" | "keys"
    started: float
    timeout_s: float | None
    grace_s: float | None  # None: Ctrl-C is not for this job (it stays in the input)
    payload: bytes = b""
    interrupt_at: float | None = None
    error: tuple[str, str] | None = None
    tail: bytes = b""


@dataclass
class _Step:
    kind: str
    request: str  # a worker request type, or "" for a plain write to the pty
    payload: bytes


class VirtualDevice:
    """One virtual device: ``start()`` gives the port path, ``stop()`` ends it."""

    def __init__(
        self,
        fs_dir: Path | None = None,
        mounts: dict[Path, str] | None = None,
        files: dict[str, bytes | str] | None = None,
        link: Path | None = None,
        heap_bytes: int = 512 * 1024,
        command_timeout_s: float = 60.0,
        interrupt_grace_s: float = 1.0,
        boot_grace_s: float = 5.0,
        ready_timeout_s: float = 60.0,
        run_main: bool = True,
        first_boot: str | None = None,
        on_side_file: Callable[[str, bytes], None] | None = None,
    ) -> None:
        """``mounts`` copies host directories into the device at each (re)start, e.g.
        ``{Path("host_tools/vdev/mp"): "/sim"}``, and puts each on ``sys.path`` after
        ``''`` so fakes (``machine``) are found before ``/lib``. They are not journalled.
        ``files`` are written onto the filesystem at start (and into ``fs_dir``).
        ``run_main=False`` never runs ``main.py`` (an app's endless asyncio loop could
        not be interrupted); ``first_boot`` is code run once, after the first
        ``boot.py`` (the trace run), before :meth:`start` returns. Files that code
        writes under a mount are kept in :attr:`side_files` (not on the device), and
        ``on_side_file(path, data)`` hears of each as it is closed (progress)."""
        self.mounts = {Path(h).resolve(): normalize(d) for h, d in (mounts or {}).items()}
        for host in self.mounts:
            if not host.is_dir():
                raise FileNotFoundError(f"mount source {host} is not a directory")
        self.fs = FsMirror(fs_dir, excluded=tuple(self.mounts.values()))
        for path, data in (files or {}).items():
            self.fs.write_file(path, data.encode() if isinstance(data, str) else data)
        self.link = link
        self.heap_bytes = heap_bytes
        self.command_timeout_s = command_timeout_s
        self.interrupt_grace_s = interrupt_grace_s
        self.boot_grace_s = boot_grace_s
        self.ready_timeout_s = ready_timeout_s
        self.run_main = run_main
        self.first_boot = first_boot
        self.first_boot_error: tuple[str, str] | None = None
        self.side_files: dict[str, bytes] = {}
        self.on_side_file = on_side_file
        self.port = ""
        self.restarts = 0
        self._repl = rawrepl.ReplState()
        self._sel = selectors.DefaultSelector()
        self._master = self._slave = -1
        self._wake_r, self._wake_w = os.pipe()
        self._rt: Runtime | None = None
        self._job: _Job | None = None
        self._steps: list[_Step] = []
        self._input = bytearray()
        self._output = bytearray()
        self._after_cr = False
        self._ready = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    # -- public API ------------------------------------------------------------------

    def start(self) -> str:
        """Open the pty, boot the device; return the port path once boot has finished."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        if self.link is not None:
            self.link.unlink(missing_ok=True)
            self.link.symlink_to(self.port)
        self._sel.register(self._master, selectors.EVENT_READ, "pty")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._restart(boot=True, first=True)
        self._thread = threading.Thread(target=self._serve, name="vdev", daemon=True)
        self._thread.start()
        self._ready.wait(self.ready_timeout_s)
        if self.failure is not None:
            raise self.failure
        return self.link.as_posix() if self.link is not None else self.port

    def run_until_killed(self) -> None:
        """Serve until SIGTERM/SIGINT (from the main thread) or :meth:`stop`."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(0.2)
        self.stop()
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        if self._rt is not None:
            self._rt.kill()
            self._rt = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()

    def __enter__(self) -> VirtualDevice:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    # -- runtime lifecycle -------------------------------------------------------------

    def _restart(self, boot: bool, first: bool = False) -> None:
        """A fresh runtime loaded from the filesystem copy; queue its start-up steps."""
        if self._rt is not None:
            self._sel.unregister(self._rt.fileno())
            self._rt.kill()
            self.restarts += 1
        self._job = None
        self._after_cr = False
        self._rt = Runtime(self.heap_bytes, self.mounts, self.fs.dirs, self.fs.files)
        self._sel.register(self._rt.fileno(), selectors.EVENT_READ, "rt")
        extra_path = [p for p in self.mounts.values() if p != "/lib"]
        self._steps = [_Step("setup", "X", shim_code(extra_path).encode())]
        if boot:
            self._steps.append(_Step("boot", "X", run_file_code("boot.py").encode()))
            if first and self.first_boot is not None:
                self._steps.append(_Step("first", "X", self.first_boot.encode()))
            if not self._repl.raw and self.run_main:
                self._steps.append(_Step("boot", "X", run_file_code("main.py").encode()))
        self._steps.append(self._prompt_step())

    def _prompt_step(self) -> _Step:
        if self._repl.raw:
            return _Step("prompt", "", rawrepl.RAW_BANNER + b">")
        return _Step("init", "I", b"")

    def _begin(self, kind: str, request: str, payload: bytes) -> None:
        assert self._rt is not None
        timeouts = {
            "boot": None,
            "first": None,
            "exec": self.command_timeout_s,
            "keys": self.command_timeout_s,
        }
        graces = {"boot": self.boot_grace_s, "exec": self.interrupt_grace_s}
        graces["keys"] = self.interrupt_grace_s
        self._job = _Job(
            kind,
            time.monotonic(),
            timeouts.get(kind, self.command_timeout_s),
            graces.get(kind),
            payload,
        )
        self._rt.send(request, payload)

    # -- the loop --------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            self._pump()
            while not self._stopping:
                self._sel.modify(
                    self._master,
                    selectors.EVENT_READ | (selectors.EVENT_WRITE if self._output else 0),
                    "pty",
                )
                for key, mask in self._sel.select(self._next_wakeup()):
                    if key.data == "pty":
                        if mask & selectors.EVENT_READ:
                            self._read_pty()
                        if mask & selectors.EVENT_WRITE:
                            self._flush_pty()
                    elif key.data == "rt":
                        self._read_runtime()
                self._watchdog()
                self._pump()
        except BaseException as e:  # reported to start()/run_until_killed()
            self.failure = e
        finally:
            self._ready.set()

    def _next_wakeup(self) -> float:
        job = self._job
        if job is None:
            return 1.0
        deadlines = [job.interrupt_at or 0.0]
        if job.timeout_s is not None:
            deadlines.append(job.started + job.timeout_s)
        due = min((d for d in deadlines if d), default=time.monotonic() + 1.0)
        return max(0.0, min(1.0, due - time.monotonic()))

    def _pump(self) -> None:
        """Start the next step or act on queued input while the runtime is idle."""
        while self._job is None and not self._stopping:
            if self._steps:
                step = self._steps.pop(0)
                if step.request:
                    self._begin(step.kind, step.request, step.payload)
                else:
                    self._write(step.payload)
                continue
            self._ready.set()
            actions = self._repl.step(self._input)
            if not actions:
                return
            for action in actions:
                self._act(action)

    def _act(self, action: rawrepl.Action) -> None:
        if isinstance(action, rawrepl.Write):
            self._write(action.data)
        elif isinstance(action, rawrepl.RunCode):
            self._begin("exec", "X", action.code)
        elif isinstance(action, rawrepl.FriendlyKeys):
            self._begin("keys", "C", action.keys)
        elif isinstance(action, rawrepl.SoftReset):
            self._soft_reset()
        elif isinstance(action, rawrepl.StartFriendly):
            self._steps.append(_Step("init", "I", b""))

    def _soft_reset(self) -> None:
        self._write(b"MPY: soft reboot\r\n")
        self._restart(boot=True)

    # -- pty side --------------------------------------------------------------------

    def _read_pty(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        job = self._job
        if job is not None and job.grace_s is not None and rawrepl.CTRL_C in data:
            # Like a board's UART interrupt char: Ctrl-C stops the code, it is not input.
            data = data.replace(bytes([rawrepl.CTRL_C]), b"")
            if job.interrupt_at is None:
                job.interrupt_at = time.monotonic() + job.grace_s
        self._input += data

    def _write(self, data: bytes) -> None:
        self._output += data
        if len(self._output) > MAX_PENDING_OUTPUT:
            del self._output[: len(self._output) - MAX_PENDING_OUTPUT]
        self._flush_pty()

    def _flush_pty(self) -> None:
        while self._output:
            try:
                sent = os.write(self._master, self._output[:65536])
            except (BlockingIOError, InterruptedError):
                return
            del self._output[:sent]

    def _cook(self, data: bytes) -> bytes:
        """``\\n`` -> ``\\r\\n`` like a board's stdout, remembering a ``\\r`` at a chunk end."""
        if not data:
            return data
        parts = data.split(b"\n")
        out = bytearray(parts[0])
        after_cr = parts[0].endswith(b"\r") if parts[0] else self._after_cr
        for part in parts[1:]:
            out += b"\n" if after_cr else b"\r\n"
            out += part
            after_cr = part.endswith(b"\r")
        self._after_cr = after_cr
        return bytes(out)

    # -- runtime side ----------------------------------------------------------------

    def _read_runtime(self) -> None:
        assert self._rt is not None
        try:
            events = self._rt.events()
        except RuntimeDied:
            self._recover("the runtime crashed")
            return
        for event in events:
            self._on_event(event)

    def _on_event(self, event: Event) -> None:
        kind, payload = event
        job = self._job
        if kind == "O":
            self._write(self._cook(payload))
            if job is not None and job.kind == "keys":
                job.tail = (job.tail + payload)[-128:]
                if rawrepl.PASTE_MODE_PROMPT in job.tail:
                    self._repl.friendly_paste = True
                    job.tail = b""
        elif kind == "E" and job is not None:
            name, text = split_nul(payload)
            job.error = (name, text.decode("utf-8", "replace"))
        elif kind == "D" and job is not None:
            self._job = None
            self._finish(job, payload)
        elif kind == "F":
            path, data = split_nul(payload)
            if self.fs.tracked(normalize(path)):
                self.fs.write_file(path, data)
            else:
                self.side_files[normalize(path)] = data
                if self.on_side_file is not None:
                    self.on_side_file(normalize(path), data)
        elif kind == "M":
            self.fs.mkdir(payload.decode())
        elif kind == "U":
            self.fs.unlink(payload.decode())
        elif kind == "V":
            self.fs.rmdir(payload.decode())
        elif kind == "N":
            old, new = split_nul(payload)
            self.fs.rename(old, new.decode())

    def _finish(self, job: _Job, done: bytes) -> None:
        error = b""
        if job.error is not None and job.error[0] != "SystemExit":
            error = self._cook(_clean_traceback(job.error[1], job.kind == "boot").encode())
        if job.kind == "exec":
            self._write(b"\x04" + error + b"\x04>")
        elif job.kind == "keys":
            consumed, reset = int.from_bytes(done[:4], "little"), done[4]
            self._input[:0] = job.payload[consumed:]
            if reset:
                self._soft_reset()
        elif job.kind == "first":
            self.first_boot_error = job.error
            if error:
                self._write(error)
        elif error and job.kind == "boot":
            self._write(error)
        elif error:
            print(f"vdev: {job.kind} step failed: {job.error}", file=sys.stderr)

    def _watchdog(self) -> None:
        job = self._job
        if job is None:
            return
        now = time.monotonic()
        if job.interrupt_at is not None and now >= job.interrupt_at:
            self._recover("stopped by Ctrl-C")
        elif job.timeout_s is not None and now - job.started > job.timeout_s:
            self._recover(f"watchdog: ran over {job.timeout_s:g} s")

    def _recover(self, why: str) -> None:
        """Kill the runtime under a job that cannot finish; report it like a board would."""
        job = self._job
        kind = job.kind if job is not None else "setup"
        self._job = None
        report = (
            "Traceback (most recent call last):\r\n"
            f"KeyboardInterrupt: virtual device {why}; runtime restarted "
            "(files kept, variables lost)\r\n"
        ).encode()
        self._restart(boot=False)
        if kind == "exec":
            self._write(b"\x04" + report + b"\x04>")
            self._steps.pop()  # the exec's own ">" is the prompt
        elif kind == "keys":
            self._write(b"\r\n" + report)
        else:
            self._write(report)


def _clean_traceback(text: str, boot_script: bool) -> str:
    """Drop the shim's frames (and, for boot scripts, the line that ran them)."""
    hidden = [f'File "{SHIM_FILENAME}"'] + (['File "<stdin>"'] if boot_script else [])
    return "".join(line for line in text.splitlines(True) if not any(h in line for h in hidden))
