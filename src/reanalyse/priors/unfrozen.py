"""A scipy distribution called unfrozen, with its shape, loc and scale arguments.

Freezing (``stats.halfnorm(scale=s)``) builds a new distribution object each time, which cost
more than the whole posterior when a prior is made per evaluation (tipping points, grids); the
families keep one of these instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:  # scipy.stats is imported where a distribution is made (0.4 s to import)
    from scipy import stats

__all__ = ["Unfrozen"]


@dataclass(frozen=True)
class Unfrozen:
    """``dist`` with fixed ``shapes``, ``loc`` and ``scale``, evaluated elementwise."""

    dist: stats.rv_continuous
    shapes: tuple[float, ...] = ()
    loc: float = 0.0
    scale: float = 1.0

    def logpdf(self, x: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(self.dist.logpdf(x, *self.shapes, loc=self.loc, scale=self.scale),
                          dtype=float)

    def cdf(self, x: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(self.dist.cdf(x, *self.shapes, loc=self.loc, scale=self.scale),
                          dtype=float)

    def sf(self, x: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(self.dist.sf(x, *self.shapes, loc=self.loc, scale=self.scale),
                          dtype=float)

    def ppf(self, q: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(self.dist.ppf(q, *self.shapes, loc=self.loc, scale=self.scale),
                          dtype=float)

    def mean(self) -> float:
        return float(self.dist.mean(*self.shapes, loc=self.loc, scale=self.scale))

    def std(self) -> float:
        return float(self.dist.std(*self.shapes, loc=self.loc, scale=self.scale))
