"""The device side of MicroPython's REPL protocol, as an ESP32 speaks it to mpremote.

The raw REPL and its raw-paste mode are played here, in CPython, rather than in the
WebAssembly REPL (whose raw-paste handshake hangs, and which cannot be interrupted):
this state machine turns the bytes mpremote sends into actions for the bridge
(write bytes, run code, pass keys to MicroPython's own friendly REPL, soft reset).
It follows ``shared/runtime/pyexec.c`` of MicroPython 1.27: Ctrl-A enters the raw
REPL, code ends with Ctrl-D and is acknowledged with ``OK``, Ctrl-D on an empty line
soft-resets, ``\\x05A\\x01`` asks for raw-paste with a flow-control window.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
PASTE_WINDOW = 4096
PASTE_MODE_PROMPT = b"paste mode; Ctrl-C to cancel, Ctrl-D to finish"


@dataclass(frozen=True)
class Write:
    data: bytes


@dataclass(frozen=True)
class RunCode:
    """Run code in the raw REPL; the bridge then writes ``\\x04 err \\x04 >``."""

    code: bytes


@dataclass(frozen=True)
class FriendlyKeys:
    """Keys for MicroPython's own friendly REPL (line editing, history, paste mode)."""

    keys: bytes


@dataclass(frozen=True)
class SoftReset:
    pass


@dataclass(frozen=True)
class StartFriendly:
    """Leave the raw REPL: the friendly REPL prints its banner and prompt."""


Action = Write | RunCode | FriendlyKeys | SoftReset | StartFriendly


class ReplState:
    """Consumes input bytes; each :meth:`step` returns the actions for a prefix of them."""

    def __init__(self) -> None:
        self.raw = False
        self.friendly_paste = False  # MicroPython's friendly REPL is in its paste mode
        self._line = bytearray()
        self._pasting = False
        self._paste = bytearray()
        self._window_left = PASTE_WINDOW

    def enter_raw(self) -> None:
        self.raw = True
        self._pasting = False
        self._line.clear()

    def step(self, pending: bytearray) -> list[Action]:
        """Consume a prefix of ``pending``; return what the bridge must do for it, in order.

        Stops after an action that needs the interpreter (run, keys, reset), so the
        bytes after it wait, as they would in a UART buffer.
        """
        if not pending:
            return []
        if not self.raw:
            return [self._friendly(pending)]
        if self._pasting:
            return self._paste_step(pending)
        return self._raw_step(pending)

    def _friendly(self, pending: bytearray) -> Action:
        if self.friendly_paste:
            # Only Ctrl-C and Ctrl-D end paste mode; send up to and including one.
            ends = [i for i in (pending.find(CTRL_C), pending.find(CTRL_D)) if i >= 0]
            cut = min(ends) + 1 if ends else len(pending)
            if ends:
                self.friendly_paste = False
            keys = bytes(pending[:cut])
            del pending[:cut]
            return FriendlyKeys(keys)
        at = pending.find(CTRL_A)
        if at == 0:
            del pending[:1]
            self.enter_raw()
            return Write(b"\r\n" + RAW_BANNER + b">")
        cut = len(pending) if at < 0 else at
        keys = bytes(pending[:cut])
        del pending[:cut]
        return FriendlyKeys(keys)

    def _raw_step(self, pending: bytearray) -> list[Action]:
        while pending:
            c = pending.pop(0)
            if c == CTRL_A:
                if len(self._line) == 2 and self._line[0] == CTRL_E:
                    return [self._start_paste()]
                self._line.clear()
                return [Write(RAW_BANNER + b">")]
            if c == CTRL_B:
                self.raw = False
                self._line.clear()
                return [StartFriendly()]
            if c == CTRL_C:
                self._line.clear()
            elif c == CTRL_D:
                code = bytes(self._line)
                self._line.clear()
                if not code:
                    return [Write(b"OK\r\n"), SoftReset()]
                return [Write(b"OK"), RunCode(code)]
            else:
                self._line.append(c)
        return []

    def _start_paste(self) -> Write:
        kind = self._line[1]
        self._line.clear()
        if kind != ord("A"):
            return Write(b"R\x00")
        self._pasting = True
        self._paste.clear()
        self._window_left = PASTE_WINDOW
        return Write(b"R\x01" + struct.pack("<H", PASTE_WINDOW))

    def _paste_step(self, pending: bytearray) -> list[Action]:
        actions: list[Action] = []
        acks = bytearray()
        while pending:
            c = pending.pop(0)
            if c in (CTRL_C, CTRL_D):
                self._pasting = False
                code = bytes(self._paste)
                self._paste.clear()
                if acks:
                    actions.append(Write(bytes(acks)))
                if c == CTRL_C:  # abandoned: acknowledge, then report KeyboardInterrupt
                    return [*actions, Write(b"\x04\x04" + KEYBOARD_INTERRUPT + b"\x04>")]
                return [*actions, Write(b"\x04"), RunCode(code)]
            self._paste.append(c)
            self._window_left -= 1
            if self._window_left == 0:  # window used up: the host may send another
                acks.append(CTRL_A)
                self._window_left = PASTE_WINDOW
        return [Write(bytes(acks))] if acks else []


KEYBOARD_INTERRUPT = b"Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n"
