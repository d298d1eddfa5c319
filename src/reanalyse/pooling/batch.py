"""Pool many meta-analyses at once: ``pool_batch`` over stacked arrays (meta x study).

For simulation studies and grids of analyses: the effects (``te``, ``se`` on the analysis
scale) or the binary arm counts of every meta-analysis are stacked as arrays of shape
(meta-analysis, study), padded with NaN (or marked by ``mask``) where a meta-analysis has
fewer studies. Each meta-analysis is pooled exactly as :func:`reanalyse.pooling.pool_effects`
pools it alone (inverse variance or Mantel-Haenszel; DL, REML or PM tau^2; HKSJ; prediction
interval; Q around the method's fixed-effect estimate; the Q-profile interval for tau^2), with
the same formulas on whole arrays and no loop over meta-analyses or studies in Python.
:func:`stack_effects` stacks :class:`~reanalyse.effects.EffectTable` objects into those arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from reanalyse.conversions import normalise_level
from reanalyse.effects import EffectTable, binary_effect
from reanalyse.measures import BINARY_MEASURES, is_ratio, on_natural_scale
from reanalyse.pooling.api import _check_options
from reanalyse.pooling.batch_result import BatchPooled
from reanalyse.pooling.mantel_haenszel import mantel_haenszel_stacked
from reanalyse.pooling.stack import Stack, stack
from reanalyse.pooling.tau2_stacked import estimate_tau2_stacked, root_decreasing_stacked

__all__ = ["pool_batch", "stack_effects"]

Array = NDArray[np.float64]
_CELLS = ("events_1", "total_1", "events_2", "total_2")


def pool_batch(
    *,
    measure: str,
    te: ArrayLike | None = None,
    se: ArrayLike | None = None,
    events_1: ArrayLike | None = None,
    total_1: ArrayLike | None = None,
    events_2: ArrayLike | None = None,
    total_2: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    method: str = "IV",
    model: str = "fixed",
    tau2_method: str = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> BatchPooled:
    """Pool every row of stacked study data (meta-analysis x study) as one meta-analysis.

    Parameters
    ----------
    measure
        MD, SMD, RR, OR or RD.
    te, se
        Study effects and SEs on the analysis scale (log for ratios), as from
        :func:`reanalyse.effects.mean_difference` or :func:`~reanalyse.effects.binary_effect`
        on arrays; NaN where a meta-analysis has no study. Or:
    events_1, total_1, events_2, total_2
        Binary arm counts (arm 1 the treatment), whose effects are RevMan 5's
        (:func:`~reanalyse.effects.binary_effect`); needed by ``method="MH"``.
    mask
        True where an entry is a study (default: every entry with finite data).
    method, model, tau2_method, hksj, level
        As :func:`reanalyse.pooling.pool`: IV or MH (Peto is not batched), fixed or random,
        DL, REML (the global maximum of the restricted likelihood) or PM, the
        Hartung-Knapp-Sidik-Jonkman interval, the confidence level.

    Returns
    -------
    BatchPooled
        One entry per meta-analysis in each array; ``to_frame()`` is the tidy table.
    """
    _check_options(measure=measure, method=method, model=model, tau2_method=tau2_method)
    if method == "PETO":
        raise ValueError("pool_batch pools IV and MH; pool Peto analyses one at a time")
    level = normalise_level(level)
    cells = {n: x for n, x in zip(_CELLS, (events_1, total_1, events_2, total_2), strict=True)
             if x is not None}
    if cells and len(cells) < 4:
        raise ValueError(f"binary data need all of {', '.join(_CELLS)}")
    if cells and te is not None:
        raise ValueError("give either te and se, or the binary arm counts, not both")
    if cells:
        if measure not in BINARY_MEASURES:
            raise ValueError(f"arm counts make RR, OR or RD, not {measure}")
        arrays = {n: np.atleast_2d(np.asarray(x, dtype=float)) for n, x in cells.items()}
        present = np.all([np.isfinite(x) for x in arrays.values()], axis=0)
        if mask is not None:
            present &= np.atleast_2d(np.asarray(mask, dtype=bool))
        with np.errstate(invalid="ignore", divide="ignore"):
            eff = binary_effect(measure=measure, **arrays)
        st = stack(eff.te, eff.se, present & eff.estimable)
    elif te is not None and se is not None:
        if method == "MH":
            raise ValueError("Mantel-Haenszel pools arm counts: give events_1, total_1, "
                             "events_2 and total_2")
        st = stack(te, se, mask)
    else:
        raise ValueError("give te and se, or events_1, total_1, events_2 and total_2")

    w0 = st.weights()
    sw0 = np.sum(w0, axis=-1)
    if method == "MH":
        # RR and OR pool the estimable studies, RD every study present (as pool_effects)
        enters = st.valid if measure != "RD" else present
        te_f, se_f, _ = mantel_haenszel_stacked(measure=measure, enters=enters, **arrays)
        centre = te_f - st.shift
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = st.weighted_mean(w0)
            te_f, se_f = centre + st.shift, 1.0 / np.sqrt(sw0)
    k = st.k
    df = np.maximum(k - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = st.rss(w0, centre)
        p_q = np.where(df > 0, special.chdtrc(np.maximum(df, 1), q), np.nan)
        i2 = np.where((q > 0) & (df > 0), np.maximum(0.0, (q - df) / q) * 100.0, 0.0)
    z_crit = special.ndtri((1 + level) / 2)
    nan = np.full(k.size, np.nan)
    tau2 = np.zeros(k.size)
    pi_low = pi_high = nan
    if model == "fixed":
        te_p, se_p = te_f, se_f
        with np.errstate(invalid="ignore", divide="ignore"):
            z = te_p / se_p
        p_z = 2 * special.ndtr(-np.abs(z))
        crit = np.full(k.size, z_crit)
    else:
        tau2 = estimate_tau2_stacked(st, tau2_method, q=q)
        te_p, se_p, z, p_z, crit = _random(st, tau2, hksj=hksj, level=level, z_crit=z_crit)
        with np.errstate(invalid="ignore"):
            t_pi = np.where(k >= 3, special.stdtrit(np.maximum(k - 2, 1), (1 + level) / 2),
                            np.nan)
            half_pi = t_pi * np.sqrt(tau2 + se_p**2)
        pi_low = on_natural_scale(te_p - half_pi, ratio=_log_scale(measure, method))
        pi_high = on_natural_scale(te_p + half_pi, ratio=_log_scale(measure, method))
    tau2_low, tau2_high = _q_profile(st, level)
    none = k == 0
    te_p, se_p, z, p_z, q, p_q, i2, tau2 = (np.where(none, np.nan, x) for x in
                                             (te_p, se_p, z, p_z, q, p_q, i2, tau2))
    half = crit * se_p
    ratio = _log_scale(measure, method)
    return BatchPooled(
        measure=measure, method=method, model=model,
        tau2_method=tau2_method if model == "random" else None, hksj=hksj, level=level, k=k,
        estimate=on_natural_scale(te_p, ratio=ratio),
        ci_low=on_natural_scale(te_p - half, ratio=ratio),
        ci_high=on_natural_scale(te_p + half, ratio=ratio), te=te_p, se=se_p, z=z, p_z=p_z,
        q=q, df=df, p_q=p_q, i2=i2, tau2=tau2, tau2_low=tau2_low, tau2_high=tau2_high,
        pi_low=pi_low, pi_high=pi_high)


def _log_scale(measure: str, method: str) -> bool:
    return is_ratio(measure) or method == "PETO"


def _random(st: Stack, tau2: Array, *, hksj: bool, level: float, z_crit: float
            ) -> tuple[Array, Array, Array, Array, Array]:
    """Inverse variance with weights 1 / (v + tau^2): estimate, SE, statistic, p and critical
    value; Hartung-Knapp-Sidik-Jonkman (t on k - 1 df) from two studies on."""
    k = st.k
    w = st.weights(tau2)
    sw = np.sum(w, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = st.weighted_mean(w)
        se = 1.0 / np.sqrt(sw)
        z = (mu + st.shift) / se
        p = 2 * special.ndtr(-np.abs(z))
        crit = np.full(k.size, z_crit)
        if hksj:
            hk = k >= 2
            df = np.maximum(k - 1, 1)
            se_hk = np.sqrt(st.rss(w, mu) / df / sw)
            z_hk = (mu + st.shift) / se_hk
            se = np.where(hk, se_hk, se)
            z = np.where(hk, z_hk, z)
            p = np.where(hk, 2 * special.stdtr(df, -np.abs(z_hk)), p)
            crit = np.where(hk, special.stdtrit(df, (1 + level) / 2), crit)
    return mu + st.shift, se, z, p, crit


def _q_profile(st: Stack, level: float) -> tuple[Array, Array]:
    """Q-profile limits for tau^2 (:func:`reanalyse.pooling.heterogeneity_ci.q_profile` on
    arrays); NaN below two studies."""
    df = np.maximum(st.k - 1, 1).astype(float)
    # chi-squared quantiles as scipy.stats.chi2.ppf computes them
    low = root_decreasing_stacked(st, 2 * special.gammaincinv(df / 2, (1 + level) / 2))
    high = root_decreasing_stacked(st, 2 * special.gammaincinv(df / 2, (1 - level) / 2))
    two = st.k >= 2
    return np.where(two, low, np.nan), np.where(two, high, np.nan)


def stack_effects(tables: Sequence[EffectTable]) -> dict[str, Array]:
    """``te`` and ``se`` of each table's estimable studies, and the binary arm counts
    (``events_1, total_1, events_2, total_2``) when every table has them, as arrays of shape
    (table, most studies), NaN-padded: what :func:`pool_batch` takes."""
    width = max((len(t) for t in tables), default=0)
    out: dict[str, Array] = {}

    def padded(values: list[np.ndarray]) -> Array:
        arr = np.full((len(values), width), np.nan)
        for i, x in enumerate(values):
            arr[i, :x.size] = x
        return arr

    out["te"] = padded([np.where(t.estimable, t.te, np.nan) for t in tables])
    out["se"] = padded([np.where(t.estimable, t.se, np.nan) for t in tables])
    if tables and all(t.is_binary_arms for t in tables):
        cells = [t.binary_cells() for t in tables]
        out.update({n: padded([c[n] for c in cells]) for n in _CELLS})
    return out
