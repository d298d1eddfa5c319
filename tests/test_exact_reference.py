"""Exact engine against published bayesmeta output: the eight-schools examples.

Source: the bayesmeta vignette "An introduction to meta-analysis using the bayesmeta package"
(C. Röver), rendered with its printed R output in the CRAN mirror ``cran/bayesmeta``, file
``inst/doc/bayesmeta.html`` at commit 10a27a7fc70992eeff959d0a48e509c767b73223, sections "A simple
example" (``schools.example.1``: half-Cauchy(scale 25) prior on tau, N(0, 50^2) prior on mu) and
"More detailed analysis" (``schools.example.2``: bayesmeta's defaults, improper uniform priors on
tau and mu; ``pposterior``, ``qposterior``, ``post.interval``, ``$theta``). Data: Rubin (1981),
as printed there (bayesmeta data set ``Rubin1981``).

Tolerances. bayesmeta computes everything about tau by ``integrate()``/``uniroot()`` with relative
tolerance 2^16 * machine epsilon (``R/bayesmeta.R``), so tau is compared within the printed
rounding (half a unit in the 6th decimal, plus 1e-7). The marginals of mu, theta_new and theta_i
are normal mixtures that bayesmeta *approximates* by a discrete grid in tau (``discretize()``,
DIRECT algorithm of Röver & Friede 2017, J Comput Graph Stat 26(1); defaults delta = 0.01,
epsilon = 1e-4, i.e. the upper 1e-4 of tau's posterior is cut). Those printed values are
therefore only accurate to a few tenths of a percent of the posterior SD (the cut tail matters
most for the SD of theta_new under the uniform prior); they are compared within 0.003 posterior
SDs, and ``test_mixture_values_are_exact_where_bayesmeta_approximates`` checks our values for
those quantities against an independent quadrature instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from reanalyse.exact import fit_exact

# Rubin (1981) eight schools, as printed by print(Rubin1981) in the vignette
SCHOOLS = list("ABCDEFGH")
EFFECT = np.array([28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16])
STDERR = np.array([14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6])

TAU_TOL = 5e-7 + 1e-7  # printed with 6 decimals
MIX_TOL_SD = 0.003  # DIRECT grid approximation in bayesmeta, in units of the posterior SD


class HalfCauchy:
    """bayesmeta's dhalfcauchy(t, scale=25)."""

    support = (0.0, np.inf)

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfcauchy.logpdf(tau, scale=25.0)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfcauchy.ppf(q, scale=25.0)


@pytest.fixture(scope="module")
def example_1():
    # schools.example.1 <- bayesmeta(y, sigma, labels, mu.prior.mean=0, mu.prior.sd=50,
    #                                tau.prior=function(t){dhalfcauchy(t, scale=25)})
    return fit_exact(
        y=EFFECT,
        se=STDERR,
        tau_prior=HalfCauchy(),
        mu_prior_mean=0.0,
        mu_prior_sd=50.0,
        labels=SCHOOLS,
    )


@pytest.fixture(scope="module")
def example_2():
    # schools.example.2 <- bayesmeta(y, sigma, labels)   (uniform priors on tau and mu)
    return fit_exact(y=EFFECT, se=STDERR, tau_prior="uniform", labels=SCHOOLS)


def test_example_1_tau_matches_print_and_qposterior(example_1) -> None:
    post = example_1
    # print(schools.example.1): marginal posterior summary, tau column
    assert post.quantile("tau", 0.5) == pytest.approx(4.758539, abs=TAU_TOL)
    assert post.mean("tau") == pytest.approx(5.884511, abs=TAU_TOL)
    assert post.sd("tau") == pytest.approx(4.869904, abs=TAU_TOL)
    # the shortest 95% interval is one-sided, [0, 15.165894]; qposterior(tau.p=0.95) = 15.16589
    assert post.quantile("tau", 0.95) == pytest.approx(15.165894, abs=TAU_TOL)
    # post.interval(tau.level=0.95, method="central") = 0.2199559 18.0531718
    assert post.quantile("tau", 0.025) == pytest.approx(0.2199559, abs=5e-8 + 1e-8)
    assert post.quantile("tau", 0.975) == pytest.approx(18.0531718, abs=5e-8 + 1e-7)


def test_example_1_mu_and_prediction_match_within_bayesmeta_grid_accuracy(example_1) -> None:
    post = example_1
    sd_mu, sd_new = 4.995762, 9.126767
    # summary columns mu and theta (the predictive distribution, i.e. theta_new)
    assert post.quantile("mu", 0.5) == pytest.approx(7.962961, abs=MIX_TOL_SD * sd_mu)
    assert post.mean("mu") == pytest.approx(7.985729, abs=MIX_TOL_SD * sd_mu)
    assert post.sd("mu") == pytest.approx(sd_mu, abs=MIX_TOL_SD * sd_mu)
    # qposterior(mu.p=0.95) = 16.11009
    assert post.quantile("mu", 0.95) == pytest.approx(16.11009, abs=MIX_TOL_SD * sd_mu)
    # 1 - pposterior(mu=0) = 0.9487521
    assert post.p_greater("mu", 0.0) == pytest.approx(0.9487521, abs=2e-4)
    # shortest 95% interval for mu: [-1.823353, 17.824562] holds 95% of our posterior
    lo, hi = -1.823353, 17.824562
    assert post.cdf("mu", hi) - post.cdf("mu", lo) == pytest.approx(0.95, abs=1e-3)
    assert post.pdf("mu", lo) == pytest.approx(post.pdf("mu", hi), rel=0.01)
    assert post.quantile("theta_new", 0.5) == pytest.approx(7.926819, abs=MIX_TOL_SD * sd_new)
    assert post.mean("theta_new") == pytest.approx(7.985729, abs=MIX_TOL_SD * sd_new)
    assert post.sd("theta_new") == pytest.approx(sd_new, abs=MIX_TOL_SD * sd_new)


@pytest.mark.parametrize(
    ("school", "median", "mean", "sd"),
    [
        # schools.example.1$theta[, c("A", "G", "H")]: rows median, mean, sd
        ("A", 10.093581, 11.095255, 7.901084),
        ("G", 9.786985, 10.336032, 6.631039),
        ("H", 8.266594, 8.474644, 7.456906),
    ],
)
def test_example_1_shrinkage_estimates(
    example_1, school: str, median: float, mean: float, sd: float
) -> None:
    post = example_1
    assert post.quantile("theta", 0.5, study=school) == pytest.approx(median, abs=MIX_TOL_SD * sd)
    assert post.mean("theta", study=school) == pytest.approx(mean, abs=MIX_TOL_SD * sd)
    assert post.sd("theta", study=school) == pytest.approx(sd, abs=MIX_TOL_SD * sd)


def test_example_2_uniform_priors(example_2) -> None:
    post = example_2
    # print(schools.example.2$summary): tau column
    assert post.quantile("tau", 0.5) == pytest.approx(5.227732, abs=TAU_TOL)
    assert post.mean("tau") == pytest.approx(6.585992, abs=TAU_TOL)
    assert post.sd("tau") == pytest.approx(5.685974, abs=TAU_TOL)
    assert post.quantile("tau", 0.95) == pytest.approx(17.265797, abs=TAU_TOL)  # shortest: [0, q95]
    # mu and theta (predictive) columns
    sd_mu, sd_new = 5.246683, 10.148132
    assert post.quantile("mu", 0.5) == pytest.approx(8.055861, abs=MIX_TOL_SD * sd_mu)
    assert post.mean("mu") == pytest.approx(8.092138, abs=MIX_TOL_SD * sd_mu)
    assert post.sd("mu") == pytest.approx(sd_mu, abs=MIX_TOL_SD * sd_mu)
    assert post.quantile("theta_new", 0.5) == pytest.approx(8.008111, abs=MIX_TOL_SD * sd_new)
    assert post.mean("theta_new") == pytest.approx(8.092138, abs=MIX_TOL_SD * sd_new)
    assert post.sd("theta_new") == pytest.approx(sd_new, abs=MIX_TOL_SD * sd_new)


def test_mixture_values_are_exact_where_bayesmeta_approximates(example_1, example_2) -> None:
    """Where we differ from bayesmeta's grid approximation, independent quadrature sides with us."""
    # Example 2: tau posterior from the (flat-mu) marginal likelihood written out directly,
    #   p(tau | y) ∝ |S|^-1/2 (1'S^-1 1)^-1/2 exp(-(y'S^-1 y - (1'S^-1 y)^2 / 1'S^-1 1) / 2),
    # S = diag(se^2 + tau^2); E[Var(theta_new | tau)] adds Var[mu | tau] = 1/(1'S^-1 1) and tau^2.
    def log_post(t: float) -> float:
        w = 1.0 / (STDERR**2 + t * t)
        sw, swy = w.sum(), (w * EFFECT).sum()
        return -0.5 * (np.log(1 / w).sum() + np.log(sw) + (w * EFFECT**2).sum() - swy**2 / sw)

    def moment(f) -> float:
        def g(t: float) -> float:
            return np.exp(log_post(t) - shift) * f(t)

        return integrate.quad(g, 0, np.inf, epsrel=1e-12, limit=500)[0]

    shift = log_post(5.0)
    z = moment(lambda t: 1.0)

    def cond(t: float) -> tuple[float, float]:
        w = 1.0 / (STDERR**2 + t * t)
        return (w * EFFECT).sum() / w.sum(), 1.0 / w.sum()

    mean_new = moment(lambda t: cond(t)[0]) / z
    var_new = moment(lambda t: cond(t)[1] + t * t + (cond(t)[0] - mean_new) ** 2) / z
    assert example_2.sd("theta_new") == pytest.approx(np.sqrt(var_new), rel=1e-8)
    assert abs(np.sqrt(var_new) - 10.148132) > 0.01  # bayesmeta's grid value is visibly off

    # Example 1, school A: y | tau ~ MVN(0, diag(se^2 + tau^2) + 50^2 11'); theta_A | y, tau by
    # Gaussian conditioning of (theta, y), Cov(theta) = tau^2 I + 50^2 11' = Cov(theta, y).
    k = EFFECT.size

    def tau_density(t: float) -> float:
        cov = np.diag(STDERR**2 + t * t) + 50.0**2
        ll = stats.multivariate_normal.logpdf(EFFECT, mean=np.zeros(k), cov=cov)
        return float(np.exp(ll + stats.halfcauchy.logpdf(t, scale=25.0) + 30.0))

    def theta_a(t: float) -> tuple[float, float]:
        c_theta = t * t * np.eye(k) + 50.0**2
        gain = np.linalg.solve(np.diag(STDERR**2) + c_theta, c_theta).T
        return float(gain[0] @ EFFECT), float(c_theta[0, 0] - gain[0] @ c_theta[:, 0])

    def expect(f) -> float:
        def g(t: float) -> float:
            return tau_density(t) * f(t)

        return integrate.quad(g, 0, 2000, points=[1, 5, 20, 100], limit=400)[0]

    norm = expect(lambda t: 1.0)

    def cdf_a(x: float) -> float:
        return expect(lambda t: stats.norm.cdf(x, theta_a(t)[0], np.sqrt(theta_a(t)[1]))) / norm

    ours = example_1.quantile("theta", 0.5, study="A")
    assert cdf_a(ours) == pytest.approx(0.5, abs=1e-8)
    assert abs(cdf_a(10.093581) - 0.5) > 5e-4  # bayesmeta's printed median of theta_A
