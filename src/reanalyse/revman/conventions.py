"""The named conventions that explain a number RevMan stored and we do not reproduce.

A recomputed number either equals RevMan's (within :data:`~reanalyse.revman.recompute.TOLERANCE`
or the precision the file prints) or is listed with one of these conventions, by name, in the
comparison table, the JSON and the text of ``reanalyse revman``: a difference is never hidden.
Each convention is a rule RevMan follows that is not a statistic we should copy, found in the
real files named below (``../shared/fixtures``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONVENTIONS",
    "REML_FOLLOWING_REL",
    "REML_STOP",
    "REML_TAU2_ABS",
    "SINGLE_STUDY",
    "TOTALS_NOT_COMPUTED",
    "Convention",
]


@dataclass(frozen=True, kw_only=True)
class Convention:
    """A convention's name (as printed) and what it says."""

    name: str
    text: str


SINGLE_STUDY = Convention(
    name="single-study-heterogeneity",
    text="one study: heterogeneity is not applicable (we report I² 0 and say so); RevMan "
    "stores I² = 100 where its Chi² on 0 df is rounding noise above zero "
    "(bisphosphonates-myeloma-CD003188.rm5, subgroup 1.5.2: Chi² = 1.9e-30, I² = 100)",
)
TOTALS_NOT_COMPUTED = Convention(
    name="totals-not-computed",
    text="the analysis shows subtotals only or no totals (TOTALS=\"SUB\" or \"NO\"): RevMan did "
    "not compute the overall result (it stores ESTIMABLE=\"NO\", zeros, and study weights of 0 "
    "where there are no subgroups); compared on the subtotals and study effects it stored "
    "(fluoride-toothpastes-CD007868.rm5, 19 analyses)",
)

REML_STOP = Convention(
    name="reml-stopping",
    text="RevMan Web's REML iteration stops short of the maximum of the restricted likelihood: "
    "its tau² is within 1e-8 of ours (about 1e-9 where ours is 0, at the boundary), and the I², "
    "CI and statistics that follow from it are within 1e-4 relative (CD016297-v2.zip, "
    "10 analyses)",
)

#: Every convention by name.
CONVENTIONS: dict[str, Convention] = {
    c.name: c for c in (SINGLE_STUDY, TOTALS_NOT_COMPUTED, REML_STOP)
}

#: REML_STOP's bounds: the tau² difference and the relative difference of what follows.
REML_TAU2_ABS = 1e-8
REML_FOLLOWING_REL = 1e-4
