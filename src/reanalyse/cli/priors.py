"""``reanalyse priors list`` and ``reanalyse priors show``: the cited prior registry on screen."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reanalyse.errors import DataValidationError
from reanalyse.priors import (
    EffectPrior,
    Prior,
    TauPrior,
    list_priors,
    parse_inline_prior,
    registry,
)
from reanalyse.priors._format import format_number
from reanalyse.priors.inline import is_inline_spec

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``priors`` subcommand with its ``list`` and ``show`` actions."""
    parser = subparsers.add_parser(
        "priors",
        help="list and show the cited prior registry",
        description="The prior registry (priors/*.toml): implied median, 95%% interval, "
        "P(tau > 0.5), P(tau > 1) and citation of each prior.",
    )
    actions = parser.add_subparsers(dest="priors_action", metavar="ACTION", required=True)

    list_parser = actions.add_parser("list", help="list registry priors")
    list_parser.add_argument("--role", choices=("tau", "effect"), help="only tau or effect priors")
    list_parser.add_argument(
        "--scale",
        help="only priors built for this effect scale (logOR, logRR, SMD, MD, RD) or for any; "
        "'any' lists only the generic ones",
    )
    list_parser.add_argument("--json", action="store_true", help="print JSON")
    list_parser.set_defaults(func=run_list)

    show_parser = actions.add_parser("show", help="show one prior in full")
    show_parser.add_argument("name", help="registry id, or an inline prior such as half-normal:0.5")
    show_parser.add_argument("--json", action="store_true", help="print JSON")
    show_parser.set_defaults(func=run_show)


def _record(prior: Prior) -> dict[str, Any]:
    record = prior.to_dict()
    record["summary"] = prior.summary()
    record["description"] = prior.describe()
    return record


def _summary_line(prior: Prior) -> str:
    s = prior.summary()
    if isinstance(prior, TauPrior):
        assert s is not None
        return (
            f"median {format_number(s['median'])}; 95% interval {format_number(s['q025'])} to "
            f"{format_number(s['q975'])}; P(tau > 0.5) {format_number(s['p_tau_gt_0.5'])}; "
            f"P(tau > 1) {format_number(s['p_tau_gt_1'])}"
        )
    if s is None:
        if isinstance(prior, EffectPrior) and prior.needs_threshold:
            return "resolved at use time from the clinically meaningful threshold"
        return "improper: no median or interval"
    return (
        f"median {format_number(s['median'])}; 95% interval {format_number(s['q025'])} to "
        f"{format_number(s['q975'])}"
    )


def _print_block(prior: Prior, *, full: bool) -> None:
    scale = ", ".join(prior.scale) + (f" (units: {prior.units})" if prior.units else "")
    print(f"{prior.id}  [{prior.role} | {scale} | {prior.status}]")
    print(f"    {prior.distribution_text()}")
    print(f"    {_summary_line(prior)}")
    print(f"    citation: {prior.citation}")
    if not full:
        return
    print(f"    source: {prior.source or '-'}")
    print(f"    rationale: {prior.rationale}")
    optional: list[tuple[str, Any]] = [("notes", prior.notes)]
    if isinstance(prior, TauPrior):
        optional += [
            ("outcome type", prior.outcome_type),
            ("comparison", prior.comparison),
            ("subfield", prior.subfield),
            ("suggested for (a suggestion, not the source's)", ", ".join(prior.suggested_for)),
        ]
    else:
        optional += [("kind", prior.kind), ("subfield", prior.subfield)]
    optional.append(("paired with", prior.paired_with))
    for label, value in optional:
        if value:
            print(f"    {label}: {value}")


def run_list(args: argparse.Namespace) -> int:
    """Print the registry, optionally filtered by role and scale."""
    try:
        priors = list_priors(role=args.role, scale=args.scale)
    except ValueError as err:
        raise DataValidationError.single(
            file="--scale", rule="unknown-scale", message=str(err)
        ) from None
    if args.json:
        print(json.dumps([_record(p) for p in priors], indent=2, ensure_ascii=False))
        return 0
    for index, prior in enumerate(priors):
        if index:
            print()
        _print_block(prior, full=False)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one registry prior (or an inline prior) in full."""
    name = args.name.strip()
    where = f"prior '{name}'"
    if is_inline_spec(name):
        try:
            prior: Prior = parse_inline_prior(name)
        except ValueError as err:
            raise DataValidationError.single(
                file=where, rule="bad-inline-prior", message=str(err)
            ) from None
    else:
        found = registry().get(name)
        if found is None:
            raise DataValidationError.single(
                file=where,
                rule="unknown-prior",
                message=f"no registry prior with id {name!r}; see `reanalyse priors list`",
            )
        prior = found
    if args.json:
        print(json.dumps(_record(prior), indent=2, ensure_ascii=False))
        return 0
    _print_block(prior, full=True)
    return 0
