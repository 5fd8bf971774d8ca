"""The virtual device's run over a trace (MicroPython, runs inside the device's runtime).

``retrostride vdev --trace`` runs :func:`run` once, at the first boot: the real
``app.App`` is built from ``/board.json`` and ``/plan.json`` over the fake
``machine`` (whose I2C bus answers with a register-level chip fake), and the
trace's rows are pushed into the chip's FIFO while a simulated clock -- the
trace's own ``t_ms`` -- drives ``App.pump`` and ``App.tick`` every few samples,
as the asyncio tasks do on a board. The session starts at the trace's
``t_ms = 0`` (as ``replay --plan`` does) and ends after its last row, so its
log lands in ``/logs/``.

What the app saw: with ``delivered`` set, every sample the IMU driver handed to
the session (after the chip's raw counts and the driver's scaling and axis
mapping) is written there as a retrostride trace. Replaying that file under
CPython must give exactly the events of the log (the determinism test): the
chip's quantisation is part of the device, so equality is defined on what the
chip delivered.
"""

import time

import app
import machine

from retrostride.session import FIELDS
from retrostride.trace import Trace, iter_rows, on_grid

_BURST = 4  # samples per pump, as the app's pump task reads at 100 Hz


def _chip_for(board):
    """The register-level fake of the board's IMU, attached to the fake I2C bus."""
    imu = board["imu"]
    mod = __import__("fake_" + imu["kind"])
    cls = None
    for name in dir(mod):
        if name.startswith("Fake"):
            cls = getattr(mod, name)
    if cls is None:
        raise ValueError("no chip fake for IMU kind " + imu["kind"])
    addr = imu.get("addr")
    chip = cls(addr) if addr is not None else cls()
    machine.attach_i2c(chip)
    return chip


def _z(v):
    """A missing reading (nan in the trace) reaches no chip: it reads 0."""
    return 0 if v is None else v


def _milli(v):
    """An int thousandth as decimal text (the trace's units: m/s^2, rad/s)."""
    s = "-" if v < 0 else ""
    v = -v if v < 0 else v
    return s + str(v // 1000) + "." + ("00" + str(v % 1000))[-3:]


class Recorder:
    """Writes each delivered sample as a trace row (simulation only: allocates)."""

    def __init__(self, path, rate_hz, gyro):
        self.f = open(path, "w")  # noqa: SIM115 (closed by close())
        self.gyro = gyro
        self.f.write("# retrostride-trace v1\n# rate_hz: " + str(rate_hz) + "\n")
        self.f.write("# source: virtual device, as delivered by the IMU driver\n")
        self.f.write("t_ms,ax,ay,az,gx,gy,gz\n" if gyro else "t_ms,ax,ay,az\n")
        self.n = 0

    def add(self, buf, j):
        """The sample at ``buf[j:j + FIELDS]``, as ``Session.feed`` reads it."""
        row = [str(buf[j])] + [_milli(buf[j + k]) for k in range(1, FIELDS if self.gyro else 4)]
        self.f.write(",".join(row) + "\n")
        self.n += 1

    def close(self):
        self.f.close()


def run(trace_path, realtime=False, delivered=None, report=None, progress=None, clock=None):
    """Run the app over the trace; returns a dict of what happened (also printed).

    ``progress``: a file rewritten with the trace time reached, each simulated minute
    (the host shows it: a long session takes minutes to run). ``clock``: the RTC as the
    host's deploy left it (``machine.RTC().datetime`` fields), None for a board never
    connected since it lost power.
    """
    if clock is not None:
        machine.RTC().datetime(clock)
    board = app.read_board()
    app.hold_power(board)  # as main() boots a board
    chip = _chip_for(board)
    a = app.App(board, app.read_text(app.PLAN_FILE))
    rec = None
    if delivered:
        rec = Recorder(delivered, a.rate_hz, a.has_gyro)
        a.tap = rec.add
    started = time.ticks_ms()
    a.start_session(0)
    trace = Trace(trace_path)
    rate = a.rate_hz
    st = {"rows": 0, "pushed": 0, "t": 0, "minute": 0}

    def push(t, row):
        chip.push(_z(row[1]), _z(row[2]), _z(row[3]), _z(row[4]), _z(row[5]), _z(row[6]))
        st["pushed"] += 1
        if st["pushed"] % _BURST == 0:
            if realtime:
                while time.ticks_diff(time.ticks_ms(), started) < t:
                    time.sleep_ms(5)
            a.pump(t)
            a.tick(t)
            if progress and t // 60000 != st["minute"]:
                st["minute"] = t // 60000
                with open(progress, "w") as p:
                    p.write(str(t))

    # A trace at the chip's own rate goes in row for row. At another rate (an
    # LSM6DS3 runs at 104 Hz) the chip samples the recorded motion on its own grid.
    def read(f):
        for row in iter_rows(trace, f):
            st["rows"] += 1
            st["t"] = row[0]
            yield row

    with open(trace_path) as f:
        for _ in iter_rows(trace, f):
            break  # the metadata lies above the first row
    with open(trace_path) as f:
        recorded = read(f)
        for row in recorded if trace.nominal_hz == rate else on_grid(recorded, rate):
            push(row[0], row)
    rows = st["rows"]
    t = st["t"]
    while a.pump(t):  # whatever is still in the FIFO
        pass
    a.tick(t)
    a.stop_session()
    if rec is not None:
        rec.close()
    out = {
        "rows": rows,
        "samples": a._k,
        "events": a.events,
        "log": a.log_path,
        "plan": a.plan.get("name"),
        "plan_problem": a.plan_problem,
        "wall_ms": time.ticks_diff(time.ticks_ms(), started),
    }
    if report:
        import json

        with open(report, "w") as f:
            json.dump(out, f)
    return out
