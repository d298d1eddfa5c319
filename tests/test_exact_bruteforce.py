"""Exact engine against brute-force 2-D integration of the joint posterior p(mu, tau | y).

The reference integrates the unnormalised joint density
``p(tau) p(mu) prod_i N(y_i; mu, se_i^2 + tau^2)`` over (mu, tau) with ``scipy.integrate.dblquad``
(mu is integrated numerically here, never analytically), for a small log-OR-type example, under
a normal and under a flat prior on mu. The engine's quantiles must be the points where the
brute-force CDFs reach 2.5%, 50% and 97.5%, and its means must match.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from reanalyse.exact import fit_exact

Y = np.array([-0.62, -0.15, -1.10])
SE = np.array([0.35, 0.28, 0.52])
TAU_SCALE = 0.5  # half-normal prior on tau
TAU_MAX = 6.0  # half-normal(0.5) mass beyond 6 is ~1e-33
MU_LO, MU_HI = -8.0, 8.0  # far outside the posterior of mu


class HalfNormal:
    support = (0.0, np.inf)

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfnorm.logpdf(tau, scale=TAU_SCALE)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfnorm.ppf(q, scale=TAU_SCALE)


_DATA = list(zip(Y.tolist(), (SE**2).tolist(), strict=True))


def joint(mu: float, tau: float, mu_prior_sd: float | None) -> float:
    """Unnormalised joint posterior density of (mu, tau), from its definition (scalar math)."""
    value = math.exp(-0.5 * (tau / TAU_SCALE) ** 2)  # half-normal prior, unnormalised
    if mu_prior_sd is not None:
        value *= math.exp(-0.5 * (mu / mu_prior_sd) ** 2)
    for y, se2 in _DATA:
        var = se2 + tau * tau
        value *= math.exp(-0.5 * (y - mu) ** 2 / var) / math.sqrt(var)
    return value


def dbl(f, mu_hi: float = MU_HI, tau_hi: float = TAU_MAX) -> float:
    """Integral of f(mu, tau) * joint over mu in [MU_LO, mu_hi], tau in [0, tau_hi]."""
    val, _ = integrate.dblquad(
        f, 0.0, tau_hi, MU_LO, mu_hi, epsabs=1e-13, epsrel=1e-10
    )  # dblquad integrates func(inner=mu, outer=tau)
    return val


@pytest.fixture(scope="module", params=[2.0, None], ids=["mu~N(0,2)", "flat mu"])
def case(request: pytest.FixtureRequest) -> tuple:
    mu_sd = request.param
    post = fit_exact(y=Y, se=SE, tau_prior=HalfNormal(), mu_prior_mean=0.0, mu_prior_sd=mu_sd)
    norm = dbl(lambda mu, tau: joint(mu, tau, mu_sd))
    return post, mu_sd, norm


def test_mu_quantiles_and_mean_match_brute_force(case: tuple) -> None:
    post, mu_sd, norm = case
    for q in (0.025, 0.5, 0.975):
        x = post.quantile("mu", q)
        mass = dbl(lambda mu, tau: joint(mu, tau, mu_sd), mu_hi=x) / norm
        assert mass == pytest.approx(q, abs=2e-8)
    mean = dbl(lambda mu, tau: mu * joint(mu, tau, mu_sd)) / norm
    assert post.mean("mu") == pytest.approx(mean, abs=1e-8)


def test_tau_quantiles_and_mean_match_brute_force(case: tuple) -> None:
    post, mu_sd, norm = case
    for q in (0.025, 0.5, 0.975):
        x = post.quantile("tau", q)
        mass = dbl(lambda mu, tau: joint(mu, tau, mu_sd), tau_hi=x) / norm
        assert mass == pytest.approx(q, abs=2e-8)
    mean = dbl(lambda mu, tau: tau * joint(mu, tau, mu_sd)) / norm
    assert post.mean("tau") == pytest.approx(mean, rel=1e-8)


def test_theta_new_tail_probability_matches_brute_force(case: tuple) -> None:
    # P(theta_new <= x) = E[Phi((x - mu) / tau)]; tau = 0 contributes a step at mu
    post, mu_sd, norm = case
    x = post.quantile("theta_new", 0.9)

    def f(mu: float, tau: float) -> float:
        p = 0.5 * math.erfc(-(x - mu) / (tau * math.sqrt(2.0))) if tau > 0 else float(mu <= x)
        return p * joint(mu, tau, mu_sd)

    assert dbl(f) / norm == pytest.approx(0.9, abs=2e-8)
