"""``reanalyse nma``: network meta-analysis of a study table (Bayesian, or frequentist as netmeta).

JSON (``--json``): ``d`` {treatment: {mean, median, sd, q025, q975}} against the reference (analysis
scale: log for OR/RR), ``tau``, ``sucra``, ``p_best``, ``rank_probabilities``, ``league`` (every
ordered pair, ``treatment`` versus ``comparator``), ``diagnostics``, the priors, the direction of
benefit and the consistency statement. The frequentist engine fills ``d`` from the random-effects
model (mean = median = estimate, sd = SE, q025/q975 = 95% CI), ``sucra`` with P-scores and leaves
``rank_probabilities`` and ``diagnostics`` empty.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reanalyse.data import load_table
from reanalyse.io.text import dump_json, text_table
from reanalyse.measures import analysis_scale, is_ratio, threshold_on_analysis_scale

__all__ = ["default_priors", "register", "run_nma"]


def default_priors(scale: str, *, root: str | Path | None = None) -> tuple[str | None, str]:
    """The tau and effect priors used when none is given (a warning names them): the headline
    defaults of the ``bayes.toml`` that applies to the project at ``root`` (its own
    ``analyses/defaults/bayes.toml``, else the packaged one), as the pipeline uses them;
    ``None`` for a tau prior scaled by the unit-information SD, which a network does not
    have."""
    from reanalyse.pipeline.defaults import project_defaults

    cfg = project_defaults(root=root).for_scale(scale)
    tau = None if cfg.default_tau.startswith("uisd-") else cfg.default_tau
    return tau, cfg.default_effect


def _project_root(args: argparse.Namespace) -> Path | None:
    """The project: --project, else the one holding the data file, if any."""
    from reanalyse.cli.project import project_root

    return project_root(args, required=False, start=Path(args.data).resolve().parent)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``nma`` subcommand."""
    p = sub.add_parser(
        "nma", help="network meta-analysis (Bayesian PyMC model, or frequentist as netmeta)",
        description="Network meta-analysis of DATA.csv (arm rows or contrast rows, one outcome).")
    p.add_argument("data", metavar="DATA.csv", help="study table in the canonical long format")
    p.add_argument("--measure", required=True, choices=["OR", "RR", "MD", "SMD", "RD"])
    p.add_argument("--reference", required=True, help="reference treatment (d are against it)")
    p.add_argument("--outcome", default=None, help="outcome when the file holds several")
    p.add_argument("--timepoint", default=None, help="timepoint when studies have several")
    p.add_argument("--engine", default="bayesian", choices=["bayesian", "frequentist"])
    p.add_argument("--tau-prior", default=None,
                   help="registry id or inline prior for tau (default by scale, with a warning)")
    p.add_argument("--effect-prior", default=None,
                   help="registry id or inline prior for each d (default vague-normal-10)")
    p.add_argument("--fixed-effect", action="store_true", help="fixed-effect model (tau = 0)")
    p.add_argument("--consistency", default="consistency",
                   choices=["consistency", "ume", "nodesplit"])
    p.add_argument("--split", nargs=2, metavar=("A", "B"), default=None,
                   help="comparison to split with --consistency nodesplit")
    direction = p.add_mutually_exclusive_group()
    direction.add_argument("--higher-is-better", dest="higher_is_better", action="store_true",
                           default=None, help="larger outcome values are good (default)")
    direction.add_argument("--lower-is-better", dest="higher_is_better", action="store_false",
                           help="smaller outcome values are good (events to avoid)")
    p.add_argument("--threshold", type=float, default=None,
                   help="clinically meaningful effect on the natural scale (ratio for OR/RR)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_main)


def _warn(message: str) -> None:
    print(f"reanalyse nma: {message}", file=sys.stderr)


def run_nma(args: argparse.Namespace) -> dict[str, Any]:
    """Run the analysis described by parsed arguments through
    :func:`reanalyse.network_meta_analysis` (the packaged default priors, named in a warning,
    where none is given); return the JSON-ready result."""
    import reanalyse as ra
    from reanalyse.nma import build_network, graph

    table = load_table(args.data)
    net = build_network(table, measure=args.measure, reference=args.reference,
                        outcome=args.outcome, timepoint=args.timepoint)
    g = graph(net)
    higher = True if args.higher_is_better is None else bool(args.higher_is_better)
    if args.higher_is_better is None:
        _warn("direction of benefit not given: assuming higher values are better "
              "(pass --lower-is-better for outcomes to avoid)")
    scale = analysis_scale(args.measure)
    common: dict[str, Any] = {
        "measure": args.measure, "scale": scale, "reference": net.reference,
        "treatments": list(net.treatments), "network": net.describe(),
        "consistency_check": g.consistency_statement(),
        "edges": g.edges.assign(studies=g.edges["studies"].map(list)).to_dict(orient="records"),
        "higher_is_better": higher,
    }
    model = "fixed" if args.fixed_effect else "random"
    where = {"measure": args.measure, "reference": args.reference, "outcome": args.outcome,
             "timepoint": args.timepoint, "higher_is_better": higher, "model": model}
    if args.engine == "frequentist":
        res = ra.network_meta_analysis(table, engine="frequentist", **where)
        kind = "common" if args.fixed_effect else "random"
        lg = res.league(kind)  # type: ignore[call-arg]
        eff = res.effects(kind)  # type: ignore[union-attr]
        d = {r.treatment: {"mean": r.te, "median": r.te, "sd": r.se, "q025": r.ci_low,
                           "q975": r.ci_high} for r in eff.itertuples()}
        ps = res.p_scores(kind, higher_is_better=higher)  # type: ignore[union-attr]
        return {**common, "engine": "frequentist (graph-theoretical NMA as R netmeta, DL tau^2)",
                "model": kind, "d": d, "tau": {"tau2": res.tau2, "tau": res.tau},  # type: ignore[union-attr]
                "q": res.q, "df": res.df, "p_q": res.p_q, "i2": res.i2,  # type: ignore[union-attr]
                "sucra": ps.to_dict(), "p_score": ps.to_dict(), "rank_probabilities": None,
                "league": lg.to_dict(orient="records"),
                "league_orientation": "treatment (row) versus comparator (column)",
                "diagnostics": None}

    from reanalyse.sampling import SamplerSettings

    default_tau, default_effect = default_priors(scale, root=_project_root(args))
    eff_id = args.effect_prior or default_effect
    if args.effect_prior is None:
        _warn(f"no --effect-prior: using the default {eff_id!r} (reproduce with "
              f"--effect-prior {eff_id})")
    tau_id = None
    if not args.fixed_effect:
        tau_id = args.tau_prior or default_tau
        if tau_id is None:
            from reanalyse.errors import DataValidationError
            raise DataValidationError.single(
                file=args.data, rule="tau prior", message=f"no default tau prior on the {scale} "
                "scale (its units are the outcome's); pass --tau-prior, e.g. half-normal:<sd>")
        if args.tau_prior is None:
            _warn(f"no --tau-prior: using the default {tau_id!r} (reproduce with "
                  f"--tau-prior {tau_id})")
    settings = SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                               target_accept=0.9, retry_target_accepts=(0.95, 0.99))
    fit = ra.network_meta_analysis(table, engine="bayesian", tau_prior=tau_id,
                                   effect_prior=eff_id, consistency=args.consistency,
                                   nodesplit=tuple(args.split) if args.split else None,
                                   random_seed=args.seed, settings=settings, **where)
    # the threshold as given (natural scale); the fit converts it and reports both
    out = {**common, **fit.to_dict(threshold=args.threshold), "seed": args.seed}  # type: ignore[call-arg]
    if args.consistency == "nodesplit":
        out["nodesplit"] = fit.nodesplit()  # type: ignore[union-attr]
    return out


def _main(args: argparse.Namespace) -> int:
    if args.threshold is not None:
        try:
            threshold_on_analysis_scale(args.threshold, measure=args.measure)
        except ValueError as err:
            print(f"reanalyse nma: {err}", file=sys.stderr)
            return 2
    out = run_nma(args)
    if args.json:
        print(dump_json(out))
        return 0
    print(f"{out['network']}")
    print(out["consistency_check"])
    import math

    head = "estimate" if out.get("engine", "").startswith("frequentist") else "median"
    ratio = is_ratio(out["measure"])
    back = math.exp if ratio else (lambda x: x)
    scale = out["measure"] if ratio else out["scale"]
    rows = []
    for t, s in (out["d"].items() if isinstance(out["d"], dict) else []):
        rows.append([t, f"{back(s['median']):.3f}",
                     f"{back(s['q025']):.3f} to {back(s['q975']):.3f}",
                     f"{out['sucra'][t]:.2f}"])
    print(f"\nEffects versus {out['reference']} ({scale}; {head} and 95% interval):")
    print(text_table(["treatment", head, "95% interval", "SUCRA/P-score"], rows))
    if out.get("benefit"):
        print(out["benefit"])
    if out.get("tau"):
        print(f"\ntau: {out['tau']}")
    return 0
