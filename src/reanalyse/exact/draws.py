"""Joint draws from the exact posterior: tau from its quadrature rule, then mu, theta and
theta_new from their normal conditionals given tau (and mu). Monte Carlo only where a consumer
needs draws (a DataTree for ArviZ); every summary of the exact engine stays exact."""

from __future__ import annotations

import numpy as np
import xarray as xr

from reanalyse.exact.posterior import ExactPosterior

__all__ = ["exact_draws"]


def exact_draws(posterior: ExactPosterior, *, draws: int, random_seed: int) -> xr.Dataset:
    """``draws`` joint draws of ``mu``, ``tau``, ``theta`` (dim ``study``) and ``theta_new``,
    dims ``chain`` (one) and ``draw``, as the ArviZ posterior group names them.

    Given tau, ``mu | tau, y ~ N(m, v)``; given mu and tau each ``theta_i | mu, tau, y_i`` is
    normal with precision ``1/se_i^2 + 1/tau^2`` (or equals mu when tau = 0), and ``theta_new |
    mu, tau ~ N(mu, tau^2)``.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    rng = np.random.default_rng(random_seed)
    nodes = np.asarray(posterior.tau_nodes, dtype=float)
    weights = np.asarray(posterior.tau_weights, dtype=float)
    pick = rng.choice(nodes.size, size=draws, p=weights / weights.sum())
    tau = nodes[pick]
    m, s = posterior.conditional_mu(tau)
    mu = rng.normal(m, s)
    y, se = np.asarray(posterior.y), np.asarray(posterior.se)
    tau2 = tau[:, None] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = 1.0 / se[None, :] ** 2 + 1.0 / tau2
        mean = (y[None, :] / se[None, :] ** 2 + mu[:, None] / tau2) / prec
        sd = np.sqrt(1.0 / prec)
    zero = tau2[:, 0] == 0
    mean[zero] = mu[zero, None]
    sd[zero] = 0.0
    theta = rng.normal(mean, sd)
    theta_new = rng.normal(mu, tau)
    labels = list(posterior.labels)
    return xr.Dataset(
        {"mu": (("chain", "draw"), mu[None]), "tau": (("chain", "draw"), tau[None]),
         "theta": (("chain", "draw", "study"), theta[None]),
         "theta_new": (("chain", "draw"), theta_new[None])},
        coords={"chain": [0], "draw": np.arange(draws), "study": labels})
