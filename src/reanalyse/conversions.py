"""Conversions that data entry needs: SE from a CI, SD from an SE or a CI, and benefit direction.

Cochrane Handbook (version 6.4), section 6.5.2.2 (SDs from SEs and CIs of group means) and
section 6.3.2 (SEs from CIs of ratio measures, on the log scale).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "benefit_sign",
    "normalise_level",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
]


def normalise_level(level: float) -> float:
    """A confidence level as a probability: 0.95 stays 0.95, 95 becomes 0.95."""
    lvl = float(level)
    if 1.0 < lvl < 100.0:
        lvl /= 100.0
    if not 0.0 < lvl < 1.0:
        raise ValueError(f"confidence level must be in (0, 1) or (1, 100), got {level!r}")
    return lvl


def _critical(level: float, df: ArrayLike | None) -> NDArray[np.float64]:
    p = (1.0 + normalise_level(level)) / 2.0
    # the quantile functions scipy.stats's norm.ppf and t.ppf call (scipy.special imports in a
    # tenth of scipy.stats's time, which every command would otherwise pay)
    if df is None:
        return np.asarray(special.ndtri(p), dtype=float)
    return np.asarray(special.stdtrit(np.asarray(df, dtype=float), p), dtype=float)


def se_from_ci(
    *,
    ci_low: ArrayLike,
    ci_high: ArrayLike,
    level: float = 0.95,
    log_scale: bool = False,
    df: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Standard error from a confidence interval.

    ``SE = (upper - lower) / (2 * c)`` with ``c`` the normal critical value, or the t critical
    value on ``df`` degrees of freedom when the source used t (small samples). For ratio measures
    pass the natural-scale bounds with ``log_scale=True``: the SE is then that of the log ratio.
    """
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    if log_scale:
        lo, hi = np.log(lo), np.log(hi)
    return np.asarray((hi - lo) / (2.0 * _critical(level, df)), dtype=float)


def sd_from_se(*, se: ArrayLike, n: ArrayLike) -> NDArray[np.float64]:
    """SD of a group from the SE of its mean: ``SD = SE * sqrt(n)``."""
    return np.asarray(np.asarray(se, dtype=float) * np.sqrt(np.asarray(n, dtype=float)))


def sd_from_ci(
    *,
    ci_low: ArrayLike,
    ci_high: ArrayLike,
    n: ArrayLike,
    level: float = 0.95,
    use_t: bool = True,
) -> NDArray[np.float64]:
    """SD of a group from the CI of its mean: ``SD = sqrt(n) * (upper - lower) / (2 * c)``.

    ``c`` is the t critical value on n - 1 degrees of freedom (``use_t=True``, as the Handbook
    advises for small samples) or the normal one.
    """
    n_arr = np.asarray(n, dtype=float)
    se = se_from_ci(ci_low=ci_low, ci_high=ci_high, level=level, df=n_arr - 1 if use_t else None)
    return sd_from_se(se=se, n=n_arr)


def benefit_sign(*, higher_is_better: bool) -> int:
    """+1 if a larger effect (treatment minus / over control) means benefit, else -1.

    On the analysis scale an MD, SMD, log RR or log OR above zero means the treatment arm scored
    higher or had more events; whether that is benefit depends on the outcome alone.
    """
    return 1 if higher_is_better else -1
