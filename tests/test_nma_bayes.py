"""Bayesian NMA: published reproductions within Monte Carlo error, agreement with the frequentist
NMA at fixed tau, compile-once reuse, and the summaries (ranks, SUCRA, league) on known draws.

Tolerances are derived, not guessed: |estimate - published| <= k * MCSE + half the last printed
digit of the published value (house style, section 10), with k = 4 and the MCSE of the statistic
compared (mean, sd, median or quantile) from arviz_stats.
"""

from __future__ import annotations

import json

import arviz_stats
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from reanalyse.data import load_table
from reanalyse.nma import NMAFit, NMASpec, build_network, fit_nma, frequentist_nma
from reanalyse.nma.plots import plot_network, plot_rankogram
from reanalyse.priors import load_prior
from reanalyse.sampling import MODEL_CACHE, SamplerSettings
from tests.conftest import IIM
from tests.nma_reference_data import (
    PARKINSONS_TSD_FE,
    PARKINSONS_TSD_RE,
    PARKINSONS_TSD_TAU,
    SMOKING_TSD_RE,
    SMOKING_TSD_TAU,
    parkinsons_arm_frame,
    senn2013_frame,
    smoking_frame,
)

K = 4.0
#: Small but valid settings for the default run: 4 chains x 1000 draws; the run must pass
#: R-hat <= 1.01, no divergences and ESS >= 200 (no retries, so the test fails rather than hides).
SMALL = SamplerSettings(draws=1000, tune=1000, chains=4, ess_threshold=200.0,
                        retry_target_accepts=())
#: 4000 draws per chain for the fixed-tau check. Not a bias and not a run too short: its exact
#: posterior (numpy, from the model's own likelihood) equals the frequentist N(te, se^2) to 1e-6,
#: and over 200 seeds at 1000 draws every posterior mean and SD averages its exact value, with
#: z = (value - exact) / MCSE of SD 0.9-1.1 (sitagliptin SD: mean 0.3540, spread 0.0060 against
#: MCSE 0.0058). Seed 2013 in the nutpie 0.16.11 stack drew a 4.25-MCSE tail (sitagliptin SD
#: 0.3329 against 0.3541, all four chains low: P about 4e-4 for 18 statistics at k = 4); its
#: first 1000 draws are unchanged at 4000, the 3000 after them give 0.3484, the whole 0.3446
#: (-3.3 MCSE). Runs of 4 x 20000 give 0.3515 and 0.3552.
LONG = SamplerSettings(draws=4000, tune=1000, chains=4, ess_threshold=200.0,
                       retry_target_accepts=())
LARGE = SamplerSettings(draws=2500, tune=1500, chains=4, ess_threshold=400.0,
                        target_accept=0.95, retry_target_accepts=(0.99,))


def _stat(x: xr.DataArray, stat: str) -> tuple[float, float]:
    """A posterior statistic of ``x`` (dims chain, draw) and its Monte Carlo SE."""
    if stat == "mean":
        return float(x.mean()), float(arviz_stats.mcse(x, method="mean"))
    if stat == "sd":
        return float(x.std(ddof=1)), float(arviz_stats.mcse(x, method="sd"))
    if stat == "median":
        return float(x.median()), float(arviz_stats.mcse(x, method="median"))
    prob = {"q025": 0.025, "q975": 0.975}[stat]
    return (float(x.quantile(prob)),
            float(arviz_stats.mcse(x, method="quantile", prob=prob)))


def assert_close_to_published(x: xr.DataArray, published: float, *, stat: str,
                              decimals: int = 2, k: float = K, extra: float = 0.0) -> None:
    value, mcse = _stat(x, stat)
    tol = k * mcse + 0.5 * 10.0**-decimals + extra
    assert abs(value - published) <= tol, (
        f"{stat}: {value:.4f} vs published {published} (tolerance {tol:.4f}, MCSE {mcse:.4f})")


def _contrast(fit: NMAFit, a: str, b: str) -> xr.DataArray:
    d = fit.posterior["d"]
    ref = fit.network.reference
    da = d.sel(treatment=a) if a != ref else 0.0 * d.isel(treatment=0)
    db = d.sel(treatment=b) if b != ref else 0.0 * d.isel(treatment=0)
    return (da - db).drop_vars("treatment", errors="ignore")


# ---------------------------------------------------------------------------------------------
# Smoking cessation, random effects: the default-suite reproduction
# ---------------------------------------------------------------------------------------------
SMOKING_SPEC = {"effect_prior": load_prior("normal:0,100", role="effect", scale="logOR"),
                    "tau_prior": load_prior("half-normal:5", role="tau", scale="logOR")}


@pytest.fixture(scope="module")
def smoking_net():  # type: ignore[no-untyped-def]
    return build_network(load_table(smoking_frame()), measure="OR",
                         reference="No intervention")


@pytest.fixture(scope="module")
def smoking_fit(smoking_net):  # type: ignore[no-untyped-def]
    # d ~ N(0, 100^2), mu ~ N(0, 100^2), tau ~ half-normal(5): the priors of the multinma test
    # that holds the TSD numbers (tests/nma_reference_data.py); TSD used tau ~ U(0, 5), whose
    # density differs from half-normal(5) by < 3% over the posterior's range (tau 0.5 to 1.3).
    return fit_nma(smoking_net, spec=NMASpec(**SMOKING_SPEC), higher_is_better=True,
                   random_seed=20110401, settings=SMALL)


def test_smoking_random_effects_reproduces_tsd(smoking_fit) -> None:  # type: ignore[no-untyped-def]
    fit = smoking_fit
    assert fit.diagnostics.ok, fit.diagnostics.messages
    for (a, b), (mean, sd, lo, hi) in SMOKING_TSD_RE.items():
        x = _contrast(fit, a, b)
        assert_close_to_published(x, mean, stat="mean")
        assert_close_to_published(x, sd, stat="sd")
        assert_close_to_published(x, lo, stat="q025")
        assert_close_to_published(x, hi, stat="q975")
    tau = fit.posterior["tau"]
    med, sd, lo, hi = SMOKING_TSD_TAU
    assert_close_to_published(tau, med, stat="median")
    assert_close_to_published(tau, sd, stat="sd")
    assert_close_to_published(tau, lo, stat="q025")
    assert_close_to_published(tau, hi, stat="q975")


def test_smoking_outputs_and_datatree(smoking_fit) -> None:  # type: ignore[no-untyped-def]
    fit = smoking_fit
    dt = fit.dt
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data",
            "constant_data"} <= set(dt.children)
    post = dt["posterior"]
    assert post["d"].dims == ("chain", "draw", "treatment")
    assert list(post["d"]["treatment"].values) == list(fit.treatments[1:])
    assert post["mu"].dims[-1] == "study" and post["delta"].dims[-1] == "contrast"
    assert dt["log_likelihood"]["r_obs"].sizes["arm"] == 50
    assert json.loads(dt.attrs["model_spec"])["likelihood"] == "binomial_logit"
    assert dt.attrs["data_sha256"] == fit.network.data_hash
    # league: every ordered pair, antisymmetric, orientation stated
    lg = fit.league()
    assert len(lg) == 12 and lg.attrs["orientation"] == "treatment versus comparator"
    ab = lg.set_index(["treatment", "comparator"])
    np.testing.assert_allclose(ab.loc[("Self-help", "Group counselling"), "mean"],
                               -ab.loc[("Group counselling", "Self-help"), "mean"])
    # ranks: probabilities sum to 1 per treatment and per rank; SUCRA in [0, 1]
    rp = fit.rank_probabilities()
    np.testing.assert_allclose(rp.sum(axis=1), 1.0)
    np.testing.assert_allclose(rp.sum(axis=0), 1.0)
    s = fit.sucra()
    assert s.idxmax() == "Group counselling" and s.idxmin() == "No intervention"
    assert fit.p_best().sum() == pytest.approx(1.0)
    out = fit.to_dict(threshold=1.25)
    json.dumps(out, default=float)
    assert set(out["d"]) == set(fit.treatments[1:])
    assert {"mean", "median", "sd", "q025", "q975"} == set(out["d"]["Self-help"])
    assert out["league"][0]["p_meaningful"] <= out["league"][0]["p_benefit"] + 1e-12
    # figures are returned, not shown
    assert plot_network(fit.network).axes and plot_rankogram(fit).axes


def test_smoking_log_likelihood_log_prior_and_dic_against_scipy(smoking_fit) -> None:  # type: ignore[no-untyped-def]
    """The groups filled from the model's observed and prior variables equal scipy densities at
    the draws, and the DIC (plug-in and saturated deviance from the model's likelihood with the
    fitted risks fixed) equals TSD2's formulas evaluated with scipy."""
    from scipy import stats

    fit = smoking_fit
    post = fit.posterior
    d = fit.inputs.data
    mu = post["mu"].transpose("chain", "draw", "study").to_numpy()
    delta = post["delta"].transpose("chain", "draw", "contrast").to_numpy()
    delta0 = np.concatenate([np.zeros(delta.shape[:2] + (1,)), delta], axis=-1)
    p = 1.0 / (1.0 + np.exp(-(mu[..., d["arm_study"]] + delta0[..., d["arm_contrast"]])))
    ll = stats.binom.logpmf(d["r"], d["n"], p)
    got = fit.dt["log_likelihood"]["r_obs"].transpose("chain", "draw", "arm").to_numpy()
    np.testing.assert_allclose(got, ll, rtol=1e-9, atol=1e-12)
    assert list(fit.dt["log_likelihood"]["arm"].values) == fit.inputs.coords["arm"]
    lp = fit.dt["log_prior"]
    assert set(lp.data_vars) == {"d", "tau", "mu"}
    np.testing.assert_allclose(lp["d"].values, stats.norm.logpdf(post["d"].values, 0, 100),
                               rtol=1e-10)
    np.testing.assert_allclose(lp["tau"].values, stats.halfnorm.logpdf(post["tau"].values,
                                                                       scale=5), rtol=1e-10)
    np.testing.assert_allclose(lp["mu"].values, stats.norm.logpdf(post["mu"].values, 0, 100),
                               rtol=1e-10)
    sat = stats.binom.logpmf(d["r"], d["n"], d["r"] / d["n"])
    resdev = (2.0 * (sat - ll)).sum(axis=-1)
    dev_hat = float((2.0 * (sat - stats.binom.logpmf(d["r"], d["n"], p.mean(axis=(0, 1))))).sum())
    dbar = float(resdev.mean())
    dic = fit.dic()
    assert dic["resdev"] == pytest.approx(dbar, rel=1e-9)
    assert dic["pd"] == pytest.approx(dbar - dev_hat, rel=1e-9)
    assert dic["dic"] == pytest.approx(2 * dbar - dev_hat, rel=1e-9)
    assert dic["n_data_points"] == 50


def test_smoking_fit_round_trips_netcdf(smoking_fit, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = smoking_fit.to_netcdf(tmp_path / "fit.nc")
    back = xr.open_datatree(path, engine="h5netcdf")
    np.testing.assert_allclose(back["posterior"]["d"], smoking_fit.dt["posterior"]["d"])
    assert back.attrs["data_sha256"] == smoking_fit.dt.attrs["data_sha256"]
    assert list(back["posterior"]["treatment"].values) == list(smoking_fit.treatments[1:])


def test_compiled_once_per_structure(smoking_fit) -> None:  # type: ignore[no-untyped-def]
    """Another network of the same structure (here: different counts) reuses the compiled model:
    no compilation, only new pm.Data values."""
    n_compiled = len(MODEL_CACHE)
    frame = smoking_frame()
    frame["events"] = frame["events"] + 1
    other = build_network(load_table(frame), measure="OR", reference="No intervention")
    fit = fit_nma(other, spec=NMASpec(**SMOKING_SPEC), higher_is_better=True, random_seed=7,
                  settings=SMOKING_REUSE)
    assert len(MODEL_CACHE) == n_compiled and fit.compile_seconds == 0.0
    assert fit.inputs.key == smoking_fit.inputs.key
    # the new data were used: the posterior moved
    assert float(fit.posterior["mu"].mean()) != pytest.approx(
        float(smoking_fit.posterior["mu"].mean()), abs=1e-3)


SMOKING_REUSE = SamplerSettings(draws=300, tune=500, chains=2, ess_threshold=50.0,
                                retry_target_accepts=())


def test_cli_bayesian_json(smoking_fit, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``reanalyse nma ... --json`` (the fixture's structure, so the compiled model is reused)."""
    from reanalyse.cli import main

    path = tmp_path / "smoking.csv"
    smoking_frame().to_csv(path, index=False)
    n_compiled = len(MODEL_CACHE)
    code = main(["nma", str(path), "--measure", "OR", "--reference", "No intervention",
                 "--tau-prior", "half-normal:5", "--effect-prior", "normal:0,100",
                 "--direction", "higher", "--seed", "3", "--draws", "300", "--tune", "500",
                 "--chains", "2", "--threshold", "1.25", "--json"])
    assert code == 0 and len(MODEL_CACHE) == n_compiled
    out = json.loads(capsys.readouterr().out)
    assert set(out["d"]) == {"Self-help", "Individual counselling", "Group counselling"}
    assert {"mean", "median", "sd", "q025", "q975"} == set(out["d"]["Self-help"])
    assert set(out["tau"]) >= {"mean", "median", "sd", "q025", "q975"}
    assert set(out["sucra"]) == set(out["treatments"])
    assert set(out["rank_probabilities"]["Self-help"]) == {"1", "2", "3", "4"}
    assert len(out["league"]) == 12
    assert out["league_orientation"].startswith("treatment (row) versus comparator")
    assert {"max_rhat", "min_ess_bulk", "divergences", "status"} <= set(out["diagnostics"])
    assert "p_meaningful" in out["league"][0]
    assert out["priors"]["tau"]["family"] == "half-normal"


def test_log_link_inputs() -> None:
    """The log-link model's bookkeeping (no sampling): each study's row of ``arm_matrix`` lists
    the indices of its arms' deltas in ``[0, delta]`` (0 = the baseline arm), padded with the
    index of the -1e3 sentinel."""
    from reanalyse.nma import model_inputs

    df = pd.DataFrame({"study": ["a", "a", "c", "c", "c"], "treatment": ["P", "X", "P", "X", "Y"],
                       "events": [2, 3, 1, 1, 2], "total": [10, 10, 9, 9, 9]})
    net = build_network(load_table(df), measure="RR", reference="P")
    inp = model_inputs(net, NMASpec(effect_prior=load_prior("normal:0,10", role="effect",
                                                             scale="logRR"),
                                    trt_effects="fixed"))
    assert inp.likelihood == "binomial_log"
    # contrasts: a: X vs P (delta index 1); c: X vs P (2), Y vs P (3); sentinel = 3 + 1 = 4
    assert inp.data["arm_matrix"].tolist() == [[0, 1, 4], [0, 2, 3]]


@pytest.mark.slow
def test_log_link_risk_ratio_matches_large_sample_estimate() -> None:
    """Arm-level binomial with log link (RR), fixed effects, large arms: the posterior of log RR
    agrees with the inverse-variance estimate on log RR (netmeta-style) up to k * MCSE plus
    0.01 for the large-sample approximation (its error is O(1/n), n >= 300 per arm)."""
    df = pd.DataFrame({"study": ["a", "a", "b", "b", "c", "c", "c"],
                       "treatment": ["P", "X", "P", "X", "P", "X", "Y"],
                       "events": [200, 300, 50, 90, 120, 150, 60],
                       "total": [1000, 1000, 400, 410, 600, 590, 300]})
    net = build_network(load_table(df), measure="RR", reference="P")
    freq = frequentist_nma(net).effects("common").set_index("treatment")
    spec = NMASpec(effect_prior=load_prior("normal:0,100", role="effect", scale="logRR"),
                   trt_effects="fixed")
    fit = fit_nma(net, spec=spec, higher_is_better=False, random_seed=8, settings=SMALL)
    assert fit.diagnostics.ok, fit.diagnostics.messages
    assert fit.inputs.likelihood == "binomial_log"
    for t in ("X", "Y"):
        x = fit.posterior["d"].sel(treatment=t)
        assert_close_to_published(x, float(freq.loc[t, "te"]), stat="mean", decimals=12,
                                  extra=0.01)
        assert_close_to_published(x, float(freq.loc[t, "se"]), stat="sd", decimals=12,
                                  extra=0.01)
    # every arm's fitted risk is a probability
    mu = fit.posterior["mu"].to_numpy()
    assert (mu < 0).all()


# ---------------------------------------------------------------------------------------------
# Bayesian NMA with near-flat effect priors and tau fixed = frequentist random-effects NMA
# ---------------------------------------------------------------------------------------------
def test_fixed_tau_flat_priors_agree_with_frequentist() -> None:
    """With tau fixed at netmeta's DL estimate and d ~ N(0, 1000^2), the posterior of d is normal
    with the frequentist random-effects estimate as mean and its SE as SD (same covariance
    V + tau^2 C); tolerance k * MCSE (the prior's pull is below 1e-6)."""
    net = build_network(load_table(senn2013_frame()), measure="MD", reference="plac")
    freq = frequentist_nma(net)
    spec = NMASpec(effect_prior=load_prior("normal:0,1000", role="effect", scale="MD"),
                   tau_fixed=freq.tau)
    fit = fit_nma(net, spec=spec, higher_is_better=False, random_seed=2013, settings=LONG)
    assert fit.diagnostics.ok, fit.diagnostics.messages
    eff = freq.effects("random").set_index("treatment")
    for t in net.treatments[1:]:
        x = fit.posterior["d"].sel(treatment=t)
        assert_close_to_published(x, float(eff.loc[t, "te"]), stat="mean", decimals=12)
        assert_close_to_published(x, float(eff.loc[t, "se"]), stat="sd", decimals=12)
    np.testing.assert_allclose(fit.posterior["tau"], freq.tau, rtol=1e-12)


def test_fixed_tau_model_likelihood_is_the_frequentist_posterior_exactly() -> None:
    """No sampling: the Gaussian posterior of d implied by the model's own data (the conditional
    factorisation R, sigma of each study's covariance, the random-effects correlation A, tau
    fixed, prior N(0, 1000^2)) has the frequentist random-effects estimates as mean and their
    SEs as SDs, so a miss of the sampled check above is Monte Carlo error, not the model."""
    from reanalyse.nma import model_inputs

    net = build_network(load_table(senn2013_frame()), measure="MD", reference="plac")
    freq = frequentist_nma(net)
    spec = NMASpec(effect_prior=load_prior("normal:0,1000", role="effect", scale="MD"),
                   tau_fixed=freq.tau)
    data = model_inputs(net, spec).data
    m = len(data["y"])
    # y - theta = e with (I + R) e = diag(sigma) eps, eps ~ N(0, I)
    chol = np.linalg.solve(np.eye(m) + data["R"], np.diag(data["sigma"]))
    h = data["obs_delta_onehot"]
    cov = chol @ chol.T + freq.tau**2 * h @ data["A"] @ data["A"].T @ h.T
    x = h @ data["X"]
    prec = x.T @ np.linalg.solve(cov, x) + np.eye(x.shape[1]) / 1000.0**2
    post_cov = np.linalg.inv(prec)
    post_mean = post_cov @ x.T @ np.linalg.solve(cov, data["y"])
    eff = freq.effects("random").set_index("treatment").loc[list(net.treatments[1:])]
    np.testing.assert_allclose(post_mean, eff["te"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(post_cov)), eff["se"], rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Summaries on known draws (no sampling)
# ---------------------------------------------------------------------------------------------
def _fake_fit(draws: np.ndarray, treatments: tuple[str, ...], higher: bool) -> NMAFit:
    from reanalyse.nma import model_inputs
    from reanalyse.sampling import Diagnostics

    frame = pd.DataFrame({"study": ["s", "s", "s"], "treatment": list(treatments),
                          "events": [1, 2, 3], "total": [10, 10, 10]})
    net = build_network(load_table(frame), measure="OR", reference=treatments[0])
    spec = NMASpec(effect_prior=load_prior("normal:0,10", role="effect", scale="logOR"),
                   trt_effects="fixed")
    post = xr.Dataset({"d": (("chain", "draw", "treatment"), draws[None])},
                      coords={"treatment": list(treatments[1:])})
    dt = xr.DataTree.from_dict({"posterior": post})
    diag = Diagnostics(max_rhat=1.0, min_ess_bulk=1e4, min_ess_tail=1e4, divergences=0,
                       status="ok")
    return NMAFit(dt=dt, network=net, spec=spec, inputs=model_inputs(net, spec),
                  higher_is_better=higher, diagnostics=diag)


def test_ranks_sucra_and_benefit_on_known_draws() -> None:
    # four draws of (d_B, d_C) against A: ranks worked by hand
    draws = np.array([[1.0, 2.0], [1.0, -1.0], [-1.0, 0.5], [0.5, 1.0]])
    fit = _fake_fit(draws, ("A", "B", "C"), higher=True)
    # higher is better: draw 1 C>B>A, draw 2 B>A>C, draw 3 C>A>B, draw 4 C>B>A
    rp = fit.rank_probabilities()
    assert rp.loc["C"].tolist() == [0.75, 0.0, 0.25]
    assert rp.loc["B"].tolist() == [0.25, 0.5, 0.25]
    assert rp.loc["A"].tolist() == [0.0, 0.5, 0.5]
    # SUCRA = mean of cumulative probabilities over ranks 1..n-1: C (0.75 + 0.75) / 2 = 0.75
    assert fit.sucra()["C"] == pytest.approx(0.75)
    assert fit.sucra()["A"] == pytest.approx(0.25)
    # thresholds are on the natural scale: OR exp(0.75) is log OR 0.75
    rel = fit.relative_effects(threshold=float(np.exp(0.75))).set_index("treatment")
    assert rel.loc["B", "p_benefit"] == 0.75  # d_B > 0 in 3 of 4 draws
    assert rel.loc["B", "p_meaningful"] == 0.5  # d_B > 0.75 in 2 of 4 draws
    # lower is better: draw 1 A<B<C, draw 2 C<A<B, draw 3 B<A<C, draw 4 A<B<C, so C is best
    # once (draw 2) and worst three times
    low = _fake_fit(draws, ("A", "B", "C"), higher=False)
    assert low.rank_probabilities().loc["C"].tolist() == [0.25, 0.0, 0.75]
    assert low.relative_effects().set_index("treatment").loc["B", "p_benefit"] == 0.25
    bp = fit.benefit_probabilities(treatments=["B", "C"],
                                thresholds={"big": float(np.exp(0.75))})
    assert list(zip(bp["treatment"], bp["comparator"], strict=True)) == [
        ("B", "A"), ("C", "A"), ("B", "C"), ("C", "B")]
    row = bp.set_index(["treatment", "comparator"]).loc[("B", "C")]
    # d_B - d_C over the draws: -1, 2, -1.5, -0.5 -> P(> 0) = 1/4, P(> 0.75) = 1/4
    assert row["p_benefit"] == 0.25 and row["p_big"] == 0.25
    m = fit.league_matrix()
    assert m.attrs["orientation"] == "row versus column" and m.loc["A", "A"] == "A"


# ---------------------------------------------------------------------------------------------
# Slow: further reproductions and models
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_treatment_network_equals_pairwise_model() -> None:
    """Two treatments: the NMA is the pairwise random-effects model. With tau fixed at the DL
    value and a near-flat prior the posterior of d is N(DL estimate, DL SE^2) of
    reanalyse.pooling."""
    from reanalyse.effects import EffectTable
    from reanalyse.pooling import pool_effects

    sub = senn2013_frame()
    sub = sub[(sub["treatment"] == "rosi") & (sub["comparator"] == "plac")]
    eff = EffectTable.from_estimates(study=sub["study"], te=sub["estimate"], se=sub["se"],
                                     measure="MD")
    dl = pool_effects(eff, measure="MD", method="IV", model="random", tau2_method="DL")
    net = build_network(load_table(sub), measure="MD", reference="plac")
    spec = NMASpec(effect_prior=load_prior("normal:0,1000", role="effect", scale="MD"),
                   tau_fixed=float(np.sqrt(dl.tau2)))
    fit = fit_nma(net, spec=spec, higher_is_better=False, random_seed=5, settings=LARGE)
    x = fit.posterior["d"].sel(treatment="rosi")
    assert_close_to_published(x, dl.te, stat="mean", decimals=12)
    assert_close_to_published(x, dl.se, stat="sd", decimals=12)

    # with a tau prior: the same posterior as the pairwise normal-normal model of
    # reanalyse.models (same priors), within k * sqrt(MCSE_1^2 + MCSE_2^2)
    from reanalyse.models import ContrastData, NormalNormal

    tau_prior = load_prior("half-normal:1", role="tau", scale="MD")
    effect_prior = load_prior("normal:0,10", role="effect", scale="MD")
    nma = fit_nma(net, spec=NMASpec(effect_prior=effect_prior, tau_prior=tau_prior),
                  higher_is_better=False, random_seed=6, settings=LARGE)
    pair = NormalNormal(tau_prior=tau_prior, effect_prior=effect_prior).fit(
        ContrastData(y=sub["estimate"], se=sub["se"], study=list(sub["study"]), measure="MD"),
        settings=LARGE, random_seed=7)
    for name, a, b in (("effect", nma.posterior["d"].sel(treatment="rosi"), pair.draws("mu")),
                       ("tau", nma.posterior["tau"], pair.draws("tau"))):
        for stat in ("mean", "sd", "median"):
            va, ma = _stat(a, stat)
            vb, mb = _stat(b, stat)
            assert abs(va - vb) <= K * np.hypot(ma, mb), (name, stat, va, vb)


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["arm", "contrast"])
def test_parkinsons_random_effects_reproduces_tsd2(layout: str) -> None:
    frame = parkinsons_arm_frame()
    if layout == "contrast":
        rows = []
        for study, g in frame.groupby("study", sort=False):
            base = g.iloc[0]
            for _, r in g.iloc[1:].iterrows():
                # TSD2 / multinma: diff = y - y_1, se_diff = sqrt(se^2 + se_1^2), with the arm
                # SEs; a three-arm study also needs the pair between its non-baseline arms
                rows.append({"study": study, "treatment": r["treatment"],
                             "comparator": base["treatment"], "estimate": r["mean"] - base["mean"],
                             "se": np.hypot(r["sd"] / np.sqrt(r["n"]),
                                            base["sd"] / np.sqrt(base["n"]))})
            if len(g) == 3:
                b, c = g.iloc[1], g.iloc[2]
                rows.append({"study": study, "treatment": c["treatment"],
                             "comparator": b["treatment"], "estimate": c["mean"] - b["mean"],
                             "se": np.hypot(c["sd"] / np.sqrt(c["n"]),
                                            b["sd"] / np.sqrt(b["n"]))})
        frame = pd.DataFrame(rows)
    net = build_network(load_table(frame), measure="MD", reference="1")
    spec = NMASpec(effect_prior=load_prior("normal:0,100", role="effect", scale="MD"),
                   tau_prior=load_prior("half-normal:5", role="tau", scale="MD"))
    fit = fit_nma(net, spec=spec, higher_is_better=False, random_seed=11, settings=LARGE)
    for trt, (mean, sd, median, lo, hi) in PARKINSONS_TSD_RE.items():
        x = fit.posterior["d"].sel(treatment=trt)
        assert_close_to_published(x, mean, stat="mean")
        assert_close_to_published(x, median, stat="median")
        assert_close_to_published(x, sd, stat="sd")
    tau = fit.posterior["tau"]
    assert_close_to_published(tau, PARKINSONS_TSD_TAU[2], stat="median")
    assert_close_to_published(tau, PARKINSONS_TSD_TAU[4], stat="q975", decimals=2)


@pytest.mark.slow
def test_parkinsons_fixed_effect_reproduces_tsd2() -> None:
    net = build_network(load_table(parkinsons_arm_frame()), measure="MD", reference="1")
    spec = NMASpec(effect_prior=load_prior("normal:0,10", role="effect", scale="MD"),
                   trt_effects="fixed")
    fit = fit_nma(net, spec=spec, higher_is_better=False, random_seed=12, settings=LARGE)
    for trt, (mean, sd, median, lo, hi) in PARKINSONS_TSD_FE.items():
        x = fit.posterior["d"].sel(treatment=trt)
        for stat, pub in (("mean", mean), ("sd", sd), ("median", median), ("q025", lo),
                          ("q975", hi)):
            assert_close_to_published(x, pub, stat=stat)


def test_consistency_cannot_be_checked_without_independent_loops() -> None:
    """The IIM withdrawals network: its loops lie inside one four-arm trial, so nothing is fitted
    and the report says so."""
    from reanalyse.nma import check_consistency
    from reanalyse.nma.spec import load_nma_analysis

    a = load_nma_analysis(IIM / "analyses" / "nma" / "withdrawals.toml")
    rep = check_consistency(a.network(), spec=a.nma_spec(), higher_is_better=False,
                            random_seed=1)
    assert not rep.checkable and rep.models is None and rep.nodesplits is None and not rep.fits
    assert "cannot be checked" in rep.statement


@pytest.mark.slow
def test_smoking_ume_and_nodesplit(smoking_net) -> None:  # type: ignore[no-untyped-def]
    """UME: TSD4's DIC of the RE UME model (resdev 53.4, pD 46.1, DIC 99.5; multinma's test file,
    tests/nma_reference_data.py) within 1.5 (Monte Carlo error of DIC at these settings);
    node-splitting: one row per splittable comparison, omega = direct - indirect."""
    from reanalyse.nma import check_consistency

    rep = check_consistency(smoking_net, spec=NMASpec(**SMOKING_SPEC), higher_is_better=True,
                            random_seed=3, settings=LARGE)
    assert rep.checkable and rep.models is not None and rep.nodesplits is not None
    ume = rep.models.set_index("model").loc["ume"]
    assert ume["resdev"] == pytest.approx(53.4, abs=1.5)
    assert ume["dic"] == pytest.approx(99.5, abs=1.5)
    assert np.isfinite(rep.models["elpd_loo"]).all()
    ns = rep.nodesplits
    assert len(ns) == 6
    np.testing.assert_allclose(ns["omega_mean"], ns["direct_mean"] - ns["indirect_mean"],
                               atol=1e-9)
    assert ((ns["p_bayes"] >= 0) & (ns["p_bayes"] <= 1)).all()


@pytest.mark.slow
def test_iim_withdrawals_networks_fit() -> None:
    from reanalyse.nma.spec import load_nma_analysis

    a = load_nma_analysis(IIM / "analyses" / "nma" / "withdrawals.toml")
    for scenario in ("sourced", "reconstruction"):
        net = a.network(scenario=scenario)
        fit = fit_nma(net, spec=a.nma_spec(), higher_is_better=a.higher_is_better,
                      random_seed=2023, settings=LARGE)
        assert fit.diagnostics.ok, fit.diagnostics.messages
        rel = fit.relative_effects(threshold=a.thresholds[0].value)
        assert {"IVIg", "methotrexate"} <= set(rel["treatment"])
        lg = fit.league().set_index(["treatment", "comparator"])
        assert ("IVIg", "methotrexate") in lg.index


def test_nma_cli_default_priors_are_the_pipelines() -> None:
    """Without --tau-prior/--effect-prior, ``reanalyse nma`` uses the headline defaults of the
    packaged bayes.toml, as the pipeline does (it had its own, different table)."""
    import tomllib

    from reanalyse.cli.nma import default_priors
    from tests.conftest import PACKAGED_DEFAULTS

    table = tomllib.loads((PACKAGED_DEFAULTS / "bayes.toml").read_text())["scale"]
    for scale in ("logOR", "logRR", "SMD", "RD"):
        assert default_priors(scale) == (table[scale]["default_tau"],
                                         table[scale]["default_effect"])
    # issue 14: the default log-OR effect prior is Günhan et al. 2020's N(0, 2.82^2)
    assert table["logOR"]["default_effect"] == "gunhan2020-wip-logor"
    # an MD network has no unit-information SD: no default tau prior, say so
    assert default_priors("MD") == (None, table["MD"]["default_effect"])


def test_nma_cli_default_priors_follow_the_projects_own_defaults(tmp_path) -> None:
    """A project's analyses/defaults/bayes.toml overrides the packaged defaults for the CLI as
    it does for the pipeline."""
    import argparse

    from reanalyse.cli.nma import default_priors
    from reanalyse.cli.options import project_of
    from tests.conftest import PACKAGED_DEFAULTS

    (tmp_path / "reanalyse.toml").write_text("[project]\nname = 'review'\n")
    own = tmp_path / "analyses" / "defaults"
    own.mkdir(parents=True)
    text = (PACKAGED_DEFAULTS / "bayes.toml").read_text()
    marker = '[scale.logOR]\ndefault_tau = "half-normal-0.5"\n'
    assert marker in text
    (own / "bayes.toml").write_text(text.replace(
        marker, '[scale.logOR]\ndefault_tau = "half-normal-1.0"\n'))
    data = tmp_path / "data" / "trials.csv"
    data.parent.mkdir()
    data.write_text("study,treatment,events,total\n")
    root = project_of(argparse.Namespace(data=str(data)))
    assert root == tmp_path.resolve()
    assert default_priors("logOR", root=root)[0] == "half-normal-1.0"
    assert default_priors("logOR")[0] == "half-normal-0.5"
    # reanalyse.toml's [defaults.bayes] overrides key by key, over the project's own file
    (tmp_path / "reanalyse.toml").write_text(
        "[project]\nname = 'review'\n[defaults.bayes.scale.logOR]\n"
        'default_tau = "half-normal-2.0"\n')
    assert default_priors("logOR", root=root)[0] == "half-normal-2.0"
