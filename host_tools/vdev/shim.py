"""MicroPython code the bridge runs in each fresh runtime to make it look like an ESP32.

The WebAssembly build raises OSError with Emscripten's (WASI) errno numbers
(ENOENT 44, EEXIST 20) and its ``os.ilistdir`` yields 3-tuples; an ESP32 raises the
Linux numbers that MicroPython's own ``errno`` module already uses here (2, 17) and
yields ``(name, type, inode, size)``. The shim wraps ``open`` and the ``os`` file
functions accordingly and hides Emscripten's ``/dev`` and ``/proc``. It is compiled
as ``<vdev>`` so the bridge can drop its frames from tracebacks.
"""

from __future__ import annotations

# Emscripten/WASI errno -> Linux (ESP32) errno, from wasi's errno list and Linux's.
WASI_TO_LINUX = {
    63: 1,  # EPERM
    44: 2,  # ENOENT
    71: 3,  # ESRCH
    27: 4,  # EINTR
    29: 5,  # EIO
    60: 6,  # ENXIO
    1: 7,  # E2BIG
    45: 8,  # ENOEXEC
    8: 9,  # EBADF
    12: 10,  # ECHILD
    6: 11,  # EAGAIN
    48: 12,  # ENOMEM
    2: 13,  # EACCES
    21: 14,  # EFAULT
    10: 16,  # EBUSY
    20: 17,  # EEXIST
    75: 18,  # EXDEV
    43: 19,  # ENODEV
    54: 20,  # ENOTDIR
    31: 21,  # EISDIR
    28: 22,  # EINVAL
    41: 23,  # ENFILE
    33: 24,  # EMFILE
    59: 25,  # ENOTTY
    74: 26,  # ETXTBSY
    22: 27,  # EFBIG
    51: 28,  # ENOSPC
    70: 29,  # ESPIPE
    69: 30,  # EROFS
    34: 31,  # EMLINK
    64: 32,  # EPIPE
    18: 33,  # EDOM
    68: 34,  # ERANGE
    37: 36,  # ENAMETOOLONG
    52: 38,  # ENOSYS
    55: 39,  # ENOTEMPTY
    32: 40,  # ELOOP
    58: 95,  # ENOTSUP / EOPNOTSUPP
    73: 110,  # ETIMEDOUT
}

SHIM_FILENAME = "<vdev>"

_SHIM = """\
def _vdev_shim(table, hidden, extra_path):
    import builtins, io, os, sys

    def wrap(f):
        def call(*args, **kwargs):
            try:
                return f(*args, **kwargs)
            except OSError as e:
                n = e.args[0] if e.args else None
                if n in table:
                    raise OSError(table[n])
                raise

        return call

    for name in ("stat", "statvfs", "mkdir", "rmdir", "remove", "unlink", "rename", "chdir"):
        if hasattr(os, name):
            setattr(os, name, wrap(getattr(os, name)))
    builtins.open = io.open = wrap(builtins.open)
    raw_ilistdir = wrap(os.ilistdir)
    stat = os.stat
    # The ESP32's VFS resolves "" to the current directory (mpremote's "cp -r dir :" needs it).
    os.stat = lambda path: stat(path or ".")

    def ilistdir(path="."):
        path = path or "."
        at_root = path == "/" or (path == "." and os.getcwd() == "/")
        entries = raw_ilistdir(path)
        base = path if path.endswith("/") else path + "/"

        def sized():
            for entry in entries:
                name, kind = entry[0], entry[1]
                if at_root and name in hidden:
                    continue
                size = stat(base + name)[6] if kind & 0x8000 else 0
                yield (name, kind, entry[2], size)

        return sized()

    os.ilistdir = ilistdir
    os.listdir = lambda path=".": [e[0] for e in ilistdir(path)]
    for i, p in enumerate(extra_path):
        if p not in sys.path:
            sys.path.insert(1 + i, p)


_vdev_shim({table!r}, {hidden!r}, {extra_path!r})
del _vdev_shim
"""


def shim_code(extra_path: list[str]) -> str:
    """Code (run once per fresh runtime) installing the shim and the extra sys.path."""
    source = _SHIM.format(table=WASI_TO_LINUX, hidden=("dev", "proc"), extra_path=extra_path)
    return f"exec(compile({source!r}, {SHIM_FILENAME!r}, 'exec'))\n"


def run_file_code(path: str) -> str:
    """Code running a boot script like the firmware does: in ``__main__``, if it exists."""
    return (
        "import os as _o\n"
        "try:\n"
        f" _o.stat({path!r})\n"
        "except OSError:\n"
        " pass\n"
        "else:\n"
        f" exec(compile(open({path!r}).read(), {path!r}, 'exec'))\n"
        "del _o\n"
    )
