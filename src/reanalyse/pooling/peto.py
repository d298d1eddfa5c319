"""Peto's one-step odds ratio (no continuity correction)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from reanalyse.effects import peto_components
from reanalyse.pooling.inverse_variance import WeightedEstimate

__all__ = ["peto"]


def peto(
    *, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike, total_2: ArrayLike,
) -> WeightedEstimate:
    """ln OR_Peto = sum(O - E) / sum V, SE = 1/sqrt(sum V); weights are the V_i."""
    o_e, v = peto_components(events_1=events_1, total_1=total_1, events_2=events_2,
                             total_2=total_2)
    ok = np.isfinite(v) & (v > 0)
    v_sum = float(np.sum(v[ok]))
    return WeightedEstimate(te=float(np.sum(o_e[ok]) / v_sum), se=float(1 / np.sqrt(v_sum)),
                            weights=np.where(ok, v, 0.0))
