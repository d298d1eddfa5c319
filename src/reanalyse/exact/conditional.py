"""Everything that is analytic once tau is fixed: the normal-normal model conditional on tau.

Model: ``y_i ~ N(theta_i, se_i^2)``, ``theta_i ~ N(mu, tau^2)``, ``mu ~ N(m0, s0^2)``,
``t_df(m0, s0)`` or flat. Given tau, ``y_i ~ N(mu, se_i^2 + tau^2)`` and mu has a normal
conditional posterior; a normal prior on mu acts as one more "study" with estimate ``m0`` and
variance ``s0^2`` (Röver 2020, J Stat Softw 93(6), section 2; bayesmeta ``R/bayesmeta.R``,
``conditionalmoment``). A Student-t prior is a scale mixture of normals
``N(m0, s0^2 / lambda)`` (:mod:`reanalyse.exact.scale_mixture`): given tau and lambda it is
normal, so ``mu | tau, y`` is a finite normal mixture over the lambda rule
(:func:`components_given_tau`) and ``p(y | tau)`` a finite sum (:func:`log_likelihood_of_tau`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

if TYPE_CHECKING:  # pragma: no cover
    from reanalyse.exact.scale_mixture import ScaleMixture

__all__ = [
    "MetaData",
    "MuGivenTau",
    "components_given_tau",
    "log_likelihood_of_tau",
    "log_normal_marginal",
    "mu_given_tau",
    "theta_given_tau",
    "theta_new_given_tau",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, eq=False)
class MetaData:
    """Study estimates, their standard errors and the prior on mu.

    Parameters
    ----------
    y, se
        Estimates and standard errors (``se > 0``), one per study.
    mu_prior_mean, mu_prior_sd
        Normal prior on mu; ``mu_prior_sd=None`` means the improper flat prior.
    mu_prior_mixture
        For a Student-t prior on mu (location ``mu_prior_mean``, scale ``mu_prior_sd``): its
        lambda rule (:func:`reanalyse.exact.scale_mixture.scale_mixture_rule`); ``None`` for a
        normal or flat prior.
    """

    y: NDArray[np.float64]
    se: NDArray[np.float64]
    mu_prior_mean: float
    mu_prior_sd: float | None
    mu_prior_mixture: ScaleMixture | None = None

    def __post_init__(self) -> None:
        mix = self.mu_prior_mixture
        if mix is not None and (mix.location, mix.scale) != (self.mu_prior_mean,
                                                              self.mu_prior_sd):
            raise ValueError("the lambda rule was fitted to another Student-t prior on mu")

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.y.size)

    @property
    def mu_prior_df(self) -> float | None:
        """Degrees of freedom of a Student-t prior on mu (``None``: normal or flat)."""
        return None if self.mu_prior_mixture is None else self.mu_prior_mixture.df


@dataclass(frozen=True, eq=False)
class MuGivenTau:
    """Conditional posterior of mu and the log marginal likelihood, on a vector of tau values."""

    tau: NDArray[np.float64]
    mean: NDArray[np.float64]
    var: NDArray[np.float64]
    log_marginal_likelihood: NDArray[np.float64]

    def take(self, index: NDArray[np.intp]) -> MuGivenTau:
        """The entries at ``index``."""
        return MuGivenTau(tau=self.tau[index], mean=self.mean[index], var=self.var[index],
                          log_marginal_likelihood=self.log_marginal_likelihood[index])


def mu_given_tau(data: MetaData, tau: NDArray[np.float64]) -> MuGivenTau:
    """Condition on tau: normal posterior of mu and the marginal likelihood of tau.

    For a normal or flat prior on mu (a Student-t prior makes ``mu | tau`` a mixture: see
    :func:`components_given_tau`).

    Parameters
    ----------
    data
        Studies and the prior on mu.
    tau
        Values of tau (any shape; flattened).

    Returns
    -------
    MuGivenTau
        ``mean`` and ``var`` of ``mu | tau, y`` and ``log p(y | tau)`` with mu integrated out
        against its prior (for the flat prior, up to the constant that the flat prior leaves
        undetermined, as in bayesmeta's ``likelihood(tau=...)``).
    """
    if data.mu_prior_mixture is not None:
        raise ValueError("under a Student-t prior mu | tau is a normal mixture; use "
                         "components_given_tau")
    t = np.asarray(tau, dtype=np.float64).reshape(-1)
    # study-major (k, n): the sums over studies run along the long axis (a reduction over a
    # short last axis of (n, k) costs an inner loop per tau value, ~20 times slower at k = 3)
    var_i = data.se[:, None] ** 2 + t[None, :] ** 2  # (k, n)
    w = 1.0 / var_i
    precision = w.sum(axis=0)
    weighted = (w * data.y[:, None]).sum(axis=0)
    n_terms = data.k
    if data.mu_prior_sd is not None:
        prior_precision = 1.0 / data.mu_prior_sd**2
        precision = precision + prior_precision
        weighted = weighted + data.mu_prior_mean * prior_precision
        n_terms += 1
    mean = weighted / precision
    resid = (w * (data.y[:, None] - mean[None, :]) ** 2).sum(axis=0)
    log_det = np.log(var_i).sum(axis=0)
    if data.mu_prior_sd is not None:
        resid = resid + (mean - data.mu_prior_mean) ** 2 * prior_precision
        log_det = log_det + 2.0 * np.log(data.mu_prior_sd)
    log_ml = -0.5 * ((n_terms - 1) * _LOG_2PI + log_det + resid + np.log(precision))
    return MuGivenTau(tau=t, mean=mean, var=1.0 / precision, log_marginal_likelihood=log_ml)


def log_normal_marginal(
    delta: NDArray[np.float64], var: NDArray[np.float64], scale: float, lam: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``log N(delta_i; 0, var_i + scale^2 / lam_j)``, shape ``(len(delta), len(lam))``.

    The density of the likelihood's centre ``mu_hat`` under the normal prior of precision
    multiplier ``lam`` (the prior variance ``scale^2 / lam``), given tau.
    """
    total = var[:, None] + scale**2 / lam[None, :]
    return -0.5 * (_LOG_2PI + np.log(total) + delta[:, None] ** 2 / total)


def _flat_and_mixture(
    data: MetaData, tau: NDArray[np.float64]
) -> tuple[MuGivenTau, NDArray[np.float64]]:
    """For a Student-t prior: the flat-prior conditional (the likelihood in mu, ``N(mu_hat, V)``
    times ``p_flat(y | tau)``) and ``log w_j + log N(mu_hat; m0, V + s0^2 / lambda_j)``, the log
    joint weight of each lambda node given tau, shape ``(len(tau), m)``."""
    mix = data.mu_prior_mixture
    assert mix is not None
    flat = mu_given_tau(MetaData(y=data.y, se=data.se, mu_prior_mean=0.0, mu_prior_sd=None), tau)
    log_joint = mix.log_weight[None, :] + log_normal_marginal(
        flat.mean - mix.location, flat.var, mix.scale, mix.lam)
    return flat, log_joint


def log_likelihood_of_tau(data: MetaData, tau: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log p(y | tau)``, mu integrated out against its prior (normal, Student-t or flat).

    Normal or flat: :func:`mu_given_tau`. Student-t: ``p_flat(y | tau)`` times the density of
    ``mu_hat`` under the prior convolved with ``N(0, V)``, a sum over the lambda rule.
    """
    if data.mu_prior_mixture is None:
        return mu_given_tau(data, tau).log_marginal_likelihood
    flat, log_joint = _flat_and_mixture(data, tau)
    return flat.log_marginal_likelihood + logsumexp(log_joint, axis=1)


def components_given_tau(
    data: MetaData, tau: NDArray[np.float64]
) -> tuple[NDArray[np.float64], MuGivenTau]:
    """The normal components of ``mu | tau, y`` at each tau value, and their weights.

    Returns
    -------
    weights, cond
        ``weights`` has shape ``(len(tau), m)``, each row summing to 1; ``cond`` holds the
        ``len(tau) * m`` components, row-major (tau value by tau value; ``cond.tau`` repeats each
        tau ``m`` times). Normal or flat prior: ``m = 1`` and ``cond`` is
        :func:`mu_given_tau`. Student-t prior: one component per lambda node,
        ``mu | tau, lambda, y ~ N`` (the prior ``N(m0, s0^2 / lambda)`` as one more study),
        weighted by ``p(lambda_j | tau, y)``; ``cond.log_marginal_likelihood`` is
        ``log p(y | tau, lambda_j)``.
    """
    if data.mu_prior_mixture is None:
        cond = mu_given_tau(data, tau)
        return np.ones((cond.tau.size, 1)), cond
    mix = data.mu_prior_mixture
    flat, log_joint = _flat_and_mixture(data, tau)
    log_total = logsumexp(log_joint, axis=1, keepdims=True)
    weights = np.exp(log_joint - log_total)
    prior_precision = mix.lam[None, :] / mix.scale**2
    precision = 1.0 / flat.var[:, None] + prior_precision
    mean = (flat.mean[:, None] / flat.var[:, None] + mix.location * prior_precision) / precision
    log_ml = flat.log_marginal_likelihood[:, None] + log_joint - mix.log_weight[None, :]
    m = mix.lam.size
    cond = MuGivenTau(tau=np.repeat(flat.tau, m), mean=mean.reshape(-1),
                      var=(1.0 / precision).reshape(-1),
                      log_marginal_likelihood=log_ml.reshape(-1))
    return weights, cond


def theta_given_tau(
    data: MetaData, cond: MuGivenTau
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Conditional posterior of every study effect theta_i given tau.

    With shrinkage ``b_i = se_i^2 / (se_i^2 + tau^2)``:
    ``theta_i | tau, y ~ N((1 - b_i) y_i + b_i E[mu|tau], (1 - b_i) se_i^2 + b_i^2 Var[mu|tau])``,
    which is continuous at ``tau = 0`` (where ``theta_i = mu``).

    Returns
    -------
    mean, var
        Arrays of shape ``(len(tau), k)``.
    """
    se2 = data.se[None, :] ** 2
    b = se2 / (se2 + cond.tau[:, None] ** 2)
    mean = (1.0 - b) * data.y[None, :] + b * cond.mean[:, None]
    var = (1.0 - b) * se2 + b**2 * cond.var[:, None]
    return mean, var


def theta_new_given_tau(cond: MuGivenTau) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Conditional distribution of the effect in a new study.

    ``theta_new | tau, y ~ N(E[mu | tau, y], Var[mu | tau, y] + tau^2)``.
    """
    return cond.mean, cond.var + cond.tau**2
