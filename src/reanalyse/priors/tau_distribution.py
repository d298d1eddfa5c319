"""The distribution of tau implied by a prior, whatever parameter the source stated it on.

A prior on tau^2 of a log-scale family converts exactly: if log tau^2 ~ N(m, s^2) then
log tau = (log tau^2) / 2 ~ N(m/2, (s/2)^2); if log tau^2 = l + s * t_df then
log tau = l/2 + (s/2) * t_df.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["TauDistribution", "params_on_tau"]


def params_on_tau(
    family: str, params: Mapping[str, float], *, stated_on: str
) -> dict[str, float]:
    """Parameters of the same family describing tau itself.

    Parameters
    ----------
    family
        A tau family (``lognormal`` and ``log-t`` may be stated on tau2).
    params
        The parameters as the source states them.
    stated_on
        ``"tau"`` or ``"tau2"``.

    Returns
    -------
    dict
        ``params`` unchanged for ``stated_on="tau"``; for ``tau2`` the location and scale of
        log tau^2 halved (``df`` unchanged).
    """
    converted = {name: float(value) for name, value in params.items()}
    if stated_on == "tau":
        return converted
    if stated_on != "tau2":
        raise ValueError(f"stated_on must be 'tau' or 'tau2', got {stated_on!r}")
    if family == "lognormal":
        return {"mu": converted["mu"] / 2.0, "sigma": converted["sigma"] / 2.0}
    if family == "log-t":
        return {
            "location": converted["location"] / 2.0,
            "scale": converted["scale"] / 2.0,
            "df": converted["df"],
        }
    raise ValueError(f"family {family!r} cannot be stated on tau2")


@dataclass(frozen=True)
class _Scipy:
    """A scipy distribution with its shape, loc and scale arguments, called unfrozen: freezing
    (``stats.halfnorm(scale=s)``) builds a new distribution object each time, which cost more
    than the whole posterior when a prior is made per evaluation (tipping points, grids)."""

    dist: stats.rv_continuous
    shapes: tuple[float, ...] = ()
    loc: float = 0.0
    scale: float = 1.0

    def logpdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.dist.logpdf(x, *self.shapes, loc=self.loc, scale=self.scale)

    def cdf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.dist.cdf(x, *self.shapes, loc=self.loc, scale=self.scale)

    def sf(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.dist.sf(x, *self.shapes, loc=self.loc, scale=self.scale)

    def ppf(self, q: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.dist.ppf(q, *self.shapes, loc=self.loc, scale=self.scale)


def _scipy(family: str, p: Mapping[str, float]) -> _Scipy:
    if family == "half-normal":
        return _Scipy(stats.halfnorm, scale=p["scale"])
    if family == "half-cauchy":
        return _Scipy(stats.halfcauchy, scale=p["scale"])
    if family == "uniform":
        return _Scipy(stats.uniform, loc=p["lower"], scale=p["upper"] - p["lower"])
    if family == "inverse-gamma":
        return _Scipy(stats.invgamma, (p["shape"],), scale=p["scale"])
    if family == "lognormal":
        return _Scipy(stats.lognorm, (p["sigma"],), scale=math.exp(p["mu"]))
    if family == "log-t":
        # the distribution of log tau; tau = exp(.)
        return _Scipy(stats.t, (p["df"],), loc=p["location"], scale=p["scale"])
    raise ValueError(f"unknown tau family {family!r}")


@dataclass(frozen=True, kw_only=True)
class TauDistribution:
    """A proper distribution of tau, evaluated with scipy (numpy-vectorised).

    Parameters
    ----------
    family
        A tau family.
    params
        Its parameters **on tau** (see :func:`params_on_tau`).
    """

    family: str
    params: Mapping[str, float]
    _dist: _Scipy = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "_dist", _scipy(self.family, self.params))

    @property
    def _is_log_t(self) -> bool:
        return self.family == "log-t"

    def logpdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Log density of tau (``-inf`` outside the support)."""
        x = np.asarray(tau, dtype=float)
        if not self._is_log_t:
            return np.asarray(self._dist.logpdf(x), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.log(np.where(x > 0, x, 1.0))
            out = self._dist.logpdf(log_x) - log_x
        return np.where(x > 0, out, -np.inf)

    def pdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Density of tau."""
        return np.exp(self.logpdf(tau))

    def cdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """P(tau <= t)."""
        x = np.asarray(tau, dtype=float)
        if not self._is_log_t:
            return np.asarray(self._dist.cdf(x), dtype=float)
        log_x = np.log(np.where(x > 0, x, 1.0))
        return np.where(x > 0, self._dist.cdf(log_x), 0.0)

    def sf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """P(tau > t), computed directly for accuracy in the upper tail."""
        x = np.asarray(tau, dtype=float)
        if not self._is_log_t:
            return np.asarray(self._dist.sf(x), dtype=float)
        log_x = np.log(np.where(x > 0, x, 1.0))
        return np.where(x > 0, self._dist.sf(log_x), 1.0)

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        """Quantile function of tau."""
        p = np.asarray(q, dtype=float)
        if not self._is_log_t:
            return np.asarray(self._dist.ppf(p), dtype=float)
        return np.exp(self._dist.ppf(p))

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper end of the support of tau (upper may be ``inf``)."""
        if self.family == "uniform":
            return (float(self.params["lower"]), float(self.params["upper"]))
        return (0.0, math.inf)
