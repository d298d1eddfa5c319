"""The front door of the frequentist layer: ``pool`` a study table, or ``pool_effects``.

Fixed effect: inverse variance (IV), Mantel-Haenszel (MH, RR/OR/RD) or Peto (OR). Random
effects: DerSimonian-Laird (RevMan 5), REML or Paule-Mandel tau^2, an inverse-variance estimate
with weights 1/(se^2 + tau^2), Wald (z) intervals or Hartung-Knapp-Sidik-Jonkman (t on k - 1
df), and a prediction interval (Higgins, Thompson & Spiegelhalter 2009: t on k - 2 df with
variance tau^2 + SE^2) when k >= 3. Heterogeneity: Q around the fixed-effect estimate of the
chosen method (around the MH estimate under MH, as RevMan 5), I^2 from Q, with a Q-profile
interval for tau^2 and a Higgins-Thompson interval for I^2 (``heterogeneity_ci``). Subgroups are pooled
separately (each with its own tau^2) and compared by a Q test on their pooled estimates.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from reanalyse.conversions import normalise_level
from reanalyse.data.table import StudyTable
from reanalyse.effects import EffectTable, peto_components, study_effects
from reanalyse.errors import DataValidationError
from reanalyse.measures import BINARY_MEASURES, MEASURES, is_ratio, on_natural_scale
from reanalyse.pooling.heterogeneity import Heterogeneity, cochran_q, i_squared
from reanalyse.pooling.heterogeneity_ci import heterogeneity_interval
from reanalyse.pooling.inverse_variance import WeightedEstimate, inverse_variance
from reanalyse.pooling.mantel_haenszel import mantel_haenszel
from reanalyse.pooling.peto import peto
from reanalyse.pooling.result import PooledResult, SubgroupTest
from reanalyse.pooling.tau2 import estimate_tau2

__all__ = ["ARM_METHODS", "method_for_effects", "pool", "pool_effects"]

_NAN = float("nan")
# the normal and t quantiles and tails come from scipy.special, the functions scipy.stats'
# norm and t call (ndtri, ndtr, stdtrit, stdtr), without its per-call argument checking


def pool(
    table: StudyTable,
    *,
    measure: Literal["MD", "SMD", "RR", "OR", "RD"],
    treatment: str,
    control: str,
    method: Literal["IV", "MH", "PETO"] | None = "IV",
    model: Literal["fixed", "random"] = "fixed",
    tau2_method: Literal["DL", "REML", "PM"] = "DL",
    hksj: bool = False,
    level: float = 0.95,
    study_level: float | None = None,
    by_subgroup: bool = True,
) -> PooledResult:
    """Pool the studies of ``table`` comparing ``treatment`` with ``control``.

    Parameters
    ----------
    table
        A validated study table holding one outcome and timepoint (see
        :meth:`StudyTable.select`).
    measure, method, model, tau2_method, hksj
        The analysis, as RevMan names it. ``method`` MH needs RR, OR or RD from arm-level
        binary data; PETO needs OR from arm-level binary data and is fixed-effect only.
        ``None`` is RevMan's default: MH for binary measures, IV for continuous ones, and IV
        (with a note) when a study enters only as a contrast.
    level, study_level
        Confidence level of the pooled and of the per-study intervals (RevMan's CI_TOTAL and
        CI_STUDY); ``study_level`` defaults to ``level``.
    by_subgroup
        When the table has a ``subgroup`` column, also pool each subgroup and test for
        subgroup differences.

    Returns
    -------
    PooledResult

    Raises
    ------
    DataValidationError
        When the data do not fit the measure or method.
    """
    study_level = normalise_level(study_level) if study_level is not None else level
    effects = study_effects(table, measure=measure, treatment=treatment, control=control,
                            level=study_level)
    if method is None:
        method, note = method_for_effects(
            "MH" if measure in BINARY_MEASURES else "IV", effects)
        result = pool_effects(effects, measure=measure, method=method, model=model,
                              tau2_method=tau2_method, hksj=hksj, level=level,
                              study_level=study_level, by_subgroup=by_subgroup,
                              treatment=treatment, control=control)
        return result if note is None else replace(result, notes=(note, *result.notes))
    if method in ARM_METHODS and effects.has_contrasts:
        contrast = effects.select(effects.kind == "contrast")
        raise DataValidationError.single(
            file=table.name, rule="method does not fit",
            message=f"{method} needs arm-level binary data, but "
            f"{', '.join(map(str, contrast.study))} report only a contrast; use --method IV",
            row=int(contrast.rows[0][0]), column="estimate")
    return pool_effects(effects, measure=measure, method=method, model=model,
                        tau2_method=tau2_method, hksj=hksj, level=level,
                        study_level=study_level, by_subgroup=by_subgroup, treatment=treatment,
                        control=control)


#: Methods that pool arm counts (a study reported only as a contrast cannot enter them).
ARM_METHODS: tuple[str, ...] = ("MH", "PETO")


def method_for_effects(method: str, effects: EffectTable) -> tuple[str, str | None]:
    """The method a review's analysis can use on these study effects, and why it changed.

    Mantel-Haenszel and Peto pool arm counts; when any study enters only as a contrast
    (estimate and SE), the analysis is pooled by inverse variance instead, as RevMan pools
    generic inverse-variance data. Returns ``(method, note)``; ``note`` is ``None`` when the
    method is kept.
    """
    if method in ARM_METHODS and effects.has_contrasts:
        return "IV", (f"{method} needs arm counts; the contrast rows are pooled by inverse "
                      "variance")
    return method, None


def pool_effects(
    effects: EffectTable,
    *,
    measure: str | None = None,
    method: str = "IV",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
    study_level: float | None = None,
    by_subgroup: bool = True,
    treatment: str | None = None,
    control: str | None = None,
) -> PooledResult:
    """Pool an effect table (:func:`reanalyse.effects.study_effects`).

    ``measure`` defaults to the table's; ``treatment`` and ``control`` (default: the table's)
    name the arms in the result; ``study_level`` defaults to ``level``.
    """
    measure = effects.measure if measure is None else measure
    treatment = effects.treatment if treatment is None else treatment
    control = effects.control if control is None else control
    _check_options(measure=measure, method=method, model=model, tau2_method=tau2_method)
    level = normalise_level(level)
    study_level = normalise_level(study_level) if study_level is not None else level
    overall = _pool_one(effects, measure=measure, method=method, model=model,
                        tau2_method=tau2_method, hksj=hksj, level=level, study_level=study_level)
    overall = replace(overall, treatment=treatment, control=control)
    labels = effects.subgroups()
    if not by_subgroup or not labels:
        return overall
    subs = tuple(
        _pool_one(effects.select(effects.subgroup == label), measure=measure, method=method,
                  model=model, tau2_method=tau2_method, hksj=hksj, level=level,
                  study_level=study_level, subgroup=label)
        for label in labels
    )
    return replace(overall, subgroups=subs, subgroup_test=subgroup_differences(subs))


def subgroup_differences(subgroups: tuple[PooledResult, ...]) -> SubgroupTest:
    """Q test between the pooled estimates of estimable subgroups (weights 1/SE^2)."""
    est = [s for s in subgroups if s.estimable]
    if len(est) < 2:
        return SubgroupTest(q=_NAN, df=0, p=_NAN, i2=_NAN)
    het = cochran_q(te=[s.te for s in est], se=[s.se for s in est])
    return SubgroupTest(q=het.q, df=het.df, p=het.p_q, i2=het.i2)


def _check_options(*, measure: str, method: str, model: str, tau2_method: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    if method not in ("IV", "MH", "PETO"):
        raise ValueError(f"method must be IV, MH or PETO, got {method!r}")
    if model not in ("fixed", "random"):
        raise ValueError(f"model must be fixed or random, got {model!r}")
    if tau2_method not in ("DL", "REML", "PM"):
        raise ValueError(f"tau2 method must be DL, REML or PM, got {tau2_method!r}")
    if method == "MH" and measure not in BINARY_MEASURES:
        raise ValueError(f"Mantel-Haenszel pools RR, OR or RD, not {measure}")
    if method == "PETO" and measure != "OR":
        raise ValueError("the Peto method pools odds ratios only (measure OR)")
    if method == "PETO" and model == "random":
        raise ValueError("the Peto method is fixed-effect only (RevMan offers no random-effects "
                         "Peto analysis)")


def _pool_one(
    effects: EffectTable, *, measure: str, method: str, model: str, tau2_method: str,
    hksj: bool, level: float, study_level: float, subgroup: str | None = None,
) -> PooledResult:
    cells = effects.binary_cells() if method in ARM_METHODS else {}
    te_all = effects.te
    se_all = effects.se
    est_mask = effects.estimable
    if method == "PETO":
        o_e, v = peto_components(**cells)
        est_mask = np.isfinite(v) & (v > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            te_all = np.where(est_mask, o_e / v, np.nan)
            se_all = np.where(est_mask, 1 / np.sqrt(v), np.nan)
    k = int(est_mask.sum())
    log_scale = is_ratio(measure) or method == "PETO"
    names = effects.study.astype(str)
    sub_labels = effects.subgroup.astype(str)
    excluded = tuple(names[~est_mask])
    common = {"measure": measure, "method": method, "model": model,
                  "tau2_method": tau2_method if model == "random" else None, "hksj": hksj,
                  "level": level, "log_scale": log_scale, "subgroup": subgroup, "excluded": excluded}
    if k == 0:
        studies = _study_table(names, te_all, se_all, est_mask, np.zeros(len(names)),
                               sub_labels, log_scale=log_scale, level=study_level,
                               effects=effects)
        return PooledResult(
            **common, estimable=False, k=0, estimate=_NAN, ci_low=_NAN, ci_high=_NAN,
            te=_NAN, se=_NAN, z=_NAN, p_z=_NAN, q=_NAN, df=0, p_q=_NAN, i2=_NAN, tau2=_NAN,
            pi_low=None, pi_high=None, studies=studies, notes=("no study is estimable",))
    y = te_all[est_mask]
    se = se_all[est_mask]

    fixed = _fixed(cells, measure=measure, method=method, est_mask=est_mask, y=y, se=se)
    het: Heterogeneity = cochran_q(te=y, se=se, centre=fixed.te)
    notes: list[str] = []
    tau2 = 0.0
    weights_all = np.zeros(len(names))
    pi_low = pi_high = None
    crit = special.ndtri((1 + level) / 2)
    if model == "fixed":
        pooled = fixed
        if method == "PETO":
            weights_all = np.asarray(fixed.weights, dtype=float)
        else:
            weights_all[est_mask] = fixed.weights
        z = pooled.te / pooled.se
        p_z = float(2 * special.ndtr(-abs(z)))
    else:
        tau2 = estimate_tau2(method=tau2_method, te=y, se=se, q=het.q)
        pooled = inverse_variance(te=y, se=se, tau2=tau2)
        weights_all[est_mask] = pooled.weights
        se_use = pooled.se
        z = pooled.te / se_use
        p_z = float(2 * special.ndtr(-abs(z)))
        if hksj and k < 2:
            notes.append("HKSJ needs two or more studies; Wald interval shown")
        elif hksj:
            w = pooled.weights
            q_hk = float(np.sum(w * (y - pooled.te) ** 2) / (k - 1))
            se_use = math.sqrt(q_hk / float(np.sum(w)))
            crit = special.stdtrit(k - 1, (1 + level) / 2)
            if se_use > 0:
                z = pooled.te / se_use
            else:  # identical study effects: the HKSJ variance is 0 (Knapp-Hartung, no ad hoc
                # correction), the interval a point
                notes.append("HKSJ: the study effects are identical, so the HKSJ variance is 0 "
                             "and the interval has no width")
                z = math.copysign(math.inf, pooled.te) if pooled.te != 0 else math.nan
            p_z = float(2 * special.stdtr(k - 1, -abs(z)))
        pooled = WeightedEstimate(te=pooled.te, se=se_use, weights=pooled.weights)
        if k >= 3:
            t_pi = special.stdtrit(k - 2, (1 + level) / 2)
            pi_half = t_pi * math.sqrt(tau2 + pooled.se**2)
            pi_low = _back(pooled.te - pi_half, log_scale)
            pi_high = _back(pooled.te + pi_half, log_scale)
        else:
            notes.append("prediction interval needs three or more studies")
    half = crit * pooled.se
    total_w = float(np.sum(weights_all))
    weight_pct = 100.0 * weights_all / total_w if total_w > 0 else weights_all
    studies = _study_table(names, te_all, se_all, est_mask, weight_pct, sub_labels,
                           log_scale=log_scale, level=study_level, effects=effects)
    return PooledResult(
        **common, estimable=True, k=k,
        estimate=_back(pooled.te, log_scale), ci_low=_back(pooled.te - half, log_scale),
        ci_high=_back(pooled.te + half, log_scale), te=pooled.te, se=pooled.se,
        z=float(z), p_z=p_z, q=het.q, df=het.df, p_q=het.p_q, i2=i_squared(het.q, het.df),
        tau2=tau2, pi_low=pi_low, pi_high=pi_high, studies=studies, notes=tuple(notes),
        heterogeneity_ci=(heterogeneity_interval(te=y, se=se, q=het.q, level=level)
                          if k >= 2 else None))


def _fixed(cells: dict[str, np.ndarray], *, measure: str, method: str,
           est_mask: np.ndarray, y: np.ndarray, se: np.ndarray) -> WeightedEstimate:
    if method == "IV":
        return inverse_variance(te=y, se=se)
    if method == "PETO":
        return peto(**cells)
    keep = np.ones_like(est_mask) if measure == "RD" else est_mask
    return mantel_haenszel(measure=measure, **{c: v[keep] for c, v in cells.items()})


def _study_table(names: np.ndarray, te: np.ndarray, se: np.ndarray, estimable: np.ndarray,
                 weight: np.ndarray, subgroups: np.ndarray | None, *, log_scale: bool,
                 level: float, effects: EffectTable) -> pd.DataFrame:
    """One row per study: effect and CI, weight (%), estimable, subgroup, and the data it
    entered as (``kind``; the arm columns of :meth:`EffectTable.to_frame`, NaN for contrasts),
    which the forest plot prints."""
    crit = special.ndtri((1 + level) / 2)
    cols: dict[str, np.ndarray] = {
        "study": names, "te": te, "se": se, "estimate": _back(te, log_scale),
        "ci_low": _back(te - crit * se, log_scale), "ci_high": _back(te + crit * se, log_scale),
        "weight": np.asarray(weight, dtype=float), "estimable": estimable,
    }
    if subgroups is not None:
        cols["subgroup"] = subgroups
    cols["kind"] = effects.kind.astype(str)
    if effects.arms is not None:
        cols.update(effects.arms.columns())
    return pd.DataFrame(cols)


def _back(x, ratio: bool):  # type: ignore[no-untyped-def]
    return on_natural_scale(x, ratio=ratio)

