"""Cochran's Q, I^2 (Q-based, as RevMan 5) and their p-values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["Heterogeneity", "cochran_q", "i_squared"]


@dataclass(frozen=True)
class Heterogeneity:
    """Q around a centre, its degrees of freedom, p-value and I^2 (percent)."""

    q: float
    df: int
    p_q: float
    i2: float


def i_squared(q: float, df: int) -> float:
    """RevMan 5's I^2 = max(0, (Q - df) / Q) x 100; 0 when Q is 0."""
    if q <= 0 or df <= 0:
        return 0.0
    return max(0.0, (q - df) / q) * 100.0


def cochran_q(*, te: ArrayLike, se: ArrayLike, centre: float | None = None) -> Heterogeneity:
    """Q = sum w_i (y_i - centre)^2 with w_i = 1/se_i^2.

    ``centre`` defaults to the inverse-variance estimate; RevMan 5 uses the Mantel-Haenszel
    estimate instead when MH is the chosen method.
    """
    y = np.asarray(te, dtype=float)
    w = 1.0 / np.asarray(se, dtype=float) ** 2
    if centre is None:
        centre = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - centre) ** 2))
    df = int(y.size - 1)
    p = float(special.chdtrc(df, q)) if df > 0 else float("nan")  # scipy.stats.chi2.sf
    return Heterogeneity(q=q, df=df, p_q=p, i2=i_squared(q, df))
