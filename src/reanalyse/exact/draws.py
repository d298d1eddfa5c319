"""Joint draws from the exact posterior as an ArviZ posterior group. Monte Carlo only where a consumer
needs draws (a DataTree for ArviZ); every summary of the exact engine stays exact."""

from __future__ import annotations

import numpy as np
import xarray as xr

from reanalyse.exact.posterior import ExactPosterior

__all__ = ["exact_draws"]


def exact_draws(posterior: ExactPosterior, *, draws: int, random_seed: int) -> xr.Dataset:
    """``draws`` joint draws of ``mu``, ``tau``, ``theta`` (dim ``study``) and ``theta_new``,
    dims ``chain`` (one) and ``draw``, as the ArviZ posterior group names them (drawn by
    :meth:`ExactPosterior.sample`)."""
    rng = np.random.default_rng(random_seed)
    d = posterior.sample(draws, rng=rng)
    mu, tau, theta, theta_new = d["mu"], d["tau"], d["theta"], d["theta_new"]
    labels = list(posterior.labels)
    return xr.Dataset(
        {"mu": (("chain", "draw"), mu[None]), "tau": (("chain", "draw"), tau[None]),
         "theta": (("chain", "draw", "study"), theta[None]),
         "theta_new": (("chain", "draw"), theta_new[None])},
        coords={"chain": [0], "draw": np.arange(draws), "study": labels})
