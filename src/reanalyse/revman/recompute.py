"""Recompute every analysis of a RevMan 5 review with its own settings, beside RevMan's numbers.

For each outcome (and each of its subgroups) the study rows are turned into study effects with
RevMan 5's conventions (:mod:`reanalyse.effects`), pooled with the outcome's settings (effect
measure, method, fixed or random, CI levels, swapped events), and every number RevMan stored is
set beside ours with the relative difference.

RevMan's stored p-values agree with exact chi-square / normal tail areas only to about 1e-5
relative (its own numerical routine); they are compared with :data:`P_TOLERANCE` and reported
apart from the estimates, which must agree within :data:`TOLERANCE`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reanalyse.effects import BinaryArms, ContinuousArms, EffectTable, effect_table
from reanalyse.pooling import PooledResult, pool_effects
from reanalyse.revman.model import Outcome, Review, StoredPooled, StudyRow, Subgroup

__all__ = [
    "ABS_TOLERANCE",
    "P_TOLERANCE",
    "TOLERANCE",
    "OutcomeCheck",
    "analysis_choice",
    "outcome_effects",
    "recompute_outcome",
    "recompute_review",
    "relative_difference",
    "tau2_i_squared",
]

TOLERANCE = 1e-6
ABS_TOLERANCE = 1e-9
P_TOLERANCE = 1e-4

#: (our PooledResult attribute, RevMan's stored attribute) for pooled results.
POOLED_FIELDS: tuple[tuple[str, str], ...] = (
    ("estimate", "effect_size"), ("ci_low", "ci_start"), ("ci_high", "ci_end"),
    ("tau2", "tau2"), ("i2", "i2"), ("q", "chi2"), ("df", "df"), ("z", "z"),
)
P_FIELDS: tuple[tuple[str, str], ...] = (("p_q", "p_chi2"), ("p_z", "p_z"))
STUDY_FIELDS: tuple[tuple[str, str], ...] = (
    ("estimate", "effect_size"), ("ci_low", "ci_start"), ("ci_high", "ci_end"),
    ("weight", "weight"),
)


def relative_difference(ours: float, theirs: float) -> float:
    """|ours - theirs| / |theirs|, or the absolute difference where |theirs| < 1e-3."""
    if math.isnan(ours) and math.isnan(theirs):
        return 0.0
    if not (math.isfinite(ours) and math.isfinite(theirs)):
        return 0.0 if ours == theirs else math.inf
    diff = abs(ours - theirs)
    return diff / abs(theirs) if abs(theirs) >= 1e-3 else diff


def _within(ours: float, theirs: float, tol: float) -> bool:
    if math.isnan(ours) and math.isnan(theirs):
        return True
    return abs(ours - theirs) <= max(tol * abs(theirs), ABS_TOLERANCE)


@dataclass(frozen=True)
class OutcomeCheck:
    """One outcome recomputed: our result, RevMan's, and how far apart they are."""

    outcome: Outcome
    result: PooledResult | None
    differences: pd.DataFrame = field(repr=False)
    note: str = ""

    @property
    def max_relative_difference(self) -> float:
        """Largest relative difference over estimates, CIs, heterogeneity and study rows."""
        d = self.differences
        d = d[~d["p_value"]] if len(d) else d
        return float(d["rel_diff"].max()) if len(d) else 0.0

    @property
    def agrees(self) -> bool:
        """Every compared number within tolerance (p-values within :data:`P_TOLERANCE`)."""
        return bool(self.differences["ok"].all()) if len(self.differences) else True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: our pooled results (overall and per subgroup) with RevMan's beside them."""
        o = self.outcome
        base = {"comparison_no": o.comparison_no, "outcome_no": o.outcome_no, "id": o.id,
                "name": o.name, "data_type": o.data_type,
                "settings": _settings_dict(o), "agrees": self.agrees,
                "max_rel_diff": self.max_relative_difference, "note": self.note}
        results: list[dict[str, Any]] = []
        if self.result is not None:
            overall = self.result.to_dict()
            overall.pop("subgroups", None)
            overall.update({"comparison_no": o.comparison_no, "outcome_no": o.outcome_no,
                            "subgroup_no": None, "revman": _stored_dict(o.stored)})
            results.append(overall)
            for sg, res in zip(o.subgroups, self.result.subgroups, strict=False):
                d = res.to_dict()
                d.update({"comparison_no": o.comparison_no, "outcome_no": o.outcome_no,
                          "subgroup_no": sg.no, "subgroup_name": sg.name,
                          "revman": _stored_dict(sg.stored)})
                results.append(d)
        base["results"] = results
        if o.subgroup_test is not None:
            base["revman_subgroup_test"] = {"q": o.subgroup_test.q, "p": o.subgroup_test.p_q,
                                            "i2": o.subgroup_test.i2_q}
        return base


def _settings_dict(o: Outcome) -> dict[str, Any]:
    s = o.settings
    return {"effect_measure": s.effect_measure, "method": s.method, "random": s.random,
            "ci_study": s.ci_study, "ci_total": s.ci_total, "swap_events": s.swap_events,
            "totals": s.totals, "subgroups": s.subgroups}


#: RevMan's stored field -> the JSON key of the same concept in every ``--json`` (``estimate``,
#: ``ci_low``, ``ci_high`` natural scale; RevMan's LOG_* values are base-10 logarithms, not the
#: analysis scale, so they are ``log10_*`` and never ``te``; ``q``/``p_q`` heterogeneity;
#: ``pi_low``/``pi_high`` prediction interval; ``k`` studies); the outcome-level ``q``, ``p_q``,
#: ``i2_q`` (test for subgroup differences) go under ``subgroup_test``.
STORED_KEYS: dict[str, str] = {
    "effect_size": "estimate", "ci_start": "ci_low", "ci_end": "ci_high",
    "log_effect_size": "log10_estimate", "log_ci_start": "log10_ci_low",
    "log_ci_end": "log10_ci_high",
    "chi2": "q", "p_chi2": "p_q", "studies": "k", "pi_start": "pi_low", "pi_end": "pi_high",
    "tau2_ci_start": "tau2_ci_low", "tau2_ci_end": "tau2_ci_high",
}


def _stored_dict(stored: StoredPooled | None) -> dict[str, Any] | None:
    """RevMan's stored pooled numbers under the shared JSON vocabulary (:data:`STORED_KEYS`)."""
    if stored is None:
        return None
    from dataclasses import asdict

    raw = asdict(stored)
    test = {k: raw.pop(k) for k in ("q", "p_q", "i2_q")}
    out = {STORED_KEYS.get(k, k): v for k, v in raw.items()}
    if any(v is not None for v in test.values()):
        out["subgroup_test"] = {"q": test["q"], "p": test["p_q"], "i2": test["i2_q"]}
    return out


def analysis_choice(outcome: Outcome) -> tuple[str, str] | None:
    """(measure, method) for our engine, or None when the measure is not one we pool."""
    code = outcome.settings.effect_measure_code
    if code is None:
        return None
    if code == "PETO_OR":
        return "OR", "PETO"
    if code not in ("RR", "OR", "RD", "MD", "SMD"):
        return None
    method = outcome.settings.method if outcome.data_type == "dichotomous" else "IV"
    return code, method


def outcome_effects(outcome: Outcome, *, measure: str) -> EffectTable:
    """The effect table of every row of ``outcome`` (in file order; subgroup: its number), built
    by the same rule as a study table's (:func:`reanalyse.effects.effect_table`), with the
    outcome's study CI level."""
    rows: list[tuple[Subgroup | None, StudyRow]] = list(outcome.iter_rows())
    k = len(rows)

    def column(get: Any) -> np.ndarray:
        return np.array([get(r) for _, r in rows], dtype=float).reshape(k)

    nan = np.full(k, np.nan)
    te, se = nan, nan
    arms: BinaryArms | ContinuousArms | None = None
    if outcome.data_type == "dichotomous":
        kind = "binary"
        e1, e2 = column(lambda r: r.events_1 or 0), column(lambda r: r.events_2 or 0)
        n1, n2 = column(lambda r: r.total_1 or 0), column(lambda r: r.total_2 or 0)
        if outcome.settings.swap_events:
            e1, e2 = n1 - e1, n2 - e2
        arms = BinaryArms(events=np.column_stack([e1, e2]), total=np.column_stack([n1, n2]))
    elif outcome.data_type == "continuous":
        kind = "continuous"
        arms = ContinuousArms(
            n=np.column_stack([column(lambda r: r.total_1 or 0), column(lambda r: r.total_2 or 0)]),
            mean=np.column_stack([column(lambda r: r.mean_1), column(lambda r: r.mean_2)]),
            sd=np.column_stack([column(lambda r: r.sd_1), column(lambda r: r.sd_2)]))
    else:
        kind = "contrast"
        te, se = column(lambda r: r.estimate), column(lambda r: r.se)
        if measure in ("RR", "OR") and not outcome.settings.log_data:
            with np.errstate(divide="ignore", invalid="ignore"):
                te = np.where(te > 0, np.log(te), math.nan)
    return effect_table(measure=measure, study=[r.study for _, r in rows], kind=[kind] * k,
                        te=te, se=se, arms=arms,
                        subgroup=[str(sg.no) if sg is not None else "" for sg, _ in rows],
                        level=outcome.settings.ci_study)


def recompute_outcome(outcome: Outcome) -> OutcomeCheck:
    """Recompute one outcome with its own settings and compare with RevMan's stored numbers."""
    analysis = analysis_choice(outcome)
    empty = pd.DataFrame(columns=["level", "study", "field", "ours", "revman", "rel_diff",
                                  "p_value", "ok"])
    if analysis is None:
        return OutcomeCheck(outcome=outcome, result=None, differences=empty,
                            note=f"effect measure {outcome.settings.effect_measure!r} is not "
                            "supported")
    measure, method = analysis
    eff = outcome_effects(outcome, measure=measure)
    if not len(eff):
        return OutcomeCheck(outcome=outcome, result=None, differences=empty,
                            note="no study rows")
    s = outcome.settings
    tau2_method = s.tau2_method if s.tau2_method in ("DL", "REML", "PM") else "DL"
    hksj = s.random and s.ci_method == "HKSJ"
    notes = []
    if s.tau2_method != tau2_method:
        notes.append(f"heterogeneity estimator {s.tau2_method!r} is not one we pool; DL used")
    res = pool_effects(eff, measure=measure, method=method,
                       model="random" if s.random else "fixed", tau2_method=tau2_method,
                       hksj=hksj, level=s.ci_total, study_level=s.ci_study, by_subgroup=True)
    # RevMan Web (CD016297 analysis 1.1, HKSJ) prints the t statistic beside the HKSJ interval
    # but the P value of the Wald z test: the Wald P values are compared with its P.
    wald = (pool_effects(eff, measure=measure, method=method, model="random",
                         tau2_method=tau2_method, level=s.ci_total, study_level=s.ci_study,
                         by_subgroup=True) if hksj else None)
    if hksj:
        notes.append("HKSJ: t compared with RevMan's T, P with the Wald z P value RevMan prints")
    if tau2_method != "DL" and s.random:
        notes.append("I² from tau² (RevMan Web), tau²/(tau² + typical within-study variance)")
    diffs: list[dict[str, Any]] = []
    # With totals shown, RevMan's study weights are percentages of the overall analysis (also
    # inside subgroups); with subtotals only, of each subgroup.
    with_totals = s.totals == "YES" or not outcome.subgroups
    tau2_i2 = s.random and tau2_method != "DL"
    if with_totals:
        _compare_pooled(diffs, "overall", res, outcome.stored, random=s.random,
                        wald=wald, eff=eff if tau2_i2 else None)
        _compare_studies(diffs, "overall", res, [r for _, r in outcome.iter_rows()])
    for i, (sg, sub) in enumerate(zip(outcome.subgroups, res.subgroups, strict=False)):
        _compare_pooled(diffs, f"subgroup {sg.no}", sub, sg.stored, random=s.random,
                        wald=wald.subgroups[i] if wald is not None else None,
                        eff=eff.select(eff.subgroup == str(sg.no)) if tau2_i2 else None)
        if not with_totals:
            _compare_studies(diffs, f"subgroup {sg.no}", sub, list(sg.rows))
    if outcome.subgroup_test is not None and res.subgroup_test is not None \
            and outcome.subgroup_test.df > 0 and res.subgroup_test.df > 0:
        t, st = res.subgroup_test, outcome.subgroup_test
        for name, ours, theirs, is_p in (("subgroup_q", t.q, st.q, False),
                                         ("subgroup_i2", t.i2, st.i2_q, False),
                                         ("subgroup_p", t.p, st.p_q, True)):
            if theirs is not None:
                _add(diffs, "overall", "", name, ours, theirs, p_value=is_p)
    table = pd.DataFrame(diffs) if diffs else empty
    return OutcomeCheck(outcome=outcome, result=res, differences=table, note="; ".join(notes))


def _add(diffs: list[dict[str, Any]], level: str, study: str, name: str, ours: float,
         theirs: float, *, p_value: bool = False) -> None:
    ours_f, theirs_f = float(ours), float(theirs)
    tol = P_TOLERANCE if p_value else TOLERANCE
    diffs.append({"level": level, "study": study, "field": name, "ours": ours_f,
                  "revman": theirs_f, "rel_diff": relative_difference(ours_f, theirs_f),
                  "p_value": p_value, "ok": _within(ours_f, theirs_f, tol)})


def tau2_i_squared(*, se: np.ndarray, tau2: float) -> float:
    """RevMan Web's I² (percent) from tau²: tau² / (tau² + v), with the typical within-study
    variance v = (k - 1) sum(w) / ((sum w)² - sum(w²)), w = 1/se² (metafor's definition,
    ``/work/shared/research/revman-methods.md``); equal to the Q-based I² under DerSimonian-Laird."""
    w = 1.0 / np.asarray(se, dtype=float) ** 2
    k = len(w)
    denom = float(np.sum(w) ** 2 - np.sum(w**2))
    if k < 2:
        return 0.0  # no heterogeneity to estimate; RevMan Web prints 0 (CD016297)
    if denom <= 0 or not math.isfinite(tau2):
        return math.nan
    v = (k - 1) * float(np.sum(w)) / denom
    return 100.0 * tau2 / (tau2 + v)


def _compare_pooled(diffs: list[dict[str, Any]], level: str, res: PooledResult,
                    stored: StoredPooled | None, *, random: bool,
                    wald: PooledResult | None = None, eff: EffectTable | None = None) -> None:
    if stored is None:
        return
    if stored.estimable is False or not res.estimable:
        diffs.append({"level": level, "study": "", "field": "estimable",
                      "ours": float(res.estimable), "revman": float(bool(stored.estimable)),
                      "rel_diff": 0.0 if res.estimable == bool(stored.estimable) else math.inf,
                      "p_value": False,
                      "ok": res.estimable == bool(stored.estimable)})
        return
    for ours_name, theirs_name in POOLED_FIELDS:
        theirs = getattr(stored, theirs_name)
        if theirs is None or (ours_name == "tau2" and not random):
            continue
        ours = getattr(res, ours_name)
        if ours_name == "z":
            ours = abs(ours)
        if ours_name == "i2" and eff is not None:
            est = eff.estimable_only()
            ours = tau2_i_squared(se=np.asarray(est.se), tau2=res.tau2)
        _add(diffs, level, "", ours_name, ours, theirs)
    # With one study RevMan Web applies no HKSJ and prints T = 0 (CD016297's one-study subgroups).
    if res.hksj and res.k >= 2 and stored.t is not None:
        _add(diffs, level, "", "t", abs(res.z), stored.t)
    if res.df > 0:
        for ours_name, theirs_name in P_FIELDS:
            theirs = getattr(stored, theirs_name)
            if theirs is not None:
                src = wald if (ours_name == "p_z" and wald is not None) else res
                _add(diffs, level, "", ours_name, getattr(src, ours_name), theirs, p_value=True)


def _compare_studies(diffs: list[dict[str, Any]], level: str, res: PooledResult,
                     rows: list[StudyRow]) -> None:
    table = res.studies
    for i, row in enumerate(rows):
        ours = table.iloc[i]
        st = row.stored
        if st.estimable is False or not ours["estimable"]:
            same = bool(ours["estimable"]) == bool(st.estimable)
            diffs.append({"level": level, "study": row.study, "field": "estimable",
                          "ours": float(ours["estimable"]), "revman": float(bool(st.estimable)),
                          "rel_diff": 0.0 if same else math.inf, "p_value": False, "ok": same})
            continue
        for ours_name, theirs_name in STUDY_FIELDS:
            theirs = getattr(st, theirs_name)
            if theirs is not None:
                _add(diffs, level, row.study, ours_name, float(ours[ours_name]), theirs)


def recompute_review(review: Review) -> list[OutcomeCheck]:
    """Recompute every outcome of ``review``, in file order."""
    return [recompute_outcome(o) for o in review.outcomes]
