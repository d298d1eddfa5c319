"""Network meta-analysis: Bayesian (PyMC) consistency, UME and node-splitting models, and the
frequentist graph-theoretical NMA of R netmeta for cross-checking.

Front doors:

- :func:`build_network` (a study table -> :class:`Network`), :func:`graph` (edges, connectivity,
  loops, whether consistency can be checked);
- :func:`check_consistency` (UME and node-splitting compared by DIC and LOO, or a plain
  statement that consistency cannot be checked);
- :func:`fit_nma` with an :class:`NMASpec` -> :class:`NMAFit` (DataTree + league table, effects
  against the reference, rank probabilities, SUCRA, P(best), P(benefit), DIC, LOO);
- :func:`frequentist_nma` -> :class:`FrequentistNMA` (netmeta's common and random-effects
  models, DerSimonian-Laird tau^2, P-scores);
- :func:`plot_network`, :func:`plot_rankogram` (matplotlib figures, never shown).

Notation follows NICE DSU TSD2 / multinma: ``d`` (basic effects against the reference, dim
``treatment``), ``delta`` (study-specific relative effects, dim ``contrast``), ``mu`` (study
baselines, dim ``study``), ``tau`` (between-study SD).
"""

from reanalyse.nma.design import (
    arm_variances,
    basic_contrast_covariance,
    basic_contrasts,
    design_matrix,
    pairwise_effects,
    random_effects_correlation,
    rucker_weights,
)
from reanalyse.nma.fit import NMAFit, fit_nma, summarise_draws
from reanalyse.nma.frequentist import FrequentistNMA, frequentist_nma
from reanalyse.nma.graph import NetworkGraph, components, edges, graph, splittable_comparisons
from reanalyse.nma.inconsistency import ConsistencyReport, check_consistency
from reanalyse.nma.model import ModelInputs, NMASpec, build_model, model_inputs
from reanalyse.nma.network import Network, NetworkStudy, build_network
from reanalyse.nma.plots import plot_network, plot_rankogram

__all__ = [
    "ConsistencyReport",
    "FrequentistNMA",
    "ModelInputs",
    "NMAFit",
    "NMASpec",
    "Network",
    "NetworkGraph",
    "NetworkStudy",
    "arm_variances",
    "basic_contrast_covariance",
    "basic_contrasts",
    "build_model",
    "build_network",
    "check_consistency",
    "components",
    "design_matrix",
    "edges",
    "fit_nma",
    "frequentist_nma",
    "graph",
    "model_inputs",
    "pairwise_effects",
    "plot_network",
    "plot_rankogram",
    "random_effects_correlation",
    "rucker_weights",
    "splittable_comparisons",
    "summarise_draws",
]
