"""Between-study variance tau^2: DerSimonian-Laird, REML and Paule-Mandel.

DL is RevMan 5's only estimator: tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)), with Q
around the Mantel-Haenszel estimate when the method is MH (pass that Q in). REML and PM solve
their estimating equations with Brent's method (scipy) on [0, upper], truncating at 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from reanalyse.pooling.heterogeneity import cochran_q

__all__ = [
    "dersimonian_laird", "estimate_tau2", "paule_mandel", "reml", "root_decreasing", "search_upper",
]

_XTOL = 1e-14
_RTOL = 4 * np.finfo(float).eps


def dersimonian_laird(*, te: ArrayLike, se: ArrayLike, q: float | None = None) -> float:
    """DL tau^2, truncated at 0. ``q`` overrides Cochran's Q around the IV estimate."""
    v = np.asarray(se, dtype=float) ** 2
    w = 1.0 / v
    k = w.size
    if k < 2:
        return 0.0
    if q is None:
        q = cochran_q(te=te, se=se).q
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (k - 1)) / c)


def search_upper(y: np.ndarray, v: np.ndarray) -> float:
    # tau^2 cannot plausibly exceed a few times the spread of the estimates plus their variances
    return float(10.0 * (np.var(y) + np.max(v)) + 1.0)


def root_decreasing(fn, upper: float) -> float:  # type: ignore[no-untyped-def]
    """Root of a decreasing estimating function on [0, inf), 0 if it is negative at 0."""
    if fn(0.0) <= 0.0:
        return 0.0
    hi = upper
    while fn(hi) > 0.0:
        hi *= 4.0
        if hi > 1e12:
            raise ArithmeticError("tau^2 estimating equation has no root below 1e12")
    return float(optimize.brentq(fn, 0.0, hi, xtol=_XTOL, rtol=_RTOL, maxiter=500))


def paule_mandel(*, te: ArrayLike, se: ArrayLike) -> float:
    """Paule-Mandel tau^2: the generalised Q equals its expectation k - 1."""
    y = np.asarray(te, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    k = y.size
    if k < 2:
        return 0.0

    def gen_q(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return float(np.sum(w * (y - mu) ** 2) - (k - 1))

    return root_decreasing(gen_q, search_upper(y, v))


def reml(*, te: ArrayLike, se: ArrayLike) -> float:
    """Restricted maximum-likelihood tau^2 (root of the REML score, truncated at 0)."""
    y = np.asarray(te, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    if y.size < 2:
        return 0.0

    def score(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        sw = np.sum(w)
        mu = np.sum(w * y) / sw
        return float(np.sum(w**2 * (y - mu) ** 2) - sw + np.sum(w**2) / sw)

    return root_decreasing(score, search_upper(y, v))


def estimate_tau2(*, method: str, te: ArrayLike, se: ArrayLike, q: float | None = None) -> float:
    """tau^2 by ``method`` (DL, REML or PM); ``q`` is used by DL only."""
    if method == "DL":
        return dersimonian_laird(te=te, se=se, q=q)
    if method == "REML":
        return reml(te=te, se=se)
    if method == "PM":
        return paule_mandel(te=te, se=se)
    raise ValueError(f"tau2 method must be DL, REML or PM, got {method!r}")
