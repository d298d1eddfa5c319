"""Effect measures: which data type each serves and on which scale it is analysed.

Thresholds are given on the natural scale, the one a reader reads (RR 0.8, MD -0.65, SMD 0.2),
everywhere: ``reanalyse bayes --threshold``, ``reanalyse nma --threshold``, the ``[[thresholds]]``
of an analysis TOML and the Python front door. :func:`threshold_on_analysis_scale` is the one
rule that takes them to the analysis scale (the log for RR and OR), and :func:`threshold_key`
names a threshold in JSON and in the Python result dictionaries: the number as given.
"""

from __future__ import annotations

import math
from typing import Any, Literal, get_args

import numpy as np

__all__ = [
    "BINARY_MEASURES",
    "MEASURES",
    "Measure",
    "Method",
    "Model",
    "Tau2Method",
    "analysis_scale",
    "is_ratio",
    "on_natural_scale",
    "threshold_key",
    "threshold_on_analysis_scale",
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


def on_natural_scale(x: Any, *, ratio: bool) -> Any:
    """A value (a float or an array) on the analysis scale, on the natural one: exp for a ratio
    measure (``ratio=is_ratio(measure)``), itself otherwise. Floats stay floats."""
    if isinstance(x, np.ndarray):
        return np.exp(x) if ratio else x
    if not ratio:
        return float(x)
    with np.errstate(over="ignore"):
        return float(np.exp(x))


def threshold_on_analysis_scale(value: float, *, measure: str) -> float:
    """A threshold given on the natural scale (RR 0.8, MD -0.65) on the analysis scale: its log
    for RR and OR, itself otherwise.

    Raises
    ------
    ValueError
        A threshold that is not a finite number, or a ratio threshold that is not positive.
    """
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"a threshold must be a finite number; got {value!r}")
    if not is_ratio(measure):
        return v
    if v <= 0:
        raise ValueError(f"a threshold for {measure} is a ratio on the natural scale (such as "
                         f"0.8), so it must be positive; got {value!r}")
    return math.log(v)


def threshold_key(value: float) -> str:
    """The name of a natural-scale threshold in JSON and result dictionaries: the number as
    given (``0.8`` -> ``"0.8"``, ``-0.65`` -> ``"-0.65"``, ``1.0`` -> ``"1"``)."""
    text = repr(float(value))
    return text.removesuffix(".0")
