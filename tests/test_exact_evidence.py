"""Bayes factors for tau = 0 and mu = 0 (reanalyse.exact.evidence), against bayesmeta's printed
marginal maximum-likelihood estimates for the eight schools (the denominators of its minimum
Bayes factors), the Savage-Dickey density ratios of the exact posterior, and an independent
two-dimensional quadrature of the marginal likelihood."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from reanalyse.exact import bayes_factors, fit_exact
from tests.test_exact_reference import EFFECT, STDERR, HalfCauchy


class HalfNormal:
    support = (0.0, np.inf)

    def __init__(self, scale: float, offset: float = 0.0) -> None:
        self.scale, self.offset = scale, offset

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfnorm.logpdf(tau, scale=self.scale) + self.offset

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfnorm.ppf(q, scale=self.scale)


# three small studies on a log scale: HN(0.5) on tau, N(0, 1) on mu
Y = np.array([-0.45, -0.1, -0.8])
SE = np.array([0.25, 0.35, 0.4])


@pytest.fixture(scope="module")
def schools():
    return bayes_factors(y=EFFECT, se=STDERR, tau_prior=HalfCauchy(), mu_prior_mean=0.0,
                         mu_prior_sd=50.0)


def test_schools_marginal_ml_estimates_equal_bayesmeta(schools) -> None:
    # print(schools.example.1), "ML and MAP estimates": ML marginal tau 0, mu 7.998270.
    # bayesmeta finds them with optimize() (tolerance about 1e-4 relative in the argument)
    assert schools.ml_tau == 0.0
    assert schools.min_bf01_tau0 == 1.0  # likelihood(tau = 0) is the maximum
    assert schools.ml_mu == pytest.approx(7.998270, abs=1e-4 * 8)


def test_bf_mu0_is_the_savage_dickey_ratio(schools) -> None:
    post = fit_exact(y=EFFECT, se=STDERR, tau_prior=HalfCauchy(), mu_prior_mean=0.0,
                     mu_prior_sd=50.0)
    ratio = post.pdf("mu", 0.0) / stats.norm.pdf(0.0, 0.0, 50.0)
    assert schools.bf01_mu0 == pytest.approx(ratio, rel=1e-8)


def test_bf_tau0_is_the_savage_dickey_ratio() -> None:
    prior = HalfNormal(0.5)
    bf = bayes_factors(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=1.0)
    post = fit_exact(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=1.0)
    ratio = float(post.pdf("tau", 1e-300)) / stats.halfnorm.pdf(0.0, scale=0.5)
    assert bf.bf01_tau0 == pytest.approx(ratio, rel=1e-8)


def test_marginal_likelihood_equals_two_dimensional_quadrature() -> None:
    bf = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(0.5), mu_prior_mean=0.0,
                       mu_prior_sd=1.0)

    # written out by hand (scipy.stats per call would make the 2-D quadrature slow)
    def joint(mu: float, tau: float) -> float:
        var = SE**2 + tau**2
        lik = math.exp(float(-0.5 * np.sum(np.log(2 * math.pi * var) + (Y - mu) ** 2 / var)))
        prior_mu = math.exp(-0.5 * mu**2) / math.sqrt(2 * math.pi)
        prior_tau = 2 * math.exp(-0.5 * (tau / 0.5) ** 2) / (0.5 * math.sqrt(2 * math.pi))
        return lik * prior_mu * prior_tau

    p_y = integrate.dblquad(joint, 0, 4, -5, 5, epsabs=0, epsrel=1e-8)[0]
    p_y_tau0 = integrate.quad(lambda m: joint(m, 0.0) / stats.halfnorm.pdf(0, scale=0.5),
                              -5, 5, epsabs=0, epsrel=1e-12)[0]
    p_y_mu0 = integrate.quad(lambda t: joint(0.0, t) / stats.norm.pdf(0, 0, 1), 0, 4,
                             epsabs=0, epsrel=1e-12)[0]
    assert bf.log_marginal_likelihood == pytest.approx(math.log(p_y), abs=1e-6)
    assert bf.bf01_tau0 == pytest.approx(p_y_tau0 / p_y, rel=1e-6)
    assert bf.bf01_mu0 == pytest.approx(p_y_mu0 / p_y, rel=1e-6)
    # the minimum Bayes factor for mu = 0 is at most the actual one (it is the least support
    # over all priors on mu)
    assert bf.min_bf01_mu0 <= bf.bf01_mu0


def test_unnormalised_tau_prior_gives_the_same_factors() -> None:
    a = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(0.5), mu_prior_mean=0.0, mu_prior_sd=1.0)
    b = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(0.5, offset=7.0), mu_prior_mean=0.0,
                      mu_prior_sd=1.0)
    assert b.bf01_tau0 == pytest.approx(a.bf01_tau0, rel=1e-8)
    assert b.bf01_mu0 == pytest.approx(a.bf01_mu0, rel=1e-8)


def test_flat_mu_prior_gives_only_the_minimum_factor_for_mu() -> None:
    bf = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(0.5))
    assert math.isnan(bf.bf01_tau0) and math.isnan(bf.bf01_mu0)
    assert math.isnan(bf.min_bf01_tau0)
    assert 0 < bf.min_bf01_mu0 < 1 and bf.notes
    # the minimum factor does not depend on the prior on mu
    proper = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(0.5), mu_prior_sd=1.0)
    assert bf.min_bf01_mu0 == pytest.approx(proper.min_bf01_mu0, rel=1e-8)


def test_a_given_posterior_is_reused_and_must_match() -> None:
    prior = HalfNormal(0.5)
    post = fit_exact(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=1.0)
    reused = bayes_factors(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=1.0,
                           posterior=post)
    fresh = bayes_factors(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=1.0)
    assert reused.bf01_mu0 == fresh.bf01_mu0 and reused.bf01_tau0 == fresh.bf01_tau0
    with pytest.raises(ValueError, match="other data or priors"):
        bayes_factors(y=Y, se=SE, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=2.0,
                      posterior=post)


def test_ml_tau_is_the_global_maximum_of_a_bimodal_likelihood() -> None:
    # p(y | tau) with mu ~ N(0, 10^2) integrated out, y ~ N(0, diag(se^2 + tau^2) + 100 J),
    # written out with scipy.stats here: local maxima at tau 0.14630 (log -16.32819) and 1.5801
    # (-16.41149), -16.34785 at tau = 0. Bounded Brent on [0, upper] found the lower mode, which
    # lost to tau = 0, and reported ml_tau 0 and min_bf01_tau0 1 (issue 14: no unimodality)
    y = np.array([-1.77, -0.89, -6.1, -0.52, -5.88, 1.77])
    se = np.array([1.94, 0.21, 5.16, 0.26, 1.83, 1.95])

    def log_lik(tau: float) -> float:
        cov = np.diag(se**2 + tau**2) + 100.0 * np.ones((y.size, y.size))
        return float(stats.multivariate_normal.logpdf(y, mean=np.zeros(y.size), cov=cov))

    grid = np.concatenate([[0.0], np.geomspace(1e-4, 20.0, 20001)])
    on_grid = np.array([log_lik(t) for t in grid])
    top = int(np.argmax(on_grid))
    assert grid[top] == pytest.approx(0.1463, abs=1e-3)
    assert on_grid[top] > on_grid[0] > log_lik(1.5801)
    bf = bayes_factors(y=y, se=se, tau_prior=HalfNormal(0.5), mu_prior_mean=0.0,
                       mu_prior_sd=10.0)
    assert bf.ml_tau == pytest.approx(0.14630, abs=1e-5)
    assert bf.min_bf01_tau0 == pytest.approx(math.exp(on_grid[0] - log_lik(bf.ml_tau)),
                                             rel=1e-9)
    assert bf.min_bf01_tau0 == pytest.approx(0.980529, abs=1e-6)


def test_every_tau_prior_that_says_it_is_normalised_integrates_to_one() -> None:
    """The Bayes factors skip the integral of a prior's constant when the prior declares itself
    normalised: check the claim for every registry tau prior and every direct family."""
    from scipy import integrate

    from reanalyse.priors import TauPrior, registry

    priors = [p for p in registry().values() if isinstance(p, TauPrior)]
    priors += [TauPrior.half_normal(0.5), TauPrior.half_cauchy(1.0), TauPrior.uniform(0.0, 2.0),
               TauPrior.lognormal(-1.0, 1.2), TauPrior.log_t(-2.0, 1.5, 5.0)]
    assert len(priors) > 10
    for prior in priors:
        assert prior.normalised is True
        # on u = log(tau), where log-t and lognormal priors have the tails quad handles
        lo, hi = prior.support
        mid = float(np.log(prior.ppf(np.array([0.5]))[0]))
        a = -np.inf if lo == 0 else float(np.log(lo))
        b = np.inf if not np.isfinite(hi) else float(np.log(hi))

        def f(u: float, p: TauPrior = prior) -> float:
            if u > 700.0:  # tau beyond float range: no mass there for any of these priors
                return 0.0
            with np.errstate(over="ignore"):
                return float(np.exp(p.logpdf(np.array([np.exp(u)]))[0] + u))

        total = sum(integrate.quad(f, x0, x1, limit=400, epsabs=0.0, epsrel=1e-11)[0]
                    for x0, x1 in ((a, mid), (mid, b)))
        assert total == pytest.approx(1.0, abs=1e-8), prior.id
