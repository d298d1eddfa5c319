"""The two Bayesian readings (issue 14, items 2, 3 and 6): like-for-like with the review, the
generalisation under an empirical tau prior, the prior-driven reading, and the cited defaults.

Every expected number is a hand calculation from the review's data or a published value: the
like-for-like common-effect posterior under a normal effect prior with a normal likelihood is
normal with precision 1/se^2 + 1/s0^2 and mean (y/se^2) / precision.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reanalyse.analyses import load_analysis
from reanalyse.pipeline.decision import agreement, decision_row
from reanalyse.pipeline.defaults import load_defaults
from reanalyse.pipeline.prepare import prepare_analysis
from reanalyse.pipeline.readings import PRIOR_DRIVEN, power_scaling_exact, reading_of
from reanalyse.priors import load_prior
from tests.conftest import IIM, PACKAGED_DEFAULTS

#: Günhan, Röver & Friede 2020, Res Synth Methods 11:74-90, abstract (p. 74): N(0, 2.82^2)
GUNHAN_SD = 2.82
Z975 = 1.959963984540054  # standard normal 97.5% quantile


def _row(analysis: str) -> dict:
    spec = load_analysis(IIM / "analyses" / f"{analysis}.toml", root=IIM)
    prep = prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS / "bayes.toml"),
                            root=IIM, grid=False)
    published = {"ivig_acr_eular_response": (1.80, 1.26, 2.56),
                 "mtx_jdm_printo_20": (1.40, 1.01, 1.96)}.get(analysis)
    pub = (dict(zip(("estimate", "ci_low", "ci_high"), published, strict=True))
           if published else None)
    return decision_row(prep, published=pub, reproduction_status="reproduced", mcmc=None)


def _common_effect(y: float, se: float, s0: float) -> tuple[float, float, float]:
    """Hand calculation: (median, q025, q975) of the common-effect posterior, natural scale."""
    precision = 1 / se**2 + 1 / s0**2
    mean, sd = (y / se**2) / precision, math.sqrt(1 / precision)
    return math.exp(mean), math.exp(mean - Z975 * sd), math.exp(mean + Z975 * sd)


def test_gunhan_prior_is_the_published_one() -> None:
    # the paper: OR within 1/250 to 250 with 95% probability; exp(1.96 * 2.82) = 251.4
    for scale in ("logOR", "logRR"):
        prior = load_prior(f"gunhan2020-wip-{scale.lower()}", role="effect", scale=scale)
        assert (prior.mean, prior.sd) == (0.0, GUNHAN_SD)
        lo, hi = prior.interval(0.95)
        assert math.exp(hi) == pytest.approx(250, rel=0.01)
        assert math.exp(lo) == pytest.approx(1 / 250, rel=0.01)
    assert load_prior("gunhan2020-wip-logor", role="effect", scale="logOR").status == "published"
    assert load_prior("gunhan2020-wip-logrr", role="effect", scale="logRR").status == "derived"


def test_defaults_name_the_cited_priors() -> None:
    d = load_defaults(PACKAGED_DEFAULTS / "bayes.toml")
    assert d.for_scale("logRR").default_effect == "gunhan2020-wip-logrr"
    assert d.for_scale("logOR").default_effect == "gunhan2020-wip-logor"
    assert d.for_scale("logRR").generalisation == "bartos-logrr-neuromuscular-tau"
    assert d.for_scale("logOR").generalisation == "bartos-logor-neuromuscular-tau"
    # the vague prior stays in the grid
    assert "vague-normal-10" in d.for_scale("logRR").grid_effect


def test_acr_eular_like_for_like_is_the_closed_form_and_agrees() -> None:
    row = _row("ivig_acr_eular_response")
    # ProDERM 2022: 37/47 vs 21/48, the review's MH fixed RR 1.80 (1.26 to 2.56)
    y = math.log((37 / 47) / (21 / 48))
    se = math.sqrt(1 / 37 - 1 / 47 + 1 / 21 - 1 / 48)
    med, lo, hi = _common_effect(y, se, GUNHAN_SD)
    assert row["like_for_like_median"] == pytest.approx(med, rel=1e-6)
    assert row["like_for_like_q025"] == pytest.approx(lo, rel=1e-6)
    assert row["like_for_like_q975"] == pytest.approx(hi, rel=1e-6)
    assert row["like_for_like_model"].startswith("common effect (tau = 0)")
    assert row["like_for_like_reading"] == "benefit" and row["agrees"] is True
    # the generalisation: k = 1, random effects under the Bartoš neuromuscular tau prior, and
    # the predictive interval of a new trial is wider than that of mu
    assert row["random_effects_tau_prior"] == "bartos-logrr-neuromuscular-tau"
    assert row["theta_new_q025"] < row["random_effects_q025"] < lo
    assert row["theta_new_q975"] > row["random_effects_q975"] > hi


def test_printo_like_for_like_is_the_closed_form_and_agrees() -> None:
    row = _row("mtx_jdm_printo_20")
    # Ruperto 2016: 33/46 vs 24/47; the review's RR 1.40 (1.01 to 1.96)
    y = math.log((33 / 46) / (24 / 47))
    se = math.sqrt(1 / 33 - 1 / 46 + 1 / 24 - 1 / 47)
    med, lo, hi = _common_effect(y, se, GUNHAN_SD)
    assert (row["like_for_like_median"], row["like_for_like_q025"],
            row["like_for_like_q975"]) == pytest.approx((med, lo, hi), rel=1e-6)
    assert lo > 1 and row["like_for_like_reading"] == "benefit" and row["agrees"] is True


def test_sparse_events_headline_is_bounded_and_not_harm() -> None:
    row = _row("ivig_discontinuation_adverse_events")
    # ProDERM: 3/52 vs 0/48; RevMan's 0.5 in every cell: 3.5/53 vs 0.5/49
    y = math.log((3.5 / 53) / (0.5 / 49))
    se = math.sqrt(1 / 3.5 - 1 / 53 + 1 / 0.5 - 1 / 49)
    med, lo, hi = _common_effect(y, se, GUNHAN_SD)
    assert (row["like_for_like_median"], row["like_for_like_q025"],
            row["like_for_like_q975"]) == pytest.approx((med, lo, hi), rel=1e-6)
    assert row["like_for_like_q975"] < 1000  # the review's own MH interval reaches 122
    assert row["like_for_like_reading"] not in ("benefit", "harm")
    if row["prior_sensitivity"].startswith(("strong prior", "prior-data conflict")):
        assert row["like_for_like_reading"] == PRIOR_DRIVEN


def test_prior_driven_reading_is_never_benefit_or_harm() -> None:
    flagged = "strong prior / weak likelihood (prior 0.189, likelihood 0.031)"
    assert reading_of(0.999, diagnosis=flagged) == PRIOR_DRIVEN
    assert reading_of(0.001, diagnosis="prior-data conflict (prior 0.06, likelihood 0.1)") \
        == PRIOR_DRIVEN
    assert reading_of(0.999, diagnosis="ok") == "benefit"
    assert reading_of(0.001, diagnosis="ok") == "harm"
    assert agreement("inconclusive", PRIOR_DRIVEN) is True
    assert agreement("benefit", PRIOR_DRIVEN) is False
    assert agreement("unknown", "benefit") == ""


def test_power_scaling_of_the_exact_posterior_flags_a_dominant_prior() -> None:
    from reanalyse.exact import fit_exact
    from reanalyse.pipeline.decision import prior_sensitivity
    from reanalyse.priors import EffectPrior

    # one study with se 10 under N(0, 0.1^2): the prior carries 1e4 times the data's precision
    tight = EffectPrior.normal(0.0, 0.1)
    post = fit_exact(y=[1.0], se=[10.0], tau_fixed=0.0, **tight.exact_mu_prior())
    text = prior_sensitivity(power_scaling_exact(post, tau_prior=None, effect_prior=tight))
    assert text.startswith("strong prior / weak likelihood")
    # se 0.1 under N(0, 100^2): the data carry 1e6 times the prior's precision
    vague = EffectPrior.normal(0.0, 100.0)
    post = fit_exact(y=[1.0], se=[0.1], tau_fixed=0.0, **vague.exact_mu_prior())
    assert prior_sensitivity(power_scaling_exact(post, tau_prior=None,
                                                 effect_prior=vague)) == "ok"


def test_skeptical_and_enthusiastic_priors_as_spiegelhalter_1994() -> None:
    # RR threshold 0.8: skeptical N(0, (log 0.8 / z_0.95)^2) gives 5% to RR < 0.8;
    # enthusiastic N(log 0.8, same SD) gives 5% to RR > 1 (no benefit)
    t = math.log(0.8)
    sd = abs(t) / 1.6448536269514722
    sk = load_prior("skeptical", role="effect", scale="logRR").resolve(threshold=t)
    en = load_prior("enthusiastic", role="effect", scale="logRR").resolve(threshold=t)
    assert float(stats.norm.cdf(t, 0.0, sk.sd)) == pytest.approx(0.05, abs=1e-12)
    assert float(en.p_greater(0.0)) == pytest.approx(0.05, abs=1e-12)
    assert sk.sd == pytest.approx(sd, rel=1e-12) and en.sd == pytest.approx(sd, rel=1e-12)
    assert "Spiegelhalter, Freedman & Parmar 1994" in sk.citation


def test_report_says_what_the_readings_are(tmp_path) -> None:
    import pandas as pd

    from reanalyse.report.html import analysis_section

    spec = load_analysis(IIM / "analyses" / "ivig_discontinuation_adverse_events.toml",
                         root=IIM)
    prep = prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS / "bayes.toml"),
                            root=IIM, grid=True)
    row = decision_row(prep, published=None, reproduction_status="", mcmc=None)
    html = analysis_section(tmp_path, prep, pd.Series(row))
    assert "Like-for-like with the review" in html and "Generalisation" in html
    assert "tau is not informed by the data" in html and "theta_new" in html
    # natural-scale description, hand-computed for the primary threshold RR 0.8:
    # exp(+-1.96 * log(0.8) / 1.645) = 0.767 to 1.30
    assert "skeptical: RR median 1, 95% prior interval 0.767 to 1.3" in html
    assert "enthusiastic: RR median 0.8" in html


def test_cli_prints_the_diagnosis_instead_of_ok() -> None:
    from reanalyse.cli.bayes import _with_diagnosis

    text = "RR, fixed model\n  diagnostics: ok"
    out = _with_diagnosis(text, "prior-data conflict (prior 0.054, likelihood 0.083)")
    assert "diagnostics: ok" not in out
    assert "prior-data conflict (prior 0.054, likelihood 0.083)" in out and PRIOR_DRIVEN in out
    assert _with_diagnosis(text, "ok").endswith("prior sensitivity of mu: ok")


def test_power_scaling_on_arrays_equals_arviz_stats_psense_summary() -> None:
    """The readings' diagnosis on plain arrays gives what arviz_stats.psense_summary gives on the
    same draws in a DataTree (the reference), including the diagnosis text."""
    import xarray as xr

    from reanalyse.pipeline.jobs import power_scaling, power_scaling_arrays

    rng = np.random.default_rng(20231116)
    shape, dims = (4, 1000), ("chain", "draw")
    mu, tau = rng.normal(0.5, 0.2, shape), np.abs(rng.normal(0.0, 0.3, shape))
    lp = {"mu": -0.5 * (mu / 2.82) ** 2, "tau": -0.5 * (tau / 0.5) ** 2}
    ll = rng.normal(-2.0, 0.3, (*shape, 3))
    dt = xr.DataTree.from_dict({
        "posterior": xr.Dataset({"mu": (dims, mu), "tau": (dims, tau)}),
        "log_prior": xr.Dataset({k: (dims, v) for k, v in lp.items()}),
        "log_likelihood": xr.Dataset({"y": ((*dims, "study"), ll)})})
    ref = {r["parameter"]: r for r in power_scaling(dt, var_names=["mu", "tau"])}
    got = {r["parameter"]: r for r in power_scaling_arrays(
        {"mu": mu, "tau": tau}, log_prior=lp["mu"] + lp["tau"], log_likelihood=ll.sum(-1))}
    assert set(got) == set(ref) == {"mu", "tau"}
    for name in ("mu", "tau"):
        for key in ("prior", "likelihood", "diagnosis"):
            assert got[name][key] == ref[name][key], (name, key)
    assert ref["tau"]["diagnosis"] == "potential strong prior / weak likelihood"


def test_power_scaling_on_arrays_says_why_it_could_not_be_computed() -> None:
    """A flat prior has a constant log prior: Pareto smoothing has no tail, and the record says
    so as power_scaling (psense_summary) does."""
    from reanalyse.pipeline.jobs import power_scaling_arrays

    rng = np.random.default_rng(1)
    mu = rng.normal(size=(4, 1000))
    (rec,) = power_scaling_arrays({"mu": mu}, log_prior=np.zeros((4, 1000)),
                                  log_likelihood=-0.5 * mu**2)
    assert rec["parameter"] == "all" and rec["diagnosis"].startswith("not computed: ValueError")
