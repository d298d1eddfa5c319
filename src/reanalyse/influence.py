"""Leave-one-out influence: the pooled result with each study omitted in turn.

The frequentist table (:func:`leave_one_out`) re-pools the remaining studies with the same
method, model and tau^2 estimator (as metafor's ``leave1out`` and meta's ``metainf``), so an
MH analysis stays MH; each row also says how far the estimate moved on the analysis scale and
whether its interval still excludes the null. The Bayesian table (:func:`leave_one_out_exact`)
refits the exact normal-normal posterior under the same priors and reports what a decision
rests on: the posterior of ``mu`` and P(benefit) and P(clinically meaningful benefit).

The case diagnostics (:func:`case_diagnostics`, as metafor's ``influence`` and ``rstandard``
for an intercept-only ``rma``) are computed on the inverse-variance scale with the analysis'
model and tau^2 estimator (fixed effect: tau^2 = 0); an MH or Peto analysis is diagnosed by
inverse variance, as metafor offers no ``influence`` for ``rma.mh``. With w_i = 1 / (v_i +
tau^2), full-data estimate mu and variance V = 1 / sum w, and the same without study i (mu_-i,
tau^2_-i, V_-i):

- ``rstandard`` = (y_i - mu) / sqrt(v_i + tau^2 - V); ``rstudent`` = (y_i - mu_-i) /
  sqrt(v_i + tau^2_-i + V_-i) (the deleted residual);
- ``hat`` = w_i V and ``weight`` = 100 ``hat``;
- ``dffits`` = (mu - mu_-i) / sqrt(hat (tau^2_-i + v_i)); ``dfbetas`` = (mu - mu_-i) /
  sqrt(V*), V* = 1 / sum_j 1 / (v_j + tau^2_-i) over all k studies;
- ``cook_d`` = (mu - mu_-i)^2 / V; ``cov_r`` = V_-i / V; ``tau2_del``, ``q_del``;
- ``influential`` as metafor marks it: |dffits| > 3 sqrt(1 / (k - 1)), or the chi-squared (1 df)
  probability of cook_d above 0.5, or hat > 3 / k, or |dfbetas| > 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from reanalyse.effects import EffectTable
from reanalyse.pooling import cochran_q, estimate_tau2, inverse_variance, pool_effects
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.sensitivity import exact_cell

__all__ = ["CASE_COLUMNS", "case_diagnostics", "leave_one_out", "leave_one_out_exact"]

#: Columns of the frequentist leave-one-out table.
LOO_COLUMNS: tuple[str, ...] = (
    "omitted", "k", "estimate", "ci_low", "ci_high", "te", "se", "p_z", "q", "df", "p_q", "i2",
    "tau2", "change", "excludes_null",
)


#: Columns of :func:`case_diagnostics`.
CASE_COLUMNS: tuple[str, ...] = (
    "study", "rstandard", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "q_del", "hat",
    "weight", "dfbetas", "influential",
)


def _iv_fit(y: np.ndarray, v: np.ndarray, *, model: str, tau2_method: str
            ) -> tuple[float, float, float, float]:
    """(mu, V, tau^2, Q) of an inverse-variance fit."""
    se = np.sqrt(v)
    tau2 = estimate_tau2(method=tau2_method, te=y, se=se) if model == "random" else 0.0
    fit = inverse_variance(te=y, se=se, tau2=tau2)
    return fit.te, fit.se**2, tau2, cochran_q(te=y, se=se).q


def case_diagnostics(
    effects: EffectTable,
    *,
    model: str = "fixed",
    tau2_method: str = "DL",
) -> pd.DataFrame:
    """Per-study influence diagnostics of the estimable studies of ``effects`` (an
    :class:`~reanalyse.effects.EffectTable`), one row per study with the columns of
    :data:`CASE_COLUMNS` (see the module text). Fewer than three studies give an empty table.
    """
    if model not in ("fixed", "random"):
        raise ValueError(f"model must be fixed or random, got {model!r}")
    eff = effects.estimable_only()
    y = eff.te
    v = eff.se**2
    k = len(y)
    if k < 3:
        return pd.DataFrame(columns=list(CASE_COLUMNS))
    mu, var, tau2, _ = _iv_fit(y, v, model=model, tau2_method=tau2_method)
    hat = (1.0 / (v + tau2)) * var
    rows = []
    for i, study in enumerate(eff.study.astype(str)):
        keep = np.arange(k) != i
        mu_d, var_d, tau2_d, q_d = _iv_fit(y[keep], v[keep], model=model,
                                           tau2_method=tau2_method)
        diff = mu - mu_d
        var_star = 1.0 / float(np.sum(1.0 / (v + tau2_d)))
        dffits = diff / math.sqrt(hat[i] * (tau2_d + v[i]))
        dfbetas = diff / math.sqrt(var_star)
        cook = diff**2 / var
        rows.append({
            "study": study,
            "rstandard": (y[i] - mu) / math.sqrt(v[i] + tau2 - var),
            "rstudent": (y[i] - mu_d) / math.sqrt(v[i] + tau2_d + var_d),
            "dffits": dffits, "cook_d": cook, "cov_r": var_d / var, "tau2_del": tau2_d,
            "q_del": q_d, "hat": hat[i], "weight": 100.0 * hat[i], "dfbetas": dfbetas,
            "influential": bool(abs(dffits) > 3 * math.sqrt(1 / (k - 1))
                                or stats.chi2.cdf(cook, 1) > 0.5 or hat[i] > 3 / k
                                or abs(dfbetas) > 1),
        })
    return pd.DataFrame(rows, columns=list(CASE_COLUMNS))


def leave_one_out(
    effects: EffectTable,
    *,
    measure: str | None = None,
    method: str = "IV",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool ``effects`` (an :class:`~reanalyse.effects.EffectTable`; ``measure`` defaults to
    its own) without each study.

    Returns one row per study in ``effects`` order with the columns of :data:`LOO_COLUMNS`:
    ``omitted`` (the study left out), the pooled ``estimate`` and interval on the natural scale,
    ``te``/``se`` on the analysis scale, the heterogeneity of the rest, ``change`` = te without
    the study minus te with all studies, and ``excludes_null`` (whether the interval of the rest
    excludes no effect). A table of fewer than two studies gives an empty table.
    """
    options = {"measure": measure, "method": method, "model": model,
               "tau2_method": tau2_method, "hksj": hksj, "level": level, "by_subgroup": False}
    if len(effects) < 2:
        return pd.DataFrame(columns=list(LOO_COLUMNS))
    full = pool_effects(effects, **options)  # type: ignore[arg-type]
    null = 1.0 if full.log_scale else 0.0
    rows = []
    for i, study in enumerate(effects.study.astype(str)):
        rest = pool_effects(effects.without(i), **options)  # type: ignore[arg-type]
        rows.append({
            "omitted": study, "k": rest.k, "estimate": rest.estimate, "ci_low": rest.ci_low,
            "ci_high": rest.ci_high, "te": rest.te, "se": rest.se, "p_z": rest.p_z,
            "q": rest.q, "df": rest.df, "p_q": rest.p_q, "i2": rest.i2, "tau2": rest.tau2,
            "change": rest.te - full.te if rest.estimable else math.nan,
            "excludes_null": bool(rest.estimable
                                  and (rest.ci_low > null or rest.ci_high < null)),
        })
    return pd.DataFrame(rows, columns=list(LOO_COLUMNS))


def leave_one_out_exact(
    *,
    y: np.ndarray,
    se: np.ndarray,
    studies: list[str],
    tau_prior: TauPrior | None,
    effect_prior: EffectPrior,
    benefit_sign: int,
    threshold: float | None,
) -> pd.DataFrame:
    """The exact posterior (same priors; ``tau_prior=None``: the common-effect model) with each
    study omitted in turn.

    One row per study: ``omitted``, ``k``, the posterior median and 95% interval of ``mu`` and
    ``tau_median`` on the analysis scale, ``p_benefit``, ``p_meaningful`` (NaN without a
    threshold) and ``note`` (why a row could not be computed, such as a prior that is improper
    for the studies left). Fewer than two studies give an empty table.
    """
    y = np.asarray(y, dtype=float)
    se = np.asarray(se, dtype=float)
    if not (len(y) == len(se) == len(studies)):
        raise ValueError(f"y, se and studies differ in length ({len(y)}, {len(se)}, "
                         f"{len(studies)})")
    cols = ["omitted", "k", "mu_median", "mu_q025", "mu_q975", "tau_median", "p_benefit",
            "p_meaningful", "note"]
    if len(y) < 2:
        return pd.DataFrame(columns=cols)
    rows = []
    for i, study in enumerate(studies):
        keep = np.arange(len(y)) != i
        row: dict[str, object] = {"omitted": study, "k": int(keep.sum())}
        try:
            cell = exact_cell(y=y[keep], se=se[keep], tau_prior=tau_prior,
                              effect_prior=effect_prior, benefit_sign=benefit_sign,
                              threshold=threshold)
        except ValueError as err:
            row.update({c: math.nan for c in cols[2:-1]}, note=str(err))
        else:
            row.update({c: cell[c] for c in cols[2:-1]}, note="")
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)
