"""The REPL protocol of the virtual device: raw/raw-paste state machine and the pty.

The state machine is checked alone (bytes in, actions out); the friendly REPL,
soft reset and Ctrl-C are checked through the pty the way a terminal would type.
"""

from __future__ import annotations

import os
import select
import struct
import time
import tty
from collections.abc import Iterator

import pytest

from host_tools.vdev import rawrepl
from host_tools.vdev.bridge import VirtualDevice


def feed(state: rawrepl.ReplState, data: bytes) -> list[rawrepl.Action]:
    pending = bytearray(data)
    actions: list[rawrepl.Action] = []
    while pending:
        step = state.step(pending)
        assert step, f"stuck on {bytes(pending)!r}"
        actions += step
    return actions


def raw_state() -> rawrepl.ReplState:
    state = rawrepl.ReplState()
    assert feed(state, b"\x01") == [rawrepl.Write(b"\r\n" + rawrepl.RAW_BANNER + b">")]
    return state


def test_raw_repl_acknowledges_code_with_ok_and_runs_it():
    state = raw_state()
    assert feed(state, b"print(1)\x04") == [rawrepl.Write(b"OK"), rawrepl.RunCode(b"print(1)")]


def test_ctrl_d_on_an_empty_raw_line_is_a_soft_reset():
    assert feed(raw_state(), b"\x04") == [rawrepl.Write(b"OK\r\n"), rawrepl.SoftReset()]


def test_ctrl_c_clears_the_raw_line():
    actions = feed(raw_state(), b"junk\x03x=1\x04")
    assert actions == [rawrepl.Write(b"OK"), rawrepl.RunCode(b"x=1")]


def test_raw_paste_grants_windows_and_acknowledges_the_end():
    state = raw_state()
    [header] = feed(state, b"\x05A\x01")
    assert header == rawrepl.Write(b"R\x01" + struct.pack("<H", rawrepl.PASTE_WINDOW))
    code = b"a" * (2 * rawrepl.PASTE_WINDOW + 10)
    actions = feed(state, code + b"\x04")
    grants = b"".join(a.data for a in actions if isinstance(a, rawrepl.Write))
    assert grants == b"\x01\x01\x04"  # one per window used up, then end-of-data
    assert actions[-1] == rawrepl.RunCode(code)


def test_unknown_raw_paste_command_is_refused():
    assert feed(raw_state(), b"\x05B\x01") == [rawrepl.Write(b"R\x00")]


def test_ctrl_b_leaves_the_raw_repl():
    state = raw_state()
    assert feed(state, b"\x02") == [rawrepl.StartFriendly()]
    assert not state.raw


class Terminal:
    """The pty as a person at a terminal sees it, with a deadline on every read."""

    def __init__(self, port: str) -> None:
        self.fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.pending = b""

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def read_until(self, ending: bytes, timeout: float = 20) -> bytes:
        """Everything up to and including `ending`; bytes read past it wait for the next call."""
        deadline = time.monotonic() + timeout
        while ending not in self.pending:
            left = deadline - time.monotonic()
            assert left > 0, f"no {ending!r} within {timeout} s; got {self.pending!r}"
            if select.select([self.fd], [], [], left)[0]:
                self.pending += os.read(self.fd, 65536)
        end = self.pending.index(ending) + len(ending)
        out, self.pending = self.pending[:end], self.pending[end:]
        return out


@pytest.fixture
def terminal() -> Iterator[tuple[VirtualDevice, Terminal]]:
    vd = VirtualDevice(
        files={
            "/boot.py": "print('boot.py ran')\n",
            "/main.py": "print('main.py ran', 6 * 7)\n",
        },
        interrupt_grace_s=0.5,
        boot_grace_s=0.5,
    )
    vd.start()
    term = Terminal(vd.port)
    try:
        yield vd, term
    finally:
        os.close(term.fd)
        vd.stop()


def test_friendly_repl_echoes_prints_values_and_uses_crlf(terminal):
    _, term = terminal
    term.type(b"\r")
    term.read_until(b">>> ")
    term.type(b"print('a\\nb'); 6 * 7\r")
    # read up to the answer itself: a prompt still in flight from before (boot's, or
    # the one the first Enter gave) must not be taken for the answer's
    term.read_until(b"a\r\nb\r\n42\r\n>>> ")


def test_ctrl_d_soft_reset_runs_boot_py_then_main_py(terminal):
    _, term = terminal
    term.type(b"\x04")
    # a loaded machine may still deliver the start-up's own boot.py/main.py lines
    # first: the reset's are the ones after its banner
    term.read_until(b"MPY: soft reboot\r\n")
    assert term.read_until(b"main.py ran 42\r\n") == b"boot.py ran\r\nmain.py ran 42\r\n"
    term.read_until(b">>> ")


def test_ctrl_c_stops_an_endless_loop_and_files_survive(terminal):
    vd, term = terminal
    term.type(b"f = open('kept', 'w'); f.write('yes'); f.close()\r")
    term.read_until(b">>> ")
    term.type(b"exec('while True: pass')\r")
    term.read_until(b"pass')")
    term.type(b"\x03")
    assert b"KeyboardInterrupt" in term.read_until(b">>> ")
    term.type(b"print(open('kept').read())\r")
    term.read_until(b"yes\r\n>>> ")
    assert vd.fs.files["/kept"] == b"yes"


def test_endless_main_py_gives_way_to_ctrl_c():
    # start() waits for boot to finish, here only ready_timeout_s: main.py never ends.
    vd = VirtualDevice(
        files={"/main.py": "while True:\n    pass\n"}, boot_grace_s=0.5, ready_timeout_s=0.5
    )
    vd.start()
    term = Terminal(vd.port)
    try:
        term.type(b"\x03")
        out = term.read_until(b">>> ")
        assert b"KeyboardInterrupt" in out
        term.type(b"6 * 7\r")
        term.read_until(b"42\r\n>>> ")
    finally:
        os.close(term.fd)
        vd.stop()
