"""Finite mixtures of normals: the marginal posteriors of mu, theta_i and theta_new.

Each marginal is ``∫ N(x; m(tau), s(tau)^2) p(tau | y) dtau``; on the quadrature rule for tau it
is a finite normal mixture with the rule's weights. Functions here are vectorised over several
mixtures ("targets") that share the weights: component means and sds have shape
``(targets, components)`` (or broadcast to it).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from reanalyse.exact.roots import safeguarded_newton

__all__ = ["mixture_cdf", "mixture_pdf", "mixture_quantile", "mixture_sf",
           "shared_mixture_quantiles"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def mixture_pdf(
    x: NDArray[np.float64],
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    sds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Density of each mixture at ``x``; ``x`` has shape ``(targets,)``."""
    z = (x[:, None] - means) / sds
    return (weights * np.exp(-0.5 * z * z) / sds).sum(axis=-1) * _INV_SQRT_2PI


def mixture_cdf(
    x: NDArray[np.float64],
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    sds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``P(X <= x)`` for each mixture."""
    return (weights * ndtr((x[:, None] - means) / sds)).sum(axis=-1)


def mixture_sf(
    x: NDArray[np.float64],
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    sds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``P(X > x)`` for each mixture, accurate in the upper tail."""
    return (weights * ndtr((means - x[:, None]) / sds)).sum(axis=-1)


#: Most ranks probed per round when narrowing a quantile's bracket to two neighbouring
#: candidates, and the number of terms a round's CDF evaluation may reach: many probes save
#: rounds (numpy calls) for small mixtures; large ones narrow by bisection, the fewest terms.
_PROBES, _ROUND_TERMS = 15, 65536


def mixture_quantile(
    p: NDArray[np.float64],
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    sds: NDArray[np.float64],
    *,
    xtol: float = 1e-12,
    max_iter: int = 100,
) -> NDArray[np.float64]:
    """Quantiles of normal mixtures by safeguarded Halley iteration.

    The bracket is exact: with ``z = Phi^-1(p)``, every component puts probability ``p`` below
    ``m_j + s_j z``, so the mixture's quantile lies between the smallest and the largest of these.
    Steps that leave the bracket are replaced by bisection.

    Parameters
    ----------
    p
        Probabilities in ``(0, 1)``, shape ``(targets,)``.
    weights
        Mixture weights summing to 1, shape ``(components,)`` (shared by every target) or
        ``(targets, components)`` (one row per target).
    means, sds
        Component means and sds, broadcastable to ``(targets, components)``.
    xtol
        Relative step size at which the iteration stops.
    max_iter
        Iteration limit.

    Returns
    -------
    numpy.ndarray
        Quantiles, shape ``(targets,)``.
    """
    pa = np.asarray(p, dtype=np.float64)
    means_b, sds_b = np.broadcast_arrays(means, sds)
    if means_b.ndim == 1:
        means_b = np.broadcast_to(means_b, (pa.size, means_b.size))
        sds_b = np.broadcast_to(sds_b, means_b.shape)
    weights = np.broadcast_to(weights, means_b.shape)
    inv_sds = 1.0 / sds_b
    z = ndtri(pa)
    cand = means_b + sds_b * z[:, None]
    # Narrow the exact bracket to two neighbouring candidates: the mixture CDF is monotone, so
    # the quantile lies between the last candidate below p and the first above it. Without this,
    # a heavy-tailed tau prior (components with sds of 1e100 and more, at tiny weight) leaves a
    # bracket too wide for bisection to close within max_iter.
    # (a search over the sorted candidates probing up to _PROBES ranks per round in one vectorised
    # CDF evaluation: about log(components) / log(_PROBES + 1) rounds; the CDF is monotone over
    # the sorted candidates, so the bracket ends on the same neighbouring pair as a bisection)
    srt = np.sort(cand, axis=1)
    rows = np.arange(srt.shape[0])
    lo_i = np.zeros(srt.shape[0], dtype=np.intp)
    hi_i = np.full(srt.shape[0], srt.shape[1] - 1, dtype=np.intp)
    n_probe = int(np.clip(_ROUND_TERMS // max(srt.size, 1), 1, _PROBES))
    steps = np.arange(1, n_probe + 1)
    while np.any(hi_i - lo_i > 1):
        probes = lo_i[:, None] + ((hi_i - lo_i)[:, None] * steps[None, :]) // (n_probe + 1)
        x = srt[rows[:, None], probes]  # (targets, probes)
        cdf = (weights[:, None, :] * ndtr((x[:, :, None] - means_b[:, None, :])
                              * inv_sds[:, None, :])).sum(axis=2)
        n_below = (cdf <= pa[:, None]).sum(axis=1)  # the first n_below probes lie below p
        lo_i = np.where(n_below > 0, probes[rows, np.maximum(n_below - 1, 0)], lo_i)
        hi_i = np.where(n_below < n_probe, probes[rows, np.minimum(n_below, n_probe - 1)], hi_i)
        hi_i = np.maximum(hi_i, lo_i + 1)
    lo, hi = srt[rows, lo_i], srt[rows, hi_i]
    return _halley(pa, weights, means_b, sds_b, x0=0.5 * (lo + hi), lo=lo, hi=hi, xtol=xtol,
                   max_iter=max_iter)


def _halley(p: NDArray[np.float64], weights: NDArray[np.float64], means: NDArray[np.float64],
            sds: NDArray[np.float64], *, x0: NDArray[np.float64], lo: NDArray[np.float64],
            hi: NDArray[np.float64], xtol: float, max_iter: int) -> NDArray[np.float64]:
    """Safeguarded Halley iteration for the quantiles ``p`` of the mixtures (rows of
    ``weights``, ``means``, ``sds``, shape ``(targets, components)``) inside ``[lo, hi]``."""
    inv_sds = 1.0 / sds
    upper = (p > 0.5)[:, None]
    q_tail = np.where(p > 0.5, 1.0 - p, p)
    sign = np.where(p > 0.5, -1.0, 1.0)
    w_dens = weights * inv_sds * _INV_SQRT_2PI

    def excess(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        # distance from the target probability, computed in the nearer tail for accuracy,
        # with its first two derivatives (density and density slope) for Halley steps
        zz = (x[:, None] - means) * inv_sds
        tail = (weights * ndtr(np.where(upper, -zz, zz))).sum(axis=1)
        phi = w_dens * np.exp(-0.5 * zz * zz)
        return sign * (tail - q_tail), phi.sum(axis=1), -(phi * zz * inv_sds).sum(axis=1)

    return safeguarded_newton(excess, x0, lo, hi, xtol=xtol, max_iter=max_iter)


#: Points of the shared grid on which :func:`shared_mixture_quantiles` brackets its roots.
_SHARED_GRID = 32


def shared_mixture_quantiles(
    p: NDArray[np.float64],
    weights: NDArray[np.float64],
    means: NDArray[np.float64],
    sds: NDArray[np.float64],
    *,
    xtol: float = 1e-12,
    max_iter: int = 100,
) -> NDArray[np.float64]:
    """Quantiles of mixtures that share their components in groups, with different weights
    (the posteriors of a grid row under different tau priors share the nodes of one rule, one
    group per prior on mu and parameter).

    Within a group the CDFs of all mixtures on one grid are a matrix product,
    ``weights @ Phi(grid)``; the grid is ranked among the exact brackets' ends (every
    component's own quantile ``m_j + s_j z``, for every ``p``), so it spans every root; each root
    then starts from linear interpolation inside its grid interval and all are finished together
    by :func:`mixture_quantile`'s safeguarded Halley iteration. Equal to
    :func:`mixture_quantile` of each mixture to ``xtol``.

    Parameters
    ----------
    p
        Probabilities in ``(0, 1)``, shape ``(q,)``.
    weights
        Weights (each row summing to 1), shape ``(groups, mixtures, components)``.
    means, sds
        The components of each group, shape ``(groups, components)``.

    Returns
    -------
    numpy.ndarray
        Quantiles, shape ``(groups, mixtures, q)``.
    """
    pa = np.asarray(p, dtype=np.float64).reshape(-1)
    w = np.asarray(weights, dtype=np.float64)
    n_group, n_mix = w.shape[:2]
    n_q = pa.size
    cand = np.sort((means[:, None, :] + sds[:, None, :] * ndtri(pa)[None, :, None])
                   .reshape(n_group, -1), axis=1)
    ranks = np.unique(np.linspace(0, cand.shape[1] - 1, _SHARED_GRID).round().astype(np.intp))
    grid = cand[:, ranks]  # (groups, grid)
    phi = ndtr((grid[:, None, :] - means[:, :, None]) / sds[:, :, None])  # (groups, comp, grid)
    cdf = w @ phi  # (groups, mixtures, grid)
    # per (group, mixture, p): the last grid point with CDF <= p (the first is below every root)
    below = (cdf[:, :, None, :] <= pa[None, None, :, None]).sum(axis=3) - 1
    i = np.clip(below, 0, ranks.size - 2).reshape(-1)  # group-, then mixture-, then p-major
    g = np.repeat(np.arange(n_group), n_mix * n_q)
    m = np.tile(np.repeat(np.arange(n_mix), n_q), n_group)
    target = np.tile(pa, n_group * n_mix)
    lo, hi = grid[g, i], grid[g, i + 1]
    f_lo, f_hi = cdf[g, m, i], cdf[g, m, i + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((target - f_lo) / (f_hi - f_lo), 0.0, 1.0)
    x0 = np.where(np.isfinite(frac), lo + frac * (hi - lo), 0.5 * (lo + hi))
    out = _halley(target, w[g, m], means[g], sds[g], x0=x0, lo=lo, hi=hi, xtol=xtol,
                  max_iter=max_iter)
    return out.reshape(n_group, n_mix, n_q)
