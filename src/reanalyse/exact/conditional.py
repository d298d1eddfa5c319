"""Everything that is analytic once tau is fixed: the normal-normal model conditional on tau.

Model: ``y_i ~ N(theta_i, se_i^2)``, ``theta_i ~ N(mu, tau^2)``, ``mu ~ N(m0, s0^2)`` or flat.
Given tau, ``y_i ~ N(mu, se_i^2 + tau^2)`` and mu has a normal conditional posterior; a normal
prior on mu acts as one more "study" with estimate ``m0`` and variance ``s0^2`` (Röver 2020,
J Stat Softw 93(6), section 2; bayesmeta ``R/bayesmeta.R``, ``conditionalmoment``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MetaData",
    "MuGivenTau",
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
    """

    y: NDArray[np.float64]
    se: NDArray[np.float64]
    mu_prior_mean: float
    mu_prior_sd: float | None

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.y.size)


@dataclass(frozen=True, eq=False)
class MuGivenTau:
    """Conditional posterior of mu and the log marginal likelihood, on a vector of tau values."""

    tau: NDArray[np.float64]
    mean: NDArray[np.float64]
    var: NDArray[np.float64]
    log_marginal_likelihood: NDArray[np.float64]


def mu_given_tau(data: MetaData, tau: NDArray[np.float64]) -> MuGivenTau:
    """Condition on tau: normal posterior of mu and the marginal likelihood of tau.

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
    t = np.asarray(tau, dtype=np.float64).reshape(-1)
    var_i = data.se[None, :] ** 2 + t[:, None] ** 2  # (n, k)
    w = 1.0 / var_i
    precision = w.sum(axis=1)
    weighted = (w * data.y[None, :]).sum(axis=1)
    n_terms = data.k
    if data.mu_prior_sd is not None:
        prior_precision = 1.0 / data.mu_prior_sd**2
        precision = precision + prior_precision
        weighted = weighted + data.mu_prior_mean * prior_precision
        n_terms += 1
    mean = weighted / precision
    resid = (w * (data.y[None, :] - mean[:, None]) ** 2).sum(axis=1)
    log_det = np.log(var_i).sum(axis=1)
    if data.mu_prior_sd is not None:
        resid = resid + (mean - data.mu_prior_mean) ** 2 * prior_precision
        log_det = log_det + 2.0 * np.log(data.mu_prior_sd)
    log_ml = -0.5 * ((n_terms - 1) * _LOG_2PI + log_det + resid + np.log(precision))
    return MuGivenTau(tau=t, mean=mean, var=1.0 / precision, log_marginal_likelihood=log_ml)


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
