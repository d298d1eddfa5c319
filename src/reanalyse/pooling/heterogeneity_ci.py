"""Confidence intervals for heterogeneity: tau^2 and tau by the Q-profile, I^2 and H from Q.

tau^2 (Viechtbauer 2007, metafor's ``confint``): the generalised Q statistic
Q(tau^2) = sum w_i (y_i - mu(tau^2))^2, w_i = 1 / (v_i + tau^2), falls with tau^2 and is
chi-squared on k - 1 df at the true value; the interval is every tau^2 where Q(tau^2) lies
between the chi-squared quantiles. A bound whose equation has no root on [0, inf) is 0.

I^2 and H (Higgins & Thompson 2002, the intervals the R package meta prints): H = sqrt(Q / df),
a Wald interval for ln H with SE 0.5 (ln Q - ln df) / (sqrt(2Q) - sqrt(2k - 3)) when Q > k and
sqrt(1 / (2(k - 2)) (1 - 1 / (3 (k - 2)^2))) otherwise, H floored at 1, I^2 = (H^2 - 1) / H^2.
It uses the same Q as the I^2 reported beside it (around the Mantel-Haenszel estimate under
MH, as RevMan 5), so the interval always brackets the reported I^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from reanalyse.conversions import normalise_level
from reanalyse.pooling.tau2 import root_decreasing, search_upper

__all__ = ["HeterogeneityInterval", "heterogeneity_interval", "i2_interval", "q_profile"]

_NAN = float("nan")


@dataclass(frozen=True)
class HeterogeneityInterval:
    """Confidence limits for tau^2, tau, I^2 (percent) and H; NaN where not computable."""

    level: float
    tau2_low: float
    tau2_high: float
    i2_low: float
    i2_high: float
    h_low: float
    h_high: float
    notes: tuple[str, ...] = ()

    @property
    def tau_low(self) -> float:
        return math.sqrt(self.tau2_low) if math.isfinite(self.tau2_low) else _NAN

    @property
    def tau_high(self) -> float:
        return math.sqrt(self.tau2_high) if math.isfinite(self.tau2_high) else _NAN

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready limits (None for NaN), with the methods named."""
        out: dict[str, Any] = {"level": self.level, "tau2_method": "Q-profile",
                               "i2_method": "Higgins-Thompson"}
        for name in ("tau2_low", "tau2_high", "tau_low", "tau_high", "i2_low", "i2_high",
                     "h_low", "h_high"):
            value = getattr(self, name)
            out[name] = value if math.isfinite(value) else None
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def generalised_q(tau2: float, *, y: np.ndarray, v: np.ndarray) -> float:
    """Q(tau^2) = sum w_i (y_i - mu(tau^2))^2 with w_i = 1 / (v_i + tau^2)."""
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    return float(np.sum(w * (y - mu) ** 2))


def q_profile(*, te: ArrayLike, se: ArrayLike, level: float = 0.95
              ) -> tuple[float, float, tuple[str, ...]]:
    """Q-profile limits (low, high) for tau^2 and notes; NaN limits below two studies."""
    level = normalise_level(level)
    y = np.asarray(te, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    k = y.size
    if k < 2:
        return _NAN, _NAN, ("a tau² interval needs two or more studies",)
    df = k - 1
    # chi-squared quantiles as scipy.stats.chi2.ppf computes them
    q_hi = float(2 * special.gammaincinv(df / 2, (1 + level) / 2))
    q_lo = float(2 * special.gammaincinv(df / 2, (1 - level) / 2))
    upper = search_upper(y, v)
    # Q(tau^2) is strictly decreasing (dQ/dtau^2 = -sum w_i^2 (y_i - mu)^2, mu minimising the
    # weighted sum of squares; Viechtbauer 2007, Stat Med 26:37-52), so each limit's equation has
    # at most one root and root_decreasing is exact here; REML's score, which is not monotone,
    # is handled separately in tau2.reml.
    low = root_decreasing(lambda t: generalised_q(t, y=y, v=v) - q_hi, upper)
    high = root_decreasing(lambda t: generalised_q(t, y=y, v=v) - q_lo, upper)
    notes: tuple[str, ...] = ()
    if high == 0.0:
        notes = ("the studies agree more closely than chance predicts: both tau² limits are 0",)
    return low, high, notes


def i2_interval(*, q: float, k: int, level: float = 0.95) -> tuple[float, float, float, float]:
    """Higgins-Thompson limits (i2_low, i2_high in percent, h_low, h_high); NaN below k = 3."""
    level = normalise_level(level)
    if k < 3 or not math.isfinite(q):
        return _NAN, _NAN, _NAN, _NAN
    df = k - 1
    if q > k:
        se_ln_h = 0.5 * (math.log(q) - math.log(df)) / (math.sqrt(2 * q) - math.sqrt(2 * k - 3))
    else:
        se_ln_h = math.sqrt(1 / (2 * (k - 2)) * (1 - 1 / (3 * (k - 2) ** 2)))
    ln_h = 0.5 * math.log(q / df) if q > 0 else -math.inf
    z = float(special.ndtri((1 + level) / 2))
    h_low = max(1.0, math.exp(ln_h - z * se_ln_h))
    h_high = max(1.0, math.exp(ln_h + z * se_ln_h))

    def i2(h: float) -> float:
        return 100.0 * (h**2 - 1) / h**2

    return i2(h_low), i2(h_high), h_low, h_high


def heterogeneity_interval(*, te: ArrayLike, se: ArrayLike, q: float,
                           level: float = 0.95) -> HeterogeneityInterval:
    """Both intervals for one analysis; ``q`` is the Cochran's Q the I^2 was computed from."""
    level = normalise_level(level)
    y = np.asarray(te, dtype=float)
    tau2_low, tau2_high, notes = q_profile(te=y, se=se, level=level)
    i2_low, i2_high, h_low, h_high = i2_interval(q=q, k=y.size, level=level)
    if y.size == 2:
        notes = notes + ("an I² interval needs three or more studies",)
    return HeterogeneityInterval(level=level, tau2_low=tau2_low, tau2_high=tau2_high,
                                 i2_low=i2_low, i2_high=i2_high, h_low=h_low, h_high=h_high,
                                 notes=notes)
