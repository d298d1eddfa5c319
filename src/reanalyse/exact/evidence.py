"""Bayes factors of the normal-normal model for the hypotheses tau = 0 and mu = 0, as bayesmeta.

With ``p(y | tau)`` the likelihood with mu integrated out against its normal or Student-t prior
(analytic, or a finite sum over the prior's lambda rule:
:func:`reanalyse.exact.conditional.log_likelihood_of_tau`), ``p(y | mu)`` the likelihood with tau
integrated out against its prior (one-dimensional quadrature) and ``p(y)`` the marginal
likelihood (the normalising constant of the exact tau posterior):

- ``bf01_tau0 = p(y | tau = 0) / p(y)``: evidence for the fixed-effect model (values above 1
  favour tau = 0, below 1 heterogeneity);
- ``bf01_mu0 = p(y | mu = 0) / p(y)``: evidence for no effect (the Savage-Dickey ratio of the
  posterior to the prior density of mu at 0, the normal or Student-t prior density);
- the minimum Bayes factors (Spiegelhalter, Abrams & Myles 2004, section 4.4), the least
  support for the hypothesis over all priors on the tested parameter:
  ``min_bf01_tau0 = p(y | tau = 0) / max_tau p(y | tau)`` and
  ``min_bf01_mu0 = p(y | mu = 0) / max_mu p(y | mu)``.

The actual Bayes factors need proper priors on both mu and tau; the minimum Bayes factor for
tau = 0 needs a proper (normal or Student-t) prior on mu, the one for mu = 0 a proper prior on
tau (bayesmeta, Röver 2020, J Stat Softw 93(6), "Bayes factors"). Factors that cannot be
computed are NaN with a note saying why. The tau prior is normalised numerically, so an
unnormalised ``logpdf`` is fine.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate, optimize, stats

from reanalyse.exact.conditional import MetaData, log_likelihood_of_tau
from reanalyse.exact.fit import fit_exact
from reanalyse.exact.posterior import ExactPosterior
from reanalyse.exact.protocols import TauDensity
from reanalyse.exact.quadrature import adaptive_log_quadrature

__all__ = ["BayesFactors", "bayes_factors"]

_LOG_2PI = math.log(2.0 * math.pi)
_QUAD = {"epsabs": 0.0, "epsrel": 1e-10, "limit": 200}
#: Points of the log grid of tau on which the marginal ML estimate of tau is first located
_ML_TAU_GRID = 400


@dataclass(frozen=True)
class BayesFactors:
    """Bayes factors BF01 (hypothesis over the random-effects model) and what they rest on.

    ``ml_mu`` and ``ml_tau`` are the marginal maximum-likelihood estimates behind the minimum
    Bayes factors (bayesmeta's ``ml.estimate["marginal", ]``); ``log_marginal_likelihood`` is
    ``log p(y)`` (NaN under a flat prior on mu).
    """

    bf01_tau0: float
    bf01_mu0: float
    min_bf01_tau0: float
    min_bf01_mu0: float
    ml_tau: float
    ml_mu: float
    log_marginal_likelihood: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values (None for NaN)."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


def _log_prior_constant(prior: TauDensity) -> float:
    """log of the integral of exp(logpdf) over the support (1 for a normalised prior)."""
    lo, hi = (float(v) for v in prior.support)
    mid = float(prior.ppf(np.array([0.5]))[0])
    scale = math.exp(float(np.max(prior.logpdf(np.array([mid])))))

    def f(t: float) -> float:
        return math.exp(float(prior.logpdf(np.array([t]))[0])) / scale

    total = sum(integrate.quad(f, a, b, **_QUAD)[0] for a, b in ((lo, mid), (mid, hi)))
    return math.log(total) + math.log(scale)


class _LikelihoodOfMu:
    """``log p(y | mu)``: tau integrated out against its (normalised) prior, by the engine's
    adaptive Gauss-Legendre quadrature on log(tau) over the prior's and the data's range."""

    def __init__(self, data: MetaData, prior: TauDensity, log_c: float) -> None:
        self._y, self._v = data.y, data.se**2
        self._prior, self._log_c = prior, log_c
        lo, hi = (float(v) for v in prior.support)
        with np.errstate(all="ignore"):
            q = np.asarray(prior.ppf(np.array([1e-13, 1 - 1e-13])), dtype=float)
        q = q[np.isfinite(q) & (q > 0)]
        u_lo = min([math.log(float(data.se.min())) - 12.0, *np.log(q).tolist()])
        u_hi = max([math.log(float(np.ptp(data.y)) + float(data.se.max())) + 12.0,
                    *np.log(q).tolist()])
        if lo > 0:
            u_lo = max(u_lo, math.log(lo))
        if math.isfinite(hi):
            u_hi = min(u_hi, math.log(hi))
        self._grid = np.linspace(u_lo, u_hi, 600)

    def _log_integrand(self, u: np.ndarray, mu: float) -> np.ndarray:
        shape = np.shape(u)
        u = np.asarray(u, dtype=float).reshape(-1)
        var = self._v[None, :] + np.exp(2 * u)[:, None]
        loglik = -0.5 * np.sum(_LOG_2PI + np.log(var) + (self._y[None, :] - mu) ** 2 / var,
                               axis=1)
        with np.errstate(over="ignore", divide="ignore"):
            return (loglik + self._prior.logpdf(np.exp(u)) + u).reshape(shape)

    def __call__(self, mu: float) -> float:
        on_grid = self._log_integrand(self._grid, mu)
        shift = float(np.max(on_grid))
        peak = float(self._grid[np.argmax(on_grid)])
        quad = adaptive_log_quadrature(lambda u: self._log_integrand(u, mu),
                                       [self._grid[0], peak, self._grid[-1]], shift=shift,
                                       rtol=1e-11)
        return math.log(float(quad.weights.sum())) + quad.shift - self._log_c


def bayes_factors(
    *,
    y: ArrayLike,
    se: ArrayLike,
    tau_prior: TauDensity,
    mu_prior_mean: float = 0.0,
    mu_prior_sd: float | None = None,
    mu_prior_df: float | None = None,
    posterior: ExactPosterior | None = None,
) -> BayesFactors:
    """Bayes factors for tau = 0 and mu = 0 under the given priors (see the module text).

    The prior on mu is given as to :func:`reanalyse.exact.fit_exact` (normal, Student-t with
    ``mu_prior_df``, or flat). ``posterior``: the exact posterior already fitted to these data
    under these priors, which is then not fitted again (its data and prior on mu must be the ones
    given).
    """
    post = posterior
    if post is None:
        post = fit_exact(y=y, se=se, tau_prior=tau_prior, mu_prior_mean=mu_prior_mean,
                         mu_prior_sd=mu_prior_sd, mu_prior_df=mu_prior_df)
    elif not (np.array_equal(post.y, np.asarray(y, dtype=float).reshape(-1))
              and np.array_equal(post.se, np.asarray(se, dtype=float).reshape(-1))
              and post.mu_prior == (None if mu_prior_sd is None
                                    else (float(mu_prior_mean), float(mu_prior_sd)))
              and post.mu_prior_df == (None if mu_prior_df is None else float(mu_prior_df))
              and post.log_normaliser is not None):
        raise ValueError("the posterior given was fitted to other data or priors (or with tau "
                         "fixed)")
    data: MetaData = post.data
    # a prior that declares itself normalised (TauPrior: a scipy distribution on its support)
    # has log constant 0; any other density's constant is integrated
    log_c = 0.0 if getattr(tau_prior, "normalised", False) is True else _log_prior_constant(
        tau_prior)
    nan = math.nan
    notes: list[str] = []
    lik_mu = _LikelihoodOfMu(data, tau_prior, log_c)
    centre = float(np.sum(data.y / data.se**2) / np.sum(1 / data.se**2))
    spread = float(np.ptp(data.y)) + float(np.max(data.se))
    # ml_mu enters only through the maximum of p(y | mu), which is flat at its peak: an error
    # d in mu changes the minimum Bayes factor by a relative O(d^2). Its location is found on
    # p(y | mu) = p(y) p(mu | y) / p(mu) (Bayes' rule; p(mu) = 1 under the flat prior) with the
    # posterior's own mixture density, exact where the posterior has its mass, which is where
    # the maximum lies; p(y | mu) itself, at that mu and at 0, by quadrature
    if mu_prior_sd is None:
        def log_prior_mu(m: float) -> float:
            return 0.0
    elif mu_prior_df is None:
        def log_prior_mu(m: float) -> float:
            return float(stats.norm.logpdf(m, mu_prior_mean, mu_prior_sd))
    else:
        def log_prior_mu(m: float) -> float:
            return float(stats.t.logpdf(m, mu_prior_df, mu_prior_mean, mu_prior_sd))

    def neg_log_lik(m: float) -> float:
        with np.errstate(divide="ignore"):
            return -(math.log(max(float(post.pdf("mu", m)), 1e-300)) - log_prior_mu(m))

    best = optimize.minimize_scalar(neg_log_lik,
                                    bracket=(centre - spread, centre, centre + spread),
                                    tol=1e-7)
    ml_mu = float(best.x)
    log_lik_max = lik_mu(ml_mu)
    log_lik_mu0 = lik_mu(0.0)
    min_mu0 = math.exp(min(0.0, log_lik_mu0 - log_lik_max))
    if mu_prior_sd is None:
        notes.append("a flat prior on mu: p(y) and p(y | tau) are defined only up to a "
                     "constant, so only the minimum Bayes factor for mu = 0 is computed")
        return BayesFactors(bf01_tau0=nan, bf01_mu0=nan, min_bf01_tau0=nan,
                            min_bf01_mu0=min_mu0, ml_tau=nan, ml_mu=ml_mu,
                            log_marginal_likelihood=nan, notes=tuple(notes))
    assert post.log_normaliser is not None
    log_py = post.log_normaliser - log_c

    def log_lik_tau(t: float) -> float:
        return float(log_likelihood_of_tau(data, np.array([t]))[0])

    upper = max(1.0, 4 * float(np.std(data.y)) + float(np.max(data.se)))
    while log_lik_tau(2 * upper) > log_lik_tau(upper):
        upper *= 2
    # p(y | tau) need not be unimodal (as the restricted likelihood, its limit under a flat prior
    # on mu): find the global maximum on a log grid of tau, then refine it between the
    # grid points either side with bounded Brent
    grid = np.concatenate([[0.0], np.geomspace(float(data.se.min()) * 1e-6, 100.0 * upper,
                                               _ML_TAU_GRID)])
    on_grid = log_likelihood_of_tau(data, grid)
    top = int(np.argmax(np.where(np.isfinite(on_grid), on_grid, -np.inf)))
    lo, hi = float(grid[max(top - 1, 0)]), float(grid[min(top + 1, grid.size - 1)])
    res = optimize.minimize_scalar(lambda t: -log_lik_tau(t), bounds=(lo, hi),
                                   method="bounded", options={"xatol": 1e-10})
    log0 = log_lik_tau(0.0)
    ml_tau, log_max = (0.0, log0) if log0 >= -float(res.fun) else (float(res.x), -float(res.fun))
    return BayesFactors(
        bf01_tau0=math.exp(log0 - log_py), bf01_mu0=math.exp(log_lik_mu0 - log_py),
        min_bf01_tau0=math.exp(log0 - log_max), min_bf01_mu0=min_mu0, ml_tau=ml_tau,
        ml_mu=ml_mu, log_marginal_likelihood=log_py, notes=tuple(notes))
