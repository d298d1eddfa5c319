"""Where the registry's folders are: the packaged ``reanalyse/assets/priors/`` (or a folder of
one's own named by ``$REANALYSE_PRIORS_DIR`` that replaces it), and a project's own ``priors/``
folder, which extends it."""

from __future__ import annotations

import os
from pathlib import Path

from reanalyse.io.resources import asset_dir

__all__ = ["PRIORS_DIR_ENV", "PROJECT_PRIORS", "priors_dir", "project_priors_dir"]

#: Environment variable naming the registry folder explicitly.
PRIORS_DIR_ENV = "REANALYSE_PRIORS_DIR"
#: A project's own registry entries, relative to the project folder.
PROJECT_PRIORS = "priors"


def priors_dir() -> Path:
    """The registry folder: ``$REANALYSE_PRIORS_DIR`` if set, else the packaged one.

    Returns
    -------
    Path
        Absolute path of the folder.

    Raises
    ------
    FileNotFoundError
        If the environment variable names a missing folder.
    """
    explicit = os.environ.get(PRIORS_DIR_ENV)
    if explicit:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"{PRIORS_DIR_ENV}={explicit!r} is not a directory")
        return path
    return asset_dir("priors")


def project_priors_dir(root: str | Path | None) -> Path | None:
    """The project's own ``priors/`` folder when it has one with entries (``*.toml``), else
    ``None``."""
    if root is None:
        return None
    folder = Path(root).expanduser().resolve() / PROJECT_PRIORS
    return folder if folder.is_dir() and any(folder.glob("*.toml")) else None
