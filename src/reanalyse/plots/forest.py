"""Forest plot: study effects, the fixed-effect diamond, the Bayesian estimate with shrunken
study effects, and the predictive interval for a new study."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["plot_forest"]


def plot_forest(
    *,
    title: str,
    studies: pd.DataFrame,
    fixed: tuple[float, float, float] | None,
    fixed_label: str,
    bayes_mu: tuple[float, float, float] | None,
    bayes_theta: pd.DataFrame | None,
    theta_new: tuple[float, float] | None,
    log_scale: bool,
    measure: str,
    favours: tuple[str, str] | None = None,
    thresholds: Sequence[float] = (),
    ax: Axes | None = None,
) -> Axes:
    """Draw a forest plot on the natural scale (log axis for ratios).

    ``studies``: columns study, estimate, ci_low, ci_high, weight, estimable (natural scale).
    ``fixed``: (estimate, low, high) of the review-method pooled result. ``bayes_mu``: posterior
    median and 95% interval of mu; ``bayes_theta``: columns study, median, q025, q975 (shrunken
    study effects); ``theta_new``: 95% predictive interval; all on the natural scale. Draws on
    ``ax`` when given (else on a new figure sized for the rows) and returns the Axes.
    """
    rows = list(studies["study"])
    n = len(rows)
    own = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 1.6 + 0.45 * (n + 3)))
    ypos = np.arange(n, 0, -1) + 2.0
    for y, (_, s) in zip(ypos, studies.iterrows(), strict=True):
        if not bool(s.get("estimable", True)) or not math.isfinite(s["estimate"]):
            ax.text(1.0 if log_scale else 0.0, y, "not estimable", va="center", ha="center",
                    fontsize=8, color="grey")
            continue
        ax.plot([s["ci_low"], s["ci_high"]], [y, y], color="black", lw=1)
        size = 4 + 0.12 * float(s.get("weight", 0.0) or 0.0)
        ax.plot([s["estimate"]], [y], "s", color="black", ms=size)
    if bayes_theta is not None and len(bayes_theta):
        by = dict(zip(bayes_theta["study"], zip(bayes_theta["median"], bayes_theta["q025"],
                                                  bayes_theta["q975"], strict=True), strict=True))
        for y, name in zip(ypos, rows, strict=True):
            if name in by:
                med, lo, hi = by[name]
                ax.plot([lo, hi], [y - 0.25, y - 0.25], color="tab:blue", lw=1, alpha=0.8)
                ax.plot([med], [y - 0.25], "o", color="tab:blue", ms=4)
    labels = list(rows)
    ticks = list(ypos)
    if fixed is not None and all(math.isfinite(v) for v in fixed):
        est, lo, hi = fixed
        ax.fill([lo, est, hi, est], [1.5, 1.75, 1.5, 1.25], color="black")
        ticks.append(1.5)
        labels.append(fixed_label)
    if bayes_mu is not None:
        med, lo, hi = bayes_mu
        ax.fill([lo, med, hi, med], [0.75, 1.0, 0.75, 0.5], color="tab:blue", alpha=0.8)
        ticks.append(0.75)
        labels.append("Bayesian mu (median, 95% CrI)")
    if theta_new is not None:
        lo, hi = theta_new
        ax.plot([lo, hi], [0.0, 0.0], color="tab:blue", lw=3, alpha=0.5)
        ticks.append(0.0)
        labels.append("new study (95% predictive)")
    null = 1.0 if log_scale else 0.0
    ax.axvline(null, color="grey", lw=0.8)
    for t in thresholds:
        ax.axvline(t, color="tab:green", lw=0.8, ls=":")
    if log_scale:
        from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(-0.7, n + 2.8)
    # the sides are stated only when the caller knows the direction of benefit
    ax.set_xlabel(f"{measure} ({favours[0]} | {favours[1]})" if favours else measure)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.2)
    if own:
        ax.figure.tight_layout()
    return ax
