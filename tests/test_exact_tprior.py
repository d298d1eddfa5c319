"""A Student-t prior on mu in the exact engine, against brute-force 2-D integration (issue 13).

The reference integrates the unnormalised joint density
``p(tau) t_df(mu; m, s) prod_i N(y_i; mu, se_i^2 + tau^2)`` over (mu, tau) with
``scipy.integrate.dblquad``, with the Student-t density written out (the engine instead writes
the t prior as a scale mixture of normals and integrates the mixing variable by a trapezoidal
rule; nothing of that is used here). The prior is the Bartoš et al. 2021 SMD effect prior
(``bartos-smd-all-effect``: t, location 0, scale 0.43, df 5) with a half-normal(0.5) prior on
tau, on four hand-given SMDs of 0.4 to 1.3, for which the t prior and its normal stand-in (the
normal with the t's mean and sd, which the pipeline used to put in its place) give visibly
different answers.

Tolerances: the engine integrates tau and lambda to a relative accuracy of 1e-10 and dblquad is
asked for 1e-10, so probabilities and moments agree to about 1e-9; they are asserted to 2e-8
(probabilities) and 1e-8 relative (moments, Bayes factors).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from reanalyse.exact import bayes_factors, fit_exact
from reanalyse.priors import EffectPrior, TauPrior, load_prior
from tests.conftest import IIM, PACKAGED_DEFAULTS

Y = np.array([0.92, 0.41, 1.30, 0.65])
SE = np.array([0.31, 0.27, 0.45, 0.22])
T_LOC, T_SCALE, T_DF = 0.0, 0.43, 5.0  # bartos-smd-all-effect (priors/bartos.toml)
TAU_SCALE = 0.5
P_TOL = 2e-8  # probabilities (see the module text)
REL_TOL = 1e-8  # moments and Bayes factors


def t_logpdf(mu: float, loc: float, scale: float, df: float) -> float:
    """The Student-t log density, from its definition."""
    z = (mu - loc) / scale
    return (math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
            - math.log(scale) - (df + 1) / 2 * math.log1p(z * z / df))


def normal_logpdf(mu: float, mean: float, sd: float) -> float:
    return -0.5 * math.log(2 * math.pi * sd * sd) - 0.5 * ((mu - mean) / sd) ** 2


def half_normal_logpdf(tau: float, scale: float) -> float:
    return math.log(2.0) + normal_logpdf(tau, 0.0, scale)


@dataclass
class BruteForce:
    """The joint posterior density of (mu, tau) from its definition, integrated by dblquad over
    ``mu in [mu_lo, mu_hi]``, ``tau in [0, tau_max]`` (both far beyond the posterior's mass)."""

    y: Sequence[float]
    se: Sequence[float]
    mu_logpdf: Callable[[float], float]
    tau_scale: float
    mu_lo: float = -8.0
    mu_hi: float = 8.0

    def __post_init__(self) -> None:
        self.tau_max = 14.0 * self.tau_scale  # half-normal mass beyond 14 sd ~ 1e-44
        self.studies = list(zip(list(map(float, self.y)), [float(s) ** 2 for s in self.se],
                                strict=True))
        self.norm = self.integrate(lambda mu, tau: 1.0)

    def likelihood(self, mu: float, tau: float) -> float:
        log = 0.0
        for y, se2 in self.studies:
            var = se2 + tau * tau
            log += -0.5 * math.log(2 * math.pi * var) - 0.5 * (y - mu) ** 2 / var
        return math.exp(log)

    def joint(self, mu: float, tau: float) -> float:
        """p(mu) p(tau) p(y | mu, tau), both priors normalised."""
        return math.exp(self.mu_logpdf(mu) + half_normal_logpdf(tau, self.tau_scale)) \
            * self.likelihood(mu, tau)

    def integrate(self, f: Callable[[float, float], float], *, mu_hi: float | None = None,
                  tau_hi: float | None = None) -> float:
        """∫∫ f(mu, tau) joint(mu, tau) over the box (cut at mu_hi, tau_hi)."""
        val, _ = integrate.dblquad(
            lambda mu, tau: f(mu, tau) * self.joint(mu, tau),
            0.0, self.tau_max if tau_hi is None else tau_hi,
            self.mu_lo, self.mu_hi if mu_hi is None else mu_hi,
            epsabs=0.0, epsrel=1e-10)
        return val

    def expect(self, f: Callable[[float, float], float]) -> float:
        return self.integrate(f) / self.norm

    def mu_cdf(self, x: float) -> float:
        return self.integrate(lambda mu, tau: 1.0, mu_hi=x) / self.norm

    def tau_cdf(self, x: float) -> float:
        return self.integrate(lambda mu, tau: 1.0, tau_hi=x) / self.norm

    def theta_new_cdf(self, x: float) -> float:
        # P(theta_new <= x | mu, tau) = Phi((x - mu) / tau); a step at mu when tau = 0
        def p(mu: float, tau: float) -> float:
            if tau == 0:
                return float(mu <= x)
            return 0.5 * math.erfc(-(x - mu) / (tau * math.sqrt(2.0)))

        return self.expect(p)

    def mu_density(self, x: float) -> float:
        """Marginal posterior density of mu at x."""
        return integrate.quad(lambda tau: self.joint(x, tau), 0.0, self.tau_max,
                              epsabs=0.0, epsrel=1e-12)[0] / self.norm

    def likelihood_given_mu(self, mu: float) -> float:
        """p(y | mu): tau integrated out against its prior."""
        return integrate.quad(
            lambda tau: math.exp(half_normal_logpdf(tau, self.tau_scale))
            * self.likelihood(mu, tau), 0.0, self.tau_max, epsabs=0.0, epsrel=1e-12)[0]

    def likelihood_given_tau(self, tau: float) -> float:
        """p(y | tau): mu integrated out against its prior."""
        return integrate.quad(
            lambda mu: math.exp(self.mu_logpdf(mu)) * self.likelihood(mu, tau),
            self.mu_lo, self.mu_hi, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def t_prior(mu: float) -> float:
    return t_logpdf(mu, T_LOC, T_SCALE, T_DF)


#: the normal with the t prior's mean and sd: what the pipeline used in place of the t prior
STAND_IN_SD = T_SCALE * math.sqrt(T_DF / (T_DF - 2))


def stand_in_prior(mu: float) -> float:
    return normal_logpdf(mu, T_LOC, STAND_IN_SD)


class HalfNormal:
    """The engine's tau prior (scipy's half-normal)."""

    support = (0.0, math.inf)

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfnorm.logpdf(tau, scale=self.scale)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfnorm.ppf(q, scale=self.scale)


T_KW = {"mu_prior_mean": T_LOC, "mu_prior_sd": T_SCALE, "mu_prior_df": T_DF}


@pytest.fixture(scope="module")
def brute() -> BruteForce:
    return BruteForce(Y, SE, t_prior, TAU_SCALE)


@pytest.fixture(scope="module")
def post():
    return fit_exact(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), **T_KW)


# --------------------------------------------------------------------------- the posterior
@pytest.mark.parametrize("q", [0.025, 0.5, 0.975])
def test_mu_quantiles_match_brute_force(post, brute: BruteForce, q: float) -> None:
    assert brute.mu_cdf(post.quantile("mu", q)) == pytest.approx(q, abs=P_TOL)


def test_mu_mean_sd_and_p_greater_match_brute_force(post, brute: BruteForce) -> None:
    mean = brute.expect(lambda mu, tau: mu)
    second = brute.expect(lambda mu, tau: mu * mu)
    assert post.mean("mu") == pytest.approx(mean, rel=REL_TOL)
    assert post.sd("mu") == pytest.approx(math.sqrt(second - mean**2), rel=REL_TOL)
    p_positive = 1.0 - brute.mu_cdf(0.0)
    assert post.p_greater("mu", 0.0) == pytest.approx(p_positive, abs=P_TOL)
    assert post.p_less("mu", 0.5) == pytest.approx(brute.mu_cdf(0.5), abs=P_TOL)
    assert post.pdf("mu", 0.0) == pytest.approx(brute.mu_density(0.0), rel=REL_TOL)


@pytest.mark.parametrize("q", [0.025, 0.5, 0.975])
def test_tau_quantiles_match_brute_force(post, brute: BruteForce, q: float) -> None:
    assert brute.tau_cdf(post.quantile("tau", q)) == pytest.approx(q, abs=P_TOL)


def test_tau_mean_matches_brute_force(post, brute: BruteForce) -> None:
    assert post.mean("tau") == pytest.approx(brute.expect(lambda mu, tau: tau), rel=REL_TOL)


@pytest.mark.parametrize("q", [0.025, 0.5, 0.975])
def test_theta_new_quantiles_match_brute_force(post, brute: BruteForce, q: float) -> None:
    assert brute.theta_new_cdf(post.quantile("theta_new", q)) == pytest.approx(q, abs=P_TOL)


def test_theta_new_mean_and_sd_match_brute_force(post, brute: BruteForce) -> None:
    mean = brute.expect(lambda mu, tau: mu)  # E[theta_new] = E[mu]
    second = brute.expect(lambda mu, tau: mu * mu + tau * tau)  # E[theta_new^2 | mu, tau]
    assert post.mean("theta_new") == pytest.approx(mean, rel=REL_TOL)
    assert post.sd("theta_new") == pytest.approx(math.sqrt(second - mean**2), rel=REL_TOL)


def test_the_summary_table_holds_the_brute_force_numbers(post, brute: BruteForce) -> None:
    row = post.summary().set_index("parameter").loc["mu"]
    assert brute.mu_cdf(row["median"]) == pytest.approx(0.5, abs=P_TOL)
    assert brute.mu_cdf(row["q975"]) == pytest.approx(0.975, abs=P_TOL)
    assert row["mean"] == pytest.approx(brute.expect(lambda mu, tau: mu), rel=REL_TOL)


def test_the_t_prior_is_not_its_normal_stand_in(post, brute: BruteForce) -> None:
    # the t prior, more peaked at 0 than the normal with its sd, shrinks these effects more
    # (0.616 against 0.642 for the posterior mean; both from brute force)
    stand_in = BruteForce(Y, SE, stand_in_prior, TAU_SCALE)
    t_mean, n_mean = brute.expect(lambda mu, tau: mu), stand_in.expect(lambda mu, tau: mu)
    assert n_mean - t_mean > 0.02
    assert post.mean("mu") == pytest.approx(t_mean, rel=REL_TOL)
    assert post.mu_prior == (T_LOC, T_SCALE) and post.mu_prior_df == T_DF
    assert "t5" in repr(post)


def test_fixed_effect_with_a_t_prior_matches_one_dimensional_quadrature() -> None:
    # tau = 0: the posterior of mu is t prior x normal likelihood, integrated over mu alone
    post = fit_exact(y=Y, se=SE, tau_fixed=0.0, **T_KW)
    brute = BruteForce(Y, SE, t_prior, TAU_SCALE)

    def mass(f: Callable[[float], float], hi: float = 8.0) -> float:
        return integrate.quad(lambda mu: f(mu) * math.exp(t_prior(mu))
                              * brute.likelihood(mu, 0.0), -8.0, hi, epsabs=0.0,
                              epsrel=1e-12, limit=200)[0]

    norm = mass(lambda mu: 1.0)
    assert post.mean("mu") == pytest.approx(mass(lambda mu: mu) / norm, rel=REL_TOL)
    for q in (0.025, 0.5, 0.975):
        assert mass(lambda mu: 1.0, hi=post.quantile("mu", q)) / norm == pytest.approx(
            q, abs=P_TOL)


def test_a_heavy_tailed_t_prior_without_a_variance() -> None:
    # df 2: the prior has no variance, but the posterior of mu has (a half-normal tau prior
    # bounds its tails); df 1 (Cauchy) as well
    for df in (1.0, 2.0):
        post = fit_exact(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), mu_prior_mean=0.0,
                         mu_prior_sd=T_SCALE, mu_prior_df=df)
        brute = BruteForce(Y, SE, lambda mu, df=df: t_logpdf(mu, 0.0, T_SCALE, df), TAU_SCALE)
        assert post.mean("mu") == pytest.approx(brute.expect(lambda mu, tau: mu), rel=REL_TOL)
        assert brute.mu_cdf(post.quantile("mu", 0.5)) == pytest.approx(0.5, abs=P_TOL)


def test_a_t_prior_needs_a_scale_and_positive_df() -> None:
    with pytest.raises(ValueError, match="needs its scale"):
        fit_exact(y=Y, se=SE, tau_fixed=0.0, mu_prior_df=5.0)
    with pytest.raises(ValueError, match="mu_prior_df must be"):
        fit_exact(y=Y, se=SE, tau_fixed=0.0, mu_prior_sd=1.0, mu_prior_df=0.0)


# --------------------------------------------------------------------------- Bayes factors
@pytest.fixture(scope="module")
def factors(post):
    return bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), posterior=post, **T_KW)


def test_marginal_likelihood_and_bf_mu0_match_brute_force(factors, brute: BruteForce) -> None:
    # p(y) = the 2-D integral of the normalised joint; p(y | mu = 0) integrates tau only
    assert factors.log_marginal_likelihood == pytest.approx(math.log(brute.norm), abs=REL_TOL)
    bf_mu0 = brute.likelihood_given_mu(0.0) / brute.norm
    assert factors.bf01_mu0 == pytest.approx(bf_mu0, rel=REL_TOL)
    # Savage-Dickey: the posterior over the t prior density of mu at 0 (brute force)
    assert factors.bf01_mu0 == pytest.approx(
        brute.mu_density(0.0) / math.exp(t_prior(0.0)), rel=REL_TOL)


def test_bf_tau0_and_its_minimum_match_brute_force(factors, brute: BruteForce) -> None:
    p_tau0 = brute.likelihood_given_tau(0.0)
    assert factors.bf01_tau0 == pytest.approx(p_tau0 / brute.norm, rel=REL_TOL)
    best = optimize.minimize_scalar(lambda t: -brute.likelihood_given_tau(t), bounds=(0.0, 3.0),
                                    method="bounded", options={"xatol": 1e-10})
    p_max = max(-float(best.fun), p_tau0)
    assert factors.min_bf01_tau0 == pytest.approx(p_tau0 / p_max, rel=1e-7)


def test_bayes_factors_fit_the_t_prior_themselves(factors) -> None:
    again = bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), **T_KW)
    assert again.bf01_mu0 == pytest.approx(factors.bf01_mu0, rel=1e-12)
    # a posterior fitted under the t prior is not one under the normal with the same numbers
    post_t = fit_exact(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), **T_KW)
    with pytest.raises(ValueError, match="other data or priors"):
        bayes_factors(y=Y, se=SE, tau_prior=HalfNormal(TAU_SCALE), mu_prior_mean=T_LOC,
                      mu_prior_sd=T_SCALE, posterior=post_t)


# --------------------------------------------------------------------------- the one mapping
def test_effect_prior_maps_every_family_to_the_exact_engine() -> None:
    t = load_prior("bartos-smd-all-effect", role="effect", scale="SMD")
    assert isinstance(t, EffectPrior)
    assert t.exact_mu_prior() == {"mu_prior_mean": 0.0, "mu_prior_sd": 0.43, "mu_prior_df": 5.0}
    normal = load_prior("normal:0.1,2", role="effect", scale="SMD")
    assert isinstance(normal, EffectPrior)
    assert normal.exact_mu_prior() == {"mu_prior_mean": 0.1, "mu_prior_sd": 2.0,
                                       "mu_prior_df": None}
    flat = load_prior("flat", role="effect", scale="SMD")
    assert isinstance(flat, EffectPrior)
    assert flat.exact_mu_prior() == {"mu_prior_mean": 0.0, "mu_prior_sd": None,
                                     "mu_prior_df": None}
    skeptical = load_prior("skeptical", role="effect", scale="SMD")
    assert isinstance(skeptical, EffectPrior)
    with pytest.raises(ValueError, match="needs resolve"):
        skeptical.exact_mu_prior()


def test_sensitivity_cell_and_leave_one_out_use_the_t_prior(brute: BruteForce) -> None:
    from reanalyse.influence import leave_one_out_exact
    from reanalyse.sensitivity import exact_cell

    t = load_prior("bartos-smd-all-effect", role="effect", scale="SMD")
    tau = load_prior(f"half-normal:{TAU_SCALE}", role="tau", scale="SMD")
    assert isinstance(t, EffectPrior) and isinstance(tau, TauPrior)
    cell = exact_cell(y=Y, se=SE, tau_prior=tau, effect_prior=t, benefit_sign=1, threshold=0.2)
    assert cell["p_benefit"] == pytest.approx(1.0 - brute.mu_cdf(0.0), abs=P_TOL)
    assert cell["p_meaningful"] == pytest.approx(1.0 - brute.mu_cdf(0.2), abs=P_TOL)
    assert brute.mu_cdf(cell["mu_median"]) == pytest.approx(0.5, abs=P_TOL)
    loo = leave_one_out_exact(y=Y, se=SE, studies=["a", "b", "c", "d"], tau_prior=tau,
                              effect_prior=t, benefit_sign=1, threshold=0.2)
    rest = BruteForce(Y[1:], SE[1:], t_prior, TAU_SCALE)
    row = loo.set_index("omitted").loc["a"]
    assert row["note"] == ""
    assert row["p_benefit"] == pytest.approx(1.0 - rest.mu_cdf(0.0), abs=P_TOL)


# --------------------------------------------------------------------------- the pipeline
@pytest.fixture(scope="module")
def smd_prep():
    """ivig_muscle_strength (SMD) prepared with the Bartoš t prior as the default effect prior."""
    from reanalyse.analyses import load_analysis
    from reanalyse.pipeline.defaults import load_defaults
    from reanalyse.pipeline.prepare import prepare_analysis

    defaults = load_defaults(PACKAGED_DEFAULTS / "bayes.toml")
    smd = defaults.scale["SMD"].model_copy(update={"default_effect": "bartos-smd-all-effect"})
    defaults = defaults.model_copy(update={"scale": {**defaults.scale, "SMD": smd}})
    spec = load_analysis(IIM / "analyses" / "ivig_muscle_strength.toml", root=IIM)
    return prepare_analysis(spec, defaults=defaults, root=IIM)


def test_pipeline_headline_with_the_t_default_uses_the_t_prior(smd_prep) -> None:
    prep = smd_prep
    assert prep.scale == "SMD" and prep.default_effect.id == "bartos-smd-all-effect"
    assert prep.default_tau.id == "half-normal-0.5"
    y, se = prep.main.y_se()
    brute = BruteForce(y, se, t_prior, 0.5)
    stand_in = BruteForce(y, se, stand_in_prior, 0.5)
    post = prep.exact_default
    p_t, p_normal = 1.0 - brute.mu_cdf(0.2), 1.0 - stand_in.mu_cdf(0.2)
    assert abs(p_t - p_normal) > 1e-3  # what the normal stand-in got wrong (brute force both)
    assert post.p_greater("mu", 0.2) == pytest.approx(p_t, abs=P_TOL)
    assert brute.mu_cdf(post.quantile("mu", 0.5)) == pytest.approx(0.5, abs=P_TOL)
    assert post.mean("mu") == pytest.approx(brute.expect(lambda mu, tau: mu), rel=REL_TOL)
    bf_mu0 = brute.likelihood_given_mu(0.0) / brute.norm
    assert prep.bayes_factors.bf01_mu0 == pytest.approx(bf_mu0, rel=REL_TOL)
    assert prep.bayes_factors.bf01_tau0 == pytest.approx(
        brute.likelihood_given_tau(0.0) / brute.norm, rel=REL_TOL)


def test_pipeline_tipping_point_with_the_t_default_uses_the_t_prior(smd_prep) -> None:
    # at the tipping scale s, P(mu > 0.2) under HN(s) and the t prior is the level (brent's
    # xtol 1e-6 on s leaves about 1e-6 on the probability)
    prep = smd_prep
    y, se = prep.main.y_se()
    crossings = [tp for tp in prep.tipping if tp.scale is not None]
    assert crossings
    for tp in crossings:
        brute = BruteForce(y, se, t_prior, tp.scale)
        assert 1.0 - brute.mu_cdf(prep.primary.t) == pytest.approx(tp.level, abs=1e-5)
