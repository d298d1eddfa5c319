"""The texts of a forest plot, as RevMan 5 prints them: an effect with its interval
("1.80 [1.26, 2.56]"), P values ("P = 0.03", "P = 0.004", "P < 0.00001"), the heterogeneity
line, the test for the overall effect, the test for subgroup differences and the column
headings ("Risk Ratio" over "M-H, Fixed, 95% CI")."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from reanalyse.pooling import PooledResult, SubgroupTest

__all__ = ["effect_text", "heterogeneity_text", "measure_heading", "method_heading",
           "overall_effect_text", "p_text", "subgroup_test_text"]

_MEASURE_NAMES = {"RR": "Risk Ratio", "OR": "Odds Ratio", "RD": "Risk Difference",
                  "MD": "Mean Difference", "SMD": "Std. Mean Difference"}
_METHOD_NAMES = {"MH": "M-H", "IV": "IV", "PETO": "Peto"}


def number(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals; "-" for a missing value."""
    return f"{x:.{digits}f}" if math.isfinite(x) else "-"


def effect_text(*, estimate: float, low: float, high: float) -> str:
    """An effect and its interval as RevMan prints them: ``1.80 [1.26, 2.56]``."""
    if not math.isfinite(estimate):
        return "Not estimable"
    return f"{number(estimate)} [{number(low)}, {number(high)}]"


def p_text(p: float) -> str:
    """``P = 0.45`` (two decimals from 0.01 on), ``P = 0.004`` (one significant figure below),
    ``P < 0.00001``."""
    if not math.isfinite(p):
        return "P = -"
    if p < 1e-5:
        return "P < 0.00001"
    if p >= 0.01:
        return f"P = {p:.2f}"
    return "P = " + np.format_float_positional(p, precision=1, unique=False, fractional=False)


def _tau2(t: float) -> str:
    if 0 < t < 0.005:
        return np.format_float_positional(t, precision=1, unique=False, fractional=False)
    return number(t)


def heterogeneity_text(res: PooledResult) -> str:
    """``Heterogeneity: Tau² = 0.03; Chi² = 10.52, df = 4 (P = 0.03); I² = 62%`` (Tau² in a
    random-effects analysis only), or ``Not applicable`` for one study."""
    if not res.estimable or res.df < 1:
        return "Heterogeneity: Not applicable"
    chi = f"Chi² = {number(res.q)}, df = {res.df} ({p_text(res.p_q)}); I² = {res.i2:.0f}%"
    if res.model == "random":
        return f"Heterogeneity: Tau² = {_tau2(res.tau2)}; {chi}"
    return f"Heterogeneity: {chi}"


def overall_effect_text(res: PooledResult) -> str:
    """``Test for overall effect: Z = 5.76 (P < 0.00001)`` (``t`` under HKSJ)."""
    if not res.estimable:
        return "Test for overall effect: Not applicable"
    stat = "t" if res.hksj else "Z"
    return f"Test for overall effect: {stat} = {number(abs(res.z))} ({p_text(res.p_z)})"


def subgroup_test_text(test: SubgroupTest) -> str:
    """``Test for subgroup differences: Chi² = 0.57, df = 1 (P = 0.45), I² = 0%`` (I² with one
    decimal, as RevMan prints it here)."""
    if test.df < 1:
        return "Test for subgroup differences: Not applicable"
    i2 = "0%" if test.i2 == 0 else f"{test.i2:.1f}%"
    return (f"Test for subgroup differences: Chi² = {number(test.q)}, df = {test.df} "
            f"({p_text(test.p)}), I² = {i2}")


def measure_heading(measure: str) -> str:
    """``Risk Ratio`` for RR, and so on."""
    return _MEASURE_NAMES.get(measure, measure)


def method_heading(res: PooledResult) -> str:
    """``M-H, Fixed, 95% CI``."""
    model = "Random" if res.model == "random" else "Fixed"
    return f"{_METHOD_NAMES.get(res.method, res.method)}, {model}, {round(res.level * 100)}% CI"
