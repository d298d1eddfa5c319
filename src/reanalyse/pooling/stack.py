"""Many meta-analyses at once: study effects stacked as arrays of shape (meta-analysis, study).

Meta-analyses with fewer studies are padded: a study enters where ``mask`` is true and its
effect and SE are finite with a positive SE (NaN padding needs no mask). Inside, a padded
entry holds y = 0 and v = inf, so its weight 1 / (v + tau^2) is exactly 0 and every weighted
sum along the study axis leaves it out; the unweighted summaries (variance, range, minimum of
v) are taken over the studies that enter. The effects are centred on the mean of each row's
studies: every quantity the pooling needs from them (Q, the REML score and likelihood, tau^2) is
unchanged by a shift, and the sums lose less to cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Stack", "stack"]

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Stack:
    """Centred effects ``y`` and variances ``v`` (meta x study; 0 and inf where a study does
    not enter), ``valid`` (the studies that enter), ``k`` per meta-analysis and ``shift`` (the
    mean the effects were centred on)."""

    y: Array
    v: Array
    valid: NDArray[np.bool_]
    k: NDArray[np.int64]
    shift: Array

    def weights(self, tau2: ArrayLike = 0.0) -> Array:
        """1 / (v + tau^2), 0 for studies that do not enter; ``tau2`` one per meta-analysis."""
        return 1.0 / (self.v + np.asarray(tau2, dtype=float)[..., None])

    def weighted_mean(self, w: Array) -> Array:
        """sum w y / sum w per meta-analysis, on the centred scale (NaN without studies)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sum(w * self.y, axis=-1) / np.sum(w, axis=-1)

    def rss(self, w: Array, centre: ArrayLike) -> Array:
        """sum w (y - centre)^2 per meta-analysis (``centre`` on the centred scale)."""
        r = self.y - np.asarray(centre, dtype=float)[..., None]
        return np.sum(np.where(self.valid, w * r * r, 0.0), axis=-1)

    def variance_of_y(self) -> Array:
        """The (population) variance of each row's effects."""
        k = np.maximum(self.k, 1)
        return np.sum(np.where(self.valid, self.y * self.y, 0.0), axis=-1) / k

    def range_of_y(self) -> Array:
        """max y - min y over each row's studies (0 without studies)."""
        hi = np.max(np.where(self.valid, self.y, -np.inf), axis=-1)
        lo = np.min(np.where(self.valid, self.y, np.inf), axis=-1)
        return np.where(self.k > 0, hi - lo, 0.0)

    def v_max(self) -> Array:
        """The largest within-study variance of each row (0 without studies)."""
        return np.max(np.where(self.valid, self.v, 0.0), axis=-1)

    def v_min(self) -> Array:
        """The smallest within-study variance of each row (inf without studies)."""
        return np.min(self.v, axis=-1)

    def select(self, rows: NDArray[np.integer] | NDArray[np.bool_] | slice) -> Stack:
        """The meta-analyses at ``rows``."""
        return Stack(y=self.y[rows], v=self.v[rows], valid=self.valid[rows], k=self.k[rows],
                     shift=self.shift[rows])


def stack(te: ArrayLike, se: ArrayLike, mask: ArrayLike | None = None) -> Stack:
    """The :class:`Stack` of effects ``te`` and SEs ``se`` (each meta x study, or one row
    of studies); ``mask`` (same shape) marks the entries that are studies."""
    te_a = np.atleast_2d(np.asarray(te, dtype=float))
    se_a = np.atleast_2d(np.asarray(se, dtype=float))
    if te_a.shape != se_a.shape or te_a.ndim != 2:
        raise ValueError(f"te and se must have the same shape (meta, study), got {te_a.shape} "
                         f"and {se_a.shape}")
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(te_a) & np.isfinite(se_a) & (se_a > 0)
    if mask is not None:
        m = np.atleast_2d(np.asarray(mask, dtype=bool))
        if m.shape != te_a.shape:
            raise ValueError(f"mask must have the shape of te, {te_a.shape}, got {m.shape}")
        valid &= m
    k = valid.sum(axis=-1)
    y0 = np.where(valid, te_a, 0.0)
    shift = np.sum(y0, axis=-1) / np.maximum(k, 1)
    y = np.where(valid, y0 - shift[:, None], 0.0)
    v = np.where(valid, se_a * se_a, np.inf)
    return Stack(y=y, v=v, valid=valid, k=k, shift=shift)
