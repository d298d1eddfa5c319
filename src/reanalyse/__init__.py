"""reanalyse: Bayesian re-analysis of Cochrane-style meta-analyses.

The front door (what a notebook user calls; the CLI and the pipeline call the same functions):

- :func:`read_table` a study table in the canonical long format, validated;
- :func:`pool` RevMan-exact frequentist pooling (MH, IV, Peto; DL, REML, PM; HKSJ);
- :func:`pool_batch` many meta-analyses pooled at once from stacked arrays (IV, MH);
- :func:`bayes` Bayesian random-effects meta-analysis (exact engine or PyMC);
- :func:`sensitivity_grid` posterior summaries across tau priors x effect priors;
- :func:`network_meta_analysis` network meta-analysis (PyMC, or frequentist as R netmeta);
- :func:`read_revman` a RevMan 5 review;
- :mod:`reanalyse.priors` the cited prior registry (``reanalyse.priors.show(id)``).

Examples
--------
>>> import reanalyse as ra
>>> ra.priors.show("turner2015-marginal").prior.role
'tau'
"""

import importlib
from typing import Any

from reanalyse._version import __version__
from reanalyse.errors import DataValidationError

__all__ = ["DataValidationError", "__version__", "bayes", "network_meta_analysis", "pool",
           "pool_batch", "priors", "read_revman", "read_table", "sensitivity_grid"]

#: The front door's functions, imported on first use (PEP 562): ``import reanalyse`` stays
#: light, so that the command line says something within a second of starting.
_API = ("bayes", "network_meta_analysis", "pool", "pool_batch", "read_revman", "read_table",
        "sensitivity_grid")


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module("reanalyse.api"), name)
    elif name == "priors":
        value = importlib.import_module("reanalyse.priors")
    else:
        raise AttributeError(f"module 'reanalyse' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
