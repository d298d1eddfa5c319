"""The decision table as people read it: headings in words, column groups, rounded numbers.

One row per analysis, linked to its section, from the decision rows the pipeline keeps in each
analysis' record (``pipeline.decision``; ``results/decision.csv`` holds every column at full
precision for machines). Groups: the review | our frequentist reproduction | Bayesian,
like-for-like | Bayesian, generalisation (its tau prior is named in the analysis' section
and the methods) | probabilities | robustness. An effect and its
interval share a cell ("1.80 (1.26 to 2.56)"; bounds beyond 1000 as "> 1000"), probabilities
print as "> 0.999" / "< 0.001" at the ends (:mod:`reanalyse.report.format`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reanalyse.measures import is_ratio
from reanalyse.report.format import e, finite, interval, number, probability
from reanalyse.report.tables import Cell, html_table

__all__ = ["GROUPS", "decision_table"]

#: (group, headings) in page order; every heading is words.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The review", ("Analysis", "Studies", "Published (95% CI)", "Reproduction", "Reading")),
    ("Our frequentist reproduction", ("Estimate (95% CI)", "Method", "Heterogeneity I² (95% CI)")),
    ("Bayesian, like-for-like", ("Model", "Median (95% CrI)", "Reading",
                                 "Agrees with the review")),
    ("Bayesian, generalisation", ("Mean effect (95% CrI)",
                                  "A new trial (95% CrI)", "Reading")),
    ("Probabilities", ("Benefit", "Clinically meaningful benefit (threshold)",
                       "A new trial shows benefit")),
    ("Robustness", ("Prior sensitivity", "Range of grid medians",
                    "Omissions that change a reading", "MCMC check")),
)


def _text(row: Mapping[str, Any], key: str) -> str:
    v = row.get(key)
    return "" if v is None or (isinstance(v, float) and not finite(v)) else str(v)


def _short(text: str) -> str:
    """The part before the first ' (' or ',': 'prior-data conflict (prior 0.096, ...)' reads
    'prior-data conflict', 'common effect (tau = 0), normal ...' reads 'common effect'."""
    for sep in (" (", ","):
        text = text.split(sep, 1)[0]
    return text.strip()


def _agrees(value: Any) -> str:
    if value in (True, "True", "true", 1):
        return "yes"
    if value in (False, "False", "false", 0):
        return "no"
    return ""


def _row(row: Mapping[str, Any]) -> list[Cell]:
    aid = _text(row, "analysis")
    ratio = is_ratio(_text(row, "measure")) if _text(row, "measure") else False

    def iv(est: str, lo: str, hi: str) -> Cell:
        return Cell(e(interval(row.get(est), row.get(lo), row.get(hi), positive=ratio)),
                    numeric=True)

    i2 = ""
    if finite(row.get("freq_i2")):
        i2 = f"{number(row['freq_i2'], 0)}%"
        if finite(row.get("freq_i2_ci_low")):
            i2 += f" ({number(row['freq_i2_ci_low'], 0)}% to {number(row['freq_i2_ci_high'], 0)}%)"
    grid = ""
    if finite(row.get("grid_median_min")):
        grid = interval(row.get("grid_median_min"), None, None, positive=ratio) + " to " + \
            interval(row.get("grid_median_max"), None, None, positive=ratio)
    meaningful = probability(row.get("p_meaningful"))
    if meaningful and finite(row.get("threshold")):
        meaningful += (f'<br><span class="note">{e(_text(row, "measure"))} '
                       f"{number(row['threshold'])}: {e(_text(row, 'threshold_label'))}</span>")
    title = _text(row, "title") or aid
    return [
        Cell(f'<a href="#analysis-{e(aid)}">{e(title)}</a> '
             f'<span class="note">({e(_text(row, "measure"))})</span>'),
        Cell(number(row.get("k"), 0), numeric=True),
        iv("published_estimate", "published_ci_low", "published_ci_high"),
        Cell(e(_text(row, "reproduction_status"))),
        Cell(e(_text(row, "review_reading"))),
        iv("freq_estimate", "freq_ci_low", "freq_ci_high"),
        Cell(e(_text(row, "freq_method"))),
        Cell(e(i2), numeric=True),
        Cell(e(_short(_text(row, "like_for_like_model")))),
        iv("like_for_like_median", "like_for_like_q025", "like_for_like_q975"),
        Cell(e(_text(row, "like_for_like_reading"))),
        Cell(_agrees(row.get("agrees"))),
        iv("random_effects_median", "random_effects_q025", "random_effects_q975"),
        iv("theta_new_median", "theta_new_q025", "theta_new_q975"),
        Cell(e(_text(row, "random_effects_reading"))),
        Cell(probability(row.get("p_benefit")), numeric=True),
        Cell(meaningful, numeric=True),
        Cell(probability(row.get("p_new_benefit")), numeric=True),
        Cell(e(_short(_text(row, "prior_sensitivity")))),
        Cell(e(grid), numeric=True),
        Cell(e(_text(row, "omission_changes"))),
        Cell(e(_text(row, "mcmc_diagnostics")) or "not run"),
    ]


def decision_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The decision table of ``rows`` (decision rows, as ``pipeline.decision.decision_row``
    writes them)."""
    headers = [h for _, heads in GROUPS for h in heads]
    return html_table(headers, [_row(r) for r in rows], table_id="decision-table",
                      groups=[(g, len(heads)) for g, heads in GROUPS], css_class="decision")
