"""The rows an analysis pools: its data files, the chosen scenario, its outcome and arm pairs.

Shared by ``reproduce`` and the pipeline, so that both pool exactly the same rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reanalyse.analyses.root import find_root, resolve
from reanalyse.analyses.scenarios import file_version, read_rows, select_scenario
from reanalyse.analyses.spec import AnalysisSpec
from reanalyse.data import StudyTable, load_table
from reanalyse.data.table import row_kinds as table_row_kinds
from reanalyse.measures import BINARY_MEASURES

__all__ = ["AnalysisRows", "analysis_rows", "row_kinds"]


@dataclass(frozen=True)
class AnalysisRows:
    """The rows of one analysis in one scenario.

    ``frame`` holds the raw rows (text, with file and row provenance columns), relabelled to the
    analysis' one treatment/control pair; ``units`` names each pooled unit (a study, or
    ``Study (treatment vs control)`` when a spec pools several arm pairs); ``unusable`` says why
    any other rows could not enter.
    """

    spec: AnalysisSpec
    scenario: str
    frame: pd.DataFrame
    units: list[str]
    unusable: list[str]

    def table(self) -> StudyTable:
        """The rows as a validated study table."""
        return load_table(self.frame, name=f"{self.spec.id} [{self.scenario}]")


def analysis_rows(spec: AnalysisSpec, *, scenario: str = "sourced",
                  root: str | Path | None = None) -> AnalysisRows:
    """Read the spec's data files, apply the scenario, and pick the rows of its comparison."""
    base = Path(root) if root is not None else find_root()
    paths = [resolve(spec.data, base)]
    if scenario != "sourced" and spec.reconstruction_data:
        paths.append(resolve(spec.reconstruction_data, base))
    files = tuple((str(p), *file_version(p), str(p.relative_to(base)) if p.is_relative_to(base)
                   else str(p)) for p in paths)
    rows = _scenario_rows(files, scenario, spec.data)
    rows = rows[rows["outcome"] == spec.outcome]
    if spec.timepoint is not None:
        rows = rows[rows["timepoint"] == spec.timepoint]
    frame, units, unusable = _units(rows, spec)
    return AnalysisRows(spec=spec, scenario=scenario, frame=frame, units=units,
                        unusable=unusable)


def row_kinds(frame: pd.DataFrame) -> pd.Series:
    """The kind of each raw (text) row, by the rule of :func:`reanalyse.data.table.row_kinds`
    (a cell counts as filled when it holds any text)."""
    def filled(col: str) -> np.ndarray:
        if col not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        return (frame[col].astype(str).str.strip() != "").to_numpy()

    return pd.Series(table_row_kinds(filled), index=frame.index, dtype=object)


@functools.lru_cache(maxsize=64)
def _scenario_rows(files: tuple[tuple[str, int, int, str], ...], scenario: str,
                   name: str) -> pd.DataFrame:
    """The rows of the union of ``files`` that ``scenario`` may use, checked once per version of
    the files (every analysis of a review reads the same files). Callers must not modify it."""
    union = pd.concat([read_rows(path, name=label) for path, _, _, label in files],
                      ignore_index=True)
    rows = select_scenario(union, scenario, name=name)
    for col in ("timepoint", "comparator", "measure", "subgroup"):  # optional columns
        if col not in rows.columns:
            rows[col] = ""
    return rows


def _units(rows: pd.DataFrame, spec: AnalysisSpec) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows to pool, relabelled to one treatment/control pair, plus the pooled unit names and
    notes on rows that cannot enter this analysis."""
    wanted = "binary" if spec.measure in BINARY_MEASURES else "continuous"
    multi = len(spec.pairs) > 1
    kinds = row_kinds(rows).to_numpy()
    study = rows["study"].to_numpy(dtype=object)
    treatment = rows["treatment"].to_numpy(dtype=object)
    comparator = rows["comparator"].to_numpy(dtype=object)
    measure = rows["measure"].to_numpy(dtype=object)
    by_study: dict[object, list[int]] = {}
    for i, name in enumerate(study):
        by_study.setdefault(name, []).append(i)
    out: list[pd.DataFrame] = []
    units: list[str] = []
    unusable: list[str] = []
    for t, c in spec.pairs:
        for name, where in by_study.items():
            arms = [i for i in where if kinds[i] != "contrast"]
            a1 = [i for i in arms if treatment[i] == t]
            a2 = [i for i in arms if treatment[i] == c]
            con = [i for i in where if kinds[i] == "contrast"
                   and {treatment[i], comparator[i]} == {t, c} and treatment[i] != comparator[i]]
            unit = f"{name} ({t} vs {c})" if multi else str(name)
            # an arm row with no data at all is picked, so that the table's validation refuses
            # it by file, row and column rather than the analysis passing over it
            arm_ok = (len(a1) == 1 and len(a2) == 1
                      and wanted in {kinds[a1[0]], kinds[a2[0]]} <= {wanted, ""}) or (
                len(a1) == 1 and len(a2) == 1 and kinds[a1[0]] == kinds[a2[0]] == "")
            fits = [i for i in con if measure[i] in ("", spec.measure)]
            if arm_ok:
                picked = [a1[0], a2[0]]
            elif len(fits) == 1:
                picked = fits
            else:
                if a1 and a2:
                    unusable.append(f"{unit}: arm data are not {wanted}")
                elif con:
                    stated = ", ".join(sorted({str(measure[i]) for i in con}))
                    unusable.append(f"{unit}: only a {stated} contrast, not convertible to "
                                    f"{spec.measure} without further data")
                continue
            pick = rows.iloc[picked].copy()
            mapping = {t: spec.treatment, c: spec.control}
            pick["treatment"] = pick["treatment"].map(mapping)
            pick["comparator"] = pick["comparator"].map(lambda v, m=mapping: m.get(v, v))
            pick["study"] = unit
            pick["timepoint"] = spec.timepoint or ""
            out.append(pick)
            units.append(unit)
    frame = pd.concat(out, ignore_index=True) if out else rows.iloc[0:0].copy()
    return frame, units, unusable
