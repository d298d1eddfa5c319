"""Mantel-Haenszel pooling of RR, OR and RD, with RevMan 5's zero-cell correction in the sums.

Zero-cell studies enter the sums with 0.5 added to each cell (R meta's ``MH.exact = FALSE``,
which its documentation states is what RevMan 5 does); double-zero studies are left out for RR
and OR and kept for RD. Variances: Greenland & Robins (1985) for log RR and RD, Robins, Breslow &
Greenland (1986) for log OR.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.effects import CORRECTION, double_zero, zero_cell
from reanalyse.pooling.inverse_variance import WeightedEstimate

__all__ = ["mantel_haenszel", "mantel_haenszel_stacked"]


def mantel_haenszel(
    *, measure: str, events_1: ArrayLike, total_1: ArrayLike,
    events_2: ArrayLike, total_2: ArrayLike,
) -> WeightedEstimate:
    """Pooled MH estimate (log scale for RR and OR) with its SE and the MH weights.

    The weights are returned for every study passed in; double-zero studies get weight 0 for RR
    and OR.
    """
    te, se, w = mantel_haenszel_stacked(measure=measure, events_1=events_1, total_1=total_1,
                                        events_2=events_2, total_2=total_2)
    return WeightedEstimate(te=float(te), se=float(se), weights=w)


def mantel_haenszel_stacked(
    *, measure: str, events_1: ArrayLike, total_1: ArrayLike,
    events_2: ArrayLike, total_2: ArrayLike, enters: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The MH estimate, its SE and the weights along the last axis (studies), for one
    meta-analysis or a stack of them (meta x study); ``enters`` (default: all) marks the
    studies that enter, the others (padding) get weight 0 and may hold NaN."""
    a0, n10, c0, n20 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    valid = (np.ones(a0.shape, dtype=bool) if enters is None
             else np.broadcast_to(np.asarray(enters, dtype=bool), a0.shape))
    zero = zero_cell(events_1=a0, total_1=n10, events_2=c0, total_2=n20)
    keep = valid & ~double_zero(events_1=a0, total_1=n10, events_2=c0, total_2=n20) \
        if measure in ("RR", "OR") else valid
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
            r, s = r_i.sum(axis=-1), s_i.sum(axis=-1)
            var = np.sum(np.where(keep, (n1 * n2 * (a + c) - a * c * big_n) / big_n**2, 0.0),
                         axis=-1) / (r * s)
            return np.log(r / s), np.sqrt(var), s_i
        if measure == "OR":
            r_i = np.where(keep, a * d / big_n, 0.0)
            s_i = np.where(keep, b * c / big_n, 0.0)
            p_i = np.where(keep, (a + d) / big_n, 0.0)
            q_i = np.where(keep, (b + c) / big_n, 0.0)
            r, s = r_i.sum(axis=-1), s_i.sum(axis=-1)
            var = (np.sum(p_i * r_i, axis=-1) / (2 * r**2)
                   + np.sum(p_i * s_i + q_i * r_i, axis=-1) / (2 * r * s)
                   + np.sum(q_i * s_i, axis=-1) / (2 * s**2))
            return np.log(r / s), np.sqrt(var), s_i
        if measure == "RD":
            big_n0 = n10 + n20
            w = np.where(valid, n10 * n20 / big_n0, 0.0)
            rd = np.where(valid, a0 / n10 - c0 / n20, 0.0)
            est = np.sum(w * rd, axis=-1) / np.sum(w, axis=-1)
            num = np.sum(np.where(valid, (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * big_n**2),
                                  0.0), axis=-1)
            var = num / np.sum(np.where(valid, n1 * n2 / big_n, 0.0), axis=-1) ** 2
            return est, np.sqrt(var), w
    raise ValueError(f"Mantel-Haenszel pools RR, OR or RD, not {measure!r}")
