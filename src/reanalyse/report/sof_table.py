"""The summary-of-findings tables of the report, one per comparison, as GRADE lays them out.

From the rows :func:`reanalyse.sof.finding` computes per analysis (kept in each analysis'
record, written to ``results/summary_of_findings.csv``): the outcome with its scale and
direction; the anticipated absolute effects per 1000 for a binary outcome (risk with the
control, risk with the treatment and its 95% interval from the review's result, and from the
Bayesian like-for-like posterior), or the continuous effect in words; the relative effect;
participants (studies); certainty as the review gives it; P(clinically meaningful benefit) with
its threshold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reanalyse.report.format import e, finite, probability
from reanalyse.report.tables import Cell, html_table

__all__ = ["HEADERS", "per_1000", "sof_tables"]

HEADERS = ("Outcome", "Risk with control (per 1000)",
           "Risk with treatment (per 1000, 95% CI): the review",
           "Risk with treatment (per 1000, 95% CrI): Bayesian like-for-like",
           "Relative effect (95% CI)", "Participants (studies)", "Certainty",
           "P(clinically meaningful benefit)")
_GROUPS = (("", 1), ("Anticipated absolute effects", 3), ("", 4))


def per_1000(est: Any, low: Any, high: Any) -> str:
    """'788 (551 to 1000)': a risk per 1000 and its interval; blank without the risk."""
    if not finite(est):
        return ""
    text = f"{float(est):.0f}"
    if finite(low) and finite(high):
        text += f" ({float(low):.0f} to {float(high):.0f})"
    return text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "comparison"


def _row(f: Mapping[str, Any]) -> list[Cell]:
    outcome = f'<a href="#analysis-{e(f["analysis"])}">{e(f["outcome"])}</a>'
    scale, direction = str(f.get("scale") or ""), str(f.get("direction") or "")
    if direction and direction in scale:  # the scale's own description already says it
        direction = ""
    detail = ", ".join(x for x in (scale, direction) if x)
    if detail:
        outcome += f'<br><span class="note">{e(detail)}</span>'
    if f.get("absolute_note"):  # no absolute effect (reanalyse.sof: no control events)
        absolute = [Cell(per_1000(f.get("control_per_1000"), None, None), numeric=True),
                    Cell(f'<span class="note">{e(f["absolute_note"])}</span>', span=2)]
    elif finite(f.get("control_per_1000")):
        absolute = [Cell(per_1000(f["control_per_1000"], None, None), numeric=True),
                    Cell(per_1000(f.get("treatment_per_1000"), f.get("treatment_low_per_1000"),
                                  f.get("treatment_high_per_1000")), numeric=True),
                    Cell(per_1000(f.get("bayes_per_1000"), f.get("bayes_low_per_1000"),
                                  f.get("bayes_high_per_1000")), numeric=True)]
    else:
        absolute = [Cell(e(f.get("continuous_effect") or ""), span=3)]
    participants = f.get("participants")
    who = f"{int(participants)} ({f['studies']})" if finite(participants) else \
        f"({f['studies']} studies)"
    p = probability(f.get("p_meaningful"))
    if p and f.get("threshold"):
        p += f'<br><span class="note">{e(f["threshold"])}</span>'
    return [Cell(outcome), *absolute, Cell(e(f.get("relative") or "")),
            Cell(e(who), numeric=True), Cell(e(f.get("certainty") or "not given")),
            Cell(p, numeric=True)]


def sof_tables(findings: Sequence[Mapping[str, Any]]) -> str:
    """One table per comparison (in the order the comparisons first appear), each with a note
    on where the control risks and the effects come from."""
    by: dict[str, list[Mapping[str, Any]]] = {}
    for f in findings:
        by.setdefault(str(f["comparison"]), []).append(f)
    parts = []
    for comparison, rows in by.items():
        sources = sorted({str(r.get("control_source") or "") for r in rows} - {""})
        effects = sorted({str(r.get("effect_source") or "") for r in rows} - {""})
        parts.append(f'<h3 id="sof-{_slug(comparison)}">{e(comparison)}</h3>')
        parts.append(html_table(HEADERS, [_row(r) for r in rows],
                                table_id=f"sof-table-{_slug(comparison)}", groups=_GROUPS,
                                css_class="sof"))
        notes = []
        if sources:
            notes.append("Risk with control: " + "; ".join(sources) + ".")
        if effects:
            notes.append("Relative effects and the review's column: " + "; ".join(effects)
                         + ". The Bayesian column and the participants are those of the "
                         "studies with data here, which can be fewer than the review's (see "
                         "its reproduction status in the decision table).")
        if notes:
            parts.append(f'<p class="note">{e(" ".join(notes))}</p>')
    return "".join(parts)
