"""Assemble grid cells into one xarray Dataset per analysis.

Dims: ``tau_prior`` x ``effect_prior`` x ``likelihood`` (``normal``: the normal approximation on
study estimates, computed exactly; ``binomial``: the exact binomial likelihood, by MCMC, binary
outcomes only) x ``scenario``. Cells not computed (a binomial likelihood for a continuous outcome, a
skeptical prior without a threshold) hold NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from reanalyse.sensitivity.cell import CELL_VARIABLES

__all__ = ["assemble_grid"]


def assemble_grid(
    cells: Mapping[tuple[str, str, str, str], Mapping[str, float]],
    *,
    tau_priors: Sequence[str],
    effect_priors: Sequence[str],
    likelihoods: Sequence[str] = ("normal", "binomial"),
    scenarios: Sequence[str] = ("sourced", "reconstruction"),
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """``cells[(tau_prior, effect_prior, likelihood, scenario)]`` -> Dataset of summaries."""
    shape = (len(tau_priors), len(effect_priors), len(likelihoods), len(scenarios))
    data = {v: np.full(shape, np.nan) for v in CELL_VARIABLES}
    index = {name: {v: i for i, v in enumerate(values)} for name, values in
             (("t", tau_priors), ("e", effect_priors), ("l", likelihoods), ("s", scenarios))}
    for (t, e, lik, sc), values in cells.items():
        pos = (index["t"][t], index["e"][e], index["l"][lik], index["s"][sc])
        for v in CELL_VARIABLES:
            data[v][pos] = values.get(v, np.nan)
    dims = ("tau_prior", "effect_prior", "likelihood", "scenario")
    ds = xr.Dataset(
        {v: (dims, arr) for v, arr in data.items()},
        coords={"tau_prior": list(tau_priors), "effect_prior": list(effect_priors),
                "likelihood": list(likelihoods), "scenario": list(scenarios)},
        attrs=dict(attrs or {}),
    )
    return ds
