"""Forest plot: study effects, the fixed-effect diamond, the Bayesian estimate with shrunken
study effects, and the predictive interval for a new study."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from reanalyse.plots.sides import label_sides

if TYPE_CHECKING:
    from reanalyse.direction import Orientation

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
    orientation: Orientation | None = None,
    thresholds: Sequence[float] = (),
    ax: Axes | None = None,
) -> Axes:
    """Draw a forest plot on the natural scale (log axis for ratios).

    ``studies``: columns study, estimate, ci_low, ci_high, weight, estimable (natural scale).
    ``fixed``: (estimate, low, high) of the review-method pooled result. ``bayes_mu``: posterior
    median and 95% interval of mu; ``bayes_theta``: columns study, median, q025, q975 (shrunken
    study effects); ``theta_new``: 95% predictive interval; all on the natural scale in the
    data's orientation, as are ``thresholds``. With ``orientation``
    (:func:`reanalyse.direction.orientation_of`) every value is drawn in the review's orientation
    and the two sides of the null line carry the analysis' labels ("Favours IVIg" where IVIg
    is favoured); without it the plot makes no claim about the sides. Draws on ``ax`` when given
    (else on a new figure sized for the rows) and returns the Axes. The null line, the pooled
    diamonds and the side labels carry the gids ``null-line``, ``pooled-estimate``, ``bayes-mu``,
    ``favours-left`` and ``favours-right`` (ids in the SVG).
    """
    if orientation is not None:
        studies, fixed, bayes_mu, bayes_theta, theta_new, thresholds = _shown(
            orientation, studies, fixed, bayes_mu, bayes_theta, theta_new, thresholds)
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
        ax.fill([lo, est, hi, est], [1.5, 1.75, 1.5, 1.25], color="black",
                gid="pooled-estimate")
        ticks.append(1.5)
        labels.append(fixed_label)
    if bayes_mu is not None:
        med, lo, hi = bayes_mu
        ax.fill([lo, med, hi, med], [0.75, 1.0, 0.75, 0.5], color="tab:blue", alpha=0.8,
                gid="bayes-mu")
        ticks.append(0.75)
        labels.append("Bayesian mu (median, 95% CrI)")
    if theta_new is not None:
        lo, hi = theta_new
        ax.plot([lo, hi], [0.0, 0.0], color="tab:blue", lw=3, alpha=0.5)
        ticks.append(0.0)
        labels.append("new study (95% predictive)")
    null = 1.0 if log_scale else 0.0
    ax.axvline(null, color="grey", lw=0.8, gid="null-line")
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
    if orientation is not None:
        label_sides(ax, orientation, null=null)
        ax.set_xlabel(measure + (" (sign reversed as the review reports it)"
                                 if orientation.reversed else ""), labelpad=18)
    else:
        ax.set_xlabel(measure)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.2)
    if own:
        ax.figure.tight_layout()
    return ax


def _shown(o: Orientation, studies: pd.DataFrame, fixed: tuple[float, float, float] | None,
           bayes_mu: tuple[float, float, float] | None, bayes_theta: pd.DataFrame | None,
           theta_new: tuple[float, float] | None, thresholds: Sequence[float],
           ) -> tuple[pd.DataFrame, tuple[float, float, float] | None,
                      tuple[float, float, float] | None, pd.DataFrame | None,
                      tuple[float, float] | None, list[float]]:
    """Everything the forest plot draws, in the review's orientation."""
    studies = studies.copy()
    studies["estimate"] = o.shown(studies["estimate"])
    studies["ci_low"], studies["ci_high"] = o.shown_interval(studies["ci_low"],
                                                             studies["ci_high"])
    if bayes_theta is not None:
        bayes_theta = bayes_theta.copy()
        bayes_theta["median"] = o.shown(bayes_theta["median"])
        bayes_theta["q025"], bayes_theta["q975"] = o.shown_interval(bayes_theta["q025"],
                                                                    bayes_theta["q975"])
    return (studies,
            o.shown_estimate(*fixed) if fixed is not None else None,
            o.shown_estimate(*bayes_mu) if bayes_mu is not None else None,
            bayes_theta,
            o.shown_interval(*theta_new) if theta_new is not None else None,
            [o.shown(t) for t in thresholds])
