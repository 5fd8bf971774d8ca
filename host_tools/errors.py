"""The two ways a command ends badly, mapped to exit codes by ``host_tools.cli``."""


class UsageError(Exception):
    """Bad input from the user (a file, an option, a name): exit status 2."""


class CommandFailed(Exception):
    """The command could not do its job (device, disk, tool): exit status 1."""
