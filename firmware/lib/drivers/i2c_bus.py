"""A thin I2C wrapper every driver shares: retried transfers, counted errors, no raises.

A loose wire or a motor spike makes an ESP32 I2C transfer fail with ``OSError``
(ENODEV 19 for a NACK, ETIMEDOUT 116 for a stuck bus). A driver must not take the
app down for that: each call here retries the transfer up to ``retries`` extra
times at once (no sleep), counts every failed attempt in ``errors`` and every
given-up transfer in ``failures``, remembers the last errno in ``last_errno``,
and returns a status instead of raising. Only programming errors (a wrong
argument type) still raise.

API (shared with the haptics driver; keep it stable):

- ``read_into(addr, reg, buf, retries=-1) -> bool``  fill ``buf`` from register ``reg``
  (``retries`` >= 0 overrides the bus's count: a FIFO burst passes 0, because a
  transfer that failed part-way has already popped bytes a retry would not see)
- ``write(addr, reg, data) -> bool``     write ``data`` starting at ``reg``
- ``read_reg(addr, reg) -> int``         one byte, or -1 if the transfer failed
- ``write_reg(addr, reg, value) -> bool`` one byte
- ``probe(addr) -> bool``               is anything answering at ``addr``

The one-byte calls use buffers made once here, so steady-state use allocates
nothing (the error path allocates the exception, which is fine).
"""

_ENODEV = 19


class I2CBus:
    """Wraps a ``machine.I2C`` (or the fake one) with retries and error counters."""

    def __init__(self, i2c, retries=2):
        self.i2c = i2c
        self.retries = retries
        self.errors = 0  # failed attempts, retried or not
        self.failures = 0  # transfers given up after all retries
        self.last_errno = 0
        self._one = bytearray(1)

    def read_into(self, addr, reg, buf, retries=-1):
        tries = (self.retries if retries < 0 else retries) + 1
        while tries:
            try:
                self.i2c.readfrom_mem_into(addr, reg, buf)
                return True
            except OSError as e:
                self._count(e)
            tries -= 1
        self.failures += 1
        return False

    def write(self, addr, reg, data):
        tries = self.retries + 1
        while tries:
            try:
                self.i2c.writeto_mem(addr, reg, data)
                return True
            except OSError as e:
                self._count(e)
            tries -= 1
        self.failures += 1
        return False

    def read_reg(self, addr, reg):
        if self.read_into(addr, reg, self._one):
            return self._one[0]
        return -1

    def write_reg(self, addr, reg, value):
        self._one[0] = value & 0xFF
        return self.write(addr, reg, self._one)

    def probe(self, addr):
        """True if a device acknowledges ``addr`` (not retried, not counted as an error)."""
        try:
            self.i2c.readfrom_mem_into(addr, 0, self._one)
            return True
        except OSError as e:
            if e.args and e.args[0] == _ENODEV:
                return False
            self._count(e)
            return False

    def _count(self, e):
        self.errors += 1
        self.last_errno = e.args[0] if e.args else -1
