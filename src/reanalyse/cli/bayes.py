"""``reanalyse bayes``: Bayesian random-effects meta-analysis of one comparison."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reanalyse.cli.options import (
    add_direction,
    add_model,
    deprecated,
    direction_of,
    direction_record,
    project_of,
    scale_defaults,
)
from reanalyse.direction import orientation
from reanalyse.io.text import dump_json
from reanalyse.notes import warnings_as_notes
from reanalyse.pipeline.defaults import UISD_PREFIX, resolve_tau_prior, unit_information_sd

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
                   "half-normal:0.5, lognormal-tau2:-2.56,1.74, uisd-half-normal:0.125); see "
                   "`reanalyse priors list`. Default: the packaged defaults' headline tau prior "
                   "for the measure's scale (half-normal-0.5 for logRR, logOR and SMD, "
                   "uisd-half-normal:0.125 for MD, bartos-rd-all-tau for RD), named in a "
                   "warning; not for --model fixed")
    p.add_argument("--effect-prior", default=None,
                   help="registry id or inline prior on the effect (e.g. vague-logor, "
                   "normal:0,10, flat, skeptical). Default: the packaged defaults' headline "
                   "effect prior for the scale, named in a warning")
    add_model(p, command="bayes", default="random",
              old={"normal": "--model random", "binomial": "--likelihood binomial"})
    p.add_argument("--likelihood", default="normal", choices=["normal", "binomial"],
                   help="normal on the study estimates (default), or the exact binomial "
                   "likelihood of the arm counts (OR: logit, RR: log link; random effects, "
                   "--engine mcmc)")
    p.add_argument("--engine", default="mcmc", choices=["exact", "mcmc"],
                   help="exact numerical integration (normal likelihood; normal, Student-t or "
                   "flat effect prior) or MCMC with nutpie (default mcmc)")
    add_direction(p, command="bayes", default=None,
                  default_text="not given: no probability of benefit is reported")
    p.add_argument("--threshold", type=float, action="append", default=[], metavar="T",
                   help="report P(effect > T) and P(effect < T); T on the natural scale, as "
                   "read (RR 0.8, MD -0.65, SMD 0.2), and the JSON names each probability by T "
                   "as given; repeatable. The first one centres a skeptical or enthusiastic "
                   "effect prior")
    p.add_argument("--seed", type=int, default=1, help="random seed for MCMC (default 1)")
    p.add_argument("--outcome", default=None,
                   help="outcome to use when the file holds several (default: the only one)")
    p.add_argument("--timepoint", default=None,
                   help="timepoint when the file holds several (default: the only one)")
    p.add_argument("--allow-scale-mismatch", action="store_true",
                   help="use priors built for another effect scale (recorded in the result; "
                   "default off)")
    p.add_argument("--draws", type=int, default=None, help="draws per chain (default 1000)")
    p.add_argument("--tune", type=int, default=None, help="tuning steps per chain (default 1000)")
    p.add_argument("--chains", type=int, default=None, help="chains (default 4)")
    p.add_argument("--save", default=None, metavar="FIT.nc",
                   help="write the MCMC DataTree (all groups, provenance) to this netCDF file "
                   "(default: not written)")
    p.add_argument("--json", action="store_true", help="print one JSON object (default: text)")
    p.set_defaults(func=_main)


def _warn(message: str) -> None:
    print(f"reanalyse bayes: {message}", file=sys.stderr)


def _library_model(args: argparse.Namespace) -> str | None:
    """The library's model name (``normal``, ``fixed``, ``binomial``) of --model and
    --likelihood; None (after one line on stderr) for a combination it does not fit."""
    if args.model in ("normal", "binomial"):  # the old single option
        deprecated("bayes", f"--model {args.model}", "--model random" if args.model == "normal"
                   else "--model random --likelihood binomial")
        args.likelihood = args.model
        args.model = "random"
    if args.likelihood == "binomial":
        if args.model == "fixed":
            print("reanalyse bayes: the binomial likelihood is fitted with random effects "
                  "only; use --model random", file=sys.stderr)
            return None
        return "binomial"
    return "fixed" if args.model == "fixed" else "normal"


def _default_priors(args: argparse.Namespace, *, scale: str) -> bool:
    """Fill --tau-prior and --effect-prior from the packaged (or the project's) defaults for the
    scale, each named in a warning; resolve a ``uisd-`` tau prior with the data's
    unit-information SD. False (after one line on stderr) when a prior cannot be resolved."""
    cfg = scale_defaults(scale, root=project_of(args))
    if args.effect_prior is None:
        args.effect_prior = cfg.default_effect
        _warn(f"no --effect-prior: using the default {cfg.default_effect!r} (reproduce with "
              f"--effect-prior {cfg.default_effect})")
    if args.model == "fixed":
        return True
    if args.tau_prior is None:
        args.tau_prior = cfg.default_tau
        _warn(f"no --tau-prior: using the default {cfg.default_tau!r} (reproduce with "
              f"--tau-prior {cfg.default_tau})")
    if isinstance(args.tau_prior, str) and args.tau_prior.startswith(UISD_PREFIX):
        uisd = _unit_information_sd(args)
        try:
            resolved = resolve_tau_prior(args.tau_prior, scale=scale, uisd=uisd)
        except ValueError as err:
            print(f"reanalyse bayes: {err} (participants per study; contrast rows have none)",
                  file=sys.stderr)
            return False
        _warn(f"{args.tau_prior}: {resolved.note}")
        args.tau_prior = resolved.prior
    return True


def _unit_information_sd(args: argparse.Namespace) -> float | None:
    """bayesmeta's UISD of the compared studies, or None where a study has no participants."""
    import numpy as np

    from reanalyse.data import load_table
    from reanalyse.effects import study_effects

    table = load_table(args.data)
    if args.outcome is not None or args.timepoint is not None:
        table = table.select(outcome=args.outcome, timepoint=args.timepoint)
    effects = study_effects(table, measure=args.measure, treatment=args.treatment,
                            control=args.control).estimable_only()
    n = effects.participants()
    if not len(n) or not np.all(np.isfinite(n)):
        return None
    return unit_information_sd(n=n, se=effects.se)


def _main(args: argparse.Namespace) -> int:
    import dataclasses

    from reanalyse.measures import analysis_scale
    from reanalyse.sampling import DEFAULT_SETTINGS

    changes = {k: getattr(args, k) for k in ("draws", "tune", "chains")
               if getattr(args, k) is not None}
    settings = dataclasses.replace(DEFAULT_SETTINGS, **changes) if changes else DEFAULT_SETTINGS
    model = _library_model(args)
    if model is None:
        return 2
    if model == "fixed" and args.tau_prior is not None:
        print("reanalyse bayes: --model fixed fixes tau = 0; drop --tau-prior", file=sys.stderr)
        return 2
    if not _default_priors(args, scale=analysis_scale(args.measure)):
        return 2
    with warnings_as_notes() as notes:  # the numerical libraries' warnings: in the notes
        outcome = _compute(args, settings=settings, model=model)
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
             model: str) -> int | tuple[Any, dict[str, Any], str]:
    """The fit and what is printed of it (the JSON or the text), or an exit code."""
    from reanalyse.bayesian import bayes_analysis

    try:
        res = bayes_analysis(
            args.data, measure=args.measure, treatment=args.treatment, control=args.control,
            tau_prior=args.tau_prior, effect_prior=args.effect_prior, model=model,  # type: ignore[arg-type]
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
    diagnosis = _prior_diagnosis(res, args, model=model)
    benefit = _benefit(res, args)
    if args.json:
        out = {**res.to_dict(), "prior_sensitivity": diagnosis}
        if benefit is not None:
            out["direction"] = benefit
        return res, out, ""
    text = _with_diagnosis(res.text(), diagnosis)
    if benefit is not None:
        text += (f"\n  {benefit['sentence']}\n  P(the pooled effect favours "
                 f"{args.treatment}) = {benefit['p_benefit']:.3f}; in a new study "
                 f"{benefit['p_benefit_theta_new']:.3f}")
    return res, {}, text


def _benefit(res: Any, args: argparse.Namespace) -> dict[str, Any] | None:
    """With --direction: the direction record and P(benefit) of mu and of theta_new, the
    posterior mass on the side of the null that favours the treatment."""
    higher = direction_of(args)
    if higher is None:
        return None
    way = orientation(measure=args.measure, treatment=args.treatment, control=args.control,
                      higher_is_better=higher)
    prob = res.p_greater if way.benefit_sign > 0 else res.p_less
    return {**direction_record(way),
            "p_benefit": float(prob("mu", way.null)),
            "p_benefit_theta_new": float(prob("theta_new", way.null))}


def _prior_diagnosis(res: Any, args: argparse.Namespace, *, model: str) -> str:
    """The power-scaling diagnosis of mu (priorsense's, ``arviz_stats.psense_summary``): of
    the MCMC fit's log_prior and log_likelihood groups, or of draws of the exact posterior."""
    from reanalyse.pipeline.decision import prior_sensitivity

    if res.fit is not None:
        from reanalyse.pipeline.jobs import power_scaling

        names = ["mu"] if model == "fixed" else ["mu", "tau"]
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
