"""Vectorised adaptive Gauss-Legendre quadrature of a positive function given on the log scale.

The integrand is split into segments; each segment is integrated with an ``order``-point
Gauss-Legendre rule, both whole and as two halves. A segment is accepted (as its two halves) when
the two estimates agree to ``rtol`` times the current estimate of the total, for every weighting
``exp(power * x)`` asked for (so that moments such as ``E[tau^2]`` are resolved as well as the
normalising constant), and the whole-segment rule is kept (its error is bounded by that
disagreement in practice, since the halves are far more accurate); otherwise its halves are
split again. All segments of one round are
evaluated in one vectorised call, so a whole integration costs a handful of numpy calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "LogQuadrature",
    "ManyLogQuadrature",
    "adaptive_log_quadrature",
    "adaptive_log_quadrature_many",
    "gauss_legendre",
]

LogIntegrand = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@lru_cache(maxsize=8)
def gauss_legendre(order: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes and weights on ``[-1, 1]`` (cached, read-only)."""
    x, w = np.polynomial.legendre.leggauss(order)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@dataclass(frozen=True, eq=False)
class LogQuadrature:
    """The accepted segments of an adaptive integration of ``exp(log_f(x) - shift)``.

    Attributes
    ----------
    edges
        Segment boundaries, increasing, shape ``(m + 1,)``; the segments tile
        ``[edges[0], edges[-1]]``.
    nodes
        Quadrature nodes, shape ``(m, order)``.
    log_f
        ``log_f`` at the nodes (unshifted), shape ``(m, order)``.
    weights
        Quadrature weights times ``exp(log_f - shift)``, shape ``(m, order)``: ``weights.sum()``
        is the integral divided by ``exp(shift)``.
    segment_integrals
        Integral over each segment divided by ``exp(shift)``, shape ``(m,)``.
    shift
        The constant subtracted from ``log_f`` before exponentiating.
    order
        Points of the Gauss-Legendre rule per segment.
    """

    edges: NDArray[np.float64]
    nodes: NDArray[np.float64]
    log_f: NDArray[np.float64]
    weights: NDArray[np.float64]
    segment_integrals: NDArray[np.float64]
    shift: float
    order: int

    @property
    def total(self) -> float:
        """The integral divided by ``exp(shift)``."""
        return float(self.segment_integrals.sum())


def _rule_on(
    a: NDArray[np.float64], b: NDArray[np.float64], order: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes ``(len(a), order)`` and weights of the Gauss-Legendre rule mapped to ``[a, b]``."""
    x, w = gauss_legendre(order)
    half = 0.5 * (b - a)
    nodes = (0.5 * (a + b))[:, None] + half[:, None] * x[None, :]
    return nodes, half[:, None] * w[None, :]


def adaptive_log_quadrature(
    log_f: LogIntegrand,
    breakpoints: Sequence[float] | NDArray[np.float64],
    *,
    shift: float,
    powers: Sequence[float] = (0.0,),
    power_shifts: Sequence[float] | None = None,
    rtol: float = 1e-10,
    order: int = 10,
    max_rounds: int = 40,
    max_segments: int = 4096,
) -> LogQuadrature:
    """Integrate ``exp(log_f(x))`` over ``[breakpoints[0], breakpoints[-1]]`` adaptively.

    Parameters
    ----------
    log_f
        Vectorised log integrand; may return ``-inf``.
    breakpoints
        Increasing points that start the subdivision (put known kinks and supports ends here).
    shift
        Subtracted from ``log_f`` before exponentiating (use the maximum of ``log_f``).
    powers
        The accuracy test is applied to ``exp(log_f + p * x)`` for each ``p`` (0 is the integral
        itself; 1 and 2 the first two moments of ``exp(x)``); must include 0.
    power_shifts
        Shift used for each power (defaults to ``shift``).
    rtol
        Accepted disagreement between the whole-segment and two-halves estimates, relative to the
        estimated total, for each power.
    order
        Gauss-Legendre points per segment.
    max_rounds, max_segments
        Safety limits; when reached, the remaining segments are accepted as they are.

    Returns
    -------
    LogQuadrature
    """
    p = np.asarray(powers, dtype=np.float64)
    if not np.any(p == 0.0):
        raise ValueError("powers must include 0 (the integral itself)")
    ps = np.full(p.shape, shift) if power_shifts is None else np.asarray(power_shifts, float)

    def rows(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(log_f(x), dtype=np.float64).reshape(x.shape)[None, :] + (
            p[:, None] * x[None, :])

    rule = adaptive_log_quadrature_many(rows, breakpoints, shifts=ps, rtol=rtol, order=order,
                                        max_rounds=max_rounds, max_segments=max_segments)
    lf = rule.log_f[int(np.flatnonzero(p == 0.0)[0])]  # the row log_f + 0 * x is log_f itself
    w = rule.weights * np.exp(lf - shift)
    return LogQuadrature(
        edges=rule.edges,
        nodes=rule.nodes,
        log_f=lf,
        weights=w,
        segment_integrals=w.sum(axis=1),
        shift=float(shift),
        order=order,
    )


@dataclass(frozen=True, eq=False)
class ManyLogQuadrature:
    """One rule accepted for several integrands at once (:func:`adaptive_log_quadrature_many`).

    Attributes
    ----------
    edges
        Segment boundaries, increasing, shape ``(m + 1,)``.
    nodes
        Quadrature nodes, shape ``(m, order)``.
    log_f
        Every integrand's log at the nodes (unshifted, ``nan`` read as ``-inf``), shape
        ``(q, m, order)``.
    weights
        The Gauss-Legendre weights mapped to each segment, shape ``(m, order)``: integrand ``i``
        integrates to ``(weights * exp(log_f[i])).sum()``.
    order
        Points of the Gauss-Legendre rule per segment.
    """

    edges: NDArray[np.float64]
    nodes: NDArray[np.float64]
    log_f: NDArray[np.float64]
    weights: NDArray[np.float64]
    order: int


def adaptive_log_quadrature_many(
    log_f: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    breakpoints: Sequence[float] | NDArray[np.float64],
    *,
    shifts: Sequence[float] | NDArray[np.float64],
    rtol: float = 1e-10,
    order: int = 10,
    max_rounds: int = 40,
    max_segments: int = 4096,
) -> ManyLogQuadrature:
    """One adaptive Gauss-Legendre rule on ``[breakpoints[0], breakpoints[-1]]`` that integrates
    each of several functions ``exp(log_f(x)[i])`` to ``rtol`` of its own total.

    A segment is accepted when, for every integrand, its whole-segment and two-halves estimates
    agree to ``rtol`` times that integrand's estimated total; otherwise both halves are split
    again. Every round is one vectorised call of ``log_f``.

    Parameters
    ----------
    log_f
        Maps points ``x`` (shape ``(n,)``) to the log integrands, shape ``(q, n)``; may return
        ``-inf``.
    breakpoints
        Increasing points that start the subdivision (kinks and support ends).
    shifts
        Per integrand, subtracted before exponentiating (its maximum, or near it), shape ``(q,)``.
    rtol, order, max_rounds, max_segments
        As :func:`adaptive_log_quadrature`.
    """
    bp = np.unique(np.asarray(breakpoints, dtype=np.float64))
    if bp.size < 2:
        raise ValueError("adaptive_log_quadrature needs at least two distinct breakpoints")
    ps = np.asarray(shifts, dtype=np.float64).reshape(-1)

    pending_a, pending_b = bp[:-1], bp[1:]
    acc_a: list[NDArray[np.float64]] = []
    acc_b: list[NDArray[np.float64]] = []
    acc_nodes: list[NDArray[np.float64]] = []
    acc_logf: list[NDArray[np.float64]] = []
    acc_w: list[NDArray[np.float64]] = []
    accepted_totals = np.zeros(ps.shape)

    for round_no in range(max_rounds):
        a, b = pending_a, pending_b
        m = 0.5 * (a + b)
        # whole segment, left half, right half: one vectorised evaluation
        seg_a = np.concatenate([a, a, m])
        seg_b = np.concatenate([b, m, b])
        nodes, qw = _rule_on(seg_a, seg_b, order)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            lf = np.asarray(log_f(nodes.reshape(-1)), dtype=np.float64).reshape(
                (ps.size, *nodes.shape))
        lf = np.where(np.isnan(lf), -np.inf, lf)
        # integrals per integrand, shape (q, 3n)
        ints = (np.exp(lf - ps[:, None, None]) * qw[None, :, :]).sum(axis=2)
        n = a.size
        whole, left, right = ints[:, :n], ints[:, n : 2 * n], ints[:, 2 * n :]
        halves = left + right
        total_est = accepted_totals + halves.sum(axis=1)
        err = np.abs(whole - halves)
        tiny = np.finfo(np.float64).tiny
        ok = np.all(err <= rtol * np.maximum(total_est, tiny)[:, None], axis=0)
        n_done = sum(x.size for x in acc_a)
        last_round = round_no == max_rounds - 1 or n_done + 2 * int((~ok).sum()) > max_segments
        if last_round:
            ok[:] = True
        if ok.any():
            # keep the whole-segment rule: its error is at most the tested disagreement
            idx = np.flatnonzero(ok)
            acc_a.append(a[ok])
            acc_b.append(b[ok])
            acc_nodes.append(nodes[idx])
            acc_logf.append(lf[:, idx])
            acc_w.append(qw[idx])
            accepted_totals = accepted_totals + whole[:, ok].sum(axis=1)
        if ok.all():
            break
        bad = ~ok
        pending_a = np.concatenate([a[bad], m[bad]])
        pending_b = np.concatenate([m[bad], b[bad]])

    seg_a_all = np.concatenate(acc_a)
    order_idx = np.argsort(seg_a_all, kind="stable")
    seg_b_sorted = np.concatenate(acc_b)[order_idx]
    edges = np.append(seg_a_all[order_idx], seg_b_sorted[-1])
    return ManyLogQuadrature(
        edges=edges,
        nodes=np.concatenate(acc_nodes)[order_idx],
        log_f=np.concatenate(acc_logf, axis=1)[:, order_idx],
        weights=np.concatenate(acc_w)[order_idx],
        order=order,
    )
