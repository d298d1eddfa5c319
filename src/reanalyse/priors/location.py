"""Where the registry's ``priors/`` folder is."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PRIORS_DIR_ENV", "priors_dir"]

#: Environment variable naming the registry folder explicitly.
PRIORS_DIR_ENV = "REANALYSE_PRIORS_DIR"


def priors_dir() -> Path:
    """The registry folder.

    ``$REANALYSE_PRIORS_DIR`` if set; otherwise the first ``priors/`` folder holding ``*.toml``
    files next to a ``pyproject.toml``, looking upward from this package's location (the
    repository root in a source checkout or an editable install).

    Returns
    -------
    Path
        Absolute path of the folder.

    Raises
    ------
    FileNotFoundError
        If the environment variable names a missing folder, or no folder is found.
    """
    explicit = os.environ.get(PRIORS_DIR_ENV)
    if explicit:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"{PRIORS_DIR_ENV}={explicit!r} is not a directory")
        return path
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "priors"
        if (
            (parent / "pyproject.toml").is_file()
            and candidate.is_dir()
            and any(candidate.glob("*.toml"))
        ):
            return candidate
    raise FileNotFoundError(
        f"no priors/ registry folder found above {here.parent}; set {PRIORS_DIR_ENV} to the "
        "folder holding the registry's *.toml files"
    )
