"""The ``--project DIR`` option every command shares, and the project it names."""

from __future__ import annotations

import argparse
from pathlib import Path

from reanalyse.project import PROJECT_ENV, find_project, find_root

__all__ = ["add_project_option", "project_root"]

HELP = ("the project folder (holding reanalyse.toml); default: the nearest one at or above the "
        f"working folder, or ${PROJECT_ENV}")


def add_project_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Add ``--project DIR``. Given before the command (``reanalyse --project DIR run``) or
    after it (``reanalyse run --project DIR``); the subcommands' copy does not hide the
    top-level one."""
    parser.add_argument("--project", metavar="DIR", help=HELP,
                        default=None if top_level else argparse.SUPPRESS)


def project_root(args: argparse.Namespace, *, required: bool = True,
                 start: str | Path | None = None) -> Path | None:
    """The project of this command: ``--project``, else ``$REANALYSE_PROJECT``, else the one
    holding ``start`` (default: the working folder). Without one, ``required`` raises the
    one-line error that says how to make one; otherwise ``None`` (the packaged assets alone)."""
    named = getattr(args, "project", None)
    if required:
        return find_root(start, project=named)
    return find_project(start, project=named)
