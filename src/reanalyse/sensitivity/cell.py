"""One cell of a sensitivity grid: posterior summaries under one tau prior and one effect prior.

A grid's cells on the same data are computed together (:func:`exact_cells`): every tau prior
under every normal or flat effect prior on one quadrature rule
(:func:`reanalyse.exact.fit_exact_stacked`), equal to fitting each cell alone
(:func:`exact_cell`) to the quadrature's tolerance (tests/test_exact_stacked.py).

The summaries (on the analysis scale) are the median and 95% interval of ``mu`` and
``theta_new``, the median of ``tau``, P(benefit) = P(s mu > 0), P(clinically meaningful benefit)
= P(s mu > |t|) for the primary threshold t, and the predictive probability that a new study
shows benefit, P(s theta_new > 0); s is the benefit sign.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from reanalyse.exact import ExactPosterior, StackedPosterior, fit_exact, fit_exact_stacked
from reanalyse.priors import EffectPrior, TauPrior, TauPriorStack

__all__ = ["CELL_VARIABLES", "exact_cell", "exact_cells", "summarise_draws", "summarise_exact",
           "summarise_stacked"]

CELL_VARIABLES: tuple[str, ...] = (
    "mu_median", "mu_q025", "mu_q975", "theta_new_median", "theta_new_q025", "theta_new_q975",
    "tau_median", "p_benefit", "p_meaningful", "p_new_benefit",
    "mcmc_flagged",  # 1 where an MCMC cell failed its diagnostics after retries, 0 where it passed
)


#: The quantiles a cell reports of mu and theta_new.
_CELL_PROBS = (0.025, 0.5, 0.975)


def _p_beyond(p_greater, sign: int, t: float) -> float:  # type: ignore[no-untyped-def]
    # P(sign * x > t) = P(x > t) for sign +1, P(x < -t) for sign -1
    return float(p_greater(t)) if sign > 0 else float(1.0 - p_greater(-t))


def exact_cell(
    *,
    y: np.ndarray,
    se: np.ndarray,
    tau_prior: TauPrior | None,
    effect_prior: EffectPrior,
    benefit_sign: int,
    threshold: float | None,
) -> dict[str, float]:
    """Summaries of the exact normal-normal posterior (no Monte Carlo error); ``tau_prior=None``
    is the common-effect model (tau = 0)."""
    if tau_prior is None:
        post = fit_exact(y=y, se=se, tau_fixed=0.0, **effect_prior.exact_mu_prior())
    else:
        post = fit_exact(y=y, se=se, tau_prior=tau_prior, **effect_prior.exact_mu_prior())
    return summarise_exact(post, benefit_sign=benefit_sign, threshold=threshold)


def exact_cells(
    *,
    y: np.ndarray,
    se: np.ndarray,
    tau_priors: Sequence[TauPrior | None],
    effect_priors: Sequence[EffectPrior],
    benefit_sign: int,
    threshold: float | None,
) -> dict[tuple[int, int], dict[str, float]]:
    """The cells of a grid on one data set, ``cells[(i, j)]`` for ``tau_priors[i]`` and
    ``effect_priors[j]``, as :func:`exact_cell` gives each: the proper tau priors under the
    normal and flat effect priors in one stacked fit; the common-effect model (``None``) and
    Student-t effect priors (whose scale-mixture rules do not share a mixture well) cell by
    cell."""
    out: dict[tuple[int, int], dict[str, float]] = {}
    taus = [i for i, t in enumerate(tau_priors) if t is not None]
    mu_args = [e.exact_mu_prior() for e in effect_priors]
    normal = [j for j, m in enumerate(mu_args) if m["mu_prior_df"] is None]
    if taus and normal:
        chosen = [tau_priors[i] for i in taus]
        stack = (TauPriorStack(chosen) if all(isinstance(t, TauPrior) for t in chosen)  # type: ignore[arg-type]
                 else chosen)
        post = fit_exact_stacked(y=y, se=se, tau_priors=stack,  # type: ignore[arg-type]
                                 mu_priors=[mu_args[j] for j in normal])
        rows = summarise_stacked(post, benefit_sign=benefit_sign, threshold=threshold)
        for e, j in enumerate(normal):
            for p, i in enumerate(taus):
                out[(i, j)] = rows[e][p]
    for i, tp in enumerate(tau_priors):
        for j, ep in enumerate(effect_priors):
            if (i, j) not in out:
                out[(i, j)] = exact_cell(y=y, se=se, tau_prior=tp, effect_prior=ep,
                                         benefit_sign=benefit_sign, threshold=threshold)
    return out


def summarise_stacked(post: StackedPosterior, *, benefit_sign: int,
                      threshold: float | None) -> list[list[dict[str, float]]]:
    """The cells' summaries of a stacked fit, ``[mu prior][tau prior]``, as
    :func:`summarise_exact` gives each."""
    q = post.quantiles_of(("mu", "theta_new"), _CELL_PROBS)
    tau_median = post.quantiles_of(("tau",), [0.5])["tau"][..., 0]
    s = benefit_sign

    def beyond(par: str, t: float) -> np.ndarray:
        return post.p_greater(par, t) if s > 0 else 1.0 - post.p_greater(par, -t)

    p_benefit = beyond("mu", 0.0)
    p_meaningful = (beyond("mu", abs(threshold)) if threshold is not None
                    else np.full(post.shape, math.nan))
    p_new = beyond("theta_new", 0.0)
    out = []
    for e in range(post.shape[0]):
        row = []
        for p in range(post.shape[1]):
            cell: dict[str, float] = {}
            for par in ("mu", "theta_new"):
                lo, med, hi = q[par][e, p]
                cell[f"{par}_median"], cell[f"{par}_q025"], cell[f"{par}_q975"] = (
                    float(med), float(lo), float(hi))
            cell["tau_median"] = float(tau_median[e, p])
            cell["p_benefit"] = float(p_benefit[e, p])
            cell["p_meaningful"] = float(p_meaningful[e, p])
            cell["p_new_benefit"] = float(p_new[e, p])
            row.append(cell)
        out.append(row)
    return out


def summarise_exact(post: ExactPosterior, *, benefit_sign: int,
                    threshold: float | None) -> dict[str, float]:
    """The cell's summaries of an exact posterior already fitted (the headline fit is one of
    the grid's cells)."""
    out: dict[str, float] = {}
    q = post.quantiles_of(("mu", "theta_new"), _CELL_PROBS)
    for par in ("mu", "theta_new"):
        lo, med, hi = q[par]
        out[f"{par}_median"], out[f"{par}_q025"], out[f"{par}_q975"] = (float(med), float(lo),
                                                                         float(hi))
    out["tau_median"] = float(post.quantile("tau", 0.5))
    s = benefit_sign
    out["p_benefit"] = _p_beyond(lambda t: post.p_greater("mu", t), s, 0.0)
    out["p_meaningful"] = (_p_beyond(lambda t: post.p_greater("mu", t), s, abs(threshold))
                           if threshold is not None else math.nan)
    out["p_new_benefit"] = _p_beyond(lambda t: post.p_greater("theta_new", t), s, 0.0)
    return out


def summarise_draws(*, mu: np.ndarray, tau: np.ndarray, theta_new: np.ndarray,
                    benefit_sign: int, threshold: float | None) -> dict[str, Any]:
    """The same summaries from posterior draws (MCMC cells of the grid)."""
    mu, tau, theta_new = (np.asarray(x, dtype=float).ravel() for x in (mu, tau, theta_new))
    s = benefit_sign
    out: dict[str, Any] = {}
    for name, x in (("mu", mu), ("theta_new", theta_new)):
        lo, med, hi = np.quantile(x, [0.025, 0.5, 0.975])
        out[f"{name}_median"], out[f"{name}_q025"], out[f"{name}_q975"] = (float(med), float(lo),
                                                                           float(hi))
    out["tau_median"] = float(np.median(tau))
    out["p_benefit"] = float(np.mean(s * mu > 0))
    out["p_meaningful"] = (float(np.mean(s * mu > abs(threshold))) if threshold is not None
                           else math.nan)
    out["p_new_benefit"] = float(np.mean(s * theta_new > 0))
    return out
