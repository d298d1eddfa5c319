"""Numbers and text for people reading the report.

An effect prints with 2 decimals (as RevMan); a bound beyond 1000 (or below 1/1000) as
"> 1000" ("< 0.001"), the range where a ratio's interval says only "unbounded"; a probability
with 3 decimals, above 0.999 as "> 0.999" and below 0.001 as "< 0.001" (a posterior computed
to more digits does not know more); a Bayes factor with 3 significant digits and the same
bounds. Missing values print blank. Every string from data or specifications is escaped
(:func:`e`).
"""

from __future__ import annotations

import html
import math
from typing import Any

__all__ = ["LIMIT", "bayes_factor", "e", "effect", "finite", "interval", "number",
           "probability"]

#: Beyond this magnitude (and below its reciprocal, for positive quantities) a number prints as
#: a bound.
LIMIT = 1000.0


def e(value: Any) -> str:
    """Escape anything for HTML text (None is blank)."""
    return html.escape("" if value is None else str(value), quote=True)


def finite(x: Any) -> bool:
    """Whether ``x`` is a finite real number (not a bool, not missing)."""
    if isinstance(x, bool) or x is None:
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def number(x: Any, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals; blank when missing; text passes through."""
    if x is None or isinstance(x, bool):
        return "" if x is None else str(x)
    if isinstance(x, str):
        return x
    if not finite(x):
        return ""
    return f"{float(x):.{digits}f}"


def effect(x: Any, digits: int = 2, *, positive: bool = False) -> str:
    """An effect or a bound of its interval: "> 1000" beyond 1000 (and "< -1000"); for a
    ``positive`` quantity (a ratio) "< 0.001" below 1/1000."""
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isinf(x):
        return "> 1000" if x > 0 else "< -1000"
    if not finite(x):
        return ""
    v = float(x)
    if v > LIMIT:
        return "> 1000"
    if v < -LIMIT:
        return "< -1000"
    if positive and 0 < v < 1 / LIMIT:
        return "< 0.001"
    return f"{v:.{digits}f}"


def interval(est: Any, low: Any, high: Any, *, digits: int = 2, positive: bool = False) -> str:
    """'1.80 (1.26 to 2.56)'; blank without an estimate; the bounds as :func:`effect`."""
    if not finite(est):
        return ""
    text = effect(est, digits, positive=positive)
    if finite(low) or finite(high):
        text += (f" ({effect(low, digits, positive=positive)} to "
                 f"{effect(high, digits, positive=positive)})")
    return text


def probability(p: Any) -> str:
    """A probability with 3 decimals; "> 0.999" and "< 0.001" at the ends; blank if missing."""
    if not finite(p):
        return ""
    v = float(p)
    if v > 0.999:
        return "> 0.999"
    if v < 0.001:
        return "< 0.001"
    return f"{v:.3f}"


def bayes_factor(x: Any) -> str:
    """A Bayes factor with 3 significant digits; "> 1000" and "< 0.001" at the ends."""
    if not finite(x):
        return ""
    v = float(x)
    if v > LIMIT:
        return "> 1000"
    if v < 1 / LIMIT:
        return "< 0.001"
    return f"{v:.3g}"
