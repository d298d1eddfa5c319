"""reanalyse.models: specs, data, prior graphs and log densities against SciPy, fitted-result
structure, psense, netCDF, seeds, and known posteriors (conjugate normal, fixed-effect = IV)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import arviz_stats
import numpy as np
import pymc as pm
import pytest
import xarray as xr
from scipy import stats

from reanalyse.models import (
    MODELS,
    ArmData,
    BinomialLog,
    BinomialLogit,
    ContrastData,
    FixedEffect,
    NormalNormal,
    model_specs,
    models_dir,
    theta_conditional,
)
from reanalyse.models.binomial import log_risks
from reanalyse.models.prior_graph import (
    effect_prior_values,
    effect_prior_vars,
    tau_prior_values,
    tau_prior_vars,
)
from reanalyse.priors import load_prior, registry
from reanalyse.results import REQUIRED_GROUPS, FitResult, read_json_attr
from reanalyse.sampling import SamplerSettings

REPO = Path(__file__).resolve().parents[1]
SEED = 20260611
K_MCSE = 3.0  # tolerance in Monte Carlo standard errors


def tau(spec: str, scale: str = "logOR"):
    return load_prior(spec, role="tau", scale=scale)


def effect(spec: str, scale: str = "logOR"):
    return load_prior(spec, role="effect", scale=scale)


def mcse(da: xr.DataArray, method: str = "mean", prob: float | None = None) -> float:
    ds = da.to_dataset(name="x")
    kw = {"prob": prob} if prob is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(arviz_stats.mcse(ds, sample_dims=["chain", "draw"], method=method, **kw)["x"])


# --------------------------------------------------------------------------- specs and data
def test_every_model_toml_loads_and_matches_its_class() -> None:
    folder = models_dir()
    assert folder == REPO / "src" / "reanalyse" / "assets" / "models"
    assert not list(folder.glob("*.py")), "models/ holds declarative specs only, no Python"
    assert (folder / "README.md").is_file()
    specs = model_specs()
    assert set(specs) == set(MODELS)
    for kind, spec in specs.items():
        cls = MODELS[kind]
        assert spec["class"] == f"reanalyse.models.{cls.__name__}"
        assert tuple(spec["measures"]) == cls.measures
        assert spec["data"] == ("arm" if cls in (BinomialLogit, BinomialLog) else "contrast")
        assert {"mu", "tau", "theta", "theta_new"} <= set(spec["parameters"])


def test_contrast_and_arm_data_validate() -> None:
    d = ContrastData(y=[0.1, 0.2], se=[0.3, 0.4], study=["a", "b"], measure="OR")
    assert d.k == 2 and d.scale == "logOR" and len(d.sha256) == 64
    assert d.sha256 == ContrastData(y=[0.1, 0.2], se=[0.3, 0.4], study=["a", "b"],
                                    measure="OR").sha256
    with pytest.raises(ValueError, match="standard errors"):
        ContrastData(y=[0.1], se=[0.0])
    with pytest.raises(ValueError, match="unique"):
        ContrastData(y=[0.1, 0.2], se=[1, 1], study=["a", "a"])
    a = ArmData(events_1=[0, 3], total_1=[10, 12], events_2=[1, 5], total_2=[11, 12],
                measure="RR")
    assert a.k == 2 and a.scale == "logRR"
    with pytest.raises(ValueError, match="events <= total"):
        ArmData(events_1=[11], total_1=[10], events_2=[1], total_2=[10])
    with pytest.raises(ValueError, match="OR and RR"):
        ArmData(events_1=[1], total_1=[10], events_2=[1], total_2=[10], measure="RD")


def test_priors_are_refused_on_another_scale_and_overrides_recorded() -> None:
    d_md = ContrastData(y=[1.0], se=[2.0], measure="MD")
    with pytest.raises(ValueError, match="loaded for scale logOR"):
        NormalNormal(tau_prior=tau("half-normal-0.5"),
                     effect_prior=effect("flat")).check_data(d_md)
    overridden = load_prior("half-normal-0.5", role="tau", scale="MD", allow_scale_mismatch=True)
    model = NormalNormal(tau_prior=overridden, effect_prior=effect("flat", "MD"))
    model.check_data(d_md)
    assert model.priors()["tau"]["scale_override"] is True
    with pytest.raises(ValueError, match="needs resolve"):
        NormalNormal(tau_prior=tau("half-normal-0.5"), effect_prior=effect("skeptical"))
    with pytest.raises(ValueError, match="takes no tau prior"):
        FixedEffect(tau_prior=tau("half-normal-0.5"), effect_prior=effect("flat"))
    with pytest.raises(ValueError, match="serves OR"):
        BinomialLogit(tau_prior=tau("half-normal-0.5", "logRR"),
                      effect_prior=effect("flat", "logRR")).check_data(
            ArmData(events_1=[1], total_1=[9], events_2=[2], total_2=[9], measure="RR"))


def test_data_of_the_wrong_kind_is_a_type_error() -> None:
    arms = ArmData(events_1=[1], total_1=[9], events_2=[2], total_2=[9], measure="RR")
    with pytest.raises(TypeError, match="takes ContrastData, got ArmData"):
        NormalNormal(tau_prior=tau("half-normal-0.5", "logRR"),
                     effect_prior=effect("flat", "logRR")).check_data(arms)


def test_flat_prior_refused_where_the_binomial_posterior_would_be_improper() -> None:
    model = BinomialLog(tau_prior=tau("half-normal-0.5", "logRR"),
                        effect_prior=effect("flat", "logRR"))
    with pytest.raises(ValueError, match="improper"):
        model.check_data(ArmData(events_1=[0], total_1=[9], events_2=[2], total_2=[9],
                                 measure="RR"))
    model.check_data(ArmData(events_1=[1], total_1=[9], events_2=[2], total_2=[9],
                             measure="RR"))


# --------------------------------------------------------------------------- log densities
def _one_per_family() -> list:
    seen, out = set(), []
    for p in registry().values():
        if p.role == "tau" and p.family not in seen:
            seen.add(p.family)
            out.append(load_prior(p.id, role="tau", scale=p.scale[0]))
    return out


TAU_PRIORS = _one_per_family()


@pytest.fixture(scope="module")
def tau_graph():
    with pm.Model() as model:
        tau_prior_vars(TAU_PRIORS[0])
    return model, model.compile_logp(sum=True)


@pytest.mark.parametrize("prior", TAU_PRIORS, ids=lambda p: p.family)
def test_tau_prior_graph_matches_scipy_density_with_jacobian(tau_graph, prior) -> None:
    model, logp = tau_graph
    for name, value in tau_prior_values(prior).items():
        model[name].set_value(value)
    z = np.array([-2.5, -0.7, 0.0, 0.4, 1.3])
    ours = np.array([logp({"tau_z__": zi}) for zi in z])
    if prior.family == "uniform":
        lo, hi = prior.params_on_tau["lower"], prior.params_on_tau["upper"]
        sig = 1 / (1 + np.exp(-z))
        t = lo + (hi - lo) * sig
        jac = np.log(hi - lo) + np.log(sig) + np.log1p(-sig)
    else:
        t = np.exp(z)
        jac = z
    ref = prior.logpdf(t) + jac
    np.testing.assert_allclose(ours - ours[0], ref - ref[0], rtol=1e-9, atol=1e-9)
    # and PyMC's own distribution (with its default transform) agrees up to the same constant
    with pm.Model() as native:
        prior.to_pymc("tau")
    value_name = native.rvs_to_values[native["tau"]].name
    nlogp = native.compile_logp(sum=True)
    theirs = np.array([nlogp({value_name: zi}) for zi in z])
    np.testing.assert_allclose(ours - ours[0], theirs - theirs[0], rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("spec", ["vague-logor", "bartos-logor-all-effect", "flat"])
def test_effect_prior_graph_matches_scipy(spec) -> None:
    prior = effect(spec)
    with pm.Model() as model:
        effect_prior_vars(prior)
    logp = model.compile_logp(sum=True)
    mu = np.array([-3.0, -0.5, 0.0, 0.8, 2.0])
    ours = np.array([logp({"mu": m}) for m in mu])
    ref = prior.logpdf(mu)
    np.testing.assert_allclose(ours - ours[0], ref - ref[0], rtol=1e-9, atol=1e-9)
    assert set(effect_prior_values(prior)) >= {"mu_w", "mu_m", "mu_s", "mu_nu", "mu_cprec"}


def test_normal_model_log_density_is_the_marginal_posterior_in_its_parameterisation() -> None:
    data = ContrastData(y=[-0.4, -0.1, 0.5], se=[0.3, 0.5, 0.4], measure="OR")
    tp, ep = tau("turner2015-marginal"), effect("vague-logor")
    model = NormalNormal(tau_prior=tp, effect_prior=ep).build(data)
    logp = model.compile_logp(sum=True)
    rng = np.random.default_rng(1)
    vals, refs = [], []
    for _ in range(6):
        point = {"tau_z__": rng.normal(-1, 1), "mu_z__": rng.normal()}
        t = math.exp(point["tau_z__"])
        v = data.se**2 + t**2
        prec = np.sum(1 / v) + 1 / ep.params["sd"] ** 2
        log_s = -0.5 * math.log(prec)
        # mu = m + s z around the conditional posterior of mu given tau
        mu = (np.sum(data.y / v) + ep.params["mean"] / ep.params["sd"] ** 2) / prec \
            + point["mu_z__"] / math.sqrt(prec)
        ref = (ep.logpdf(mu) + tp.logpdf(t) + point["tau_z__"] + log_s
               + stats.norm.logpdf(data.y, mu, np.sqrt(v)).sum())
        vals.append(logp(point))
        refs.append(float(ref))
    np.testing.assert_allclose(np.array(vals) - vals[0], np.array(refs) - refs[0], atol=1e-8)


@pytest.mark.parametrize("cls", [BinomialLogit, BinomialLog], ids=lambda c: c.kind)
def test_binomial_log_density_matches_scipy(cls) -> None:
    measure = cls.measures[0]
    scale = f"log{measure}"
    data = ArmData(events_1=[0, 7, 12], total_1=[10, 20, 12], events_2=[2, 9, 11],
                   total_2=[11, 20, 12], measure=measure)
    model = cls(tau_prior=tau("half-normal-0.5", scale), effect_prior=effect("normal:0,10", scale))
    pm_model = model.build(data)
    logp = pm_model.compile_logp(sum=True)
    rng = np.random.default_rng(2)
    base_name = model.baseline_name
    diffs = []
    for _ in range(5):
        point = {"mu": rng.normal(), "tau_z__": rng.normal(-1, 0.5), "eta": rng.normal(size=3),
                 base_name: rng.normal(size=3)}
        t = math.exp(point["tau_z__"])
        theta = point["mu"] + t * point["eta"]
        b = point[base_name]
        if cls is BinomialLogit:
            p1, p2 = stats.logistic.cdf(b + theta), stats.logistic.cdf(b)
        else:
            lp1, lp2 = log_risks(b, theta)
            p1, p2 = np.exp(lp1), np.exp(lp2)
            np.testing.assert_allclose(p1 / p2, np.exp(theta))
            assert np.all(p1 <= 1) and np.all(p2 <= 1)
        ref = (stats.binom.logpmf(data.events_1, data.total_1, p1).sum()
               + stats.binom.logpmf(data.events_2, data.total_2, p2).sum()
               + stats.norm.logpdf(point["eta"]).sum() + stats.logistic.logpdf(b).sum()
               + model.effect_prior.logpdf(point["mu"]) + model.tau_prior.logpdf(t)
               + point["tau_z__"])
        diffs.append(logp(point) - float(ref))
    np.testing.assert_allclose(diffs, diffs[0], atol=1e-8)


def test_guarded_log_link_never_exceeds_one() -> None:
    g = np.linspace(-30, 30, 201)[:, None]
    theta = np.linspace(-8, 8, 161)[None, :]
    lp1, lp2 = log_risks(g, theta)
    assert np.all(lp1 <= 0) and np.all(lp2 <= 0)
    np.testing.assert_allclose(lp1 - lp2, np.broadcast_to(theta, lp1.shape), atol=1e-12)


def test_theta_conditional_is_the_precision_weighted_normal() -> None:
    y, se = np.array([0.3, -0.2]), np.array([0.2, 0.5])
    mu, t = np.array([[0.1]]), np.array([[0.4]])
    mean, sd = theta_conditional(y, se, mu, t)
    prec = 1 / se**2 + 1 / 0.4**2
    np.testing.assert_allclose(mean[0, 0], (y / se**2 + 0.1 / 0.4**2) / prec)
    np.testing.assert_allclose(sd[0, 0], 1 / np.sqrt(prec))
    m0, s0 = theta_conditional(y, se, mu, np.zeros((1, 1)))
    np.testing.assert_allclose(m0[0, 0], [0.1, 0.1])
    np.testing.assert_allclose(s0[0, 0], [0.0, 0.0])


# --------------------------------------------------------------------------- fitted results
DATA3 = ContrastData(y=[-0.45, -0.12, 0.21], se=[0.31, 0.48, 0.40],
                     study=["Alpha 2001", "Beta 2009", "Gamma 2015"], measure="OR")


@pytest.fixture(scope="module")
def normal_fit() -> FitResult:
    model = NormalNormal(tau_prior=tau("half-normal-0.5"), effect_prior=effect("vague-logor"))
    return model.fit(DATA3, random_seed=SEED)


def test_result_groups_names_dims_and_coords(normal_fit: FitResult) -> None:
    dt = normal_fit.dt
    assert set(REQUIRED_GROUPS) <= set(dt.children)
    post = dt["posterior"]
    assert {"mu", "tau", "theta", "theta_new"} == set(post.data_vars)
    assert post["theta"].dims == ("chain", "draw", "study")
    assert list(post["study"].values) == list(DATA3.study)
    assert post["mu"].dims == ("chain", "draw") and post.sizes["chain"] == 4
    assert dt["log_likelihood"]["y"].dims == ("chain", "draw", "study")
    assert set(dt["log_prior"].data_vars) == {"mu", "tau"}
    assert {"mu", "tau", "theta_new", "theta"} <= set(dt["prior"].data_vars)
    np.testing.assert_array_equal(dt["observed_data"]["y"].values, DATA3.y)
    np.testing.assert_array_equal(dt["constant_data"]["se"].values, DATA3.se)
    assert normal_fit.status == "ok", normal_fit.diagnostics
    assert normal_fit.diagnostics["divergences"] == 0
    # provenance
    attrs = dt.attrs
    assert attrs["data_sha256"] == DATA3.sha256 and attrs["random_seed"] == SEED
    assert attrs["prior_ids"] == "vague-logor,half-normal-0.5"
    assert read_json_attr(attrs, "model_spec")["class"] == "reanalyse.models.NormalNormal"
    assert read_json_attr(attrs, "sampler_settings")["target_accept"] == 0.9
    assert attrs["ci_prob"] == 0.95 and attrs["ci_kind"] == "eti"
    for pkg in ("pymc", "pytensor", "arviz", "nutpie", "numpy"):
        assert attrs[f"{pkg}_version"]
    assert normal_fit.priors["tau"]["scale_override"] is False


def test_log_likelihood_and_log_prior_are_the_model_densities(normal_fit: FitResult) -> None:
    post = normal_fit.dt["posterior"]
    mu, t = post["mu"].values, post["tau"].values
    ll = stats.norm.logpdf(DATA3.y, mu[..., None], np.sqrt(DATA3.se**2 + t[..., None] ** 2))
    np.testing.assert_allclose(normal_fit.dt["log_likelihood"]["y"].values, ll, rtol=1e-10)
    np.testing.assert_allclose(normal_fit.dt["log_prior"]["tau"].values,
                               stats.halfnorm.logpdf(t, scale=0.5), rtol=1e-10)


def test_log_prior_group_is_each_priors_own_normalised_density(normal_fit: FitResult) -> None:
    """The graph (pm.CustomDist priors whose family and parameters are data) against the prior
    objects' scipy densities, exactly (no constant left out)."""
    post = normal_fit.dt["posterior"]
    tp, ep = tau("half-normal-0.5"), effect("vague-logor")
    np.testing.assert_allclose(normal_fit.dt["log_prior"]["mu"].values,
                               ep.logpdf(post["mu"].values), rtol=1e-10)
    np.testing.assert_allclose(normal_fit.dt["log_prior"]["tau"].values,
                               tp.logpdf(post["tau"].values), rtol=1e-10)
    np.testing.assert_allclose(normal_fit.dt["log_prior"]["mu"].values,
                               stats.norm.logpdf(post["mu"].values, 0.0, ep.params["sd"]),
                               rtol=1e-10)


def test_groups_equal_pymc_compute_log_likelihood_and_log_prior(normal_fit: FitResult) -> None:
    """The groups (compiled once, data swapped in) equal PyMC's own functions on a model built
    for these data and priors."""
    model = NormalNormal(tau_prior=tau("half-normal-0.5"),
                         effect_prior=effect("vague-logor")).build(DATA3)
    post = normal_fit.dt["posterior"].to_dataset()[["mu", "tau"]]
    idata = xr.DataTree.from_dict({"posterior": post})
    ll = pm.stats.compute_log_likelihood(idata, model=model, extend_inferencedata=False,
                                         progressbar=False)
    lp = pm.stats.compute_log_prior(idata, model=model, extend_inferencedata=False,
                                    progressbar=False)
    np.testing.assert_allclose(normal_fit.dt["log_likelihood"]["y"].values, ll["y"].values,
                               rtol=1e-12)
    assert list(ll["study"].values) == list(DATA3.study)
    for name in ("mu", "tau"):
        np.testing.assert_allclose(normal_fit.dt["log_prior"][name].values, lp[name].values,
                                   rtol=1e-12)


def test_one_compiled_density_serves_every_prior_family_and_k() -> None:
    """The log densities of one normal-normal graph (built for k = 3), with each registry tau
    family and each effect family swapped in as data, and the data of k = 5 studies: log prior
    = TauPrior.logpdf / EffectPrior.logpdf, log-likelihood = the marginal normal density."""
    from reanalyse.sampling import LogDensity

    density = LogDensity(NormalNormal(tau_prior=tau("half-normal-0.5"),
                                      effect_prior=effect("vague-logor")).build(DATA3))
    five = ContrastData(y=[0.1, 0.3, -0.2, 0.5, 0.0], se=[0.2, 0.3, 0.25, 0.4, 0.5],
                        study=list("abcde"), measure="OR")
    rng = np.random.default_rng(3)
    effects = [effect(s) for s in ("vague-logor", "bartos-logor-all-effect", "flat")]
    assert {e.family for e in effects} == {"normal", "student-t", "flat"}
    for tp in TAU_PRIORS:
        lo, hi = tp.support
        t = rng.uniform(lo, hi, size=(2, 40)) if tp.family == "uniform" else rng.lognormal(
            -1.0, 0.8, size=(2, 40))
        for ep in effects:
            mu = rng.normal(-0.2, 0.6, size=(2, 40))
            post = xr.Dataset({"mu": (("chain", "draw"), mu), "tau": (("chain", "draw"), t)})
            model = NormalNormal(tau_prior=tp, effect_prior=ep)
            values = model.data_values(five)
            lp = density.evaluate(post, kind="prior", data=values, coords={"study": five.study})
            np.testing.assert_allclose(lp["tau"].values, tp.logpdf(t), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(lp["mu"].values, ep.logpdf(mu), rtol=1e-10, atol=1e-12)
            ll = density.evaluate(post, kind="likelihood", data=values,
                                  coords={"study": five.study})
            assert ll["y"].dims == ("chain", "draw", "study")
            assert list(ll["study"].values) == list(five.study)
            np.testing.assert_allclose(
                ll["y"].values, stats.norm.logpdf(five.y, mu[..., None],
                                                  np.sqrt(five.se**2 + t[..., None] ** 2)),
                rtol=1e-10)


@pytest.mark.parametrize("prior", TAU_PRIORS, ids=lambda p: p.family)
def test_prior_draws_follow_the_prior(prior) -> None:
    """The tau variable's own random (what the prior group is drawn with) against the prior's
    cdf; and PyMC draws the model's tau through it."""
    from reanalyse.models.prior_graph import draw_tau_prior

    draws = draw_tau_prior(tau_prior_values(prior), size=(4, 1000),
                           rng=np.random.default_rng(11))
    assert draws.shape == (4, 1000)
    assert stats.kstest(draws.ravel(), prior.cdf).pvalue > 1e-3
    with pm.Model():
        rv = tau_prior_vars(prior)
    with warnings.catch_warnings():  # numba runs the numpy random in object mode
        warnings.simplefilter("ignore", UserWarning)
        model_draws = pm.draw(rv, draws=500, random_seed=12)
    assert stats.kstest(model_draws, prior.cdf).pvalue > 1e-3


@pytest.mark.parametrize("spec", ["vague-logor", "bartos-logor-all-effect"])
def test_effect_prior_draws_follow_the_prior(spec) -> None:
    from reanalyse.models.prior_graph import draw_effect_prior

    prior = effect(spec)
    draws = draw_effect_prior(effect_prior_values(prior), size=(4000,),
                              rng=np.random.default_rng(13))
    ref = (stats.norm(prior.params["mean"], prior.params["sd"]) if prior.family == "normal"
           else stats.t(prior.params["df"], prior.params["location"], prior.params["scale"]))
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3
    assert draw_effect_prior(effect_prior_values(effect("flat")), size=(3,),
                             rng=np.random.default_rng(1)) is None


def test_psense_runs_without_refitting(normal_fit: FitResult) -> None:
    for group in ("prior", "likelihood"):
        res = arviz_stats.psense(normal_fit.dt, var_names=["mu", "tau"], group=group)
        assert np.all(np.isfinite([float(res[v]) for v in ("mu", "tau")]))
    table = arviz_stats.psense_summary(normal_fit.dt, var_names=["mu", "tau"])
    assert list(table.index) == ["mu", "tau"]


def test_summary_probabilities_and_json(normal_fit: FitResult) -> None:
    s = normal_fit.summary()
    assert list(s["parameter"]) == ["mu", "tau", "theta_new", "theta", "theta", "theta"]
    assert list(s["study"].iloc[3:]) == list(DATA3.study)
    mu = s.iloc[0]
    assert mu["q025"] < mu["median"] < mu["q975"] and mu["r_hat"] < 1.01
    np.testing.assert_allclose(mu["ratio_median"], math.exp(mu["median"]))
    assert math.isnan(s.iloc[1]["ratio_median"])  # no ratio for tau
    assert set(normal_fit.summary(fmt="long").columns) == {"parameter", "study", "statistic",
                                                           "value"}
    t = [-0.2, 0.0, 0.1]
    pg, pl = normal_fit.p_greater(t), normal_fit.p_less(t)
    for x in t:
        assert pg[x] + pl[x] == pytest.approx(1.0)
    probs = normal_fit.probabilities([0.0])
    assert set(probs["parameter"]) == {"mu", "theta_new"} and (probs["mcse"] < 0.02).all()
    j = normal_fit.to_json_dict(thresholds=t)
    json.dumps(j)
    assert set(j["theta"]) == set(DATA3.study)
    assert set(j["mu"]) == {"mean", "median", "sd", "q025", "q975"}
    assert j["diagnostics"]["status"] == "ok"


def test_netcdf_round_trip(normal_fit: FitResult, tmp_path: Path) -> None:
    path = normal_fit.to_netcdf(tmp_path / "fit.nc")
    back = FitResult.from_netcdf(path)
    assert set(REQUIRED_GROUPS) <= set(back.dt.children)
    xr.testing.assert_equal(back.dt["posterior"].to_dataset(),
                            normal_fit.dt["posterior"].to_dataset())
    assert back.attrs["data_sha256"] == normal_fit.attrs["data_sha256"]
    assert back.diagnostics == normal_fit.diagnostics
    back.check_matches(data_sha256=DATA3.sha256, prior_ids=["half-normal-0.5", "vague-logor"])
    with pytest.raises(ValueError, match="data differ"):
        back.check_matches(data_sha256="0" * 64)


def test_same_seed_same_draws_and_data_reuse_the_compiled_model(normal_fit) -> None:
    model = NormalNormal(tau_prior=tau("half-normal-0.5"), effect_prior=effect("vague-logor"))
    again = model.fit(DATA3, random_seed=SEED)
    for name in ("mu", "tau", "theta", "theta_new"):
        np.testing.assert_array_equal(again.dt["posterior"][name].values,
                                      normal_fit.dt["posterior"][name].values)
    other = model.fit(DATA3, random_seed=SEED + 1)
    assert not np.array_equal(other.dt["posterior"]["mu"].values,
                              normal_fit.dt["posterior"]["mu"].values)
    # another k and another prior family, same compiled model
    five = ContrastData(y=[0.1, 0.3, -0.2, 0.5, 0.0], se=[0.2] * 5, measure="OR")
    fit5 = NormalNormal(tau_prior=tau("half-cauchy-0.5"), effect_prior=effect("flat")).fit(
        five, random_seed=1)
    assert fit5.dt["posterior"].sizes["study"] == 5
    assert fit5.attrs["compile_seconds"] == normal_fit.attrs["compile_seconds"]


# --------------------------------------------------------------------------- known posteriors
def _conjugate(y, se, tau0, m0, s0):
    prec = np.sum(1 / (se**2 + tau0**2)) + 1 / s0**2
    mean = (np.sum(y / (se**2 + tau0**2)) + m0 / s0**2) / prec
    return mean, 1 / math.sqrt(prec)


def _check_normal_posterior(da: xr.DataArray, mean: float, sd: float) -> None:
    flat = da.values.ravel()
    assert abs(flat.mean() - mean) <= K_MCSE * mcse(da)
    for q in (0.025, 0.5, 0.975):
        target = stats.norm.ppf(q, mean, sd)
        assert abs(np.quantile(flat, q) - target) <= K_MCSE * mcse(da, "quantile", q), q
    assert abs(flat.std(ddof=1) - sd) <= K_MCSE * mcse(da, "sd")


def test_conjugate_normal_with_known_tau() -> None:
    """tau known (a uniform prior 1e-9 wide at 0.3): mu and theta_i are exactly normal."""
    tau0 = 0.3
    known = load_prior(f"uniform:{tau0},{tau0 + 1e-9}", role="tau", scale="logOR")
    prior = effect("normal:0.2,1.5")
    fit = NormalNormal(tau_prior=known, effect_prior=prior).fit(DATA3, random_seed=SEED)
    mean, sd = _conjugate(DATA3.y, DATA3.se, tau0, 0.2, 1.5)
    _check_normal_posterior(fit.dt["posterior"]["mu"], mean, sd)
    # theta_1 | y: normal mixture over mu collapses to a normal (tau known)
    b = DATA3.se[0] ** 2 / (DATA3.se[0] ** 2 + tau0**2)
    th_mean = b * mean + (1 - b) * DATA3.y[0]
    th_var = b**2 * sd**2 + DATA3.se[0] ** 2 * tau0**2 / (DATA3.se[0] ** 2 + tau0**2)
    _check_normal_posterior(fit.dt["posterior"]["theta"].isel(study=0), th_mean, math.sqrt(th_var))
    _check_normal_posterior(fit.dt["posterior"]["theta_new"], mean, math.sqrt(sd**2 + tau0**2))


def test_fixed_effect_equals_the_inverse_variance_posterior() -> None:
    prior = effect("normal:0,10")
    fit = FixedEffect(effect_prior=prior).fit(DATA3, random_seed=SEED)
    assert fit.status == "ok"
    assert fit.attrs["model"] == "fixed"
    assert FixedEffect(effect_prior=prior).structure_key(DATA3) == ("normal",)  # no own compile
    mean, sd = _conjugate(DATA3.y, DATA3.se, 0.0, 0.0, 10.0)
    _check_normal_posterior(fit.dt["posterior"]["mu"], mean, sd)
    assert float(fit.dt["posterior"]["tau"].max()) == 0.0
    # flat prior: exactly the IV estimate and its SE
    flat = FixedEffect(effect_prior=effect("flat")).fit(DATA3, random_seed=SEED + 1)
    w = 1 / DATA3.se**2
    _check_normal_posterior(flat.dt["posterior"]["mu"], float(np.sum(w * DATA3.y) / w.sum()),
                            float(1 / math.sqrt(w.sum())))


def test_normal_model_tends_to_the_fixed_effect_limit() -> None:
    """A tau prior concentrated at 0 (uniform on (0, 1e-9)) gives the IV posterior."""
    at_zero = load_prior("uniform:0,1e-9", role="tau", scale="logOR")
    fit = NormalNormal(tau_prior=at_zero, effect_prior=effect("flat")).fit(DATA3,
                                                                           random_seed=SEED)
    w = 1 / DATA3.se**2
    _check_normal_posterior(fit.dt["posterior"]["mu"], float(np.sum(w * DATA3.y) / w.sum()),
                            float(1 / math.sqrt(w.sum())))


ARMS = ArmData(events_1=[37, 4], total_1=[47, 20], events_2=[21, 6], total_2=[48, 19],
               study=["ProDERM", "Other"], measure="RR")


@pytest.mark.parametrize("cls", [BinomialLogit, BinomialLog], ids=lambda c: c.kind)
def test_binomial_results_from_mock_draws(cls) -> None:
    """The result groups of a binomial model, built from mock sampler output (no MCMC)."""
    measure = cls.measures[0]
    data = ArmData(events_1=ARMS.events_1, total_1=ARMS.total_1, events_2=ARMS.events_2,
                   total_2=ARMS.total_2, study=ARMS.study, measure=measure)
    model = cls(tau_prior=tau("half-normal-0.5", f"log{measure}"),
                effect_prior=effect("normal:0,10", f"log{measure}"))
    rng = np.random.default_rng(0)
    shape = (2, 50)
    raw = xr.DataTree.from_dict({"posterior": xr.Dataset({
        "mu": (("chain", "draw"), rng.normal(size=shape)),
        "tau": (("chain", "draw"), rng.exponential(0.3, size=shape)),
        "eta": (("chain", "draw", "k"), rng.normal(size=(*shape, 2))),
        model.baseline_name: (("chain", "draw", "k"), rng.normal(size=(*shape, 2)))})})
    groups = model.complete(raw, data, rng=rng)
    post = groups["posterior"]
    assert {"mu", "tau", "theta", "theta_new", "baseline"} == set(post.data_vars)
    assert post["theta"].dims == ("chain", "draw", "study")
    np.testing.assert_allclose(post["theta"].values, raw["posterior"]["mu"].values[..., None]
                               + raw["posterior"]["tau"].values[..., None]
                               * raw["posterior"]["eta"].values)
    ll = groups["log_likelihood"]["events"].values
    b = raw["posterior"][model.baseline_name].values
    theta = post["theta"].values
    if cls is BinomialLog:
        assert float(post["baseline"].max()) <= 0.0
        assert float((post["baseline"] + post["theta"]).max()) <= 0.0
        lp1, lp2 = log_risks(b, theta)
        p1, p2 = np.exp(lp1), np.exp(lp2)
    else:
        np.testing.assert_array_equal(post["baseline"].values, b)
        p1, p2 = stats.logistic.cdf(b + theta), stats.logistic.cdf(b)
    ref = (stats.binom.logpmf(data.events_1, data.total_1, p1)
           + stats.binom.logpmf(data.events_2, data.total_2, p2))
    np.testing.assert_allclose(ll, ref, rtol=1e-10)
    assert set(groups["log_prior"].data_vars) == {"mu", "tau", "baseline"}
    assert set(groups) >= {"posterior", "prior", "log_likelihood", "log_prior", "observed_data",
                           "constant_data"}


@pytest.mark.slow
def test_binomial_log_model_fits_and_keeps_risks_below_one() -> None:
    fit = BinomialLog(tau_prior=tau("half-normal-0.5", "logRR"),
                      effect_prior=effect("normal:0,10", "logRR")).fit(ARMS, random_seed=SEED)
    assert fit.status == "ok", fit.diagnostics
    post = fit.dt["posterior"]
    assert float(post["baseline"].max()) <= 0.0
    assert float((post["baseline"] + post["theta"]).max()) <= 0.0
    # the study's RR sits near the observed one (37/47)/(21/48) = 1.80
    assert 1.3 < math.exp(float(post["theta"].sel(study="ProDERM").median())) < 2.4
    arviz_stats.psense(fit.dt, var_names=["mu", "tau"])


@pytest.mark.slow
def test_binomial_logit_model_fits_with_zero_cells() -> None:
    data = ArmData(events_1=[0, 5, 12], total_1=[15, 20, 30], events_2=[3, 10, 15],
                   total_2=[15, 20, 30], measure="OR")
    fit = BinomialLogit(tau_prior=tau("half-normal-0.5"), effect_prior=effect("vague-logor")).fit(
        data, random_seed=SEED)
    assert fit.status == "ok", fit.diagnostics
    assert float(fit.dt["posterior"]["mu"].median()) < 0


def test_settings_reach_the_sampler() -> None:
    small = SamplerSettings(draws=300, tune=300, chains=2, ess_threshold=100)
    fit = NormalNormal(tau_prior=tau("half-normal-0.5"), effect_prior=effect("vague-logor")).fit(
        DATA3, settings=small, random_seed=5)
    assert fit.dt["posterior"].sizes["chain"] == 2
    assert read_json_attr(fit.attrs, "sampler_settings")["draws"] == 300


@pytest.mark.slow
@pytest.mark.parametrize("cls", [BinomialLogit, BinomialLog], ids=lambda c: c.kind)
def test_binomial_fit_groups_are_scipy_densities_at_the_draws(cls) -> None:
    """A fitted binomial model (compiled once, counts and priors swapped in): log_likelihood =
    binom.logpmf of both arms at the posterior risks, log_prior = the priors' scipy densities
    (and the Logistic(0, 1) density of the baseline parameter)."""
    measure = cls.measures[0]
    data = ArmData(events_1=[0, 5, 12], total_1=[15, 20, 30], events_2=[3, 10, 15],
                   total_2=[15, 20, 30], study=["a", "b", "c"], measure=measure)
    tp, ep = tau("half-normal-0.5", f"log{measure}"), effect("normal:0,10", f"log{measure}")
    fit = cls(tau_prior=tp, effect_prior=ep).fit(
        data, random_seed=SEED, settings=SamplerSettings(draws=300, tune=500, chains=2,
                                                         ess_threshold=100))
    post = fit.dt["posterior"]
    theta, base = post["theta"].values, post["baseline"].values
    if cls is BinomialLogit:
        lp1, lp2 = stats.logistic.logcdf(base + theta), stats.logistic.logcdf(base)
        g = base
    else:  # baseline = log p_control, log p_treatment = baseline + theta
        lp1, lp2 = base + theta, base
        log_q = np.maximum(lp1, lp2)
        g = log_q - np.log(-np.expm1(log_q))
    ref = (stats.binom.logpmf(data.events_1, data.total_1, np.exp(lp1))
           + stats.binom.logpmf(data.events_2, data.total_2, np.exp(lp2)))
    np.testing.assert_allclose(fit.dt["log_likelihood"]["events"].values, ref, rtol=1e-8)
    np.testing.assert_allclose(fit.dt["log_prior"]["mu"].values, ep.logpdf(post["mu"].values),
                               rtol=1e-10)
    np.testing.assert_allclose(fit.dt["log_prior"]["tau"].values,
                               tp.logpdf(post["tau"].values), rtol=1e-10)
    np.testing.assert_allclose(fit.dt["log_prior"]["baseline"].values, stats.logistic.logpdf(g),
                               rtol=1e-8, atol=1e-10)
