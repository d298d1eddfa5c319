"""The command line's one vocabulary: the options several subcommands share, spelt once.

- ``--direction higher|lower``: the direction of benefit of the outcome as stored, passed to
  :func:`reanalyse.direction.orientation` (the library's one direction rule);
- ``--model fixed|random``: fixed (common) or random effects;
- ``--engine exact|mcmc``: how a Bayesian model is fitted (``--frequentist`` where a command
  offers a frequentist fit too).

Older spellings (``--higher-is-better``, ``--lower-is-better``, ``--fixed-effect``, and values
such as ``--model normal``) still parse, unadvertised, and print one deprecation line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_direction", "add_model", "deprecated", "direction_of", "direction_record",
           "project_of", "scale_defaults"]

DIRECTIONS = ("higher", "lower")


def deprecated(command: str, old: str, new: str) -> None:
    """One line on stderr: ``old`` still works and ``new`` is the spelling to use."""
    print(f"reanalyse {command}: {old} is deprecated; use {new}", file=sys.stderr)


class _Alias(argparse.Action):
    """A hidden old flag that sets ``dest`` to ``const`` and says what to write instead."""

    def __init__(self, *args: Any, new: str, command: str, **kwargs: Any) -> None:
        self.new, self.command = new, command
        super().__init__(*args, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        deprecated(self.command, str(option_string), self.new)
        setattr(namespace, self.dest, self.const)


def add_direction(p: argparse.ArgumentParser, *, command: str, default: str | None,
                  default_text: str) -> None:
    """``--direction higher|lower`` (and the hidden ``--higher-is-better`` /
    ``--lower-is-better``)."""
    p.add_argument("--direction", choices=DIRECTIONS, default=default,
                   help="direction of benefit: higher or lower outcome values are better "
                   f"(default: {default_text})")
    for flag, value in (("--higher-is-better", "higher"), ("--lower-is-better", "lower")):
        p.add_argument(flag, dest="direction", action=_Alias, const=value, help=argparse.SUPPRESS,
                       new=f"--direction {value}", command=command)


def direction_of(args: argparse.Namespace) -> bool | None:
    """``higher_is_better`` from ``--direction`` (None when it was not given)."""
    if args.direction is None:
        return None
    return args.direction == "higher"


def direction_record(orientation: Any) -> dict[str, Any]:
    """The JSON of a direction of benefit: the option's value, the side of the displayed axis
    that favours the treatment and the sentence (:class:`reanalyse.direction.Orientation`)."""
    return {"direction": "higher" if orientation.higher_is_better else "lower",
            "treatment_side": orientation.treatment_side,
            "sentence": orientation.sentence()}


def add_model(p: argparse.ArgumentParser, *, command: str, default: str,
              old: dict[str, str] | None = None) -> None:
    """``--model fixed|random``; ``old`` maps hidden old values (``normal``) to their help."""
    choices = ["fixed", "random", *(old or {})]
    p.add_argument("--model", default=default, choices=choices, metavar="{fixed,random}",
                   help=f"fixed (common) or random effects (default {default})")
    p.add_argument("--fixed-effect", dest="model", action=_Alias, const="fixed",
                   help=argparse.SUPPRESS, new="--model fixed", command=command)


def project_of(args: argparse.Namespace) -> Path | None:
    """The project of a command on a data file: ``--project``, else the one holding the data
    file, if any (its own defaults and priors extend the packaged ones)."""
    from reanalyse.cli.project import project_root

    return project_root(args, required=False, start=Path(args.data).resolve().parent)


def scale_defaults(scale: str, *, root: str | Path | None) -> Any:
    """The headline Bayesian defaults for an analysis scale (``ScaleDefaults``: ``default_tau``,
    ``default_effect``): of the defaults that apply to the project at ``root``
    (:func:`reanalyse.pipeline.defaults.project_defaults`), as the pipeline uses them."""
    from reanalyse.pipeline.defaults import project_defaults

    return project_defaults(root=root).for_scale(scale)
