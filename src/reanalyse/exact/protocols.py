"""What the exact engine takes as priors: the interface a prior on the between-study SD tau must
offer (:class:`TauDensity`), several of them evaluated together (:class:`TauDensityStack`), and
the prior on mu as keywords (:class:`MuPriorArgs`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypedDict, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["MuPriorArgs", "TauDensity", "TauDensityStack"]


class MuPriorArgs(TypedDict):
    """The prior on mu as the keywords of :func:`reanalyse.exact.fit_exact` and
    :func:`reanalyse.exact.bayes_factors` (pass them with ``**``).

    Normal: ``mu_prior_mean``, ``mu_prior_sd`` and ``mu_prior_df=None``; Student-t: location,
    scale and degrees of freedom; flat: ``mu_prior_sd=None`` (and ``mu_prior_df=None``).
    :meth:`reanalyse.priors.EffectPrior.exact_mu_prior` makes them from an effect prior.
    """

    mu_prior_mean: float
    mu_prior_sd: float | None
    mu_prior_df: float | None


@runtime_checkable
class TauDensity(Protocol):
    """A proper prior density on the between-study standard deviation tau.

    ``reanalyse.priors.TauPrior`` satisfies this protocol; so does any small object with the
    three members below (for example a wrapper around ``scipy.stats.halfnorm``).

    Notes
    -----
    ``logpdf`` may be unnormalised: the engine normalises the posterior itself (the Bayes factors
    integrate the prior's own constant, unless the object says ``normalised = True``, as
    ``TauPrior``, a normalised scipy distribution, does). It must accept an
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


@runtime_checkable
class TauDensityStack(Protocol):
    """Several priors on tau whose log densities are evaluated in one call (the rows of a
    sensitivity grid, :func:`reanalyse.exact.fit_exact_stacked`).

    ``reanalyse.priors.TauPriorStack`` evaluates registry priors as one array expression; any
    sequence of :class:`TauDensity` objects is taken as well (evaluated one by one).
    """

    @property
    def members(self) -> Sequence[TauDensity]:
        """The priors, each on its own (their ``ppf`` and ``support`` place the rule)."""
        ...

    def logpdf(self, tau: NDArray[np.float64]) -> NDArray[np.float64]:
        """Log densities, shape ``(len(members), n)``: row ``j`` is ``members[j].logpdf`` at
        ``tau`` (shape ``(n,)``) or at ``tau[j]`` (shape ``(len(members), n)``); any value outside
        a member's support is masked by the engine."""
        ...
