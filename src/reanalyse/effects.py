"""Study-level effect sizes, exactly as RevMan 5 computes them.

Conventions (Deeks & Higgins 2010, *Statistical algorithms in Review Manager 5*; Cochrane Handbook
5.1 sections 9.4.4 and 16.9.3; cross-checked with R meta's ``settings.meta("RevMan5")``):

- MD: ``m1 - m2`` with the unpooled SE ``sqrt(sd1^2/n1 + sd2^2/n2)``.
- SMD: Hedges' adjusted g, ``g = J (m1 - m2) / s_pooled`` with the approximate
  ``J = 1 - 3/(4N - 9)`` and ``var = N/(n1 n2) + g^2 / (2 (N - 3.94))``.
- RR, OR: log scale; a study with a zero cell has 0.5 added to each of its four cells (so each
  arm's total grows by 1); a study with no events in either arm, or with events in every
  participant of both arms, is not estimable.
- RD: the estimate from the raw counts; its variance ``p1 q1/n1 + p2 q2/n2`` from the
  0.5-corrected cells when a cell is zero (so that 0/10 vs 0/10 gives RD 0 with a finite SE).
  Double-zero studies are kept.

Arm 1 is the treatment (experimental) arm, arm 2 the control arm, as in RevMan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from reanalyse.conversions import normalise_level, se_from_ci
from reanalyse.data.table import KIND, ROW, StudyTable
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import BINARY_MEASURES, MEASURES, is_ratio

__all__ = [
    "CORRECTION",
    "EffectSizes",
    "arm_effects",
    "binary_effect",
    "contrast_effect",
    "double_zero",
    "mean_difference",
    "peto_components",
    "standardised_mean_difference",
    "study_effects",
    "zero_cell",
]

#: RevMan 5's zero-cell correction, added to each cell of a study with a zero cell.
CORRECTION = 0.5

Array = NDArray[np.float64]


@dataclass(frozen=True)
class EffectSizes:
    """Study effects on the analysis scale (log for ratios), with their SEs."""

    te: Array
    se: Array
    estimable: NDArray[np.bool_]


def mean_difference(
    *, mean_1: ArrayLike, sd_1: ArrayLike, n_1: ArrayLike,
    mean_2: ArrayLike, sd_2: ArrayLike, n_2: ArrayLike,
) -> EffectSizes:
    """MD with the unpooled SE."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(x, dtype=float) for x in
                              (mean_1, sd_1, n_1, mean_2, sd_2, n_2))
    te = m1 - m2
    se = np.sqrt(s1**2 / n1 + s2**2 / n2)
    return EffectSizes(te=te, se=se, estimable=np.isfinite(se) & (se > 0))


def standardised_mean_difference(
    *, mean_1: ArrayLike, sd_1: ArrayLike, n_1: ArrayLike,
    mean_2: ArrayLike, sd_2: ArrayLike, n_2: ArrayLike,
) -> EffectSizes:
    """SMD as RevMan 5's Hedges' adjusted g, with its approximate J and variance."""
    m1, s1, n1, m2, s2, n2 = (np.asarray(x, dtype=float) for x in
                              (mean_1, sd_1, n_1, mean_2, sd_2, n_2))
    big_n = n1 + n2
    ok = big_n > 3.94
    with np.errstate(divide="ignore", invalid="ignore"):
        s_pooled = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (big_n - 2))
        j = 1.0 - 3.0 / (4.0 * big_n - 9.0)
        g = j * (m1 - m2) / s_pooled
        var = big_n / (n1 * n2) + g**2 / (2.0 * (big_n - 3.94))
    se = np.sqrt(np.where(ok, var, np.nan))
    return EffectSizes(te=np.where(ok, g, np.nan), se=se,
                       estimable=ok & np.isfinite(se) & (s_pooled > 0))


def _cells(a: Array, n1: Array, c: Array, n2: Array, correct: NDArray[np.bool_]
           ) -> tuple[Array, Array, Array, Array]:
    inc = np.where(correct, CORRECTION, 0.0)
    return a + inc, (n1 - a) + inc, c + inc, (n2 - c) + inc


def zero_cell(*, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
              total_2: ArrayLike) -> NDArray[np.bool_]:
    """True for studies with a zero cell in their 2x2 table."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    return (a == 0) | (c == 0) | (a == n1) | (c == n2)


def double_zero(*, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
                total_2: ArrayLike) -> NDArray[np.bool_]:
    """True for studies with no events in either arm, or events in everyone in both arms."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    return ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))


def binary_effect(
    *, measure: str, events_1: ArrayLike, total_1: ArrayLike,
    events_2: ArrayLike, total_2: ArrayLike, correct: ArrayLike | None = None,
) -> EffectSizes:
    """Log RR, log OR or RD of each study, with RevMan 5's zero-cell handling.

    ``correct`` overrides which studies get the 0.5 correction (default: those with a zero cell in
    this 2x2 table). Network meta-analysis passes the study's flag, so that every pair of a
    multi-arm study with a zero cell in any arm is corrected alike (as R netmeta's ``pairwise``),
    which keeps the study's contrasts additive.
    """
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    if correct is None:
        zero = zero_cell(events_1=a, total_1=n1, events_2=c, total_2=n2)
    else:
        zero = np.broadcast_to(np.asarray(correct, dtype=bool), a.shape)
    dz = double_zero(events_1=a, total_1=n1, events_2=c, total_2=n2)
    ac, bc, cc, dc = _cells(a, n1, c, n2, zero)
    n1c, n2c = ac + bc, cc + dc
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            te = np.log((ac / n1c) / (cc / n2c))
            var = 1 / ac - 1 / n1c + 1 / cc - 1 / n2c
            estimable = ~dz
        elif measure == "OR":
            te = np.log((ac * dc) / (bc * cc))
            var = 1 / ac + 1 / bc + 1 / cc + 1 / dc
            estimable = ~dz
        elif measure == "RD":
            te = a / n1 - c / n2
            var = ac * bc / n1c**3 + cc * dc / n2c**3
            estimable = np.ones_like(a, dtype=bool)
        else:
            raise ValueError(f"binary measure must be RR, OR or RD, got {measure!r}")
    te = np.where(estimable, te, np.nan)
    se = np.where(estimable, np.sqrt(var), np.nan)
    return EffectSizes(te=te, se=se, estimable=estimable & np.isfinite(se) & (se > 0))


def peto_components(
    *, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike, total_2: ArrayLike,
) -> tuple[Array, Array]:
    """Peto's O - E and V per study (no continuity correction)."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (events_1, total_1, events_2, total_2))
    big_n = n1 + n2
    m1 = a + c
    m2 = big_n - m1
    o_minus_e = a - n1 * m1 / big_n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = n1 * n2 * m1 * m2 / (big_n**2 * (big_n - 1))
    return o_minus_e, v


# ---------------------------------------------------------------------------------------------
# From a study table to one effect per study
# ---------------------------------------------------------------------------------------------

_ARM_FIELDS = {
    "binary": ("events", "total"),
    "continuous": ("n", "mean", "sd"),
}


def study_effects(
    table: StudyTable,
    *,
    measure: str,
    treatment: str,
    control: str,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per study comparing ``treatment`` (arm 1) with ``control`` (arm 2).

    Arm-level studies get their effect from the arms; contrast rows are taken as given (reversed
    when stated the other way round). The table must hold a single outcome and timepoint.

    Returns
    -------
    pandas.DataFrame
        Columns ``study, subgroup, kind, te, se, estimable, reason, rows`` and, for arm-level
        binary data, ``events_1, total_1, events_2, total_2``; for continuous arms ``n_1, mean_1,
        sd_1, n_2, mean_2, sd_2``. ``te``/``se`` are on the analysis scale (log for ratios).

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
        values = list(dict.fromkeys(f[col]))
        if len(values) > 1:
            add(f"several {col}s", f"the table holds several {col}s ({', '.join(map(repr, values))}); "
                f"choose one")
    if problems:
        raise DataValidationError(problems)

    wanted_kind = "binary" if measure in BINARY_MEASURES else "continuous"
    # plain Python over the columns: a comparison has few rows, and pandas' per-operation cost
    # dominated when each study was filtered as a DataFrame
    col = {c: f[c].tolist() for c in ("study", "subgroup", "treatment", "comparator",
                                       "measure", KIND, ROW)}
    groups: dict[tuple[object, object], list[int]] = {}
    for i, key in enumerate(zip(col["study"], col["subgroup"], strict=True)):
        groups.setdefault(key, []).append(i)
    kinds, treat, comp = col[KIND], col["treatment"], col["comparator"]
    records: list[dict[str, object]] = []
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
            rec: dict[str, object] = {"study": study, "subgroup": subgroup, "kind": wanted_kind,
                                      "rows": (int(col[ROW][one]), int(col[ROW][two]))}
            for field in _ARM_FIELDS[wanted_kind]:
                values = f[field]
                rec[f"{field}_1"] = float(values.iat[one])
                rec[f"{field}_2"] = float(values.iat[two])
            records.append(rec)
        elif has_contrast:
            sign = 1.0 if forward else -1.0
            i = (forward or backward)[0]
            stated = col["measure"][i] or measure
            if stated != measure:
                add("measure does not fit", f"study '{study}' reports a {stated}, but the "
                    f"analysis uses {measure}", int(col[ROW][i]), "measure")
                continue
            te, se = contrast_effect(f.iloc[i], measure=measure)
            records.append({"study": study, "subgroup": subgroup, "kind": "contrast",
                            "rows": (int(col[ROW][i]),), "te": sign * te, "se": se})
    if problems:
        raise DataValidationError(problems)
    if not records:
        raise DataValidationError.single(
            file=table.name, rule="no comparison",
            message=f"no study compares '{treatment}' with '{control}' (treatments present: "
            f"{', '.join(table.treatments) or 'none'})")

    out = arm_effects(pd.DataFrame.from_records(records), measure=measure)
    out.attrs["level"] = normalise_level(level)
    return out


def arm_effects(records: pd.DataFrame, *, measure: str) -> pd.DataFrame:
    """Fill ``te``, ``se``, ``estimable`` and ``reason`` of study records, one per row.

    ``records`` has ``kind`` (``binary``, ``continuous`` or ``contrast``) and, for arm-level rows,
    ``events_1, total_1, events_2, total_2`` or ``n_1, mean_1, sd_1, n_2, mean_2, sd_2``;
    contrast rows bring their own ``te`` and ``se`` (estimable when both are finite and the SE
    positive). Arm-level rows get RevMan 5's effect (:func:`binary_effect`,
    :func:`mean_difference`, :func:`standardised_mean_difference`). The one rule from arm data
    to effects, for study tables and for RevMan files alike.
    """
    out = records.copy()
    wanted_kind = "binary" if measure in BINARY_MEASURES else "continuous"
    out["te"] = out["te"].astype(float) if "te" in out else np.nan
    out["se"] = out["se"].astype(float) if "se" in out else np.nan
    contrast = (out["kind"] == "contrast").to_numpy()
    with np.errstate(invalid="ignore"):
        out["estimable"] = contrast & np.isfinite(out["te"].to_numpy()) & np.isfinite(
            out["se"].to_numpy()) & (out["se"].to_numpy() > 0)
    out["reason"] = ""
    arm_rows = out["kind"] == wanted_kind
    if arm_rows.any():
        sub = out.loc[arm_rows]
        if wanted_kind == "binary":
            eff = binary_effect(measure=measure, events_1=sub["events_1"], total_1=sub["total_1"],
                                events_2=sub["events_2"], total_2=sub["total_2"])
            reason = np.where(eff.estimable, "",
                              "no events in either arm" if measure != "RD" else "not estimable")
            dz = double_zero(events_1=sub["events_1"], total_1=sub["total_1"],
                             events_2=sub["events_2"], total_2=sub["total_2"])
            all_ev = (sub["events_1"] == sub["total_1"]) & (sub["events_2"] == sub["total_2"])
            reason = np.where(dz & all_ev.to_numpy(), "events in every participant of both arms",
                              reason)
        else:
            fn = mean_difference if measure == "MD" else standardised_mean_difference
            eff = fn(mean_1=sub["mean_1"].astype(float), sd_1=sub["sd_1"].astype(float),
                     n_1=sub["n_1"].astype(float), mean_2=sub["mean_2"].astype(float),
                     sd_2=sub["sd_2"].astype(float), n_2=sub["n_2"].astype(float))
            reason = np.where(eff.estimable, "", "too few participants for an SMD")
        out.loc[arm_rows, "te"] = eff.te
        out.loc[arm_rows, "se"] = eff.se
        out.loc[arm_rows, "estimable"] = eff.estimable
        out.loc[arm_rows, "reason"] = reason
    return out


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

