"""The `reanalyse` command line: a thin layer over documented Python functions.

Each subcommand lives in its own module under `reanalyse.cli` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed namespace and returning an
exit code. Bad input (:class:`reanalyse.errors.DataValidationError`) prints one line per problem on
stderr and exits with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from reanalyse._version import __version__
from reanalyse.errors import DataValidationError

__all__ = ["main"]

#: Subcommand modules, in the order ``reanalyse --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "bayes",
    "nma",
    "pool",
    "priors",
    "reproduce",
    "revman",
    "run",
)

EXIT_BAD_INPUT = 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand (or just ``only``, which
    spares importing the others)."""
    parser = argparse.ArgumentParser(
        prog="reanalyse",
        description="Bayesian re-analysis of Cochrane-style meta-analyses.",
    )
    parser.add_argument("--version", action="version", version=f"reanalyse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"reanalyse.cli.{name.replace('-', '_')}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    import matplotlib

    matplotlib.use("Agg")  # the command line draws to files only (a library import never does)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
    except DataValidationError as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        n = len(err.problems)
        print(f"reanalyse: {n} problem{'s' if n != 1 else ''} in the input; nothing written.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
