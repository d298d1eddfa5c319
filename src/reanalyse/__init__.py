"""reanalyse: Bayesian re-analysis of Cochrane-style meta-analyses."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reanalyse")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
