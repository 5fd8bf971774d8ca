"""The virtual device driven by the real, unmodified mpremote CLI and its SerialTransport.

Every call has a deadline (subprocess timeouts, serial timeouts, thread joins), so a
silent device fails a test instead of hanging the run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mpremote.transport_serial import SerialTransport

from host_tools.vdev.bridge import VirtualDevice

MPREMOTE = Path(sys.executable).parent / "mpremote"
BOOT = "f = open('boots', 'a')\nf.write('b')\nf.close()\nprint('boot.py ran')\n"
MAIN = "f = open('mains', 'a')\nf.write('m')\nf.close()\n"


def mpremote(port: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MPREMOTE), "connect", port, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(port: str, *args: str) -> str:
    result = mpremote(port, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a thread and fail (instead of hanging) if it has not returned in time."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:
            box["error"] = e

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"no answer from the virtual device within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualDevice]:
    fs_dir = tmp_path_factory.mktemp("vdev-fs")
    vd = VirtualDevice(
        fs_dir=fs_dir,
        files={"/boot.py": BOOT, "/main.py": MAIN},
        command_timeout_s=3,
        interrupt_grace_s=0.5,
    )
    vd.start()
    try:
        yield vd
    finally:
        vd.stop()


def test_ls_lists_files_with_their_sizes(device):
    ok(device.port, "exec", "f=open('/sized.txt','w'); f.write('x'*1234); f.close()")
    listing = ok(device.port, "fs", "ls", "/")
    assert "1234 sized.txt" in listing
    assert "dev/" not in listing and "proc/" not in listing  # Emscripten's own dirs hidden


def test_ilistdir_yields_esp32_four_tuples_with_sizes(device):
    ok(device.port, "exec", "import os\ntry:\n os.mkdir('/d')\nexcept OSError:\n pass")
    ok(device.port, "exec", "f=open('/d/a','wb'); f.write(bytes(300)); f.close()")
    out = ok(device.port, "exec", "import os; print(sorted(os.ilistdir('/d')))")
    assert out.strip() == "[('a', 32768, 0, 300)]"


def test_one_megabyte_copies_both_ways_byte_identical(device, tmp_path):
    data = os.urandom(1 << 20)
    src, back = tmp_path / "big.bin", tmp_path / "back.bin"
    src.write_bytes(data)
    ok(device.port, "fs", "cp", str(src), ":big.bin")
    assert device.fs.files["/big.bin"] == data
    ok(device.port, "fs", "cp", ":big.bin", str(back))
    assert back.read_bytes() == data
    digest = ok(device.port, "fs", "sha256sum", ":big.bin").split()[-1]
    assert digest == hashlib.sha256(data).hexdigest()


def test_rm_and_mkdir_change_the_device_and_the_host_mirror(device):
    host = device.fs.host_dir
    assert host is not None
    ok(device.port, "fs", "mkdir", ":logs2")
    ok(device.port, "exec", "f=open('/logs2/s1.bin','wb'); f.write(b'\\x01\\x02'); f.close()")
    assert (host / "logs2" / "s1.bin").read_bytes() == b"\x01\x02"
    ok(device.port, "fs", "rm", ":logs2/s1.bin")
    assert not (host / "logs2" / "s1.bin").exists()
    assert "logs2/" in ok(device.port, "fs", "ls", "/")


def test_missing_file_is_no_such_file_errno_2(device):
    result = mpremote(device.port, "fs", "cat", ":/nope")
    assert result.returncode == 1
    assert "No such file" in result.stderr
    out = ok(device.port, "exec", "try:\n open('/nope')\nexcept OSError as e:\n print(e.errno)")
    assert out.strip() == "2"
    mkdir = "import os\ntry:\n os.mkdir('/twice')\nexcept OSError as e:\n print(e)"
    ok(device.port, "exec", mkdir)
    out = ok(device.port, "exec", mkdir)
    assert out.strip() == "[Errno 17] EEXIST"


def test_exec_prints_and_eval_returns(device):
    assert ok(device.port, "exec", "for i in range(3): print(i)").splitlines() == ["0", "1", "2"]
    assert ok(device.port, "eval", "6 * 7").strip() == "42"


def test_soft_reset_runs_boot_py_and_resume_keeps_state(device):
    before = ok(device.port, "exec", "print(open('boots').read())").strip()
    ok(device.port, "soft-reset")
    after = ok(device.port, "exec", "print(open('boots').read())").strip()
    assert after == before + "bb"  # the soft-reset's boot.py and the exec's own reset
    ok(device.port, "exec", "kept = 'yes'")
    assert ok(device.port, "resume", "exec", "print(kept)").strip() == "yes"
    assert "NameError" in mpremote(device.port, "exec", "print(kept)").stdout


def test_runaway_exec_is_stopped_by_the_watchdog_and_files_survive(device):
    ok(device.port, "exec", "f=open('/keep.txt','w'); f.write('safe'); f.close()")
    restarts = device.restarts
    result = mpremote(device.port, "exec", "while True:\n pass", timeout=30)
    assert result.returncode == 1
    assert "watchdog" in result.stdout + result.stderr
    assert device.restarts > restarts
    assert ok(device.port, "exec", "print(open('/keep.txt').read())").strip() == "safe"


def test_serial_transport_api(device):
    def session() -> tuple[list[str], bytes, bytes]:
        transport = SerialTransport(device.port, timeout=5)
        try:
            transport.enter_raw_repl()
            transport.fs_mkdir("/api")
            transport.fs_writefile("/api/x.bin", b"\x00\xffhello" * 100)
            names = sorted(entry.name for entry in transport.fs_listdir("/api"))
            content = transport.fs_readfile("/api/x.bin")
            digest = transport.fs_hashfile("/api/x.bin", "sha256")
            transport.fs_rmfile("/api/x.bin")
            with pytest.raises(OSError) as missing:
                transport.fs_stat("/api/x.bin")
            assert missing.value.errno == 2
            transport.exit_raw_repl()
        finally:
            transport.close()
        return names, content, digest

    names, content, digest = within(60, session)
    assert names == ["x.bin"]
    assert content == b"\x00\xffhello" * 100
    assert digest == hashlib.sha256(content).digest()


def test_recursive_copy_into_the_root_keeps_the_folder(device, tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "m.py").write_text("X = 1\n")
    ok(device.port, "fs", "cp", "-r", str(tmp_path / "pkg"), ":")  # needs os.stat('') to work
    assert device.fs.files["/pkg/sub/m.py"] == b"X = 1\n"
    ok(device.port, "fs", "rm", "-r", ":pkg")
    assert "/pkg/sub/m.py" not in device.fs.files
