"""``reanalyse priors list`` and ``reanalyse priors show``: the cited prior registry on screen."""

from __future__ import annotations

import argparse
import json

from reanalyse.cli.project import add_project_option, project_root
from reanalyse.errors import DataValidationError
from reanalyse.priors import list_priors
from reanalyse.priors.describe import describe, record, show

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``priors`` subcommand with its ``list`` and ``show`` actions."""
    parser = subparsers.add_parser(
        "priors",
        help="list and show the cited prior registry",
        description="The cited prior registry (packaged with reanalyse): implied median, 95% interval, "
        "P(tau > 0.5), P(tau > 1) and citation of each prior.",
    )
    actions = parser.add_subparsers(dest="priors_action", metavar="ACTION", required=True)

    list_parser = actions.add_parser("list", help="list registry priors")
    list_parser.add_argument("--role", choices=("tau", "effect"),
                             help="only tau or effect priors (default: both)")
    list_parser.add_argument(
        "--scale",
        help="only priors built for this effect scale (logOR, logRR, SMD, MD, RD) or for any; "
        "'any' lists only the generic ones (default: every scale)",
    )
    list_parser.add_argument("--json", action="store_true",
                             help='print one JSON object, {"priors": [...]} (default: text)')
    _project_option(list_parser)
    list_parser.set_defaults(func=run_list)

    show_parser = actions.add_parser("show", help="show one prior in full")
    show_parser.add_argument("name", help="registry id, or an inline prior such as half-normal:0.5")
    show_parser.add_argument("--json", action="store_true",
                             help="print one JSON object (default: text)")
    _project_option(show_parser)
    show_parser.set_defaults(func=run_show)


def _project_option(parser: argparse.ArgumentParser) -> None:
    add_project_option(parser)


def _project(args: argparse.Namespace) -> str | None:
    """The project whose own priors extend the registry: --project, else the one holding the
    working folder (none is fine: the packaged registry alone)."""
    found = project_root(args, required=False)
    return None if found is None else str(found)


def run_list(args: argparse.Namespace) -> int:
    """Print the registry, optionally filtered by role and scale."""
    try:
        priors = list_priors(role=args.role, scale=args.scale, root=_project(args))
    except ValueError as err:
        raise DataValidationError.single(
            file="--scale", rule="unknown-scale", message=str(err)
        ) from None
    if args.json:
        print(json.dumps({"priors": [record(p) for p in priors]}, indent=2, ensure_ascii=False))
        return 0
    for index, prior in enumerate(priors):
        if index:
            print()
        print(describe(prior, full=False))
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one registry prior (or an inline prior) in full."""
    card = show(args.name, root=_project(args))
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(card.text)
    return 0
