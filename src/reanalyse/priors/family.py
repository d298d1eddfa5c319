"""What a distribution family is: the base classes every tau and effect family derives from.

A family is a frozen dataclass whose fields are its parameters (``HalfNormal(scale=0.5)``). It
owns the checks on them, its density and quantiles (scipy, called unfrozen), its draws, its
native PyMC variable and its PyMC form for the compile-once graph
(:mod:`reanalyse.priors.graph_form`); an effect family also says what the exact engine takes
(:meth:`EffectFamily.exact_mu_prior`). Adding a family is one subclass plus one entry in
:mod:`reanalyse.priors.families`, the registry that maps the names of TOML files and inline
specs to classes.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors._format import format_params
from reanalyse.priors.graph_form import (
    EffectGraphForm,
    EffectTerms,
    TauGraphForm,
    TauTerms,
    effect_graph_form,
    tau_graph_form,
)
from reanalyse.priors.unfrozen import Unfrozen

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

    from reanalyse.exact import MuPriorArgs

__all__ = ["EffectFamily", "Family", "TauFamily"]


@dataclass(frozen=True, kw_only=True)
class Family(ABC):
    """A distribution family with its parameters as fields.

    Class attributes: ``name`` (the family's name in TOML files, inline specs and records),
    ``positive`` (parameters that must be > 0).
    """

    name: ClassVar[str]
    role: ClassVar[Literal["tau", "effect"]]
    positive: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        problems = self.param_problems(self.params)
        if problems:
            raise ValueError(f"{self.name}: " + "; ".join(problems))

    def __getattr__(self, name: str) -> Any:
        # only for attributes not set: the scipy distribution (``_dist``) is made on first use,
        # since scipy.stats takes 0.4 s to import and a run that reuses every result, which
        # still builds the prior registry, never evaluates a prior
        if name == "_dist":
            made = self._scipy()  # type: ignore[attr-defined]
            object.__setattr__(self, "_dist", made)
            return made
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ----------------------------------------------------------------- parameters
    @classmethod
    @functools.cache
    def param_names(cls) -> tuple[str, ...]:
        """The parameters, in the order inline specs give them."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.init)

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name."""
        return {name: getattr(self, name) for name in self.param_names()}

    @classmethod
    def from_params(cls, params: Mapping[str, float]) -> Self:
        """The family with these parameters (checked)."""
        if set(params) != set(cls.param_names()):
            raise ValueError(f"{cls.name}: " + "; ".join(cls.param_problems(params)))
        return cls(**{name: float(params[name]) for name in cls.param_names()})

    @classmethod
    def param_problems(cls, params: Mapping[str, Any]) -> list[str]:
        """Every problem with these parameters (empty list: all good)."""
        expected = cls.param_names()
        missing = [name for name in expected if name not in params]
        unexpected = [name for name in params if name not in expected]
        problems: list[str] = []
        if missing:
            problems.append(f"{cls.name} needs parameter(s) {', '.join(missing)}")
        if unexpected:
            allowed = ", ".join(expected) if expected else "none"
            problems.append(
                f"{cls.name} takes no parameter(s) {', '.join(unexpected)} (allowed: {allowed})"
            )
        numbers = True
        for name in expected:
            if name not in params:
                continue
            value = params[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"parameter {name} must be a number, got {value!r}")
                numbers = False
            elif not math.isfinite(value):
                problems.append(f"parameter {name} must be finite, got {value!r}")
            elif name in cls.positive and value <= 0:
                problems.append(f"parameter {name} must be > 0, got {value!r}")
        if not missing and numbers:
            problems += cls._joint_problems(params)
        return problems

    @classmethod
    def _joint_problems(cls, params: Mapping[str, float]) -> list[str]:
        """Problems that tie parameters together (none by default)."""
        return []

    @classmethod
    def describe_params(cls, params: Mapping[str, float]) -> str:
        """``name(parameter=value, ...)`` for display."""
        return format_params(cls.name, params)

    @property
    def theta(self) -> tuple[float, ...]:
        """The parameter values in :meth:`param_names` order (the graph's draw data)."""
        return tuple(getattr(self, name) for name in self.param_names())

    @classmethod
    def from_theta(cls, theta: ArrayLike) -> Self:
        """The family from :attr:`theta` (padded with anything after its own parameters)."""
        values = np.asarray(theta, dtype=float).ravel()
        return cls(**{name: float(v) for name, v in zip(cls.param_names(), values, strict=False)})


@dataclass(frozen=True, kw_only=True)
class TauFamily(Family):
    """A proper family of distributions of tau; its fields are the parameters **on tau**.

    Subclasses give :meth:`_scipy` (or override the densities), :meth:`graph_terms`,
    :meth:`draw` and :meth:`to_pymc`; log-scale families may also be stated on tau^2
    (:class:`LogScaleStatement`).
    """

    role: ClassVar[Literal["tau"]] = "tau"
    #: Parameters the family may be stated on.
    stated_on: ClassVar[tuple[str, ...]] = ("tau",)

    _dist: Unfrozen = field(init=False, repr=False, compare=False)  # made on first use

    @classmethod
    def on_tau(cls, params: Mapping[str, float], *, stated_on: str) -> dict[str, float]:
        """Parameters of the family describing tau, from those stated on ``stated_on``."""
        converted = {name: float(value) for name, value in params.items()}
        if stated_on == "tau":
            return converted
        if stated_on != "tau2":
            raise ValueError(f"stated_on must be 'tau' or 'tau2', got {stated_on!r}")
        if "tau2" not in cls.stated_on:
            raise ValueError(f"family {cls.name!r} cannot be stated on tau2")
        return cls._from_tau2(converted)

    @classmethod
    def _from_tau2(cls, params: dict[str, float]) -> dict[str, float]:
        raise NotImplementedError  # pragma: no cover

    # ----------------------------------------------------------------- scipy
    @abstractmethod
    def _scipy(self) -> Unfrozen:
        """The scipy distribution the densities use (of tau unless overridden)."""

    def logpdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Log density of tau (``-inf`` outside the support)."""
        return self._dist.logpdf(np.asarray(tau, dtype=float))

    def pdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Density of tau."""
        return np.exp(self.logpdf(tau))

    def cdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """P(tau <= t)."""
        return self._dist.cdf(np.asarray(tau, dtype=float))

    def sf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """P(tau > t), computed directly for accuracy in the upper tail."""
        return self._dist.sf(np.asarray(tau, dtype=float))

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        """Quantile function of tau."""
        return self._dist.ppf(np.asarray(q, dtype=float))

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper end of the support of tau (upper may be ``inf``)."""
        return (0.0, math.inf)

    # ----------------------------------------------------------------- PyMC and draws
    @abstractmethod
    def graph_terms(self) -> TauTerms:
        """The weights and constants of the family's log density (the module notes of
        :mod:`reanalyse.priors.graph_form`)."""

    def graph_form(self) -> TauGraphForm:
        """The family as the compile-once graph takes it; ``c`` from :meth:`logpdf` at the
        median (computed once per distinct family: families are immutable and compare by their
        parameters)."""
        return _tau_form(self)

    @abstractmethod
    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        """Draws of tau."""

    @abstractmethod
    def to_pymc(self, name: str) -> TensorVariable:
        """PyMC's own random variable for tau in the current model (the family's default
        transform)."""


class LogScaleStatement:
    """Mixin of a family of log(tau) with a location and a scale (``log_params``): stated on
    tau^2 it converts exactly, since log tau = (log tau^2) / 2 halves both."""

    stated_on: ClassVar[tuple[str, ...]] = ("tau", "tau2")
    log_params: ClassVar[tuple[str, str]]

    @classmethod
    def _from_tau2(cls, params: dict[str, float]) -> dict[str, float]:
        return {name: value / 2.0 if name in cls.log_params else value
                for name, value in params.items()}


@dataclass(frozen=True, kw_only=True)
class EffectFamily(Family):
    """A family of priors on the pooled effect (proper unless ``proper`` is False).

    Subclasses give :meth:`_scipy`, :meth:`graph_terms`, :meth:`draw`, :meth:`to_pymc` and, if
    the exact engine integrates them, :meth:`exact_mu_prior`.
    """

    role: ClassVar[Literal["effect"]] = "effect"
    #: False for an improper family: no probabilities, quantiles or draws.
    proper: ClassVar[bool] = True

    _dist: Unfrozen | None = field(init=False, repr=False, compare=False)  # made on first use

    def _scipy(self) -> Unfrozen | None:
        """The scipy distribution of the effect (``None`` for an improper family)."""
        return None

    def _proper(self) -> Unfrozen:
        if self._dist is None:
            raise ValueError(f"a {self.name} prior has no probabilities")
        return self._dist

    def logpdf(self, effect: ArrayLike) -> NDArray[np.float64]:
        """Log density of the effect."""
        return self._proper().logpdf(np.asarray(effect, dtype=float))

    def sf(self, t: ArrayLike) -> NDArray[np.float64]:
        """P(effect > t)."""
        return self._proper().sf(np.asarray(t, dtype=float))

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        """Quantile function of the effect."""
        return self._proper().ppf(np.asarray(q, dtype=float))

    def moments(self) -> tuple[float | None, float]:
        """The mean (``None`` where it does not exist) and the SD (``inf`` where the variance
        is infinite or undefined), from scipy."""
        dist = self._proper()
        mean, sd = dist.mean(), dist.std()
        return (mean if math.isfinite(mean) else None, sd if math.isfinite(sd) else math.inf)

    @abstractmethod
    def graph_terms(self) -> EffectTerms:
        """The weights and constants of the family's log density."""

    def graph_form(self) -> EffectGraphForm:
        """The family as the compile-once graph takes it."""
        return effect_graph_form(self.graph_terms(), logpdf=self.logpdf)

    @abstractmethod
    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        """Draws of the effect."""

    @abstractmethod
    def to_pymc(self, name: str) -> TensorVariable:
        """PyMC's own random variable for the effect in the current model."""

    def exact_mu_prior(self) -> MuPriorArgs | None:
        """The keywords of :func:`reanalyse.exact.fit_exact` for this prior on mu, or ``None``
        if the exact engine cannot integrate the family (the default)."""
        return None


@lru_cache(maxsize=256)
def _tau_form(family: TauFamily) -> TauGraphForm:
    return tau_graph_form(family.graph_terms(), logpdf=family.logpdf, support=family.support,
                          at=float(family.ppf(0.5)))
