"""The summary of findings of one analysis, as a GRADE summary-of-findings table has it.

For a binary outcome the anticipated absolute effects per 1000: the risk with the control (the
pooled control-group risk of the included studies, total events over total participants, as
GRADEpro's "study population" risk, or a baseline risk the specification gives with its
source) and the risk with the treatment implied by a relative effect and its interval (GRADE
Handbook 5.2.1; Cochrane Handbook 14.1.5):

- RR: ``cr * RR``;
- OR: ``OR * cr / (1 - cr + OR * cr)``;
- RD: ``cr + RD``;

each bounded to [0, 1000] (with no control events a ratio implies no absolute effect: the
row says so and gives none), from the review's relative effect and 95% CI, and from the Bayesian
like-for-like posterior (its median and 95% credible interval: the risk is monotone in the
effect, so its quantiles are the effect's quantiles mapped). For a continuous outcome the mean
difference in the scale's units, or the SMD with its rule-of-thumb size (Cohen 1988: 0.2 small,
0.5 moderate, 0.8 large; Cochrane Handbook 5.1 section 12.6.2). Effects are in the review's
orientation (:mod:`reanalyse.direction`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from reanalyse.analyses import AnalysisSpec
from reanalyse.direction import orientation_of
from reanalyse.effects import EffectTable
from reanalyse.measures import is_ratio, on_natural_scale

__all__ = ["Finding", "absolute_risk", "finding", "smd_size"]

_PER = 1000.0


def absolute_risk(*, control_risk: float, effect: float, measure: str) -> float:
    """The risk with the treatment (a proportion) implied by ``control_risk`` and a relative or
    absolute ``effect`` on the natural scale (RR, OR or RD), bounded to [0, 1]."""
    cr = float(control_risk)
    if measure == "RR":
        risk = cr * effect
    elif measure == "OR":
        risk = effect * cr / (1.0 - cr + effect * cr)
    elif measure == "RD":
        risk = cr + effect
    else:
        raise ValueError(f"absolute risks need RR, OR or RD, not {measure}")
    return float(min(1.0, max(0.0, risk)))


def smd_size(smd: float) -> str:
    """Cohen's rule of thumb for |SMD|: below 0.2 trivial, then small, moderate, large."""
    m = abs(smd)
    return "trivial" if m < 0.2 else "small" if m < 0.5 else "moderate" if m < 0.8 else "large"


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One row of the summary-of-findings table (risks per 1000; effects natural, in the
    review's orientation)."""

    analysis: str
    comparison: str
    outcome: str
    scale: str
    direction: str
    measure: str
    relative: str
    estimate: float
    ci_low: float
    ci_high: float
    effect_source: str
    participants: int | None
    studies: int
    certainty: str
    control_per_1000: float | None = None
    control_source: str = ""
    treatment_per_1000: float | None = None
    treatment_low_per_1000: float | None = None
    treatment_high_per_1000: float | None = None
    bayes_per_1000: float | None = None
    bayes_low_per_1000: float | None = None
    bayes_high_per_1000: float | None = None
    bayes_median: float | None = None
    bayes_q025: float | None = None
    bayes_q975: float | None = None
    continuous_effect: str = ""
    absolute_note: str = ""
    p_meaningful: float | None = None
    threshold: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The row for ``summary_of_findings.csv``."""
        return asdict(self)


def _per_1000(p: float) -> float:
    return float(np.round(p * _PER))


def _continuous(measure: str, est: float, lo: float, hi: float, units: str) -> str:
    word = "higher" if est >= 0 else "lower"
    unit = f" {units}" if units else ""
    text = f"{measure} {abs(est):.2f}{unit} {word} ({lo:.2f} to {hi:.2f})"
    if measure == "SMD":
        text += f": a {smd_size(est)} effect (Cohen's rule of thumb)"
    return text


def finding(*, spec: AnalysisSpec, effects: EffectTable, pooled: Any,
            published: dict[str, Any] | None = None, bayes: dict[str, float] | None = None,
            threshold: Any = None, baseline_risk: float | None = None,
            baseline_source: str = "", units: str = "") -> Finding:
    """The summary of findings of one analysis.

    Parameters
    ----------
    spec, effects, pooled
        The specification, its study effects (estimable studies) and our pooled result (the
        review's model); the effect shown is the review's published one where ``published``
        gives it (``estimate``, ``ci_low``, ``ci_high``, optional ``certainty``), else ours.
    bayes
        The like-for-like posterior's summary on the analysis scale (``mu_median``,
        ``mu_q025``, ``mu_q975``, ``p_meaningful``), or None.
    threshold
        The primary clinically meaningful threshold (``ScaledThreshold``) or None.
    baseline_risk, baseline_source
        A baseline risk (a proportion) with its source, instead of the studies' control risk.
    units
        The continuous scale's units for an MD (e.g. "points").
    """
    orient = orientation_of(spec)
    if published is not None and all(math.isfinite(float(published.get(k, math.nan)))
                                     for k in ("estimate", "ci_low", "ci_high")):
        est, lo, hi = (float(published[k]) for k in ("estimate", "ci_low", "ci_high"))
        source = "the review's published result"
        certainty = str(published.get("certainty") or "")
    else:
        est, lo, hi = orient.shown_estimate(pooled.estimate, pooled.ci_low, pooled.ci_high)
        source = "our reproduction of the review's model"
        certainty = ""
    n = effects.participants()
    participants = int(np.nansum(n)) if np.all(np.isfinite(n)) and len(n) else None
    row: dict[str, Any] = {
        "analysis": spec.id, "comparison": f"{spec.treatment} vs {spec.control}",
        "outcome": spec.title, "scale": spec.scale or "",
        "direction": "higher is better" if spec.higher_is_better else "lower is better",
        "measure": spec.measure, "relative": f"{spec.measure} {est:.2f} ({lo:.2f} to {hi:.2f})",
        "estimate": est, "ci_low": lo, "ci_high": hi, "effect_source": source,
        "participants": participants, "studies": len(effects), "certainty": certainty}
    if bayes is not None:
        q = [bayes.get(k) for k in ("mu_median", "mu_q025", "mu_q975")]
        if all(v is not None and math.isfinite(v) for v in q):
            med, q025, q975 = orient.shown_estimate(
                *(on_natural_scale(float(v), ratio=is_ratio(spec.measure))  # type: ignore[arg-type]
                  for v in q))
            row.update(bayes_median=med, bayes_q025=q025, bayes_q975=q975)
        p = bayes.get("p_meaningful")
        row["p_meaningful"] = None if p is None or not math.isfinite(p) else float(p)
    if threshold is not None:
        row["threshold"] = f"{threshold.label} ({threshold.value:g})"
    if spec.measure in ("RR", "OR", "RD"):
        if baseline_risk is not None:
            cr, row["control_source"] = float(baseline_risk), baseline_source
        elif effects.is_binary_arms:
            cells = effects.binary_cells()
            cr = float(np.sum(cells["events_2"]) / np.sum(cells["total_2"]))
            row["control_source"] = ("the pooled control-group risk of the included studies "
                                     "(total events / total participants)")
        else:
            cr = math.nan
        if math.isfinite(cr) and cr == 0.0 and spec.measure in ("RR", "OR"):
            # a ratio times a zero risk: no absolute effect follows from the relative one
            row["control_per_1000"] = 0.0
            row["absolute_note"] = ("not estimable from a relative effect: no events with "
                                    "control")
        elif math.isfinite(cr):
            row["control_per_1000"] = _per_1000(cr)
            risks = [absolute_risk(control_risk=cr, effect=v, measure=spec.measure)
                     for v in (est, lo, hi)]
            row.update(treatment_per_1000=_per_1000(risks[0]),
                       treatment_low_per_1000=_per_1000(min(risks[1:])),
                       treatment_high_per_1000=_per_1000(max(risks[1:])))
            if row.get("bayes_median") is not None:
                b = [absolute_risk(control_risk=cr, effect=row[k], measure=spec.measure)
                     for k in ("bayes_median", "bayes_q025", "bayes_q975")]
                row.update(bayes_per_1000=_per_1000(b[0]), bayes_low_per_1000=_per_1000(min(b[1:])),
                           bayes_high_per_1000=_per_1000(max(b[1:])))
    elif not is_ratio(spec.measure):
        row["continuous_effect"] = _continuous(spec.measure, est, lo, hi, units)
    return Finding(**row)
