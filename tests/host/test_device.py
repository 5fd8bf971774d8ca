"""host_tools.device against the virtual device: the queries deploy and sync rely on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from host_tools.device import Device
from host_tools.errors import UsageError
from host_tools.vdev.bridge import VirtualDevice


@pytest.fixture(scope="module")
def port() -> Iterator[str]:
    files = {"/logs/a.bin": b"x" * 300, "/logs/b.bin": b"", "/notes.txt": "hi"}
    with VirtualDevice(files=files, command_timeout_s=30) as vdev:
        yield vdev.port


def test_lists_files_with_sizes_and_copes_with_a_missing_folder(port):
    with Device(port) as dev:
        assert dev.list_sizes("/logs") == {"a.bin": 300, "b.bin": 0}
        assert dev.list_sizes("/nothing") == {}


def test_hash_read_write_and_remove(port):
    data = bytes(range(256)) * 40
    with Device(port) as dev:
        assert dev.sha256("/nope.bin") is None
        dev.makedirs("/deep/er")
        dev.write("/deep/er/f.bin", data)
        assert dev.sha256("/deep/er/f.bin") == hashlib.sha256(data).digest()
        assert dev.read("/deep/er/f.bin") == data
        dev.remove("/deep/er/f.bin")
        assert dev.sha256("/deep/er/f.bin") is None


def test_reports_the_bytecode_version(port):
    with Device(port) as dev:
        assert dev.mpy_version() == (6, 3)


def test_a_missing_port_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no serial port"):
        Device(str(tmp_path / "ttyNOPE"))
