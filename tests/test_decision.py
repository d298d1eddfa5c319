"""The decision table's readings and its prior-sensitivity column (hand-made inputs)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reanalyse.pipeline.decision import (
    prior_sensitivity,
    reading_from_ci,
    reading_from_probability,
)
from tests.conftest import IIM


@pytest.mark.parametrize(("low", "high", "sign", "expected"), [
    (1.26, 2.56, 1, "benefit"),        # ratio CI above 1, higher is better
    (1.26, 2.56, -1, "harm"),          # the same CI when lower is better
    (0.37, 1.05, -1, "inconclusive"),  # crosses 1
    (0.2, 0.9, -1, "benefit"),
    (math.nan, 2.0, 1, "unknown"),
])
def test_reading_from_ratio_ci(low, high, sign, expected) -> None:
    assert reading_from_ci(low, high, null=1.0, sign=sign) == expected


@pytest.mark.parametrize(("p", "expected"), [
    (0.975, "benefit"), (0.9749, "inconclusive"), (0.025, "harm"), (0.0251, "inconclusive"),
    (math.nan, "unknown"),
])
def test_reading_from_probability_edges(p, expected) -> None:
    assert reading_from_probability(p) == expected


def test_prior_sensitivity_reads_the_mu_record() -> None:
    # records as jobs._power_scaling returns them (arviz_stats.psense_summary rows)
    records = [
        {"parameter": "mu", "prior": 0.189, "likelihood": 0.031,
         "diagnosis": "potential strong prior / weak likelihood"},
        {"parameter": "tau", "prior": 0.222, "likelihood": 0.005,
         "diagnosis": "potential strong prior / weak likelihood"},
    ]
    assert prior_sensitivity(records) == ("strong prior / weak likelihood "
                                          "(prior 0.189, likelihood 0.031)")
    ok = [{"parameter": "mu", "prior": 0.04, "likelihood": 0.07, "diagnosis": "\u2713"}]
    assert prior_sensitivity(ok) == "ok"
    conflict = [{"parameter": "mu", "prior": 0.062, "likelihood": 0.108,
                 "diagnosis": "potential prior-data conflict"}]
    assert prior_sensitivity(conflict) == "prior-data conflict (prior 0.062, likelihood 0.108)"
    failed = [{"parameter": "all", "diagnosis": "not computed: KeyError: 'log_prior'"}]
    assert prior_sensitivity(failed).startswith("not computed")
    assert prior_sensitivity(None) == ""
    assert prior_sensitivity(records, parameter="sigma") == ""


def test_report_notes_a_prior_driven_headline(tmp_path) -> None:
    from reanalyse.analyses import load_analysis
    from reanalyse.pipeline.defaults import load_defaults
    from reanalyse.pipeline.prepare import prepare_analysis
    from reanalyse.report.html import analysis_section
    from tests.conftest import PACKAGED_DEFAULTS

    spec = load_analysis(IIM / "analyses" / "ivig_acr_eular_response.toml", root=IIM)
    prep = prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS /
                                                         "bayes.toml"), root=IIM)
    base = {"bayes_median": float("nan")}
    strong = analysis_section(tmp_path, prep, pd.Series(
        {**base, "prior_sensitivity": "strong prior / weak likelihood (prior 0.189, "
                                      "likelihood 0.031)"}))
    assert "Prior-sensitive headline" in strong and "more than the data" in strong
    conflict = analysis_section(tmp_path, prep, pd.Series(
        {**base, "prior_sensitivity": "prior-data conflict (prior 0.062, likelihood 0.108)"}))
    assert "different directions" in conflict
    for quiet in ("ok", "", "not computed: KeyError"):
        html = analysis_section(tmp_path, prep, pd.Series({**base, "prior_sensitivity": quiet}))
        assert "Prior-sensitive headline" not in html
