"""Exact-likelihood binomial random-effects models for arm-level binary data.

- :class:`BinomialLogit`: binomial-normal on the log odds (odds ratios).
- :class:`BinomialLog`: log-link binomial for risk ratios, with both arm risks kept at most 1 by
  construction (``models/binomial-log.toml``).

Both have one free baseline and one free (non-centred) study effect per study, so the compiled
model is keyed on the number of studies k. The counts are one observed binomial variable
``events`` (dims ``study``, ``arm``: treatment, control); the study effects ``theta`` and the
``baseline`` are deterministics of the graph, so the link is written once (in PyTensor;
:func:`log_risks` evaluates the same graph on arrays).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from reanalyse.models.base import PairwiseModel, dataset, prior_draws
from reanalyse.models.data import ArmData
from reanalyse.models.prior_graph import effect_prior_vars, tau_prior_vars
from reanalyse.sampling import CompiledModel

if TYPE_CHECKING:  # pragma: no cover
    import pymc as pm
    from pytensor.tensor.variable import TensorVariable

__all__ = ["ARMS", "BinomialLog", "BinomialLogit", "log_risks"]

#: The ``arm`` coordinate: arm 1 (treatment) and arm 2 (control), as in RevMan.
ARMS: tuple[str, str] = ("treatment", "control")


def _pt_log_risks(g: TensorVariable, theta: TensorVariable
                  ) -> tuple[TensorVariable, TensorVariable]:
    """The guarded log link as a PyTensor graph: (log p_treatment, log p_control)."""
    import pytensor.tensor as pt

    log_q = -pt.softplus(-g)
    return log_q - pt.maximum(-theta, 0.0), log_q - pt.maximum(theta, 0.0)


def log_risks(g: ArrayLike, theta: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Guarded log-link risks: (log p_treatment, log p_control) from g and theta.

    The larger risk is ``q = sigmoid(g)``; ``log p_2 = log q - max(theta, 0)``,
    ``log p_1 = log q - max(-theta, 0)``; so ``p_1 / p_2 = exp(theta)`` and both are <= 1.
    Evaluates the model's own graph (:class:`BinomialLog`) on arrays (broadcast together).
    """
    import pytensor.tensor as pt

    lp1, lp2 = _pt_log_risks(pt.as_tensor(np.asarray(g, dtype=float)),
                             pt.as_tensor(np.asarray(theta, dtype=float)))
    return np.asarray(lp1.eval()), np.asarray(lp2.eval())


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
        if not self.effect_prior.proper:
            informative = ((data.events_1 > 0) & (data.events_1 < data.total_1)
                           & (data.events_2 > 0) & (data.events_2 < data.total_2))
            if not informative.any():
                raise ValueError(
                    f"an improper ({self.effect_prior.family}) effect prior gives an improper "
                    "posterior in the binomial models "
                    "unless some study has events and non-events in both arms; use a proper "
                    "effect prior (e.g. normal:0,10) or the normal model")

    def observed_values(self, data: ArmData) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {"arm_events": np.stack([data.events_1, data.events_2], axis=-1),
                "arm_totals": np.stack([data.total_1, data.total_2], axis=-1)}

    def _likelihood(self, theta: TensorVariable, base: TensorVariable,
                    events: TensorVariable, totals: TensorVariable) -> None:
        """Add the Deterministic ``baseline`` and the observed ``events`` (study, arm)."""
        raise NotImplementedError

    def build(self, data: ArmData) -> pm.Model:  # type: ignore[override]
        """The PyMC model for k = ``data.k`` studies (counts and priors in ``pm.Data``)."""
        import pymc as pm

        with pm.Model(coords={"study": list(data.study), "arm": list(ARMS)}) as model:
            values = self.observed_values(data)
            events = pm.Data("arm_events", values["arm_events"], dims=("study", "arm"))
            totals = pm.Data("arm_totals", values["arm_totals"], dims=("study", "arm"))
            mu = effect_prior_vars(self.effect_prior)
            tau = tau_prior_vars(self.tau_prior)
            eta = pm.Normal("eta", 0.0, 1.0, dims="study")
            base = pm.Logistic(self.baseline_name, 0.0, 1.0, dims="study")
            theta = pm.Deterministic("theta", mu + tau * eta, dims="study")
            self._likelihood(theta, base, events, totals)
        return model

    def complete(self, raw: xr.DataTree, data: ArmData, *,  # type: ignore[override]
                 rng: np.random.Generator,
                 compiled: CompiledModel | None = None) -> dict[str, xr.Dataset]:
        density = self.log_density(data, compiled)
        post = raw["posterior"].to_dataset()
        missing = [name for name in ("theta", "baseline") if name not in post.data_vars]
        if missing:  # sampler output without the deterministics: compute them from the graph
            import pymc as pm

            model = compiled.pm_model if compiled is not None else self.build(data)
            post = post.merge(pm.compute_deterministics(
                post, var_names=missing, model=model, progressbar=False).drop_vars(
                    "study", errors="ignore"), compat="override")
        mu = np.asarray(post["mu"].values, dtype=float)
        tau = np.asarray(post["tau"].values, dtype=float)
        theta_new = mu + tau * rng.standard_normal(mu.shape)
        coords = {"study": data.study, "arm": list(ARMS)}
        loglik = density(post, kind="likelihood", var_names=["events"], coords=coords)
        log_prior = density(post, kind="prior", var_names=["mu", "tau", self.baseline_name],
                            coords=coords).rename({self.baseline_name: "baseline"})
        study_vars = ("theta", "baseline")
        return {
            "posterior": dataset({"mu": mu, "tau": tau,
                                  "theta": np.asarray(post["theta"].values, dtype=float),
                                  "theta_new": theta_new,
                                  "baseline": np.asarray(post["baseline"].values, dtype=float)},
                                 study=data.study, study_vars=study_vars),
            "prior": dataset(prior_draws(self.data_values(data), shape=mu.shape, k=data.k,
                                         rng=rng), study=data.study),
            # the study is the unit: both arms' log pmf summed
            "log_likelihood": loglik.sum("arm"),
            "log_prior": log_prior,
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

    def _likelihood(self, theta: TensorVariable, base: TensorVariable,
                    events: TensorVariable, totals: TensorVariable) -> None:
        import pymc as pm
        import pytensor.tensor as pt

        pm.Deterministic("baseline", base, dims="study")
        pm.Binomial("events", n=totals, logit_p=pt.stack([base + theta, base], axis=-1),
                    observed=events, dims=("study", "arm"))


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

    def _likelihood(self, theta: TensorVariable, base: TensorVariable,
                    events: TensorVariable, totals: TensorVariable) -> None:
        import pymc as pm
        import pytensor.tensor as pt

        log_p1, log_p2 = _pt_log_risks(base, theta)
        pm.Deterministic("baseline", log_p2, dims="study")
        pm.Binomial("events", n=totals, p=pt.exp(pt.stack([log_p1, log_p2], axis=-1)),
                    observed=events, dims=("study", "arm"))
