"""Drive the real MicroPython runtime (WebAssembly port under Node) from CPython.

Tests, ``replay --runtime micropython`` and ``bench`` all run the firmware core
inside the interpreter the device runs, not a CPython imitation of it. One
:class:`MicroPython` is one Node process holding one MicroPython heap; the
firmware's ``lib/`` is copied into its filesystem at ``/lib``.
"""

from __future__ import annotations

import base64
import json
import selectors
import shutil
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

from host_tools.paths import FIRMWARE_LIB, NODE_MODULES, REPO

WORKER = Path(__file__).with_name("wasm") / "worker.mjs"
RUNTIME_PACKAGE = "@micropython/micropython-webassembly-pyscript"
NODE_HINT = (
    "Node.js 18 or newer is needed to run MicroPython on the host: "
    "install it (e.g. 'apt-get install nodejs npm' or https://nodejs.org) and run 'make' again."
)


class MicroPythonUnavailable(RuntimeError):
    """Node or the MicroPython WebAssembly package is missing."""


class MicroPythonError(RuntimeError):
    """Python code raised inside MicroPython; the message is its traceback."""


class MicroPython:
    """A MicroPython interpreter in a Node subprocess, spoken to in JSON lines."""

    def __init__(
        self,
        mounts: dict[Path, str] | None = None,
        heap_bytes: int = 512 * 1024,
        timeout_s: float = 60.0,
    ) -> None:
        node = shutil.which("node")
        if node is None:
            raise MicroPythonUnavailable(NODE_HINT)
        if not (NODE_MODULES / RUNTIME_PACKAGE).is_dir():
            raise MicroPythonUnavailable(
                f"{RUNTIME_PACKAGE} is not installed in {NODE_MODULES}: run 'make deps'."
            )
        self.timeout_s = timeout_s
        args = [node, str(WORKER), "--heap", str(heap_bytes)]
        if mounts is None:
            mounts = {FIRMWARE_LIB: "/lib"}
        for host_dir, mp_dir in mounts.items():
            args += ["--mount", f"{host_dir}:{mp_dir}"]
        self._proc = subprocess.Popen(
            args,
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._sel = selectors.DefaultSelector()
        assert self._proc.stdout is not None
        self._sel.register(self._proc.stdout, selectors.EVENT_READ)
        ready = self._read_reply()
        if not ready.get("ready"):
            raise MicroPythonUnavailable(f"MicroPython worker did not start: {ready}")

    def __enter__(self) -> MicroPython:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the Node process (it has no Ctrl-C; killing is the only stop)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        self._sel.close()

    def _read_reply(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        if not self._sel.select(self.timeout_s):
            self.close()
            raise MicroPythonError(
                f"no answer from MicroPython within {self.timeout_s:g} s (endless loop?)"
            )
        line = self._proc.stdout.readline()
        if not line:
            err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
            raise MicroPythonUnavailable(f"MicroPython worker exited: {err.strip()[-2000:]}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _request(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(req).encode() + b"\n")
        self._proc.stdin.flush()
        return self._read_reply()

    def exec(self, code: str) -> str:
        """Run ``code`` at MicroPython's top level; return what it printed."""
        reply = self._request({"exec": code})
        if not reply["ok"]:
            raise MicroPythonError(reply["out"] + reply["error"])
        out: str = reply["out"]
        return out

    def write_file(self, path: str, data: str | bytes) -> None:
        """Create or replace a file in the runtime's filesystem."""
        if isinstance(data, bytes):
            reply = self._request({"write": path, "b64": base64.b64encode(data).decode()})
        else:
            reply = self._request({"write": path, "data": data})
        if not reply["ok"]:
            raise MicroPythonError(reply["error"])

    def call(self, module: str, function: str, *args: Any) -> Any:
        """``module.function(*args)`` inside MicroPython, arguments and result as JSON."""
        payload = json.dumps(list(args))
        out = self.exec(
            f"import json as _j, {module} as _m\n"
            f"print('\\x02' + _j.dumps(_m.{function}(*_j.loads({payload!r}))))\n"
        )
        return json.loads(out[out.rindex("\x02") + 1 :])
