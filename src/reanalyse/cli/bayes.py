"""``reanalyse bayes``: Bayesian random-effects meta-analysis of one comparison."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reanalyse.io.text import dump_json
from reanalyse.notes import warnings_as_notes

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``bayes`` subcommand."""
    p = sub.add_parser(
        "bayes", help="Bayesian random-effects meta-analysis (PyMC/nutpie or exact)",
        description="Pool the studies of DATA.csv that compare --treatment with --control in a "
        "Bayesian random-effects model with explicit priors on tau and on the effect. Results "
        "are on the analysis scale (log for OR/RR); thresholds are on the natural scale. Exit code 1 when the MCMC diagnostics "
        "(R-hat <= 1.01, bulk and tail ESS >= 400, no divergences) still fail after the "
        "retries: the result is printed and flagged.")
    p.add_argument("data", metavar="DATA.csv", help="study table in the canonical long format")
    p.add_argument("--measure", required=True, choices=["MD", "SMD", "RR", "OR", "RD"])
    p.add_argument("--treatment", required=True, help="experimental arm (group 1)")
    p.add_argument("--control", required=True, help="comparator arm (group 2)")
    p.add_argument("--tau-prior", default=None,
                   help="registry id or inline prior on tau (e.g. half-normal-0.5, "
                   "half-normal:0.5, lognormal-tau2:-2.56,1.74); see `reanalyse priors list`. "
                   "Not for --model fixed")
    p.add_argument("--effect-prior", required=True,
                   help="registry id or inline prior on the effect (e.g. vague-logor, "
                   "normal:0,10, flat, skeptical)")
    p.add_argument("--model", default="normal", choices=["normal", "fixed", "binomial"],
                   help="normal-normal on study estimates (default), its fixed-effect limit, "
                   "or the exact binomial likelihood from arm counts (OR: logit, RR: log link)")
    p.add_argument("--engine", default="mcmc", choices=["mcmc", "exact"],
                   help="MCMC with nutpie (default), or exact numerical integration "
                   "(normal/fixed models, normal, Student-t or flat effect prior)")
    p.add_argument("--threshold", type=float, action="append", default=[], metavar="T",
                   help="report P(effect > T) and P(effect < T); T on the natural scale, as "
                   "read (RR 0.8, MD -0.65, SMD 0.2), and the JSON names each probability by T "
                   "as given; repeatable. The first one centres a skeptical or enthusiastic "
                   "effect prior")
    p.add_argument("--seed", type=int, default=1, help="random seed for MCMC (default 1)")
    p.add_argument("--outcome", default=None, help="outcome to use when the file holds several")
    p.add_argument("--timepoint", default=None, help="timepoint when the file holds several")
    p.add_argument("--allow-scale-mismatch", action="store_true",
                   help="use priors built for another effect scale (recorded in the result)")
    p.add_argument("--draws", type=int, default=None, help="draws per chain (default 1000)")
    p.add_argument("--tune", type=int, default=None, help="tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int, default=None, help="chains (default 4)")
    p.add_argument("--save", default=None, metavar="FIT.nc",
                   help="write the MCMC DataTree (all groups, provenance) to this netCDF file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    import dataclasses

    from reanalyse.sampling import DEFAULT_SETTINGS

    changes = {k: getattr(args, k) for k in ("draws", "tune", "chains")
               if getattr(args, k) is not None}
    settings = dataclasses.replace(DEFAULT_SETTINGS, **changes) if changes else DEFAULT_SETTINGS
    tau_prior = args.tau_prior
    if args.model == "fixed" and tau_prior is not None:
        print("reanalyse bayes: --model fixed fixes tau = 0; drop --tau-prior", file=sys.stderr)
        return 2
    if args.model != "fixed" and tau_prior is None:
        print(f"reanalyse bayes: --model {args.model} needs --tau-prior "
              "(see `reanalyse priors list --role tau`)", file=sys.stderr)
        return 2
    with warnings_as_notes() as notes:  # the numerical libraries' warnings: in the notes
        outcome = _compute(args, settings=settings, tau_prior=tau_prior)
    if isinstance(outcome, int):
        return outcome
    res, payload, text = outcome
    if args.json:
        payload["notes"] = [*payload.get("notes", []), *notes]
        print(dump_json(payload))
    else:
        print(text + "".join(f"\n  note: {note}" for note in notes))
    return 0 if res.status == "ok" else 1


def _compute(args: argparse.Namespace, *, settings: Any,
             tau_prior: str | None) -> int | tuple[Any, dict[str, Any], str]:
    """The fit and what is printed of it (the JSON or the text), or an exit code."""
    from reanalyse.bayesian import bayes_analysis

    try:
        res = bayes_analysis(
            args.data, measure=args.measure, treatment=args.treatment, control=args.control,
            tau_prior=tau_prior, effect_prior=args.effect_prior, model=args.model,
            engine=args.engine, thresholds=args.threshold, outcome=args.outcome,
            timepoint=args.timepoint, random_seed=args.seed, settings=settings,
            allow_scale_mismatch=args.allow_scale_mismatch)
    except ValueError as err:
        if type(err) is not ValueError:
            raise
        print(f"reanalyse bayes: {err}", file=sys.stderr)
        return 2
    if args.save:
        if res.fit is None:
            print("reanalyse bayes: --save writes MCMC results; the exact engine has no draws",
                  file=sys.stderr)
            return 2
        res.fit.to_netcdf(args.save)
    diagnosis = _prior_diagnosis(res, args)
    if args.json:
        return res, {**res.to_dict(), "prior_sensitivity": diagnosis}, ""
    return res, {}, _with_diagnosis(res.text(), diagnosis)


def _prior_diagnosis(res: Any, args: argparse.Namespace) -> str:
    """The power-scaling diagnosis of mu (priorsense's, ``arviz_stats.psense_summary``): of
    the MCMC fit's log_prior and log_likelihood groups, or of draws of the exact posterior."""
    from reanalyse.pipeline.decision import prior_sensitivity

    if res.fit is not None:
        from reanalyse.pipeline.jobs import power_scaling

        names = ["mu"] if args.model == "fixed" else ["mu", "tau"]
        return prior_sensitivity(power_scaling(res.fit.dt, var_names=names))
    if res.exact is None:
        return ""
    from reanalyse.bayesian import load_priors
    from reanalyse.measures import analysis_scale
    from reanalyse.pipeline.readings import power_scaling_exact

    tau, effect = load_priors(tau_prior=args.tau_prior, effect_prior=args.effect_prior,
                              scale=analysis_scale(args.measure), thresholds=args.threshold,
                              allow_scale_mismatch=args.allow_scale_mismatch)
    return prior_sensitivity(power_scaling_exact(res.exact, tau_prior=tau, effect_prior=effect))


def _with_diagnosis(text: str, diagnosis: str) -> str:
    """The result's text with its diagnostics line saying what the power-scaling diagnosis
    says: "ok" only when both the sampler and the prior-sensitivity check are."""
    from reanalyse.pipeline.readings import PRIOR_DRIVEN, is_prior_driven

    if not diagnosis:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("  diagnostics: "):
            sampler = line.removeprefix("  diagnostics: ")
            if is_prior_driven(diagnosis):
                lines[i] = (f"  diagnostics: sampler {sampler}; prior sensitivity of mu: "
                            f"{diagnosis} -> {PRIOR_DRIVEN}")
            elif diagnosis == "ok":
                lines[i] = f"{line}; prior sensitivity of mu: ok"
            else:
                lines[i] = f"  diagnostics: sampler {sampler}; prior sensitivity of mu: {diagnosis}"
    return "\n".join(lines)
