"""``reanalyse pool``: pool one comparison of a study table, RevMan-style."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from reanalyse import api
from reanalyse.cli.options import add_direction, add_model, direction_of, direction_record
from reanalyse.data.table import StudyTable
from reanalyse.direction import orientation
from reanalyse.effects import study_effects
from reanalyse.influence import case_diagnostics, leave_one_out
from reanalyse.io.text import dump_json, fmt, text_table
from reanalyse.pooling import PooledResult
from reanalyse.pooling.render import render
from reanalyse.small_study import MIN_STUDIES, small_study_tests
from reanalyse.trim_fill import trim_fill_table

__all__ = ["register", "run_pool"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``pool`` subcommand."""
    p = sub.add_parser("pool", help="pool a comparison (RevMan 5 methods, plus REML/PM/HKSJ)",
                       description="Pool the studies of DATA.csv that compare --treatment with "
                       "--control, with RevMan 5's methods.")
    p.add_argument("data", metavar="DATA.csv", help="study table in the canonical long format")
    p.add_argument("--measure", required=True, choices=["MD", "SMD", "RR", "OR", "RD"])
    p.add_argument("--method", default=None, choices=["IV", "MH", "PETO"],
                   help="pooling method (default: MH for RR/OR/RD, IV for MD/SMD, as RevMan 5; "
                   "IV, with a note, where a study is given only as a contrast)")
    add_model(p, command="pool", default="fixed")
    p.add_argument("--tau2", default="DL", choices=["DL", "REML", "PM"],
                   help="tau^2 estimator for --model random (default DL, as RevMan 5)")
    p.add_argument("--hksj", action="store_true",
                   help="Hartung-Knapp-Sidik-Jonkman interval, a t statistic (random effects; "
                   "default off)")
    p.add_argument("--treatment", required=True, help="experimental arm (group 1)")
    p.add_argument("--control", required=True, help="comparator arm (group 2)")
    add_direction(p, command="pool", default=None,
                  default_text="not given: no side of the null is named")
    p.add_argument("--outcome", default=None,
                   help="outcome to pool when the file holds several (default: the only one)")
    p.add_argument("--timepoint", default=None,
                   help="timepoint when the file holds several (default: the only one)")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--leave-one-out", action="store_true",
                   help="also pool without each study in turn (same method and model) and "
                   "print each study's influence diagnostics (as metafor's influence)")
    p.add_argument("--small-study", action="store_true",
                   help="also test for funnel-plot asymmetry (Egger for continuous outcomes; "
                   "Peters, and Harbord for OR, for binary; Begg for all)")
    p.add_argument("--trim-fill", action="store_true",
                   help="also trim and fill (L0 and R0 estimators; inverse variance with "
                   "--model and --tau2)")
    p.add_argument("--min-studies", type=int, default=MIN_STUDIES,
                   help=f"fewest studies for --small-study and --trim-fill (default "
                   f"{MIN_STUDIES}, as the Cochrane Handbook advises)")
    p.add_argument("--json", action="store_true", help="print one JSON object (default: text)")
    p.set_defaults(func=_main)


def run_pool(
    data: str | StudyTable,
    *,
    measure: str,
    treatment: str,
    control: str,
    method: str | None = None,
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    outcome: str | None = None,
    timepoint: str | None = None,
    level: float = 0.95,
) -> PooledResult:
    """The ``pool`` command's computation: :func:`reanalyse.pool` (kept for callers of the
    command's function)."""
    return api.pool(data, measure=measure, treatment=treatment,  # type: ignore[arg-type]
                    control=control, method=method, model=model,  # type: ignore[arg-type]
                    tau2=tau2_method, hksj=hksj, level=level,  # type: ignore[arg-type]
                    outcome=outcome, timepoint=timepoint)


def _main(args: argparse.Namespace) -> int:
    table = api.read_table(args.data)
    if args.outcome is not None or args.timepoint is not None:
        table = table.select(outcome=args.outcome, timepoint=args.timepoint)
    res = run_pool(table, measure=args.measure, treatment=args.treatment,
                   control=args.control, method=args.method, model=args.model,
                   tau2_method=args.tau2, hksj=args.hksj, level=args.level)
    extra: dict[str, pd.DataFrame] = {}
    if args.leave_one_out or args.small_study or args.trim_fill:
        effects = study_effects(table, measure=args.measure, treatment=args.treatment,
                                control=args.control)
        effects = effects.estimable_only()
        if args.leave_one_out:
            extra["leave_one_out"] = leave_one_out(
                effects, measure=args.measure, method=res.method, model=args.model,
                tau2_method=args.tau2, hksj=args.hksj, level=args.level)
            extra["case_diagnostics"] = case_diagnostics(effects, model=args.model,
                                                         tau2_method=args.tau2)
        if args.small_study:
            extra["small_study"] = small_study_tests(effects, measure=args.measure,
                                                     min_studies=args.min_studies)
        if args.trim_fill:
            extra["trim_fill"] = trim_fill_table(effects, measure=args.measure,
                                                 model=args.model, tau2_method=args.tau2,
                                                 min_studies=args.min_studies)
    higher = direction_of(args)
    benefit = None if higher is None else orientation(
        measure=args.measure, treatment=args.treatment, control=args.control,
        higher_is_better=higher)
    if args.json:
        out = res.to_dict()
        if benefit is not None:
            out["direction"] = {**direction_record(benefit),
                                "favours": benefit.favoured(res.te)}
        for name, frame in extra.items():
            out[name] = json.loads(frame.to_json(orient="records"))
        print(dump_json(out))
    else:
        print(render(res, treatment=args.treatment, control=args.control))
        if benefit is not None:
            print(benefit.sentence())
            favoured = benefit.favoured(res.te) if res.estimable else None
            print(f"The pooled estimate favours {favoured}." if favoured else
                  "The pooled estimate favours neither arm.")
        for name, frame in extra.items():
            print()
            print(_render_extra(name, frame))
    return 0


def _render_extra(name: str, frame: pd.DataFrame) -> str:
    if name == "leave_one_out":
        if frame.empty:
            return "Leave-one-out: needs two or more studies"
        rows = [[str(r.omitted), str(r.k), (f"{fmt(r.estimate)} [{fmt(r.ci_low)}, "
                 f"{fmt(r.ci_high)}]"), fmt(r.p_z, 4), f"{r.i2:.0f}%"]
                for r in frame.itertuples()]
        return "Leave-one-out\n" + text_table(["Omitted", "k", "Pooled", "P", "I²"], rows)
    if name == "case_diagnostics":
        if frame.empty:
            return "Influence diagnostics: need three or more studies"
        rows = [[str(r.study), fmt(r.rstudent), fmt(r.dffits, 3), fmt(r.cook_d, 3),
                 fmt(r.cov_r, 3), fmt(r.hat, 3), fmt(r.dfbetas, 3), "*" if r.influential else ""]
                for r in frame.itertuples()]
        return ("Influence diagnostics (inverse variance; * marked influential by metafor's "
                "rule)\n" + text_table(["Study", "rstudent", "DFFITS", "Cook's D", "cov.r",
                                        "hat", "DFBETAS", "inf"], rows))
    if name == "trim_fill":
        rows = [[str(r.estimator), str(r.side), str(r.k),
                 "" if pd.isna(r.k0) else str(int(r.k0)), fmt(r.se_k0, 2), fmt(r.p_k0, 4),
                 f"{fmt(r.filled_estimate)} [{fmt(r.filled_ci_low)}, {fmt(r.filled_ci_high)}]",
                 str(r.note)] for r in frame.itertuples()]
        return "Trim and fill\n" + text_table(
            ["Estimator", "Side", "k", "k0", "SE(k0)", "P(k0)", "Filled estimate", "Note"], rows)
    rows = [[str(r.test), str(r.k), fmt(r.bias, 3), fmt(r.statistic, 3),
             "" if r.df is None or pd.isna(r.df) else str(int(r.df)), fmt(r.p, 4), str(r.note)]
            for r in frame.itertuples()]
    return "Small-study effects\n" + text_table(
        ["Test", "k", "Bias", "Statistic", "df", "P", "Note"], rows)
