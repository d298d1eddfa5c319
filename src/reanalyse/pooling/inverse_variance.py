"""Inverse-variance pooling, fixed effect or with a given between-study variance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["WeightedEstimate", "inverse_variance"]


@dataclass(frozen=True)
class WeightedEstimate:
    """A pooled estimate on the analysis scale, its SE, and the weights that made it."""

    te: float
    se: float
    weights: NDArray[np.float64]


def inverse_variance(*, te: ArrayLike, se: ArrayLike, tau2: float = 0.0) -> WeightedEstimate:
    """theta = sum w y / sum w with w = 1/(se^2 + tau2); SE = 1/sqrt(sum w)."""
    y = np.asarray(te, dtype=float)
    w = 1.0 / (np.asarray(se, dtype=float) ** 2 + tau2)
    total = float(np.sum(w))
    return WeightedEstimate(te=float(np.sum(w * y) / total), se=float(1.0 / np.sqrt(total)),
                            weights=w)
