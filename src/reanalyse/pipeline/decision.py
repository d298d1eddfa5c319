"""The decision table: per analysis, the review's result beside ours, frequentist and Bayesian.

Reading of a result, used to say whether the Bayesian reading agrees with the review's
conclusion: a 95% interval (or a two-sided 95% posterior probability) that excludes no effect
reads "benefit" or "harm" by its side; otherwise "inconclusive". The review's reading comes from its
published CI (or, for analyses the review did not publish, our frequentist result with its
method); the Bayesian reading is "benefit" when P(benefit) >= 0.975, "harm" when it is <= 0.025.

``prior_sensitivity`` says whether the headline posterior of mu leans on its prior: the
power-scaling diagnosis (priorsense, ``arviz_stats.psense_summary``) of the headline MCMC fit,
"ok" when neither the prior nor the likelihood sensitivity exceeds 0.05. A Bayesian reading under
"strong prior / weak likelihood" is the prior's more than the data's; read it with the grid.

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

from reanalyse.measures import is_ratio

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["DECISION_COLUMNS", "decision_row", "influential_studies", "omission_changes",
           "prior_sensitivity",
           "reading_from_ci", "reading_from_probability"]

DECISION_COLUMNS = [
    "analysis", "title", "measure", "scenario", "k",
    "published_estimate", "published_ci_low", "published_ci_high", "reproduction_status",
    "freq_estimate", "freq_ci_low", "freq_ci_high", "freq_method",
    "freq_i2", "freq_i2_ci_low", "freq_i2_ci_high", "freq_tau2_ci_low", "freq_tau2_ci_high",
    "bayes_engine", "bayes_median", "bayes_q025", "bayes_q975", "bayes_diagnostics",
    "prior_sensitivity",
    "exact_median", "exact_q025", "exact_q975",
    "grid_median_min", "grid_median_max",
    "p_benefit", "p_meaningful", "threshold", "threshold_label", "threshold_source",
    "threshold_provisional", "p_new_benefit", "tau_prior", "effect_prior",
    "tipping_scale_p50", "tipping_scale_p90",
    "review_reading", "bayes_reading", "agrees", "omission_changes", "influential_studies",
    "bf01_mu0", "min_bf01_mu0", "bf01_tau0",
]


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
    """The power-scaling diagnosis of ``parameter`` from a fit's records (``jobs._power_scaling``):
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


def _back(x: float, ratio: bool) -> float:
    return float(math.exp(x)) if ratio and math.isfinite(x) else float(x)


def _oriented(prep: PreparedAnalysis, low: float, mid: float, high: float
              ) -> tuple[float, float, float]:
    """Natural-scale (low, mid, high) in the review's orientation (MD/SMD sign reversed when the
    review reported it so, ``reverse_scale``)."""
    ratio = is_ratio(prep.spec.measure)
    lo, md, hi = _back(low, ratio), _back(mid, ratio), _back(high, ratio)
    if prep.spec.reverse_scale:
        return -hi, -md, -lo
    return lo, md, hi


def decision_row(
    prep: PreparedAnalysis,
    *,
    published: dict[str, Any] | None,
    reproduction_status: str,
    mcmc: dict[str, Any] | None,
) -> dict[str, Any]:
    """One row of the decision table (natural scale; probabilities from the headline fit).

    ``mcmc`` is the default-prior MCMC cell ({summaries, diagnostics status}) or None, in which
    case the exact engine's numbers are the headline.
    """
    spec = prep.spec
    ratio = is_ratio(spec.measure)
    nan = float("nan")
    row: dict[str, Any] = {c: nan for c in DECISION_COLUMNS}
    row.update(analysis=spec.id, title=spec.title, measure=spec.measure, scenario=prep.scenario,
               k=prep.main.k, reproduction_status=reproduction_status,
               tau_prior=prep.default_tau.id if prep.default_tau else "",
               effect_prior=prep.default_effect.id if prep.default_effect else "",
               bayes_engine="", bayes_diagnostics="", prior_sensitivity="", threshold_label="", threshold_source="",
               threshold_provisional="", review_reading="unknown", bayes_reading="unknown",
               agrees="")
    sign = prep.sign
    null = 1.0 if ratio else 0.0
    review = prep.main.review
    if review is not None and review.estimable:
        lo, est, hi = review.ci_low, review.estimate, review.ci_high
        if spec.reverse_scale:
            lo, est, hi = -hi, -est, -lo
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
        # in the review's orientation, benefit is positive when it reversed the scale
        s = 1 if spec.reverse_scale else sign
        row["review_reading"] = reading_from_ci(pl, ph, null=null, sign=s)
    elif review is not None and review.estimable:
        row["review_reading"] = reading_from_ci(review.ci_low, review.ci_high, null=null,
                                                sign=sign)
    ex = prep.exact_default
    if ex is not None:
        lo, med, hi = _oriented(prep, *ex.quantile("mu", [0.025, 0.5, 0.975]))
        row.update(exact_median=med, exact_q025=lo, exact_q975=hi)
    cell = None
    if mcmc is not None and mcmc.get("cell"):
        cell = mcmc["cell"]
        row["bayes_engine"] = f"mcmc ({mcmc.get('model', 'normal')})"
        row["bayes_diagnostics"] = mcmc.get("diagnostics", {}).get("status", "")
        row["prior_sensitivity"] = prior_sensitivity(mcmc.get("psense"))
    elif prep.default_tau is not None:
        cell = prep.exact_cells.get((prep.default_tau.id, prep.default_effect.id,  # type: ignore[union-attr]
                                     "normal", prep.scenario))
        row["bayes_engine"] = "exact (normal)"
        row["bayes_diagnostics"] = "exact"
    if cell:
        lo, med, hi = _oriented(prep, cell["mu_q025"], cell["mu_median"], cell["mu_q975"])
        row.update(bayes_median=med, bayes_q025=lo, bayes_q975=hi, p_benefit=cell["p_benefit"], p_meaningful=cell["p_meaningful"],
                   p_new_benefit=cell["p_new_benefit"])
        row["bayes_reading"] = reading_from_probability(cell["p_benefit"])
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
    if row["review_reading"] != "unknown" and row["bayes_reading"] != "unknown":
        row["agrees"] = row["review_reading"] == row["bayes_reading"]
    row["omission_changes"] = _omissions(prep, null=null)
    row["influential_studies"] = influential_studies(prep.influence)
    if prep.bayes_factors is not None:
        bf = prep.bayes_factors
        row.update(bf01_mu0=bf.bf01_mu0, min_bf01_mu0=bf.min_bf01_mu0, bf01_tau0=bf.bf01_tau0)
    return row


def _omissions(prep: PreparedAnalysis, *, null: float) -> str:
    if prep.influence is None or prep.influence.empty:
        return ""
    review = prep.main.review
    freq = (reading_from_ci(review.ci_low, review.ci_high, null=null, sign=prep.sign)
            if review is not None and review.estimable else "unknown")
    bayes = "unknown"
    if prep.default_tau is not None and prep.default_effect is not None:
        cell = prep.exact_cells.get((prep.default_tau.id, prep.default_effect.id, "normal",
                                     prep.scenario))
        if cell:
            bayes = reading_from_probability(cell["p_benefit"])
    return omission_changes(prep.influence, freq_reading=freq, bayes_reading=bayes)


def decision_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows in the fixed column order."""
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)
