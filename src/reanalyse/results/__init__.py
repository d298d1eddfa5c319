"""Results of Bayesian fits: :class:`FitResult` (one ``xarray.DataTree`` with tidy views,
threshold probabilities and netCDF files) and the provenance attributes every result carries.

Examples
--------
>>> from reanalyse.results import provenance_attrs, data_hash
>>> attrs = provenance_attrs(data_hash=data_hash({"y": [0.1]}), spec={"model": "normal"},
...                          priors={}, seed=1, settings=None)
>>> attrs["ci_prob"], attrs["ci_kind"]
(0.95, 'eti')
"""

from reanalyse.results.fit import (
    REQUIRED_GROUPS,
    SUMMARY_COLUMNS,
    FitResult,
    ProvenanceMismatchError,
    stat_block,
)
from reanalyse.results.provenance import (
    CI_KIND,
    CI_PROB,
    PACKAGES,
    data_hash,
    json_default,
    package_versions,
    provenance_attrs,
    read_json_attr,
)

__all__ = [
    "CI_KIND",
    "CI_PROB",
    "PACKAGES",
    "REQUIRED_GROUPS",
    "SUMMARY_COLUMNS",
    "FitResult",
    "ProvenanceMismatchError",
    "data_hash",
    "json_default",
    "package_versions",
    "provenance_attrs",
    "read_json_attr",
    "stat_block",
]
