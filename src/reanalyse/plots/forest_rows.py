"""The table of a forest plot, as RevMan 5 lays it out, from a pooled result: the columns (study,
each arm's data, weight, the effect with its CI) and the rows (studies; per subgroup a heading,
its studies, the subtotal, its total events, heterogeneity and test for the overall effect; the
total with the same lines and the test for subgroup differences).

Rows carry texts and, where the plot draws something, the interval on the natural scale, both
in the review's orientation when an :class:`reanalyse.direction.Orientation` is given (a
reversed MD/SMD shows its sign reversed; arm data stay as entered);
:mod:`reanalyse.plots.forest` draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from reanalyse.plots.forest_text import (
    effect_text,
    heterogeneity_text,
    measure_heading,
    method_heading,
    overall_effect_text,
    subgroup_test_text,
)

if TYPE_CHECKING:
    from reanalyse.direction import Orientation
    from reanalyse.pooling import PooledResult

__all__ = ["Column", "Row", "forest_columns", "forest_rows"]

RowKind = Literal["heading", "study", "subtotal", "total", "events", "note", "blank",
                  "bayes-mu", "predictive"]


@dataclass(frozen=True)
class Column:
    """A text column: the key of its cells, its heading, the group heading over it (an arm's
    name) and its alignment."""

    key: str
    heading: str
    group: str = ""
    align: Literal["left", "right"] = "right"


@dataclass(frozen=True)
class Row:
    """One line of the plot: its texts by column key (``study`` also holds the text of a heading
    or note, which runs across the columns), and what the graph draws on it."""

    kind: RowKind
    cells: dict[str, str] = field(default_factory=dict)
    #: (estimate, low, high) on the natural scale, as shown; None: nothing drawn
    interval: tuple[float, float, float] | None = None
    weight: float = 0.0
    gid: str | None = None
    study: str | None = None


Interval = tuple[float, float, float]


def shown_interval(interval: Interval, orientation: Orientation | None) -> Interval:
    """(estimate, low, high) in the review's orientation (as given without one)."""
    if orientation is None:
        return interval
    est, lo, hi = orientation.shown_estimate(*interval)
    return float(est), float(lo), float(hi)


def _effect(interval: Interval) -> str:
    return effect_text(estimate=interval[0], low=interval[1], high=interval[2])


def _count(x: float) -> str:
    return f"{round(x)}" if math.isfinite(x) else ""


def _value(x: float) -> str:
    return f"{x:g}" if math.isfinite(x) else ""


def _kinds(studies: pd.DataFrame) -> set[str]:
    return set(studies["kind"]) if "kind" in studies else {"contrast"}


def forest_columns(res: PooledResult) -> list[Column]:
    """The columns the studies of ``res`` need: arm counts (binary), mean, SD and total per arm
    (continuous), the estimate and SE (contrasts), then weight and effect."""
    t, c = res.treatment or "Treatment", res.control or "Control"
    kinds = _kinds(res.studies)
    cols = [Column("study", "Study or Subgroup", align="left")]
    for arm, name in ((1, t), (2, c)):
        if "continuous" in kinds:
            cols += [Column(f"mean_{arm}", "Mean", name), Column(f"sd_{arm}", "SD", name),
                     Column(f"n_{arm}", "Total", name)]
        if "binary" in kinds:
            cols += [Column(f"events_{arm}", "Events", name), Column(f"total_{arm}", "Total", name)]
    if "contrast" in kinds:
        head = f"log[{res.measure}]" if res.log_scale else res.measure
        cols += [Column("te", head), Column("se", "SE")]
    cols += [Column("weight", "Weight"),
             Column("effect", f"{measure_heading(res.measure)}\n{method_heading(res)}")]
    return cols


def _study_row(s: pd.Series, o: Orientation | None) -> Row:
    cells = {"study": str(s["study"])}
    kind = s.get("kind", "contrast")
    for arm in (1, 2):
        if kind == "binary":
            cells[f"events_{arm}"] = _count(s[f"events_{arm}"])
            cells[f"total_{arm}"] = _count(s[f"total_{arm}"])
        elif kind == "continuous":
            cells[f"mean_{arm}"] = _value(s[f"mean_{arm}"])
            cells[f"sd_{arm}"] = _value(s[f"sd_{arm}"])
            cells[f"n_{arm}"] = _count(s[f"n_{arm}"])
    if kind == "contrast":
        te = float(s["te"]) if o is None else float(o.shown(s["te"]))
        cells["te"] = f"{te:.4f}" if math.isfinite(te) else ""
        cells["se"] = f"{s['se']:.4f}" if math.isfinite(s["se"]) else ""
    estimable = bool(s["estimable"]) and math.isfinite(s["estimate"])
    if not estimable:
        cells["effect"] = "Not estimable"
        return Row("study", cells, study=str(s["study"]))
    interval = shown_interval((float(s["estimate"]), float(s["ci_low"]), float(s["ci_high"])), o)
    cells["weight"] = f"{s['weight']:.1f}%"
    cells["effect"] = _effect(interval)
    return Row("study", cells, interval=interval, weight=float(s["weight"]),
               study=str(s["study"]))


def _total_rows(res: PooledResult, studies: pd.DataFrame, *, label: str, kind: RowKind,
                gid: str, o: Orientation | None) -> list[Row]:
    """The total (or subtotal) line, its total events, heterogeneity and overall effect."""
    cells = {"study": f"{label} ({round(res.level * 100)}% CI)"}
    kinds = _kinds(studies)
    for arm in (1, 2):
        for col in (f"total_{arm}", f"n_{arm}"):
            if col in studies:  # binary arms have totals, continuous ones n
                cells[col] = _count(float(np.nansum(studies[col])))
    weight = float(studies["weight"].sum())
    cells["weight"] = f"{weight:.1f}%"
    interval = shown_interval((res.estimate, res.ci_low, res.ci_high), o)
    cells["effect"] = _effect(interval)
    rows = [Row(kind, cells, gid=gid, weight=weight,
                interval=interval if res.estimable else None)]
    if "binary" in kinds and "events_1" in studies:
        rows.append(Row("events", {"study": "Total events",
                                   "events_1": _count(float(np.nansum(studies["events_1"]))),
                                   "events_2": _count(float(np.nansum(studies["events_2"])))}))
    rows += [Row("note", {"study": heterogeneity_text(res)}),
             Row("note", {"study": overall_effect_text(res)})]
    return rows


def forest_rows(res: PooledResult, *, orientation: Orientation | None = None) -> list[Row]:
    """The rows of the forest plot of ``res``: per subgroup a block with its subtotal when the
    result has subgroups, then the total and, with subgroups, the test for their differences.
    Study weights are percentages of the total analysis, as RevMan shows them with totals;
    effects in the review's orientation with ``orientation``."""
    o = orientation
    studies = res.studies
    rows: list[Row] = []
    if res.subgroups and "subgroup" in studies:
        for i, sub in enumerate(res.subgroups, start=1):
            mine = studies[studies["subgroup"] == sub.subgroup]
            rows.append(Row("heading", {"study": str(sub.subgroup)}))
            rows += [_study_row(s, o) for _, s in mine.iterrows()]
            rows += _total_rows(sub, mine, label="Subtotal", kind="subtotal",
                                gid=f"subtotal-{i}", o=o)
            rows.append(Row("blank"))
    else:
        rows += [_study_row(s, o) for _, s in studies.iterrows()]
        rows.append(Row("blank"))
    rows += _total_rows(res, studies, label="Total", kind="total", gid="pooled-estimate",
                        o=o)
    if res.subgroups and res.subgroup_test is not None:
        rows.append(Row("note", {"study": subgroup_test_text(res.subgroup_test)}))
    return rows
