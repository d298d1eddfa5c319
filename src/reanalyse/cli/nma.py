"""``reanalyse nma``: network meta-analysis of a study table (Bayesian, or frequentist as netmeta).

JSON (``--json``), one object: ``d`` against the reference, Bayesian {treatment: {mean, median,
sd, q025, q975}} (posterior, analysis scale: log for OR/RR), frequentist {treatment: {te, se
(analysis scale), estimate, ci_low, ci_high (natural scale), z, p}}; ``tau``; ``sucra`` and
``p_best`` (Bayesian) or ``p_score`` (frequentist); ``rank_probabilities`` and ``diagnostics``
(Bayesian); ``league`` (every ordered pair, ``treatment`` versus ``comparator``); the priors, the
direction of benefit and the consistency statement; with ``--consistency``, ``consistency``:
``checkable``, ``statement`` and the checks (UME and node-splits, or the Q decomposition).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from reanalyse.cli.options import (
    add_direction,
    add_model,
    deprecated,
    direction_of,
    project_of,
    scale_defaults,
)
from reanalyse.data import load_table
from reanalyse.io.text import dump_json, text_table
from reanalyse.measures import analysis_scale, is_ratio, threshold_on_analysis_scale

__all__ = ["default_priors", "frequentist_consistency", "register", "render", "run_nma"]


def default_priors(scale: str, *, root: str | Path | None = None) -> tuple[str | None, str]:
    """The tau and effect priors used when none is given (a warning names them): the headline
    defaults of the ``bayes.toml`` that applies to the project at ``root``
    (:func:`reanalyse.cli.options.scale_defaults`), as the pipeline uses them; ``None`` for a
    tau prior scaled by the unit-information SD, which a network does not have."""
    cfg = scale_defaults(scale, root=root)
    tau = None if cfg.default_tau.startswith("uisd-") else cfg.default_tau
    return tau, cfg.default_effect


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``nma`` subcommand."""
    p = sub.add_parser(
        "nma", help="network meta-analysis (Bayesian PyMC model, or frequentist as netmeta)",
        description="Network meta-analysis of DATA.csv (arm rows or contrast rows, one outcome): "
        "a Bayesian consistency model fitted by MCMC, or with --frequentist the "
        "graph-theoretical model of R netmeta. --consistency adds the checks of consistency "
        "where the network has a closed loop of independent evidence.")
    p.add_argument("data", metavar="DATA.csv", help="study table in the canonical long format")
    p.add_argument("--measure", required=True, choices=["OR", "RR", "MD", "SMD", "RD"])
    p.add_argument("--reference", required=True, help="reference treatment (d are against it)")
    p.add_argument("--outcome", default=None,
                   help="outcome when the file holds several (default: the only one)")
    p.add_argument("--timepoint", default=None,
                   help="timepoint when studies have several (default: the only one)")
    p.add_argument("--frequentist", action="store_true",
                   help="the frequentist NMA of R netmeta (DerSimonian-Laird tau^2) instead of "
                   "the Bayesian model (default off)")
    p.add_argument("--engine", default="mcmc", choices=["mcmc", "bayesian", "frequentist"],
                   metavar="{mcmc}",
                   help="how the Bayesian model is fitted (default mcmc, the only engine for a "
                   "network)")
    add_model(p, command="nma", default="random")
    p.add_argument("--tau-prior", default=None,
                   help="registry id or inline prior for tau (default: the packaged defaults' "
                   "headline tau prior for the scale, half-normal-0.5 for logOR, logRR and "
                   "SMD, named in a warning; MD has none: pass one)")
    p.add_argument("--effect-prior", default=None,
                   help="registry id or inline prior for each d (default: the packaged "
                   "defaults' headline effect prior for the scale, named in a warning)")
    p.add_argument("--consistency", action="store_true",
                   help="also check consistency where the network has a closed loop: the "
                   "unrelated-mean-effects model and node-splitting of every splittable "
                   "comparison, compared by DIC and LOO (Bayesian), or the decomposition of Q "
                   "into within- and between-design parts (--frequentist); a plain statement "
                   "where there is no loop (default off)")
    add_direction(p, command="nma", default=None, default_text="higher, with a warning")
    p.add_argument("--threshold", type=float, default=None,
                   help="clinically meaningful effect on the natural scale (ratio for OR/RR; "
                   "default none)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--draws", type=int, default=1000, help="draws per chain (default 1000)")
    p.add_argument("--tune", type=int, default=1000, help="tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int, default=4, help="chains (default 4)")
    p.add_argument("--json", action="store_true", help="print one JSON object (default: text)")
    p.set_defaults(func=_main)


def _warn(message: str) -> None:
    print(f"reanalyse nma: {message}", file=sys.stderr)


def _frequentist_requested(args: argparse.Namespace) -> bool:
    if args.engine in ("bayesian", "frequentist"):  # the old spelling of the engine
        deprecated("nma", f"--engine {args.engine}",
                   "--frequentist" if args.engine == "frequentist" else "--engine mcmc")
    return bool(args.frequentist or args.engine == "frequentist")


def run_nma(args: argparse.Namespace) -> dict[str, Any]:
    """Run the analysis described by parsed arguments through
    :func:`reanalyse.network_meta_analysis` (the packaged default priors, named in a warning,
    where none is given) and, with ``--consistency``, the consistency checks; return the
    JSON-ready result."""
    import reanalyse as ra
    from reanalyse.nma import build_network, graph

    table = load_table(args.data)
    net = build_network(table, measure=args.measure, reference=args.reference,
                        outcome=args.outcome, timepoint=args.timepoint)
    g = graph(net)
    higher = direction_of(args)
    if higher is None:
        higher = True
        _warn("direction of benefit not given: assuming higher values are better "
              "(pass --direction lower for outcomes to avoid)")
    scale = analysis_scale(args.measure)
    common: dict[str, Any] = {
        "measure": args.measure, "scale": scale, "reference": net.reference,
        "treatments": list(net.treatments), "network": net.describe(),
        "consistency_check": g.consistency_statement(),
        "edges": g.edges.assign(studies=g.edges["studies"].map(list)).to_dict(orient="records"),
        "direction": "higher" if higher else "lower",
    }
    where = {"measure": args.measure, "reference": args.reference, "outcome": args.outcome,
             "timepoint": args.timepoint, "higher_is_better": higher, "model": args.model}
    if _frequentist_requested(args):
        res = ra.network_meta_analysis(table, engine="frequentist", **where)
        kind = "common" if args.model == "fixed" else "random"
        lg = res.league(kind)  # type: ignore[call-arg]
        eff = res.effects(kind)  # type: ignore[union-attr]
        d = {r.treatment: {k: getattr(r, k) for k in
                           ("te", "se", "estimate", "ci_low", "ci_high", "z", "p")}
             for r in eff.itertuples()}
        ps = res.p_scores(kind, higher_is_better=higher)  # type: ignore[union-attr]
        out = {**common, "engine": "frequentist (graph-theoretical NMA as R netmeta, DL tau^2)",
               "model": args.model, "d": d,
               "tau": {"tau2": res.tau2, "tau": res.tau},  # type: ignore[union-attr]
               "q": res.q, "df": res.df, "p_q": res.p_q, "i2": res.i2,  # type: ignore[union-attr]
               "p_score": ps.to_dict(), "league": lg.to_dict(orient="records"),
               "league_orientation": "treatment (row) versus comparator (column)"}
        if args.consistency:
            out["consistency"] = frequentist_consistency(net)
        return out

    from reanalyse.sampling import SamplerSettings

    default_tau, default_effect = default_priors(scale, root=project_of(args))
    eff_id = args.effect_prior or default_effect
    if args.effect_prior is None:
        _warn(f"no --effect-prior: using the default {eff_id!r} (reproduce with "
              f"--effect-prior {eff_id})")
    tau_id = None
    if args.model != "fixed":
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
                                   effect_prior=eff_id, random_seed=args.seed,
                                   settings=settings, **where)
    # the threshold as given (natural scale); the fit converts it and reports both
    out = {**common, **fit.to_dict(threshold=args.threshold), "seed": args.seed}  # type: ignore[call-arg]
    out["direction"] = common["direction"]
    out["model_spec"] = out.pop("model")
    out["model"] = args.model
    if args.consistency:
        from reanalyse.nma import check_consistency

        report = check_consistency(
            net, spec=fit.spec, higher_is_better=higher,  # type: ignore[union-attr]
            random_seed=args.seed + 1, settings=settings, consistency_fit=fit)  # type: ignore[arg-type]
        out["consistency"] = report.to_dict()
    return out


def frequentist_consistency(network: Any) -> dict[str, Any]:
    """The frequentist consistency check of ``network`` (R netmeta's ``decomp.design``: Q split
    into within- and between-design parts, and between-designs Q with each design detached), or
    the plain statement where the network has no closed loop."""
    from reanalyse.nma import graph
    from reanalyse.nma.frequentist import decomp_design

    g = graph(network)
    if not g.connected or not g.has_loop:
        return {"checkable": False, "statement": g.consistency_statement()}
    overall, per = decomp_design(network)
    return {"checkable": True, "statement": g.consistency_statement(),
            "method": "decomposition of the common-effects Q (Krahn et al. 2013, BMC Med Res "
                      "Methodol 13:35; R netmeta decomp.design)",
            "q_decomposition": [{"source": k, **r} for k, r in
                                overall.to_dict(orient="index").items()],
            "within_designs": per.to_dict(orient="records"),
            "between_designs_detached": overall.attrs["detached"].to_dict(orient="records")}


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
    print(render(out))
    return 0


def render(out: dict[str, Any]) -> str:
    """The text of ``reanalyse nma``: the network, effects against the reference on the natural
    scale, tau, and the consistency check."""
    frequentist = out["engine"].startswith("frequentist")
    ratio = is_ratio(out["measure"])
    back = math.exp if ratio else (lambda x: x)
    scale = out["measure"] if ratio else out["scale"]
    lines = [str(out["network"]), out["consistency_check"], ""]
    rows = []
    for t, s in out["d"].items():
        if frequentist:
            mid, lo, hi = s["estimate"], s["ci_low"], s["ci_high"]
            rank = out["p_score"][t]
        else:
            mid, lo, hi = (back(s[k]) for k in ("median", "q025", "q975"))
            rank = out["sucra"][t]
        rows.append([t, f"{mid:.3f}", f"{lo:.3f} to {hi:.3f}", f"{rank:.2f}"])
    head = (["treatment", "estimate", "95% CI", "P-score"] if frequentist else
            ["treatment", "median", "95% CrI", "SUCRA"])
    lines.append(f"Effects versus {out['reference']} ({scale}, {out['model']} effects):")
    lines.append(text_table(head, rows))
    if out.get("benefit"):
        lines.append(out["benefit"])
    tau = out.get("tau")
    if tau and frequentist and not (_finite(tau["tau2"]) and out["df"] > 0):
        lines.append(f"\ntau: not estimable (Q = {out['q']:.2f} on {out['df']} df: no degrees of "
                     "freedom for heterogeneity)")
    elif tau and frequentist:
        lines.append(f"\ntau = {tau['tau']:.4f} (tau^2 = {tau['tau2']:.4f}, DerSimonian-Laird); "
                     f"Q = {out['q']:.2f} on {out['df']} df ({_p_clause(out['p_q'])}), "
                     f"I^2 = {100 * out['i2']:.0f}%")
    elif tau:
        lines.append(f"\ntau (median, 95% CrI): {tau['median']:.3f} "
                     f"[{tau['q025']:.3f}, {tau['q975']:.3f}]")
    if "consistency" in out:
        lines += ["", render_consistency(out["consistency"])]
    return "\n".join(lines)


def render_consistency(c: dict[str, Any]) -> str:
    """The consistency check in plain lines and tables."""
    lines = ["Consistency check", c["statement"]]
    if not c["checkable"]:
        return "\n".join(lines)
    if "q_decomposition" in c:
        lines.append(text_table(["Q", "value", "df", "P"], [
            [r["source"], f"{r['q']:.2f}", str(int(r["df"])), _p(r["p"])]
            for r in c["q_decomposition"]]))
        lines.append("Between-designs Q with each design detached:")
        lines.append(text_table(["design", "Q", "df", "P"], [
            [r["design"], f"{r['q']:.2f}", str(int(r["df"])), _p(r["p"])]
            for r in c["between_designs_detached"]]))
        return "\n".join(lines)
    lines.append(text_table(["model", "resdev", "pD", "DIC", "elpd LOO"], [
        [r["model"], f"{r['resdev']:.1f}", f"{r['pd']:.1f}", f"{r['dic']:.1f}",
         "" if r.get("elpd_loo") is None else f"{r['elpd_loo']:.1f}"] for r in c["models"]]))
    lines.append("Node-splitting (omega = direct - indirect, analysis scale; mean and 95% CrI):")
    lines.append(text_table(["comparison", "direct", "indirect", "omega", "P (two-sided)"], [
        [f"{r['treatment']} vs {r['comparator']}",
         *(f"{r[f'{part}_mean']:.3f} [{r[f'{part}_q025']:.3f}, {r[f'{part}_q975']:.3f}]"
           for part in ("direct", "indirect", "omega")), f"{r['p_bayes']:.3f}"]
        for r in c["nodesplits"]]))
    return "\n".join(lines)


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return ""
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def _p_clause(p: float | None) -> str:
    """``P = 0.0021`` or ``P < 0.0001``."""
    text = _p(p)
    return f"P {text}" if text.startswith("<") else f"P = {text}"
