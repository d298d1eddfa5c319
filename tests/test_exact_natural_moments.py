"""Natural-scale moments and joint draws of the exact posterior.

``E[exp(p * theta_new)]`` (the mean, p = 1, and through p = 2 the SD of a new study's ratio) is
checked against a brute-force double integral over (mu, tau) written here with scipy alone; a
moment that does not exist must be reported as ``inf``, never as a finite sum over the tau
nodes. Hand-worked existence: given tau, ``theta_new ~ N(m(tau), V_mu(tau) + tau^2)``, so with a
half-normal prior of scale s the integrand behaves like ``tau^-r exp(tau^2 (p^2 a - 1/s^2) / 2)``
with ``a = 1`` under a normal prior on mu (``V_mu`` tends to the prior variance; r = k) and
``a = 1 + 1/k`` under a flat one (``V_mu ~ tau^2 / k``; r = k - 1): it exists when
``p^2 a s^2 < 1``, and at ``p^2 a s^2 = 1`` exactly when ``r > 1``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from reanalyse.exact import fit_exact

Y = np.array([-0.62, -0.15, -1.10])
SE = np.array([0.35, 0.28, 0.52])
M0, S0 = 0.0, 2.82


class _HalfNormal:
    def __init__(self, scale: float) -> None:
        self.dist, self.support = stats.halfnorm(scale=scale), (0.0, np.inf)

    def logpdf(self, tau):
        return self.dist.logpdf(tau)

    def ppf(self, q):
        return self.dist.ppf(q)


class _HalfCauchy(_HalfNormal):
    def __init__(self, scale: float) -> None:
        self.dist, self.support = stats.halfcauchy(scale=scale), (0.0, np.inf)


def _brute_exp_moment_theta_new(scale: float, power: int) -> float:
    """E[exp(power * theta_new)] = ∫∫ p(tau) p(mu) p(y | mu, tau) E[exp(p theta_new) | mu, tau]
    / ∫∫ p(tau) p(mu) p(y | mu, tau), with ``theta_new | mu, tau ~ N(mu, tau^2)``."""

    def log_joint(mu: float, tau: float) -> float:
        return (
            stats.halfnorm.logpdf(tau, scale=scale)
            + stats.norm.logpdf(mu, M0, S0)
            + stats.norm.logpdf(Y, mu, np.sqrt(SE**2 + tau**2)).sum()
        )

    shift = log_joint(-0.5, 0.1)

    def num(mu: float, tau: float) -> float:
        return np.exp(log_joint(mu, tau) + power * mu + 0.5 * power**2 * tau**2 - shift)

    def den(mu: float, tau: float) -> float:
        return np.exp(log_joint(mu, tau) - shift)

    opts = {"epsabs": 0.0, "epsrel": 1e-9, "limit": 400}
    top = lambda tau: integrate.quad(lambda m: num(m, tau), -np.inf, np.inf, **opts)[0]
    bottom = lambda tau: integrate.quad(lambda m: den(m, tau), -np.inf, np.inf, **opts)[0]
    n = integrate.quad(top, 0, np.inf, **opts)[0]
    d = integrate.quad(bottom, 0, np.inf, **opts)[0]
    return n / d


@pytest.mark.parametrize(("scale", "power"), [(0.5, 1), (0.5, 2)])
def test_new_study_ratio_moments_equal_a_double_integral(scale: float, power: int) -> None:
    # power 2 with scale 0.5 sits on the boundary p s = 1 (k = 3 > 1: finite, a tau^-3 tail far
    # right of the posterior of tau, which a sum over its nodes misses)
    post = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(scale), mu_prior_mean=M0, mu_prior_sd=S0)
    expected = _brute_exp_moment_theta_new(scale, power)
    assert post.exp_moment("theta_new", power) == pytest.approx(expected, rel=1e-6)


def test_moments_that_do_not_exist_are_infinite() -> None:
    normal_mu = {"mu_prior_mean": M0, "mu_prior_sd": S0}
    # half-normal(1), p = 2: p^2 s^2 = 4 > 1
    post = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(1.0), **normal_mu)
    assert np.isfinite(post.exp_moment("theta_new", 1))  # p^2 s^2 = 1, k = 3
    assert post.exp_moment("theta_new", 2) == np.inf
    # flat prior on mu, half-normal(1), p = 1: p^2 (1 + 1/k) s^2 = 4/3 > 1
    flat = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(1.0))
    assert flat.exp_moment("theta_new", 1) == np.inf
    # mu under the flat prior: V_mu ~ tau^2 / 3, p^2 s^2 / 3 = 1/3 < 1 at p = 1; 4/3 at p = 2
    assert np.isfinite(flat.exp_moment("mu", 1))
    assert flat.exp_moment("mu", 2) == np.inf
    # half-Cauchy: a polynomial tail against exp(c tau^2)
    cauchy = fit_exact(y=Y, se=SE, tau_prior=_HalfCauchy(0.5), **normal_mu)
    assert cauchy.exp_moment("theta_new", 1) == np.inf
    assert np.isfinite(cauchy.exp_moment("mu", 2))  # bounded conditional variance
    assert np.isfinite(cauchy.exp_moment("theta", 2, study=0))


def test_natural_scale_sd_of_a_new_ratio_is_infinite_when_its_second_moment_is() -> None:
    from reanalyse.posterior import NaturalScale

    post = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(1.0), mu_prior_mean=M0, mu_prior_sd=S0)
    natural = NaturalScale(post, ratio=True)
    assert np.isfinite(natural.mean("theta_new"))
    assert natural.sd("theta_new") == np.inf


def test_joint_draws_follow_the_continuous_posterior_of_tau() -> None:
    post = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(0.5), mu_prior_mean=M0, mu_prior_sd=S0)
    n = 20_000
    draws = post.sample(n, rng=np.random.default_rng(20261203))
    tau = draws["tau"]
    # draws by inverse CDF are continuous, not a few hundred quadrature nodes
    assert np.unique(tau).size == n
    # the empirical CDF at the exact quantiles: binomial MCSE sqrt(q (1 - q) / n)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        t_q = float(post.quantile("tau", q))
        mcse = np.sqrt(q * (1 - q) / n)
        assert abs(np.mean(tau <= t_q) - q) < 4 * mcse
    for name in ("mu", "theta_new"):
        mcse = post.sd(name) / np.sqrt(n)
        assert abs(draws[name].mean() - post.mean(name)) < 4 * mcse


def test_joint_draws_under_a_student_t_prior_on_mu() -> None:
    post = fit_exact(y=Y, se=SE, tau_prior=_HalfNormal(0.5), mu_prior_mean=0.0, mu_prior_sd=0.5,
                     mu_prior_df=3.0)
    n = 20_000
    draws = post.sample(n, rng=np.random.default_rng(7))
    for q in (0.05, 0.5, 0.95):
        m_q = float(post.quantile("mu", q))
        assert abs(np.mean(draws["mu"] <= m_q) - q) < 4 * np.sqrt(q * (1 - q) / n)
