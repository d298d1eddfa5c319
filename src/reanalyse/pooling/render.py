"""Plain-text renderings of a pooled result: RevMan's layout (study rows, weights, the total,
heterogeneity and the test for the overall effect) for the CLI and for ``print(res)``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from reanalyse.io.text import fmt, text_table

if TYPE_CHECKING:
    from reanalyse.pooling.result import PooledResult

__all__ = ["render"]


def _heterogeneity_limits(res: PooledResult) -> list[str]:
    ci = res.heterogeneity_ci
    if ci is None:
        return []
    pct = f"{round(ci.level * 100)}%"
    line = (f"Heterogeneity {pct} CIs: Tau² [{fmt(ci.tau2_low, 3)}, {fmt(ci.tau2_high, 3)}] "
            f"(Q-profile), Tau [{fmt(ci.tau_low, 3)}, {fmt(ci.tau_high, 3)}]")
    if math.isfinite(ci.i2_low):
        line += f"; I² [{ci.i2_low:.0f}%, {ci.i2_high:.0f}%] (Higgins-Thompson)"
    return [line]


def render(res: PooledResult, *, treatment: str | None = None,
           control: str | None = None) -> str:
    """A RevMan-like text rendering of a pooled result (``treatment`` and ``control`` default
    to those the result was pooled for)."""
    treatment = treatment or res.treatment or "treatment"
    control = control or res.control or "control"
    rows = []
    for _, s in res.studies.iterrows():
        if s["estimable"]:
            rows.append([str(s["study"]), fmt(s["weight"], 1) + "%",
                         f"{fmt(s['estimate'])} [{fmt(s['ci_low'])}, {fmt(s['ci_high'])}]"])
        else:
            rows.append([str(s["study"]), "", "Not estimable"])
    model = "Random" if res.model == "random" else "Fixed"
    head = f"{res.measure}, {res.method}, {model}, {round(res.level * 100)}% CI " \
           f"({treatment} vs {control})"
    lines = [head, text_table(["Study", "Weight", res.measure], rows), ""]
    if not res.estimable:
        lines.append("Total: not estimable")
        lines.extend(f"Note: {n}" for n in res.notes if n != "no study is estimable")
        return "\n".join(lines)
    lines.append(f"Total ({res.k} stud{'y' if res.k == 1 else 'ies'}): {fmt(res.estimate)} [{fmt(res.ci_low)}, "
                 f"{fmt(res.ci_high)}]")
    het = f"Heterogeneity: Chi² = {fmt(res.q)}, df = {res.df}"
    if res.df > 0:
        het += f" (P = {fmt(res.p_q, 4)}); I² = {res.i2:.0f}%"
    if res.model == "random":
        het = f"Heterogeneity: Tau² = {fmt(res.tau2, 3)} ({res.tau2_method}); " + het[15:]
    lines.append(het)
    lines.extend(_heterogeneity_limits(res))
    stat = "t" if res.hksj else "Z"
    lines.append(f"Test for overall effect: {stat} = {fmt(abs(res.z))} (P = {fmt(res.p_z, 4)})")
    if res.pi_low is not None:
        lines.append(f"Prediction interval: [{fmt(res.pi_low)}, {fmt(res.pi_high)}]")
    if res.subgroup_test is not None and res.subgroup_test.df > 0:
        t = res.subgroup_test
        lines.append(f"Test for subgroup differences: Chi² = {fmt(t.q)}, df = {t.df} "
                     f"(P = {fmt(t.p, 4)}), I² = {t.i2:.0f}%")
    lines.extend(f"Note: {n}" for n in res.notes)
    return "\n".join(lines)
