"""Errors about what a user gave us: each `str()` is the one line shown, and the command exits with 2."""


class InputError(ValueError):
    """Input that cannot be used: a file, a key, a value or a flag. The message names where and what was expected."""


class ScenarioError(InputError):
    """A scenario (or a file built on scenarios: policies, sweeps, targets) that cannot run."""


class UsageError(InputError):
    """A command-line flag or argument that cannot be used."""
