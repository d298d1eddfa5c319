"""Between-study variance tau^2: DerSimonian-Laird, REML and Paule-Mandel.

DL is RevMan 5's only estimator: tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)), with Q
around the Mantel-Haenszel estimate when the method is MH (pass that Q in).

PM solves its estimating equation, the generalised Q equal to k - 1, with Brent's method (scipy)
on [0, upper], truncating at 0: the generalised Q falls with tau^2, so it has at most one root.

REML maximises the restricted log-likelihood globally on [0, inf). Its score need not fall
monotonically: it can be negative just above 0 and still have an interior root where the
likelihood is higher than at 0. So the score is scanned on a grid (0 and log-spaced
points up to a bound beyond which it is provably negative), every sign change is solved with
Brent's method, and the root or 0 with the highest restricted log-likelihood is returned.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from reanalyse.pooling.heterogeneity import cochran_q

__all__ = [
    "dersimonian_laird", "estimate_tau2", "paule_mandel", "reml", "restricted_ll",
    "restricted_log_likelihood",
    "root_decreasing", "scan_lower", "score_negative_from", "search_upper", "upper_from",
]

_XTOL = 1e-14
_RTOL = 4 * np.finfo(float).eps
_LOG_2PI = math.log(2.0 * math.pi)
#: REML score scan: log-spaced points per decade of tau^2; the scan starts this far below the
#: smallest within-study variance (a tau^2 that small changes no weight in float64), and spans
#: at most _SCAN_DECADES decades below its top
_SCAN_PER_DECADE = 40
_SCAN_BELOW_V = 1e-10
_SCAN_DECADES = 24


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
    """Where the search for a root of a tau^2 equation starts looking (see ``upper_from``)."""
    return float(upper_from(np.var(y), np.max(v)))


def upper_from(var_y: ArrayLike, v_max: ArrayLike) -> np.ndarray:
    """10 (var y + max v) + 1: tau^2 cannot plausibly exceed a few times the spread of the
    estimates plus their variances (element-wise, for one or many meta-analyses)."""
    return 10.0 * (np.asarray(var_y) + np.asarray(v_max)) + 1.0


def root_decreasing(fn, upper: float) -> float:  # type: ignore[no-untyped-def]
    """Root of a decreasing estimating function on [0, inf), 0 if it is negative at 0.

    Only for functions proven monotone (the generalised Q of PM and of the Q-profile limits); a
    score that can change sign more than once, as REML's, needs the scan in :func:`reml`.
    """
    if fn(0.0) <= 0.0:
        return 0.0
    hi = upper
    while fn(hi) > 0.0:
        hi *= 4.0
        if hi > 1e12:
            raise ArithmeticError("tau^2 estimating equation has no root below 1e12")
    return float(optimize.brentq(fn, 0.0, hi, xtol=_XTOL, rtol=_RTOL, maxiter=500))


def paule_mandel(*, te: ArrayLike, se: ArrayLike) -> float:
    """Paule-Mandel tau^2: the generalised Q equals its expectation k - 1.

    The generalised Q(tau^2) = sum w_i (y_i - mu(tau^2))^2, w_i = 1 / (v_i + tau^2), is strictly
    decreasing in tau^2 (Paule & Mandel 1982, J Res Natl Bur Stand 87:377-385; DerSimonian &
    Kacker 2007, Contemp Clin Trials 28:105-114; Viechtbauer 2007, Stat Med 26:37-52): mu(tau^2)
    minimises the weighted sum of squares, so dQ/dtau^2 = -sum w_i^2 (y_i - mu)^2 < 0 unless all
    y_i are equal. Q - (k - 1) therefore has at most one root and ``root_decreasing`` is exact.
    """
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


def restricted_ll(*, y: np.ndarray, v: np.ndarray, tau2: np.ndarray,
                  k: ArrayLike) -> np.ndarray:
    """Restricted log-likelihood (see :func:`restricted_log_likelihood`) on whole arrays: the
    studies along the last axis of ``y`` and ``v``, ``tau2`` broadcast against the leading
    axes (one meta-analysis at many tau^2, or many meta-analyses at one each), ``k`` studies
    per meta-analysis. A padded entry (v = inf, as :class:`~reanalyse.pooling.stack.Stack`
    holds it) has weight 0 and adds nothing."""
    var = v + np.asarray(tau2)[..., None]
    w = 1.0 / var
    sw = np.sum(w, axis=-1)
    mu = np.sum(w * y, axis=-1) / sw
    r = y - mu[..., None]
    log_var = np.where(np.isfinite(var), np.log(var), 0.0)
    return (-0.5 * (np.asarray(k) - 1) * _LOG_2PI + 0.5 * np.log(k)
            - 0.5 * np.sum(log_var, axis=-1) - 0.5 * np.log(sw) - 0.5 * np.sum(w * r * r, axis=-1))


def restricted_log_likelihood(tau2: float, *, te: ArrayLike, se: ArrayLike) -> float:
    """The restricted (REML) log-likelihood of the random-effects model at ``tau2``.

    ll(tau^2) = -(k-1)/2 log(2 pi) + 1/2 log k - 1/2 sum log(v_i + tau^2) - 1/2 log sum w_i
    - 1/2 sum w_i (y_i - mu)^2, with w_i = 1 / (v_i + tau^2) and mu the weighted mean
    (Viechtbauer 2005, J Educ Behav Stat 30:261-293; Harville 1977). The constants are those of
    metafor's ``rma.uni`` with its default ``control(REMLf=TRUE)``, whose ``ll.REML`` keeps the
    1/2 log|X'X| = 1/2 log k term (R/rma.uni.r), so the value is comparable with metafor's
    printed ``logLik`` for ``method="REML"``.
    """
    y = np.asarray(te, dtype=float).reshape(-1)
    v = np.asarray(se, dtype=float).reshape(-1) ** 2
    return float(restricted_ll(y=y, v=v, tau2=np.array([float(tau2)]), k=y.size)[0])


def _score_negative_above(y: np.ndarray, v: np.ndarray) -> float:
    """A tau^2 beyond which the REML score is strictly negative (so no root lies above it).

    With t = tau^2 >= max v and r the range of y: sum w_i^2 (y_i - mu)^2 <= k r^2 / t^2, while
    sum w - sum w^2 / sum w = sum_{i != j} w_i w_j / sum w >= (k - 1) w_min^2 / w_max
    >= (k - 1) t / (t + max v)^2 >= (k - 1) / (4 t). The score is therefore negative once
    t > 4 k / (k - 1) r^2 as well as t >= max v.
    """
    return float(score_negative_from(y.size, float(np.ptp(y)), float(np.max(v))))


def score_negative_from(k: ArrayLike, r: ArrayLike, v_max: ArrayLike) -> np.ndarray:
    """The bound of ``_score_negative_above`` from k (>= 2), the range r of the estimates and
    the largest within-study variance (element-wise)."""
    k_a = np.asarray(k, dtype=float)
    r_a = np.asarray(r, dtype=float)
    return np.maximum(v_max, 4.0 * k_a / (k_a - 1) * r_a * r_a) * (1.0 + 1e-9) + 1e-300


def scan_lower(upper: ArrayLike, v_min: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The REML scan's smallest positive tau^2 and its number of log-spaced points up to
    ``upper`` (element-wise): ``_SCAN_PER_DECADE`` per decade from ``_SCAN_BELOW_V`` times the
    smallest within-study variance, at most ``_SCAN_DECADES`` decades below ``upper``."""
    upper_a = np.asarray(upper, dtype=float)
    lower = np.maximum(np.asarray(v_min, dtype=float) * _SCAN_BELOW_V,
                       upper_a * 10.0**-_SCAN_DECADES)
    decades = np.maximum(np.log10(upper_a / lower), 1.0)
    return lower, (decades * _SCAN_PER_DECADE).astype(np.int64) + 1


def reml(*, te: ArrayLike, se: ArrayLike) -> float:
    """Restricted maximum-likelihood tau^2: the global maximum of the restricted likelihood
    on [0, inf).

    The REML score (twice d ll / d tau^2), sum w_i^2 (y_i - mu)^2 - sum w_i + sum w_i^2 / sum w_i,
    is evaluated at 0 and on a log-spaced grid up to ``max(search_upper, bound)``, where beyond
    the bound (see ``_score_negative_above``) it is provably negative; each sign change is solved
    by Brent's method, and the candidate (0 or a root) with the highest restricted
    log-likelihood (:func:`restricted_log_likelihood`) is returned. A score negative at 0 no
    longer implies tau^2 = 0: it can turn positive and have an interior maximum.
    """
    y = np.asarray(te, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    if y.size < 2:
        return 0.0

    def scores(tau2: np.ndarray) -> np.ndarray:
        w = 1.0 / (v[None, :] + tau2[:, None])
        sw = np.sum(w, axis=1)
        mu = np.sum(w * y[None, :], axis=1) / sw
        w2 = w * w
        return (np.sum(w2 * (y[None, :] - mu[:, None]) ** 2, axis=1) - sw
                + np.sum(w2, axis=1) / sw)

    def score(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        sw = np.sum(w)
        mu = np.sum(w * y) / sw
        return float(np.sum(w**2 * (y - mu) ** 2) - sw + np.sum(w**2) / sw)

    upper = max(search_upper(y, v), _score_negative_above(y, v))
    lower, points = scan_lower(upper, float(np.min(v)))
    grid = np.concatenate([[0.0], np.geomspace(float(lower), upper, int(points))])
    s = scores(grid)
    candidates = [0.0]
    candidates.extend(float(t) for t in grid[1:][s[1:] == 0.0])
    for i in np.flatnonzero(s[:-1] * s[1:] < 0.0):
        candidates.append(float(optimize.brentq(score, float(grid[i]), float(grid[i + 1]),
                                                xtol=_XTOL, rtol=_RTOL, maxiter=500)))
    if len(candidates) == 1:
        return 0.0
    ll = restricted_ll(y=y, v=v, tau2=np.asarray(candidates), k=y.size)
    return candidates[int(np.argmax(ll))]


def estimate_tau2(*, method: str, te: ArrayLike, se: ArrayLike, q: float | None = None) -> float:
    """tau^2 by ``method`` (DL, REML or PM); ``q`` is used by DL only."""
    if method == "DL":
        return dersimonian_laird(te=te, se=se, q=q)
    if method == "REML":
        return reml(te=te, se=se)
    if method == "PM":
        return paule_mandel(te=te, se=se)
    raise ValueError(f"tau2 method must be DL, REML or PM, got {method!r}")
