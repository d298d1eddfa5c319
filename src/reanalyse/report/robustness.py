"""The robustness part of an analysis' section: leave-one-out with the case diagnostics, the
small-study tests (or why they were not done) and trim and fill, effects in the review's
orientation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from reanalyse.direction import Orientation, orientation_of
from reanalyse.report.format import e
from reanalyse.report.tables import frame_table

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["robustness"]


def _in_review_orientation(frame: pd.DataFrame, shown: Orientation,
                           triplets: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """``frame`` with each (estimate, low, high) column triplet in the review's orientation."""
    if shown.sign > 0:
        return frame
    frame = frame.copy()
    for est, lo, hi in triplets:
        if est in frame:
            frame[est], frame[lo], frame[hi] = shown.shown_estimate(frame[est], frame[lo],
                                                                    frame[hi])
    if "side" in frame:
        frame["side"] = [shown.shown_side(v) if isinstance(v, str) else v for v in frame["side"]]
    return frame


def robustness(prep: PreparedAnalysis, decision_row: pd.Series) -> list[str]:
    """Leave-one-out table, the small-study tests (or why they were not done) and trim and
    fill, effects in the review's orientation."""
    parts = []
    shown = orientation_of(prep.spec)
    infl = prep.influence
    if infl is not None:
        infl = _in_review_orientation(infl, shown, (("estimate", "ci_low", "ci_high"),
                                                    ("bayes_median", "bayes_q025",
                                                     "bayes_q975")))
    if infl is not None and not infl.empty:
        changes = str(decision_row.get("omission_changes", "") or "")
        parts.append("<p>Leave-one-out (each study omitted in turn; frequentist with the "
                     "review's method, Bayesian by the exact engine under the default priors; "
                     f"natural scale). Omissions that change a reading: {e(changes)}.</p>")
        cols = ["omitted", "k", "estimate", "ci_low", "ci_high", "i2", "freq_reading",
                "bayes_median", "bayes_q025", "bayes_q975", "p_benefit", "p_meaningful",
                "bayes_reading"]
        if "rstudent" in infl and infl["rstudent"].notna().any():
            cols += ["rstudent", "cook_d", "hat", "influential"]
            flagged = str(decision_row.get("influential_studies", "") or "")
            parts.append("<p>Case diagnostics of each study (inverse variance with the review's "
                         "model, as metafor's <code>influence</code>): studentised deleted "
                         "residual, Cook's distance and hat value; marked influential by "
                         f"metafor's rule: {e(flagged)}.</p>")
        parts.append(frame_table(infl[cols], table_id=f"influence-{prep.spec.id}",
                            digits={"k": 0, "i2": 0, "p_benefit": 3, "p_meaningful": 3,
                                    "rstudent": 2, "cook_d": 3, "hat": 3}))
    small = prep.small_study
    if small is not None and not small.empty:
        done = small[small["p"].notna()]
        if done.empty:
            parts.append('<p class="note">Small-study effects: '
                         + e(str(small["note"].iloc[0])) + ".</p>")
        else:
            parts.append("<p>Small-study effects (funnel-plot asymmetry; a small p suggests "
                         "asymmetry, which has other causes than publication bias):</p>")
            parts.append(frame_table(small[["test", "k", "bias", "se", "statistic", "df", "p",
                                       "note"]],
                                table_id=f"small-study-{prep.spec.id}",
                                digits={"k": 0, "df": 0, "bias": 3, "se": 3, "statistic": 3,
                                        "p": 4}))
    tf = prep.trim_fill
    if tf is not None:
        tf = _in_review_orientation(tf, shown, (("estimate", "ci_low", "ci_high"),
                                                ("filled_estimate", "filled_ci_low",
                                                 "filled_ci_high")))
    if tf is not None and not tf.empty and tf["k0"].notna().any():
        parts.append("<p>Trim and fill (Duval and Tweedie; inverse variance with the review's "
                     "model; a sensitivity analysis, not a correction: asymmetry has other causes "
                     "than missing studies). <code>side</code> is where studies were imputed, "
                     "<code>k0</code> how many.</p>")
        parts.append(frame_table(tf[["estimator", "side", "k", "k0", "se_k0", "p_k0", "estimate",
                                "ci_low", "ci_high", "filled_estimate", "filled_ci_low",
                                "filled_ci_high"]],
                            table_id=f"trim-fill-{prep.spec.id}",
                            digits={"k": 0, "k0": 0, "se_k0": 2, "p_k0": 4}))
    return parts
