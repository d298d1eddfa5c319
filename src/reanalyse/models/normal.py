"""Normal-normal random-effects model (marginal form) and its fixed-effect limit."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from reanalyse.models.base import PairwiseModel, dataset, draws_of
from reanalyse.models.data import ContrastData
from reanalyse.models.prior_graph import (
    centred_effect_vars,
    sample_effect_prior,
    sample_tau_prior,
    tau_prior_vars,
    tau_zero_values,
)
from reanalyse.priors import EffectPrior, TauPrior

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm

__all__ = ["FixedEffect", "NormalNormal", "normal_logpdf", "theta_conditional"]

_LOG_2PI = float(np.log(2 * np.pi))


def normal_logpdf(x: NDArray[np.float64], mean: NDArray[np.float64],
                  sd: NDArray[np.float64]) -> NDArray[np.float64]:
    """Vectorised normal log density."""
    z = (x - mean) / sd
    return -0.5 * (_LOG_2PI + z * z) - np.log(sd)


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

    with pm.Model() as model:
        y = pm.Data("y", np.asarray(data.y))
        se = pm.Data("se", np.asarray(data.se))
        tau = tau_prior_vars(tau_prior)
        v = se**2 + tau**2
        mu = centred_effect_vars(y, v, effect_prior)
        pm.Normal("y_obs", mu=mu, sigma=pt.sqrt(v), observed=y)
    return model


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
        return {"y": np.asarray(data.y), "se": np.asarray(data.se)}

    def complete(self, raw: xr.DataTree, data: ContrastData, *,  # type: ignore[override]
                 rng: np.random.Generator) -> dict[str, xr.Dataset]:
        assert self.tau_prior is not None
        mu = draws_of(raw, "mu")
        tau = draws_of(raw, "tau")
        mean, sd = theta_conditional(data.y, data.se, mu, tau)
        theta = mean + sd * rng.standard_normal(mean.shape)
        theta_new = mu + tau * rng.standard_normal(mu.shape)
        loglik = normal_logpdf(data.y, mu[..., None],
                               np.sqrt(data.se**2 + tau[..., None] ** 2))
        log_prior = {"mu": self.effect_prior.logpdf(mu), "tau": self.tau_prior.logpdf(tau)}
        prior_tau = sample_tau_prior(self.tau_prior, size=mu.shape, rng=rng)
        prior_mu = sample_effect_prior(self.effect_prior, size=mu.shape, rng=rng)
        prior: dict[str, np.ndarray] = {"tau": prior_tau}
        if prior_mu is not None:
            prior["mu"] = prior_mu
            prior["theta_new"] = prior_mu + prior_tau * rng.standard_normal(mu.shape)
            prior["theta"] = (prior_mu[..., None] + prior_tau[..., None]
                              * rng.standard_normal((*mu.shape, data.k)))
        return {
            "posterior": dataset({"mu": mu, "tau": tau, "theta": theta, "theta_new": theta_new},
                                 study=data.study),
            "prior": dataset(prior, study=data.study),
            "log_likelihood": dataset({"y": loglik}, study=data.study, study_vars=("y",)),
            "log_prior": dataset(log_prior, study=data.study),
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
        return {"y": np.asarray(data.y), "se": np.asarray(data.se)}

    def data_values(self, data: ContrastData) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {**super().data_values(data), **tau_zero_values()}

    def complete(self, raw: xr.DataTree, data: ContrastData, *,  # type: ignore[override]
                 rng: np.random.Generator) -> dict[str, xr.Dataset]:
        mu = draws_of(raw, "mu")
        theta = np.repeat(mu[..., None], data.k, axis=-1)
        loglik = normal_logpdf(data.y, mu[..., None], np.asarray(data.se))
        prior_mu = sample_effect_prior(self.effect_prior, size=mu.shape, rng=rng)
        prior: dict[str, np.ndarray] = {}
        if prior_mu is not None:
            prior = {"mu": prior_mu, "tau": np.zeros_like(prior_mu), "theta_new": prior_mu}
        return {
            "posterior": dataset({"mu": mu, "tau": np.zeros_like(mu), "theta": theta,
                                  "theta_new": mu.copy()}, study=data.study),
            "prior": dataset(prior, study=data.study),
            "log_likelihood": dataset({"y": loglik}, study=data.study, study_vars=("y",)),
            "log_prior": dataset({"mu": self.effect_prior.logpdf(mu)}, study=data.study),
            **_observed_groups(data),
        }
