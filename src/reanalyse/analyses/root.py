"""Find the repository root that holds ``pyproject.toml`` and the declarative ``analyses/`` folder."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ROOT_ENV", "find_project", "find_root", "resolve"]

#: Environment variable that overrides the search for the repository root.
ROOT_ENV = "REANALYSE_ROOT"


def find_root(start: str | Path | None = None) -> Path:
    """The repository root: ``$REANALYSE_ROOT`` if set, else the nearest folder at or above
    ``start`` (default: the working directory) holding both ``pyproject.toml`` and ``analyses/``.

    Raises
    ------
    FileNotFoundError
        When no such folder exists (or ``$REANALYSE_ROOT`` is not a folder).
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        root = Path(env).expanduser().resolve()
        if not root.is_dir():
            raise FileNotFoundError(f"{ROOT_ENV}={env!r} is not a folder")
        return root
    here = Path(start).resolve() if start is not None else Path.cwd().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "analyses").is_dir():
            return folder
    raise FileNotFoundError(
        f"no folder at or above {here} holds both pyproject.toml and analyses/; "
        f"run inside the reanalyse repository or set {ROOT_ENV}")


def find_project(start: str | Path | None = None) -> Path | None:
    """:func:`find_root`, or ``None`` where no project holds ``start`` (for commands that work
    without one and only let a project extend what is packaged)."""
    try:
        return find_root(start)
    except FileNotFoundError:
        return None


def resolve(path: str | Path, root: str | Path | None = None) -> Path:
    """``path`` made absolute against the repository root (absolute paths are kept)."""
    p = Path(path)
    if p.is_absolute():
        return p
    return (Path(root) if root is not None else find_root()) / p
