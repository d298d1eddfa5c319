"""``reanalyse reproduce``: recompute the published pooled results and say which reproduce."""

from __future__ import annotations

import argparse

from reanalyse.analyses import SCENARIOS
from reanalyse.cli.project import project_root
from reanalyse.io.text import dump_json, fmt, text_table
from reanalyse.reproduce import ReproduceRow, reproduce

__all__ = ["register", "render"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``reproduce`` subcommand."""
    p = sub.add_parser(
        "reproduce", help="recompute the reviews' published results from our data",
        description="For every published result that an analysis specification names, pool our "
        "data with the review's method and compare at 2 decimals: reproduced, reproduced "
        "within rounding (off by at most 0.01, with the rounding of the inputs that gives the "
        "review's numbers exactly), partial (k of K studies, missing ones named), no data, or "
        "not reproducible (data present, numbers differ, with the difference).")
    p.add_argument("--scenario", default="sourced", choices=list(SCENARIOS),
                   help="data scenario: sourced (reported and derived rows; default) or "
                   "reconstruction (adds imputed and back-solved rows)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object, {"scenario": ..., "results": [one object per '
                   'result]} (default: text)')
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    rows = reproduce(scenario=args.scenario, root=project_root(args))
    if args.json:
        print(dump_json({"scenario": args.scenario, "results": [r.to_dict() for r in rows]}))
    else:
        print(render(rows))
    return 0


def _triplet(d: dict[str, float]) -> str:
    est = fmt(d.get("estimate"))
    if not est:
        return ""
    return f"{est} ({fmt(d.get('ci_low'))} to {fmt(d.get('ci_high'))})"


def render(rows: list[ReproduceRow]) -> str:
    """A plain-text table, then one line of reasons per result."""
    if not rows:
        return ("No published results to reproduce: no analysis specification names a target "
                "(`published = ID`) in a published.csv beside its data.")
    table = []
    for r in rows:
        diff = r.difference
        d = "" if diff["estimate"] is None else (
            f"{diff['estimate']:+.2f} / {diff['ci_low']:+.2f} / {diff['ci_high']:+.2f}")
        table.append([r.id, r.measure, _triplet(r.published), _triplet(r.ours), d,
                      f"{r.ours.get('k', 0)}/{r.expected_k}", r.status])
    head = ["result", "measure", "published", "ours", "difference", "k/K", "status"]
    counts = {s: sum(1 for r in rows if r.status == s) for s in dict.fromkeys(r.status for r in rows)}
    scen = rows[0].scenario if rows else ""
    lines = [f"scenario: {scen}", text_table(head, table), "",
             ", ".join(f"{n} {s}" for s, n in counts.items()), ""]
    lines += [f"{r.id}: {r.reason}" for r in rows]
    return "\n".join(lines)
