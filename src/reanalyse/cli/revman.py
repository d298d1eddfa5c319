"""``reanalyse revman``: recompute a RevMan 5 file with its own settings, beside RevMan's numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

from reanalyse.cli._output import dump_json, fmt, text_table
from reanalyse.revman import read_rm5
from reanalyse.revman.recompute import OutcomeCheck, recompute_review

__all__ = ["register", "run_revman"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``revman`` subcommand."""
    p = sub.add_parser("revman", help="recompute a RevMan 5 .rm5 file and compare with RevMan",
                       description="Recompute every outcome and subgroup of a RevMan 5 review "
                       "with the file's own settings and print ours beside RevMan's stored "
                       "numbers, with the largest relative difference per outcome.")
    p.add_argument("file", metavar="FILE.rm5")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_main)


def run_revman(path: str | Path) -> list[OutcomeCheck]:
    """Read ``path`` and recompute every outcome (the ``revman`` command)."""
    return recompute_review(read_rm5(path))


def _main(args: argparse.Namespace) -> int:
    checks = run_revman(args.file)
    if args.json:
        print(dump_json({"file": args.file, "outcomes": [c.to_dict() for c in checks]}))
        return 0
    rows = []
    for c in checks:
        o = c.outcome
        res = c.result
        st = o.stored
        if res is None:
            ours = c.note
        elif not res.estimable:
            ours = "not estimable"
        else:
            ours = f"{fmt(res.estimate)} [{fmt(res.ci_low)}, {fmt(res.ci_high)}]"
        if st is None or st.estimable is False:
            theirs = "not estimable" if st is not None else ""
        else:
            theirs = f"{fmt(st.effect_size)} [{fmt(st.ci_start)}, {fmt(st.ci_end)}]"
        rows.append([f"{o.comparison_no}.{o.outcome_no}", o.name[:48],
                     (f"{o.settings.effect_measure} {o.settings.method} "
                     f"{'random' if o.settings.random else 'fixed'}"),
                     ours, theirs, f"{c.max_relative_difference:.1e}",
                     "yes" if c.agrees else "NO"])
    print(text_table(["No.", "Outcome", "Analysis", "reanalyse", "RevMan", "max rel diff",
                      "agrees"], rows))
    return 0
