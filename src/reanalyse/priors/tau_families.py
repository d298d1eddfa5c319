"""The tau families: half-normal, half-Cauchy, uniform, inverse-gamma, log-normal and log-t.

Each is a :class:`reanalyse.priors.family.TauFamily` with its parameters on tau. The draws use
the generator's own samplers (the streams the prior groups of fitted models were drawn with).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors.family import LogScaleStatement, TauFamily
from reanalyse.priors.graph_form import TauTerms
from reanalyse.priors.unfrozen import Unfrozen

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

__all__ = ["HalfCauchy", "HalfNormal", "InverseGamma", "LogNormal", "LogT", "Uniform"]


@dataclass(frozen=True, kw_only=True)
class HalfNormal(TauFamily):
    """tau = |X|, X ~ N(0, scale^2)."""

    name: ClassVar[str] = "half-normal"
    positive: ClassVar[frozenset[str]] = frozenset({"scale"})
    scale: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.halfnorm, scale=self.scale)

    def graph_terms(self) -> TauTerms:
        return TauTerms(ratio2=-0.5, s=self.scale)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return self.scale * np.abs(rng.standard_normal(size))

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.HalfNormal(name, sigma=self.scale)


@dataclass(frozen=True, kw_only=True)
class HalfCauchy(TauFamily):
    """tau = |X|, X Cauchy with this scale."""

    name: ClassVar[str] = "half-cauchy"
    positive: ClassVar[frozenset[str]] = frozenset({"scale"})
    scale: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.halfcauchy, scale=self.scale)

    def graph_terms(self) -> TauTerms:
        return TauTerms(log1p_ratio2=-1.0, s=self.scale)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return self.scale * np.abs(rng.standard_cauchy(size))

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.HalfCauchy(name, beta=self.scale)


@dataclass(frozen=True, kw_only=True)
class Uniform(TauFamily):
    """tau uniform on [lower, upper], 0 <= lower < upper."""

    name: ClassVar[str] = "uniform"
    lower: float
    upper: float

    @classmethod
    def _joint_problems(cls, params: Mapping[str, float]) -> list[str]:
        lower, upper = params["lower"], params["upper"]
        problems = []
        if lower < 0:
            problems.append(f"uniform lower bound must be >= 0 for tau, got {lower!r}")
        if not upper > lower:
            problems.append(f"uniform needs lower < upper, got {lower!r}, {upper!r}")
        return problems

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.uniform, loc=self.lower, scale=self.upper - self.lower)

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper))

    def graph_terms(self) -> TauTerms:
        return TauTerms()

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return rng.uniform(self.lower, self.upper, size=size)

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.Uniform(name, lower=self.lower, upper=self.upper)


@dataclass(frozen=True, kw_only=True)
class InverseGamma(TauFamily):
    """tau inverse-gamma: 1/tau ~ Gamma(shape, rate=scale)."""

    name: ClassVar[str] = "inverse-gamma"
    positive: ClassVar[frozenset[str]] = frozenset({"shape", "scale"})
    shape: float
    scale: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.invgamma, (self.shape,), scale=self.scale)

    def graph_terms(self) -> TauTerms:
        return TauTerms(log_tau=-(self.shape + 1.0), inverse=-self.scale)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return self.scale / rng.gamma(self.shape, 1.0, size=size)

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.InverseGamma(name, alpha=self.shape, beta=self.scale)


@dataclass(frozen=True, kw_only=True)
class LogNormal(LogScaleStatement, TauFamily):
    """log tau ~ N(mu, sigma^2)."""

    name: ClassVar[str] = "lognormal"
    positive: ClassVar[frozenset[str]] = frozenset({"sigma"})
    log_params: ClassVar[tuple[str, str]] = ("mu", "sigma")
    mu: float
    sigma: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.lognorm, (self.sigma,), scale=math.exp(self.mu))

    def graph_terms(self) -> TauTerms:
        return TauTerms(log_tau=-1.0, z2=-0.5, l=self.mu, sigma=self.sigma)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return np.exp(self.mu + self.sigma * rng.standard_normal(size))

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.LogNormal(name, mu=self.mu, sigma=self.sigma)


def _log_t_on_tau(location: Any, scale: Any, df: Any, size: Any) -> Any:
    """Generative graph of a log-t variable: ``exp(location + scale * t_df)``."""
    import pymc as pm
    import pytensor.tensor as pt

    return pt.exp(pm.StudentT.dist(nu=df, mu=location, sigma=scale, size=size))


@dataclass(frozen=True, kw_only=True)
class LogT(LogScaleStatement, TauFamily):
    """log tau = location + scale * t_df (scipy's t is the distribution of log tau)."""

    name: ClassVar[str] = "log-t"
    positive: ClassVar[frozenset[str]] = frozenset({"scale", "df"})
    log_params: ClassVar[tuple[str, str]] = ("location", "scale")
    location: float
    scale: float
    df: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.t, (self.df,), loc=self.location, scale=self.scale)

    def logpdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        x = np.asarray(tau, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.log(np.where(x > 0, x, 1.0))
            out = self._dist.logpdf(log_x) - log_x
        return np.where(x > 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        x = np.asarray(tau, dtype=float)
        log_x = np.log(np.where(x > 0, x, 1.0))
        return np.where(x > 0, self._dist.cdf(log_x), 0.0)

    def sf(self, tau: ArrayLike) -> NDArray[np.float64]:
        x = np.asarray(tau, dtype=float)
        log_x = np.log(np.where(x > 0, x, 1.0))
        return np.where(x > 0, self._dist.sf(log_x), 1.0)

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        return np.exp(self._dist.ppf(np.asarray(q, dtype=float)))

    def graph_terms(self) -> TauTerms:
        return TauTerms(log_tau=-1.0, log1p_z2=-(self.df + 1.0) / 2.0, l=self.location,
                        sigma=self.scale, nu=self.df)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return np.exp(self.location + self.scale * rng.standard_t(self.df, size=size))

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.CustomDist(name, self.location, self.scale, self.df, dist=_log_t_on_tau,
                             transform=pm.distributions.transforms.log)
