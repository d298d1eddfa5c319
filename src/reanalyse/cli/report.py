"""``reanalyse report``: rebuild results/report.html from results/ without refitting."""

from __future__ import annotations

import argparse
from pathlib import Path

from reanalyse.cli.project import project_root

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``report`` subcommand."""
    p = sub.add_parser("report", help="rebuild report.html from results/ without refitting",
                       description="Rebuild report.html from what `reanalyse run` left in the "
                       "results folder (each analysis' record.json, its figures, "
                       "reproduction.csv, provenance.json); nothing is refitted. The page is the "
                       "one `reanalyse run` writes.")
    p.add_argument("--results", default=None, metavar="DIR",
                   help="results folder (default: the project's results/)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from reanalyse.report import write_report

    if args.results is not None:
        out = Path(args.results)
    else:
        root = project_root(args)
        assert root is not None
        out = root / "results"
    if not (out / "provenance.json").is_file():
        raise FileNotFoundError(2, "no results of `reanalyse run` here (no provenance.json); "
                                "run `reanalyse run` first", str(out))
    from reanalyse.io.lock import project_lock

    with project_lock(out, wait=False):  # not while a run writes the folder
        target = write_report(out)
    print(f"report: {target}")
    return 0
