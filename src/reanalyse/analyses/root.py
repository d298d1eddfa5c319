"""The project folder an analysis belongs to (found by ``reanalyse.toml``; see
:mod:`reanalyse.project`), re-exported where the specifications are read."""

from __future__ import annotations

from reanalyse.project import PROJECT_ENV, find_project, find_root, resolve

__all__ = ["PROJECT_ENV", "find_project", "find_root", "resolve"]
