"""A project: one review in its own folder, marked by ``reanalyse.toml``.

A project holds the review's data (``data/``), its analysis specifications (``analyses/``,
network specifications in ``analyses/nma/``), optionally its own priors (``priors/*.toml``,
which extend the packaged registry) and the generated ``results/``. ``reanalyse.toml`` names it
and may override the packaged analysis defaults key by key::

    [project]
    name = "iim2023"
    title = "Non-targeted immunosuppressive therapies for idiopathic inflammatory myopathies"

    [defaults.bayes.sampler]     # merged over the packaged bayes.toml
    draws = 2000

    [defaults.thresholds]        # replaces the packaged thresholds of the measures it names
    RR = [{ value = 0.75, label = "RR 0.75", source = "..." }]

Every command finds its project from the working folder upward (the nearest folder holding
``reanalyse.toml``), or takes ``--project DIR`` (or ``$REANALYSE_PROJECT``). Defaults apply in
layers: the packaged file, then a project's own ``analyses/defaults/<file>`` (a whole-file
replacement), then ``reanalyse.toml``'s ``[defaults.<file stem>]``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reanalyse.errors import DataValidationError, Problem
from reanalyse.io.atomic import write_text
from reanalyse.io.resources import defaults_file

__all__ = ["PROJECT_ENV", "PROJECT_FILE", "Project", "ProjectNotFoundError", "defaults_mapping",
           "find_project", "find_root", "init_project", "read_project", "resolve"]

#: The file that marks a project's folder.
PROJECT_FILE = "reanalyse.toml"
#: Environment variable naming the project folder (as ``--project``).
PROJECT_ENV = "REANALYSE_PROJECT"
#: The folders ``init`` makes.
FOLDERS: tuple[str, ...] = ("data", "analyses", "priors", "results")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_DEFAULTS = ("bayes", "thresholds")


class ProjectNotFoundError(DataValidationError):
    """No project holds the working folder (or the folder named is not a project)."""


@dataclass(frozen=True, kw_only=True)
class Project:
    """A project's folder and its ``reanalyse.toml``."""

    root: Path
    name: str
    title: str = ""
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def results(self) -> Path:
        """The folder ``reanalyse run`` writes into."""
        return self.root / "results"


def _not_found(where: Path, *, named: bool) -> ProjectNotFoundError:
    if named:
        msg = (f"{where} is not a reanalyse project (it has no {PROJECT_FILE}); make one with "
               f"`reanalyse init {where}`")
    else:
        msg = (f"no {PROJECT_FILE} in {where} or any folder above it; make a project with "
               "`reanalyse init DIR`, or name one with --project DIR")
    return ProjectNotFoundError([Problem(file=str(where), rule="project", message=msg)])


def find_root(start: str | Path | None = None, *, project: str | Path | None = None) -> Path:
    """The project folder: ``project`` (``--project``) if given, else ``$REANALYSE_PROJECT``,
    else the nearest folder at or above ``start`` (default: the working folder) holding
    ``reanalyse.toml``.

    Raises
    ------
    ProjectNotFoundError
        When the folder named is not a project, or no folder at or above ``start`` is one; its
        one line says how to make one.
    """
    named = project if project is not None else os.environ.get(PROJECT_ENV) or None
    if named is not None:
        root = Path(named).expanduser().resolve()
        if not (root / PROJECT_FILE).is_file():
            raise _not_found(root, named=True)
        return root
    here = Path(start).resolve() if start is not None else Path.cwd().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise _not_found(here, named=False)


def find_project(start: str | Path | None = None, *,
                 project: str | Path | None = None) -> Path | None:
    """:func:`find_root`, or ``None`` where no project holds ``start`` (for commands that work
    without one and only let a project extend what is packaged)."""
    try:
        return find_root(start, project=project)
    except ProjectNotFoundError:
        if project is not None:
            raise
        return None


def resolve(path: str | Path, root: str | Path | None = None) -> Path:
    """``path`` made absolute against the project folder (absolute paths are kept)."""
    p = Path(path)
    if p.is_absolute():
        return p
    return (Path(root) if root is not None else find_root()) / p


def read_project(root: str | Path) -> Project:
    """Read and check ``root/reanalyse.toml`` (every problem named with file and key)."""
    root = Path(root)
    path = root / PROJECT_FILE
    label = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _not_found(root, named=True) from None
    except tomllib.TOMLDecodeError as err:
        raise DataValidationError.single(file=label, rule="toml", message=str(err)) from None
    problems: list[Problem] = []
    for key in sorted(set(raw) - {"project", "defaults"}):
        problems.append(Problem(file=label, rule="key", column=key, message=(
            "unknown table; reanalyse.toml holds [project] and [defaults.*]")))
    meta = raw.get("project", {})
    if not isinstance(meta, dict):
        problems.append(Problem(file=label, rule="table", column="project",
                                message="write [project] as a table"))
        meta = {}
    for key in sorted(set(meta) - {"name", "title"}):
        problems.append(Problem(file=label, rule="key", column=f"project.{key}",
                                message="unknown key; [project] holds name and title"))
    name = meta.get("name", root.name)
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(Problem(file=label, rule="name", column="project.name", message=(
            f"{name!r} is not a project name: a letter, then letters, digits, '_', '-', '.'")))
    title = meta.get("title", "")
    if not isinstance(title, str):
        problems.append(Problem(file=label, rule="type", column="project.title",
                                message="title is text"))
    defaults = raw.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.append(Problem(file=label, rule="table", column="defaults",
                                message="write [defaults.bayes] / [defaults.thresholds] tables"))
        defaults = {}
    for key, table in defaults.items():
        if key not in _DEFAULTS:
            problems.append(Problem(file=label, rule="key", column=f"defaults.{key}", message=(
                f"no packaged defaults file {key}.toml; use one of {', '.join(_DEFAULTS)}")))
        elif not isinstance(table, dict):
            problems.append(Problem(file=label, rule="table", column=f"defaults.{key}",
                                    message="write it as a table"))
    if problems:
        raise DataValidationError(problems)
    return Project(root=root.resolve(), name=str(name), title=str(title), defaults=defaults)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def defaults_mapping(filename: str, *, root: str | Path | None) -> tuple[dict[str, Any], str]:
    """The defaults file ``filename`` (``bayes.toml``, ``thresholds.toml``) as it applies to the
    project at ``root``, parsed, and a label naming where it came from (for error messages):
    the packaged file or the project's ``analyses/defaults/`` copy, with ``reanalyse.toml``'s
    ``[defaults.<stem>]`` merged over it (tables key by key, other values replaced)."""
    path = defaults_file(filename, root=root)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise DataValidationError.single(file=str(path), rule="toml", message=str(err)) from None
    label = str(path)
    if root is not None and (Path(root) / PROJECT_FILE).is_file():
        over = read_project(root).defaults.get(Path(filename).stem)
        if over:
            raw = _merged(raw, over)
            label = f"{path} with {Path(root) / PROJECT_FILE} [defaults.{Path(filename).stem}]"
    return raw, label


_TEMPLATE = """\
# A reanalyse project: one review. Every reanalyse command run in this folder (or below it)
# works on this project; elsewhere, name it with --project {folder}.
[project]
name = "{name}"
title = "{title}"

# Defaults that override the packaged ones, key by key (see `reanalyse priors list` for the
# prior ids), for example:
# [defaults.bayes.sampler]
# draws = 2000
"""

_README = """\
# {title}

A reanalyse project.

- `data/`: the study data, one tidy long CSV per review (`study`, `treatment`, `comparator`,
  `outcome`, arm or contrast columns, and `source` / `derivation` for every row).
- `analyses/`: one TOML specification per analysis (`analyses/nma/` for networks).
- `priors/`: this project's own priors (TOML, as the packaged registry); they extend it.
- `results/`: what `reanalyse run` writes (tables, DataTrees, figures, `report.html`).

Start from a RevMan file with `reanalyse revman REVIEW.rm5 --import NAME`, or write the CSV and
the specifications by hand; then `reanalyse reproduce` and `reanalyse run`.
"""


def init_project(*, path: str | Path, name: str | None = None, title: str = "") -> Project:
    """Make a project at ``path`` (created if absent): ``reanalyse.toml``, ``README.md`` and the
    folders ``data/``, ``analyses/``, ``priors/``, ``results/``.

    Raises
    ------
    DataValidationError
        When ``path`` already holds a project, is a file, or ``name`` is not a valid name;
        nothing is written then.
    """
    root = Path(path).expanduser()
    label = str(root)
    name = name if name is not None else root.resolve().name
    if root.exists() and not root.is_dir():
        raise DataValidationError.single(file=label, rule="project",
                                         message="exists and is not a folder")
    if (root / PROJECT_FILE).exists():
        raise DataValidationError.single(file=str(root / PROJECT_FILE), rule="project",
                                         message="this folder is already a reanalyse project")
    if not _NAME.match(name):
        raise DataValidationError.single(file=label, rule="name", message=(
            f"{name!r} is not a project name: a letter, then letters, digits, '_', '-', '.'; "
            "give one with --name"))
    if '"' in title or "\\" in title:
        raise DataValidationError.single(file=label, rule="title",
                                         message="a title holds no double quotes or backslashes")
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    shown = title or name
    if not (root / "README.md").exists():
        write_text(root / "README.md", _README.format(title=shown))
    write_text(root / PROJECT_FILE, _TEMPLATE.format(name=name, title=title, folder=label))
    return read_project(root)
