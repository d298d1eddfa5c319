"""Recompute a review's published pooled results from our data, with the review's methods.

For each result in a review's ``published.csv`` with an analysis specification (``analyses/*.toml``
whose ``published`` names it), pool the rows that the chosen data scenario allows, exactly as the
specification says (RevMan 5: Mantel-Haenszel for binary outcomes, inverse variance for MD/SMD), and
compare with the published numbers at 2 decimals:

- ``reproduced``: estimate, ci_low and ci_high all equal at 2 dp, with all the review's studies;
- ``reproduced within rounding``: all the review's studies, no number off by more than 0.01;
  the rounding hypotheses of :data:`ROUNDINGS` (the inputs as a review may have entered them:
  SDs at one decimal, ...) are each recomputed, and the one that gives the review's numbers
  exactly at 2 dp is named in ``hypothesis`` and the reason (or the reason says none did);
- ``partial``: only k of the K studies are available (the missing ones are named);
- ``no data``: no usable rows in the scenario (the missing studies are named), or no analysis
  specification names the result;
- ``not reproducible``: data present but a different result (the difference, and our SE against
  the one the published CI implies), more studies than the review pooled, or data that cannot be
  pooled (why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reanalyse.analyses import AnalysisSpec, derivation_label, find_root, load_analyses, resolve
from reanalyse.analyses.inputs import analysis_rows
from reanalyse.analyses.scenarios import FILE, ROW, SOURCED_LABELS
from reanalyse.conversions import se_from_ci
from reanalyse.direction import orientation_of
from reanalyse.effects import study_effects
from reanalyse.errors import DataValidationError, Problem
from reanalyse.pooling import method_for_effects, pool_effects

__all__ = ["STATUSES", "ReproduceRow", "read_published", "reproduce", "reproduce_one"]

STATUSES: tuple[str, ...] = ("reproduced", "reproduced within rounding", "partial", "no data",
                             "not reproducible")

#: Rounding hypotheses tried when a result is off by at most 0.01: (what it says, the columns
#: rounded, the decimals). Each is tried on the rows it changes; the first that reproduces the
#: review's numbers at 2 dp is named.
ROUNDINGS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("the SDs rounded to 1 decimal", ("sd",), 1),
    ("the means rounded to 1 decimal", ("mean",), 1),
    ("the means and SDs rounded to 1 decimal", ("mean", "sd"), 1),
    ("the SDs rounded to 2 decimals", ("sd",), 2),
    ("the means and SDs rounded to 2 decimals", ("mean", "sd"), 2),
    ("the contrast estimates and CI limits rounded to 2 decimals",
     ("estimate", "ci_low", "ci_high"), 2),
    ("the contrast SEs rounded to 2 decimals", ("se",), 2),
)
WITHIN = 0.01  # the largest difference at 2 dp that "within rounding" allows


@dataclass(frozen=True)
class ReproduceRow:
    """One published result next to ours."""

    id: str
    status: str
    measure: str
    published: dict[str, float]
    ours: dict[str, Any]
    difference: dict[str, float | None]
    missing: list[str]
    studies: list[str]
    scenario: str
    reason: str
    analysis: str | None = None
    expected_k: int = 0
    rows_used: list[str] = field(default_factory=list)
    hypothesis: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN stays NaN; the CLI writes it as null)."""
        return {
            "id": self.id, "status": self.status, "measure": self.measure,
            "published": dict(self.published), "ours": dict(self.ours),
            "difference": dict(self.difference), "missing": list(self.missing),
            "studies": list(self.studies), "expected_k": self.expected_k,
            "scenario": self.scenario, "reason": self.reason, "analysis": self.analysis,
            "rows_used": list(self.rows_used), "hypothesis": self.hypothesis,
        }


def round2(x: float) -> float:
    """``x`` rounded half-up to 2 decimals (as printed values are read)."""
    if x is None or not math.isfinite(x):
        return float("nan")
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def read_published(path: str | Path) -> pd.DataFrame:
    """A review's ``published.csv``: one row per pooled result, numbers as floats."""
    path = Path(path)
    if not path.is_file():
        raise DataValidationError.single(file=str(path), rule="file", message="file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = [Problem(file=str(path), rule="missing column", column=c,
                        message=f"published results need '{c}'")
                for c in ("id", "measure", "estimate", "ci_low", "ci_high", "studies")
                if c not in frame.columns]
    if problems:
        raise DataValidationError(problems)
    # rows are numbered as in the file: the header is row 1
    for col in ("estimate", "ci_low", "ci_high", "studies"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | values.isin([np.inf, -np.inf])
        kind = "number"
        if col == "studies":
            bad |= values % 1 != 0
            kind = "whole number"
        problems += [Problem(file=str(path), row=int(i) + 2, column=col, rule="number",
                             message=f"{frame.at[i, 'id'] or 'result'}: {col} must be a "
                                     f"{kind}, got {frame.at[i, col]!r}")
                     for i in frame.index[bad]]
        frame[col] = values
    if problems:
        raise DataValidationError(problems)
    frame["studies"] = frame["studies"].astype(int)
    return frame


def _all(k: int) -> str:
    return "the review's only study" if k == 1 else f"all {k} studies of the review"


def _fmt_triplet(est: float, lo: float, hi: float) -> str:
    return f"{est:.2f} ({lo:.2f} to {hi:.2f})"


def _round_text(text: str, decimals: int) -> str:
    """A number written in a data file, rounded half-up to ``decimals`` (as printed)."""
    q = Decimal(1).scaleb(-decimals)
    return str(Decimal(text.strip()).quantize(q, rounding=ROUND_HALF_UP))


def _rounded_frame(frame: pd.DataFrame, columns: tuple[str, ...],
                   decimals: int) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with ``columns`` rounded to ``decimals``, and what changed (``study arm column
    old -> new``); only values written with more decimals change."""
    out = frame.copy()
    changes: list[str] = []
    for col in columns:
        if col not in out.columns:
            continue
        for i, raw in out[col].items():
            text = str(raw).strip()
            if not text or text.lower() == "nan":
                continue
            try:
                new = _round_text(text, decimals)
            except ArithmeticError:
                continue
            if Decimal(new) != Decimal(text):
                out.at[i, col] = new
                arm = str(out.at[i, "treatment"]) if "treatment" in out.columns else ""
                changes.append(f"{out.at[i, 'study']} {arm} {col.upper() if col == 'sd' else col} "
                               f"{text} -> {new}".replace("  ", " "))
    return out, changes


def _pooled(spec: AnalysisSpec, table: Any) -> tuple[Any, float, float, float, str | None]:
    """Pool a study table as the spec says: (result, estimate, ci_low, ci_high) in the review's
    sign, and the note of a method change (or None)."""
    eff = study_effects(table, measure=spec.measure, treatment=spec.treatment,
                        control=spec.control)
    method, changed = method_for_effects(spec.method, eff)
    res = pool_effects(eff, measure=spec.measure, method=method, model=spec.model,
                       tau2_method=spec.tau2, hksj=spec.hksj, level=0.95,
                       treatment=spec.treatment, control=spec.control)
    est, lo, hi = orientation_of(spec).shown_estimate(res.estimate, res.ci_low, res.ci_high)
    return res, est, lo, hi, changed


def _differences(pub: dict[str, float], est: float, lo: float, hi: float) -> dict[str, float]:
    return {k: round(round2(v) - pub[k], 2) for k, v in
            (("estimate", est), ("ci_low", lo), ("ci_high", hi))}


def rounding_hypothesis(spec: AnalysisSpec, frame: pd.DataFrame, pub: dict[str, float],
                        *, name: str) -> tuple[str, str] | None:
    """The first of :data:`ROUNDINGS` under which the rows ``frame`` reproduce ``pub`` exactly
    at 2 dp: (the hypothesis, a sentence with the values it changed and the result), or None
    when none does (or none changes a value)."""
    from reanalyse.data import load_table

    for said, columns, decimals in ROUNDINGS:
        rounded, changes = _rounded_frame(frame, columns, decimals)
        if not changes:
            continue
        try:
            _, est, lo, hi, _ = _pooled(spec, load_table(rounded, name=name))
        except (DataValidationError, ValueError):
            continue
        if all(d == 0 for d in _differences(pub, est, lo, hi).values()):
            shown = _fmt_triplet(round2(est), round2(lo), round2(hi))
            return said, (f"with {said} ({'; '.join(changes)}) the result equals the review's "
                          f"at 2 dp: {shown}")
    return None


def reproduce_one(spec: AnalysisSpec, published: pd.Series, *, scenario: str = "sourced",
                  root: str | Path | None = None) -> ReproduceRow:
    """Recompute one published result; see the module docstring for the statuses."""
    inputs = analysis_rows(spec, scenario=scenario, root=root)
    frame, units, unusable = inputs.frame, inputs.units, inputs.unusable

    pub = {k: float(published[k]) for k in ("estimate", "ci_low", "ci_high")}
    expected = int(published["studies"])
    missing = [s for s in spec.review_studies if s not in units]
    nan = float("nan")
    ours: dict[str, Any] = {"estimate": nan, "ci_low": nan, "ci_high": nan, "k": 0}
    diff: dict[str, float | None] = {"estimate": None, "ci_low": None, "ci_high": None}
    notes: list[str] = []
    used: list[str] = []
    if len(frame):
        for _, r in frame.iterrows():
            label = derivation_label(r["derivation"])
            used.append(f"{r[FILE]} row {r[ROW]} ({label})")
        odd = sorted({f"{r['study']} ({derivation_label(r['derivation'])})"
                      for _, r in frame.iterrows()
                      if derivation_label(r["derivation"]) not in SOURCED_LABELS})
        if odd:
            notes.append("uses non-sourced rows: " + "; ".join(odd))
    base_row = {"id": str(published["id"]), "measure": spec.measure, "published": pub,
                    "missing": missing, "studies": units, "scenario": scenario, "analysis": spec.id,
                    "expected_k": expected, "rows_used": used}
    if unusable:
        notes.append("not usable here: " + "; ".join(unusable))
    if not len(frame):
        why = f"no usable data in the '{scenario}' scenario"
        if missing:
            why += f"; missing: {', '.join(missing)}"
        return ReproduceRow(status="no data", ours=ours, difference=diff,
                            reason="; ".join([why, *notes]), **base_row)

    try:
        res, est, lo, hi, changed = _pooled(spec, inputs.table())
        if changed:
            notes.append(changed)
    except DataValidationError as err:
        return ReproduceRow(status="not reproducible", ours=ours, difference=diff,
                            reason="; ".join(["the data could not be pooled: " + " | ".join(err.lines),
                                              *notes]), **base_row)
    if spec.reverse_scale:
        notes.append("sign reversed as the review reports it (positive favours treatment)")
    # studies are counted as reviews count them: every study in the analysis, including those
    # that are not estimable (no events in either arm), as RevMan's STUDIES does
    k = len(units)
    ours = {"estimate": est, "ci_low": lo, "ci_high": hi, "k": k, "k_estimable": int(res.k)}
    diff = _differences(pub, est, lo, hi)
    same = all(d == 0 for d in diff.values())
    close = all(abs(d) <= WITHIN + 1e-9 for d in diff.values())
    hypothesis: str | None = None
    ours_txt = _fmt_triplet(round2(est), round2(lo), round2(hi))
    if k < expected:
        status = "partial"
        head = f"{k} of {expected} studies available"
        if missing:
            head += f"; missing: {', '.join(missing)}"
        head += f"; these give {ours_txt}"
    elif k > expected:
        status = "not reproducible"
        head = f"{k} studies pooled where the review pooled {expected}: {', '.join(units)}"
    elif same:
        status = "reproduced"
        head = f"{_all(k)}; equal at 2 dp"
    else:
        se_pub = float(se_from_ci(ci_low=pub["ci_low"], ci_high=pub["ci_high"],
                                    log_scale=res.log_scale))
        differs = (f"ours {ours_txt}, difference estimate {diff['estimate']:+.2f}, ci_low "
                   f"{diff['ci_low']:+.2f}, ci_high {diff['ci_high']:+.2f}; our SE "
                   f"{res.se:.4f} vs {se_pub:.4f} implied by the published CI")
        found = (rounding_hypothesis(spec, frame, pub, name=f"{spec.id} [{scenario}, rounded]")
                 if close else None)
        if found is not None:
            status = "reproduced within rounding"
            hypothesis, said = found
            head = f"reproduced within rounding: {said}; as entered ({_all(k)}): {differs}"
        elif close:
            status = "reproduced within rounding"
            tried = "; ".join(r[0] for r in ROUNDINGS)
            head = (f"reproduced within rounding: {_all(k)}, {differs}; no rounding of the "
                    f"inputs tried ({tried}) gives the review's numbers exactly")
        else:
            status = "not reproducible"
            head = f"{_all(k)} available but the result differs at 2 dp: {differs}"
    return ReproduceRow(status=status, ours=ours, difference=diff, hypothesis=hypothesis,
                        reason="; ".join([head, *notes]), **base_row)


def reproduce(*, scenario: str = "sourced", root: str | Path | None = None,
              folder: str = "analyses") -> list[ReproduceRow]:
    """One row per published result of every review that an analysis specification points to,
    in the order of each ``published.csv``."""
    base = Path(root) if root is not None else find_root()
    specs = load_analyses(folder, root=base)
    by_file: dict[Path, list[AnalysisSpec]] = {}
    for spec in specs:
        if spec.published:
            pub_path = resolve(spec.data, base).parent / "published.csv"
            by_file.setdefault(pub_path, []).append(spec)
    out: list[ReproduceRow] = []
    problems: list[Problem] = []
    for pub_path, group in by_file.items():
        table = read_published(pub_path)
        ids = list(table["id"])
        for spec in group:
            if spec.published not in ids:
                problems.append(Problem(file=f"{folder}/{spec.id}.toml", column="published",
                                        rule="unknown published id",
                                        message=f"'{spec.published}' is not in {pub_path}"))
        if problems:
            continue
        spec_for = {s.published: s for s in group}
        for _, prow in table.iterrows():
            spec = spec_for.get(prow["id"])
            if spec is None:
                nan = float("nan")
                out.append(ReproduceRow(
                    id=str(prow["id"]), status="no data", measure=str(prow["measure"]),
                    published={k: float(prow[k]) for k in ("estimate", "ci_low", "ci_high")},
                    ours={"estimate": nan, "ci_low": nan, "ci_high": nan, "k": 0},
                    difference={"estimate": None, "ci_low": None, "ci_high": None},
                    missing=[], studies=[], scenario=scenario,
                    reason="no analysis specification names this result",
                    expected_k=int(prow["studies"])))
                continue
            out.append(reproduce_one(spec, prow, scenario=scenario, root=base))
    if problems:
        raise DataValidationError(problems)
    return out
