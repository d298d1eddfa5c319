"""How far one analysis' conclusion rests on single studies and on small-study effects.

- ``influence``: each study omitted in turn, pooled with the review's method (frequentist) and
  refitted by the exact engine under the default priors (Bayesian), with the reading of each
  (benefit / harm / inconclusive, as in the decision table) and the P(benefit) and
  P(clinically meaningful benefit) of the rest. Natural scale, the analysis' own orientation.
  From three studies on, metafor's case diagnostics of each study (``influence.case_diagnostics``:
  studentised deleted residual, Cook's distance, hat, DFFITS, DFBETAS, covariance ratio) and
  whether metafor's rule marks it influential.
- ``small_study``: the funnel-plot asymmetry tests that suit the measure, done only from
  :data:`reanalyse.small_study.MIN_STUDIES` studies on (each row says why otherwise).
- ``trim_fill``: trim and fill (L0 and R0) with the review's model and tau^2 estimator on the
  inverse-variance scale, from the same number of studies on.

The decision table's ``omission_changes`` (``pipeline.decision``) sums the influence table up.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from reanalyse.influence import case_diagnostics, leave_one_out, leave_one_out_exact
from reanalyse.measures import is_ratio
from reanalyse.pipeline.decision import reading_from_ci, reading_from_probability
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.small_study import small_study_tests
from reanalyse.trim_fill import TrimFill, trim_fill_fits, trim_fill_table

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["INFLUENCE_COLUMNS", "influence_table", "small_study_table", "trim_fill_for"]

INFLUENCE_COLUMNS: tuple[str, ...] = (
    "omitted", "k", "estimate", "ci_low", "ci_high", "p_z", "i2", "tau2", "change",
    "freq_reading", "bayes_median", "bayes_q025", "bayes_q975", "p_benefit", "p_meaningful",
    "bayes_reading", "rstudent", "cook_d", "hat", "dffits", "dfbetas", "cov_r", "influential",
    "note",
)
_CASE = ("rstudent", "cook_d", "hat", "dffits", "dfbetas", "cov_r", "influential")


def influence_table(prep: PreparedAnalysis) -> pd.DataFrame:
    """Leave-one-out table of the main scenario (empty below two studies)."""
    main = prep.main
    spec = prep.spec
    if main.effects is None or main.k < 2 or main.review is None:
        return pd.DataFrame(columns=list(INFLUENCE_COLUMNS))
    review = main.review
    freq = leave_one_out(main.effects, measure=spec.measure, method=review.method,
                         model=review.model, tau2_method=review.tau2_method or "DL")
    ratio = is_ratio(spec.measure)
    null = 1.0 if ratio else 0.0
    table = freq[["omitted", "k", "estimate", "ci_low", "ci_high", "p_z", "i2", "tau2",
                  "change"]].copy()
    table["freq_reading"] = [reading_from_ci(lo, hi, null=null, sign=prep.sign)
                             for lo, hi in zip(freq["ci_low"], freq["ci_high"], strict=True)]
    cases = case_diagnostics(main.effects, model=review.model,
                             tau2_method=review.tau2_method or "DL")
    for col in _CASE:
        table[col] = (cases[col].to_numpy() if len(cases) == len(table)
                      else (False if col == "influential" else math.nan))
    # the like-for-like reading's model (the review's: tau = 0 when it pooled fixed-effect),
    # so that what an omission changes is read against the headline the table reports
    common = prep.like_for_like is not None and not prep.like_for_like.tau_prior
    tau = None if common else (prep.default_tau.prior if prep.default_tau else None)
    effect = prep.default_effect.prior if prep.default_effect else None
    refusal = "no exact-engine prior for this analysis"
    if (common or isinstance(tau, TauPrior)) and isinstance(effect, EffectPrior):
        try:
            effect.exact_mu_prior()  # the one rule for what the exact engine integrates
        except ValueError as err:
            refusal = str(err)
        else:
            refusal = ""
    if refusal:
        for col in INFLUENCE_COLUMNS[10:16]:
            table[col] = math.nan if col != "bayes_reading" else "unknown"
        table["note"] = refusal
        return table[list(INFLUENCE_COLUMNS)]
    y, se = main.y_se()
    bayes = leave_one_out_exact(y=y, se=se, studies=[str(s) for s in main.effects.study],
                                tau_prior=tau, effect_prior=effect, benefit_sign=prep.sign,
                                threshold=prep.primary.t if prep.primary else None)
    back = np.exp if ratio else (lambda x: x)
    table["bayes_median"] = back(bayes["mu_median"].to_numpy(dtype=float))
    table["bayes_q025"] = back(bayes["mu_q025"].to_numpy(dtype=float))
    table["bayes_q975"] = back(bayes["mu_q975"].to_numpy(dtype=float))
    table["p_benefit"] = bayes["p_benefit"].to_numpy(dtype=float)
    table["p_meaningful"] = bayes["p_meaningful"].to_numpy(dtype=float)
    table["bayes_reading"] = [reading_from_probability(p) for p in table["p_benefit"]]
    table["note"] = bayes["note"].to_numpy()
    return table[list(INFLUENCE_COLUMNS)]


def small_study_table(prep: PreparedAnalysis) -> pd.DataFrame:
    """Funnel-plot asymmetry tests of the main scenario (rows say 'not done' below 10 studies)."""
    main = prep.main
    if main.effects is None or main.k == 0:
        return pd.DataFrame()
    return small_study_tests(main.effects, measure=prep.spec.measure)


def trim_fill_for(prep: PreparedAnalysis) -> tuple[pd.DataFrame, dict[str, TrimFill]]:
    """Trim and fill of the main scenario: the table (rows say 'not done' below 10 studies) and
    the fits behind it (for the funnel plot)."""
    main = prep.main
    if main.effects is None or main.k == 0 or main.review is None:
        return pd.DataFrame(), {}
    options = {"measure": prep.spec.measure, "model": main.review.model,
               "tau2_method": main.review.tau2_method or "DL"}
    fits = trim_fill_fits(main.effects, **options)
    return trim_fill_table(main.effects, fits=fits, **options), fits
