"""Results of Bayesian fits: provenance attributes, and (see :mod:`reanalyse.results.fit`) the
:class:`FitResult` wrapper around an ``xarray.DataTree``."""

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
    "data_hash",
    "json_default",
    "package_versions",
    "provenance_attrs",
    "read_json_attr",
]
