"""Prior against posterior density of the between-study SD tau.

The prior is a shaded area with a dashed edge drawn above the posterior's solid line, so that
the two stay distinguishable where they coincide (one study: the data hardly inform tau); the
legend names the prior and its source.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_tau"]


def plot_tau(*, tau: np.ndarray, prior_pdf: np.ndarray, posterior_pdf: np.ndarray, title: str,
             prior_label: str, prior_source: str = "", note: str = "") -> Figure:
    """Both densities over the grid ``tau``; ``prior_source`` (a citation) joins the prior's
    legend entry, ``note`` is written in the panel (e.g. why the two coincide)."""
    fig, ax = plt.subplots(figsize=(7.6, 3.8))
    label = f"prior: {prior_label}"
    if prior_source:
        label += "\n" + textwrap.fill(prior_source, 70)
    ax.plot(tau, posterior_pdf, color="tab:blue", lw=2.0, label="posterior", zorder=2)
    ax.fill_between(tau, prior_pdf, color="0.6", alpha=0.35, lw=0, zorder=1)
    ax.plot(tau, prior_pdf, color="0.25", ls="--", lw=1.2, label=label, zorder=3)
    ax.set_xlabel("tau (between-study SD, analysis scale)")
    ax.set_ylabel("density")
    ax.set_xlim(0, float(tau[-1]))
    ax.set_ylim(bottom=0)
    if note:
        ax.text(0.98, 0.55, textwrap.fill(note, 40), transform=ax.transAxes, ha="right",
                va="center", fontsize=8, color="0.3")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(textwrap.fill(title, 90), fontsize=10)
    fig.tight_layout()
    return fig
