"""A prior on the between-study standard deviation tau."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors._format import format_number
from reanalyse.priors.families import family_problems, tau_family
from reanalyse.priors.family import TauFamily
from reanalyse.priors.record import PriorRecord, require_model_context
from reanalyse.priors.tau_families import (
    HalfCauchy,
    HalfNormal,
    InverseGamma,
    LogNormal,
    LogT,
    Uniform,
)

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

__all__ = ["TauPrior"]

#: Thresholds for the tail probabilities reported by :meth:`TauPrior.summary`.
REPORTED_TAU_THRESHOLDS: tuple[float, ...] = (0.5, 1.0)


@dataclass(frozen=True, kw_only=True)
class TauPrior(PriorRecord):
    """A prior on tau, exposing the distribution **of tau** whatever the source stated it on.

    Parameters
    ----------
    id
        Registry id, or the inline spec for an inline prior.
    family
        The name of a registered tau family (:mod:`reanalyse.priors.families`):
        ``half-normal``, ``half-cauchy``, ``uniform``, ``inverse-gamma``, ``lognormal`` or
        ``log-t``. The distribution itself is :attr:`distribution`, a family object.
    params
        Parameters exactly as the source states them, on ``stated_on``.
    stated_on
        ``"tau"`` or ``"tau2"``; a tau^2 prior is converted exactly (:attr:`params_on_tau`).
    scale
        Effect scales the prior was built for (``("any",)`` for a generic prior).
    citation, rationale, source
        Where the numbers come from (paper and table; repository and path) and why to use it.
    status
        ``published``, ``derived``, ``convention``, ``unverified`` or ``user`` (inline).
    origin
        ``"registry"`` or ``"inline"``.
    requested_scale, scale_override
        Set by :func:`reanalyse.priors.load_prior`: the analysis scale asked for, and whether the
        prior was used on a scale it was not built for.

    Other fields (``units``, ``notes``, ``outcome_type``, ``comparison``, ``subfield``,
    ``suggested_for``, ``paired_with``) are descriptive and travel into :meth:`to_dict`.
    """

    role: ClassVar[Literal["tau"]] = "tau"
    #: The density is a normalised distribution of tau (the exact engine's Bayes factors need
    #: no integral of its constant).
    normalised: ClassVar[bool] = True

    stated_on: Literal["tau", "tau2"]
    outcome_type: str | None = None
    comparison: str | None = None
    suggested_for: tuple[str, ...] = ()
    _distribution: TauFamily = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = family_problems(self.family, self.params, stated_on=self.stated_on)
        if problems:
            raise ValueError(f"tau prior {self.id!r}: " + "; ".join(problems))
        object.__setattr__(
            self, "params", MappingProxyType({k: float(v) for k, v in self.params.items()})
        )
        object.__setattr__(self, "scale", tuple(self.scale))
        object.__setattr__(self, "suggested_for", tuple(self.suggested_for))
        family = tau_family(self.family)
        object.__setattr__(self, "_distribution", family.from_params(
            family.on_tau(self.params, stated_on=self.stated_on)))

    # ----------------------------------------------------------------- built directly
    @classmethod
    def half_normal(cls, scale: float) -> TauPrior:
        """Half-normal prior on tau with this scale (``TauPrior.half_normal(0.5)``)."""
        return cls._user(HalfNormal, scale=scale)

    @classmethod
    def half_cauchy(cls, scale: float) -> TauPrior:
        """Half-Cauchy prior on tau with this scale."""
        return cls._user(HalfCauchy, scale=scale)

    @classmethod
    def uniform(cls, lower: float, upper: float) -> TauPrior:
        """Uniform prior on tau over [lower, upper]."""
        return cls._user(Uniform, lower=lower, upper=upper)

    @classmethod
    def inverse_gamma(cls, shape: float, scale: float) -> TauPrior:
        """Inverse-gamma prior on tau."""
        return cls._user(InverseGamma, shape=shape, scale=scale)

    @classmethod
    def lognormal(cls, mu: float, sigma: float, *, on: Literal["tau", "tau2"] = "tau"
                  ) -> TauPrior:
        """Log-normal prior: ``log(tau) ~ N(mu, sigma^2)``, or on ``tau2`` as Turner 2015."""
        return cls._user(LogNormal, stated_on=on, mu=mu, sigma=sigma)

    @classmethod
    def log_t(cls, location: float, scale: float, df: float, *,
              on: Literal["tau", "tau2"] = "tau") -> TauPrior:
        """Log-t prior on tau (or on tau2, as Rhodes 2015)."""
        return cls._user(LogT, stated_on=on, location=location, scale=scale, df=df)

    @classmethod
    def _user(cls, family: type[TauFamily], *, stated_on: str = "tau", **params: float
              ) -> TauPrior:
        from reanalyse.priors.inline import build_prior

        prior = build_prior(family, params, stated_on=stated_on)
        assert isinstance(prior, cls)
        return prior

    # ----------------------------------------------------------------- distribution of tau
    @property
    def distribution(self) -> TauFamily:
        """The distribution of tau: a family object with the parameters on tau."""
        return self._distribution

    @property
    def params_on_tau(self) -> Mapping[str, float]:
        """Parameters of the same family describing tau (halved log-scale ones for tau2), in
        the order the source gives them."""
        dist = self._distribution
        return MappingProxyType({name: getattr(dist, name) for name in self.params})

    def logpdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Log prior density of tau (vectorised; ``-inf`` outside the support)."""
        return self._distribution.logpdf(tau)

    def pdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Prior density of tau."""
        return self._distribution.pdf(tau)

    def cdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Prior P(tau <= t)."""
        return self._distribution.cdf(tau)

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        """Prior quantile of tau at probability ``q``."""
        return self._distribution.ppf(q)

    def p_greater(self, t: ArrayLike) -> NDArray[np.float64]:
        """Prior P(tau > t)."""
        return self._distribution.sf(t)

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper end of the support of tau (upper may be ``inf``)."""
        return self._distribution.support

    @property
    def median(self) -> float:
        """Prior median of tau."""
        return float(self.ppf(0.5))

    def interval(self, prob: float = 0.95) -> tuple[float, float]:
        """Central (equal-tailed) prior interval of tau with probability ``prob``."""
        if not 0 < prob < 1:
            raise ValueError(f"prob must be in (0, 1), got {prob!r}")
        lower, upper = self.ppf([(1 - prob) / 2, (1 + prob) / 2])
        return (float(lower), float(upper))

    def summary(self) -> dict[str, float]:
        """Median, 95% interval, P(tau > 0.5) and P(tau > 1), as plain floats."""
        q025, q975 = self.interval(0.95)
        out = {"median": self.median, "q025": q025, "q975": q975}
        for t in REPORTED_TAU_THRESHOLDS:
            out[f"p_tau_gt_{t:g}"] = float(self.p_greater(t))
        return out

    # ----------------------------------------------------------------- PyMC
    def to_pymc(self, name: str = "tau") -> TensorVariable:
        """Create the PyMC random variable for tau in the current ``pm.Model`` context.

        Priors stated on tau^2 create tau directly with the halved parameters, so the model's
        variable is tau itself (log-transformed for sampling).

        Parameters
        ----------
        name
            Variable name in the model.

        Returns
        -------
        TensorVariable
            The free random variable.

        Raises
        ------
        RuntimeError
            If called outside a ``with pm.Model():`` block.
        """
        require_model_context("TauPrior", name)
        return self._distribution.to_pymc(name)

    # ----------------------------------------------------------------- records and text
    def _derived_record(self) -> dict[str, Any]:
        """The tau form of a prior stated on tau^2 (the same parameters when stated on tau)."""
        return {"params_on_tau": dict(self.params_on_tau)}

    def distribution_text(self) -> str:
        """The family as stated and, for tau^2 priors, its tau form."""
        family = type(self._distribution)
        stated = family.describe_params(self.params)
        if self.stated_on == "tau":
            return f"{stated} on tau"
        return f"{stated} on tau^2 = {family.describe_params(self.params_on_tau)} on tau"

    def describe(self) -> str:
        """One line: the distribution, implied median, 95% interval, P(tau>0.5), P(tau>1)."""
        s = self.summary()
        return (
            f"{self.id}: {self.distribution_text()}; median {format_number(s['median'])}, "
            f"95% interval {format_number(s['q025'])}-{format_number(s['q975'])}, "
            f"P(tau>0.5) {format_number(s['p_tau_gt_0.5'])}, "
            f"P(tau>1) {format_number(s['p_tau_gt_1'])}"
        )
