"""Reading, validating and caching the prior registry (``priors/*.toml``)."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import ValidationError

from reanalyse.errors import DataValidationError, Problem
from reanalyse.priors.effect import EffectPrior
from reanalyse.priors.location import priors_dir, project_priors_dir
from reanalyse.priors.scales import parse_analysis_scale, scale_matches
from reanalyse.priors.schema import RegistryEntry, entry_problems
from reanalyse.priors.tau import TauPrior

__all__ = ["Prior", "list_priors", "read_registry", "registry"]

Prior = TauPrior | EffectPrior

_TOP_LEVEL_KEY = "prior"


def _entry_label(index: int, raw: Any) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(ident, str) and ident:
        return f"entry '{ident}' (prior #{index})"
    return f"entry prior #{index}"


def _problems_from_validation(
    file: str, label: str, err: ValidationError
) -> list[Problem]:
    problems = []
    for item in err.errors():
        key = ".".join(str(part) for part in item["loc"]) or None
        if item["type"] == "extra_forbidden":
            rule, message = "unknown-key", f"unknown key '{key}'"
        elif item["type"] == "missing":
            rule, message = "missing-key", f"missing key '{key}'"
        else:
            rule, message = "invalid-value", f"'{key}': {item['msg']}"
        problems.append(
            Problem(file=file, rule=rule, message=f"{label}: {message}", column=key)
        )
    return problems


def _build_prior(entry: RegistryEntry) -> Prior:
    shared = {"id": entry.id, "family": entry.family, "params": entry.params,
              "scale": tuple(entry.scale), "citation": entry.citation,
              "rationale": entry.rationale, "source": entry.source, "status": entry.status,
              "units": entry.units, "notes": entry.notes, "subfield": entry.subfield,
              "paired_with": entry.paired_with}
    if entry.role == "tau":
        return TauPrior(**shared, stated_on=entry.parameter,  # type: ignore[arg-type]
                        outcome_type=entry.outcome_type, comparison=entry.comparison,
                        suggested_for=tuple(entry.suggested_for))
    return EffectPrior(**shared, kind=entry.kind)  # type: ignore[arg-type]


def _read_file(path: Path) -> tuple[list[tuple[str, Prior]], list[Problem]]:
    file = str(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        return [], [Problem(file=file, rule="toml-syntax", message=str(err))]
    problems: list[Problem] = []
    for key in document:
        if key != _TOP_LEVEL_KEY:
            problems.append(
                Problem(file=file, rule="unknown-key",
                        message=f"unknown top-level key '{key}'; a registry file holds only "
                                "[[prior]] tables", column=key)
            )
    entries = document.get(_TOP_LEVEL_KEY, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(Problem(file=file, rule="not-array-of-tables",
                                message="'prior' must be an array of tables ([[prior]])",
                                column=_TOP_LEVEL_KEY))
        return [], problems
    if not entries:
        problems.append(Problem(file=file, rule="empty-file", message="no [[prior]] entries"))
    found: list[tuple[str, Prior]] = []
    for index, raw in enumerate(entries, start=1):
        label = _entry_label(index, raw)
        try:
            entry = RegistryEntry.model_validate(raw)
        except ValidationError as err:
            problems.extend(_problems_from_validation(file, label, err))
            continue
        semantic = entry_problems(entry)
        if semantic:
            problems.extend(
                Problem(file=file, rule=rule, message=f"{label}: {message}", column=key)
                for rule, key, message in semantic
            )
            continue
        found.append((file, _build_prior(entry)))
    return found, problems


def read_registry(directory: Path | str) -> Mapping[str, Prior]:
    """Read and validate every ``*.toml`` file of a registry folder (no caching).

    Parameters
    ----------
    directory
        The folder (``priors/``).

    Returns
    -------
    Mapping[str, TauPrior | EffectPrior]
        Read-only, by id, in file-name order then entry order.

    Raises
    ------
    reanalyse.errors.DataValidationError
        With every problem found, each naming the file and the entry.
    """
    folder = Path(directory)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise DataValidationError.single(
            file=str(folder), rule="no-registry-files", message="no *.toml files in the folder"
        )
    problems: list[Problem] = []
    by_id: dict[str, Prior] = {}
    file_of: dict[str, str] = {}
    for path in files:
        found, file_problems = _read_file(path)
        problems.extend(file_problems)
        for file, prior in found:
            if prior.id in by_id:
                problems.append(
                    Problem(
                        file=file,
                        rule="duplicate-id",
                        column="id",
                        message=f"entry '{prior.id}': id already defined in {file_of[prior.id]}",
                    )
                )
                continue
            by_id[prior.id] = prior
            file_of[prior.id] = file
    for ident, prior in by_id.items():
        partner = prior.paired_with
        if partner is not None and partner not in by_id:
            problems.append(
                Problem(file=file_of[ident], rule="paired-with", column="paired_with",
                        message=f"entry '{ident}': paired_with '{partner}' is not a registry id")
            )
    if problems:
        raise DataValidationError(problems)
    return MappingProxyType(by_id)


@functools.lru_cache(maxsize=8)
def _cached_registry(directory: str) -> Mapping[str, Prior]:
    return read_registry(directory)


def registry(*, root: str | Path | None = None) -> Mapping[str, Prior]:
    """The validated registry from :func:`reanalyse.priors.priors_dir`, extended by the
    project's own ``priors/*.toml`` when ``root`` (a project folder) has them; each folder is
    read once.

    Returns
    -------
    Mapping[str, TauPrior | EffectPrior]
        Read-only, by id.

    Raises
    ------
    reanalyse.errors.DataValidationError
        When a project entry reuses a packaged id (every clash named, with its file).
    """
    packaged = _cached_registry(str(priors_dir()))
    own = project_priors_dir(root)
    if own is None:
        return packaged
    return _extended(str(priors_dir()), str(own), _version(own))


def _version(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """The folder's entries as they are now (a project edits its own; the cache must see it)."""
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                 for p in sorted(folder.glob("*.toml")))


@functools.lru_cache(maxsize=8)
def _extended(packaged_dir: str, project_dir: str,
              version: tuple[tuple[str, int, int], ...]) -> Mapping[str, Prior]:
    packaged, own = _cached_registry(packaged_dir), read_registry(project_dir)
    clashes = [Problem(file=str(Path(project_dir) / "*.toml"), rule="duplicate-id", column="id",
                       message=f"entry '{ident}': id already defined in the packaged registry "
                       f"({packaged_dir}); choose another id")
               for ident in own if ident in packaged]
    if clashes:
        raise DataValidationError(clashes)
    return MappingProxyType({**packaged, **own})


def list_priors(
    *,
    role: Literal["tau", "effect"] | None = None,
    scale: str | None = None,
    root: str | Path | None = None,
) -> list[Prior]:
    """Registry entries, optionally only one role and only those suiting an analysis scale.

    Parameters
    ----------
    role
        ``"tau"`` or ``"effect"``; all when ``None``.
    scale
        An analysis scale (see :func:`reanalyse.priors.scales.parse_analysis_scale`); keeps the
        priors built for it or for ``any``. ``"any"`` keeps only the generic priors.
    root
        A project folder whose own ``priors/`` extend the registry.

    Returns
    -------
    list of TauPrior | EffectPrior
    """
    if role not in (None, "tau", "effect"):
        raise ValueError(f"role must be 'tau' or 'effect', got {role!r}")
    priors = list(registry(root=root).values())
    if role is not None:
        priors = [p for p in priors if p.role == role]
    if scale is not None:
        if scale.strip().lower() == "any":
            priors = [p for p in priors if "any" in p.scale]
        else:
            requested = parse_analysis_scale(scale)
            priors = [p for p in priors if scale_matches(p.scale, requested)]
    return priors
