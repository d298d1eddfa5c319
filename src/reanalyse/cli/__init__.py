"""The `reanalyse` command line: a thin layer over documented Python functions.

Each subcommand lives in its own module under `reanalyse.cli` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed namespace and returning an
exit code. Bad input (:class:`reanalyse.errors.DataValidationError`) prints one line per problem on
stderr and exits with code 2, without a traceback; so do a file that cannot be read or written
(an :class:`OSError`: a read-only folder, a full disk, an unreachable scheduler) and a results
folder another run holds. Ctrl-C prints one line and exits with 130 (128 + SIGINT).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from reanalyse._version import __version__
from reanalyse.cli.project import add_project_option
from reanalyse.errors import DataValidationError
from reanalyse.io.lock import LockedError
from reanalyse.project import ProjectNotFoundError

__all__ = ["main"]

#: Subcommand modules, in the order ``reanalyse --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "bayes",
    "init",
    "nma",
    "pool",
    "priors",
    "report",
    "reproduce",
    "revman",
    "run",
)

EXIT_BAD_INPUT = 2
#: The shell's code for a process stopped by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand (or just ``only``, which
    spares importing the others)."""
    parser = argparse.ArgumentParser(
        prog="reanalyse",
        description="Bayesian re-analysis of Cochrane-style meta-analyses.",
    )
    parser.add_argument("--version", action="version", version=f"reanalyse {__version__}")
    add_project_option(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"reanalyse.cli.{name.replace('-', '_')}")
        module.register(sub)
    for name, command in sub.choices.items():
        if name != "init" and not any("--project" in a.option_strings for a in command._actions):
            add_project_option(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("reanalyse: interrupted; complete results are kept (a rerun resumes from them)",
              file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: list[str]) -> int:
    # the command line draws to files only (a library import never chooses a backend); the
    # variable spares importing matplotlib before the first line, and reaches worker processes
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    os.environ["MPLBACKEND"] = "Agg"
    first = next((a for a in argv if not a.startswith("-")), None)
    if argv[:1] == ["--project"] and len(argv) > 2:
        first = argv[2]
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
    except ProjectNotFoundError as err:
        print(f"reanalyse: {err.problems[0].message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except DataValidationError as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        n = len(err.problems)
        print(f"reanalyse: {n} problem{'s' if n != 1 else ''} in the input; nothing written.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except LockedError as err:
        print(f"reanalyse: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        sys.stderr.close()
        return 0
    except OSError as err:  # a file that cannot be read or written: its path and why
        where = f"{err.filename}: " if err.filename else ""
        print(f"reanalyse: {where}{err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
