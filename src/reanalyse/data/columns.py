"""The canonical columns of a study-data table, and the kinds of row they make up.

One tidy long table holds one row per study x arm (x outcome x timepoint), or per contrast for a
study that reports only an effect:

- continuous arm: ``study, treatment, n, mean, sd``
- binary arm: ``study, treatment, events, total``
- contrast: ``study, treatment, comparator, estimate`` and ``se`` (analysis scale: log for ratios)
  or ``ci_low, ci_high`` (natural scale; level 0.95 unless ``ci_level`` says otherwise), and
  optionally ``measure`` naming what the estimate is.
- optional everywhere: ``outcome, timepoint, source, derivation, note`` (and ``subgroup``).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ALL_COLUMNS",
    "KEY_COLUMNS",
    "NUMERIC_COLUMNS",
    "TEXT_COLUMNS",
    "RowKind",
]

RowKind = Literal["continuous", "binary", "contrast"]

#: Columns naming where a row belongs; empty outcome/timepoint/subgroup means "the only one".
KEY_COLUMNS: tuple[str, ...] = ("study", "treatment", "comparator", "outcome", "timepoint", "subgroup")
TEXT_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "measure", "source", "derivation", "note")
NUMERIC_COLUMNS: tuple[str, ...] = (
    "n", "mean", "sd", "events", "total", "estimate", "se", "ci_low", "ci_high", "ci_level",
)
ALL_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, *NUMERIC_COLUMNS)

#: The columns each kind of row needs (``se`` or both CI bounds for a contrast).
REQUIRED: dict[str, tuple[str, ...]] = {
    "continuous": ("study", "treatment", "n", "mean", "sd"),
    "binary": ("study", "treatment", "events", "total"),
    "contrast": ("study", "treatment", "comparator", "estimate"),
}
