"""Trim and fill (Duval & Tweedie 2000, Biometrics 56:455): how many studies a funnel plot may
be missing, and the pooled estimate with their mirror images filled in.

As metafor's ``trimfill`` and meta's ``trimfill``, on the inverse-variance scale of the study
effects (an MH or Peto analysis is trimmed and filled by inverse variance):

1. The side the studies are missing from is the one opposite to the small-study excess: left
   when Egger's regression intercept is positive, right otherwise (meta's rule; metafor's with
   a fixed-effect model). ``side`` overrides it.
2. Effects are mirrored when missing on the right, so that the missing ones are always on the
   left, and sorted. Starting from k0 = 0, the k0 largest are trimmed, the rest pooled with the
   analysis' model and tau^2 estimator, all effects centred on that estimate and ranked by
   absolute size (ties in order), and k0 re-estimated: L0 = (4 S_r - k(k + 1)) / (2k - 1), S_r
   the sum of the positive signed ranks, or R0 = (k - r*) - 1, r* the largest rank of a
   negative deviation; rounded, floored at 0, until it stops changing. The SE of k0 is
   computed before rounding (L0: 4 sqrt(Var S_r) / (2k - 1); R0: sqrt(2 k0 + 2)), and R0 has
   the p-value 0.5^(k0 + 1) of observing k0 or more under no missing studies.
3. The k0 trimmed studies are mirrored about the trimmed estimate (2 mu - y_i, same SE) and
   all k + k0 pooled with the analysis' model.

The filled estimate is a sensitivity analysis, not a correction: the Cochrane Handbook (13.3.5.4)
warns that asymmetry need not come from missing studies. Not done below ``min_studies``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from reanalyse.effects import EffectTable
from reanalyse.pooling import PooledResult, estimate_tau2, inverse_variance, pool_effects
from reanalyse.small_study import MIN_STUDIES, egger_test

__all__ = ["TRIM_FILL_COLUMNS", "TrimFill", "trim_and_fill", "trim_fill_fits", "trim_fill_table"]

_MAX_ITER = 100

#: Columns of :func:`trim_fill_table`.
TRIM_FILL_COLUMNS: tuple[str, ...] = (
    "estimator", "side", "k", "k0", "se_k0", "p_k0", "estimate", "ci_low", "ci_high",
    "filled_estimate", "filled_ci_low", "filled_ci_high", "filled_tau2", "note",
)


@dataclass(frozen=True)
class TrimFill:
    """The result of trim and fill.

    ``side`` is where the missing studies were imputed; ``k0`` how many, with ``se_k0`` and (R0
    only) ``p_k0``; ``observed`` the inverse-variance pooling of the k studies and ``filled``
    that of the k + k0 (its ``studies`` table lists the filled ones as ``filled 1``, ...);
    ``filled_effects`` the imputed effects (``study, te, se``) on the analysis scale.
    """

    estimator: str
    side: str
    k0: int
    se_k0: float
    p_k0: float
    iterations: int
    observed: PooledResult
    filled: PooledResult
    filled_effects: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with both poolings."""
        def clean(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {"estimator": self.estimator, "side": self.side, "k0": self.k0,
                "se_k0": clean(self.se_k0), "p_k0": clean(self.p_k0),
                "iterations": self.iterations, "observed": self.observed.to_dict(),
                "filled": self.filled.to_dict(),
                "filled_effects": self.filled_effects.to_dict("records")}


def _centre(y: np.ndarray, se: np.ndarray, *, model: str, tau2_method: str) -> float:
    tau2 = estimate_tau2(method=tau2_method, te=y, se=se) if model == "random" else 0.0
    return inverse_variance(te=y, se=se, tau2=tau2).te


def _estimate_k0(y: np.ndarray, mu: float, *, estimator: str) -> tuple[float, float]:
    """Unrounded k0 and its SE from effects ``y`` (missing side on the left) centred on ``mu``."""
    k = len(y)
    dev = y - mu
    ranks = stats.rankdata(np.abs(dev), method="ordinal")
    signed = np.sign(dev) * ranks
    if estimator == "R0":
        negative = -signed[signed < 0]
        k0 = (k - (float(negative.max()) if negative.size else 0.0)) - 1
        return k0, math.sqrt(2 * max(0.0, k0) + 2)
    s_r = float(signed[signed > 0].sum())
    k0 = (4 * s_r - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0 - 18 * k * k0**2
              - 18 * k * k0 + 6 * k**2 * k0) / 24
    return k0, 4 * math.sqrt(max(0.0, var_sr)) / (2 * k - 1)


def trim_and_fill(
    effects: EffectTable,
    *,
    model: Literal["fixed", "random"] = "fixed",
    tau2_method: Literal["DL", "REML", "PM"] = "DL",
    hksj: bool = False,
    level: float = 0.95,
    estimator: Literal["L0", "R0"] = "L0",
    side: Literal["left", "right"] | None = None,
    measure: str | None = None,
) -> TrimFill:
    """Trim and fill the estimable studies of ``effects`` (an
    :class:`~reanalyse.effects.EffectTable`).

    ``measure`` (default: the table's) names the scale (ratio measures are pooled on the log scale and reported back on
    the ratio scale). Needs three or more studies; see the module text for the algorithm.
    """
    if estimator not in ("L0", "R0"):
        raise ValueError(f"estimator must be L0 or R0, got {estimator!r}")
    if side not in (None, "left", "right"):
        raise ValueError(f"side must be left, right or None, got {side!r}")
    measure = effects.measure if measure is None else measure
    eff = effects.estimable_only()
    names = eff.study.astype(str)
    y0, se0 = eff.te, eff.se
    k = len(y0)
    if k < 3:
        raise ValueError(f"trim and fill needs three or more studies, got {k}")
    if side is None:
        side = "left" if egger_test(te=y0, se=se0).bias > 0 else "right"
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y0, kind="stable")
    y, se = sign * y0[order], se0[order]
    k0, k0_prev, se_k0, iterations = 0, -1, math.nan, 0
    mu = math.nan
    while k0 != k0_prev:
        k0_prev = k0
        iterations += 1
        if iterations > _MAX_ITER:
            raise ArithmeticError(f"trim and fill did not converge in {_MAX_ITER} iterations")
        mu = _centre(y[:k - k0], se[:k - k0], model=model, tau2_method=tau2_method)
        raw, se_k0 = _estimate_k0(y, mu, estimator=estimator)
        k0 = max(0, round(raw))  # Python's round, like R's, sends halves to the even neighbour
        se_k0 = max(0.0, se_k0)
    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else math.nan
    options = {"measure": measure, "method": "IV", "model": model, "tau2_method": tau2_method,
               "hksj": hksj, "level": level, "by_subgroup": False}
    observed = pool_effects(EffectTable.from_estimates(study=names, te=y0, se=se0,
                                                       measure=measure), **options)  # type: ignore[arg-type]
    fill_te = sign * (2 * mu - y[k - k0:])
    fill = pd.DataFrame({"study": [f"filled {i + 1}" for i in range(k0)], "te": fill_te,
                         "se": se[k - k0:]})
    if k0:
        both = EffectTable.from_estimates(
            study=[*names, *fill["study"]], te=np.concatenate([y0, fill_te]),
            se=np.concatenate([se0, se[k - k0:]]), measure=measure)
        filled = pool_effects(both, **options)  # type: ignore[arg-type]
    else:
        filled = observed
    return TrimFill(estimator=estimator, side=side, k0=k0, se_k0=se_k0, p_k0=p_k0,
                    iterations=iterations, observed=observed, filled=filled,
                    filled_effects=fill)


def trim_fill_fits(effects: EffectTable, *, measure: str | None = None, model: str = "fixed",
                   tau2_method: str = "DL", min_studies: int = MIN_STUDIES) -> dict[str, TrimFill]:
    """Trim and fill by each estimator (``{"L0": ..., "R0": ...}``); empty below ``min_studies``
    estimable studies."""
    eff = effects.estimable_only()
    if len(eff) < min_studies:
        return {}
    return {est: trim_and_fill(eff, measure=measure, model=model,  # type: ignore[arg-type]
                               tau2_method=tau2_method, estimator=est)  # type: ignore[arg-type]
            for est in ("L0", "R0")}


def trim_fill_table(effects: EffectTable, *, measure: str | None = None, model: str = "fixed",
                    tau2_method: str = "DL", min_studies: int = MIN_STUDIES,
                    fits: dict[str, TrimFill] | None = None) -> pd.DataFrame:
    """One row per estimator (L0, R0) with the columns of :data:`TRIM_FILL_COLUMNS`; below
    ``min_studies`` estimable studies the rows say it was not done and why. ``fits`` are the
    :func:`trim_fill_fits` of the same effects when already computed."""
    eff = effects.estimable_only()
    k = len(eff)
    if fits is None:
        fits = trim_fill_fits(eff, measure=measure, model=model, tau2_method=tau2_method,
                              min_studies=min_studies)
    rows = []
    for est in ("L0", "R0"):
        row: dict[str, Any] = {c: math.nan for c in TRIM_FILL_COLUMNS}
        row.update(estimator=est, side="", k=k, note="")
        res = fits.get(est)
        if res is None:
            row["note"] = (f"not done: {k} studies, fewer than {min_studies} (Cochrane Handbook "
                           "13.3.5.4)")
            rows.append(row)
            continue
        row.update(side=res.side, k0=res.k0, se_k0=res.se_k0, p_k0=res.p_k0,
                   estimate=res.observed.estimate, ci_low=res.observed.ci_low,
                   ci_high=res.observed.ci_high, filled_estimate=res.filled.estimate,
                   filled_ci_low=res.filled.ci_low, filled_ci_high=res.filled.ci_high,
                   filled_tau2=res.filled.tau2)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TRIM_FILL_COLUMNS))
