"""``reanalyse init DIR``: make a project (one review) in a folder of its own."""

from __future__ import annotations

import argparse

from reanalyse.project import PROJECT_FILE, init_project

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``init`` subcommand."""
    p = sub.add_parser(
        "init", help="make a project (one review) in a folder of its own",
        description=f"Make a project in DIR (created if absent): {PROJECT_FILE} (its name, and "
        "defaults that override the packaged ones), README.md, and the folders data/, "
        "analyses/, priors/ (its own priors, extending the registry) and results/. Every "
        "command run in DIR or below it works on this project.")
    p.add_argument("dir", metavar="DIR", help="the project folder")
    p.add_argument("--name", default=None,
                   help="the project's name (default: the folder's name)")
    p.add_argument("--title", default="", help="the review's title (default: none)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    project = init_project(path=args.dir, name=args.name, title=args.title)
    print(f"reanalyse init: project {project.name!r} in {project.root}")
    print("next: put the study data in data/ and one specification per analysis in analyses/ "
          "(or `reanalyse revman REVIEW.rm5 --import NAME` from there), then `reanalyse "
          "reproduce` and `reanalyse run`")
    return 0
