"""Tests of the prior registry (reanalyse.priors) against hand-worked values and priors.md.

Reference numbers are transcribed from /work/shared/research/priors.md; each block names the table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from reanalyse.errors import DataValidationError
from reanalyse.priors import (
    PRIORS_DIR_ENV,
    EffectPrior,
    PriorScaleMismatchError,
    TauPrior,
    list_priors,
    load_prior,
    parse_inline_prior,
    priors_dir,
    read_registry,
    registry,
)

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- registry folder


def test_priors_dir_is_the_packaged_folder_and_holds_no_python():
    folder = priors_dir()
    assert folder == REPO / "src" / "reanalyse" / "assets" / "priors"
    assert (folder / "README.md").is_file()
    assert not list(folder.rglob("*.py"))


def test_every_registry_entry_is_cited_and_explained():
    entries = registry()
    assert len(entries) >= 50
    for prior in entries.values():
        assert prior.citation.strip(), prior.id
        assert prior.source.strip(), prior.id
        assert prior.rationale.strip() and "\n" not in prior.rationale, prior.id
        assert prior.scale, prior.id
        assert prior.status in {"published", "derived", "convention", "unverified"}, prior.id
        json.dumps(prior.to_dict())  # provenance record is JSON-ready


def test_required_entries_exist():
    ids = set(registry())
    required = {
        "half-normal-0.25", "half-normal-0.5", "half-normal-1.0",
        "half-cauchy-0.5", "half-cauchy-1.0", "uniform-0-2", "uniform-0-5",
        "turner2015-marginal",
        "turner2012-pharm-control-semi-objective", "turner2012-pharm-control-subjective",
        "rhodes2015-marginal",
        "bartos-logrr-neuromuscular-tau", "bartos-logrr-neuromuscular-effect",
        "bartos-logrr-all-tau", "bartos-logor-neuromuscular-tau", "bartos-logor-all-tau",
        "bartos-smd-all-tau", "bartos-smd-musculoskeletal-tau",
        "vague-logor", "skeptical", "enthusiastic", "flat",
    }
    assert required <= ids


def test_unverified_rhodes_mental_health_value_is_not_registered():
    # priors.md b3 caveat 2: bayesmeta's "mental health, non-pharm = -3.85" is a probable
    # transcription error; it must not be used.
    for prior in registry().values():
        if prior.family == "log-t":
            assert prior.params["location"] != -3.85


# --------------------------------------------------------------------------- hand-worked tau values


def test_half_normal_median_and_tails():
    prior = load_prior("half-normal-0.5", role="tau", scale="logOR")
    assert prior.median == pytest.approx(0.5 * 0.6745, abs=1e-4)  # median of |N(0,1)| = 0.6745
    # priors.md b5 table: HN(0.5) P(tau > 0.5) 0.317, P(tau > 1) 0.046
    assert float(prior.p_greater(0.5)) == pytest.approx(2 * stats.norm.sf(1.0), rel=1e-12)
    assert float(prior.p_greater(0.5)) == pytest.approx(0.317, abs=5e-4)
    assert float(prior.p_greater(1.0)) == pytest.approx(0.046, abs=5e-4)
    assert prior.support == (0.0, math.inf)
    assert float(prior.logpdf(-0.1)) == -math.inf


def test_half_cauchy_and_uniform_by_hand():
    hc = load_prior("half-cauchy-0.5", role="tau", scale="logOR")
    assert hc.median == pytest.approx(0.5)  # median of a half-Cauchy is its scale
    assert float(hc.p_greater(1.0)) == pytest.approx(1 - 2 / math.pi * math.atan(2.0))
    un = load_prior("uniform-0-5", role="tau", scale="SMD")
    assert un.support == (0.0, 5.0)
    assert un.interval(0.95) == pytest.approx((0.125, 4.875))
    assert float(un.pdf(1.0)) == pytest.approx(0.2)
    assert float(un.p_greater(1.0)) == pytest.approx(0.8)


def test_lognormal_on_tau2_is_converted_exactly():
    prior = load_prior("lognormal-tau2:-2.56,1.74", role="tau", scale="logRR")
    tau2 = stats.lognorm(s=1.74, scale=math.exp(-2.56))  # the stated distribution of tau^2
    q = np.array([0.01, 0.025, 0.3, 0.5, 0.9, 0.975])
    np.testing.assert_allclose(prior.ppf(q), np.sqrt(tau2.ppf(q)), rtol=1e-12)
    t = np.array([0.05, 0.2, 0.7, 1.5])
    np.testing.assert_allclose(prior.cdf(t), tau2.cdf(t**2), rtol=1e-12)
    # change of variables: p_tau(t) = p_tau2(t^2) * 2t
    np.testing.assert_allclose(prior.logpdf(t), tau2.logpdf(t**2) + np.log(2 * t), rtol=1e-10)
    assert dict(prior.params_on_tau) == {"mu": -1.28, "sigma": 0.87}
    assert prior.stated_on == "tau2"


def test_log_t_on_tau2_is_converted_exactly():
    prior = load_prior("rhodes2015-marginal", role="tau", scale="SMD")
    assert dict(prior.params) == {"location": -3.44, "scale": 2.59, "df": 5.0}
    log_tau2 = stats.t(5, loc=-3.44, scale=2.59)  # log tau^2 = location + scale * t_5
    q = np.array([0.025, 0.5, 0.975])
    np.testing.assert_allclose(prior.ppf(q), np.sqrt(np.exp(log_tau2.ppf(q))), rtol=1e-12)
    t = np.array([0.01, 0.3, 2.0])
    np.testing.assert_allclose(prior.cdf(t), log_tau2.cdf(np.log(t**2)), rtol=1e-12)
    # p_tau(t) = p_logtau2(log t^2) * d(log t^2)/dt = p_logtau2(2 log t) * 2 / t
    np.testing.assert_allclose(
        prior.logpdf(t), log_tau2.logpdf(2 * np.log(t)) + np.log(2 / t), rtol=1e-10
    )
    # priors.md b3: marginal -> median tau 0.179, 95% interval 0.006-5.0 (heavy upper tail)
    assert prior.median == pytest.approx(0.179, abs=5e-4)
    low, high = prior.interval(0.95)
    assert low == pytest.approx(0.006, abs=5e-4)
    assert high == pytest.approx(5.0, abs=0.05)


# --------------------------------------------------------------------------- values equal priors.md

# priors.md section b1 (Turner et al. 2015, Stat Med 34(6):984-998, Table IV, via cran/bayesmeta
# R/bayesmeta.R meanmat/sdmat): mu, sigma of log tau^2; (pharm vs placebo, pharm vs pharm).
TURNER_2015_TABLE = {
    "signs-symptoms": ((-2.06, 1.51), (-2.29, 1.58)),
    "general-physical-health": ((-2.29, 1.53), (-2.53, 1.58)),
    "qol-functioning": ((-2.54, 1.54), (-2.78, 1.60)),
    "adverse-events": ((-1.87, 1.52), (-2.10, 1.58)),
    "withdrawals": ((-2.99, 1.74), (-3.23, 1.79)),
    "subjective": ((-2.70, 1.52), (-2.93, 1.58)),
    "biological-markers": ((-1.77, 1.52), (-2.00, 1.58)),
    "all-cause-mortality": ((-3.95, 1.34), (-4.18, 1.41)),
}


@pytest.mark.parametrize("outcome", sorted(TURNER_2015_TABLE))
def test_turner2015_values_equal_priors_md_table_b1(outcome):
    placebo, pharm = TURNER_2015_TABLE[outcome]
    for comparison, (mu, sigma) in (("pharm-placebo", placebo), ("pharm-pharm", pharm)):
        prior = registry()[f"turner2015-{comparison}-{outcome}"]
        assert isinstance(prior, TauPrior)
        assert (prior.family, prior.stated_on, prior.scale) == ("lognormal", "tau2", ("logOR",))
        assert dict(prior.params) == {"mu": mu, "sigma": sigma}
        assert "Turner et al. 2015" in prior.citation and "Table IV" in prior.citation


# priors.md b1, second table ("What the pharmacological-vs-placebo column implies for tau"):
# median tau, 95% interval, P(tau > 1), printed to 3 decimals / 2 significant digits.
TURNER_2015_IMPLIED = {
    "turner2015-pharm-placebo-signs-symptoms": (0.357, 0.081, 1.57, 0.086),
    "turner2015-pharm-placebo-general-physical-health": (0.318, 0.071, 1.43, 0.067),
    "turner2015-pharm-placebo-qol-functioning": (0.281, 0.062, 1.27, 0.050),
    "turner2015-pharm-placebo-adverse-events": (0.393, 0.089, 1.74, 0.109),
    "turner2015-pharm-placebo-withdrawals": (0.224, 0.041, 1.23, 0.043),
    "turner2015-marginal": (0.278, 0.051, 1.53, 0.071),
}


@pytest.mark.parametrize("prior_id", sorted(TURNER_2015_IMPLIED))
def test_turner2015_implied_tau_matches_priors_md(prior_id):
    median, low, high, p_gt_1 = TURNER_2015_IMPLIED[prior_id]
    prior = registry()[prior_id]
    # priors.md uses the 1.96 normal quantile, the registry the exact one: 3-digit agreement
    assert prior.median == pytest.approx(median, abs=5e-4)
    lo, hi = prior.interval(0.95)
    assert lo == pytest.approx(low, abs=1e-3)
    assert hi == pytest.approx(high, abs=1e-2)
    assert float(prior.p_greater(1.0)) == pytest.approx(p_gt_1, abs=1e-3)


def test_turner2015_marginal_and_turner2012_values():
    assert dict(registry()["turner2015-marginal"].params) == {"mu": -2.56, "sigma": 1.74}
    # priors.md section b2 (Turner et al. 2012, via cran/gemtc R/mtc.hy.prior.R)
    expected = {
        "turner2012-pharm-control-semi-objective": (-3.02, 1.85, 0.221),
        "turner2012-pharm-control-subjective": (-2.13, 1.58, 0.345),
        "turner2012-pharm-pharm-semi-objective": (-3.23, 1.88, 0.199),
        "turner2012-nonpharm-subjective": (-2.01, 1.64, 0.366),
    }
    for prior_id, (mu, sigma, median) in expected.items():
        prior = registry()[prior_id]
        assert dict(prior.params) == {"mu": mu, "sigma": sigma}
        assert prior.median == pytest.approx(median, abs=5e-4)


# priors.md section b4 (Bartoš et al., via FBartos/BayesTools R/priors-informed.R):
# effect t(0, scale, df), tau IG(shape, scale), implied tau median and P(tau > 1).
BARTOS_TABLE = {
    "smd-all": ((0.43, 5), (1.71, 0.40), 0.288, 0.105),
    "smd-musculoskeletal": ((0.45, 6), (1.87, 0.38), 0.245, 0.072),
    "logor-all": ((0.58, 4), (1.77, 0.55), 0.379, 0.151),
    "logor-neuromuscular": ((0.70, 5), (1.74, 0.49), 0.345, 0.134),
    "logrr-all": ((0.32, 3), (1.51, 0.23), 0.193, 0.071),
    "logrr-neuromuscular": ((0.41, 4), (1.44, 0.15), 0.133, 0.047),
}


@pytest.mark.parametrize("key", sorted(BARTOS_TABLE))
def test_bartos_values_equal_priors_md_table_b4(key):
    (t_scale, df), (shape, ig_scale), median, p_gt_1 = BARTOS_TABLE[key]
    tau = registry()[f"bartos-{key}-tau"]
    effect = registry()[f"bartos-{key}-effect"]
    assert isinstance(tau, TauPrior) and isinstance(effect, EffectPrior)
    assert dict(tau.params) == {"shape": shape, "scale": ig_scale}
    assert tau.stated_on == "tau"
    assert dict(effect.params) == {"location": 0.0, "scale": t_scale, "df": df}
    assert tau.paired_with == effect.id and effect.paired_with == tau.id
    assert tau.median == pytest.approx(median, abs=5e-4)
    assert float(tau.p_greater(1.0)) == pytest.approx(p_gt_1, abs=5e-4)


def test_rhodes_values_equal_priors_md_table_b3():
    # priors.md b3, pharm vs placebo column: location, scale -> median tau
    expected = {
        "rhodes2015-pharm-placebo-physical-ae-pain-qol": (-3.16, 2.50, 0.206),
        "rhodes2015-pharm-placebo-signs-symptoms-infection": (-3.00, 2.50, 0.223),
        "rhodes2015-pharm-placebo-biological-marker": (-3.41, 2.83, 0.182),
        "rhodes2015-pharm-placebo-subjective": (-2.76, 2.58, 0.252),
    }
    for prior_id, (location, scale, median) in expected.items():
        prior = registry()[prior_id]
        assert dict(prior.params) == {"location": location, "scale": scale, "df": 5.0}
        assert prior.scale == ("SMD",)
        assert prior.median == pytest.approx(median, abs=5e-4)
        assert "heavy" in (prior.notes or "").lower()


# --------------------------------------------------------------------------- effect priors


@pytest.mark.parametrize("threshold", [math.log(0.75), 0.5, -0.65])
def test_skeptical_prior_puts_exactly_five_percent_beyond_threshold(threshold):
    skeptical = load_prior("skeptical", role="effect", scale="logRR").resolve(threshold=threshold)
    assert skeptical.mean == 0.0
    beyond = (
        stats.norm.cdf(threshold, 0, skeptical.sd)
        if threshold < 0
        else stats.norm.sf(threshold, 0, skeptical.sd)
    )
    assert beyond == pytest.approx(0.05, rel=1e-12)
    assert skeptical.sd == pytest.approx(abs(threshold) / 1.6449, rel=1e-4)
    enthusiastic = load_prior("enthusiastic", role="effect", scale="logRR").resolve(
        threshold=threshold
    )
    assert enthusiastic.mean == threshold
    assert enthusiastic.sd == skeptical.sd
    assert enthusiastic.to_dict()["threshold"] == threshold


def test_threshold_priors_refuse_use_before_resolution():
    skeptical = registry()["skeptical"]
    assert skeptical.needs_threshold
    with pytest.raises(ValueError, match="resolve"):
        skeptical.logpdf(0.0)
    with pytest.raises(ValueError, match="non-zero"):
        skeptical.resolve(threshold=0.0)
    with pytest.raises(ValueError, match="takes no threshold"):
        registry()["vague-logor"].resolve(threshold=0.5)


def test_vague_and_flat_effect_priors():
    vague = load_prior("vague-logor", role="effect", scale="logOR")
    assert (vague.mean, vague.sd) == (0.0, 4.0)  # Röver 2020: N(0, 4^2) for log-OR
    assert float(vague.logpdf(1.0)) == pytest.approx(stats.norm.logpdf(1.0, 0, 4))
    flat = load_prior("flat", role="effect", scale="MD:HAQ points")
    np.testing.assert_array_equal(flat.logpdf([-3.0, 0.0, 100.0]), 0.0)
    t = registry()["bartos-logrr-neuromuscular-effect"]
    assert float(t.logpdf(0.2)) == pytest.approx(stats.t.logpdf(0.2, 4, loc=0, scale=0.41))


# --------------------------------------------------------------------------- scale checks


def test_prior_for_another_scale_is_refused_with_a_clear_message():
    with pytest.raises(PriorScaleMismatchError) as info:
        load_prior("turner2015-marginal", role="tau", scale="logRR")
    message = str(info.value)
    assert "turner2015-marginal" in message and "logOR" in message and "logRR" in message
    assert "allow_scale_mismatch" in message
    with pytest.raises(PriorScaleMismatchError):
        load_prior("bartos-logrr-all-effect", role="effect", scale="SMD")


def test_scale_override_is_recorded():
    prior = load_prior("turner2015-marginal", role="tau", scale="RR", allow_scale_mismatch=True)
    record = prior.to_dict()
    assert record["scale_override"] is True
    assert record["requested_scale"] == "logRR"
    assert record["scale"] == ["logOR"]
    matching = load_prior("turner2015-marginal", role="tau", scale="logOR").to_dict()
    assert matching["scale_override"] is False


def test_any_scale_and_inline_priors_match_every_scale():
    for scale in ("logOR", "logRR", "SMD", "MD:MMT-8 points", "RD"):
        prior = load_prior("half-normal:0.5", role="tau", scale=scale)
        assert prior.to_dict()["scale_override"] is False
        assert prior.to_dict()["requested_scale"] == scale
        assert load_prior("vague-normal-10", role="effect", scale=scale).scale == ("any",)


def test_md_prior_matches_any_md_analysis_and_keeps_units(tmp_path, monkeypatch):
    (tmp_path / "md.toml").write_text(
        """
[[prior]]
id = "md-test"
role = "tau"
parameter = "tau"
family = "half-normal"
params = { scale = 2.0 }
scale = ["MD"]
units = "MMT-8 points"
status = "unverified"
citation = "test entry"
source = "tests/test_priors.py"
rationale = "test"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv(PRIORS_DIR_ENV, str(tmp_path))
    assert priors_dir() == tmp_path.resolve()
    record = load_prior("md-test", role="tau", scale="MD:HAQ points").to_dict()
    assert record["units"] == "MMT-8 points"
    assert record["requested_scale"] == "MD:HAQ points"
    assert record["scale_override"] is False
    with pytest.raises(PriorScaleMismatchError, match="MMT-8 points"):
        load_prior("md-test", role="tau", scale="SMD")


def test_bad_requests_raise_domain_errors():
    with pytest.raises(DataValidationError, match="unknown effect scale"):
        load_prior("half-normal-0.5", role="tau", scale="OddsRatioish")
    with pytest.raises(DataValidationError, match="half-normal-0.5"):  # close-match hint
        load_prior("half-normal-05", role="tau", scale="logOR")
    with pytest.raises(DataValidationError, match="effect prior"):
        load_prior("vague-logor", role="tau", scale="logOR")
    with pytest.raises(DataValidationError, match="tau prior"):
        load_prior("normal:0,10", role="tau", scale="logOR")


def test_list_priors_filters_by_role_and_scale():
    tau_rr = list_priors(role="tau", scale="logRR")
    assert tau_rr and all(isinstance(p, TauPrior) for p in tau_rr)
    assert all("logRR" in p.scale or "any" in p.scale for p in tau_rr)
    ids = {p.id for p in tau_rr}
    assert "bartos-logrr-neuromuscular-tau" in ids and "turner2015-marginal" not in ids
    assert {p.id for p in list_priors(scale="any")} >= {"skeptical", "flat"}


# --------------------------------------------------------------------------- inline specs


@pytest.mark.parametrize(
    ("spec", "cls", "family", "params"),
    [
        ("half-normal:0.5", TauPrior, "half-normal", {"scale": 0.5}),
        ("half-cauchy:1", TauPrior, "half-cauchy", {"scale": 1.0}),
        ("uniform:0,5", TauPrior, "uniform", {"lower": 0.0, "upper": 5.0}),
        ("lognormal-tau2:-2.56,1.74", TauPrior, "lognormal", {"mu": -2.56, "sigma": 1.74}),
        ("lognormal-tau:-1.28, 0.87", TauPrior, "lognormal", {"mu": -1.28, "sigma": 0.87}),
        ("log-t-tau2:-3.44,2.59,5", TauPrior, "log-t", {"location": -3.44, "scale": 2.59, "df": 5}),
        ("inverse-gamma:1.44,0.15", TauPrior, "inverse-gamma", {"shape": 1.44, "scale": 0.15}),
        ("normal:0,10", EffectPrior, "normal", {"mean": 0.0, "sd": 10.0}),
        ("student-t:0,0.41,4", EffectPrior, "student-t", {"location": 0, "scale": 0.41, "df": 4}),
    ],
)
def test_inline_specs(spec, cls, family, params):
    prior = parse_inline_prior(spec)
    assert isinstance(prior, cls)
    assert prior.family == family and dict(prior.params) == params
    assert prior.origin == "inline" and prior.scale == ("any",)


def test_inline_tau_and_tau2_forms_agree():
    on_tau2 = parse_inline_prior("lognormal-tau2:-2.56,1.74")
    on_tau = parse_inline_prior("lognormal-tau:-1.28,0.87")
    np.testing.assert_allclose(on_tau2.ppf([0.1, 0.5, 0.9]), on_tau.ppf([0.1, 0.5, 0.9]))


@pytest.mark.parametrize(
    "spec",
    ["half-normal:-1", "half-normal:abc", "uniform:5,0", "lognormal-tau2:1", "gamma:1,2",
     "half-normal:0.5,1", "normal:0,0", "log-t-tau2:0,1,0"],
)
def test_bad_inline_specs_are_refused(spec):
    with pytest.raises(DataValidationError):
        load_prior(spec, role="tau" if not spec.startswith("normal") else "effect", scale="SMD")


# --------------------------------------------------------------------------- TOML validation

GOOD_ENTRY = """
[[prior]]
id = "ok"
role = "tau"
parameter = "tau"
family = "half-normal"
params = { scale = 0.5 }
scale = ["logOR"]
status = "published"
citation = "c"
source = "s"
rationale = "r"
"""


def test_unknown_keys_and_bad_entries_are_reported_with_file_and_entry(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD_ENTRY, encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        """
[meta]
name = "x"

[[prior]]
id = "typo-entry"
role = "tau"
parameter = "tau"
family = "half-normal"
params = { scale = 0.5 }
scale = ["logOR"]
status = "published"
citation = "c"
source = "s"
rationale = "r"
refrence = "misspelt key"

[[prior]]
id = "bad-entry"
role = "tau"
parameter = "tau2"
family = "half-normal"
params = { scale = -1.0 }
scale = ["logHR"]
status = "published"
citation = "c"
source = "s"
rationale = "r"

[[prior]]
id = "ok"
role = "effect"
parameter = "effect"
family = "normal"
kind = "vague"
params = { mean = 0.0, sd = 1.0 }
scale = ["any"]
status = "published"
citation = "c"
source = "s"
rationale = "r"
""",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as info:
        read_registry(tmp_path)
    lines = info.value.lines
    text = "\n".join(lines)
    assert all("b.toml" in line for line in lines)
    assert any("'meta'" in line and "unknown" in line for line in lines)
    assert any("typo-entry" in line and "refrence" in line and "unknown-key" in line
               for line in lines)
    assert any("bad-entry" in line and "tau2" in line for line in lines)
    assert any("bad-entry" in line and "scale must be > 0" in line for line in lines)
    assert any("bad-entry" in line and "logHR" in line for line in lines)
    assert "duplicate-id" in text and "a.toml" in text  # names where 'ok' was first defined


def test_missing_keys_and_syntax_errors_are_reported(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD_ENTRY.replace('citation = "c"\n', ""), encoding="utf-8")
    (tmp_path / "b.toml").write_text("[[prior]\nid = ", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_registry(tmp_path)
    lines = info.value.lines
    assert any("a.toml" in line and "entry 'ok'" in line and "citation" in line for line in lines)
    assert any("b.toml" in line and "toml-syntax" in line for line in lines)


def test_missing_registry_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(PRIORS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=PRIORS_DIR_ENV):
        priors_dir()


# --------------------------------------------------------------------------- describe / records


def test_describe_reports_the_implied_quantities():
    text = registry()["half-normal-0.5"].describe()
    assert "median 0.337" in text and "P(tau>0.5) 0.317" in text and "P(tau>1) 0.0455" in text
    text2 = registry()["turner2015-marginal"].describe()
    assert "on tau^2" in text2 and "mu=-1.28, sigma=0.87) on tau" in text2


def test_to_dict_records_the_stated_and_converted_parameters():
    record = registry()["turner2015-pharm-placebo-withdrawals"].to_dict()
    assert record["params"] == {"mu": -2.99, "sigma": 1.74}
    assert record["params_on_tau"] == {"mu": -1.495, "sigma": 0.87}
    assert record["stated_on"] == "tau2"
    assert record["suggested_for"] == ["withdrawals"]


# --------------------------------------------------------------------------- PyMC


@pytest.mark.parametrize(
    "spec",
    [
        "half-normal-0.5",
        "half-cauchy-1.0",
        "uniform-0-2",
        "turner2015-marginal",
        "rhodes2015-marginal",
        "bartos-logrr-neuromuscular-tau",
    ],
)
def test_tau_to_pymc_logp_equals_logpdf(spec):
    pm = pytest.importorskip("pymc")
    prior = registry()[spec]
    values = np.array([0.03, 0.4, 1.7])
    with pm.Model() as model:
        rv = prior.to_pymc()
    assert model.named_vars["tau"] is rv and rv in model.free_RVs
    logp = np.array([pm.logp(rv, v).eval() for v in values])
    np.testing.assert_allclose(logp, prior.logpdf(values), rtol=1e-6)


@pytest.mark.parametrize("spec", ["vague-logor", "bartos-logrr-neuromuscular-effect", "flat"])
def test_effect_to_pymc_logp_equals_logpdf(spec):
    pm = pytest.importorskip("pymc")
    prior = registry()[spec]
    with pm.Model():
        rv = prior.to_pymc()
    assert rv.name == "mu"
    for v in (-1.2, 0.0, 0.7):
        assert float(pm.logp(rv, v).eval()) == pytest.approx(float(prior.logpdf(v)), rel=1e-6)


def test_resolved_skeptical_to_pymc_and_outside_model_error():
    pm = pytest.importorskip("pymc")
    prior = registry()["skeptical"].resolve(threshold=math.log(0.75))
    with pm.Model():
        rv = prior.to_pymc("mu")
    assert float(pm.logp(rv, 0.1).eval()) == pytest.approx(float(prior.logpdf(0.1)))
    with pytest.raises(RuntimeError, match="pm.Model"):
        registry()["half-normal-0.5"].to_pymc()


def test_priors_are_built_directly_without_strings() -> None:
    from scipy import stats

    from reanalyse.priors import EffectPrior, TauPrior

    hn = TauPrior.half_normal(0.5)
    assert hn.id == "half-normal:0.5" and hn.family == "half-normal" and hn.origin == "inline"
    # the implied quantiles are scipy's half-normal (0.5) ones
    assert hn.median == pytest.approx(float(stats.halfnorm.ppf(0.5, scale=0.5)), rel=1e-12)
    # the same prior as the inline spec the command line parses
    assert hn == parse_inline_prior("half-normal:0.5")
    turner = TauPrior.lognormal(-2.56, 1.74, on="tau2")
    # log tau^2 ~ N(-2.56, 1.74^2) is log tau ~ N(-1.28, 0.87^2): median exp(-1.28)
    assert turner.median == pytest.approx(math.exp(-1.28), rel=1e-12)
    assert TauPrior.uniform(0, 2).support == (0.0, 2.0)
    t = EffectPrior.student_t(0.0, 0.43, 5)
    assert float(t.logpdf(0.1)) == pytest.approx(float(stats.t.logpdf(0.1, 5, scale=0.43)))
    assert EffectPrior.flat().family == "flat"
    assert EffectPrior.normal(0.0, 2.82).exact_mu_prior()["mu_prior_sd"] == 2.82
    with pytest.raises(ValueError, match="scale"):
        TauPrior.half_normal(-1.0)


def test_a_projects_own_priors_extend_the_registry(tmp_path) -> None:
    """A project's priors/*.toml add entries to the packaged registry (found by load_prior,
    show and list_priors given the project), and may not redefine a packaged id."""
    from reanalyse.errors import DataValidationError
    from reanalyse.priors import list_priors, load_prior, show

    own = tmp_path / "priors"
    own.mkdir()
    # the packaged half-normal-1.0 entry's numbers and citation, under an id of the project's
    entry = '''[[prior]]
id = "{id}"
role = "tau"
parameter = "tau"
family = "half-normal"
params = {{ scale = 1.0 }}
scale = ["logOR", "logRR"]
status = "published"
citation = "Friede et al. 2017a, Res Synth Methods, arXiv 1601.06533"
source = "cran/bayesmeta inst/doc/Roever2020-bayesmeta.pdf section 2.2 pp. 8-13"
rationale = "The review team's choice for rare-disease log-OR analyses."
'''
    (own / "team.toml").write_text(entry.format(id="team-half-normal-1"), encoding="utf-8")
    prior = load_prior("team-half-normal-1", role="tau", scale="logOR", root=tmp_path)
    # half-normal(1): median sqrt(2) * erfinv(0.5) = 0.6745 (the normal's 0.75 quantile)
    assert prior.median == pytest.approx(0.6744897501960817, rel=1e-12)
    assert "Friede et al. 2017a" in show("team-half-normal-1", root=tmp_path).text
    assert "team-half-normal-1" in {p.id for p in list_priors(role="tau", root=tmp_path)}
    with pytest.raises(DataValidationError, match="no registry prior"):
        load_prior("team-half-normal-1", role="tau", scale="logOR")
    (own / "team.toml").write_text(entry.format(id="half-normal-1.0"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="already defined in the packaged registry"):
        load_prior("half-normal-1.0", role="tau", scale="logOR", root=tmp_path)
