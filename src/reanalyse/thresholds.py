"""Clinically meaningful thresholds on the analysis scale, sorted into benefit and harm.

An analysis states its thresholds on the measure's natural scale (RR 1.25, SMD 0.5, an MD in
points), each with its source. On the analysis scale (log for ratios) an effect above zero means
the treatment arm scored higher or had more events; with the outcome's direction
(``higher_is_better``) that gives the benefit sign ``s`` (+1 or -1). A threshold ``t`` lies on
the benefit side when ``sign(t) == s``: "clinically meaningful benefit" is then
``s * effect > |t|``. When the review reported an MD/SMD with its sign reversed
(``reverse_scale``), its thresholds are in that reversed direction and are flipped first.

The *primary* threshold of an analysis, used for P(clinically meaningful benefit) in the decision
table and to centre the skeptical and enthusiastic priors, is its benefit threshold of smallest
magnitude, preferring non-provisional ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reanalyse.conversions import benefit_sign
from reanalyse.direction import orientation_of
from reanalyse.measures import threshold_on_analysis_scale

__all__ = ["ScaledThreshold", "analysis_thresholds", "primary_threshold", "threshold_side"]


@dataclass(frozen=True)
class ScaledThreshold:
    """A threshold on the analysis scale, with its side, label, source and provenance flag."""

    value: float  # natural scale, as stated
    t: float  # analysis scale, signed in the data's direction
    side: str  # "benefit" or "harm"
    label: str
    source: str
    provisional: bool

    @property
    def magnitude(self) -> float:
        """|t| on the analysis scale."""
        return abs(self.t)


def threshold_side(t: float, *, higher_is_better: bool) -> str:
    """``"benefit"`` when the analysis-scale threshold ``t`` lies on the side of the null that
    favours the treatment, else ``"harm"`` (the null itself included)."""
    s = benefit_sign(higher_is_better=higher_is_better)
    return "benefit" if t != 0 and math.copysign(1.0, t) == s else "harm"


def analysis_thresholds(spec: Any) -> list[ScaledThreshold]:
    """The spec's thresholds on the analysis scale, each marked benefit or harm.

    ``spec`` is a pairwise or network analysis specification: anything with ``measure``,
    ``higher_is_better``, ``thresholds`` and optionally ``reverse_scale``.
    """
    out = []
    for th in spec.thresholds:
        # stated in the review's orientation: back to the data's (the flip is an involution)
        t = threshold_on_analysis_scale(th.value, measure=spec.measure)
        if getattr(spec, "reverse_scale", False):
            t = orientation_of(spec).shown(t)
        side = threshold_side(t, higher_is_better=spec.higher_is_better)
        out.append(ScaledThreshold(value=float(th.value), t=t, side=side, label=th.label,
                                   source=th.source, provisional=th.provisional))
    return out


def primary_threshold(spec: Any) -> ScaledThreshold | None:
    """The benefit threshold of smallest magnitude (non-provisional first), or None."""
    benefit = [t for t in analysis_thresholds(spec) if t.side == "benefit"]
    if not benefit:
        return None
    return min(benefit, key=lambda t: (t.provisional, t.magnitude))
