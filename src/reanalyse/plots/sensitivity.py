"""P(clinically meaningful benefit) across the prior grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from reanalyse.direction import Orientation

__all__ = ["plot_sensitivity"]

_MARKERS = {"normal": "o", "binomial": "s"}


def plot_sensitivity(grid: xr.Dataset, *, scenario: str, title: str,
                     variable: str = "p_meaningful",
                     orientation: Orientation | None = None) -> Figure:
    """One panel: tau priors on the x axis, a series per effect prior and likelihood; with
    ``orientation`` the y axis says whose benefit and on which side of the null it lies."""
    fig, ax = plt.subplots(figsize=(8.0, 4.0))
    taus = list(grid["tau_prior"].values)
    x = np.arange(len(taus))
    sel = grid[variable].sel(scenario=scenario)
    for j, eff in enumerate(grid["effect_prior"].values):
        for lik in grid["likelihood"].values:
            vals = sel.sel(effect_prior=eff, likelihood=lik).values
            if np.all(np.isnan(vals)):
                continue
            ax.plot(x + 0.08 * (j - 1), vals, marker=_MARKERS.get(str(lik), "^"), ls="-",
                    lw=0.8, label=f"{eff}, {lik}")
    for level in (0.5, 0.9):
        ax.axhline(level, color="grey", lw=0.6, ls=":")
    ax.set_xticks(x)
    ax.set_xticklabels(taus, rotation=35, ha="right", fontsize=7)
    ax.set_ylim(-0.02, 1.02)
    what = {"p_meaningful": "clinically meaningful benefit",
            "p_benefit": "benefit"}.get(variable)
    if what is None:
        ax.set_ylabel(variable)
    elif orientation is None:
        ax.set_ylabel(f"P({what})")
    else:
        o = orientation
        side = "lower" if o.treatment_side == "left" else "higher"
        ax.set_ylabel(f"P({what} of {o.treatment})\n({side} {o.measure}, "
                      f"'{o.treatment_label}')", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
