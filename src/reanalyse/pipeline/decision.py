"""The decision table: per analysis, the review's result beside ours, frequentist and Bayesian.

Reading of a result: a 95% interval (or a two-sided 95% posterior probability) that excludes no
effect reads "benefit" or "harm" by its side; otherwise "inconclusive". The review's reading
comes from its published CI (or, for analyses the review did not publish, our frequentist result
with its method); a Bayesian reading is "benefit" when P(benefit) >= 0.975, "harm" when it is
<= 0.025, and "inconclusive: prior-driven" whatever P(benefit) when the power-scaling diagnosis
marks its posterior of mu as shaped by the prior (``pipeline.readings``).

Two Bayesian readings, in column groups named for the question each answers
(``pipeline.readings``):

- ``like_for_like_*`` (with ``p_benefit``, ``p_meaningful``, ``prior_sensitivity``,
  ``agrees``): the Bayesian analogue of the review's own model (common effect when it pooled
  fixed-effect, random effects under the default tau prior when it pooled random) under the
  default effect prior; ``agrees`` compares its reading with the review's (on the conclusion:
  "inconclusive: prior-driven" is inconclusive).
- ``random_effects_*`` and ``theta_new_*`` (with ``p_new_benefit``): the generalisation, random
  effects under the scale's empirical tau prior (``random_effects_tau_prior``); with one study it
  is carried by the tau prior, and theta_new (the effect in a new trial) is its quantity of
  interest.

``mcmc_*`` is the default-prior MCMC fit (the exact binomial likelihood for binary outcomes with
arm counts, else the normal-normal model; random effects under the default tau prior), a check
of the likelihood beside the readings, with its sampler diagnostics and power-scaling diagnosis.

``prior_sensitivity`` says whether the like-for-like posterior of mu leans on its prior: the
power-scaling diagnosis (priorsense, ``arviz_stats.psense_summary``), "ok" when neither the prior
nor the likelihood sensitivity exceeds 0.05.

``bf01_mu0``, ``min_bf01_mu0`` and ``bf01_tau0`` are the exact engine's Bayes factors under
the default priors (``reanalyse.exact.evidence``): the evidence for no effect, its minimum over
all priors on mu (the most the data can say against no effect), and the evidence for no
heterogeneity. A vague effect prior inflates ``bf01_mu0`` (Lindley's paradox); the minimum does
not depend on it.

``freq_i2`` is the review-method I^2 (RevMan's, from Q) with its Higgins-Thompson interval
(three studies on); ``freq_tau2_ci_low`` / ``_high`` is the Q-profile interval for tau^2 (two
studies on): the heterogeneity the data cannot rule out, whatever model the review chose.

``omission_changes`` lists the single studies whose omission changes a reading: the frequentist
one (the review's method, without the study) or the Bayesian one (the exact engine under the
default priors, without the study, against the same engine with all studies).
``influential_studies`` lists those metafor's influence rule marks (from three studies on;
``reanalyse.influence.case_diagnostics``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reanalyse.direction import orientation_of
from reanalyse.measures import is_ratio, on_natural_scale

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["DECISION_COLUMNS", "agreement", "decision_row", "influential_studies", "omission_changes",
           "prior_sensitivity",
           "reading_from_ci", "reading_from_probability"]

DECISION_COLUMNS = [
    "analysis", "title", "measure", "scenario", "k",
    "published_estimate", "published_ci_low", "published_ci_high", "reproduction_status",
    "freq_estimate", "freq_ci_low", "freq_ci_high", "freq_method",
    "freq_i2", "freq_i2_ci_low", "freq_i2_ci_high", "freq_tau2_ci_low", "freq_tau2_ci_high",
    # like-for-like with the review
    "like_for_like_model", "like_for_like_median", "like_for_like_q025", "like_for_like_q975",
    "p_benefit", "p_meaningful", "prior_sensitivity", "review_reading", "like_for_like_reading",
    "agrees",
    # generalisation: random effects under the empirical tau prior
    "random_effects_model", "random_effects_tau_prior", "random_effects_median",
    "random_effects_q025", "random_effects_q975", "theta_new_median", "theta_new_q025",
    "theta_new_q975", "random_effects_p_benefit", "p_new_benefit",
    "random_effects_prior_sensitivity", "random_effects_reading",
    # the default-prior MCMC fit (binomial likelihood for binary outcomes)
    "mcmc_model", "mcmc_median", "mcmc_q025", "mcmc_q975", "mcmc_diagnostics",
    "mcmc_prior_sensitivity",
    "grid_median_min", "grid_median_max",
    "threshold", "threshold_label", "threshold_source",
    "threshold_provisional", "tau_prior", "effect_prior",
    "tipping_scale_p50", "tipping_scale_p90",
    "omission_changes", "influential_studies",
    "bf01_mu0", "min_bf01_mu0", "bf01_tau0",
]

#: Text columns (empty when not computed).
_TEXT_COLUMNS = ("like_for_like_model", "prior_sensitivity", "random_effects_model",
                 "random_effects_tau_prior", "random_effects_prior_sensitivity", "mcmc_model",
                 "mcmc_diagnostics", "mcmc_prior_sensitivity", "threshold_label",
                 "threshold_source", "threshold_provisional", "agrees")


def reading_from_ci(low: float, high: float, *, null: float, sign: int) -> str:
    """benefit / harm / inconclusive from an interval and the benefit sign."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unknown"
    if low > null:
        return "benefit" if sign > 0 else "harm"
    if high < null:
        return "harm" if sign > 0 else "benefit"
    return "inconclusive"


def reading_from_probability(p_benefit: float) -> str:
    """benefit if P(benefit) >= 0.975, harm if <= 0.025, else inconclusive."""
    if not math.isfinite(p_benefit):
        return "unknown"
    if p_benefit >= 0.975:
        return "benefit"
    if p_benefit <= 0.025:
        return "harm"
    return "inconclusive"


def prior_sensitivity(records: list[dict[str, Any]] | None, *, parameter: str = "mu") -> str:
    """The power-scaling diagnosis of ``parameter`` from a fit's records (``jobs.power_scaling``):
    "ok", or the flag with its two sensitivities (e.g. "strong prior / weak likelihood (prior
    0.189, likelihood 0.031)"), "not computed: ..." or "" when the fit kept none."""
    for rec in records or []:
        if rec.get("parameter") == "all":
            return str(rec.get("diagnosis", "not computed"))
        if rec.get("parameter") == parameter:
            text = str(rec.get("diagnosis") or "").strip()
            if text in ("", "\u2713"):
                return "ok"
            values = [f"{name} {float(rec[name]):.3f}" for name in ("prior", "likelihood")
                      if rec.get(name) is not None]
            text = text.removeprefix("potential ").strip()
            return f"{text} ({', '.join(values)})" if values else text
    return ""


def omission_changes(influence: pd.DataFrame, *, freq_reading: str, bayes_reading: str) -> str:
    """The omissions that change the frequentist or the Bayesian reading of the full analysis:
    "none", "" when the table is empty, else e.g. "ProDERM 2022 (frequentist: inconclusive)"."""
    if influence.empty:
        return ""
    changes = []
    for _, row in influence.iterrows():
        what = []
        if freq_reading != "unknown" and row["freq_reading"] != freq_reading:
            what.append(f"frequentist: {row['freq_reading']}")
        if (bayes_reading != "unknown" and row["bayes_reading"] != "unknown"
                and row["bayes_reading"] != bayes_reading):
            what.append(f"Bayesian: {row['bayes_reading']}")
        if what:
            changes.append(f"{row['omitted']} ({'; '.join(what)})")
    return "; ".join(changes) if changes else "none"


def influential_studies(influence: pd.DataFrame | None) -> str:
    """The studies metafor's rule marks influential ("none"; "" without case diagnostics)."""
    if influence is None or influence.empty or "rstudent" not in influence:
        return ""
    if influence["rstudent"].isna().all():
        return ""
    flagged = influence.loc[influence["influential"].astype(bool), "omitted"].astype(str)
    return "; ".join(flagged) if len(flagged) else "none"


def _back(x: Any, ratio: bool) -> Any:
    return on_natural_scale(x, ratio=ratio)


def _oriented(prep: PreparedAnalysis, low: float, mid: float, high: float
              ) -> tuple[float, float, float]:
    """Natural-scale (low, mid, high) in the review's orientation (MD/SMD sign reversed when the
    review reported it so, ``reverse_scale``)."""
    ratio = is_ratio(prep.spec.measure)
    md, lo, hi = orientation_of(prep.spec).shown_estimate(
        _back(mid, ratio), _back(low, ratio), _back(high, ratio))
    return lo, md, hi


def decision_row(
    prep: PreparedAnalysis,
    *,
    published: dict[str, Any] | None,
    reproduction_status: str,
    mcmc: dict[str, Any] | None,
) -> dict[str, Any]:
    """One row of the decision table (natural scale; probabilities from the headline fit).

    ``mcmc`` is the default-prior MCMC fit ({cell, model, diagnostics, psense}) or None; the
    two readings come from ``prep.like_for_like`` and ``prep.random_effects``.
    """
    spec = prep.spec
    ratio = is_ratio(spec.measure)
    nan = float("nan")
    row: dict[str, Any] = {c: nan for c in DECISION_COLUMNS}
    row.update({c: "" for c in _TEXT_COLUMNS})
    row.update(analysis=spec.id, title=spec.title, measure=spec.measure, scenario=prep.scenario,
               k=prep.main.k, reproduction_status=reproduction_status,
               tau_prior=prep.default_tau.id if prep.default_tau else "",
               effect_prior=prep.default_effect.id if prep.default_effect else "",
               review_reading="unknown", like_for_like_reading="unknown",
               random_effects_reading="unknown")
    sign = prep.sign
    null = 1.0 if ratio else 0.0
    review = prep.main.review
    if review is not None and review.estimable:
        est, lo, hi = orientation_of(spec).shown_estimate(review.estimate, review.ci_low,
                                                          review.ci_high)
        row.update(freq_estimate=est, freq_ci_low=lo, freq_ci_high=hi,
                   freq_method=f"{review.method} {review.model}", freq_i2=review.i2)
        het = review.heterogeneity_ci
        if het is not None:
            row.update(freq_i2_ci_low=het.i2_low, freq_i2_ci_high=het.i2_high,
                       freq_tau2_ci_low=het.tau2_low, freq_tau2_ci_high=het.tau2_high)
    else:
        row["freq_method"] = ""
    if published is not None:
        pe, pl, ph = (float(published[k]) for k in ("estimate", "ci_low", "ci_high"))
        row.update(published_estimate=pe, published_ci_low=pl, published_ci_high=ph)
        # the published result is in the review's orientation
        row["review_reading"] = reading_from_ci(
            pl, ph, null=null, sign=orientation_of(spec).shown_benefit_sign)
    elif review is not None and review.estimable:
        row["review_reading"] = reading_from_ci(review.ci_low, review.ci_high, null=null,
                                                sign=sign)
    l4l = prep.like_for_like
    if l4l is not None:
        c = l4l.summary
        lo, med, hi = _oriented(prep, c["mu_q025"], c["mu_median"], c["mu_q975"])
        row.update(like_for_like_model=l4l.model, like_for_like_median=med,
                   like_for_like_q025=lo, like_for_like_q975=hi, p_benefit=c["p_benefit"],
                   p_meaningful=c["p_meaningful"],
                   prior_sensitivity=prior_sensitivity(l4l.diagnosis),
                   like_for_like_reading=l4l.reading)
    gen = prep.random_effects
    if gen is not None:
        c = gen.summary
        lo, med, hi = _oriented(prep, c["mu_q025"], c["mu_median"], c["mu_q975"])
        nlo, nmed, nhi = _oriented(prep, c["theta_new_q025"], c["theta_new_median"],
                                   c["theta_new_q975"])
        row.update(random_effects_model=gen.model, random_effects_tau_prior=gen.tau_prior,
                   random_effects_median=med, random_effects_q025=lo, random_effects_q975=hi,
                   theta_new_median=nmed, theta_new_q025=nlo, theta_new_q975=nhi,
                   random_effects_p_benefit=c["p_benefit"], p_new_benefit=c["p_new_benefit"],
                   random_effects_prior_sensitivity=prior_sensitivity(gen.diagnosis),
                   random_effects_reading=gen.reading)
    if mcmc is not None and mcmc.get("cell"):
        cell = mcmc["cell"]
        tau_id = prep.default_tau.id if prep.default_tau else ""
        row["mcmc_model"] = (f"random effects (tau prior {tau_id}), "
                             f"{mcmc.get('model', 'normal')} likelihood, MCMC")
        row["mcmc_diagnostics"] = mcmc.get("diagnostics", {}).get("status", "")
        row["mcmc_prior_sensitivity"] = prior_sensitivity(mcmc.get("psense"))
        lo, med, hi = _oriented(prep, cell["mu_q025"], cell["mu_median"], cell["mu_q975"])
        row.update(mcmc_median=med, mcmc_q025=lo, mcmc_q975=hi)
    medians = [c["mu_median"] for (t, e, lik, sc), c in prep.exact_cells.items()
               if sc == prep.scenario]
    medians += [c["mu_median"] for c in (mcmc or {}).get("grid_cells", [])]
    if medians:
        a, _, b = _oriented(prep, float(np.nanmin(medians)), float("nan"),
                            float(np.nanmax(medians)))
        row.update(grid_median_min=min(a, b), grid_median_max=max(a, b))
    if prep.primary is not None:
        row.update(threshold=prep.primary.value, threshold_label=prep.primary.label,
                   threshold_source=prep.primary.source,
                   threshold_provisional=prep.primary.provisional)
    for tp in prep.tipping:
        key = "tipping_scale_p50" if tp.level == 0.5 else "tipping_scale_p90"
        row[key] = tp.scale if tp.scale is not None else nan
    row["agrees"] = agreement(row["review_reading"], row["like_for_like_reading"])
    row["omission_changes"] = _omissions(prep, null=null)
    row["influential_studies"] = influential_studies(prep.influence)
    if prep.bayes_factors is not None:
        bf = prep.bayes_factors
        row.update(bf01_mu0=bf.bf01_mu0, min_bf01_mu0=bf.min_bf01_mu0, bf01_tau0=bf.bf01_tau0)
    return row


def agreement(review_reading: str, bayes_reading: str) -> bool | str:
    """Whether two readings reach the same conclusion ("" when either is unknown);
    "inconclusive: prior-driven" counts as inconclusive."""
    if "unknown" in (review_reading, bayes_reading):
        return ""
    return review_reading == bayes_reading.split(":", 1)[0]


def _omissions(prep: PreparedAnalysis, *, null: float) -> str:
    if prep.influence is None or prep.influence.empty:
        return ""
    review = prep.main.review
    freq = (reading_from_ci(review.ci_low, review.ci_high, null=null, sign=prep.sign)
            if review is not None and review.estimable else "unknown")
    # the leave-one-out fits are the like-for-like reading's model (pipeline.robustness)
    bayes = "unknown"
    if prep.like_for_like is not None:
        bayes = reading_from_probability(prep.like_for_like.summary["p_benefit"])
    return omission_changes(prep.influence, freq_reading=freq, bayes_reading=bayes)


def decision_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows in the fixed column order."""
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)
