"""The virtual device's filesystem, kept on the host side of the bridge.

The WebAssembly interpreter holds its files in memory and has to be killed when code
runs away (nothing can interrupt a loop inside WebAssembly), so the bridge keeps its
own copy, fed by the worker's journal (a file's content when it is closed after
writing, mkdir, unlink, rmdir, rename). A fresh runtime is loaded from this copy.
With a host directory, every change is written through to it at once, so tests can
pre-load files (``/logs/*.bin``) and see what mpremote changed, even after a crash.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path

# Emscripten's own directories: not part of the device's filesystem.
SYSTEM_DIRS = ("/dev", "/proc", "/tmp", "/home")


def normalize(path: str) -> str:
    """A device path in one canonical absolute form ('/logs/a.bin', '/')."""
    clean = posixpath.normpath("/" + path.lstrip("/"))
    return "/" + clean.lstrip("/")


def is_under(path: str, top: str) -> bool:
    return top == "/" or path == top or path.startswith(top + "/")


class FsMirror:
    """Files and directories of the device, optionally written through to ``host_dir``."""

    def __init__(self, host_dir: Path | None = None, excluded: tuple[str, ...] = ()) -> None:
        self.host_dir = host_dir
        self.excluded = SYSTEM_DIRS + tuple(normalize(p) for p in excluded)
        self.files: dict[str, bytes] = {}
        self.dirs: set[str] = set()
        if host_dir is not None:
            host_dir.mkdir(parents=True, exist_ok=True)
            self._load(host_dir)

    def _load(self, host_dir: Path) -> None:
        for root, dirnames, filenames in os.walk(host_dir):
            rel = Path(root).relative_to(host_dir).as_posix()
            base = normalize(rel)
            for name in dirnames:
                self.dirs.add(normalize(f"{base}/{name}"))
            for name in filenames:
                self.files[normalize(f"{base}/{name}")] = (Path(root) / name).read_bytes()

    def tracked(self, path: str) -> bool:
        return path != "/" and not any(is_under(path, top) for top in self.excluded)

    def _host(self, path: str) -> Path | None:
        return None if self.host_dir is None else self.host_dir / path.lstrip("/")

    def _parents(self, path: str) -> None:
        parent = posixpath.dirname(path)
        while parent != "/" and parent not in self.dirs:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def write_file(self, path: str, data: bytes) -> None:
        path = normalize(path)
        if not self.tracked(path):
            return
        self._parents(path)
        self.files[path] = data
        host = self._host(path)
        if host is not None:
            host.parent.mkdir(parents=True, exist_ok=True)
            host.write_bytes(data)

    def mkdir(self, path: str) -> None:
        path = normalize(path)
        if not self.tracked(path):
            return
        self._parents(path)
        self.dirs.add(path)
        host = self._host(path)
        if host is not None:
            host.mkdir(parents=True, exist_ok=True)

    def unlink(self, path: str) -> None:
        path = normalize(path)
        self.files.pop(path, None)
        host = self._host(path)
        if host is not None and self.tracked(path):
            host.unlink(missing_ok=True)

    def rmdir(self, path: str) -> None:
        path = normalize(path)
        self.dirs.discard(path)
        host = self._host(path)
        if host is not None and self.tracked(path) and host.is_dir():
            shutil.rmtree(host)

    def rename(self, old: str, new: str) -> None:
        old, new = normalize(old), normalize(new)
        if not (self.tracked(old) and self.tracked(new)):
            return

        def moved(p: str) -> str:
            return new + p[len(old) :]

        kept = {p: d for p, d in self.files.items() if not is_under(p, new)}
        self.files = {moved(p) if is_under(p, old) else p: d for p, d in kept.items()}
        self.dirs = {moved(p) if is_under(p, old) else p for p in self.dirs}
        self._parents(new)
        host_old, host_new = self._host(old), self._host(new)
        if host_old is not None and host_new is not None and host_old.exists():
            host_new.parent.mkdir(parents=True, exist_ok=True)
            os.replace(host_old, host_new)
