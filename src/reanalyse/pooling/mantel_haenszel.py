"""Mantel-Haenszel pooling of RR, OR and RD, with RevMan 5's zero-cell correction in the sums.

Zero-cell studies enter the sums with 0.5 added to each cell (R meta's ``MH.exact = FALSE``,
which its documentation states is what RevMan 5 does); double-zero studies are left out for RR
and OR and kept for RD. Variances: Greenland & Robins (1985) for log RR and RD, Robins, Breslow &
Greenland (1986) for log OR.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from reanalyse.effects import CORRECTION, double_zero, zero_cell
from reanalyse.pooling.inverse_variance import WeightedEstimate

__all__ = ["mantel_haenszel"]


def mantel_haenszel(
    *, measure: str, events_1: ArrayLike, total_1: ArrayLike,
    events_2: ArrayLike, total_2: ArrayLike,
) -> WeightedEstimate:
    """Pooled MH estimate (log scale for RR and OR) with its SE and the MH weights.

    The weights are returned for every study passed in; double-zero studies get weight 0 for RR
    and OR.
    """
    a0, n10, c0, n20 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    zero = zero_cell(events_1=a0, total_1=n10, events_2=c0, total_2=n20)
    keep = ~double_zero(events_1=a0, total_1=n10, events_2=c0, total_2=n20) \
        if measure in ("RR", "OR") else np.ones_like(a0, dtype=bool)
    inc = np.where(zero, CORRECTION, 0.0)
    a, b = a0 + inc, (n10 - a0) + inc
    c, d = c0 + inc, (n20 - c0) + inc
    n1, n2 = a + b, c + d
    big_n = n1 + n2
    a, b, c, d, n1, n2, big_n = (np.where(keep, x, 0.0) for x in (a, b, c, d, n1, n2, big_n))
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            r_i = np.where(keep, a * n2 / big_n, 0.0)
            s_i = np.where(keep, c * n1 / big_n, 0.0)
            r, s = r_i.sum(), s_i.sum()
            var = np.sum(np.where(keep, (n1 * n2 * (a + c) - a * c * big_n) / big_n**2, 0.0)) \
                / (r * s)
            return WeightedEstimate(te=float(np.log(r / s)), se=float(np.sqrt(var)), weights=s_i)
        if measure == "OR":
            r_i = np.where(keep, a * d / big_n, 0.0)
            s_i = np.where(keep, b * c / big_n, 0.0)
            p_i = np.where(keep, (a + d) / big_n, 0.0)
            q_i = np.where(keep, (b + c) / big_n, 0.0)
            r, s = r_i.sum(), s_i.sum()
            var = (np.sum(p_i * r_i) / (2 * r**2) + np.sum(p_i * s_i + q_i * r_i) / (2 * r * s)
                   + np.sum(q_i * s_i) / (2 * s**2))
            return WeightedEstimate(te=float(np.log(r / s)), se=float(np.sqrt(var)), weights=s_i)
        if measure == "RD":
            big_n0 = n10 + n20
            w = n10 * n20 / big_n0
            rd = a0 / n10 - c0 / n20
            est = float(np.sum(w * rd) / np.sum(w))
            num = np.sum((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * big_n**2))
            var = num / np.sum(n1 * n2 / big_n) ** 2
            return WeightedEstimate(te=est, se=float(np.sqrt(var)), weights=w)
    raise ValueError(f"Mantel-Haenszel pools RR, OR or RD, not {measure!r}")
