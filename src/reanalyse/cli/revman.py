"""``reanalyse revman``: recompute a RevMan 5 file with its own settings, beside RevMan's numbers."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from reanalyse.cli.project import project_root
from reanalyse.io.text import dump_json, fmt, text_table
from reanalyse.revman.conventions import CONVENTIONS
from reanalyse.revman.importer import import_review
from reanalyse.revman.package import read_review
from reanalyse.revman.recompute import OutcomeCheck, recompute_review

__all__ = ["register", "run_revman"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``revman`` subcommand."""
    p = sub.add_parser("revman", help="recompute a RevMan 5 .rm5 file or a Cochrane data package "
                       "and compare with RevMan",
                       description="Recompute every outcome and subgroup of a RevMan 5 review "
                       "with the file's own settings and print ours beside RevMan's stored "
                       "numbers, with the largest relative difference per outcome. FILE is a "
                       ".rm5 file or a Cochrane (RevMan Web) data package, a .zip or an unpacked "
                       "folder.")
    p.add_argument("file", metavar="FILE.rm5|PACKAGE")
    p.add_argument("--json", action="store_true", help="print one JSON object (default: text)")
    p.add_argument("--import", dest="import_name", metavar="NAME",
                   help="instead, import the review into the project (--project, or the one holding the "
                   "working folder; `reanalyse init DIR` makes one): data/NAME/ (outcomes.csv "
                   "with provenance, published.csv with RevMan's pooled results as targets) and "
                   "one specification per outcome, analyses/NAME_<comparison>_<outcome>.toml")
    p.add_argument("--overwrite", action="store_true",
                   help="with --import: replace the files a previous import wrote (default off)")
    p.set_defaults(func=_main)


def run_revman(path: str | Path) -> list[OutcomeCheck]:
    """Read ``path`` (``.rm5`` or a data package) and recompute every outcome (``revman``)."""
    return recompute_review(read_review(path))


def _import(args: argparse.Namespace) -> int:
    report = import_review(rm5=args.file, name=args.import_name, overwrite=args.overwrite,
                           root=project_root(args))
    if args.json:
        print(dump_json(report.to_dict()))
        return 0
    rows = [[o.outcome_id, o.name[:48], o.analysis_id or "skipped", o.reason[:60]]
            for o in report.outcomes]
    print(text_table(["Outcome", "Name", "Analysis", "Why skipped"], rows))
    done = sum(o.imported for o in report.outcomes)
    print(f"\nimported {done} of {len(report.outcomes)} outcomes; wrote "
          f"{len(report.files)} files into {report.root} (data/{report.name}/, "
          f"analyses/{report.name}_*.toml)")
    print(f"next: reanalyse reproduce; reanalyse run {report.name}_... (one or more ids), or "
          "reanalyse run for every analysis")
    return 0


def _main(args: argparse.Namespace) -> int:
    if args.import_name:
        return _import(args)
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
    _print_differences(checks)
    return 0


def _print_differences(checks: list[OutcomeCheck]) -> None:
    """Every number that differs from RevMan's: by its convention, or as unexplained."""
    explained = [(c, r) for c in checks for r in c.explained.itertuples()]
    failing = [(c, r) for c in checks for r in c.failing.itertuples()]
    if explained:
        print("\nDifferences explained by a named convention:")
        counts = Counter(r.convention for _, r in explained)
        for name, n in counts.items():
            print(f"{name}: {n} rows. {CONVENTIONS[name].text}")
        for c, r in explained:
            print(f"  explained {_where(c, r)} [{r.convention}]")
    if failing:
        print("\nDifferences no convention explains:")
        for c, r in failing:
            print(f"  differs {_where(c, r)}")


def _where(c: OutcomeCheck, r: Any) -> str:
    o = c.outcome
    study = f" {r.study}" if r.study else ""
    return (f"{o.comparison_no}.{o.outcome_no} {r.level}{study} {r.field}: ours {fmt(r.ours)}, "
            f"RevMan {fmt(r.revman)}")
