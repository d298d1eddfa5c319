"""Exact-likelihood binomial random-effects models for arm-level binary data.

- :class:`BinomialLogit`: binomial-normal on the log odds (odds ratios).
- :class:`BinomialLog`: log-link binomial for risk ratios, with both arm risks kept at most 1 by
  construction (``models/binomial-log.toml``).

Both have one free baseline and one free (non-centred) study effect per study, so the compiled
model is keyed on the number of studies k.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy import special

from reanalyse.models.base import PairwiseModel, dataset, draws_of
from reanalyse.models.data import ArmData
from reanalyse.models.prior_graph import (
    effect_prior_vars,
    sample_effect_prior,
    sample_tau_prior,
    tau_prior_vars,
)

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm
    from pytensor.tensor.variable import TensorVariable

__all__ = ["BinomialLog", "BinomialLogit", "binomial_logpmf", "log_risks"]


def binomial_logpmf(events: NDArray[np.float64], total: NDArray[np.float64],
                    log_p: NDArray[np.float64], log_1mp: NDArray[np.float64]
                    ) -> NDArray[np.float64]:
    """Binomial log pmf from log p and log(1 - p) (with 0 * -inf taken as 0)."""
    e = np.asarray(events, dtype=float)
    n = np.asarray(total, dtype=float)
    coef = special.gammaln(n + 1) - special.gammaln(e + 1) - special.gammaln(n - e + 1)
    with np.errstate(invalid="ignore"):
        a = np.where(e > 0, e * log_p, 0.0)
        b = np.where(n - e > 0, (n - e) * log_1mp, 0.0)
    return coef + a + b


def _log1mexp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 - exp(x)) for x <= 0, accurately."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x > -np.log(2), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_risks(g: NDArray[np.float64], theta: NDArray[np.float64]
              ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Guarded log-link risks: (log p_treatment, log p_control) from g and theta.

    The larger risk is ``q = sigmoid(g)``; ``log p_2 = log q - max(theta, 0)``,
    ``log p_1 = log q - max(-theta, 0)``; so ``p_1 / p_2 = exp(theta)`` and both are <= 1.
    """
    log_q = -np.logaddexp(0.0, -np.asarray(g, dtype=float))
    th = np.asarray(theta, dtype=float)
    return log_q - np.maximum(-th, 0.0), log_q - np.maximum(th, 0.0)


def _pt_binomial(e: TensorVariable, n: TensorVariable, log_p: TensorVariable,
                 log_1mp: TensorVariable) -> TensorVariable:
    """Kernel of the binomial log pmf (no binomial coefficient) for a Potential."""
    import pytensor.tensor as pt

    return pt.sum(pt.switch(pt.gt(e, 0), e * log_p, 0.0)
                  + pt.switch(pt.gt(n - e, 0), (n - e) * log_1mp, 0.0))


def _logistic_logpdf(x: NDArray[np.float64]) -> NDArray[np.float64]:
    x = np.asarray(x, dtype=float)
    return -x - 2.0 * np.logaddexp(0.0, -x)


@dataclass(frozen=True, kw_only=True)
class _BinomialModel(PairwiseModel):
    data_type: ClassVar[type] = ArmData
    checked_vars: ClassVar[tuple[str, ...]] = ("mu", "tau", "eta", "g")
    baseline_name: ClassVar[str] = "g"

    def structure_key(self, data: ArmData) -> Hashable:  # type: ignore[override]
        """Kind and number of studies (per-study free variables fix the compiled shapes)."""
        return (self.kind, data.k)

    def check_data(self, data: ArmData) -> None:  # type: ignore[override]
        super().check_data(data)
        if self.effect_prior.family == "flat":
            informative = ((data.events_1 > 0) & (data.events_1 < data.total_1)
                           & (data.events_2 > 0) & (data.events_2 < data.total_2))
            if not informative.any():
                raise ValueError(
                    "a flat effect prior gives an improper posterior in the binomial models "
                    "unless some study has events and non-events in both arms; use a proper "
                    "effect prior (e.g. normal:0,10) or the normal model")

    def observed_values(self, data: ArmData) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {name: np.asarray(getattr(data, name), dtype=float)
                for name in ("events_1", "total_1", "events_2", "total_2")}

    def _arm_loglik(self, theta: NDArray[np.float64], base: NDArray[np.float64],
                    data: ArmData) -> NDArray[np.float64]:
        raise NotImplementedError

    def _baseline(self, theta: NDArray[np.float64], base: NDArray[np.float64]
                  ) -> NDArray[np.float64]:
        raise NotImplementedError

    def _pt_likelihood(self, theta: TensorVariable, base: TensorVariable,
                       arms: dict[str, TensorVariable]) -> TensorVariable:
        raise NotImplementedError

    def build(self, data: ArmData) -> pm.Model:  # type: ignore[override]
        """The PyMC model for k = ``data.k`` studies (counts and priors in ``pm.Data``)."""
        import pymc as pm

        with pm.Model() as model:
            arms = {name: pm.Data(name, value)
                    for name, value in self.observed_values(data).items()}
            mu = effect_prior_vars(self.effect_prior)
            tau = tau_prior_vars(self.tau_prior)
            eta = pm.Normal("eta", 0.0, 1.0, shape=(data.k,))
            base = pm.Logistic(self.baseline_name, 0.0, 1.0, shape=(data.k,))
            theta = mu + tau * eta
            pm.Potential("binomial_loglik", self._pt_likelihood(theta, base, arms))
        return model

    def complete(self, raw: xr.DataTree, data: ArmData, *,  # type: ignore[override]
                 rng: np.random.Generator) -> dict[str, xr.Dataset]:
        assert self.tau_prior is not None
        mu = draws_of(raw, "mu")
        tau = draws_of(raw, "tau")
        eta = draws_of(raw, "eta")
        base = draws_of(raw, self.baseline_name)
        theta = mu[..., None] + tau[..., None] * eta
        theta_new = mu + tau * rng.standard_normal(mu.shape)
        loglik = self._arm_loglik(theta, base, data)
        log_prior = {"mu": self.effect_prior.logpdf(mu), "tau": self.tau_prior.logpdf(tau),
                     "baseline": _logistic_logpdf(base).sum(axis=-1)}
        prior_tau = sample_tau_prior(self.tau_prior, size=mu.shape, rng=rng)
        prior_mu = sample_effect_prior(self.effect_prior, size=mu.shape, rng=rng)
        prior: dict[str, np.ndarray] = {"tau": prior_tau}
        if prior_mu is not None:
            prior["mu"] = prior_mu
            prior["theta_new"] = prior_mu + prior_tau * rng.standard_normal(mu.shape)
            prior["theta"] = (prior_mu[..., None] + prior_tau[..., None]
                              * rng.standard_normal((*mu.shape, data.k)))
        study_vars = ("theta", "baseline")
        return {
            "posterior": dataset({"mu": mu, "tau": tau, "theta": theta, "theta_new": theta_new,
                                  "baseline": self._baseline(theta, base)},
                                 study=data.study, study_vars=study_vars),
            "prior": dataset(prior, study=data.study),
            "log_likelihood": dataset({"events": loglik}, study=data.study,
                                      study_vars=("events",)),
            "log_prior": dataset(log_prior, study=data.study),
            "observed_data": dataset({"events_1": data.events_1, "events_2": data.events_2},
                                     study=data.study, sample=False),
            "constant_data": dataset({"total_1": data.total_1, "total_2": data.total_2},
                                     study=data.study, sample=False),
        }


@dataclass(frozen=True, kw_only=True)
class BinomialLogit(_BinomialModel):
    """Binomial-normal random-effects model on the log odds (``models/binomial-logit.toml``).

    ``logit p_control,i = alpha_i ~ Logistic(0, 1)``, ``logit p_treatment,i = alpha_i +
    theta_i``, ``theta_i = mu + tau * eta_i``. Posterior ``baseline`` = alpha_i.
    """

    kind: ClassVar[str] = "binomial-logit"
    measures: ClassVar[tuple[str, ...]] = ("OR",)
    checked_vars: ClassVar[tuple[str, ...]] = ("mu", "tau", "eta", "alpha")
    baseline_name: ClassVar[str] = "alpha"

    def _pt_likelihood(self, theta: TensorVariable, base: TensorVariable,
                       arms: dict[str, TensorVariable]) -> TensorVariable:
        import pytensor.tensor as pt

        lin1 = base + theta
        return (_pt_binomial(arms["events_1"], arms["total_1"], -pt.softplus(-lin1),
                             -pt.softplus(lin1))
                + _pt_binomial(arms["events_2"], arms["total_2"], -pt.softplus(-base),
                               -pt.softplus(base)))

    def _arm_loglik(self, theta: NDArray[np.float64], base: NDArray[np.float64],
                    data: ArmData) -> NDArray[np.float64]:
        lin1 = base + theta
        return (binomial_logpmf(data.events_1, data.total_1, -np.logaddexp(0, -lin1),
                                -np.logaddexp(0, lin1))
                + binomial_logpmf(data.events_2, data.total_2, -np.logaddexp(0, -base),
                                  -np.logaddexp(0, base)))

    def _baseline(self, theta: NDArray[np.float64], base: NDArray[np.float64]
                  ) -> NDArray[np.float64]:
        return base


@dataclass(frozen=True, kw_only=True)
class BinomialLog(_BinomialModel):
    """Log-link binomial random-effects model for risk ratios (``models/binomial-log.toml``).

    The larger arm risk ``q_i = sigmoid(g_i)``, ``g_i ~ Logistic(0, 1)``; the other arm's risk
    is ``q_i exp(-|theta_i|)``; so ``p_treatment / p_control = exp(theta_i)`` and neither risk
    exceeds 1. Posterior ``baseline`` = log p_control,i.
    """

    kind: ClassVar[str] = "binomial-log"
    measures: ClassVar[tuple[str, ...]] = ("RR",)
    checked_vars: ClassVar[tuple[str, ...]] = ("mu", "tau", "eta", "g")
    baseline_name: ClassVar[str] = "g"

    def _pt_likelihood(self, theta: TensorVariable, base: TensorVariable,
                       arms: dict[str, TensorVariable]) -> TensorVariable:
        import pytensor.tensor as pt

        log_q = -pt.softplus(-base)
        log_p1 = log_q - pt.maximum(-theta, 0.0)
        log_p2 = log_q - pt.maximum(theta, 0.0)
        return (_pt_binomial(arms["events_1"], arms["total_1"], log_p1, pt.log1mexp(log_p1))
                + _pt_binomial(arms["events_2"], arms["total_2"], log_p2, pt.log1mexp(log_p2)))

    def _arm_loglik(self, theta: NDArray[np.float64], base: NDArray[np.float64],
                    data: ArmData) -> NDArray[np.float64]:
        log_p1, log_p2 = log_risks(base, theta)
        return (binomial_logpmf(data.events_1, data.total_1, log_p1, _log1mexp(log_p1))
                + binomial_logpmf(data.events_2, data.total_2, log_p2, _log1mexp(log_p2)))

    def _baseline(self, theta: NDArray[np.float64], base: NDArray[np.float64]
                  ) -> NDArray[np.float64]:
        return log_risks(base, theta)[1]
