"""Thresholds on the natural scale everywhere (issue 14, item 4), against published bayesmeta output.

Reference: Röver C. (2020), "Bayesian random-effects meta-analysis using the bayesmeta R package",
Journal of Statistical Software 93(6), shipped as ``inst/doc/Roever2020-bayesmeta.pdf`` in the
CRAN mirror ``cran/bayesmeta`` (v3.4, commit e7eaba2af611b8cace198c31ee107ef7bda58b55), section
3 ("Using the bayesmeta package"): the Crins et al. (2014) data (IL-2 receptor antagonists in
paediatric liver transplantation, acute rejection; bayesmeta data set ``CrinsEtAl2014``), log odds
ratios from ``escalc(measure="OR")`` and

    ma01 <- bayesmeta(crins.es, mu.prior.mean = 0, mu.prior.sd = 4,
                      tau.prior = function(t) dhalfnormal(t, scale = 0.5))

with ``ma01$summary`` printed as (columns tau, mu, theta = the predictive distribution)

    median   0.3445023 -1.5734819 -1.5701653
    95% lower 0.0000000 -2.2311251 -2.7661319
    95% upper 0.8607193 -0.9263075 -0.4072970

The median is ``qposterior(mu.p = 0.5)``: P(OR > exp(-1.5734819)) = 0.5, a published bayesmeta
posterior probability at a threshold other than 1 (OR 0.207). The 95% limits (shortest
intervals; two-sided for mu and theta) give P(exp(lo) < OR < exp(hi)) = 0.95, i.e.
P(OR > exp(lo)) - P(OR > exp(hi)) = 0.95 for mu and for a new study. Tolerances as in
``tests/test_exact_reference.py``: bayesmeta approximates mu's marginal by its DIRECT grid in
tau, accurate to about 0.003 posterior SDs (here 0.003 x 0.3295 = 0.001 on the log scale, a
probability of about 0.0012 at the median, where the density is 1.2), and interval contents
within 1e-3.

The normal-normal model sees only the estimates y_i and their SEs. The test runs the data twice:
from the arm counts under ``--measure OR`` (RevMan's 0.5 zero-cell rule, the same as
``escalc``'s default ``add = 1/2, to = "only0"``, touches Gras 2008 only), and as the same six
log odds ratios entered as ratio contrasts under ``--measure RR``, the path the acceptance
criterion names (``reanalyse bayes --measure RR --threshold T --engine exact --json``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reanalyse as ra
from reanalyse.cli import main
from reanalyse.measures import threshold_key, threshold_on_analysis_scale

# CrinsEtAl2014 (cran/bayesmeta data/CrinsEtAl2014.R): AR events / total, IL-2RA and control
CRINS = [  # study, exp events, exp total, control events, control total
    ("Heffron 2003", 14, 61, 15, 20),
    ("Gibelli 2004", 16, 28, 19, 28),
    ("Schuller 2005", 3, 18, 8, 12),
    ("Ganschow 2005", 9, 54, 29, 54),
    ("Spada 2006", 4, 36, 11, 36),
    ("Gras 2008", 0, 50, 3, 34),
]
# ma01$summary (mu and predictive theta columns), Röver 2020 p. 25
MU_MEDIAN, MU_LO, MU_HI = -1.5734819, -2.2311251, -0.9263075
NEW_LO, NEW_HI = -2.7661319, -0.4072970
MEDIAN_TOL = 2e-3  # DIRECT grid: 0.003 posterior SDs of mu, as a probability at the median
MASS_TOL = 1e-3

SOURCE = "Röver 2020 JSS 93(6) / Crins et al. 2014, Pediatr Transplant 18(8):839"


def _log_or(a: float, n1: float, c: float, n2: float) -> tuple[float, float]:
    """escalc(measure="OR"): 0.5 added to every cell of a table with a zero cell."""
    b, d = n1 - a, n2 - c
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return math.log(a * d / (b * c)), math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def _arms_csv(path: Path) -> Path:
    rows = []
    for study, a, n1, c, n2 in CRINS:
        for arm, ev, tot in (("IL-2RA", a, n1), ("control", c, n2)):
            rows.append({"study": study, "treatment": arm, "outcome": "acute_rejection",
                         "events": ev, "total": tot, "source": SOURCE,
                         "derivation": "reported"})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _contrasts_csv(path: Path, measure: str) -> Path:
    rows = []
    for study, a, n1, c, n2 in CRINS:
        y, se = _log_or(a, n1, c, n2)
        rows.append({"study": study, "treatment": "IL-2RA", "comparator": "control",
                     "outcome": "acute_rejection", "estimate": math.exp(y), "se": se,
                     "measure": measure, "source": SOURCE,
                     "derivation": f"derived: log OR {y!r} and SE {se!r} as escalc"})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _thresholds() -> dict[str, str]:
    """Natural-scale thresholds, as a user types them (6 significant digits)."""
    return {name: f"{math.exp(v):.6g}" for name, v in
            (("median", MU_MEDIAN), ("lo", MU_LO), ("hi", MU_HI), ("new_lo", NEW_LO),
             ("new_hi", NEW_HI))}


def _cli_json(capsys, data: Path, measure: str, thresholds: list[str]) -> dict:
    args = ["bayes", str(data), "--measure", measure, "--treatment", "IL-2RA", "--control",
            "control", "--tau-prior", "half-normal:0.5", "--effect-prior", "normal:0,4",
            "--engine", "exact", "--json"]
    for t in thresholds:
        args += ["--threshold", t]
    code = main(args)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_the_escalc_log_odds_ratios_are_the_papers() -> None:
    # ma01$theta[, 1:2] prints y = -2.3097026 (Heffron 2003), -0.4595323 (Gibelli 2004)
    assert _log_or(*CRINS[0][1:])[0] == pytest.approx(-2.3097026, abs=5e-8)
    assert _log_or(*CRINS[1][1:])[0] == pytest.approx(-0.4595323, abs=5e-8)


@pytest.mark.parametrize("measure, layout", [("RR", "contrasts"), ("OR", "arms")])
def test_cli_threshold_is_natural_scale_and_keyed_as_given(capsys, tmp_path: Path,
                                                            measure: str, layout: str) -> None:
    data = (_contrasts_csv(tmp_path / "crins.csv", measure) if layout == "contrasts"
            else _arms_csv(tmp_path / "crins.csv"))
    ts = _thresholds()
    d = _cli_json(capsys, data, measure, list(ts.values()))
    assert set(d["p_greater"]) == set(ts.values()) == set(d["p_less"])
    # P(ratio > exp(median of mu)) = 0.5, published as qposterior(mu.p = 0.5)
    assert d["p_greater"][ts["median"]] == pytest.approx(0.5, abs=MEDIAN_TOL)
    # the shortest 95% intervals of mu and of the predictive distribution hold 95%
    assert d["p_greater"][ts["lo"]] - d["p_greater"][ts["hi"]] == pytest.approx(
        0.95, abs=MASS_TOL)
    assert (d["p_greater_theta_new"][ts["new_lo"]] - d["p_greater_theta_new"][ts["new_hi"]]
            == pytest.approx(0.95, abs=MASS_TOL))
    # the summaries stay on the analysis scale: median of mu against the print
    assert d["mu"]["median"] == pytest.approx(MU_MEDIAN, abs=0.003 * 0.3295301)
    entry = next(e for e in d["thresholds"] if e["key"] == ts["median"])
    assert entry["value"] == pytest.approx(math.exp(MU_MEDIAN), rel=5e-6)  # 6 digits
    assert entry["ratio"] == entry["value"]
    assert entry["analysis_scale"] == pytest.approx(MU_MEDIAN, abs=5e-6)


def test_python_front_door_keys_the_same_numbers(tmp_path: Path) -> None:
    ts = _thresholds()
    post = ra.bayes(_arms_csv(tmp_path / "crins.csv"), measure="OR", treatment="IL-2RA",
                    control="control", tau_prior="half-normal:0.5", effect_prior="normal:0,4",
                    thresholds=[float(ts["median"]), 0.25])
    d = post.to_dict()
    assert set(d["p_greater"]) == {ts["median"], "0.25"}
    assert d["p_greater"][ts["median"]] == pytest.approx(0.5, abs=MEDIAN_TOL)
    # the dictionary holds what the result's own natural-scale query gives
    assert d["p_less"]["0.25"] == pytest.approx(post.p_less("mu", 0.25), rel=1e-12)
    assert "P(effect > 0.25 (-1.386 on the log scale))" in post.text()


def test_the_one_conversion_rule() -> None:
    # hand values: log 0.8 = -0.22314355131420976; MD and SMD thresholds stay as given
    assert threshold_on_analysis_scale(0.8, measure="RR") == pytest.approx(-0.2231435513142097)
    assert threshold_on_analysis_scale(1.25, measure="OR") == pytest.approx(0.2231435513142097)
    assert threshold_on_analysis_scale(-0.65, measure="MD") == -0.65
    assert threshold_on_analysis_scale(0.2, measure="SMD") == 0.2
    assert [threshold_key(v) for v in (0.8, -0.65, 1.0, 0.2, 1.25)] == [
        "0.8", "-0.65", "1", "0.2", "1.25"]
    for bad in (0.0, -0.2, math.nan):
        with pytest.raises(ValueError, match="threshold"):
            threshold_on_analysis_scale(bad, measure="RR")
    with pytest.raises(ValueError, match="finite"):
        threshold_on_analysis_scale(math.inf, measure="MD")


@pytest.mark.parametrize("command", ["bayes", "nma"])
def test_cli_refuses_a_ratio_threshold_that_is_not_positive(capsys, tmp_path: Path,
                                                             command: str) -> None:
    data = _arms_csv(tmp_path / "crins.csv")
    args = {"bayes": ["--treatment", "IL-2RA", "--control", "control", "--tau-prior",
                      "half-normal:0.5", "--effect-prior", "normal:0,4", "--engine", "exact"],
            "nma": ["--reference", "control"]}[command]
    code = main([command, str(data), "--measure", "RR", *args, "--threshold", "-0.223"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "must be positive" in lines[0] and "-0.223" in lines[0]


def test_iim_thresholds_from_the_toml_are_the_natural_values() -> None:
    # analyses/ivig_acr_eular_response.toml states RR 1.25 and 0.8 (GRADE's 25%); on the
    # analysis scale they are log 1.25 = 0.22314 and log 0.8 = -0.22314
    from reanalyse.analyses import load_analyses
    from reanalyse.thresholds import analysis_thresholds
    from tests.conftest import IIM

    spec = {s.id: s for s in load_analyses(root=IIM)}["ivig_acr_eular_response"]
    got = {t.value: t.t for t in analysis_thresholds(spec)}
    np.testing.assert_allclose([got[1.25], got[0.8]], [0.22314355, -0.22314355], atol=1e-8)
