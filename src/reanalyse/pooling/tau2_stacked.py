"""tau^2 for many meta-analyses at once (a :class:`~reanalyse.pooling.stack.Stack`): DL, PM
and REML by the rules of :mod:`reanalyse.pooling.tau2`, on whole arrays.

The roots are found by scipy's element-wise bracketing solver
(:func:`scipy.optimize.elementwise.find_root`, Chandrupatla's method) to the tolerances the
scalar functions give Brent's method, so each meta-analysis gets the tau^2 the scalar function
gives it, to rounding.

REML is, as in :func:`reanalyse.pooling.tau2.reml`, the global maximum of the restricted
likelihood: its score is scanned on the same grid per meta-analysis (0, then the same
log-spaced points up to the same provable bound; meta-analyses with fewer points are padded
with their last one), every sign change is solved, and the candidate (0 or a root) with the
highest restricted log-likelihood wins. The scan is the cost: it runs in blocks of
meta-analyses, and its sums over studies are matrix products.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import elementwise

from reanalyse.pooling.stack import Stack
from reanalyse.pooling.tau2 import (
    _RTOL,
    _XTOL,
    restricted_ll,
    scan_lower,
    score_negative_from,
    upper_from,
)

__all__ = ["dersimonian_laird_stacked", "estimate_tau2_stacked", "paule_mandel_stacked",
           "reml_stacked", "root_decreasing_stacked"]

Array = NDArray[np.float64]
_TOLERANCES = {"xatol": _XTOL, "xrtol": _RTOL, "fatol": 0.0, "frtol": 0.0}
#: REML scan block: about this many (meta-analysis, grid point, study) entries at a time
_BLOCK = 2_000_000


def dersimonian_laird_stacked(st: Stack, q: Array | None = None) -> Array:
    """DL tau^2 per meta-analysis, truncated at 0 (0 below two studies); ``q`` overrides
    Cochran's Q around the IV estimate (RevMan's Q around the MH estimate)."""
    w = st.weights()
    sw = np.sum(w, axis=-1)
    if q is None:
        q = st.rss(w, st.weighted_mean(w))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = sw - np.sum(w * w, axis=-1) / sw
        tau2 = np.maximum(0.0, (q - (st.k - 1)) / c)
    return np.where(st.k >= 2, tau2, 0.0)


def generalised_q_stacked(st: Stack, tau2: Array) -> Array:
    """Q(tau^2) = sum w_i (y_i - mu(tau^2))^2, w_i = 1 / (v_i + tau^2), per meta-analysis."""
    w = st.weights(tau2)
    return st.rss(w, st.weighted_mean(w))


def root_decreasing_stacked(st: Stack, target: Array) -> Array:
    """Per meta-analysis, the tau^2 where the generalised Q falls to ``target``, 0 where it is
    below it at 0 (:func:`reanalyse.pooling.tau2.root_decreasing` on arrays; Q is strictly
    decreasing, so the root is unique). Meta-analyses with fewer than two studies get 0."""
    n = st.k.size
    out = np.zeros(n)
    active = np.flatnonzero((st.k >= 2) & (generalised_q_stacked(st, np.zeros(n)) > target))
    if active.size == 0:
        return out
    sub, tgt = st.select(active), target[active]
    hi = upper_from(sub.variance_of_y(), sub.v_max())
    while True:
        above = generalised_q_stacked(sub, hi) > tgt
        if not above.any():
            break
        hi = np.where(above, hi * 4.0, hi)
        if np.any(hi > 1e12):
            raise ArithmeticError("tau^2 estimating equation has no root below 1e12")
    rows = np.arange(active.size)

    def f(t: Array, i: NDArray[np.int64]) -> Array:
        w = 1.0 / (sub.v[i] + t[..., None])
        mu = np.sum(w * sub.y[i], axis=-1) / np.sum(w, axis=-1)
        r = sub.y[i] - mu[..., None]
        return np.sum(w * r * r, axis=-1) - tgt[i]

    res = elementwise.find_root(f, (np.zeros(active.size), hi), args=(rows,),
                                tolerances=_TOLERANCES, maxiter=500)
    out[active] = res.x
    return out


def paule_mandel_stacked(st: Stack) -> Array:
    """PM tau^2 per meta-analysis: the generalised Q equals k - 1 (0 below two studies)."""
    return root_decreasing_stacked(st, (st.k - 1).astype(float))


def _score_terms(w: Array, y: Array) -> Array:
    """The REML score sum w^2 (y - mu)^2 - sum w + sum w^2 / sum w along the last axis."""
    sw = np.sum(w, axis=-1)
    mu = np.sum(w * y, axis=-1) / sw
    w2 = w * w
    r = y - mu[..., None]
    return np.sum(w2 * r * r, axis=-1) - sw + np.sum(w2, axis=-1) / sw


def _scan(v: Array, y: Array, grid: Array) -> Array:
    """The REML score at each meta-analysis' grid points (meta x point): the sums over studies
    as matrix products of (1, y, y^2) with the weights (meta x study x point, points innermost
    so that each element-wise pass runs along a long axis)."""
    moments = np.stack([np.ones_like(y), y, y * y], axis=1)  # meta x 3 x study
    w = np.add(v[:, :, None], grid[:, None, :])
    np.reciprocal(w, out=w)
    s0, s1 = np.unstack(np.matmul(moments[:, :2], w), axis=1)
    np.multiply(w, w, out=w)
    t0, t1, t2 = np.unstack(np.matmul(moments, w), axis=1)
    mu = s1 / s0
    return t2 - 2.0 * mu * t1 + mu * mu * t0 - s0 + t0 / s0


def _restricted_ll(st: Stack, rows: NDArray[np.int64], tau2: Array) -> Array:
    """The restricted log-likelihood of meta-analysis ``rows[j]`` at ``tau2[j]``."""
    return restricted_ll(y=st.y[rows], v=st.v[rows], tau2=tau2, k=st.k[rows])


def _root_free_below(st: Stack) -> Array:
    """Per meta-analysis a tau^2 t* such that the REML score has no root on [0, t*] (0 when
    none is shown), so the scan can start at the last grid point below t*.

    For t <= t* = eps min v, each weight w_i = 1 / (v_i + t) lies in [lam w0_i, w0_i] with
    w0_i = 1 / v_i and lam = 1 / (1 + eps). Then sum w lies in [lam B0, B0] (B0 = sum w0),
    sum w^2 in [lam^2 D0, D0], and the weighted mean moves by at most
    delta = (1 - lam) sum w0 |r0| / (lam B0) from mu0 (r0 = y - mu0, as sum w0 r0 = 0), so
    sum w^2 (y - mu)^2 lies in [lam^2 sum w0^2 (|r0| - delta)_+^2, sum w0^2 (|r0| + delta)^2].
    Where the score's lower bound stays above 0, or its upper bound below 0, by more than
    rounding, it keeps its sign at 0 on the whole of [0, t*] (and the scalar scan, which
    evaluates it there, sees that sign too). eps is tried from 1e-1 down in decades."""
    w0 = st.weights()
    b0 = np.sum(w0, axis=-1)
    d0 = np.sum(w0 * w0, axis=-1)
    r0 = np.abs(st.y - st.weighted_mean(w0)[:, None])
    a0 = np.sum(w0 * w0 * r0 * r0, axis=-1)
    s0 = a0 - b0 + d0 / b0
    margin = 1e-8 * (a0 + b0 + d0 / b0)
    spread = np.sum(w0 * r0, axis=-1) / b0
    out = np.zeros(st.k.size)
    for eps in 10.0 ** -np.arange(1, 13):
        lam = 1.0 / (1.0 + eps)
        delta = (1.0 - lam) / lam * spread
        a_lo = lam * lam * np.sum(w0 * w0 * np.maximum(r0 - delta[:, None], 0.0) ** 2, axis=-1)
        a_hi = np.sum(w0 * w0 * (r0 + delta[:, None]) ** 2, axis=-1)
        lo = a_lo - b0 + lam * lam * d0 / b0
        hi = a_hi - lam * b0 + d0 / (lam * b0)
        sure = ((s0 > 0) & (lo > margin)) | ((s0 < 0) & (hi < -margin))
        out = np.where((out == 0.0) & sure, eps * st.v_min(), out)
    return out


def reml_stacked(st: Stack) -> Array:
    """REML tau^2 per meta-analysis: the global maximum of the restricted likelihood on
    [0, inf) (0 below two studies)."""
    n = st.k.size
    out = np.zeros(n)
    act = np.flatnonzero(st.k >= 2)
    if act.size == 0:
        return out
    sub = st.select(act)
    upper = np.maximum(upper_from(sub.variance_of_y(), sub.v_max()),
                       score_negative_from(sub.k, sub.range_of_y(), sub.v_max()))
    lower, points = scan_lower(upper, sub.v_min())
    last = points - 1
    log_step = np.log(upper / lower) / np.maximum(last, 1)
    # the scalar scan's points np.geomspace(lower, upper, points); those below a tau^2 where the
    # score provably keeps its sign at 0 cannot start a sign change, so each row's scan starts
    # at its last such point (or at 0 and lower when none is shown)
    t_free = _root_free_below(sub) * (1.0 - 1e-9)
    with np.errstate(divide="ignore"):
        first = np.where(t_free >= lower,
                         np.floor(np.log(np.maximum(t_free, lower) / lower) / log_step), 0.0)
    first = np.clip(first, 0, last).astype(np.int64)
    width = last - first + 1
    # blocks of rows of similar width (sorted), each padded to its widest row with its last
    # point; per block: the grid, the score there, its exact zeros and its sign changes
    order = np.argsort(width, kind="stable")
    zeros: list[tuple[Array, Array]] = []
    brackets: list[tuple[Array, Array, Array]] = []
    a = 0
    while a < order.size:
        cost = np.arange(1, order.size - a + 1) * width[order[a:]] * sub.y.shape[1]
        b = a + max(1, int(np.searchsorted(cost, _BLOCK, side="right")))
        rows = order[a:b]
        a = b
        jj = np.minimum(first[rows, None] + np.arange(int(width[rows].max()))[None, :],
                        last[rows, None])
        pts = np.where(jj == last[rows, None], upper[rows, None],
                       lower[rows, None] * np.exp(jj * log_step[rows, None]))
        grid = np.concatenate([np.zeros((rows.size, 1)), pts], axis=1)
        sc = _scan(sub.v[rows], sub.y[rows], grid)
        zr, zc = np.nonzero(sc[:, 1:] == 0.0)
        zeros.append((rows[zr], grid[zr, zc + 1]))
        cr, cc = np.nonzero(sc[:, :-1] * sc[:, 1:] < 0.0)
        brackets.append((rows[cr], grid[cr, cc], grid[cr, cc + 1]))
    zr = np.concatenate([z[0] for z in zeros])
    cr = np.concatenate([c[0] for c in brackets])
    roots = np.empty(0)
    if cr.size:
        def f(t: Array, i: NDArray[np.int64]) -> Array:
            return _score_terms(1.0 / (sub.v[i] + t[..., None]), sub.y[i])

        res = elementwise.find_root(
            f, (np.concatenate([c[1] for c in brackets]),
                np.concatenate([c[2] for c in brackets])),
            args=(cr,), tolerances=_TOLERANCES, maxiter=500)
        roots = res.x
    rows = np.concatenate([zr, cr])
    cand = np.concatenate([*(z[1] for z in zeros), roots])
    if rows.size == 0:
        return out
    ll = _restricted_ll(sub, rows, cand)
    ll0 = _restricted_ll(sub, np.arange(act.size), np.zeros(act.size))
    # per meta-analysis, the best candidate; it replaces 0 only when strictly higher, as the
    # first maximum of the scalar's candidate list (0 first) wins there
    order = np.lexsort((-ll, rows))
    best = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
    take = ll[best] > ll0[rows[best]]
    tau2 = np.zeros(act.size)
    tau2[rows[best][take]] = cand[best][take]
    out[act] = tau2
    return out


def estimate_tau2_stacked(st: Stack, method: str, q: Array | None = None) -> Array:
    """tau^2 per meta-analysis by ``method`` (DL, REML or PM); ``q`` is used by DL only."""
    if method == "DL":
        return dersimonian_laird_stacked(st, q)
    if method == "REML":
        return reml_stacked(st)
    if method == "PM":
        return paule_mandel_stacked(st)
    raise ValueError(f"tau2 method must be DL, REML or PM, got {method!r}")
