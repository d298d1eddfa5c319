"""Study-level effect sizes from arm data, exactly as RevMan 5 computes them (the conventions
are in the package text, :mod:`reanalyse.effects`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CORRECTION",
    "EffectSizes",
    "binary_effect",
    "double_zero",
    "mean_difference",
    "peto_components",
    "standardised_mean_difference",
    "zero_cell",
]

#: RevMan 5's zero-cell correction, added to each cell of a study with a zero cell.
CORRECTION = 0.5

Array = NDArray[np.float64]


@dataclass(frozen=True)
class EffectSizes:
    """Study effects on the analysis scale (log for ratios), with their SEs."""

    te: Array
    se: Array
    estimable: NDArray[np.bool_]


def mean_difference(
    *, mean_1: ArrayLike, sd_1: ArrayLike, n_1: ArrayLike,
    mean_2: ArrayLike, sd_2: ArrayLike, n_2: ArrayLike,
) -> EffectSizes:
    """MD with the unpooled SE."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(x, dtype=float) for x in
                              (mean_1, sd_1, n_1, mean_2, sd_2, n_2))
    te = m1 - m2
    se = np.sqrt(s1**2 / n1 + s2**2 / n2)
    return EffectSizes(te=te, se=se, estimable=np.isfinite(se) & (se > 0))


def standardised_mean_difference(
    *, mean_1: ArrayLike, sd_1: ArrayLike, n_1: ArrayLike,
    mean_2: ArrayLike, sd_2: ArrayLike, n_2: ArrayLike,
) -> EffectSizes:
    """SMD as RevMan 5's Hedges' adjusted g, with its approximate J and variance."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(x, dtype=float) for x in
                              (mean_1, sd_1, n_1, mean_2, sd_2, n_2))
    big_n = n1 + n2
    ok = big_n > 3.94
    with np.errstate(divide="ignore", invalid="ignore"):
        s_pooled = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (big_n - 2))
        j = 1.0 - 3.0 / (4.0 * big_n - 9.0)
        g = j * (m1 - m2) / s_pooled
        var = big_n / (n1 * n2) + g**2 / (2.0 * (big_n - 3.94))
    se = np.sqrt(np.where(ok, var, np.nan))
    return EffectSizes(te=np.where(ok, g, np.nan), se=se,
                       estimable=ok & np.isfinite(se) & (s_pooled > 0))


def _cells(a: Array, n1: Array, c: Array, n2: Array, correct: NDArray[np.bool_]
           ) -> tuple[Array, Array, Array, Array]:
    inc = np.where(correct, CORRECTION, 0.0)
    return a + inc, (n1 - a) + inc, c + inc, (n2 - c) + inc


def zero_cell(*, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
              total_2: ArrayLike) -> NDArray[np.bool_]:
    """True for studies with a zero cell in their 2x2 table."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    return (a == 0) | (c == 0) | (a == n1) | (c == n2)


def double_zero(*, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
                total_2: ArrayLike) -> NDArray[np.bool_]:
    """True for studies with no events in either arm, or events in everyone in both arms."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    return ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))


def binary_effect(
    *, measure: str, events_1: ArrayLike, total_1: ArrayLike,
    events_2: ArrayLike, total_2: ArrayLike, correct: ArrayLike | None = None,
) -> EffectSizes:
    """Log RR, log OR or RD of each study, with RevMan 5's zero-cell handling.

    ``correct`` overrides which studies get the 0.5 correction (default: those with a zero cell in
    this 2x2 table). Network meta-analysis passes the study's flag, so that every pair of a
    multi-arm study with a zero cell in any arm is corrected alike (as R netmeta's ``pairwise``),
    which keeps the study's contrasts additive.
    """
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    if correct is None:
        zero = zero_cell(events_1=a, total_1=n1, events_2=c, total_2=n2)
    else:
        zero = np.broadcast_to(np.asarray(correct, dtype=bool), a.shape)
    dz = double_zero(events_1=a, total_1=n1, events_2=c, total_2=n2)
    ac, bc, cc, dc = _cells(a, n1, c, n2, zero)
    n1c, n2c = ac + bc, cc + dc
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            te = np.log((ac / n1c) / (cc / n2c))
            var = 1 / ac - 1 / n1c + 1 / cc - 1 / n2c
            estimable = ~dz
        elif measure == "OR":
            te = np.log((ac * dc) / (bc * cc))
            var = 1 / ac + 1 / bc + 1 / cc + 1 / dc
            estimable = ~dz
        elif measure == "RD":
            te = a / n1 - c / n2
            var = ac * bc / n1c**3 + cc * dc / n2c**3
            estimable = np.ones_like(a, dtype=bool)
        else:
            raise ValueError(f"binary measure must be RR, OR or RD, got {measure!r}")
    te = np.where(estimable, te, np.nan)
    se = np.where(estimable, np.sqrt(var), np.nan)
    return EffectSizes(te=te, se=se, estimable=estimable & np.isfinite(se) & (se > 0))


def peto_components(
    *, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike, total_2: ArrayLike,
) -> tuple[Array, Array]:
    """Peto's O - E and V per study (no continuity correction)."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    big_n = n1 + n2
    m1 = a + c
    m2 = big_n - m1
    o_minus_e = a - n1 * m1 / big_n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = n1 * n2 * m1 * m2 / (big_n**2 * (big_n - 1))
    return o_minus_e, v
