"""The bottom layer: atomic file writes and the resources that ship inside the package."""

from reanalyse.io.atomic import atomic_path, write_bytes, write_text
from reanalyse.io.resources import asset, asset_dir, defaults_file

__all__ = ["asset", "asset_dir", "atomic_path", "defaults_file", "write_bytes", "write_text"]
