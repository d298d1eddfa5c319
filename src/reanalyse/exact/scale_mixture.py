"""A Student-t prior on mu as a scale mixture of normals, and the quadrature rule over its mixing
variable.

``t_df(m, s) = ∫ N(m, s^2 / lambda) Gamma(lambda | df/2, rate df/2) dlambda``: given tau and the
precision multiplier lambda the prior on mu is normal and everything is analytic
(:mod:`reanalyse.exact.conditional`), so lambda is the one variable integrated numerically besides
tau. Given tau, the lambda integrand is the Gamma density times ``N(delta; 0, V + s^2 / lambda)``,
with ``delta = mu_hat(tau) - m`` and ``V`` the variance of the likelihood in mu
(``mu_hat``, ``V`` from the flat-prior conditional).

The rule is the trapezoidal rule in ``v = log(lambda)``. In v the integrand is analytic and
bounded in the strip ``|Im v| < pi/2`` whatever the data (the Gamma part is
``exp(df/2 (v - e^v))``; the normal part depends on v through ``1 + (V/s^2) e^v``, which keeps a
positive real part there), so the rule converges geometrically in the step and its error is
estimated by comparing it with the rule of half the step (Trefethen & Weideman 2014, "The
exponentially convergent trapezoidal rule", SIAM Rev 56(3), section 5). The range and the step
are fitted once per data set, to a set of tau values from 0 to where the data no longer inform
lambda: the range holds, for each of them, every point where the integrand is within
``exp(-46)`` of its maximum; the step is refined until the rule agrees with the rule of half its
step to ``rtol`` (relative to the integral) for each of them, both for the integral and for the
shrinkage ``lambda V / (s^2 + lambda V)`` that moves the conditional mean of mu towards the
prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from reanalyse.exact.conditional import MetaData, log_normal_marginal, mu_given_tau

__all__ = ["ScaleMixture", "scale_mixture_rule"]

#: Log-scale drop below the maximum at which the integrand is treated as zero (exp(-46) ~ 1e-20).
_TRIM = 46.0
#: Hard limits on v = log(lambda): s^2 / lambda stays finite in float64.
_V_MIN, _V_MAX = -600.0, 60.0
#: Spacing, in log(tau), of the tau values the rule is fitted to.
_TAU_STEP = 0.5
#: Coarsest step the convergence test starts from, in units of the scan step.
_START = 4
#: Factor by which the number of nodes grows between tests, and the most tests made (the rule
#: is then taken as it is).
_GROW, _MAX_TESTS = 1.25, 40
#: Below this relative difference a difference that no longer falls is rounding error.
_FLOOR = 1e-6


@dataclass(frozen=True, eq=False)
class ScaleMixture:
    """The quadrature rule over the precision multiplier lambda of a Student-t prior on mu.

    Attributes
    ----------
    location, scale, df
        The prior ``t_df(location, scale)`` on mu.
    lam
        Nodes (values of lambda), shape ``(m,)``.
    log_weight
        Log of the trapezoid weight in ``log(lambda)`` times ``lambda`` times the
        ``Gamma(df/2, rate df/2)`` density at the node, shape ``(m,)``:
        ``sum(exp(log_weight) * g(lam))`` is ``E[g(lambda)]`` for the integrands of the data
        set the rule was fitted to.
    step
        The step of the rule in ``log(lambda)``.
    """

    location: float
    scale: float
    df: float
    lam: NDArray[np.float64]
    log_weight: NDArray[np.float64]
    step: float


def _log_gamma_in_v(v: NDArray[np.float64], df: float) -> NDArray[np.float64]:
    """Log density of ``v = log(lambda)``, lambda ~ Gamma(df/2, rate df/2)."""
    lam = np.exp(v)
    return np.asarray(stats.gamma.logpdf(lam, 0.5 * df, scale=2.0 / df), dtype=np.float64) + v


def scale_mixture_rule(
    *,
    y: ArrayLike,
    se: ArrayLike,
    location: float,
    scale: float,
    df: float,
    rtol: float = 1e-10,
) -> ScaleMixture:
    """Fit the trapezoidal rule in ``log(lambda)`` for the prior ``t_df(location, scale)`` on mu.

    Parameters
    ----------
    y, se
        Study estimates and standard errors.
    location, scale, df
        The Student-t prior on mu (``scale > 0``, ``df > 0``).
    rtol
        Relative accuracy asked of ``p(y | tau)`` (and of the mean of ``mu | tau``) for every tau.

    Returns
    -------
    ScaleMixture
    """
    y_arr = np.asarray(y, dtype=np.float64).reshape(-1)
    se_arr = np.asarray(se, dtype=np.float64).reshape(-1)
    half = 0.5 * df
    # tau values: 0, then from well below the smallest se up to where V / s^2 is so large that
    # the lambda integrand is the prior's (its left end then moves no further)
    log_tau_hi = min(
        0.5 * np.log(y_arr.size) + np.log(scale) + 2.0 * _TRIM / df + 10.0,
        float(np.log(float(se_arr.max()) + float(np.ptp(y_arr)))) + 300.0,
    )
    log_tau_lo = float(np.log(se_arr.min())) - 5.0
    n_tau = max(2, int(np.ceil((log_tau_hi - log_tau_lo) / _TAU_STEP)) + 1)
    taus = np.concatenate([[0.0], np.exp(np.linspace(log_tau_lo, log_tau_hi, n_tau))])
    cond = mu_given_tau(MetaData(y=y_arr, se=se_arr, mu_prior_mean=0.0, mu_prior_sd=None), taus)
    delta, var = cond.mean - location, cond.var
    conflict = float(np.max(delta**2)) / scale**2
    # the integrand rises at least at rate 0.3 df below log(df / (df + conflict)) - 1 and falls
    # at least at rate 0.8 (df + 1) above log((df + 1) / df) + 1: the range is inside these
    v_lo = max(_V_MIN, float(np.log(df / (df + conflict))) - 2.0 - 2.0 * _TRIM / (0.6 * df))
    v_hi = min(_V_MAX, float(np.log((df + 1.0) / df)) + 2.0 + _TRIM / (0.8 * (df + 1.0)))
    # the scan step resolves the Gamma density of log(lambda) (sd sqrt(trigamma(df / 2)))
    scan_step = min(0.25, 0.25 * float(np.sqrt(special.polygamma(1, half))))
    scan = np.linspace(v_lo, v_hi, int(np.ceil((v_hi - v_lo) / scan_step)) + 1)

    def log_integrand(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return _log_gamma_in_v(v, df)[None, :] + log_normal_marginal(delta, var, scale, np.exp(v))

    log_f = log_integrand(scan)
    top = log_f.max(axis=1, keepdims=True)  # per tau: the scale both rules are compared on
    keep = (log_f >= top - _TRIM).any(axis=0)
    idx = np.flatnonzero(keep)
    a = float(scan[max(int(idx[0]) - 1, 0)])
    b = float(scan[min(int(idx[-1]) + 1, scan.size - 1)])

    def rule(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Nodes, log trapezoid weights, and the integral and shrinkage moment per tau (over
        ``exp(top)``)."""
        v = np.linspace(a, b, n + 1)
        h = (b - a) / n
        log_w = np.full(v.shape, np.log(h))
        log_w[[0, -1]] -= np.log(2.0)
        f = np.exp(log_integrand(v) + log_w[None, :] - top)
        shrink = np.exp(v)[None, :] * var[:, None]
        shrink = shrink / (scale**2 + shrink)
        return v, log_w, np.stack([f.sum(axis=1), (f * shrink).sum(axis=1)])

    # the error falls like exp(-c / step): the rule of half the step is far more accurate, so the
    # difference from it is the error of the coarser rule, which is kept once within rtol (or
    # once the difference stops falling below _FLOOR: rounding in the Gamma density, for a df
    # of 1e7 and more, where the t prior is a normal to within 1e-7)
    n = max(2, int(np.ceil((b - a) / (_START * scan_step))))
    previous = np.inf
    for _ in range(_MAX_TESTS):
        v, log_w, est = rule(n)
        est_fine = rule(2 * n)[2]
        diff = float(np.max(np.abs(est - est_fine) / est_fine[0]))
        if diff <= rtol or (diff < _FLOOR and diff > 0.5 * previous):
            break
        previous = diff
        n = int(np.ceil(_GROW * n))
    step = (b - a) / n
    return ScaleMixture(
        location=float(location),
        scale=float(scale),
        df=float(df),
        lam=np.exp(v),
        log_weight=log_w + _log_gamma_in_v(v, df),
        step=float(step),
    )
