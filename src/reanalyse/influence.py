"""Leave-one-out influence: the pooled result with each study omitted in turn.

The frequentist table (:func:`leave_one_out`) re-pools the remaining studies with the same
method, model and tau^2 estimator (as metafor's ``leave1out`` and meta's ``metainf``), so an
MH analysis stays MH; each row also says how far the estimate moved on the analysis scale and
whether its interval still excludes the null. The Bayesian table (:func:`leave_one_out_exact`)
refits the exact normal-normal posterior under the same priors and reports what a decision
rests on: the posterior of ``mu`` and P(benefit) and P(clinically meaningful benefit).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reanalyse.pooling import pool_effects
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.sensitivity import exact_cell

__all__ = ["leave_one_out", "leave_one_out_exact"]

#: Columns of the frequentist leave-one-out table.
LOO_COLUMNS: tuple[str, ...] = (
    "omitted", "k", "estimate", "ci_low", "ci_high", "te", "se", "p_z", "q", "df", "p_q", "i2",
    "tau2", "change", "excludes_null",
)


def leave_one_out(
    effects: pd.DataFrame,
    *,
    measure: str,
    method: str = "IV",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool ``effects`` (as made by :func:`reanalyse.effects.study_effects`) without each study.

    Returns one row per study in ``effects`` order with the columns of :data:`LOO_COLUMNS`:
    ``omitted`` (the study left out), the pooled ``estimate`` and interval on the natural scale,
    ``te``/``se`` on the analysis scale, the heterogeneity of the rest, ``change`` = te without
    the study minus te with all studies, and ``excludes_null`` (whether the interval of the rest
    excludes no effect). A table of fewer than two studies gives an empty table.
    """
    options = {"measure": measure, "method": method, "model": model,
               "tau2_method": tau2_method, "hksj": hksj, "level": level, "by_subgroup": False}
    effects = effects.reset_index(drop=True)
    if len(effects) < 2:
        return pd.DataFrame(columns=list(LOO_COLUMNS))
    full = pool_effects(effects, **options)  # type: ignore[arg-type]
    null = 1.0 if full.log_scale else 0.0
    rows = []
    for i, study in enumerate(effects["study"].astype(str)):
        rest = pool_effects(effects.drop(index=i), **options)  # type: ignore[arg-type]
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
    tau_prior: TauPrior,
    effect_prior: EffectPrior,
    benefit_sign: int,
    threshold: float | None,
) -> pd.DataFrame:
    """The exact posterior (same priors) with each study omitted in turn.

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
