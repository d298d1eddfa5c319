"""Prior against posterior density of the between-study SD tau."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_tau"]


def plot_tau(*, tau: np.ndarray, prior_pdf: np.ndarray, posterior_pdf: np.ndarray, title: str,
             prior_label: str) -> Figure:
    """Both densities over the grid ``tau``."""
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    ax.plot(tau, prior_pdf, color="grey", ls="--", label=f"prior: {prior_label}")
    ax.plot(tau, posterior_pdf, color="tab:blue", label="posterior")
    ax.set_xlabel("tau (between-study SD, analysis scale)")
    ax.set_ylabel("density")
    ax.set_xlim(0, float(tau[-1]))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
