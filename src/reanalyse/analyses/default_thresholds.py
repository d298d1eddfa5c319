"""Generic clinically meaningful thresholds by measure, from the packaged ``thresholds.toml``
(or a project's own ``analyses/defaults/thresholds.toml``).

``reanalyse revman --import`` writes them into each imported specification, so that an imported
review has P(clinically meaningful benefit) and the skeptical and enthusiastic priors from the
start. Ratios (RR, OR) list both sides (``value``); the side of benefit follows from the
outcome's direction. An SMD ``magnitude`` is signed here so that it lies on the benefit side. MD
and RD have none: an MD is in the outcome's own units. The file is validated with every problem
named (file, table, key) at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reanalyse.analyses.spec import Threshold
from reanalyse.errors import DataValidationError, Problem
from reanalyse.project import defaults_mapping

__all__ = ["DEFAULTS_NAME", "generic_thresholds"]

#: The generic thresholds file: packaged, or the project's own ``analyses/defaults/`` copy.
DEFAULTS_NAME = "thresholds.toml"


class _Ratio(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float = Field(gt=0)
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)


class _Standardised(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    magnitude: float = Field(gt=0)
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)


_SCHEMA: dict[str, type[BaseModel]] = {"RR": _Ratio, "OR": _Ratio, "SMD": _Standardised}


def _load(raw: dict[str, Any], *, label: str) -> dict[str, list[Any]]:
    problems: list[Problem] = []
    out: dict[str, list[Any]] = {}
    for key, entries in raw.items():
        if key not in _SCHEMA:
            problems.append(Problem(file=label, rule="measure", column=key, message=(
                f"'{key}' has no generic thresholds; use one of {', '.join(_SCHEMA)}")))
            continue
        if not isinstance(entries, list):
            problems.append(Problem(file=label, rule="table", column=key,
                                    message=f"write [[{key}]] tables, one per threshold"))
            continue
        parsed = []
        for i, entry in enumerate(entries, start=1):
            try:
                parsed.append(_SCHEMA[key].model_validate(entry))
            except ValidationError as err:
                problems += [Problem(file=label, rule=str(e["type"]), row=i,
                                     column=f"{key}.{'.'.join(map(str, e['loc']))}",
                                     message=e["msg"]) for e in err.errors()]
        out[key] = parsed
    if problems:
        raise DataValidationError(problems)
    return out


def generic_thresholds(*, root: str | Path, measure: str,
                       higher_is_better: bool) -> list[Threshold]:
    """The generic thresholds for ``measure`` (empty when there are none), ready for a
    specification's ``[[thresholds]]``: from the project's ``analyses/defaults/thresholds.toml``
    when it has one, else the packaged file, with ``reanalyse.toml``'s ``[defaults.thresholds]``
    replacing the measures it names."""
    raw, label = defaults_mapping(DEFAULTS_NAME, root=root)
    entries = _load(raw, label=label).get(measure, [])
    out = []
    for entry in entries:
        if isinstance(entry, _Standardised):
            value = entry.magnitude if higher_is_better else -entry.magnitude
        else:
            value = entry.value
        out.append(Threshold(value=value, label=entry.label, source=entry.source,
                             provisional=False))
    return out
