"""Exact engine (reanalyse.exact): limits worked by hand, independent quadrature, API contract.

References used here, none of them the engine itself:
- fixed-effect, known-tau and conjugate posteriors worked out by hand (arithmetic in the test);
- the joint Gaussian of (mu, theta, y) given tau, conditioned with dense matrix algebra;
- the marginal likelihood of tau from ``scipy.stats.multivariate_normal`` (y ~ MVN with
  compound-symmetric covariance), normalised with ``scipy.integrate.quad``;
- prior quantiles from ``scipy.stats`` where the posterior of tau equals its prior.
The 2-D brute-force check is in ``test_exact_bruteforce.py``, published bayesmeta results in
``test_exact_reference.py``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from reanalyse.exact import ExactPosterior, TauDensity, fit_exact, min_studies_for_uniform_tau


# -- small scipy-based priors following reanalyse.exact.TauDensity ---------------------------------
class ScipyTau:
    """A tau prior wrapping a frozen scipy distribution on (0, inf) or a bounded support."""

    def __init__(self, dist: stats.rv_continuous, support: tuple[float, float] = (0.0, np.inf)):
        self.dist = dist
        self.support = support

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return self.dist.logpdf(tau)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return self.dist.ppf(q)


class LogT:
    """tau = exp(loc + scale * T_df): a log-t prior (the Rhodes et al. 2015 family, on tau)."""

    support = (0.0, np.inf)

    def __init__(self, loc: float, scale: float, df: float = 5.0):
        self.t = stats.t(df=df, loc=loc, scale=scale)

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=float)
        with np.errstate(divide="ignore"):
            return self.t.logpdf(np.log(tau)) - np.log(tau)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return np.exp(self.t.ppf(q))


def half_normal(scale: float) -> ScipyTau:
    return ScipyTau(stats.halfnorm(scale=scale))


def half_cauchy(scale: float) -> ScipyTau:
    return ScipyTau(stats.halfcauchy(scale=scale))


# log-OR-scale example with three small trials (made up, fixed)
Y3 = np.array([-0.62, -0.15, -1.10])
SE3 = np.array([0.35, 0.28, 0.52])


# -- hand-worked limits -------------------------------------------------------------------------
def test_tau_fixed_zero_is_the_fixed_effect_inverse_variance_posterior() -> None:
    y, se = np.array([0.10, -0.30, 0.25, -0.05]), np.array([0.20, 0.15, 0.30, 0.10])
    w = 1 / se**2
    mean, sd = np.sum(w * y) / np.sum(w), 1 / np.sqrt(np.sum(w))
    post = fit_exact(y=y, se=se, tau_fixed=0.0)
    assert post.mean("mu") == pytest.approx(mean, rel=1e-12)
    assert post.sd("mu") == pytest.approx(sd, rel=1e-12)
    for q in (0.025, 0.5, 0.975):
        assert post.quantile("mu", q) == pytest.approx(stats.norm.ppf(q, mean, sd), rel=1e-9)
    assert post.p_greater("mu", 0.0) == pytest.approx(stats.norm.sf(0.0, mean, sd), rel=1e-10)
    # with tau = 0 every study effect, and the new-study effect, equal mu
    for i in range(4):
        assert post.mean("theta", study=i) == pytest.approx(mean, rel=1e-12)
        assert post.sd("theta", study=i) == pytest.approx(sd, rel=1e-12)
    assert post.sd("theta_new") == pytest.approx(sd, rel=1e-12)
    assert post.mean("tau") == 0.0 and post.sd("tau") == 0.0
    assert post.quantile("tau", 0.7) == 0.0
    with pytest.raises(ValueError, match="no density"):
        post.pdf("tau", 0.1)


def test_tau_prior_concentrated_at_zero_gives_the_fixed_effect_posterior() -> None:
    y, se = np.array([0.10, -0.30, 0.25, -0.05]), np.array([0.20, 0.15, 0.30, 0.10])
    w = 1 / se**2
    mean, sd = np.sum(w * y) / np.sum(w), 1 / np.sqrt(np.sum(w))
    post = fit_exact(y=y, se=se, tau_prior=half_normal(1e-8))
    assert post.mean("mu") == pytest.approx(mean, rel=1e-7)
    assert post.sd("mu") == pytest.approx(sd, rel=1e-7)
    assert post.quantile("mu", 0.975) == pytest.approx(stats.norm.ppf(0.975, mean, sd), rel=1e-7)
    assert post.sd("theta_new") == pytest.approx(sd, rel=1e-6)
    # the likelihood is flat over tau ~ 1e-8, so the posterior of tau is the prior
    for q in (0.025, 0.5, 0.975):
        assert post.quantile("tau", q) == pytest.approx(stats.halfnorm.ppf(q, scale=1e-8), rel=1e-6)


def test_one_study_with_known_tau_is_the_conjugate_normal_posterior() -> None:
    # y = 0.8, se = 0.4, tau = 0.3, mu ~ N(0, 1):
    #   y | mu ~ N(mu, 0.4^2 + 0.3^2 = 0.25)
    #   precision 1/1 + 1/0.25 = 5  ->  Var = 0.2,  mean = (0/1 + 0.8/0.25) / 5 = 0.64
    #   theta ~ N(0, 1 + 0.09 = 1.09), y | theta ~ N(theta, 0.16):
    #   precision 1/1.09 + 1/0.16,  mean = (0.8/0.16) / precision
    #   theta_new = mu + N(0, 0.09)  ->  N(0.64, 0.2 + 0.09 = 0.29)
    post = fit_exact(y=[0.8], se=[0.4], tau_fixed=0.3, mu_prior_mean=0.0, mu_prior_sd=1.0)
    assert post.mean("mu") == pytest.approx(0.64, rel=1e-12)
    assert post.sd("mu") == pytest.approx(np.sqrt(0.2), rel=1e-12)
    q975 = 0.64 + stats.norm.ppf(0.975) * np.sqrt(0.2)
    assert post.quantile("mu", 0.975) == pytest.approx(q975, rel=1e-9)
    prec = 1 / 1.09 + 1 / 0.16
    assert post.mean("theta", study=0) == pytest.approx((0.8 / 0.16) / prec, rel=1e-12)
    assert post.sd("theta", study=0) == pytest.approx(np.sqrt(1 / prec), rel=1e-12)
    assert post.mean("theta_new") == pytest.approx(0.64, rel=1e-12)
    assert post.sd("theta_new") == pytest.approx(np.sqrt(0.29), rel=1e-12)
    p0 = stats.norm.cdf(0, 0.64, np.sqrt(0.29))
    assert post.p_less("theta_new", 0.0) == pytest.approx(p0, rel=1e-10)


def test_fixed_tau_with_flat_prior_is_the_mean_weighted_by_one_over_se2_plus_tau2() -> None:
    y, se, tau = np.array([0.4, 0.1, 0.9, -0.2, 0.5]), np.array([0.3, 0.2, 0.4, 0.25, 0.35]), 0.27
    w = 1 / (se**2 + tau**2)
    mean, sd = np.sum(w * y) / np.sum(w), 1 / np.sqrt(np.sum(w))
    post = fit_exact(y=y, se=se, tau_fixed=tau)
    assert post.mean("mu") == pytest.approx(mean, rel=1e-12)
    assert post.sd("mu") == pytest.approx(sd, rel=1e-12)
    assert post.quantile("mu", 0.025) == pytest.approx(stats.norm.ppf(0.025, mean, sd), rel=1e-9)
    assert post.sd("theta_new") == pytest.approx(np.sqrt(sd**2 + tau**2), rel=1e-12)

    # study effects: the joint Gaussian of (mu, theta_1..k) under a flat prior on mu, solved
    # densely. Precision: theta block I/tau^2 + diag(1/se^2), mu-theta -1/tau^2, mu-mu k/tau^2.
    k = y.size
    precision = np.zeros((k + 1, k + 1))
    precision[0, 0] = k / tau**2
    precision[0, 1:] = precision[1:, 0] = -1 / tau**2
    precision[1:, 1:] = np.eye(k) / tau**2 + np.diag(1 / se**2)
    cov = np.linalg.inv(precision)
    joint_mean = cov @ np.concatenate([[0.0], y / se**2])
    assert joint_mean[0] == pytest.approx(mean, rel=1e-10)
    for i in range(k):
        assert post.mean("theta", study=i) == pytest.approx(joint_mean[i + 1], rel=1e-10)
        assert post.sd("theta", study=i) == pytest.approx(np.sqrt(cov[i + 1, i + 1]), rel=1e-10)


# -- independent quadrature (scipy quad + multivariate normal marginal likelihood) -----------
class QuadReference:
    """Posterior summaries by scipy quad, with y | tau ~ MVN(m0, diag(se^2 + tau^2) + s0^2 11')."""

    def __init__(self, y, se, prior, m0: float, s0: float, upper: float = np.inf):
        self.y, self.se, self.prior, self.m0, self.s0, self.upper = y, se, prior, m0, s0, upper
        self.k = y.size
        self.norm = 1.0
        # quad revisits the same abscissae for every integrand: cache per tau
        self.density = functools.cache(self._density)  # type: ignore[method-assign]
        self.conditionals = functools.cache(self._conditionals)  # type: ignore[method-assign]
        self.norm = self._quad(lambda t: 1.0)
        self.density.cache_clear()

    def _cov_y(self, t: float) -> np.ndarray:
        return np.diag(self.se**2 + t**2) + self.s0**2

    def _density(self, t: float) -> float:
        if t <= 0 or t > self.upper:
            return 0.0
        with np.errstate(all="ignore"):
            lp = float(self.prior.logpdf(np.array([t]))[0])
        mean = np.full(self.k, self.m0)
        ll = stats.multivariate_normal.logpdf(self.y, mean=mean, cov=self._cov_y(t))
        return float(np.exp(lp + ll)) / self.norm

    def _quad(self, f, upper: float | None = None) -> float:
        # substitute t = exp(u): copes with priors whose density is singular at 0 (log-t)
        top = np.log(self.upper if upper is None else min(upper, self.upper))

        def integrand(u: float) -> float:
            t = np.exp(u)
            d = self.density(t)
            return d * f(t) * t if d > 0 else 0.0

        lo, hi = -100.0, min(top, 14.0)  # tau <= 1.2e6: the mass beyond is < 1e-20 here
        pts = [p for p in (-10, -5, -3, -2, -1, 0, 1, 2, 3, 5, 10) if lo < p < hi]
        val, _ = integrate.quad(integrand, lo, hi, points=pts, epsabs=0, epsrel=1e-10, limit=400)
        return val

    def _conditionals(self, t: float) -> dict[str, tuple[float, float]]:
        """Gaussian conditioning of (mu, theta_i, theta_new) on y, given tau = t."""
        cy = self._cov_y(t)
        resid = np.linalg.solve(cy, self.y - self.m0)
        cov_mu_y = np.full(self.k, self.s0**2)
        out = {
            "mu": (
                self.m0 + cov_mu_y @ resid,
                self.s0**2 - cov_mu_y @ np.linalg.solve(cy, cov_mu_y),
            )
        }
        out["theta_new"] = (out["mu"][0], out["mu"][1] + t**2)
        c_theta = t**2 * np.eye(self.k) + self.s0**2  # Cov(theta), = Cov(theta, y)
        gain = np.linalg.solve(cy, c_theta).T
        th_mean = self.m0 + gain @ (self.y - self.m0)
        th_cov = c_theta - gain @ c_theta
        for i in range(self.k):
            out[f"theta{i}"] = (th_mean[i], th_cov[i, i])
        return out

    def tau_cdf(self, x: float) -> float:
        return self._quad(lambda t: 1.0, upper=x)

    def cdf(self, name: str, x: float) -> float:
        def f(t):
            m, v = self.conditionals(t)[name]
            return stats.norm.cdf(x, m, np.sqrt(v))

        return self._quad(f)

    def mean(self, name: str) -> float:
        if name == "tau":
            return self._quad(lambda t: t)
        return self._quad(lambda t: self.conditionals(t)[name][0])

    def sd(self, name: str) -> float:
        m = self.mean(name)
        if name == "tau":
            return np.sqrt(self._quad(lambda t: (t - m) ** 2))

        def second(t: float) -> float:
            mean_t, var_t = self.conditionals(t)[name]
            return var_t + (mean_t - m) ** 2

        return np.sqrt(self._quad(second))


CASES = {
    "half-normal(0.5), N(0, 4)": (half_normal(0.5), 0.0, 4.0, np.inf),
    "half-Cauchy(1), N(0.3, 1)": (half_cauchy(1.0), 0.3, 1.0, np.inf),
    "log-normal (Turner-type), N(0, 4)": (
        ScipyTau(stats.lognorm(s=0.87, scale=np.exp(-1.28))),
        0.0,
        4.0,
        np.inf,
    ),
    "uniform(0, 0.4), N(0, 4)": (ScipyTau(stats.uniform(0, 0.4), (0.0, 0.4)), 0.0, 4.0, 0.4),
    "log-t (Rhodes-type), N(0, 2)": (LogT(-1.5, 0.8), 0.0, 2.0, np.inf),
}


@pytest.mark.parametrize("case", list(CASES))
def test_marginals_agree_with_independent_quadrature(case: str) -> None:
    prior, m0, s0, upper = CASES[case]
    post = fit_exact(y=Y3, se=SE3, tau_prior=prior, mu_prior_mean=m0, mu_prior_sd=s0)
    ref = QuadReference(Y3, SE3, prior, m0, s0, upper)
    assert ref.norm > 0
    # tau: moments, and the reference CDF at our quantiles
    assert post.mean("tau") == pytest.approx(ref.mean("tau"), rel=1e-7)
    assert post.sd("tau") == pytest.approx(ref.sd("tau"), rel=1e-7)
    for q in (0.025, 0.5, 0.975):
        assert ref.tau_cdf(post.quantile("tau", q)) == pytest.approx(q, abs=1e-8)
    x = float(post.quantile("tau", 0.3))
    assert post.pdf("tau", x) == pytest.approx(ref.density(x), rel=1e-7)
    # mu, theta_new and one study effect
    for name, kw in (("mu", {}), ("theta_new", {}), ("theta1", {"study": 1})):
        param = "theta" if name.startswith("theta") and name != "theta_new" else name
        assert post.mean(param, **kw) == pytest.approx(ref.mean(name), abs=1e-8)
        assert post.sd(param, **kw) == pytest.approx(ref.sd(name), rel=1e-7)
        for q in (0.025, 0.5, 0.975):
            assert ref.cdf(name, post.quantile(param, q, **kw)) == pytest.approx(q, abs=1e-8)


def test_bounded_prior_keeps_tau_inside_its_support() -> None:
    post = fit_exact(y=Y3, se=SE3, tau_prior=ScipyTau(stats.uniform(0, 0.4), (0.0, 0.4)))
    assert post.cdf("tau", 0.4) == pytest.approx(1.0, abs=1e-12)
    assert post.quantile("tau", 1.0) == 0.4
    assert post.pdf("tau", 0.5) == 0.0
    assert post.tau_nodes.max() <= 0.4


# -- heavy tails: moments that do not exist -------------------------------------------------------
def test_one_study_flat_mu_half_cauchy_posterior_of_tau_is_the_prior() -> None:
    # with k = 1 and a flat prior on mu, p(y | tau) does not depend on tau
    post = fit_exact(y=[0.3], se=[0.2], tau_prior=half_cauchy(0.5))
    for q in (0.025, 0.5, 0.9, 0.975):
        ref = stats.halfcauchy.ppf(q, scale=0.5)
        assert post.quantile("tau", q) == pytest.approx(ref, rel=1e-8)
    assert post.cdf("tau", 1.0) == pytest.approx(stats.halfcauchy.cdf(1.0, scale=0.5), abs=1e-10)
    assert post.mean("tau") == np.inf and post.sd("tau") == np.inf
    # mu | tau ~ N(0.3, 0.2^2 + tau^2): Cauchy-like tails, no mean
    assert np.isnan(post.mean("mu")) and post.sd("mu") == np.inf
    assert np.isnan(post.mean("theta_new")) and post.sd("theta_new") == np.inf
    assert post.quantile("mu", 0.5) == pytest.approx(0.3, abs=1e-10)  # symmetric about y
    # P(mu <= 0.3 + c) = E[Phi(c / sqrt(0.04 + tau^2))] under the half-Cauchy prior
    ref, _ = integrate.quad(
        lambda t: stats.halfcauchy.pdf(t, scale=0.5) * stats.norm.cdf(0.5 / np.sqrt(0.04 + t**2)),
        0,
        np.inf,
        epsrel=1e-11,
        limit=400,
    )
    assert post.cdf("mu", 0.8) == pytest.approx(ref, abs=1e-9)
    # shrinkage estimates always have moments
    assert np.isfinite(post.mean("theta", study=0)) and np.isfinite(post.sd("theta", study=0))


def test_log_t_prior_with_one_study_and_flat_mu_reproduces_the_prior_quantiles() -> None:
    prior = LogT(-1.5, 1.0)
    post = fit_exact(y=[0.3], se=[0.2], tau_prior=prior)
    for q in (0.01, 0.025, 0.5, 0.975, 0.99):
        assert post.quantile("tau", q) == pytest.approx(float(prior.ppf(np.array(q))), rel=1e-6)
    assert post.mean("tau") == np.inf


def test_two_studies_flat_mu_half_cauchy_have_a_mean_but_no_sd() -> None:
    # posterior tail ~ tau^-3: E[tau] finite, E[tau^2] infinite
    post = fit_exact(y=[0.3, -0.1], se=[0.2, 0.25], tau_prior=half_cauchy(0.5))
    assert np.isfinite(post.mean("tau"))
    assert post.sd("tau") == np.inf
    assert np.isfinite(post.mean("mu")) and post.sd("mu") == np.inf


# -- the improper uniform prior on tau ----------------------------------------------------------
def test_improper_uniform_tau_needs_enough_studies() -> None:
    assert min_studies_for_uniform_tau(mu_prior_flat=True) == 3
    assert min_studies_for_uniform_tau(mu_prior_flat=False) == 2
    with pytest.raises(ValueError, match="improper posterior"):
        fit_exact(y=[0.1, 0.2], se=[0.1, 0.2], tau_prior="uniform")
    with pytest.raises(ValueError, match="improper posterior"):
        fit_exact(y=[0.1], se=[0.1], tau_prior="uniform", mu_prior_sd=1.0)
    post = fit_exact(y=[0.1, 0.5], se=[0.1, 0.2], tau_prior="uniform", mu_prior_sd=1.0)
    # tail ~ tau^-2: proper, but no mean
    assert post.mean("tau") == np.inf
    assert 0 < post.quantile("tau", 0.5) < np.inf


def test_improper_uniform_tau_agrees_with_quadrature_of_the_marginal_likelihood() -> None:
    y = np.array([0.2, 0.9, -0.4, 0.5, 1.3])
    se = np.array([0.3, 0.4, 0.35, 0.5, 0.45])
    post = fit_exact(y=y, se=se, tau_prior="uniform", mu_prior_mean=0.0, mu_prior_sd=3.0)

    class Flat:
        def logpdf(self, t):
            return np.zeros_like(t)

    ref = QuadReference(y, se, Flat(), 0.0, 3.0)
    assert post.mean("tau") == pytest.approx(ref.mean("tau"), rel=1e-7)
    assert ref.tau_cdf(post.quantile("tau", 0.975)) == pytest.approx(0.975, abs=1e-8)
    assert ref.cdf("mu", post.quantile("mu", 0.025)) == pytest.approx(0.025, abs=1e-8)


# -- API contract -------------------------------------------------------------------------------
def test_summary_is_tidy_and_matches_the_methods() -> None:
    labels = ["Ann 2001", "Bo 2005", "Cy 2010"]
    post = fit_exact(y=Y3, se=SE3, tau_prior=half_normal(0.5), mu_prior_sd=4.0, labels=labels)
    df = post.summary()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["parameter", "study", "mean", "sd", "q025", "median", "q975"]
    assert list(df["parameter"]) == ["mu", "tau", "theta_new", "theta", "theta", "theta"]
    assert list(df["study"].iloc[3:]) == labels
    assert df["study"].iloc[:3].isna().all()
    row = df.iloc[4]
    assert row["mean"] == pytest.approx(post.mean("theta", study="Bo 2005"), rel=1e-12)
    assert row["q975"] == pytest.approx(post.quantile("theta", 0.975, study=1), rel=1e-10)
    tau = df.iloc[1]
    assert tau["median"] == pytest.approx(post.quantile("tau", 0.5), rel=1e-10)
    assert (df["q025"] < df["median"]).all() and (df["median"] < df["q975"]).all()


def test_distribution_functions_are_consistent() -> None:
    post = fit_exact(y=Y3, se=SE3, tau_prior=half_cauchy(0.5))
    for param in ("mu", "tau", "theta_new"):
        qs = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
        xs = post.quantile(param, qs)
        assert isinstance(xs, np.ndarray) and xs.shape == (5,)
        np.testing.assert_allclose(post.cdf(param, xs), qs, atol=1e-10)
        both = post.p_greater(param, xs) + post.p_less(param, xs)
        np.testing.assert_allclose(both, 1.0, atol=1e-12)
        lo, hi = post.interval(param, 0.9)
        assert post.cdf(param, hi) - post.cdf(param, lo) == pytest.approx(0.9, abs=1e-10)
    # densities integrate to one
    mass_tau = integrate.quad(lambda x: post.pdf("tau", x), 0, np.inf, limit=200)[0]
    mass_mu = integrate.quad(lambda x: post.pdf("mu", x), -np.inf, np.inf, limit=200)[0]
    assert mass_tau == pytest.approx(1, abs=1e-7)
    assert mass_mu == pytest.approx(1, abs=1e-7)
    # the density is the derivative of the CDF
    x = 0.37
    h = 1e-5
    deriv = (post.cdf("mu", -x + h) - post.cdf("mu", -x - h)) / (2 * h)
    assert post.pdf("mu", -x) == pytest.approx(deriv, rel=1e-6)
    assert isinstance(post.cdf("mu", 0.0), float)
    assert post.quantile("mu", 0.0) == -np.inf and post.quantile("mu", 1.0) == np.inf


def test_scipy_wrapper_satisfies_the_protocol_and_repr() -> None:
    assert isinstance(half_normal(0.5), TauDensity)
    post = fit_exact(y=Y3, se=SE3, tau_prior=half_normal(0.5))
    assert isinstance(post, ExactPosterior)
    assert "k=3" in repr(post)
    assert post.k == 3 and post.mu_prior is None and post.tau_fixed is None
    assert post.tau_weights.sum() == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": [0.1, 0.2], "se": [0.1]}, "se has 1"),
        ({"y": [0.1], "se": [0.0], "tau_fixed": 0.1}, "se must be finite and > 0"),
        ({"y": [np.nan], "se": [0.1], "tau_fixed": 0.1}, "y must be finite"),
        ({"y": [], "se": [], "tau_fixed": 0.1}, "no studies"),
        ({"y": [0.1], "se": [0.1]}, "exactly one of tau_prior and tau_fixed"),
        ({"y": [0.1], "se": [0.1], "tau_fixed": 0.1, "tau_prior": "uniform"}, "exactly one"),
        ({"y": [0.1], "se": [0.1], "tau_fixed": -1.0}, "tau_fixed must be"),
        ({"y": [0.1], "se": [0.1], "tau_fixed": 0.1, "mu_prior_sd": 0.0}, "mu_prior_sd"),
        ({"y": [0.1], "se": [0.1], "tau_fixed": 0.1, "labels": ["a", "b"]}, "2 labels for 1"),
        ({"y": [0.1, 0.2, 0.3], "se": [0.1] * 3, "tau_prior": "jeffreys"}, "'uniform'"),
    ],
)
def test_bad_input_is_refused_with_a_message(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_exact(**kwargs)


def test_a_tau_prior_without_a_density_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="logpdf"):
        fit_exact(y=[0.1], se=[0.1], tau_prior=object())


def test_bad_queries_are_refused() -> None:
    post = fit_exact(y=Y3, se=SE3, tau_prior=half_normal(0.5), labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="needs study="):
        post.mean("theta")
    with pytest.raises(ValueError, match="unknown study label"):
        post.mean("theta", study="z")
    with pytest.raises(ValueError, match="out of range"):
        post.mean("theta", study=3)
    with pytest.raises(ValueError, match="applies only to 'theta'"):
        post.mean("mu", study=0)
    with pytest.raises(ValueError, match="unknown parameter"):
        post.mean("sigma")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="probabilities"):
        post.quantile("mu", 1.5)


def test_root_finder_and_quadrature_pieces_against_scipy() -> None:
    from reanalyse.exact.mixture import mixture_quantile
    from reanalyse.exact.quadrature import adaptive_log_quadrature

    # a two-component mixture quantile, checked with brentq on scipy's CDFs
    w, m, s = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array([0.5, 1.5])

    def cdf(x: float) -> float:
        return float(np.sum(w * stats.norm.cdf(x, m, s)))

    for p in (1e-6, 0.025, 0.5, 0.975, 1 - 1e-6):
        ref = optimize.brentq(lambda x, p=p: cdf(x) - p, -20, 20, xtol=1e-14)
        assert mixture_quantile(np.array([p]), w, m, s)[0] == pytest.approx(ref, abs=1e-9)
    # adaptive quadrature of a gamma density on the log scale: E[x] and E[x^2]
    dist = stats.gamma(a=2.5, scale=0.3)
    quad = adaptive_log_quadrature(
        lambda u: dist.logpdf(np.exp(u)) + u,
        [-40.0, 0.0, 5.0],
        shift=0.0,
        powers=(0, 1, 2),
        rtol=1e-12,
    )
    x = np.exp(quad.nodes)
    assert quad.total == pytest.approx(1.0, abs=1e-11)
    assert np.sum(quad.weights * x) == pytest.approx(dist.mean(), rel=1e-10)
    assert np.sum(quad.weights * x**2) == pytest.approx(dist.moment(2), rel=1e-10)


def test_quantiles_under_a_heavy_tailed_tau_prior_with_one_study() -> None:
    # Regression: a log-t tau prior (Rhodes 2015, heavy upper tail) with k = 1 and a flat mu
    # prior gives mixture components with sds up to ~1e129 at tiny weights; the quantile solver
    # used to stop at +-2.5e91. The quantile must invert the CDF, and by symmetry of the
    # posterior about y (k = 1, flat prior) the 2.5% and 97.5% quantiles mirror each other.
    from reanalyse.priors import load_prior

    post = fit_exact(y=[0.5], se=[0.3], tau_prior=load_prior("rhodes2015-marginal", role="tau",
                                                             scale="SMD"))
    lo, med, hi = post.quantile("mu", [0.025, 0.5, 0.975])
    assert post.cdf("mu", lo) == pytest.approx(0.025, abs=1e-9)
    assert post.cdf("mu", hi) == pytest.approx(0.975, abs=1e-9)
    assert med == pytest.approx(0.5, abs=1e-9)
    assert (lo + hi) / 2 == pytest.approx(0.5, abs=1e-7)
    assert abs(hi) < 100


def test_quantiles_solved_together_equal_each_parameters_own() -> None:
    # the grid's cells solve mu's and theta_new's mixtures in one iteration: the independent
    # quadrature reference's CDF at each quantile is its probability, as for quantile()
    for case in ("half-normal(0.5), N(0, 4)", "half-Cauchy(1), N(0.3, 1)"):
        prior, m0, s0, upper = CASES[case]
        post = fit_exact(y=Y3, se=SE3, tau_prior=prior, mu_prior_mean=m0, mu_prior_sd=s0)
        ref = QuadReference(Y3, SE3, prior, m0, s0, upper)
        q = (0.025, 0.5, 0.975)
        together = post.quantiles_of(("mu", "tau", "theta_new"), q)
        for p, x in zip(q, together["tau"], strict=True):
            assert ref.tau_cdf(float(x)) == pytest.approx(p, abs=1e-8)
        for name in ("mu", "theta_new"):
            for p, x in zip(q, together[name], strict=True):
                assert ref.cdf(name, float(x)) == pytest.approx(p, abs=1e-8)
    with pytest.raises(ValueError, match="strictly between"):
        post.quantiles_of(("mu",), [0.0, 0.5])
