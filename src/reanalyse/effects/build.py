"""Building the effect table: from a validated study table (:func:`study_effects`) or from
arrays of arm data and contrasts (:func:`effect_table`, the one rule from arms to effects, for
study tables and RevMan files alike)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from reanalyse.conversions import se_from_ci
from reanalyse.data.table import KIND, ROW, StudyTable
from reanalyse.effects.sizes import (
    binary_effect,
    double_zero,
    mean_difference,
    standardised_mean_difference,
    zero_cell,
)
from reanalyse.effects.table import BinaryArms, ContinuousArms, EffectTable
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import BINARY_MEASURES, MEASURES, is_ratio

__all__ = ["contrast_effect", "effect_table", "study_effects"]

_ARM_FIELDS = {
    "binary": ("events", "total"),
    "continuous": ("n", "mean", "sd"),
}


def effect_table(
    *,
    measure: str,
    study: Sequence[str],
    kind: Sequence[str],
    te: ArrayLike,
    se: ArrayLike,
    arms: BinaryArms | ContinuousArms | None,
    subgroup: Sequence[str] | None = None,
    rows: Sequence[tuple[int, ...]] | None = None,
    treatment: str | None = None,
    control: str | None = None,
    level: float = 0.95,
) -> EffectTable:
    """The effect table of studies given by their ``kind`` (``binary``, ``continuous`` or
    ``contrast``).

    Contrast studies bring their own ``te`` and ``se`` (estimable when both are finite and the
    SE positive; the entries of other studies are ignored). Arm-level studies of the measure's
    kind get RevMan 5's effect from ``arms`` (:func:`binary_effect`, :func:`mean_difference`,
    :func:`standardised_mean_difference`), with the zero-cell correction flagged where it
    entered the effect.
    """
    kinds = np.asarray(list(kind), dtype=object)
    k = kinds.size
    te_a = np.array(te, dtype=float).reshape(-1)
    se_a = np.array(se, dtype=float).reshape(-1)
    contrast = kinds == "contrast"
    te_a[~contrast] = np.nan
    se_a[~contrast] = np.nan
    with np.errstate(invalid="ignore"):
        estimable = contrast & np.isfinite(te_a) & np.isfinite(se_a) & (se_a > 0)
    reason = np.full(k, "", dtype=object)
    corrected = np.zeros(k, dtype=bool)
    wanted = "binary" if measure in BINARY_MEASURES else "continuous"
    at = kinds == wanted
    if at.any():
        if arms is None or arms.KIND != wanted:
            raise ValueError(f"{int(at.sum())} {wanted} studies need {wanted} arm data")
        sub = arms.select(at)
        if isinstance(sub, BinaryArms):
            cells = sub.cells()
            eff = binary_effect(measure=measure, **cells)
            why = np.where(eff.estimable, "",
                           "no events in either arm" if measure != "RD" else "not estimable")
            every = (cells["events_1"] == cells["total_1"]) & (cells["events_2"]
                                                               == cells["total_2"])
            why = np.where(double_zero(**cells) & every,
                           "events in every participant of both arms", why)
            corrected[at] = zero_cell(**cells) & eff.estimable
        else:
            assert isinstance(sub, ContinuousArms)
            fn = mean_difference if measure == "MD" else standardised_mean_difference
            eff = fn(mean_1=sub.mean[:, 0], sd_1=sub.sd[:, 0], n_1=sub.n[:, 0],
                     mean_2=sub.mean[:, 1], sd_2=sub.sd[:, 1], n_2=sub.n[:, 1])
            why = np.where(eff.estimable, "", "too few participants for an SMD")
        te_a[at], se_a[at], estimable[at], reason[at] = eff.te, eff.se, eff.estimable, why
    return EffectTable(measure=measure, study=list(study), te=te_a, se=se_a,
                       estimable=estimable, subgroup=[""] * k if subgroup is None else subgroup,
                       kind=kinds, reason=reason, rows=[()] * k if rows is None else rows,
                       corrected=corrected, arms=arms, level=level, treatment=treatment,
                       control=control)


def study_effects(
    table: StudyTable,
    *,
    measure: str,
    treatment: str,
    control: str,
    level: float = 0.95,
) -> EffectTable:
    """The effect table of the studies in ``table`` comparing ``treatment`` (arm 1) with
    ``control`` (arm 2), one entry per study (and subgroup).

    Arm-level studies get their effect from the arms; contrast rows are taken as given (reversed
    when stated the other way round). The table must hold a single outcome and timepoint.
    ``level`` is the CI level of the study intervals the table carries.

    Raises
    ------
    DataValidationError
        When the measure does not fit the data, several outcomes are mixed, a study has both
        arms and a contrast for the pair, or no study compares the two treatments.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    f = table.frame
    problems: list[Problem] = []

    def add(rule: str, message: str, row: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(file=table.name, rule=rule, message=message, row=row,
                                column=column))

    for col in ("outcome", "timepoint"):
        values = list(dict.fromkeys(table.column(col).tolist()))
        if len(values) > 1:
            add(f"several {col}s", f"the table holds several {col}s ({', '.join(map(repr, values))}); "
                f"choose one")
    if problems:
        raise DataValidationError(problems)

    wanted_kind = "binary" if measure in BINARY_MEASURES else "continuous"
    arm_fields = _ARM_FIELDS[wanted_kind]
    # plain Python over the columns: a comparison has few rows, and pandas' per-operation cost
    # dominated when each study was filtered as a DataFrame
    col = {c: table.column(c).tolist() for c in ("study", "subgroup", "treatment", "comparator",
                                                  "measure", KIND, ROW)}
    groups: dict[tuple[object, object], list[int]] = {}
    for i, key in enumerate(zip(col["study"], col["subgroup"], strict=True)):
        groups.setdefault(key, []).append(i)
    kinds, treat, comp = col[KIND], col["treatment"], col["comparator"]
    studies: list[str] = []
    subgroups: list[str] = []
    out_kind: list[str] = []
    rows: list[tuple[int, ...]] = []
    te: list[float] = []
    se: list[float] = []
    arm_at: list[tuple[int, int] | None] = []
    for (study, subgroup), where in groups.items():
        arm_1 = [i for i in where if kinds[i] != "contrast" and treat[i] == treatment]
        arm_2 = [i for i in where if kinds[i] != "contrast" and treat[i] == control]
        contrasts = [i for i in where if kinds[i] == "contrast"]
        forward = [i for i in contrasts if treat[i] == treatment and comp[i] == control]
        backward = [i for i in contrasts if treat[i] == control and comp[i] == treatment]
        has_arms = len(arm_1) == 1 and len(arm_2) == 1
        has_contrast = len(forward) + len(backward) > 0
        if has_arms and has_contrast:
            i = (forward or backward)[0]
            add("arms and contrast", f"study '{study}' gives both arm data and a contrast for "
                f"'{treatment}' vs '{control}'; keep one", int(col[ROW][i]), "estimate")
            continue
        if len(forward) + len(backward) > 1:
            add("duplicated contrast", f"study '{study}' states the contrast '{treatment}' vs "
                f"'{control}' more than once", int(col[ROW][contrasts[0]]), "comparator")
            continue
        if has_arms:
            one, two = arm_1[0], arm_2[0]
            for i in (one, two):
                if kinds[i] != wanted_kind:
                    add("measure does not fit", f"{measure} needs {wanted_kind} arms, but "
                        f"study '{study}' has {kinds[i]} data", int(col[ROW][i]),
                        "events" if kinds[i] == "binary" else "mean")
            if kinds[one] != wanted_kind or kinds[two] != wanted_kind:
                continue
            studies.append(str(study))
            subgroups.append(str(subgroup))
            out_kind.append(wanted_kind)
            rows.append((int(col[ROW][one]), int(col[ROW][two])))
            te.append(np.nan)
            se.append(np.nan)
            arm_at.append((one, two))
        elif has_contrast:
            sign = 1.0 if forward else -1.0
            i = (forward or backward)[0]
            stated = col["measure"][i] or measure
            if stated != measure:
                add("measure does not fit", f"study '{study}' reports a {stated}, but the "
                    f"analysis uses {measure}", int(col[ROW][i]), "measure")
                continue
            t, s = contrast_effect(f.iloc[i], measure=measure)
            studies.append(str(study))
            subgroups.append(str(subgroup))
            out_kind.append("contrast")
            rows.append((int(col[ROW][i]),))
            te.append(sign * t)
            se.append(s)
            arm_at.append(None)
    if problems:
        raise DataValidationError(problems)
    if not studies:
        raise DataValidationError.single(
            file=table.name, rule="no comparison",
            message=f"no study compares '{treatment}' with '{control}' (treatments present: "
            f"{', '.join(table.treatments) or 'none'})")

    arms: BinaryArms | ContinuousArms | None = None
    if any(a is not None for a in arm_at):
        values = {}
        for name in arm_fields:
            column = table.column(name).astype(float)
            values[name] = np.array([(column[a[0]], column[a[1]]) if a is not None
                                     else (np.nan, np.nan) for a in arm_at], dtype=float)
        arms = (BinaryArms(**values) if wanted_kind == "binary"
                else ContinuousArms(**values))
    return effect_table(measure=measure, study=studies, kind=out_kind, te=te, se=se, arms=arms,
                        subgroup=subgroups, rows=rows, treatment=treatment, control=control,
                        level=level)


def contrast_effect(row: pd.Series, *, measure: str) -> tuple[float, float]:
    """A contrast row's effect and SE on the analysis scale: the estimate (log of a ratio) and
    its SE as given, or from its CI limits at the row's level (0.95 when empty)."""
    est = float(row["estimate"])
    ratio = is_ratio(measure)
    te = float(np.log(est)) if ratio else est
    if np.isfinite(row["se"]):
        return te, float(row["se"])
    level = float(row["ci_level"]) if np.isfinite(row["ci_level"]) else 0.95
    se = se_from_ci(ci_low=row["ci_low"], ci_high=row["ci_high"], level=level, log_scale=ratio)
    return te, float(se)
