"""The effect families: normal, Student-t and the improper flat prior.

Each is a :class:`reanalyse.priors.family.EffectFamily`; all three are integrated by the exact
engine (:meth:`~reanalyse.priors.family.EffectFamily.exact_mu_prior`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors.family import EffectFamily
from reanalyse.priors.graph_form import EffectTerms
from reanalyse.priors.unfrozen import Unfrozen

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

    from reanalyse.exact import MuPriorArgs

__all__ = ["Flat", "Normal", "StudentT"]


@dataclass(frozen=True, kw_only=True)
class Normal(EffectFamily):
    """N(mean, sd^2)."""

    name: ClassVar[str] = "normal"
    positive: ClassVar[frozenset[str]] = frozenset({"sd"})
    mean: float
    sd: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.norm, loc=self.mean, scale=self.sd)

    def graph_terms(self) -> EffectTerms:
        return EffectTerms(square=-0.5, m=self.mean, s=self.sd,
                           centring_precision=1.0 / self.sd**2)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return rng.normal(self.mean, self.sd, size=size)

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.Normal(name, mu=self.mean, sigma=self.sd)

    def exact_mu_prior(self) -> MuPriorArgs:
        return {"mu_prior_mean": self.mean, "mu_prior_sd": self.sd, "mu_prior_df": None}


@dataclass(frozen=True, kw_only=True)
class StudentT(EffectFamily):
    """location + scale * t_df; the exact engine integrates it as a scale mixture of normals,
    never replacing it by a normal."""

    name: ClassVar[str] = "student-t"
    positive: ClassVar[frozenset[str]] = frozenset({"scale", "df"})
    location: float
    scale: float
    df: float

    def _scipy(self) -> Unfrozen:
        from scipy import stats  # here: a slow import, not always needed

        return Unfrozen(stats.t, (self.df,), loc=self.location, scale=self.scale)

    def graph_terms(self) -> EffectTerms:
        return EffectTerms(log1p_square=-(self.df + 1.0) / 2.0, m=self.location, s=self.scale,
                           nu=self.df, centring_precision=1.0 / self.scale**2)

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        return self.location + self.scale * rng.standard_t(self.df, size=size)

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.StudentT(name, nu=self.df, mu=self.location, sigma=self.scale)

    def exact_mu_prior(self) -> MuPriorArgs:
        return {"mu_prior_mean": self.location, "mu_prior_sd": self.scale,
                "mu_prior_df": self.df}


@dataclass(frozen=True, kw_only=True)
class Flat(EffectFamily):
    """The improper uniform prior on the real line (log density 0, as PyMC's ``Flat``)."""

    name: ClassVar[str] = "flat"
    proper: ClassVar[bool] = False

    @classmethod
    def describe_params(cls, params: Mapping[str, float]) -> str:
        return "flat (improper uniform)"

    def logpdf(self, effect: ArrayLike) -> NDArray[np.float64]:
        return np.zeros_like(np.asarray(effect, dtype=float))

    def graph_terms(self) -> EffectTerms:
        return EffectTerms()

    def draw(self, *, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray[np.float64]:
        raise ValueError("the flat effect prior is improper: it has no draws")

    def to_pymc(self, name: str) -> TensorVariable:
        import pymc as pm

        return pm.Flat(name)

    def exact_mu_prior(self) -> MuPriorArgs:
        return {"mu_prior_mean": 0.0, "mu_prior_sd": None, "mu_prior_df": None}
