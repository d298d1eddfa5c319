"""Data scenarios: which provenance labels an analysis may use.

Every outcome row carries ``source`` and ``derivation``; the derivation starts with a label:
``reported``, ``derived`` (formula given), ``imputed`` (assumption given) or ``back-solved`` (from a
published pooled result). Two scenarios:

- ``sourced`` (the default): reported and derived rows only.
- ``reconstruction``: adds imputed and back-solved rows, to show how closely published pooled results
  can be approached. A non-sourced row replaces any sourced row with the same study, treatment,
  comparator, outcome, timepoint and subgroup.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from reanalyse.data.table import SOURCE_FILE, SOURCE_ROW
from reanalyse.errors import DataValidationError, Problem

__all__ = [
    "LABELS",
    "SCENARIOS",
    "SOURCED_LABELS",
    "Scenario",
    "derivation_label",
    "provenance_problems",
    "read_rows",
    "scenario_rows",
    "select_scenario",
]

Scenario = Literal["sourced", "reconstruction"]
SCENARIOS: tuple[str, ...] = ("sourced", "reconstruction")
LABELS: tuple[str, ...] = ("reported", "derived", "imputed", "back-solved")
SOURCED_LABELS: frozenset[str] = frozenset({"reported", "derived"})
_KEY = ("study", "treatment", "comparator", "outcome", "timepoint", "subgroup")
#: Bookkeeping columns added by :func:`read_rows` so that problems name the file and row.
FILE, ROW = SOURCE_FILE, SOURCE_ROW


def derivation_label(text: object) -> str:
    """The label of a ``derivation`` cell: the text before the first colon, stripped."""
    return str(text if text is not None else "").split(":", 1)[0].strip()


def read_rows(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """Read an outcome CSV as text cells, remembering the file and spreadsheet row of each row."""
    path = Path(path)
    label = name or str(path)
    if not path.is_file():
        raise DataValidationError.single(file=label, rule="file", message="file not found")
    # every analysis of a review reads the same file: parse it once per version of the file
    return _read_rows_cached(str(path.resolve()), *file_version(path), label).copy()


def file_version(path: Path) -> tuple[int, int]:
    """``(mtime_ns, size)`` of a file, what the caches of its rows are keyed on (``(-1, -1)``
    for a file that cannot be read; reading it then names the problem)."""
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _read_rows_cached(path: str, mtime_ns: int, size: int, label: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[FILE] = label
    frame[ROW] = range(2, len(frame) + 2)
    return frame


def provenance_problems(frame: pd.DataFrame, *, name: str = "<table>") -> list[Problem]:
    """One problem per row without a source, or without a derivation with a valid label."""
    problems: list[Problem] = []
    for col in ("source", "derivation"):
        if col not in frame.columns:
            problems.append(Problem(file=name, rule="missing column", column=col,
                                    message=f"every row needs '{col}'"))
    if problems:
        return problems
    # the checks run on whole columns; problems are then listed row by row, as a reader scans
    files = (frame[FILE].astype(str).to_numpy() if FILE in frame.columns
             else np.full(len(frame), name, dtype=object))
    rows = (frame[ROW].astype(int).to_numpy() if ROW in frame.columns
            else np.arange(2, len(frame) + 2))
    source = frame["source"].astype(str).str.strip()
    derivation = frame["derivation"].astype(str)
    label = derivation.map(derivation_label)
    no_source = (source == "").to_numpy()
    bad_label = (~label.isin(LABELS)).to_numpy()
    no_details = (~bad_label & (label != "reported").to_numpy()
                  & ~derivation.str.contains(":", regex=False).to_numpy())
    for i in np.flatnonzero(no_source | bad_label | no_details):
        file, where = str(files[i]), int(rows[i])
        if no_source[i]:
            problems.append(Problem(file=file, row=where, column="source", rule="no source",
                                    message="the row names no source"))
        if bad_label[i]:
            problems.append(Problem(
                file=file, row=where, column="derivation", rule="derivation label",
                message=f"derivation must start with one of {', '.join(LABELS)}, got "
                f"'{derivation.iloc[i][:40]}'"))
        elif no_details[i]:
            problems.append(Problem(
                file=file, row=where, column="derivation", rule="derivation details",
                message=f"a '{label.iloc[i]}' row must say how after a colon (formula, "
                "assumption or the published result it was solved from)"))
    return problems


def select_scenario(frame: pd.DataFrame, scenario: str = "sourced", *,
                    name: str = "<table>") -> pd.DataFrame:
    """The rows of ``frame`` that ``scenario`` may use.

    Parameters
    ----------
    frame
        Outcome rows (any mix of labels) with ``source`` and ``derivation`` columns.
    scenario
        ``sourced`` keeps reported and derived rows; ``reconstruction`` keeps every row, a
        non-sourced row replacing sourced rows with the same key.

    Returns
    -------
    pandas.DataFrame
        The selected rows (index reset), with ``attrs["scenario"]`` set.

    Raises
    ------
    DataValidationError
        For an unknown scenario, or rows lacking a source or a valid derivation label.
    """
    if scenario not in SCENARIOS:
        raise DataValidationError.single(
            file=name, rule="scenario",
            message=f"scenario must be one of {', '.join(SCENARIOS)}, got '{scenario}'")
    problems = provenance_problems(frame, name=name)
    if problems:
        raise DataValidationError(problems)
    labels = frame["derivation"].map(derivation_label)
    sourced = labels.isin(SOURCED_LABELS)
    if scenario == "sourced":
        out = frame.loc[sourced]
    else:
        key = [c for c in _KEY if c in frame.columns]
        stripped = pd.DataFrame({c: frame[c].astype(str).str.strip() for c in key})
        keys = pd.MultiIndex.from_frame(stripped)
        replaced = keys[~sourced.to_numpy()]
        out = frame.loc[~(sourced.to_numpy() & keys.isin(replaced))]
    out = out.reset_index(drop=True)
    out.attrs["scenario"] = scenario
    return out


def scenario_rows(paths: Iterable[str | Path], scenario: str = "sourced") -> pd.DataFrame:
    """Read several outcome files and select the rows of ``scenario`` from their union."""
    frames = [read_rows(p) for p in paths]
    union = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return select_scenario(union, scenario, name=", ".join(str(p) for p in paths))
