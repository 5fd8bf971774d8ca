"""Where the project's parts live, for tools run from a checkout (editable install), and
the user's files as the commands read them: errors are one sentence, exit 2."""

from pathlib import Path

from host_tools.errors import UsageError

REPO = Path(__file__).resolve().parent.parent
FIRMWARE = REPO / "firmware"
FIRMWARE_LIB = FIRMWARE / "lib"
BOARDS = REPO / "boards"
NODE_MODULES = REPO / "node_modules"
PLANS = REPO / "host_tools" / "plans"  # the bundled workout plans
IPOL_DATA = REPO.parent / "shared" / "data" / "ipol-gait"  # real walking, beside the project


def bundled_or_file(spec: str | Path, folder: Path, what: str) -> Path:
    """A file's path, or the name of one bundled in ``folder`` (``intro`` for a plan)."""
    text = str(spec)
    path = Path(text)
    if path.suffix == ".json" or "/" in text or path.exists():
        if not path.is_file():
            raise UsageError(f"cannot read {what} {text}: no such file.")
        return path
    bundled = folder / f"{text}.json"
    if not bundled.is_file():
        names = ", ".join(sorted(p.stem for p in folder.glob("*.json")))
        raise UsageError(
            f"unknown {what} {text!r}: use one of {names} or the path of a {what} file."
        )
    return bundled


def read_text(path: Path, what: str) -> str:
    """A user's text file, as UTF-8 (a byte-order mark, as Windows editors write, dropped)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror or e}.") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"{path} is not UTF-8 text.") from e
