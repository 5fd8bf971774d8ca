"""``make demo``: a whole session without hardware, through the real tools.

1. ``retrostride simulate`` writes a runner following the intro plan;
2. ``retrostride vdev --trace`` runs the real firmware over it on the virtual
   device (real MicroPython, fake ``machine``, chip fake fed from the trace),
   leaving the session log in the device's ``/logs/``, then serves mpremote;
3. ``retrostride sync`` copies the log from it into a demo database;
4. ``retrostride report`` and ``retrostride export`` (FIT, TCX, CSV) run on the
   stored session; the last line says where the report is.

Each step is the real command run as a subprocess; one that fails stops the
demo with its own message (nothing is faked or skipped). With a board plugged in
(found by USB id) the demo says so and still uses the virtual device: a real
session needs a runner.
"""

from __future__ import annotations

import json
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from host_tools.boards import DEMO_BOARD
from host_tools.errors import CommandFailed
from host_tools.paths import PLANS, REPO

OUT = REPO / "out" / "demo"
PLAN = PLANS / "intro.json"
EXPORTS = ("fit", "tcx", "csv")


def _retrostride() -> list[str]:
    script = Path(sys.executable).parent / "retrostride"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "host_tools.cli"]


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def step(name: str, *args: str, timeout: float = 900) -> str:
    """Run one ``retrostride`` command; its stderr shows through; fail loudly."""
    say(f"{name}: retrostride {' '.join(args)}")
    try:
        result = subprocess.run(
            [*_retrostride(), *args],
            stdout=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"demo step '{name}' did not finish in {timeout:g} s.") from None
    if result.returncode != 0:
        raise CommandFailed(
            f"demo step '{name}' failed (exit {result.returncode}); see its message above."
        )
    return result.stdout


def plugged_board() -> str | None:
    try:
        from host_tools.flash import find_port

        return find_port()
    except Exception:  # no board, several boards, or no serial support: the vdev it is
        return None


class VdevProcess:
    """``retrostride vdev --trace`` as a subprocess: runs the trace, then serves a port."""

    def __init__(self, trace: Path, fs_dir: Path, timeout_s: float = 900) -> None:
        args = ["vdev", "--board", DEMO_BOARD, "--plan", str(PLAN), "--trace", str(trace)]
        args += ["--fs-dir", str(fs_dir)]
        say(f"virtual device: retrostride {' '.join(args)}")
        self.proc = subprocess.Popen([*_retrostride(), *args], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        started = time.monotonic()
        if not select.select([self.proc.stdout], [], [], timeout_s)[0]:
            self.stop()
            raise CommandFailed(
                f"the virtual device did not finish the session in {timeout_s:g} s."
            )
        self.port = self.proc.stdout.readline().strip()
        if not self.port.startswith("/"):
            self.stop()
            raise CommandFailed(
                "the virtual device did not start (no port on its first line); "
                "see its message above."
            )
        say(
            f"virtual device ran the session in {time.monotonic() - started:.0f} s, "
            f"serving on {self.port}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run(out: Path = OUT, seed: int = 1, minutes: float | None = None) -> Path:
    """The whole demo; returns the report page."""
    port = plugged_board()
    if port is not None:
        say(f"a board is plugged in at {port}; this demo still uses the virtual device.")
    else:
        say("no board plugged in: using the virtual device.")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    trace = out / "intro-trace.csv"
    db = out / "demo.db"
    sim = ["simulate", "--plan", str(PLAN), "--direction", "mixed", "--seed", str(seed)]
    sim += ["--out", str(trace)]
    if minutes is not None:
        sim += ["--minutes", f"{minutes:g}"]
    step("simulate a runner on the intro plan", *sim)

    vdev = VdevProcess(trace, out / "device")
    try:
        step(
            "sync the session from the virtual device", "sync", "--port", vdev.port, "--db", str(db)
        )
    finally:
        vdev.stop()
    left = sorted(p.name for p in (out / "device" / "logs").glob("*.rsl"))
    say("device logs after sync: " + (", ".join(left) if left else "none (all stored)"))

    sessions = json.loads(step("list stored sessions", "sessions", "--db", str(db), "--json"))
    if not sessions:
        raise CommandFailed("sync stored no session from the virtual device.")
    session = str(sessions[-1]["id"])
    report_dir = out / "report"
    printed = step("report", "report", session, "--db", str(db), "--out", str(report_dir)).strip()
    print(printed, flush=True)
    for fmt in EXPORTS:
        target = out / f"session.{fmt}"
        step(
            f"export {fmt}",
            "export",
            session,
            "--format",
            fmt,
            "--db",
            str(db),
            "--out",
            str(target),
        )
        if not target.is_file() or target.stat().st_size == 0:
            raise CommandFailed(f"export to {fmt} wrote nothing at {target}.")
    page = Path(printed.splitlines()[-1].split()[-1]) if printed else report_dir
    if not page.exists():
        candidates = sorted(report_dir.glob("*.html"))
        if not candidates:
            raise CommandFailed(f"the report wrote no HTML page under {report_dir}.")
        page = candidates[0]
    say("exports: " + ", ".join(str(out / f"session.{f}") for f in EXPORTS))
    say(f"the report is at {page.resolve()}")
    return page
