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

import importlib
from typing import Any

# bound now: the function has its module's name, which importing the module would bind here
from reanalyse.nma.graph import graph

#: Where each name lives; imported on first use (PEP 562), so that a command that only reads
#: a network's specification (``reanalyse run`` with nothing to recompute) does not import
#: the models, scipy.stats and matplotlib.
_WHERE = {
    **dict.fromkeys(("arm_variances", "basic_contrast_covariance", "basic_contrasts",
                     "design_matrix", "pairwise_effects", "random_effects_correlation",
                     "rucker_weights"), "design"),
    **dict.fromkeys(("NMAFit", "fit_nma", "summarise_draws"), "fit"),
    **dict.fromkeys(("FrequentistNMA", "frequentist_nma"), "frequentist"),
    **dict.fromkeys(("NetworkGraph", "components", "edges", "splittable_comparisons"), "graph"),
    **dict.fromkeys(("ConsistencyReport", "check_consistency"), "inconsistency"),
    **dict.fromkeys(("ModelInputs", "NMASpec", "build_model", "model_inputs"), "model"),
    **dict.fromkeys(("Network", "NetworkStudy", "build_network"), "network"),
    **dict.fromkeys(("plot_network", "plot_rankogram"), "plots"),
}

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


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'reanalyse.nma' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"reanalyse.nma.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
