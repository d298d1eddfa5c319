"""The installed package's version (the bottom layer: everything may import it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reanalyse")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
