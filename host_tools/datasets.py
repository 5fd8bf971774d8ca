"""Simulated tuning and held-out sets that never share a seed, runner or mounting.

Why: the classifier must be tuned on one set of simulated runners and judged
on others (issue #3 targets "other seeds, runners and mountings than you tuned
on"). Each split draws from its own seed range, so no runner (drawn from the
seed) and no mounting (drawn from the seed) is shared; the held-out split also
uses uniformly random mountings far more often than the tuning split.

    python -m host_tools.datasets tune OUTDIR [--count N] [--minutes M]
    python -m host_tools.datasets heldout OUTDIR [--count N] [--minutes M]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from host_tools.simulate import Options, simulate

SPLITS = {"tune": 10_000, "heldout": 900_000}  # first seed of each split
_UNIFORM_MOUNT_P = {"tune": 0.1, "heldout": 0.6}
_KINDS = (
    ("run", "forward"),
    ("run", "backward"),
    ("run", "mixed"),
    ("walk", "forward"),
    ("walk", "backward"),
    ("walk", "mixed"),
)


@dataclass(frozen=True)
class Item:
    """One trace of a split: its file name and the options that make it."""

    name: str
    options: Options


def items(split: str, count: int = 12, minutes: float = 2.0) -> list[Item]:
    """The traces of ``split``: every gait/direction in turn, some accelerometer-only,
    with a +-8 g accelerometer range, or with dropouts."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    out: list[Item] = []
    for i in range(count):
        seed = SPLITS[split] + i
        gait, direction = _KINDS[i % len(_KINDS)]
        opts = Options(
            seed=seed,
            gait=gait,
            direction=direction,
            minutes=minutes,
            acc_only=i % 4 == 3,
            range_g=8.0 if i % 5 == 4 else 16.0,
            dropouts=i % 7 == 6,
            uniform_mount_p=_UNIFORM_MOUNT_P[split],
        )
        suffix = "_acc" if opts.acc_only else ""
        out.append(Item(f"{split}-{seed}-{gait}-{direction}{suffix}.csv", opts))
    return out


def write(split: str, out_dir: Path, count: int = 12, minutes: float = 2.0) -> list[Path]:
    """Write the split's traces into ``out_dir`` (created if needed); returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in items(split, count, minutes):
        path = out_dir / item.name
        with path.open("w", encoding="utf-8", newline="\n") as f:
            simulate(item.options, f)
        paths.append(path)
    return paths


def with_minutes(item: Item, minutes: float) -> Item:
    """The same trace, shorter or longer (for fast tests)."""
    return Item(item.name, replace(item.options, minutes=minutes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m host_tools.datasets", description=__doc__)
    parser.add_argument("split", choices=sorted(SPLITS))
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=2.0)
    args = parser.parse_args(argv)
    for path in write(args.split, args.out_dir, args.count, args.minutes):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
