"""The three analysis CSVs of a Cochrane data package, mapped onto :mod:`reanalyse.revman.model`.

Column names are those of the real packages (version 1: the Fleiss 1993 teaching package of R
*meta*; version 2.3: CD016297, ``../shared/fixtures/cochrane-data-package``). Only the columns a
file has are read: 2.x packages differ (some lack ``Sort studies by`` and the ``Graph ...``
columns). Cells are text: empty and ``#N/A`` are missing, ``true``/``false`` are booleans,
``95%`` is a level of 0.95, and any other text in a number column (``[Not identical]``) is
treated as missing in the columns that are RevMan's own output and as a problem in the columns
that are data.

Rules this module applies (each from the fixtures):

* RevMan writes 0 for every number it did not compute (Fleiss 1993 analysis 1.2, an SMD whose
  results the RevMan 5 file leaves empty, has Mean 0, CI 0 to 0 in the package). A stored
  interval of zero width (CI start == CI end) is therefore "not computed": the estimate, its
  interval, the weight and the test statistics are kept as None, as the ``.rm5`` reader keeps
  the empty attributes.
* Version 1 rows carry 0.0 in the columns of the other data types (GIV Mean on a dichotomous
  row); only the columns of the analysis' data type are read.
* ``GIV Mean``/``GIV SE`` (contrast-level data) are on the log scale for ratio measures, while
  ``Mean`` and the CI are natural; such outcomes get ``log_data=True`` and the row's ``estimate``
  is the antilog of ``GIV Mean`` (the natural scale, as a ``.rm5`` file's ``EFFECT_SIZE``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reanalyse.errors import DataValidationError, Problem
from reanalyse.revman.model import (
    AnalysisSettings,
    Comparison,
    DataType,
    Outcome,
    StoredPooled,
    StoredStudy,
    StudyRow,
    Subgroup,
    SubgroupTest,
)

__all__ = ["PackageTables", "build_comparisons", "read_csv_table"]

_DATA_TYPES: dict[str, DataType] = {
    "dichotomous": "dichotomous",
    "continuous": "continuous",
    "contrast level": "generic_iv",
    "generic inverse variance": "generic_iv",
    "o-e and variance": "o_e_variance",
    "o-e": "o_e_variance",
}
# RevMan's names of the dichotomous and continuous measures -> the codes the .rm5 reader keeps.
_MEASURE_CODES = {
    "risk ratio": "RR", "odds ratio": "OR", "risk difference": "RD", "peto odds ratio": "PETO_OR",
    "mean difference": "MD", "std. mean difference": "SMD",
    "standardized mean difference": "SMD", "standardised mean difference": "SMD",
}
_RATIO_CODES = {"RR", "OR", "PETO_OR", "HR", "RoGM"}
_METHODS = {"mh": "MH", "iv": "IV", "peto": "PETO", "inverse variance": "IV",
            "mantel-haenszel": "MH"}
_MISSING = {"", "#n/a", "na", "nan"}

_REQUIRED_OVERALL = ("Analysis group", "Analysis number", "Analysis name", "Data type",
                     "Effect measure", "Statistical method", "Analysis model")
_REQUIRED_ROWS = ("Analysis group", "Analysis number", "Study")


def read_csv_table(data: bytes, *, file: str, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV as text cells (UTF-8 with or without BOM); a problem if a required column is absent."""
    try:
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str,
                            keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError.single(file=file, rule="unreadable-csv",
                                         message=f"cannot read the CSV: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError([Problem(file=file, rule="missing-column", column=c,
                                           message=f"the package's CSV has no column {c!r}")
                                   for c in missing])
    return frame


@dataclass
class PackageTables:
    """The three CSVs (file names for messages) and the JSON extras keyed by (group, number)."""

    overall: pd.DataFrame
    rows: pd.DataFrame
    subgroups: pd.DataFrame | None
    overall_file: str
    rows_file: str
    subgroups_file: str
    json_analyses: Mapping[tuple[int, int], Mapping[str, Any]] = field(default_factory=dict)
    directions: Mapping[str, bool] = field(default_factory=dict)


class _Cells:
    """Reads the cells of one CSV row, collecting problems with file, row and column."""

    def __init__(self, problems: list[Problem], file: str, record: Mapping[str, str],
                 line: int) -> None:
        self.problems, self.file, self.record, self.line = problems, file, record, line

    def text(self, column: str) -> str | None:
        value = self.record.get(column)
        if value is None or value.strip().lower() in _MISSING:
            return None
        return value.strip()

    def problem(self, column: str, rule: str, message: str) -> None:
        self.problems.append(Problem(file=self.file, row=self.line, column=column, rule=rule,
                                     message=message))

    def number(self, column: str, *, data: bool = False) -> float | None:
        """A float; text RevMan prints in place of a number is missing (output) or a problem
        (``data=True``)."""
        value = self.text(column)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            if data:
                self.problem(column, "not-a-number", f"{value!r} is not a number")
            return None

    def integer(self, column: str, *, data: bool = True) -> int | None:
        x = self.number(column, data=data)
        if x is None:
            return None
        if not math.isfinite(x) or x != int(x) or x < 0:
            self.problem(column, "not-a-count", f"{self.record.get(column)!r} is not a count")
            return None
        return int(x)

    def flag(self, column: str, default: bool) -> bool:
        value = self.text(column)
        if value is None:
            return default
        low = value.lower()
        if low in ("true", "yes"):
            return True
        if low in ("false", "no"):
            return False
        self.problem(column, "not-a-boolean", f"{value!r} is not true or false")
        return default

    def level(self, column: str) -> float | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            x = float(value.rstrip("%")) / (100.0 if value.endswith("%") else 1.0)
        except ValueError:
            x = math.nan
        if not 0 < x < 1:
            self.problem(column, "invalid-level", f"{value!r} is not a confidence level")
            return None
        return x


def _key(c: _Cells) -> tuple[int, int] | None:
    g, n = c.integer("Analysis group"), c.integer("Analysis number")
    return None if g is None or n is None else (g, n)


def _stored_pooled(c: _Cells) -> StoredPooled:
    num = c.number
    computed = not (num("CI start") is not None and num("CI start") == num("CI end"))
    out = (lambda col: num(col)) if computed else (lambda col: None)
    return StoredPooled(
        effect_size=out("Mean"), ci_start=out("CI start"), ci_end=out("CI end"),
        tau2=out("Heterogeneity Tau²"), i2=out("Heterogeneity I²"), chi2=out("Heterogeneity Chi²"),
        df=num("Heterogeneity df"), p_chi2=out("Heterogeneity P"), z=out("Effect Z"),
        p_z=out("Effect P"), q=out("Subgroup Chi²"), p_q=out("Subgroup P"),
        i2_q=out("Subgroup I²"), total_1=num("Experimental N"), total_2=num("Control N"),
        events_1=num("Experimental cases"), events_2=num("Control cases"),
        weight=out("Weight"), t=out("Effect T"), pi_start=out("PI start"),
        pi_end=out("PI end"), tau2_ci_start=out("Tau² CI start"),
        tau2_ci_end=out("Tau² CI end"))


def _settings(c: _Cells, extra: Mapping[str, Any], data_type: DataType,
              has_subgroups: bool) -> AnalysisSettings:
    name = c.text("Effect measure") or ""
    code = _MEASURE_CODES.get(name.lower())
    if data_type in ("dichotomous", "continuous"):
        if code is None:
            c.problem("Effect measure", "measure-data-type",
                      f"effect measure {name!r} is not one RevMan offers for {data_type} data")
        measure = code or name
    else:
        measure = name  # free text, as in a .rm5 file (AnalysisSettings.effect_measure_code)
    method_text = c.text("Statistical method") or ""
    method = _METHODS.get(method_text.lower())
    if method is None:
        c.problem("Statistical method", "invalid-value", f"unknown method {method_text!r}")
        method = method_text
    model = (c.text("Analysis model") or "").lower()
    if not model.startswith(("random", "fixed")):
        c.problem("Analysis model", "invalid-value", f"unknown model {c.text('Analysis model')!r}")
    level_total = c.level("Estimate CI") or c.level("CI/PI level") or _json_level(extra)
    level_study = c.level("Study CI") or level_total
    overall = c.flag("Overall estimates", True)
    sub_est = c.flag("Subgroup estimates", True)
    ratio = (AnalysisSettings(effect_measure=name, method="IV", random=False, ci_study=0.95,
                              ci_total=0.95, swap_events=False, totals="YES", subgroups=False,
                              subgroup_test=False).effect_measure_code in _RATIO_CODES)
    tau2 = c.text("Heterogeneity estimator") or extra.get("heterogeneity-estimator") or "DL"
    ci_method = c.text("CI method") or extra.get("ci-method") or "Wald"
    pi = c.flag("Prediction interval", bool(extra.get("pi-enabled", False)))
    return AnalysisSettings(
        effect_measure=measure, method=method, random=model.startswith("random"),
        ci_study=level_study or 0.95, ci_total=level_total or 0.95,
        swap_events=c.flag("Swap event and non-event", False),
        totals="YES" if overall else ("SUB" if sub_est else "NO"),
        subgroups=has_subgroups, subgroup_test=c.flag("Test for subgroup differences", True),
        log_data=(ratio or c.flag("Log-scale data", False)) if data_type == "generic_iv" else None,
        tau2_method=str(tau2).upper(), ci_method="HKSJ" if str(ci_method).upper() == "HKSJ"
        else "Wald", prediction_interval=pi)


def _json_level(extra: Mapping[str, Any]) -> float | None:
    level = extra.get("ci-level")
    return float(level) if isinstance(level, (int, float)) else None


def _study_row(c: _Cells, data_type: DataType, *, log_data: bool | None = None) -> StudyRow:
    num = c.number
    values: dict[str, Any] = {}
    if data_type == "dichotomous":
        values = {"events_1": c.integer("Experimental cases"), "total_1": c.integer("Experimental N"),
                  "events_2": c.integer("Control cases"), "total_2": c.integer("Control N")}
        for arm, e, n in (("Experimental", "events_1", "total_1"), ("Control", "events_2",
                                                                    "total_2")):
            if values[e] is not None and values[n] is not None and values[e] > values[n]:
                c.problem(f"{arm} cases", "events-exceed-total",
                          f"{values[e]} events exceed {values[n]} participants")
    elif data_type == "continuous":
        values = {"mean_1": num("Experimental mean", data=True),
                  "sd_1": num("Experimental SD", data=True),
                  "total_1": c.integer("Experimental N"),
                  "mean_2": num("Control mean", data=True), "sd_2": num("Control SD", data=True),
                  "total_2": c.integer("Control N")}
    elif data_type == "generic_iv":
        # GIV Mean is the log of a ratio; the row keeps the ratio, as a .rm5 file's EFFECT_SIZE
        estimate = num("GIV Mean", data=True)
        if log_data and estimate is not None:
            estimate = math.exp(estimate)
        values = {"estimate": estimate, "se": num("GIV SE", data=True),
                  "total_1": c.integer("Experimental N"), "total_2": c.integer("Control N")}
    else:
        values = {"o_e": num("O-E", data=True), "var": num("Variance", data=True),
                  "total_1": c.integer("Experimental N"), "total_2": c.integer("Control N")}
    computed = not (num("CI start") is not None and num("CI start") == num("CI end"))
    stored = StoredStudy(
        effect_size=num("Mean") if computed else None,
        ci_start=num("CI start") if computed else None,
        ci_end=num("CI end") if computed else None,
        weight=num("Weight") if computed else None,
        se=values.get("se"), o_e=values.get("o_e"), var=values.get("var"))
    study = c.text("Study") or ""
    return StudyRow(study_id=study, study=study, stored=stored, line=c.line,
                    risk_of_bias=_risk_of_bias(c), **values)


_JUDGEMENT = " (judgement)"


def _risk_of_bias(c: _Cells) -> tuple[tuple[str, str], ...]:
    """The row's RoB 2 judgements (the data rows' "<domain> (judgement)" columns of a 2.x
    package), as RevMan Web wrote them ("Low risk", "Some concerns", "High risk")."""
    return tuple((column.removesuffix(_JUDGEMENT), value) for column in c.record
                 if column.endswith(_JUDGEMENT) and (value := c.text(column) or ""))


def build_comparisons(t: PackageTables) -> tuple[Comparison, ...]:
    """Comparisons (analysis groups) with their outcomes (analyses), in the overall CSV's order."""
    problems: list[Problem] = []
    rows_by: dict[tuple[int, int], list[_Cells]] = {}
    for i, rec in enumerate(t.rows.to_dict("records")):
        c = _Cells(problems, t.rows_file, rec, i + 2)
        key = _key(c)
        if key is not None:
            rows_by.setdefault(key, []).append(c)
    subs_by: dict[tuple[int, int], list[_Cells]] = {}
    if t.subgroups is not None:
        for i, rec in enumerate(t.subgroups.to_dict("records")):
            c = _Cells(problems, t.subgroups_file, rec, i + 2)
            key = _key(c)
            if key is not None:
                subs_by.setdefault(key, []).append(c)

    groups: dict[int, tuple[str, list[Outcome]]] = {}
    for i, rec in enumerate(t.overall.to_dict("records")):
        c = _Cells(problems, t.overall_file, rec, i + 2)
        key = _key(c)
        if key is None:
            continue
        outcome = _outcome(c, key, rows_by.get(key, []), subs_by.get(key, []), t)
        if outcome is None:
            continue
        name = c.text("Analysis group name") or ""
        groups.setdefault(key[0], (name, []))[1].append(outcome)
    known = {(o.comparison_no, o.outcome_no) for _, outs in groups.values() for o in outs}
    for (g, n), cells in rows_by.items():
        if (g, n) not in known:
            problems.append(Problem(file=t.rows_file, row=cells[0].line, column="Analysis number",
                                    rule="unknown-analysis",
                                    message=f"analysis {g}.{n} is not in {t.overall_file}"))
    if problems:
        raise DataValidationError(problems)
    return tuple(Comparison(no=g, id=f"group:{g}", name=name, outcomes=tuple(outs))
                 for g, (name, outs) in sorted(groups.items()))


def _outcome(c: _Cells, key: tuple[int, int], rows: list[_Cells], subs: list[_Cells],
             t: PackageTables) -> Outcome | None:
    type_text = c.text("Data type") or ""
    data_type = _DATA_TYPES.get(type_text.lower())
    if data_type is None:
        c.problem("Data type", "invalid-value", f"unknown data type {type_text!r}")
        return None
    extra = t.json_analyses.get(key, {})
    # Subgroups: by number where the file has "Subgroup number" (2.x), else by name in order.
    order: dict[str, tuple[int, str]] = {}
    for r in rows:
        name = r.text("Subgroup")
        if name is None:
            continue
        ident = r.text("Subgroup number") or name
        if ident not in order:
            no = r.integer("Subgroup number") or len(order) + 1
            order[ident] = (no, name)
    settings = _settings(c, extra, data_type, bool(order))
    stored_sub: dict[str, _Cells] = {}
    for s in subs:
        stored_sub[s.text("Subgroup number") or s.text("Subgroup") or ""] = s
    direct = tuple(_study_row(r, data_type, log_data=settings.log_data) for r in rows
                   if r.text("Subgroup") is None)
    subgroups = []
    for ident, (no, name) in order.items():
        s = stored_sub.get(ident) or stored_sub.get(name)
        sg_rows = tuple(_study_row(r, data_type, log_data=settings.log_data) for r in rows
                        if r.text("Subgroup") is not None
                        and (r.text("Subgroup number") or r.text("Subgroup")) == ident)
        subgroups.append(Subgroup(no=no, id=(s.text("ID") if s else None) or f"subgroup:{no}",
                                  name=name, stored=_stored_pooled(s) if s else None,
                                  rows=sg_rows, line=s.line if s else None))
    stored = _stored_pooled(c)
    if settings.totals != "YES" and stored.effect_size is None:
        stored = None
    test = None
    if subgroups:
        df = c.integer("Subgroup df", data=False)
        counted = sum(1 for sg in subgroups if sg.stored is None or sg.stored.ci_start is not None)
        test = SubgroupTest(q=c.number("Subgroup Chi²"), p_q=c.number("Subgroup P"),
                            i2_q=c.number("Subgroup I²"),
                            df=df if df is not None else max(counted - 1, 0))
    left = c.text("Graph label (left)") or _display(extra, "graph-label-left")
    right = c.text("Graph label (right)") or _display(extra, "graph-label-right")
    outcome_name = c.text("Outcome") or c.text("Analysis group name") or ""
    return Outcome(
        comparison_no=key[0], outcome_no=key[1], id=c.text("ID") or f"analysis:{key[0]}.{key[1]}",
        name=c.text("Analysis name") or "", data_type=data_type, settings=settings,
        group_labels=(c.text("Experimental group label") or "Experimental",
                      c.text("Control group label") or "Control"),
        graph_labels=(left or "Favours [experimental]", right or "Favours [control]"),
        stored=stored, subgroups=tuple(subgroups), rows=direct, subgroup_test=test,
        estimable=None, line=c.line, higher_is_better=t.directions.get(outcome_name))


def _display(extra: Mapping[str, Any], key: str) -> str | None:
    display = extra.get("display-settings")
    value = display.get(key) if isinstance(display, Mapping) else None
    return value if isinstance(value, str) and value else None

