"""The interface a prior on the between-study SD tau must offer to the exact engine."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["TauDensity"]


@runtime_checkable
class TauDensity(Protocol):
    """A proper prior density on the between-study standard deviation tau.

    ``reanalyse.priors.TauPrior`` satisfies this protocol; so does any small object with the
    three members below (for example a wrapper around ``scipy.stats.halfnorm``).

    Notes
    -----
    ``logpdf`` may be unnormalised: the engine normalises the posterior itself. It must accept an
    array and return an array of the same shape, with ``-inf`` outside the support. ``ppf`` is used
    only to place the quadrature range where the prior has its mass, so it must be monotone and
    finite for probabilities strictly between 0 and 1.
    """

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper end of the support of tau (the upper end may be ``inf``)."""
        ...

    def logpdf(self, tau: NDArray[np.float64]) -> NDArray[np.float64]:
        """Log prior density of tau, elementwise."""
        ...

    def ppf(self, q: NDArray[np.float64]) -> NDArray[np.float64]:
        """Prior quantile function of tau, elementwise."""
        ...
