"""Figures (matplotlib, headless): each ``plot_*`` returns a Figure; :func:`save_figure` writes
PNG and SVG atomically."""

from reanalyse.plots.forest import BayesianBlock, plot_forest
from reanalyse.plots.funnel import plot_funnel
from reanalyse.plots.save import save_figure
from reanalyse.plots.sensitivity import plot_sensitivity
from reanalyse.plots.tau import plot_tau

__all__ = ["BayesianBlock", "plot_forest", "plot_funnel", "plot_sensitivity", "plot_tau", "save_figure"]
