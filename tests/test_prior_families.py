"""Prior families as objects (reanalyse.priors.family, .tau_families, .effect_families and the
one name registry, .families): each family's density against closed forms worked by hand and
normalised to 1, its quantiles and draws, its PyMC graph form against its own density, and a
family added by one class and one registry entry working end to end (inline spec, TOML
registry, exact engine, PyMC graph) with no other file edited."""

from __future__ import annotations

import math
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pymc as pm
import pytest
from scipy import integrate, stats

from reanalyse.exact import fit_exact
from reanalyse.models.prior_graph import (
    draw_effect_prior,
    draw_tau_prior,
    effect_prior_values,
    effect_prior_vars,
    tau_prior_values,
    tau_prior_vars,
)
from reanalyse.priors import EffectPrior, TauPrior, parse_inline_prior, read_registry
from reanalyse.priors.effect_families import Flat, Normal, StudentT
from reanalyse.priors.families import (
    BUILT_IN,
    effect_family,
    families,
    family_code,
    family_from_code,
    register,
    tau_family,
    unregister,
)
from reanalyse.priors.family import EffectFamily, TauFamily
from reanalyse.priors.graph_form import EffectTerms, TauTerms
from reanalyse.priors.tau_families import (
    HalfCauchy,
    HalfNormal,
    InverseGamma,
    LogNormal,
    LogT,
    Uniform,
)
from reanalyse.priors.unfrozen import Unfrozen

SRC = Path(__file__).resolve().parents[1] / "src" / "reanalyse"

TAU_CASES: list[TauFamily] = [
    HalfNormal(scale=0.5),
    HalfCauchy(scale=1.0),
    Uniform(lower=0.2, upper=3.0),
    InverseGamma(shape=1.44, scale=0.15),
    LogNormal(mu=-1.28, sigma=0.87),
    LogT(location=-1.72, scale=1.295, df=5.0),
]
EFFECT_CASES: list[EffectFamily] = [
    Normal(mean=0.3, sd=1.7),
    StudentT(location=-0.1, scale=0.43, df=4.0),
]
POINTS = np.array([0.05, 0.3, 0.9, 2.2])


def _hand_tau_logpdf(family: TauFamily, t: float) -> float:
    """Closed forms written out from the textbook densities."""
    p = family.params
    match family:
        case HalfNormal():
            s = p["scale"]
            return math.log(2.0) - math.log(s) - 0.5 * math.log(2 * math.pi) - t**2 / (2 * s**2)
        case HalfCauchy():
            s = p["scale"]
            return math.log(2.0 / (math.pi * s * (1.0 + (t / s) ** 2)))
        case Uniform():
            inside = p["lower"] <= t <= p["upper"]
            return -math.log(p["upper"] - p["lower"]) if inside else -math.inf
        case InverseGamma():
            a, b = p["shape"], p["scale"]
            return a * math.log(b) - math.lgamma(a) - (a + 1) * math.log(t) - b / t
        case LogNormal():
            mu, sigma = p["mu"], p["sigma"]
            return (-math.log(t * sigma * math.sqrt(2 * math.pi))
                    - (math.log(t) - mu) ** 2 / (2 * sigma**2))
        case LogT():
            loc, s, nu = p["location"], p["scale"], p["df"]
            z = (math.log(t) - loc) / s
            return (math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2)
                    - 0.5 * math.log(nu * math.pi) - math.log(s)
                    - (nu + 1) / 2 * math.log1p(z**2 / nu) - math.log(t))
    raise AssertionError(family)


@pytest.mark.parametrize("family", TAU_CASES, ids=lambda f: f.name)
def test_tau_family_density_is_the_closed_form_and_integrates_to_one(family) -> None:
    ours = family.logpdf(POINTS)
    hand = [_hand_tau_logpdf(family, float(t)) for t in POINTS]
    np.testing.assert_allclose(ours, hand, rtol=1e-12, atol=1e-12)
    assert float(family.logpdf(-0.1)) == -math.inf
    lower, upper = family.support
    lo, hi = (math.log(lower), math.log(upper)) if math.isfinite(upper) else (-np.inf, np.inf)
    assert _mass_on_log_tau(family, lo, hi) == pytest.approx(1.0, abs=1e-8)


def _mass_on_log_tau(family: TauFamily, lo: float, hi: float) -> float:
    """The prior mass of log tau in (lo, hi), where every tail is integrable numerically."""
    def density(u: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.exp(family.logpdf(np.exp(u)) + u))

    total, _ = integrate.quad(density, lo, hi, limit=200, epsabs=1e-12)
    return total


@pytest.mark.parametrize("family", TAU_CASES, ids=lambda f: f.name)
def test_tau_family_quantiles_invert_the_cdf_and_sf_is_its_complement(family) -> None:
    q = np.array([0.01, 0.2, 0.5, 0.8, 0.99])
    np.testing.assert_allclose(family.cdf(family.ppf(q)), q, rtol=1e-10)
    np.testing.assert_allclose(family.sf(POINTS), 1.0 - family.cdf(POINTS), atol=1e-12)
    # the cdf is the integral of the density
    lower = family.support[0]
    area = _mass_on_log_tau(family, math.log(lower) if lower > 0 else -np.inf,
                            math.log(float(family.ppf(0.7))))
    assert area == pytest.approx(0.7, abs=1e-8)


@pytest.mark.parametrize("family", EFFECT_CASES, ids=lambda f: f.name)
def test_effect_family_density_is_the_closed_form(family) -> None:
    x = np.array([-2.0, -0.3, 0.0, 1.1])
    p = family.params
    if isinstance(family, Normal):
        hand = (-0.5 * ((x - p["mean"]) / p["sd"]) ** 2 - math.log(p["sd"])
                - 0.5 * math.log(2 * math.pi))
    else:
        nu, s = p["df"], p["scale"]
        hand = (math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
                - math.log(s) - (nu + 1) / 2 * np.log1p(((x - p["location"]) / s) ** 2 / nu))
    np.testing.assert_allclose(family.logpdf(x), hand, rtol=1e-12)
    total, _ = integrate.quad(lambda v: float(np.exp(family.logpdf(v))), -np.inf, np.inf)
    assert total == pytest.approx(1.0, abs=1e-8)


def test_student_t_moments_and_the_flat_family() -> None:
    assert StudentT(location=0.2, scale=1.0, df=1.0).moments() == (None, math.inf)
    mean, sd = StudentT(location=0.2, scale=0.5, df=5.0).moments()
    assert mean == 0.2 and sd == pytest.approx(0.5 * math.sqrt(5 / 3), rel=1e-12)
    flat = Flat()
    assert not flat.proper and flat.param_names() == ()
    np.testing.assert_array_equal(flat.logpdf([-1e6, 0.0, 3.0]), 0.0)
    with pytest.raises(ValueError, match="no probabilities"):
        flat.sf(0.0)
    with pytest.raises(ValueError, match="no draws"):
        flat.draw(rng=np.random.default_rng(0), size=(2,))


def test_parameters_are_checked_by_the_family() -> None:
    with pytest.raises(ValueError, match="scale must be > 0"):
        HalfNormal(scale=-1.0)
    with pytest.raises(ValueError, match="lower < upper"):
        Uniform(lower=2.0, upper=1.0)
    assert Uniform.param_problems({"lower": -1.0, "upper": 1.0}) == [
        "uniform lower bound must be >= 0 for tau, got -1.0"]
    assert LogT.param_problems({"location": 0.0, "scale": 1.0}) == [
        "log-t needs parameter(s) df"]
    assert Normal.param_names() == ("mean", "sd")
    # stated on tau^2, a log-scale family halves its location and scale, and only such can
    assert LogT.on_tau({"location": -3.44, "scale": 2.59, "df": 5}, stated_on="tau2") == {
        "location": -1.72, "scale": 1.295, "df": 5.0}
    with pytest.raises(ValueError, match="cannot be stated on tau2"):
        HalfNormal.on_tau({"scale": 1.0}, stated_on="tau2")


@pytest.mark.parametrize("family", TAU_CASES, ids=lambda f: f.name)
def test_tau_graph_logp_is_the_family_density(family) -> None:
    """pm.logp of the compile-once CustomDist (on tau, no Jacobian) equals the family's
    normalised density: the graph constant is right, not only the shape."""
    prior = TauPrior(id="t", family=family.name, params=family.params, stated_on="tau",
                     scale=("any",), citation="c", rationale="r")
    assert prior.distribution == family
    with pm.Model():
        rv = tau_prior_vars(prior)
    inside = POINTS[(POINTS > family.support[0]) & (POINTS < family.support[1])]
    graph = np.array([float(pm.logp(rv, t).eval()) for t in inside])
    np.testing.assert_allclose(graph, family.logpdf(inside), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("family", [*EFFECT_CASES, Flat()], ids=lambda f: f.name)
def test_effect_graph_logp_is_the_family_density(family) -> None:
    prior = EffectPrior(id="e", family=family.name, params=family.params, kind="user",
                        scale=("any",), citation="c", rationale="r")
    with pm.Model():
        rv = effect_prior_vars(prior)
    x = np.array([-1.5, 0.0, 0.7])
    graph = np.array([float(pm.logp(rv, v).eval()) for v in x])
    np.testing.assert_allclose(graph, family.logpdf(x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("family", TAU_CASES, ids=lambda f: f.name)
def test_family_draws_follow_the_family(family) -> None:
    draws = family.draw(rng=np.random.default_rng(5), size=(3000,))
    assert draws.shape == (3000,)
    assert stats.kstest(draws, family.cdf).pvalue > 1e-3


def test_codes_name_the_registered_families() -> None:
    for role in ("tau", "effect"):
        for family in families(role):
            assert family_from_code(role, code=float(family_code(family))) is family
    assert [f.name for f in BUILT_IN] == [
        "half-normal", "half-cauchy", "uniform", "inverse-gamma", "lognormal", "log-t",
        "normal", "student-t", "flat"]
    assert tau_family("log-t") is LogT and effect_family("flat") is Flat
    with pytest.raises(ValueError, match="not a tau family"):
        tau_family("normal")
    with pytest.raises(ValueError, match="unknown effect family"):
        effect_family("gamma")


def test_priors_pickle_with_their_family_objects() -> None:
    prior = TauPrior.log_t(-3.44, 2.59, 5, on="tau2")
    back = pickle.loads(pickle.dumps(prior))
    assert back == prior and back.distribution == prior.distribution
    np.testing.assert_array_equal(back.logpdf(POINTS), prior.logpdf(POINTS))


# --------------------------------------------------------------------------- a new family
@dataclass(frozen=True, kw_only=True)
class HalfStudentT(TauFamily):
    """tau = |X|, X = scale * t_df: the test's new family (not in the package)."""

    name: ClassVar[str] = "half-t"
    positive: ClassVar[frozenset[str]] = frozenset({"scale", "df"})
    scale: float
    df: float

    def _scipy(self) -> Unfrozen:
        return Unfrozen(stats.t, (self.df,), scale=self.scale)

    def logpdf(self, tau):
        x = np.asarray(tau, dtype=float)
        return np.where(x >= 0, math.log(2.0) + self._dist.logpdf(x), -np.inf)

    def cdf(self, tau):
        x = np.asarray(tau, dtype=float)
        return np.where(x >= 0, 2.0 * self._dist.cdf(x) - 1.0, 0.0)

    def sf(self, tau):
        x = np.asarray(tau, dtype=float)
        return np.where(x >= 0, 2.0 * self._dist.sf(x), 1.0)

    def ppf(self, q):
        return self._dist.ppf((1.0 + np.asarray(q, dtype=float)) / 2.0)

    def graph_terms(self) -> TauTerms:
        # log1p(tau^2 / (df scale^2)) = log1p((tau / s)^2) with s = scale sqrt(df)
        return TauTerms(log1p_ratio2=-(self.df + 1.0) / 2.0, s=self.scale * math.sqrt(self.df))

    def draw(self, *, rng, size):
        return self.scale * np.abs(rng.standard_t(self.df, size=size))

    def to_pymc(self, name):
        return pm.HalfStudentT(name, nu=self.df, sigma=self.scale)


@dataclass(frozen=True, kw_only=True)
class Cauchy(EffectFamily):
    """An effect family the exact engine is not told how to integrate."""

    name: ClassVar[str] = "cauchy"
    positive: ClassVar[frozenset[str]] = frozenset({"scale"})
    location: float
    scale: float

    def _scipy(self) -> Unfrozen:
        return Unfrozen(stats.cauchy, loc=self.location, scale=self.scale)

    def graph_terms(self) -> EffectTerms:
        return EffectTerms(log1p_square=-1.0, m=self.location, s=self.scale, nu=1.0,
                           centring_precision=1.0 / self.scale**2)

    def draw(self, *, rng, size):
        return self.location + self.scale * rng.standard_cauchy(size)

    def to_pymc(self, name):
        return pm.Cauchy(name, alpha=self.location, beta=self.scale)


@pytest.fixture
def new_families():
    register(HalfStudentT)
    register(Cauchy)
    yield
    unregister(HalfStudentT)
    unregister(Cauchy)


def test_a_new_tau_family_works_end_to_end(new_families, tmp_path) -> None:
    # the inline parser knows it, from the registry
    prior = parse_inline_prior("half-t:0.5,1")
    assert isinstance(prior, TauPrior) and prior.distribution == HalfStudentT(scale=0.5, df=1.0)
    # a half-t with one degree of freedom is the half-Cauchy
    cauchy = TauPrior.half_cauchy(0.5)
    np.testing.assert_allclose(prior.logpdf(POINTS), cauchy.logpdf(POINTS), rtol=1e-12)
    assert prior.median == pytest.approx(cauchy.median, rel=1e-12)
    # the exact engine takes it as any tau prior
    y, se = [-0.5, -0.2, -0.9, 0.1], [0.3, 0.4, 0.5, 0.35]
    mu = EffectPrior.normal(0.0, 10.0).exact_mu_prior()
    ours = fit_exact(y=y, se=se, tau_prior=prior, **mu)
    ref = fit_exact(y=y, se=se, tau_prior=cauchy, **mu)
    for parameter in ("mu", "tau"):
        assert ours.quantile(parameter, 0.5) == pytest.approx(ref.quantile(parameter, 0.5),
                                                              rel=1e-8)
    # the PyMC graph: its logp is the family's density, its draws the family's
    other = parse_inline_prior("half-t:0.3,4")
    with pm.Model():
        rv = tau_prior_vars(other)
    graph = np.array([float(pm.logp(rv, t).eval()) for t in POINTS])
    np.testing.assert_allclose(graph, other.logpdf(POINTS), rtol=1e-10)
    native = np.array([float(pm.logp(pm.HalfStudentT.dist(nu=4.0, sigma=0.3), t).eval())
                       for t in POINTS])
    np.testing.assert_allclose(graph, native, rtol=1e-8)
    draws = draw_tau_prior(tau_prior_values(other), size=(4000,), rng=np.random.default_rng(3))
    assert stats.kstest(draws, other.cdf).pvalue > 1e-3
    # and the TOML registry accepts it
    (tmp_path / "t.toml").write_text(
        '[[prior]]\nid = "half-t-test"\nrole = "tau"\nparameter = "tau"\nfamily = "half-t"\n'
        'params = { scale = 0.5, df = 3.0 }\nscale = ["any"]\nstatus = "unverified"\n'
        'citation = "c"\nsource = "s"\nrationale = "r"\n', encoding="utf-8")
    entry = read_registry(tmp_path)["half-t-test"]
    assert entry.distribution == HalfStudentT(scale=0.5, df=3.0)


def test_an_effect_family_the_exact_engine_cannot_integrate_is_refused(new_families) -> None:
    prior = parse_inline_prior("cauchy:0,0.5")
    assert isinstance(prior, EffectPrior) and prior.proper
    assert prior.summary()["median"] == 0.0
    with pytest.raises(ValueError, match="exact engine cannot integrate a cauchy"):
        prior.exact_mu_prior()
    # the MCMC graph takes it: logp and draws
    with pm.Model():
        rv = effect_prior_vars(prior)
    assert float(pm.logp(rv, 0.4).eval()) == pytest.approx(
        float(stats.cauchy.logpdf(0.4, scale=0.5)), rel=1e-10)
    draws = draw_effect_prior(effect_prior_values(prior), size=(4000,),
                              rng=np.random.default_rng(4))
    assert stats.kstest(draws, stats.cauchy(scale=0.5).cdf).pvalue > 1e-3


def test_no_module_dispatches_on_a_family_name() -> None:
    """Family names are compared only in the registry: nowhere else does code branch on them."""
    comparison = re.compile(r"family\s*(==|!=)\s*[\"']|family\s+(not\s+)?in\s*[(\[{]\s*[\"']"
                            r"|match\s+\S*family\s*:")
    names = "|".join(re.escape(f.name) for f in BUILT_IN)
    case = re.compile(rf"case\s+\"({names})\"")
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "families.py" and path.parent.name == "priors":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if comparison.search(line) or case.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
