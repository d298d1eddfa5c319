"""Several tau priors evaluated together: the rows of a sensitivity grid.

Every tau family's log density is a weighted sum of the same few terms
(:mod:`reanalyse.priors.graph_form`), so the log densities of many priors at many points are one
array expression over a stack of weights, with no per-prior call into scipy; the exact engine
takes the stack as a :class:`reanalyse.exact.TauDensityStack`
(:func:`reanalyse.exact.fit_exact_stacked`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors.graph_form import tau_terms_sum
from reanalyse.priors.tau import TauPrior

__all__ = ["TauPriorStack"]


class TauPriorStack:
    """Tau priors (:class:`~reanalyse.priors.TauPrior`) whose log densities are evaluated at
    once; equal to each prior's own :meth:`~reanalyse.priors.TauPrior.logpdf` inside its support
    (tests/test_prior_stack.py). Outside a support the value is unspecified: the engine masks it
    with the members' ``support``.

    Examples
    --------
    >>> from reanalyse.priors import load_prior
    >>> stack = TauPriorStack([load_prior(p, role="tau", scale="logOR")
    ...                        for p in ("half-normal-0.5", "turner2015-marginal")])
    >>> stack.logpdf(np.array([0.1, 0.3])).shape
    (2, 2)
    """

    def __init__(self, priors: Sequence[TauPrior]) -> None:
        members = tuple(priors)
        wrong = [i + 1 for i, p in enumerate(members) if not isinstance(p, TauPrior)]
        if wrong:
            raise TypeError(f"TauPriorStack takes TauPrior objects (not items {wrong})")
        self.members: tuple[TauPrior, ...] = members
        forms = [p.distribution.graph_form() for p in members]

        def column(values: list[float]) -> NDArray[np.float64]:
            return np.asarray(values, dtype=np.float64)[:, None]  # (P, 1): broadcasts over points

        self._terms = {
            "tau_w": np.asarray([f.terms.weights for f in forms], dtype=np.float64)[:, None, :],
            "tau_s": column([f.terms.s for f in forms]),
            "tau_l": column([f.terms.l for f in forms]),
            "tau_sigma": column([f.terms.sigma for f in forms]),
            "tau_nu": column([f.terms.nu for f in forms]),
        }
        self._c = column([f.c for f in forms])

    def __len__(self) -> int:
        return len(self.members)

    def logpdf(self, tau: ArrayLike) -> NDArray[np.float64]:
        """Log densities at ``tau > 0``, shape ``(len(self), n)``: row ``j`` is prior ``j`` at
        ``tau`` (shape ``(n,)``) or at ``tau[j]`` (shape ``(len(self), n)``)."""
        t = np.asarray(tau, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.array(np.broadcast_to(tau_terms_sum(t, self._terms) + self._c,
                                           (len(self), t.shape[-1])))
        # a term of weight 0 that overflows (tau^2 beyond 1e308) gives 0 * inf: those rows are
        # the prior's own (scipy) log density
        for j in np.flatnonzero(np.isnan(out).any(axis=1)):
            out[j] = self.members[j].logpdf(t if t.ndim == 1 else t[j])
        return out
