"""Normal-normal random-effects model (marginal form) and its fixed-effect limit."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from reanalyse.models.base import PairwiseModel, dataset, draws_of, prior_draws
from reanalyse.models.data import ContrastData
from reanalyse.models.prior_graph import centred_effect_vars, tau_prior_vars, tau_zero_values
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.sampling import CompiledModel

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["FixedEffect", "NormalNormal", "theta_conditional"]


def theta_conditional(y: NDArray[np.float64], se: NDArray[np.float64], mu: NDArray[np.float64],
                      tau: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and SD of theta_i given (mu, tau, y): precision 1/se_i^2 + 1/tau^2.

    Written with the shrinkage factor ``B_i = se_i^2 / (se_i^2 + tau^2)`` so that it is exact
    and finite at tau = 0 (theta_i = mu). Broadcasts ``mu``, ``tau`` of shape (chain, draw)
    against ``y``, ``se`` of shape (k,) to (chain, draw, k).
    """
    m = np.asarray(mu, dtype=float)[..., None]
    t2 = np.asarray(tau, dtype=float)[..., None] ** 2
    s2 = np.asarray(se, dtype=float) ** 2
    b = s2 / (s2 + t2)
    mean = b * m + (1.0 - b) * np.asarray(y, dtype=float)
    sd = np.sqrt(s2 * t2 / (s2 + t2))
    return mean, sd


def _normal_graph(data: ContrastData, *, tau_prior: TauPrior | None,
                  effect_prior: EffectPrior) -> pm.Model:
    """The marginal normal-normal graph shared by :class:`NormalNormal` and
    :class:`FixedEffect` (tau = 0 through ``tau_fixed_zero``)."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model(coords={"study": list(data.study)}) as model:
        y = pm.Data("y_data", np.asarray(data.y), dims="study")
        se = pm.Data("se", np.asarray(data.se), dims="study")
        tau = tau_prior_vars(tau_prior)
        v = se**2 + tau**2
        mu = centred_effect_vars(y, v, effect_prior)
        pm.Normal("y", mu=mu, sigma=pt.sqrt(v), observed=y, dims="study")
    return model


def _observed_values(data: ContrastData) -> dict[str, np.ndarray]:
    return {"y_data": np.asarray(data.y), "se": np.asarray(data.se)}


def _observed_groups(data: ContrastData) -> dict[str, xr.Dataset]:
    return {
        "observed_data": dataset({"y": data.y}, study=data.study, sample=False),
        "constant_data": dataset({"se": data.se}, study=data.study, sample=False),
    }


@dataclass(frozen=True, kw_only=True)
class NormalNormal(PairwiseModel):
    """Normal-normal random-effects model on study estimates, sampled in its marginal form.

    ``y_i ~ N(mu, se_i^2 + tau^2)``, with mu sampled around its conditional posterior given
    tau (:func:`reanalyse.models.prior_graph.centred_effect_vars`); ``theta_i`` are drawn
    afterwards from their conditional
    posterior given each (mu, tau) draw and ``theta_new ~ N(mu, tau^2)``. Compiled once for all
    data sizes and priors. See ``models/normal.toml``.

    Examples
    --------
    >>> from reanalyse.priors import load_prior
    >>> from reanalyse.models import ContrastData, NormalNormal
    >>> model = NormalNormal(tau_prior=load_prior("half-normal-0.5", role="tau", scale="logOR"),
    ...                      effect_prior=load_prior("vague-logor", role="effect", scale="logOR"))
    >>> data = ContrastData(y=[-0.5, -0.2], se=[0.3, 0.4], measure="OR")
    >>> fit = model.fit(data, random_seed=1)  # doctest: +SKIP
    """

    kind: ClassVar[str] = "normal"
    data_type: ClassVar[type] = ContrastData
    measures: ClassVar[tuple[str, ...]] = ("OR", "RR", "RD", "MD", "SMD")

    def build(self, data: ContrastData) -> pm.Model:  # type: ignore[override]
        """The marginal-form PyMC model (data and priors in ``pm.Data``)."""
        return _normal_graph(data, tau_prior=self.tau_prior, effect_prior=self.effect_prior)

    def observed_values(  # type: ignore[override]
        self, data: ContrastData
    ) -> dict[str, np.ndarray]:
        return _observed_values(data)

    def complete(self, raw: xr.DataTree, data: ContrastData, *,  # type: ignore[override]
                 rng: np.random.Generator,
                 compiled: CompiledModel | None = None) -> dict[str, xr.Dataset]:
        density = self.log_density(data, compiled)
        post = raw["posterior"]
        mu = draws_of(raw, "mu")
        tau = draws_of(raw, "tau")
        mean, sd = theta_conditional(data.y, data.se, mu, tau)
        theta = mean + sd * rng.standard_normal(mean.shape)
        theta_new = mu + tau * rng.standard_normal(mu.shape)
        coords = {"study": data.study}
        return {
            "posterior": dataset({"mu": mu, "tau": tau, "theta": theta, "theta_new": theta_new},
                                 study=data.study),
            "prior": dataset(prior_draws(self.data_values(data), shape=mu.shape, k=data.k,
                                         rng=rng), study=data.study),
            "log_likelihood": density(post, kind="likelihood", var_names=["y"], coords=coords),
            "log_prior": density(post, kind="prior", var_names=["mu", "tau"], coords=coords),
            **_observed_groups(data),
        }


@dataclass(frozen=True, kw_only=True)
class FixedEffect(PairwiseModel):
    """The fixed-effect limit: ``y_i ~ N(mu, se_i^2)``, tau = 0, theta_i = theta_new = mu.

    Reuses the compiled graph of :class:`NormalNormal` with tau fixed at 0 through data (no
    compilation of its own). See ``models/fixed.toml``.
    """

    kind: ClassVar[str] = "fixed"
    data_type: ClassVar[type] = ContrastData
    measures: ClassVar[tuple[str, ...]] = ("OR", "RR", "RD", "MD", "SMD")
    random_effects: ClassVar[bool] = False
    checked_vars: ClassVar[tuple[str, ...]] = ("mu",)

    def structure_key(self, data: ContrastData) -> Hashable:  # type: ignore[override]
        """The normal-normal graph's key: the same compiled model serves tau = 0."""
        return (NormalNormal.kind,)

    def build(self, data: ContrastData) -> pm.Model:  # type: ignore[override]
        """The normal-normal PyMC model (tau = 0 is set through its data)."""
        return _normal_graph(data, tau_prior=None, effect_prior=self.effect_prior)

    def observed_values(  # type: ignore[override]
        self, data: ContrastData
    ) -> dict[str, np.ndarray]:
        return _observed_values(data)

    def data_values(self, data: ContrastData) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {**super().data_values(data), **tau_zero_values()}

    def complete(self, raw: xr.DataTree, data: ContrastData, *,  # type: ignore[override]
                 rng: np.random.Generator,
                 compiled: CompiledModel | None = None) -> dict[str, xr.Dataset]:
        density = self.log_density(data, compiled)
        post = raw["posterior"]
        mu = draws_of(raw, "mu")
        tau = draws_of(raw, "tau")  # 0 in every draw (tau_fixed_zero)
        theta = np.repeat(mu[..., None], data.k, axis=-1)
        prior = prior_draws(self.data_values(data), shape=mu.shape, k=data.k, rng=rng)
        prior = {name: prior[name] for name in ("mu", "tau", "theta_new") if name in prior}
        if "mu" not in prior:
            prior = {}
        coords = {"study": data.study}
        return {
            "posterior": dataset({"mu": mu, "tau": tau, "theta": theta,
                                  "theta_new": mu.copy()}, study=data.study),
            "prior": dataset(prior, study=data.study),
            "log_likelihood": density(post, kind="likelihood", var_names=["y"], coords=coords),
            "log_prior": density(post, kind="prior", var_names=["mu"], coords=coords),
            **_observed_groups(data),
        }
