"""reanalyse.bayesian and ``reanalyse bayes``: the exact engine against MCMC (acceptance), no
silent divergences on the IIM analyses, the CLI's JSON contract and its errors."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import arviz_stats
import numpy as np
import pytest
import xarray as xr

from reanalyse.analyses import load_analyses
from reanalyse.bayesian import analysis_data, bayes_analysis
from reanalyse.cli import main
from reanalyse.exact import fit_exact
from reanalyse.models import ContrastData, NormalNormal
from reanalyse.priors import load_prior, registry
from reanalyse.results import FitResult
from tests.conftest import IIM as PROJECT

SEED = 20260611
K_MCSE = 3.0  # acceptance: within 3 Monte Carlo standard errors
REPO = Path(__file__).resolve().parents[1]
OUTCOMES = PROJECT / "data" / "iim2023" / "outcomes.csv"
ACR = ["--outcome", "acr_eular_response", "--timepoint", "week 16", "--treatment", "IVIg",
       "--control", "placebo"]


def _mcse(da: xr.DataArray, method: str, prob: float | None = None) -> float:
    kw = {"prob": prob} if prob is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(arviz_stats.mcse(da.to_dataset(name="x"), sample_dims=["chain", "draw"],
                                      method=method, **kw)["x"])


def tau_tail_index(tau_prior, *, k: int, mu_flat: bool) -> float:
    """alpha such that E[tau^r | y] is finite exactly for r < alpha.

    The prior's tail (half-Cauchy 1, inverse-gamma its shape, log-t 0 as no power moment of
    exp(t) exists, the others unbounded) times the marginal likelihood's, which decays like
    tau^-k under a normal prior on mu and tau^-(k-1) under a flat one.
    """
    prior = {"half-cauchy": 1.0, "log-t": 0.0}.get(tau_prior.family, math.inf)
    if tau_prior.family == "inverse-gamma":
        prior = tau_prior.params_on_tau["shape"]
    return prior + (k - 1 if mu_flat else k) if prior > 0 else 0.0


#: Posterior means are compared only when tau (hence mu) has a finite 4th posterior moment: the
#: MCSE of a mean is estimated from the sample variance, which is itself unreliable otherwise
#: (measured: inverse-gamma(1.44, 0.15) with k = 1 has a finite variance, yet the sample mean
#: sits 3-4 "MCSE" below the exact one in every seed).
MOMENTS_FOR_MEAN = 4.0


def agreement_problems(fit: FitResult, exact, *, compare_means: bool = True,
                       k: float = K_MCSE) -> list[str]:
    """Where MCMC and the exact posterior differ by more than k MCSE (mean, 2.5%, 97.5%)."""
    problems = []
    for var in ("mu", "tau"):
        da = fit.dt["posterior"][var]
        flat = da.values.ravel()
        if compare_means and math.isfinite(exact.sd(var)):
            err, tol = abs(flat.mean() - exact.mean(var)), k * _mcse(da, "mean")
            if err > tol:
                problems.append(f"{var} mean {flat.mean():.4g} vs {exact.mean(var):.4g} "
                                f"(|diff| {err:.3g} > {tol:.3g})")
        for q in (0.025, 0.975):
            got, want = float(np.quantile(flat, q)), float(exact.quantile(var, q))
            tol = k * _mcse(da, "quantile", q)
            if abs(got - want) > tol:
                problems.append(f"{var} q{q} {got:.4g} vs {want:.4g} "
                                f"(|diff| {abs(got - want):.3g} > {tol:.3g})")
    return problems


def exact_for(data: ContrastData, tau_prior, effect_prior):
    normal = effect_prior.family == "normal"
    return fit_exact(y=data.y, se=data.se, tau_prior=tau_prior,
                     mu_prior_mean=effect_prior.params["mean"] if normal else 0.0,
                     mu_prior_sd=effect_prior.params["sd"] if normal else None,
                     labels=data.study)


def check_against_exact(data: ContrastData, tau_spec: str, effect_spec: str, *,
                        seed: int = SEED) -> FitResult:
    """MCMC within 3 MCSE of the exact posterior (mean, 2.5% and 97.5% of mu and tau).

    Each check fails by chance with probability ~0.27% (two-sided 3 MCSE; calibration measured:
    z-scores of the quantiles over 20 seeds have SD 0.8-1.1), and the full grid makes ~300 of
    them. A case that fails is therefore refitted once with the next seed and must pass then: a
    chance failure repeats with probability ~1e-5, a real disagreement every time.
    """
    tau = load_prior(tau_spec, role="tau", scale=data.scale)
    effect = load_prior(effect_spec, role="effect", scale=data.scale)
    exact = exact_for(data, tau, effect)
    if not all(abs(exact.quantile("mu", q)) < 1e6 for q in (0.025, 0.975)):
        pytest.xfail("exact engine: mu quantiles of +-2.5e91 (log-t tau prior, flat mu prior, "
                     "k = 1); MCMC matches an independent quadrature. Reported.")
    means = tau_tail_index(tau, k=data.k, mu_flat=effect.family == "flat") > MOMENTS_FOR_MEAN
    model = NormalNormal(tau_prior=tau, effect_prior=effect)
    tries = []
    for s in (seed, seed + 1):
        fit = model.fit(data, random_seed=s)
        assert fit.status == "ok", fit.diagnostics
        problems = agreement_problems(fit, exact, compare_means=means)
        if not problems:
            return fit
        tries.append((s, problems))
    raise AssertionError(f"MCMC and exact differ beyond {K_MCSE} MCSE in both runs: {tries}")


# --------------------------------------------------------------------------- synthetic data
def synthetic(k: int, *, seed: int) -> ContrastData:
    rng = np.random.default_rng(seed)
    se = rng.uniform(0.15, 0.6, size=k)
    theta = -0.3 + 0.25 * rng.standard_normal(k)
    return ContrastData(y=theta + se * rng.standard_normal(k), se=se, measure="OR",
                        study=[f"S{i + 1:02d}" for i in range(k)])


#: k -> (tau prior, effect prior): every tau family of the registry appears once or more.
SYNTHETIC_CASES = {
    1: ("half-normal-0.5", "vague-logor"),
    2: ("turner2015-marginal", "flat"),
    3: ("half-cauchy-0.5", "vague-logor"),
    10: ("uniform-0-2", "flat"),
    30: ("bartos-logor-all-tau", "vague-logor"),
}


@pytest.mark.parametrize("k", sorted(SYNTHETIC_CASES))
def test_exact_and_mcmc_agree_on_synthetic_data(k: int) -> None:
    tau_spec, effect_spec = SYNTHETIC_CASES[k]
    check_against_exact(synthetic(k, seed=100 + k), tau_spec, effect_spec)


# --------------------------------------------------------------------------- IIM analyses
def _iim() -> list[tuple[str, ContrastData]]:
    out = []
    for spec in load_analyses(root=PROJECT):
        data = analysis_data(spec, scenario="sourced", root=PROJECT)
        if data is not None:
            out.append((spec.id, data))
    return out


IIM = _iim()
#: Prior pairs per analysis scale for the exact-vs-MCMC comparison (MD: inline, in points).
IIM_PRIORS = {
    "logRR": [("half-normal-0.5", "flat"), ("bartos-logrr-neuromuscular-tau", "normal:0,10")],
    "SMD": [("half-normal-0.5", "vague-smd"), ("rhodes2015-marginal", "flat")],
    "MD": [("half-normal:5", "flat"), ("half-cauchy:2", "normal:0,50")],
}
LEAN = {"ivig_acr_eular_response", "mtx_withdrawals", "ivig_disability", "ivig_cdasi_activity"}


def test_the_iim_analyses_are_all_there() -> None:
    ids = {i for i, _ in IIM}
    assert LEAN <= ids and len(IIM) >= 20
    assert {d.scale for _, d in IIM} == {"logRR", "SMD", "MD"}


@pytest.mark.parametrize("analysis", sorted(LEAN))
def test_exact_and_mcmc_agree_on_iim_analyses_lean(analysis: str) -> None:
    data = dict(IIM)[analysis]
    tau_spec, effect_spec = IIM_PRIORS[data.scale][0]
    check_against_exact(data, tau_spec, effect_spec)


@pytest.mark.slow
@pytest.mark.parametrize("analysis", [i for i, _ in IIM])
def test_exact_and_mcmc_agree_on_every_iim_analysis(analysis: str) -> None:
    data = dict(IIM)[analysis]
    for tau_spec, effect_spec in IIM_PRIORS[data.scale]:
        check_against_exact(data, tau_spec, effect_spec)


def _registry_tau_priors(scale: str) -> list[str]:
    return [p.id for p in registry().values() if p.role == "tau" and scale in p.scale]


VAGUE = {"logRR": "vague-normal-10", "SMD": "vague-smd", "logOR": "vague-logor"}


def _no_silent_divergences(analyses: list[tuple[str, ContrastData]]) -> list[str]:
    flagged = []
    for name, data in analyses:
        effect = load_prior(VAGUE[data.scale], role="effect", scale=data.scale)
        for tau_id in _registry_tau_priors(data.scale):
            tau = load_prior(tau_id, role="tau", scale=data.scale)
            fit = NormalNormal(tau_prior=tau, effect_prior=effect).fit(data, random_seed=SEED)
            diag = fit.diagnostics
            # never passed silently: a run with divergences is flagged, and says why
            if diag["divergences"] > 0 or diag["status"] != "ok":
                assert diag["status"] == "flagged"
                assert any("divergent" in m or "ESS" in m or "R-hat" in m
                           for m in diag["messages"])
                flagged.append(f"{name}/{tau_id}: {diag['messages']}")
            assert diag["attempts"][0]["target_accept"] == 0.9
    return flagged


def test_no_silent_divergences_lean() -> None:
    """Every registry tau prior for the scale, on one RR and one SMD analysis."""
    pick = [(i, d) for i, d in IIM if i in ("mtx_withdrawals", "ivig_disability")]
    flagged = _no_silent_divergences(pick)
    assert not flagged, flagged  # measured: all pass with the default settings


@pytest.mark.slow
def test_no_silent_divergences_on_every_iim_analysis() -> None:
    """Every IIM analysis (sourced) under every registry tau prior for its scale (MD analyses
    have no registry tau prior for their units)."""
    flagged = _no_silent_divergences([(i, d) for i, d in IIM if d.scale in VAGUE])
    assert not flagged, flagged


# --------------------------------------------------------------------------- the function
def test_bayes_analysis_exact_matches_fit_exact() -> None:
    res = bayes_analysis(OUTCOMES, measure="RR", treatment="IVIg", control="placebo",
                         outcome="acr_eular_response", timepoint="week 16",
                         tau_prior="half-normal-0.5", effect_prior="flat", engine="exact",
                         thresholds=[1.25])
    d = res.to_dict()
    post = fit_exact(y=[math.log((37 / 47) / (21 / 48))],
                     se=[math.sqrt(1 / 37 - 1 / 47 + 1 / 21 - 1 / 48)],
                     tau_prior=load_prior("half-normal-0.5", role="tau", scale="logRR"))
    assert d["mu"]["median"] == pytest.approx(post.quantile("mu", 0.5), rel=1e-9)
    assert d["p_greater"]["1.25"] == pytest.approx(
        post.p_greater("mu", math.log(1.25)), rel=1e-9)
    assert d["engine"] == "exact" and d["studies"] == ["ProDERM 2022"]
    assert d["ratio"]["mu"]["median"] == pytest.approx(math.exp(d["mu"]["median"]))


def test_bayes_analysis_refuses_what_it_cannot_do() -> None:
    kw = {"measure": "RR", "treatment": "IVIg", "control": "placebo", "outcome": "acr_eular_response",
              "timepoint": "week 16"}
    with pytest.raises(ValueError, match="random_seed"):
        bayes_analysis(OUTCOMES, tau_prior="half-normal-0.5", effect_prior="flat", **kw)
    with pytest.raises(ValueError, match="exact engine"):
        bayes_analysis(OUTCOMES, tau_prior="half-normal-0.5", effect_prior="flat",
                       model="binomial", engine="exact", **kw)


def test_exact_engine_integrates_a_student_t_effect_prior() -> None:
    # bartos-logrr-all-effect is t(location 0, scale 0.32, df 3): the exact posterior is the t
    # prior's (brute-force 2-D integration), not refused and not a normal stand-in (issue 13)
    from tests.test_exact_tprior import BruteForce, t_logpdf

    res = bayes_analysis(OUTCOMES, measure="RR", treatment="IVIg", control="placebo",
                         outcome="acr_eular_response", timepoint="week 16",
                         tau_prior="half-normal-0.5", effect_prior="bartos-logrr-all-effect",
                         engine="exact")
    post = res.exact
    assert post is not None and post.mu_prior_df == 3.0
    brute = BruteForce(post.y, post.se, lambda mu: t_logpdf(mu, 0.0, 0.32, 3.0), 0.5)
    assert post.p_greater("mu", 0.0) == pytest.approx(1.0 - brute.mu_cdf(0.0), abs=2e-8)
    assert res.bayes_factors is not None
    assert res.bayes_factors.bf01_mu0 == pytest.approx(
        brute.likelihood_given_mu(0.0) / brute.norm, rel=1e-8)


# --------------------------------------------------------------------------- the CLI
def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["bayes", str(OUTCOMES), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exact_json(capsys) -> None:
    code, out, _ = _run(capsys, "--measure", "RR", *ACR, "--tau-prior", "half-normal-0.5",
                        "--effect-prior", "normal:0,10", "--engine", "exact",
                        "--threshold", "1.25", "--threshold", "0.8", "--json")
    assert code == 0
    d = json.loads(out)
    for name in ("mu", "tau", "theta_new"):
        assert set(d[name]) == {"mean", "median", "sd", "q025", "q975"}
    assert set(d["theta"]) == {"ProDERM 2022"}
    assert set(d["p_greater"]) == {"1.25", "0.8"} == set(d["p_less"])
    assert d["p_greater"]["1.25"] + d["p_less"]["1.25"] == pytest.approx(1.0)
    assert set(d["diagnostics"]) >= {"max_rhat", "min_ess_bulk", "min_ess_tail",
                                     "divergences", "status"}
    assert d["engine"] == "exact" and d["scale"] == "logRR"
    assert d["priors"]["tau"]["id"] == "half-normal-0.5"
    assert d["priors"]["effect"]["params"] == {"mean": 0.0, "sd": 10.0}
    # Bayes factors: one study says nothing about tau (p(y | tau) is nearly flat, BF01 ~ 1);
    # the minimum factor for mu = 0 is below the actual one, which the vague prior inflates
    bf = d["bayes_factors"]
    assert bf["bf01_tau0"] == pytest.approx(1.0, abs=0.01)
    assert 0 < bf["min_bf01_mu0"] < bf["bf01_mu0"]


def test_cli_mcmc_json_and_saved_datatree(capsys, tmp_path: Path) -> None:
    saved = tmp_path / "fit.nc"
    code, out, _ = _run(capsys, "--measure", "RR", *ACR, "--tau-prior", "half-normal-0.5",
                        "--effect-prior", "normal:0,10", "--threshold", "0.223", "--seed", "7",
                        "--save", str(saved), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["engine"] == "mcmc" and d["model"] == "normal"
    diag = d["diagnostics"]
    assert diag["status"] == "ok" and diag["divergences"] == 0
    assert diag["max_rhat"] <= 1.01 and diag["min_ess_bulk"] >= 400
    fit = FitResult.from_netcdf(saved)
    assert fit.attrs["random_seed"] == 7
    assert float(fit.dt["posterior"]["mu"].median()) == pytest.approx(d["mu"]["median"])
    # the exact engine on the same data and priors, within 3 MCSE
    exact = bayes_analysis(OUTCOMES, measure="RR", treatment="IVIg", control="placebo",
                           outcome="acr_eular_response", timepoint="week 16",
                           tau_prior="half-normal-0.5", effect_prior="normal:0,10",
                           engine="exact").exact
    assert not agreement_problems(fit, exact)


def test_cli_text_and_fixed_effect(capsys) -> None:
    code, out, _ = _run(capsys, "--measure", "RR", *ACR, "--model", "fixed",
                        "--effect-prior", "flat", "--engine", "exact", "--threshold", "1")
    assert code == 0
    assert "RR, fixed model, exact engine; 1 study" in out
    assert "pooled RR" in out and "P(effect > 1 (0 on the log scale))" in out


def test_cli_skeptical_prior_is_centred_by_the_threshold(capsys) -> None:
    code, out, _ = _run(capsys, "--measure", "RR", *ACR, "--tau-prior", "half-normal-0.5",
                        "--effect-prior", "skeptical", "--engine", "exact", "--threshold",
                        str(math.exp(0.223)), "--json")
    assert code == 0
    params = json.loads(out)["priors"]["effect"]["params"]
    assert params["mean"] == 0.0 and params["sd"] == pytest.approx(0.223 / 1.6448536, rel=1e-6)


@pytest.mark.parametrize("args, message", [
    (["--tau-prior", "half-normal-0.25", "--effect-prior", "flat"], "built for SMD"),
    (["--effect-prior", "flat", "--model", "fixed", "--likelihood", "binomial"],
     "random effects only"),
    (["--tau-prior", "half-normal-0.5", "--effect-prior", "skeptical"], "threshold"),
    (["--tau-prior", "half-normal-0.5", "--effect-prior", "flat", "--likelihood", "binomial",
      "--engine", "exact"], "exact engine computes the normal-normal model only"),
    (["--tau-prior", "no-such-prior", "--effect-prior", "flat"], "no registry prior"),
])
def test_cli_errors(capsys, args: list[str], message: str) -> None:
    code, _, err = _run(capsys, "--measure", "RR", *ACR, "--engine", "exact", *args)
    assert code == 2
    assert message in err


def test_cli_tau_prior_defaults_to_the_packaged_headline_prior(capsys) -> None:
    """Without --tau-prior: the packaged defaults' headline tau prior of the scale (bayes.toml,
    logRR: half-normal-0.5), named on stderr; the same posterior as with it written out."""
    code, out, err = _run(capsys, "--measure", "RR", *ACR, "--effect-prior", "flat",
                          "--engine", "exact", "--json")
    assert code == 0 and "no --tau-prior: using the default 'half-normal-0.5'" in err
    code, given, _ = _run(capsys, "--measure", "RR", *ACR, "--effect-prior", "flat",
                          "--tau-prior", "half-normal-0.5", "--engine", "exact", "--json")
    assert code == 0
    assert json.loads(out)["mu"] == json.loads(given)["mu"]
    assert json.loads(out)["priors"]["tau"]["id"] == "half-normal-0.5"


def test_cli_scale_override_is_recorded(capsys) -> None:
    code, out, _ = _run(capsys, "--measure", "RR", *ACR, "--tau-prior", "half-normal-0.25",
                        "--effect-prior", "flat", "--engine", "exact",
                        "--allow-scale-mismatch", "--json")
    assert code == 0
    assert json.loads(out)["priors"]["tau"]["scale_override"] is True


@pytest.mark.slow
def test_cli_binomial_models(capsys) -> None:
    for measure in ("RR", "OR"):
        scale = f"log{measure}"
        effect = "normal:0,10"
        code, out, _ = _run(capsys, "--measure", measure, *ACR, "--tau-prior", "half-normal-0.5",
                            "--effect-prior", effect, "--likelihood", "binomial", "--json")
        d = json.loads(out)
        assert code == 0 and d["diagnostics"]["status"] == "ok", d["diagnostics"]
        assert d["model"] == ("binomial-log" if measure == "RR" else "binomial-logit")
        assert d["scale"] == scale
        observed = (37 / 47) / (21 / 48) if measure == "RR" else (37 / 10) / (21 / 27)
        assert abs(d["theta"]["ProDERM 2022"]["median"] - math.log(observed)) < 0.15
