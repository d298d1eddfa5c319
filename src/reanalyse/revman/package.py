"""Read a Cochrane (RevMan Web) data package, a zip or an unpacked folder, into a :class:`Review`.

The same model as the ``.rm5`` reader (:mod:`reanalyse.revman.reader`), so recomputation and
import work on either. :func:`read_review` is the one place that dispatches by what a path is:
a folder or a ``.zip`` is a data package, anything else a RevMan 5 file.

Layouts (Cochrane's "Data package specification", versions 1 and 2; the fixtures in
``../shared/fixtures/cochrane-data-package``):

* version 1 (packages made until 23 September 2024): an inner ``<CD>-data.zip`` holding
  ``<CD>-analysis-data/`` (``data-rows.csv``, ``overall-estimates-and-settings.csv``,
  ``subgroup-estimates.csv``, each prefixed ``<CD>-``) and ``<CD>-study-data/``;
* version 2 (2.x): the same three CSVs with more columns, ``<CD>-analysis-data.json`` and
  ``<CD>-study-data/`` (``study-data.json`` with each outcome's direction).

Files are found by the end of their names anywhere in the package (inner zips are opened), so
both layouts, and the CSVs alone in a folder, read the same way. The CSVs are the source; the
JSON adds what they lack: settings columns a 2.x package leaves out (heterogeneity estimator, CI
method, prediction interval, CI level, graph labels) and the direction of benefit.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reanalyse.errors import DataValidationError
from reanalyse.revman._package_csv import (
    _REQUIRED_OVERALL,
    _REQUIRED_ROWS,
    PackageTables,
    build_comparisons,
    read_csv_table,
)
from reanalyse.revman.model import Review

__all__ = ["is_package", "read_package", "read_review"]

_OVERALL = "overall-estimates-and-settings.csv"
_ROWS = "data-rows.csv"
_SUBGROUPS = "subgroup-estimates.csv"
_ANALYSIS_JSON = "analysis-data.json"
_STUDY_JSON = "study-data.json"
_WANTED = (_OVERALL, _ROWS, _SUBGROUPS, _ANALYSIS_JSON, _STUDY_JSON)


def is_package(path: str | Path) -> bool:
    """A folder or a ``.zip`` file: read as a Cochrane data package."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() == ".zip"


def read_review(path: str | Path) -> Review:
    """A data package (folder or ``.zip``) or a RevMan 5 ``.rm5`` file, by what ``path`` is."""
    if is_package(path):
        return read_package(path)
    from reanalyse.revman.reader import read_rm5

    return read_rm5(path)


def _name_matches(name: str, end: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base == end or base.endswith("-" + end)


def _collect_zip(data: bytes, where: str, found: dict[str, tuple[str, bytes]]) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataValidationError.single(file=where, rule="not-a-zip",
                                         message="not a zip archive") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or "__MACOSX/" in info.filename:
                continue
            name = info.filename
            if name.lower().endswith(".zip"):
                _collect_zip(archive.read(info), f"{where}!{name}", found)
                continue
            for end in _WANTED:
                if _name_matches(name, end) and end not in found:
                    found[end] = (f"{where}!{name}", archive.read(info))


def _collect(path: Path) -> dict[str, tuple[str, bytes]]:
    """File kind -> (where, bytes) for the package's files."""
    found: dict[str, tuple[str, bytes]] = {}
    try:
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if not f.is_file():
                    continue
                if f.suffix.lower() == ".zip":
                    _collect_zip(f.read_bytes(), str(f), found)
                    continue
                for end in _WANTED:
                    if _name_matches(f.name, end) and end not in found:
                        found[end] = (str(f), f.read_bytes())
        else:
            _collect_zip(path.read_bytes(), str(path), found)
    except OSError as exc:
        raise DataValidationError.single(file=str(path), rule="unreadable-file",
                                         message=f"cannot read: {exc.strerror or exc}") from None
    return found


def _json(found: dict[str, tuple[str, bytes]], kind: str) -> tuple[str, Any] | None:
    if kind not in found:
        return None
    where, data = found[kind]
    try:
        return where, json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataValidationError.single(file=where, rule="malformed-json",
                                         message=f"not valid JSON: {exc}") from None


def _json_analyses(doc: Any) -> dict[tuple[int, int], Mapping[str, Any]]:
    out: dict[tuple[int, int], Mapping[str, Any]] = {}
    groups = doc.get("analysis-groups", []) if isinstance(doc, Mapping) else []
    for g in groups if isinstance(groups, list) else []:
        for a in g.get("analyses", []) if isinstance(g, Mapping) else []:
            if isinstance(a, Mapping) and isinstance(g.get("number"), int) \
                    and isinstance(a.get("number"), int):
                out[(g["number"], a["number"])] = a
    return out


def _directions(doc: Any) -> dict[str, bool]:
    """Review-level outcome name -> higher_is_better (POSITIVE: True, NEGATIVE: False)."""
    concepts = doc.get("review-level-concepts", {}) if isinstance(doc, Mapping) else {}
    outcomes = concepts.get("outcomes", []) if isinstance(concepts, Mapping) else []
    out: dict[str, bool] = {}
    for o in outcomes if isinstance(outcomes, list) else []:
        if isinstance(o, Mapping) and isinstance(o.get("name"), str):
            direction = str(o.get("direction", "")).upper()
            if direction in ("POSITIVE", "NEGATIVE"):
                out[o["name"]] = direction == "POSITIVE"
    return out


def read_package(path: str | Path) -> Review:
    """Read a Cochrane data package (version 1 or 2.x, zipped or unpacked).

    Raises :class:`DataValidationError` naming the file and what is wrong when the path is not a
    zip, holds no analysis CSVs, lacks a required CSV or column, or holds values that cannot be
    read (each problem with file, row and column).
    """
    p = Path(path)
    found = _collect(p)
    missing = [kind for kind in (_OVERALL, _ROWS) if kind not in found]
    if missing:
        raise DataValidationError.single(
            file=str(p), rule="not-a-data-package",
            message="no " + " and no ".join(f"'<CD>-{m}'" for m in missing)
            + " found: not a Cochrane data package (or an incomplete one)")
    overall_file, overall_bytes = found[_OVERALL]
    rows_file, rows_bytes = found[_ROWS]
    overall = read_csv_table(overall_bytes, file=overall_file, required=_REQUIRED_OVERALL)
    rows = read_csv_table(rows_bytes, file=rows_file, required=_REQUIRED_ROWS)
    subgroups, subgroups_file = None, ""
    if _SUBGROUPS in found:
        subgroups_file, sub_bytes = found[_SUBGROUPS]
        subgroups = read_csv_table(sub_bytes, file=subgroups_file,
                                   required=("Analysis group", "Analysis number"))
    analysis_json = _json(found, _ANALYSIS_JSON)
    study_json = _json(found, _STUDY_JSON)
    tables = PackageTables(
        overall=overall, rows=rows, subgroups=subgroups, overall_file=overall_file,
        rows_file=rows_file, subgroups_file=subgroups_file,
        json_analyses=_json_analyses(analysis_json[1]) if analysis_json else {},
        directions=_directions(study_json[1]) if study_json else {})
    comparisons = build_comparisons(tables)
    version = "data package 2" if ("Heterogeneity estimator" in overall.columns
                                   or analysis_json is not None) else "data package 1"
    studies = {r.study_id: r.study for o in (x for c in comparisons for x in c.outcomes)
               for _, r in o.iter_rows()}
    # Version 1 prints every number rounded to 6 decimal places (fleiss1993-v1.zip: "0.896866",
    # "0.00101" with the trailing zero dropped); 2.x prints them in full.
    return Review(title=p.stem if p.is_file() else p.name, doi=None, revman_version=version,
                  comparisons=comparisons, studies=studies,
                  printed_decimals=6 if version == "data package 1" else None)
