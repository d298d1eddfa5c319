"""Leave-one-out and small-study diagnostics through the pipeline, on a scratch review of the 13
BCG trials (metafor's dat.bcg, tests/reference_data.py): influence.csv, small_study.csv, the
funnel plot, the decision table's omission_changes and the report section."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from reanalyse.pipeline.run import run_pipeline
from tests import reference_data as ref
from tests.conftest import empty_project

SPEC = """\
id = "bcg"
title = "BCG vaccine vs no vaccine: tuberculosis"
data = "data/bcg/outcomes.csv"
outcome = "tuberculosis"
treatment = "BCG"
control = "no vaccine"
measure = "RR"
method = "MH"
model = "fixed"
tau2 = "DL"
tau_scale = "logRR"
higher_is_better = false

[[thresholds]]
value = 0.8
label = "appreciable benefit"
source = "GRADE guidelines 6 (J Clin Epidemiol 64:1283): RR 0.75/1.25 as a rough guide"
"""


@pytest.fixture(scope="module")
def bcg_run(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    root = empty_project(tmp_path_factory.mktemp("bcg"), name="bcg")
    rows = ref.binary_rows(ref.BCG, treatment="BCG", control="no vaccine")
    rows["outcome"] = "tuberculosis"
    rows["source"] = ("Colditz et al. 1994, JAMA 271:698, via metadat data-raw/dat.colditz1994"
                      ".txt, commit fc2ccb77")
    rows["derivation"] = "reported"
    (root / "data" / "bcg").mkdir(parents=True)
    rows.to_csv(root / "data" / "bcg" / "outcomes.csv", index=False)
    (root / "analyses" / "bcg.toml").write_text(SPEC)
    run_pipeline(root=root, results_dir=root / "results", mcmc=False, nma=False,
                 progress=False)
    return root / "results"


def test_influence_csv_holds_the_mh_leave_one_out(bcg_run: Path) -> None:
    table = pd.read_csv(bcg_run / "analyses" / "bcg" / "influence.csv")
    assert len(table) == 13 and (table["k"] == 12).all()
    for (_, row), want in zip(table.iterrows(), ref.BCG_LEAVE1OUT_MH, strict=True):
        assert math.log(row["estimate"]) == pytest.approx(want[0], abs=0.51e-4)
    # every omission keeps a benefit, frequentist and Bayesian
    assert set(table["freq_reading"]) == {"benefit"}
    assert table["p_benefit"].between(0, 1).all()
    decision = pd.read_csv(bcg_run / "decision.csv").set_index("analysis")
    assert decision.loc["bcg", "omission_changes"] == "none"


def test_small_study_tests_and_funnel_plot(bcg_run: Path) -> None:
    folder = bcg_run / "analyses" / "bcg"
    tests = pd.read_csv(folder / "small_study.csv").set_index("test")
    assert list(tests.index) == ["Peters", "Begg"]
    assert tests.loc["Begg", "statistic"] == pytest.approx(ref.BCG_RANKTEST["tau"], abs=0.51e-4)
    assert tests.loc["Begg", "p"] == pytest.approx(ref.BCG_RANKTEST["p"], abs=0.51e-4)
    assert (folder / "funnel.png").is_file() and (folder / "funnel.svg").is_file()
    report = (bcg_run / "report.html").read_text()
    assert 'id="influence-bcg"' in report and 'id="small-study-bcg"' in report
    assert "contour-enhanced funnel plot" in report


def test_a_review_without_published_targets_says_so(bcg_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from reanalyse.cli import main

    assert main(["reproduce", "--project", str(bcg_run.parent)]) == 0
    assert "No published results to reproduce" in capsys.readouterr().out
    report = (bcg_run / "report.html").read_text()
    assert "No published results to reproduce" in report


def test_pool_cli_prints_leave_one_out_and_small_study_json(bcg_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from reanalyse.cli import main

    data = bcg_run.parent / "data" / "bcg" / "outcomes.csv"
    code = main(["pool", str(data), "--measure", "RR", "--method", "MH", "--treatment", "BCG",
                 "--control", "no vaccine", "--leave-one-out", "--small-study", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    loo = out["leave_one_out"]
    assert [r["omitted"] for r in loo] == [t[0] for t in ref.BCG]
    assert math.log(loo[7]["estimate"]) == pytest.approx(ref.BCG_LEAVE1OUT_MH[7][0], abs=0.51e-4)
    begg = next(r for r in out["small_study"] if r["test"] == "Begg")
    assert begg["p"] == pytest.approx(ref.BCG_RANKTEST["p"], abs=0.51e-4)


def test_trim_fill_csv_report_and_cli(bcg_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from reanalyse.cli import main
    from reanalyse.data import load_table
    from reanalyse.effects import study_effects
    from reanalyse.trim_fill import trim_and_fill

    data = bcg_run.parent / "data" / "bcg" / "outcomes.csv"
    table = pd.read_csv(bcg_run / "analyses" / "bcg" / "trim_fill.csv")
    assert list(table["estimator"]) == ["L0", "R0"] and (table["k"] == 13).all()
    # the review's model (fixed) on the inverse-variance scale of the MH analysis' effects
    eff = study_effects(load_table(data), measure="RR", treatment="BCG", control="no vaccine")
    direct = trim_and_fill(eff, measure="RR", model="fixed")
    assert table.loc[0, "k0"] == direct.k0 and table.loc[0, "side"] == direct.side
    assert table.loc[0, "filled_estimate"] == pytest.approx(direct.filled.estimate, rel=1e-9)
    report = (bcg_run / "report.html").read_text()
    assert 'id="trim-fill-bcg"' in report
    assert main(["pool", str(data), "--measure", "RR", "--treatment", "BCG", "--control",
                 "no vaccine", "--trim-fill"]) == 0
    out = capsys.readouterr().out
    assert "Trim and fill" in out and f"{direct.filled.estimate:.2f}" in out
    assert main(["pool", str(data), "--measure", "RR", "--treatment", "BCG", "--control",
                 "no vaccine", "--trim-fill", "--min-studies", "20"]) == 0
    assert "not done: 13 studies, fewer than 20" in capsys.readouterr().out


def test_case_diagnostics_in_influence_csv_decision_and_cli(bcg_run: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from reanalyse.cli import main
    from reanalyse.data import load_table
    from reanalyse.effects import study_effects
    from reanalyse.influence import case_diagnostics

    data = bcg_run.parent / "data" / "bcg" / "outcomes.csv"
    table = pd.read_csv(bcg_run / "analyses" / "bcg" / "influence.csv")
    eff = study_effects(load_table(data), measure="RR", treatment="BCG", control="no vaccine")
    direct = case_diagnostics(eff, model="fixed")
    assert list(table["rstudent"]) == pytest.approx(list(direct["rstudent"]), rel=1e-9)
    flagged = "; ".join(direct.loc[direct["influential"], "study"]) or "none"
    decision = pd.read_csv(bcg_run / "decision.csv").set_index("analysis")
    assert decision.loc["bcg", "influential_studies"] == flagged
    assert "Case diagnostics" in (bcg_run / "report.html").read_text()
    assert main(["pool", str(data), "--measure", "RR", "--treatment", "BCG", "--control",
                 "no vaccine", "--model", "random", "--tau2", "REML", "--leave-one-out",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    row1 = out["case_diagnostics"][0]
    assert row1["rstudent"] == pytest.approx(ref.BCG_INFLUENCE_REML_ROW1["rstudent"], rel=2e-6)
    assert out["heterogeneity_ci"]["tau2_low"] == pytest.approx(ref.BCG_QP["tau2_low"], abs=7e-5)
