"""Contour-enhanced funnel plot (Peters et al. 2008, J Clin Epidemiol 61:991): study effects
against their standard errors (a ratio's log axis labelled on the natural scale), with the shaded regions where a study would be statistically
significant at 10%, 5% and 1% (two-sided) around no effect, and the pseudo 95% confidence
limits around the fixed-effect estimate; optionally the studies trim and fill imputes, as open
circles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from reanalyse.plots.ratio_axis import ratio_ticks
from reanalyse.plots.sides import label_sides

if TYPE_CHECKING:
    from reanalyse.direction import Orientation

__all__ = ["plot_funnel"]

_CONTOURS = ((0.10, "#d9d9d9"), (0.05, "#bdbdbd"), (0.01, "#969696"))


def plot_funnel(*, te: np.ndarray, se: np.ndarray, pooled_te: float, log_scale: bool,
                measure: str, title: str, tests: str = "",
                filled_te: np.ndarray | None = None, filled_se: np.ndarray | None = None,
                filled_label: str = "filled (trim and fill)",
                orientation: Orientation | None = None) -> Figure:
    """Draw the funnel on the analysis scale (log for ratios, labelled on the natural scale).

    ``te``/``se``: study effects and SEs; ``pooled_te``: the fixed-effect estimate the pseudo
    confidence limits are drawn around; ``tests``: a line of test results for the caption;
    ``filled_te``/``filled_se``: studies imputed by trim and fill (drawn open). Effects are in the
    data's orientation; with ``orientation`` they are drawn in the review's and the sides of the
    null line carry the analysis' labels (gids ``favours-left``, ``favours-right``).
    """
    te = np.asarray(te, dtype=float)
    if orientation is not None:
        te, pooled_te = orientation.shown(te), orientation.shown(pooled_te)
        if filled_te is not None:
            filled_te = orientation.shown(np.asarray(filled_te, dtype=float))
    se = np.asarray(se, dtype=float)
    has_filled = filled_te is not None and filled_se is not None and len(filled_te) > 0
    f_te = np.asarray(filled_te if has_filled else [], dtype=float)
    f_se = np.asarray(filled_se if has_filled else [], dtype=float)
    top = float(np.max(se)) * 1.08
    s = np.linspace(0.0, top, 200)
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    null = 0.0
    span = max(float(np.max(np.abs(np.concatenate([te, f_te]) - null))),
               float(stats.norm.ppf(0.995) * top)) * 1.05
    ax.fill_betweenx(s, null - span, null + span, color="white", zorder=0)
    for alpha, colour in _CONTOURS:
        z = stats.norm.ppf(1 - alpha / 2)
        ax.fill_betweenx(s, null - span, null - z * s, color=colour, zorder=1, lw=0,
                         label=f"p < {alpha:g}")
        ax.fill_betweenx(s, null + z * s, null + span, color=colour, zorder=1, lw=0)
    z95 = stats.norm.ppf(0.975)
    ax.plot(pooled_te - z95 * s, s, color="black", ls=":", lw=1, zorder=2,
            label="pseudo 95% limits")
    ax.plot(pooled_te + z95 * s, s, color="black", ls=":", lw=1, zorder=2)
    ax.axvline(pooled_te, color="black", lw=1, zorder=2, label="fixed-effect (IV) estimate")
    ax.axvline(null, color="grey", lw=0.8, zorder=2, gid="null-line")
    ax.scatter(te, se, s=22, color="tab:blue", edgecolor="black", lw=0.5, zorder=3,
               label="studies")
    if has_filled:
        ax.scatter(f_te, f_se, s=22, facecolor="white", edgecolor="tab:red", lw=1, zorder=3,
                   label=filled_label)
    ax.set_ylim(top, 0)
    ax.set_xlim(null - span, null + span)
    ax.set_ylabel("standard error")
    pad = {} if orientation is None else {"labelpad": 16}
    if log_scale:
        # the analysis (log) scale, labelled on the natural one: 0.1, 0.2, 0.5, 1, 2, 5, 10
        ticks = ratio_ticks(low=float(np.exp(null - span)), high=float(np.exp(null + span)))
        ax.set_xticks(np.log(ticks), [f"{v:g}" for v in ticks])
        ax.set_xlim(null - span, null + span)
        ax.set_xlabel(f"{measure} (log scale)", **pad)
    else:
        ax.set_xlabel(measure + (" (sign reversed as the review reports it)"
                                 if orientation is not None and orientation.reversed else ""),
                      **pad)
    if orientation is not None:
        label_sides(ax, orientation, null=null)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(title if not tests else f"{title}\n{tests}", fontsize=9)
    fig.tight_layout()
    return fig
