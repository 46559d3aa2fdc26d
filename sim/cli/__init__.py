"""Command line: `python -m sim COMMAND ...` (also installed as `engage`).

Each command lives in its own module in this folder with `add_parser(subparsers)` and
`main(args) -> int`. Bad input ends with one line on stderr and exit code 2; Ctrl-C with 130.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys

from ..errors import InputError, UsageError

__all__ = ["COMMANDS", "UsageError", "build_parser", "main", "program"]

COMMANDS = ("run", "validate", "describe", "compare", "sweep", "analyze", "calibrate", "app", "validate_model",
            "bench")


def program_name() -> str:
    """`python -m sim`, or the name of the installed console script (`engage`) when run through it."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m sim" if name in ("", "__main__.py", "-c") or name.endswith(".py") else name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=program_name(),
                                     description="Customer engagement: an agent-based model on Mesa. "
                                                 "`python -m sim` and the installed `engage` are the same command.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"sim.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"sim.cli.{name}":
                continue
            raise
        module.add_parser(subparsers)
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from .. import kernels  # noqa: F401  (reads SIM_THREADED_FROM: a bad value is refused here, not in a worker)

        return int(args.handler(args) or 0)
    except (InputError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:  # a dependency missing from a partial install: say how to get it
        if error.name is None or error.name.split(".")[0] == "sim":
            raise
        print(f"error: this command needs the Python package '{error.name.split('.')[0]}', which is not installed; "
              "install every command's dependencies with: pip install -e . (from the project's folder)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def program() -> None:
    """The program itself (`python -m sim`, `engage`): `main`, then exit with its code.

    On the way out the interpreter collects garbage over every object it still holds, and with numba loaded
    that took 0.3-0.45 s after a command had finished (perf: gc_collect_main). Frozen objects are left out of
    those collections, so the command ends when its work does; the exit is otherwise the ordinary one (threads
    joined, atexit hooks run, streams flushed). Not in `main`, which tests call in their own process.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    program()
