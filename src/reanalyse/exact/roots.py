"""Vectorised root finding for monotone increasing functions: Newton steps inside a bracket."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["safeguarded_newton"]

ValueAndSlope = Callable[[NDArray[np.float64]], tuple[NDArray[np.float64], ...]]


def safeguarded_newton(
    fun: ValueAndSlope,
    x0: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    *,
    xtol: float,
    max_iter: int = 100,
) -> NDArray[np.float64]:
    """Solve ``g(x) = 0`` elementwise for increasing ``g`` with ``g(lo) <= 0 <= g(hi)``.

    Each iteration takes the Newton step (Halley's, when ``fun`` also returns the second
    derivative); a step that leaves the current bracket is replaced by bisection, and the bracket
    shrinks with every evaluation, so the iteration cannot diverge.

    Parameters
    ----------
    fun
        Maps ``x`` (shape ``(n,)``) to ``(g(x), g'(x))`` or ``(g(x), g'(x), g''(x))``.
    x0, lo, hi
        Starting points and brackets, shape ``(n,)``.
    xtol
        Stop when every step is below ``xtol * (1 + |x|)``.
    max_iter
        Iteration limit.

    Returns
    -------
    numpy.ndarray
        The roots, shape ``(n,)``.
    """
    x = np.array(x0, dtype=np.float64)
    lo = np.array(lo, dtype=np.float64)
    hi = np.array(hi, dtype=np.float64)
    for _ in range(max_iter):
        values = fun(x)
        g, slope = values[0], values[1]
        lo = np.where(g < 0, x, lo)
        hi = np.where(g > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = g / slope
            if len(values) > 2:  # Halley: cubic convergence near the root
                denom = 1.0 - 0.5 * step * values[2] / slope
                step = np.where(denom > 0.5, step / denom, step)
        newton = x - step
        tol = xtol * (1.0 + np.abs(x))
        small = np.abs(step) <= tol
        bad = ~small & (~np.isfinite(newton) | (newton <= lo) | (newton >= hi))
        done = small | (g == 0) | (hi - lo <= tol)
        x = np.where(g == 0, x, np.where(bad, 0.5 * (lo + hi), newton))
        if done.all():
            break
    return x
