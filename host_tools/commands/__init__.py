"""One module per ``retrostride`` sub-command; each exposes ``register(subparsers)``.

``COMMANDS`` lists module names; a module registers its own command name
(``eval_cmd`` registers ``eval``, so no module shadows a builtin).

A module's ``register`` adds its parser and sets ``handler`` to a function
``(args) -> int`` that raises :class:`host_tools.errors.UsageError` (exit 2) or
:class:`host_tools.errors.CommandFailed` (exit 1) with one clear sentence.
"""

COMMANDS: tuple[str, ...] = (
    "replay",
    "eval_cmd",
    "vdev",
    "flash",
    "report",
    "export",
    "simulate",
    "import_cmd",
    "sessions",
    "events_cmd",
    "sync",
    "plan",
    "deploy",
    "demo",
    "bench",
)
