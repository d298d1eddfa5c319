"""The declarative assets that ship inside the package: the prior registry, the model
descriptions and the analysis defaults, found with :mod:`importlib.resources` (so a wheel
installed anywhere finds them; nothing walks up from ``__file__`` or the working folder)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["ASSET_FOLDERS", "PROJECT_DEFAULTS", "asset", "asset_dir", "defaults_file"]

#: The asset folders under ``reanalyse/assets/``.
ASSET_FOLDERS: tuple[str, ...] = ("priors", "models", "defaults")


def asset_dir(name: str) -> Path:
    """The packaged folder ``reanalyse/assets/<name>`` (one of :data:`ASSET_FOLDERS`).

    Raises
    ------
    ValueError
        For a name that is not an asset folder.
    FileNotFoundError
        When the installed package lacks the folder (a broken install).
    """
    if name not in ASSET_FOLDERS:
        raise ValueError(f"asset folder must be one of {', '.join(ASSET_FOLDERS)}, got {name!r}")
    folder = resources.files("reanalyse") / "assets" / name
    path = Path(str(folder))
    if not path.is_dir():
        raise FileNotFoundError(f"the installed reanalyse package lacks its assets/{name} folder "
                                f"({path}); reinstall the package")
    return path


def asset(folder: str, filename: str) -> Path:
    """The packaged file ``reanalyse/assets/<folder>/<filename>``."""
    path = asset_dir(folder) / filename
    if not path.is_file():
        raise FileNotFoundError(f"the installed reanalyse package lacks assets/{folder}/{filename}")
    return path


#: Where a project may override a packaged defaults file, relative to its root.
PROJECT_DEFAULTS = Path("analyses") / "defaults"


def defaults_file(filename: str, *, root: str | Path | None = None) -> Path:
    """The defaults file ``filename`` (``bayes.toml``, ``thresholds.toml``) that applies to a
    project: the project's own ``analyses/defaults/<filename>`` when it has one, else the packaged
    ``reanalyse/assets/defaults/<filename>``."""
    if root is not None:
        own = Path(root) / PROJECT_DEFAULTS / filename
        if own.is_file():
            return own
    return asset("defaults", filename)
