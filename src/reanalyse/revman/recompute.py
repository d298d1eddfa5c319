"""Recompute every analysis of a RevMan 5 review with its own settings, beside RevMan's numbers.

For each outcome (and each of its subgroups) the study rows are turned into study effects with
RevMan 5's conventions (:mod:`reanalyse.effects`), pooled with the outcome's settings (effect
measure, method, fixed or random, CI levels, swapped events), and every number RevMan stored is
set beside ours with the relative difference.

RevMan's stored p-values agree with exact chi-square / normal tail areas only to about 1e-5
relative (its own numerical routine); they are compared with :data:`P_TOLERANCE` and reported
apart from the estimates, which must agree within :data:`TOLERANCE`. A file that prints its
numbers rounded (a version-1 data package: 6 decimal places) is compared within half a unit of
the last printed place where that is wider. A number that differs by a rule of RevMan's own is
listed with the convention that explains it (:mod:`reanalyse.revman.conventions`), never dropped.

Data types and measures: dichotomous (RR, OR, RD by MH or IV, Peto OR), continuous (MD, SMD),
generic inverse variance (estimate and SE; ratios, among them hazard ratios and ratios of
geometric means, pooled on the log scale) and O-E and variance (ln ratio = (O-E)/V with
SE = 1/sqrt(V): the Peto method, which on these data equals fixed-effect inverse variance with
weights V, or inverse variance with random effects).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from reanalyse.effects import BinaryArms, ContinuousArms, EffectTable, effect_table
from reanalyse.measures import on_natural_scale
from reanalyse.pooling import PooledResult, pool_effects
from reanalyse.revman.conventions import (
    REML_FOLLOWING_REL,
    REML_STOP,
    REML_TAU2_ABS,
    SINGLE_STUDY,
    TOTALS_NOT_COMPUTED,
    Convention,
)
from reanalyse.revman.model import Outcome, Review, StoredPooled, StudyRow, Subgroup

__all__ = [
    "ABS_TOLERANCE",
    "P_TOLERANCE",
    "TOLERANCE",
    "OutcomeCheck",
    "analysis_choice",
    "engine_choice",
    "outcome_effects",
    "recompute_outcome",
    "recompute_review",
    "relative_difference",
    "revman_web_prediction_interval",
    "tau2_estimator",
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


def _within(ours: float, theirs: float, tol: float, resolution: float = 0.0) -> bool:
    if math.isnan(ours) and math.isnan(theirs):
        return True
    return abs(ours - theirs) <= max(tol * abs(theirs), ABS_TOLERANCE, resolution)


_COLUMNS = ["level", "study", "field", "ours", "revman", "rel_diff", "p_value", "ok",
            "convention"]


@dataclass(frozen=True)
class OutcomeCheck:
    """One outcome recomputed: our result, RevMan's, and how far apart they are."""

    outcome: Outcome
    result: PooledResult | None
    differences: pd.DataFrame = field(repr=False)
    note: str = ""

    @property
    def max_relative_difference(self) -> float:
        """Largest relative difference over estimates, CIs, heterogeneity and study rows (the
        rows a named convention explains left out: they are in :attr:`explained`)."""
        d = self.differences
        d = d[~d["p_value"] & ~self.explained_mask] if len(d) else d
        return float(d["rel_diff"].max()) if len(d) else 0.0

    @property
    def explained_mask(self) -> pd.Series:
        """Rows that differ from RevMan by a named convention."""
        d = self.differences
        return ~d["ok"] & (d["convention"] != "")

    @property
    def explained(self) -> pd.DataFrame:
        """The rows that differ from RevMan's stored numbers by a named convention."""
        return self.differences[self.explained_mask]

    @property
    def failing(self) -> pd.DataFrame:
        """The rows that differ from RevMan's stored numbers with no convention to explain it."""
        d = self.differences
        return d[~d["ok"] & (d["convention"] == "")]

    @property
    def agrees(self) -> bool:
        """Every compared number within tolerance (p-values within :data:`P_TOLERANCE`), or
        explained by a named convention."""
        return self.failing.empty

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: our pooled results (overall and per subgroup) with RevMan's beside them."""
        o = self.outcome
        base = {"comparison_no": o.comparison_no, "outcome_no": o.outcome_no, "id": o.id,
                "name": o.name, "data_type": o.data_type,
                "settings": _settings_dict(o), "agrees": self.agrees,
                "max_rel_diff": self.max_relative_difference, "note": self.note,
                "explained": _records(self.explained), "failing": _records(self.failing)}
        results: list[dict[str, Any]] = []
        if self.result is not None:
            overall = self.result.to_dict()
            overall.pop("subgroups", None)
            overall.update({"comparison_no": o.comparison_no, "outcome_no": o.outcome_no,
                            "subgroup_no": None, "revman": _stored_dict(o.stored),
                            "heterogeneity": _heterogeneity(self.result)})
            results.append(overall)
            for sg, res in zip(o.subgroups, self.result.subgroups, strict=False):
                d = res.to_dict()
                d.update({"comparison_no": o.comparison_no, "outcome_no": o.outcome_no,
                          "subgroup_no": sg.no, "subgroup_name": sg.name,
                          "revman": _stored_dict(sg.stored), "heterogeneity": _heterogeneity(res)})
                results.append(d)
        base["results"] = results
        if o.subgroup_test is not None:
            base["revman_subgroup_test"] = {"q": o.subgroup_test.q, "p": o.subgroup_test.p_q,
                                            "i2": o.subgroup_test.i2_q}
        return base


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = ["level", "study", "field", "ours", "revman", "convention"]
    return [{c: (None if isinstance(r[c], float) and not math.isfinite(r[c]) else r[c])
             for c in cols} for r in frame[cols].to_dict("records")] if len(frame) else []


def _heterogeneity(res: PooledResult) -> str:
    """"not applicable" for one study (I² 0 is then not a finding), else "estimated"."""
    return "not applicable" if res.k < 2 else "estimated"


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


#: Ratio measures RevMan pools on the log scale from contrasts (generic inverse variance, O-E and
#: variance) that our measure vocabulary does not name; the pooling engine takes them as "OR",
#: which only sets the log scale for contrasts, and the result is labelled with the file's code.
_LOG_RATIOS = frozenset({"HR", "RoGM", "PETO_OR", "RR", "OR"})


def engine_choice(outcome: Outcome) -> tuple[str, str, str] | None:
    """(engine measure, method, label) for recomputing ``outcome``, or None when we cannot.

    Dichotomous and continuous outcomes: :func:`analysis_choice`. Generic inverse variance:
    inverse variance on the measure's scale (log for ratios: RR, OR, HR, Peto OR, ratio of
    geometric means). O-E and variance: always a log ratio (Peto OR or HR), pooled by inverse
    variance on (O-E)/V with weights V, which is Peto's method under a fixed effect.
    """
    code = outcome.settings.effect_measure_code
    if outcome.data_type in ("dichotomous", "continuous"):
        choice = analysis_choice(outcome)
        return None if choice is None else (*choice, choice[0])
    if outcome.data_type == "o_e_variance":
        return "OR", "IV", code or outcome.settings.effect_measure
    if code in _LOG_RATIOS:
        return (code if code in ("RR", "OR") else "OR"), "IV", code
    if code in ("RD", "MD", "SMD"):
        return code, "IV", code
    return None


def outcome_effects(outcome: Outcome, *, measure: str) -> EffectTable:
    """The effect table of every row of ``outcome`` (in file order; subgroup: its number), built
    by the same rule as a study table's (:func:`reanalyse.effects.effect_table`), with the
    outcome's study CI level.

    A generic inverse-variance row's ``estimate`` is on the natural scale (the reader's rule,
    :class:`~reanalyse.revman.model.StudyRow`), so ratios are logged here; an O-E row enters as
    ln ratio = (O-E)/V with SE = 1/sqrt(V)."""
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
    elif outcome.data_type == "o_e_variance":
        kind = "contrast"
        o_e, var = column(lambda r: r.o_e), column(lambda r: r.var)
        with np.errstate(divide="ignore", invalid="ignore"):
            te = np.where(var > 0, o_e / var, math.nan)
            se = np.where(var > 0, 1 / np.sqrt(var), math.nan)
    else:
        kind = "contrast"
        te, se = column(lambda r: r.estimate), column(lambda r: r.se)
        if measure in ("RR", "OR"):
            with np.errstate(divide="ignore", invalid="ignore"):
                te = np.where(te > 0, np.log(te), math.nan)
    return effect_table(measure=measure, study=[r.study for _, r in rows], kind=[kind] * k,
                        te=te, se=se, arms=arms,
                        subgroup=[str(sg.no) if sg is not None else "" for sg, _ in rows],
                        level=outcome.settings.ci_study)


def recompute_outcome(outcome: Outcome, *, printed_decimals: int | None = None) -> OutcomeCheck:
    """Recompute one outcome with its own settings and compare with RevMan's stored numbers.

    ``printed_decimals``: the decimal places the file rounds its numbers to (None: full
    precision, as RevMan 5 files and 2.x packages write them); a number then agrees within half
    a unit of the last place, where that is wider than :data:`TOLERANCE`.
    """
    cmp = _Comparer(0.0 if printed_decimals is None else 0.5 * 10.0 ** -printed_decimals)
    choice = engine_choice(outcome)
    empty = pd.DataFrame(columns=_COLUMNS)
    if choice is None:
        return OutcomeCheck(outcome=outcome, result=None, differences=empty,
                            note=f"effect measure {outcome.settings.effect_measure!r} is not "
                            "supported")
    measure, method, label = choice
    eff = outcome_effects(outcome, measure=measure)
    if not len(eff):
        # RevMan stores an analysis without data as not estimable, with zeros
        # (vitamin-d-liver-CD011564.rm5 analyses 1.8 and 1.9)
        if outcome.stored is not None:
            cmp.estimable("overall", "", ours=False, theirs=bool(outcome.stored.estimable))
        return OutcomeCheck(outcome=outcome, result=None, differences=cmp.table(),
                            note="no study rows")
    s = outcome.settings
    tau2_method, notes = tau2_estimator(outcome, method=method)
    hksj = s.random and s.ci_method == "HKSJ"
    res = _relabel(pool_effects(eff, measure=measure, method=method,
                                model="random" if s.random else "fixed",
                                tau2_method=tau2_method, hksj=hksj, level=s.ci_total,
                                study_level=s.ci_study, by_subgroup=True), label)
    # RevMan Web (CD016297 analysis 1.1, HKSJ) prints the t statistic beside the HKSJ interval
    # but the P value of the Wald z test: the Wald P values are compared with its P.
    wald = (pool_effects(eff, measure=measure, method=method, model="random",
                         tau2_method=tau2_method, level=s.ci_total, study_level=s.ci_study,
                         by_subgroup=True) if hksj else None)
    if hksj:
        notes.append("HKSJ: t compared with RevMan's T, P with the Wald z P value RevMan prints")
    if tau2_method != "DL" and s.random:
        notes.append("I² from tau² (RevMan Web), tau²/(tau² + typical within-study variance)")
    prediction = s.random and s.prediction_interval
    if prediction:
        notes.append("prediction interval: mu ± z·sqrt(tau² + SE²) (RevMan Web's rule as the "
                     "issue states it; no fixture has one on: not confirmed by a file)")
    if outcome.data_type == "o_e_variance":
        notes.append("O-E and variance: ln ratio = (O-E)/V, SE = 1/sqrt(V)")
    # With totals shown, RevMan's study weights are percentages of the overall analysis (also
    # inside subgroups); with subtotals only, of each subgroup, and 0 without subgroups.
    with_totals = s.totals == "YES"
    tau2_i2 = s.random and tau2_method != "DL"
    if with_totals:
        cmp.pooled("overall", res, outcome.stored, random=s.random, wald=wald,
                   eff=eff if tau2_i2 else None, prediction=prediction)
        cmp.studies("overall", res, [r for _, r in outcome.iter_rows()])
    else:
        notes.append(f"TOTALS={s.totals}: RevMan computed no overall result; compared on what "
                     "it stored")
        if outcome.stored is not None:
            cmp.add("overall", "", "estimate", res.estimate,
                    math.nan if outcome.stored.effect_size is None
                    else outcome.stored.effect_size, convention=TOTALS_NOT_COMPUTED)
        if not outcome.subgroups:
            cmp.studies("overall", res, list(outcome.rows), weights=TOTALS_NOT_COMPUTED)
    for i, (sg, sub) in enumerate(zip(outcome.subgroups, res.subgroups, strict=False)):
        cmp.pooled(f"subgroup {sg.no}", sub, sg.stored, random=s.random,
                   wald=wald.subgroups[i] if wald is not None else None,
                   eff=eff.select(eff.subgroup == str(sg.no)) if tau2_i2 else None,
                   prediction=prediction)
        if not with_totals:
            cmp.studies(f"subgroup {sg.no}", sub, list(sg.rows))
    if outcome.subgroup_test is not None and res.subgroup_test is not None \
            and outcome.subgroup_test.df > 0 and res.subgroup_test.df > 0:
        t, st = res.subgroup_test, outcome.subgroup_test
        for name, ours, theirs, is_p in (("subgroup_q", t.q, st.q, False),
                                         ("subgroup_i2", t.i2, st.i2_q, False),
                                         ("subgroup_p", t.p, st.p_q, True)):
            if theirs is not None:
                cmp.add("overall", "", name, ours, theirs, p_value=is_p)
    return OutcomeCheck(outcome=outcome, result=res, differences=cmp.table(),
                        note="; ".join(notes))


def _relabel(res: PooledResult, label: str) -> PooledResult:
    """The result under the file's measure (HR, RoGM, Peto OR pooled by the engine as "OR")."""
    if res.measure == label:
        return res
    return replace(res, measure=label, subgroups=tuple(replace(s, measure=label)
                                                        for s in res.subgroups))


def tau2_estimator(outcome: Outcome, *, method: str) -> tuple[str, list[str]]:
    """The tau² estimator RevMan used for ``outcome`` pooled by ``method`` (IV, MH or PETO),
    with a note for each rule that overrode the recorded one: an estimator we do not pool
    falls back to DL; Mantel-Haenszel and Peto random effects use DL whatever is recorded
    (RevMan Web's rule as issue 17 states it; no fixture has an MH random-effects analysis
    with another estimator, so a file has not confirmed it)."""
    recorded = outcome.settings.tau2_method
    notes: list[str] = []
    if recorded not in ("DL", "REML", "PM"):
        notes.append(f"heterogeneity estimator {recorded!r} is not one we pool; DL used")
        return "DL", notes
    if method in ("MH", "PETO") and outcome.settings.random and recorded != "DL":
        notes.append(f"{method} random effects: DerSimonian-Laird tau² (RevMan Web's rule; "
                     f"{recorded} is recorded; not confirmed by a file)")
        return "DL", notes
    return recorded, notes


def revman_web_prediction_interval(*, te: float, se: float, tau2: float,
                                   level: float = 0.95) -> tuple[float, float]:
    """RevMan Web's prediction interval on the analysis scale: ``te ± z·sqrt(tau² + se²)``
    with the normal quantile z (not Higgins, Thompson & Spiegelhalter's t on k - 2 df, which
    :func:`reanalyse.pooling.pool` gives)."""
    z = float(special.ndtri((1 + level) / 2))
    half = z * math.sqrt(tau2 + se**2)
    return te - half, te + half


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


class _Comparer:
    """Collects the comparison rows of one outcome: ours beside RevMan's, whether they agree,
    and the convention that explains a difference."""

    def __init__(self, resolution: float) -> None:
        self.resolution = resolution
        self.rows: list[dict[str, Any]] = []

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=_COLUMNS)

    def add(self, level: str, study: str, name: str, ours: float, theirs: float, *,
            p_value: bool = False, convention: Convention | None = None) -> None:
        ours_f, theirs_f = float(ours), float(theirs)
        tol = P_TOLERANCE if p_value else TOLERANCE
        self.rows.append({"level": level, "study": study, "field": name, "ours": ours_f,
                          "revman": theirs_f, "rel_diff": relative_difference(ours_f, theirs_f),
                          "p_value": p_value, "ok": _within(ours_f, theirs_f, tol,
                                                            self.resolution),
                          "convention": convention.name if convention else ""})

    def estimable(self, level: str, study: str, *, ours: bool, theirs: bool) -> None:
        self.rows.append({"level": level, "study": study, "field": "estimable",
                          "ours": float(ours), "revman": float(theirs),
                          "rel_diff": 0.0 if ours == theirs else math.inf, "p_value": False,
                          "ok": ours == theirs, "convention": ""})

    def pooled(self, level: str, res: PooledResult, stored: StoredPooled | None, *,
               random: bool, wald: PooledResult | None = None,
               eff: EffectTable | None = None, prediction: bool = False) -> None:
        if stored is None:
            return
        if stored.estimable is False or not res.estimable:
            self.estimable(level, "", ours=res.estimable, theirs=bool(stored.estimable))
            return
        start = len(self.rows)
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
            single = (ours_name == "i2" and res.k == 1 and theirs == 100.0
                      and abs(stored.chi2 or 0.0) < ABS_TOLERANCE)
            self.add(level, "", ours_name, ours, theirs,
                     convention=SINGLE_STUDY if single else None)
        if prediction and res.k >= 2 and stored.pi_start is not None \
                and stored.pi_end is not None:
            low, high = revman_web_prediction_interval(
                te=res.te, se=res.se, tau2=res.tau2, level=res.level)
            self.add(level, "", "pi_low", on_natural_scale(low, ratio=res.log_scale),
                     stored.pi_start)
            self.add(level, "", "pi_high", on_natural_scale(high, ratio=res.log_scale),
                     stored.pi_end)
        # With one study RevMan Web applies no HKSJ and prints T = 0 (CD016297's one-study
        # subgroups).
        if res.hksj and res.k >= 2 and stored.t is not None:
            self.add(level, "", "t", abs(res.z), stored.t)
        if res.df > 0:
            for ours_name, theirs_name in P_FIELDS:
                theirs = getattr(stored, theirs_name)
                if theirs is not None:
                    src = wald if (ours_name == "p_z" and wald is not None) else res
                    self.add(level, "", ours_name, getattr(src, ours_name), theirs,
                             p_value=True)
        if (res.tau2_method == "REML" and stored.tau2 is not None
                and abs(res.tau2 - stored.tau2) <= REML_TAU2_ABS):
            for row in self.rows[start:]:
                if not row["ok"] and row["rel_diff"] <= REML_FOLLOWING_REL:
                    row["convention"] = REML_STOP.name

    def studies(self, level: str, res: PooledResult, rows: list[StudyRow], *,
                weights: Convention | None = None) -> None:
        """Each row's effect, CI and weight; ``weights`` names the convention under which
        RevMan's stored weights are not ours (0 without totals)."""
        table = res.studies
        for i, row in enumerate(rows):
            ours = table.iloc[i]
            st = row.stored
            if st.estimable is False or not ours["estimable"]:
                self.estimable(level, row.study, ours=bool(ours["estimable"]),
                               theirs=bool(st.estimable))
                continue
            for ours_name, theirs_name in STUDY_FIELDS:
                theirs = getattr(st, theirs_name)
                if theirs is not None:
                    self.add(level, row.study, ours_name, float(ours[ours_name]), theirs,
                             convention=weights if ours_name == "weight" else None)


def recompute_review(review: Review) -> list[OutcomeCheck]:
    """Recompute every outcome of ``review``, in file order, at the precision it prints."""
    return [recompute_outcome(o, printed_decimals=review.printed_decimals)
            for o in review.outcomes]
