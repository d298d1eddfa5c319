"""The prior-sensitivity grid as dots and intervals: P(clinically meaningful benefit) and the
posterior median of mu (95% CrI) by tau prior and effect prior.

Tau priors are categories, one row each (no line joins them: their order means nothing);
within a row one dot per effect prior and likelihood, offset. Each effect prior keeps its
colour in every analysis (:func:`effect_prior_colour`): skeptical red, enthusiastic green, any
other by its id, so the figures of two analyses read alike.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from reanalyse.measures import is_ratio
from reanalyse.plots.ratio_axis import ratio_span, ratio_ticks

if TYPE_CHECKING:
    from reanalyse.direction import Orientation

__all__ = ["effect_prior_colour", "plot_sensitivity"]

_MARKERS = {"normal": "o", "binomial": "s"}
_FIXED = {"skeptical": "#d62728", "enthusiastic": "#2ca02c"}
#: colours for the other effect priors (tab10 without the red and green of the fixed ones)
_PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf")


def effect_prior_colour(prior_id: str) -> str:
    """The colour of an effect prior, the same in every analysis and every run."""
    if prior_id in _FIXED:
        return _FIXED[prior_id]
    return _PALETTE[zlib.crc32(prior_id.encode()) % len(_PALETTE)]


def plot_sensitivity(grid: xr.Dataset, *, scenario: str, title: str,
                     variable: str = "p_meaningful",
                     orientation: Orientation | None = None) -> Figure:
    """Two panels sharing the tau priors as rows: ``variable`` (a probability) on the left,
    the posterior median of mu with its 95% CrI on the natural scale on the right (in the
    review's orientation with ``orientation``)."""
    taus = [str(t) for t in grid["tau_prior"].values]
    effs = [str(e) for e in grid["effect_prior"].values]
    liks = [str(lk) for lk in grid["likelihood"].values]
    sel = grid.sel(scenario=scenario)
    series = [(eff, lik) for eff in effs for lik in liks
              if not np.all(np.isnan(sel[variable].sel(effect_prior=eff, likelihood=lik)))]
    fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(10.0, 1.9 + 0.42 * len(taus)),
                                      gridspec_kw={"width_ratios": [1, 1.2]})
    y = np.arange(len(taus))[::-1].astype(float)  # the first tau prior on top
    ratio = is_ratio(str(grid.attrs.get("measure", "")))
    sign = orientation.sign if orientation is not None else 1
    width = 0.7 / max(len(series), 1)
    drawn: list[float] = []
    for i, (eff, lik) in enumerate(series):
        off = y + (i - (len(series) - 1) / 2) * width
        colour = effect_prior_colour(eff)
        marker = _MARKERS.get(lik, "^")
        p = sel[variable].sel(effect_prior=eff, likelihood=lik).values
        left.plot(p, off, ls="none", marker=marker, color=colour, ms=5,
                  label=f"{eff}, {lik} likelihood")
        q = [sel[v].sel(effect_prior=eff, likelihood=lik).values * sign
             for v in ("mu_median", "mu_q025", "mu_q975")]
        if ratio:
            q = [np.exp(v) for v in q]
        lo, hi = np.minimum(q[1], q[2]), np.maximum(q[1], q[2])
        drawn += [float(v) for v in (*lo, *hi)]
        right.errorbar(q[0], off, xerr=[q[0] - lo, hi - q[0]], ls="none", marker=marker,
                       color=colour, ms=4, lw=1.0, capsize=0)
    for level in (0.5, 0.9):
        left.axvline(level, color="grey", lw=0.6, ls=":")
    left.set_xlim(-0.02, 1.02)
    what = {"p_meaningful": "clinically meaningful benefit", "p_benefit": "benefit"}.get(
        variable, variable)
    if orientation is None:
        left.set_xlabel(f"P({what})")
    else:
        o = orientation
        side = "lower" if o.treatment_side == "left" else "higher"
        left.set_xlabel(f"P({what} of {o.treatment})\n({side} {o.measure}, "
                        f"'{o.treatment_label}')", fontsize=8)
    measure = str(grid.attrs.get("measure", "mu"))
    right.axvline(1.0 if ratio else 0.0, color="0.3", lw=0.8)
    t = grid.attrs.get("threshold")
    if t is not None and np.isfinite(t):
        tv = float(np.exp(t * sign)) if ratio else float(t) * sign
        right.axvline(tv, color="0.3", lw=0.8, ls="--",
                      label=f"threshold {grid.attrs.get('threshold_label', '')}".strip())
    if ratio:  # natural-scale ticks, symmetric about 1, as the forest and funnel plots
        h = ratio_span(drawn)
        right.set_xscale("log")
        right.set_xlim(1 / h, h)
        ticks = ratio_ticks(low=1 / h, high=h)
        right.set_xticks(ticks, [f"{v:g}" for v in ticks])
        right.minorticks_off()
    right.set_xlabel(f"{measure}: posterior median and 95% CrI of mu", fontsize=8)
    left.set_yticks(y)
    left.set_yticklabels(taus, fontsize=8)
    left.set_ylabel("tau prior")
    for ax in (left, right):
        ax.grid(axis="x", color="0.9", lw=0.6)
        ax.set_ylim(-0.6, len(taus) - 0.4)
    handles, labels = left.get_legend_handles_labels()
    h2, l2 = right.get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="lower center", ncol=min(3, len(labels) + 1),
               fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.015 + 0.03 * ((len(labels) + 2) // 3), 1, 1))
    return fig
