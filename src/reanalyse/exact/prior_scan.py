"""One rule in log(tau) for many tau priors: the posterior probability of an event about mu
under each prior of a family (the half-normal scales of a tipping-point scan), without fitting
the posterior again for each.

Given the data and the prior on mu, ``p(y | tau)`` and ``P(mu > t | tau, y)`` do not depend on
the prior on tau: they are computed once on a fixed composite Gauss-Legendre rule in
``u = log(tau)``, and each tau prior only reweights it,
``P(mu > t | y) = sum_j w_j p(tau_j) p(y | tau_j) tau_j P(mu > t | tau_j, y) / (same without
P)``. The rule covers the range the caller gives (where every prior of the family has its
mass); on it the integrands are smooth in u, so segments of a quarter unit with the engine's
10-point rule integrate them to about 1e-12 (tests/test_exact_prior_scan.py checks the
probabilities against :func:`~reanalyse.exact.fit_exact` to 1e-9).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp, ndtr

from reanalyse.exact.conditional import MetaData, components_given_tau, log_likelihood_of_tau
from reanalyse.exact.protocols import TauDensity
from reanalyse.exact.quadrature import gauss_legendre

__all__ = ["TauPriorScan"]

#: Width, in log(tau), of each segment of the fixed rule.
_STEP = 0.25
#: Gauss-Legendre points per segment (as the engine's adaptive rule).
_ORDER = 10


class TauPriorScan:
    """``p(y | tau)`` and the conditionals of mu on one rule over ``[tau_min, tau_max]``.

    Parameters
    ----------
    data
        The studies and the prior on mu (:class:`~reanalyse.exact.conditional.MetaData`).
    tau_min, tau_max
        The range of tau holding all but a negligible part of every posterior the scan will be
        asked about (for a half-normal prior of scale s: from far below both s and the smallest
        SE, to about 10 s).
    """

    def __init__(self, data: MetaData, *, tau_min: float, tau_max: float) -> None:
        if not 0 < tau_min < tau_max:
            raise ValueError("the scan needs 0 < tau_min < tau_max")
        lo, hi = float(np.log(tau_min)), float(np.log(tau_max))
        n = max(1, int(np.ceil((hi - lo) / _STEP)))
        edges = np.linspace(lo, hi, n + 1)
        x, w = gauss_legendre(_ORDER)
        half = 0.5 * np.diff(edges)
        u = ((0.5 * (edges[:-1] + edges[1:]))[:, None] + half[:, None] * x[None, :]).reshape(-1)
        self._tau = np.exp(u)
        # log of: rule weight, Jacobian tau, p(y | tau)
        self._log_base = (np.log((half[:, None] * w[None, :]).reshape(-1)) + u
                          + log_likelihood_of_tau(data, self._tau))
        within, cond = components_given_tau(data, self._tau)
        self._within = within  # (nodes, m): lambda weights under a Student-t prior, else 1
        self._mean = cond.mean.reshape(within.shape)
        self._sd = np.sqrt(cond.var).reshape(within.shape)
        self._cache: dict[tuple[float, bool], NDArray[np.float64]] = {}

    @property
    def tau(self) -> NDArray[np.float64]:
        """The rule's nodes in tau (read-only): where :meth:`p_beyond` takes log prior
        densities."""
        view = self._tau.view()
        view.setflags(write=False)
        return view

    def _posterior_weights(self, log_prior: NDArray[np.float64]) -> NDArray[np.float64]:
        """Posterior weights of the nodes under each row of log prior densities at the nodes."""
        with np.errstate(divide="ignore", invalid="ignore"):
            log_w = np.asarray(log_prior, dtype=np.float64) + self._log_base
        log_w = np.where(np.isnan(log_w), -np.inf, log_w)
        return np.exp(log_w - logsumexp(log_w, axis=-1, keepdims=True))

    def _conditional(self, t: float, *, upper: bool) -> NDArray[np.float64]:
        """``P(mu > t | tau_j, y)`` (``upper``) or ``P(mu < t | tau_j, y)`` at every node."""
        key = (t, upper)
        got = self._cache.get(key)
        if got is None:
            z = (self._mean - t) / self._sd
            got = (self._within * ndtr(z if upper else -z)).sum(axis=1)
            self._cache[key] = got
        return got

    def p_beyond(self, log_prior: NDArray[np.float64], t: float, *,
                 upper: bool) -> NDArray[np.float64]:
        """``P(mu > t | y)`` (``upper``) or ``P(mu < t | y)`` under each prior given by its log
        density at :attr:`tau` (shape ``(n,)`` or ``(priors, n)``; one probability per row):
        a whole family of priors in one matrix product."""
        p = self._posterior_weights(log_prior) @ self._conditional(float(t), upper=upper)
        return np.clip(p, 0.0, 1.0)

    def p_greater(self, prior: TauDensity, t: float) -> float:
        """``P(mu > t | y)`` under the tau prior ``prior``."""
        return float(self.p_beyond(prior.logpdf(self._tau), t, upper=True))

    def p_less(self, prior: TauDensity, t: float) -> float:
        """``P(mu < t | y)`` under the tau prior ``prior``."""
        return float(self.p_beyond(prior.logpdf(self._tau), t, upper=False))
