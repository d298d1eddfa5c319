"""Number formatting for the ``describe()`` methods (display only; data is never rounded)."""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["format_number", "format_params"]


def format_number(value: float) -> str:
    """Three significant digits; ``inf`` spelled out."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.3g}"


def format_params(family: str, params: Mapping[str, float]) -> str:
    """``family(name=value, ...)`` with parameters as given."""
    inner = ", ".join(f"{name}={value:g}" for name, value in params.items())
    return f"{family}({inner})"
