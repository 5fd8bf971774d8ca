"""The ``retrostride`` command: one sub-command per job, errors as one sentence.

Every command follows shared/contracts/cli.md: bad input exits 2 and a failure
exits 1, each with one clear sentence on stderr and never a bare traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import version

from host_tools.commands import COMMANDS
from host_tools.errors import CommandFailed, UsageError


def build_parser() -> argparse.ArgumentParser:
    return _parsers()[0]


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command's parser and each sub-command's, by name."""
    parser = argparse.ArgumentParser(
        prog="retrostride",
        description="Host tools for RetroStride, the backward-running coach.",
    )
    parser.add_argument("--version", action="version", version=version("retrostride"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        import_module(f"host_tools.commands.{name}").register(sub)
    return parser, dict(sub.choices)


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = _parsers()
    args, extra = parser.parse_known_args(argv)
    if extra:  # said by the sub-command, with its own usage line
        commands.get(args.command or "", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        result: int = handler(args)
    except UsageError as e:
        print(f"retrostride {args.command}: {e}", file=sys.stderr)
        return 2
    except CommandFailed as e:
        print(f"retrostride {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"retrostride {args.command}: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped early (``| head``): end quietly, as a tool killed by
        # SIGPIPE would, and keep Python from complaining when it flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return result


if __name__ == "__main__":
    sys.exit(main())
