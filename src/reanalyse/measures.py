"""Effect measures: which data type each serves and on which scale it is analysed."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "BINARY_MEASURES",
    "MEASURES",
    "Measure",
    "Method",
    "Model",
    "Tau2Method",
    "analysis_scale",
    "is_ratio",
]

Measure = Literal["MD", "SMD", "RR", "OR", "RD"]
Method = Literal["IV", "MH", "PETO"]
Model = Literal["fixed", "random"]
Tau2Method = Literal["DL", "REML", "PM"]

MEASURES: tuple[str, ...] = get_args(Measure)
BINARY_MEASURES: frozenset[str] = frozenset({"RR", "OR", "RD"})
_RATIO = frozenset({"RR", "OR"})


def is_ratio(measure: str) -> bool:
    """True for ratio measures (RR, OR), which are analysed on the log scale."""
    return measure in _RATIO


def analysis_scale(measure: str) -> str:
    """Name of the scale a measure is analysed on: ``logRR``, ``logOR``, or the measure itself."""
    return f"log{measure}" if is_ratio(measure) else measure
