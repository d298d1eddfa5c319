"""The IIM 2023 data: provenance on every row, scenarios, studies, published targets, specs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reanalyse.analyses import (
    LABELS,
    derivation_label,
    find_root,
    load_analyses,
    load_analysis,
    provenance_problems,
    read_rows,
    scenario_rows,
    select_scenario,
)
from reanalyse.data import load_table
from reanalyse.errors import DataValidationError
from tests.conftest import IIM as PROJECT

ROOT = PROJECT
IIM = ROOT / "data" / "iim2023"
OUTCOMES = IIM / "outcomes.csv"
RECON = IIM / "reconstruction.csv"
TREATMENTS = {
    "IVIg", "placebo", "azathioprine", "methotrexate", "ciclosporin", "methotrexate + ciclosporin",
    "methotrexate + azathioprine", "steroids alone", "dexamethasone", "prednisolone",
    "plasma exchange", "leukapheresis", "sham apheresis", "tacrolimus",
}


def _labels(path: Path) -> set[str]:
    return set(read_rows(path)["derivation"].map(derivation_label))


@pytest.mark.parametrize("path", [OUTCOMES, RECON], ids=["outcomes", "reconstruction"])
def test_every_row_has_a_source_and_a_labelled_derivation(path: Path) -> None:
    rows = read_rows(path)
    assert len(rows) > 0
    assert provenance_problems(rows) == []
    assert all(str(s).strip() for s in rows["source"])
    assert set(rows["derivation"].map(derivation_label)) <= set(LABELS)


def test_outcomes_file_holds_only_sourced_rows_and_reconstruction_only_the_rest() -> None:
    assert _labels(OUTCOMES) <= {"reported", "derived"}
    assert _labels(RECON) <= {"imputed", "back-solved"}
    assert "back-solved" in _labels(RECON)


@pytest.mark.parametrize("path", [OUTCOMES, RECON], ids=["outcomes", "reconstruction"])
def test_outcome_files_pass_the_canonical_loader(path: Path) -> None:
    table = load_table(path)
    assert set(table.frame["kind"]) <= {"continuous", "binary", "contrast"}


@pytest.mark.parametrize("scenario", ["sourced", "reconstruction"])
def test_each_scenario_is_a_valid_table(scenario: str) -> None:
    rows = scenario_rows([OUTCOMES, RECON], scenario)
    assert rows.attrs["scenario"] == scenario
    load_table(rows, name=scenario)


def test_no_back_solved_or_imputed_row_enters_sourced() -> None:
    rows = scenario_rows([OUTCOMES, RECON], "sourced")
    labels = set(rows["derivation"].map(derivation_label))
    assert labels <= {"reported", "derived"}
    assert len(rows) == len(read_rows(OUTCOMES))


def test_reconstruction_replaces_sourced_rows_with_the_same_key() -> None:
    def haq(scenario: str) -> pd.DataFrame:
        rows = scenario_rows([OUTCOMES, RECON], scenario)
        return rows[(rows["study"] == "ProDERM 2022") & (rows["outcome"] == "disability")]

    assert sorted(haq("sourced")["n"].astype(int)) == [43, 45]
    assert sorted(haq("reconstruction")["n"].astype(int)) == [47, 48]
    rec = scenario_rows([OUTCOMES, RECON], "reconstruction")
    dal = rec[(rec["study"] == "Dalakas 1993") & (rec["outcome"] == "muscle_strength")]
    assert list(dal["measure"]) == ["SMD"]


def _frame(**overrides: str) -> pd.DataFrame:
    row = {"study": "A", "treatment": "x", "events": "1", "total": "10",
           "source": "somewhere, table 1", "derivation": "reported"}
    rows = [row, {**row, "treatment": "y"}]
    rows[1].update(overrides)
    return pd.DataFrame(rows)


def test_select_scenario_rejects_missing_source_and_unknown_labels() -> None:
    with pytest.raises(DataValidationError) as err:
        select_scenario(_frame(source=""))
    assert any(p.rule == "no source" and p.row == 3 for p in err.value.problems)
    with pytest.raises(DataValidationError) as err:
        select_scenario(_frame(derivation="guessed: from memory"))
    assert any(p.rule == "derivation label" for p in err.value.problems)
    with pytest.raises(DataValidationError) as err:
        select_scenario(_frame(derivation="back-solved"))
    assert any(p.rule == "derivation details" for p in err.value.problems)
    with pytest.raises(DataValidationError):
        select_scenario(_frame(), "everything")


def test_select_scenario_drops_back_solved_rows_from_sourced() -> None:
    frame = _frame(derivation="back-solved: from a pooled RR")
    assert list(select_scenario(frame, "sourced")["treatment"]) == ["x"]
    assert list(select_scenario(frame, "reconstruction")["treatment"]) == ["x", "y"]


def test_treatment_names_are_canonical() -> None:
    for path in (OUTCOMES, RECON):
        rows = read_rows(path)
        names = set(rows["treatment"]) | {c for c in rows["comparator"] if c}
        assert names <= TREATMENTS, names - TREATMENTS


def test_every_data_study_is_listed_in_studies_csv() -> None:
    studies = pd.read_csv(IIM / "studies.csv", dtype=str, keep_default_na=False)
    listed = set(studies["study"])
    for path in (OUTCOMES, RECON):
        assert set(read_rows(path)["study"]) <= listed
    assert set(studies["status"]) <= {"included", "possible", "placeholder"}
    assert (studies["status"] == "included").sum() == 11


def test_each_crossover_trial_documents_its_handling() -> None:
    studies = pd.read_csv(IIM / "studies.csv", dtype=str, keep_default_na=False)
    cross = studies[studies["design"] == "crossover"]
    assert set(cross["study"]) >= {"Dalakas 1993", "Miyasaka 2012", "Villalba 1998"}
    for _, s in cross.iterrows():
        assert s["crossover_handling"] in ("first period", "paired"), s["study"]
        assert len(s["crossover_rationale"]) > 40, s["study"]
    others = studies[(studies["design"] != "crossover") & (studies["status"] != "placeholder")]
    assert set(others["crossover_handling"]) == {"not applicable"}


def test_crossover_handling_is_applied_dalakas_first_period_only() -> None:
    rows = read_rows(OUTCOMES)
    dal = rows[rows["study"] == "Dalakas 1993"]
    # the both-period pooled counts (11/12 vs 3/11) are not data under first-period handling
    assert not ((dal["events"] == "11") & (dal["total"] == "12")).any()
    assert "n = 15 (8 IVIg, 7 placebo: the first period)" in " ".join(dal["note"])


PUBLISHED = [
    ("ivig_disability", "SMD", 0.86, 0.51, 1.21, 3, 136),
    ("ivig_muscle_strength", "SMD", 0.78, 0.43, 1.13, 3, 136),
    ("ivig_acr_eular_response", "RR", 1.80, 1.26, 2.56, 1, 95),
    ("ivig_cdasi_activity", "MD", -8.20, -11.91, -4.49, 1, 95),
    ("ivig_serious_adverse_events", "RR", 1.91, 0.50, 7.30, 2, 144),
    ("ivig_withdrawals", "RR", 1.02, 0.24, 4.33, 3, 154),
    ("aza_strength_improvement", "RR", 1.33, 0.43, 4.13, 1, 16),
    ("aza_cumulative_steroid_dose", "MD", 12.06, -6.09, 30.21, 1, 16),
    ("mtx_function", "MD", 1.24, -1.60, 4.08, 1, 27),
    ("mtx_muscle_strength", "MD", -5.68, -12.94, 1.58, 1, 27),
    ("mtx_imacs_doi", "RR", 1.01, 0.74, 1.39, 1, 27),
    ("mtx_jdm_printo_20", "RR", 1.40, 1.01, 1.96, 1, 93),
    ("mtx_serious_adverse_events", "RR", 1.48, 0.54, 4.07, 2, 124),
    ("mtx_withdrawals", "RR", 0.62, 0.37, 1.05, 3, 151),
]


def test_published_csv_holds_the_fourteen_abstract_results_from_issue_3() -> None:
    pub = pd.read_csv(IIM / "published.csv", dtype=str, keep_default_na=False)
    assert len(pub) == 14
    got = [(r.id, r.measure, float(r.estimate), float(r.ci_low), float(r.ci_high), int(r.studies),
            int(r.participants)) for r in pub.itertuples()]
    assert got == PUBLISHED
    assert all(pub["source"].str.len() > 0)
    # certainty is not in the research files: left empty, with a note saying so
    assert set(pub["certainty"]) == {""}
    assert all("not available" in n for n in pub["note"])


def test_no_python_under_declarative_folders() -> None:
    for folder in ("data", "analyses"):
        assert not list((ROOT / folder).rglob("*.py"))


def test_all_analysis_specs_load_and_name_existing_data() -> None:
    specs = load_analyses(root=ROOT)
    assert len(specs) >= 14 + 10
    published = [s for s in specs if s.published]
    assert sorted(s.published for s in published) == sorted(p[0] for p in PUBLISHED)
    for s in specs:
        assert (ROOT / s.data).is_file()
        assert s.reconstruction_data is None or (ROOT / s.reconstruction_data).is_file()
        rows = read_rows(ROOT / s.data)
        assert s.outcome in set(rows["outcome"]) | set(read_rows(RECON)["outcome"]), s.id
    heads = {s.id for s in specs} - {p[0] for p in PUBLISHED}
    assert {"mtx_aza_vs_iv_mtx_improvement", "plasma_exchange_vs_sham_improvement",
            "dex_vs_pred_remission", "csa_vs_mtx_jdm_printo_20"} <= heads


def test_spec_thresholds_carry_sources_and_mcids_are_provisional() -> None:
    specs = {s.id: s for s in load_analyses(root=ROOT)}
    smd = [t.value for t in specs["ivig_disability"].thresholds]
    assert smd == [0.2, 0.5, 0.8]
    assert [t.value for t in specs["ivig_acr_eular_response"].thresholds] == [1.25, 0.8]
    haq = specs["ivig_haq_di_md"].thresholds
    assert [t.value for t in haq] == [-0.65] and all(t.provisional for t in haq)
    mmt = specs["ivig_mmt8_md"].thresholds
    assert [t.value for t in mmt] == [3.7] and all(t.provisional for t in mmt)
    for s in specs.values():
        assert all(t.source for t in s.thresholds)


def _write_spec(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    (tmp_path / "reanalyse.toml").write_text("")
    (tmp_path / "analyses").mkdir(exist_ok=True)
    (tmp_path / "d.csv").write_text("study,treatment\ns1,a\ns1,b\n")
    path = tmp_path / "analyses" / name
    path.write_text(text)
    return path


GOOD = """id = "broken"
title = "t"
data = "d.csv"
outcome = "o"
treatment = "a"
control = "b"
measure = "RR"
method = "MH"
model = "fixed"
tau_scale = "logRR"
higher_is_better = true
"""


def test_spec_loader_accepts_a_minimal_spec(tmp_path: Path) -> None:
    spec = load_analysis(_write_spec(tmp_path, GOOD), root=tmp_path)
    assert spec.tau2 == "DL" and spec.pairs == [("a", "b")]


def test_spec_loader_reports_unknown_keys_with_file_and_key(tmp_path: Path) -> None:
    path = _write_spec(tmp_path, GOOD + 'colour = "blue"\n[[thresholds]]\nvalue = 1.25\n'
                       'label = "x"\nsource = "y"\nweight = 2\n')
    with pytest.raises(DataValidationError) as err:
        load_analysis(path, root=tmp_path)
    found = {(p.rule, p.column) for p in err.value.problems}
    assert ("unknown key", "colour") in found
    assert ("unknown key", "thresholds.0.weight") in found
    assert all(p.file == str(path) for p in err.value.problems)


def test_spec_loader_checks_consistency_id_and_files(tmp_path: Path) -> None:
    bad = GOOD.replace('method = "MH"', 'method = "PETO"').replace('data = "d.csv"',
                                                                   'data = "nope.csv"')
    with pytest.raises(DataValidationError) as err:
        load_analysis(_write_spec(tmp_path, bad), root=tmp_path)
    assert any("PETO" in p.message for p in err.value.problems)
    with pytest.raises(DataValidationError) as err:
        load_analysis(_write_spec(tmp_path, GOOD.replace('data = "d.csv"', 'data = "nope.csv"'),
                                  name="other.toml"), root=tmp_path)
    rules = {p.rule for p in err.value.problems}
    assert {"id", "missing data file"} <= rules
    with pytest.raises(DataValidationError) as err:
        load_analysis(_write_spec(tmp_path, "id = [", name="x.toml"), root=tmp_path)
    assert err.value.problems[0].rule == "toml"


def test_find_root_walks_up_and_honours_the_environment(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from reanalyse.project import ProjectNotFoundError

    monkeypatch.delenv("REANALYSE_PROJECT", raising=False)
    assert find_root(ROOT / "data" / "iim2023") == ROOT
    monkeypatch.setenv("REANALYSE_PROJECT", str(tmp_path))
    with pytest.raises(ProjectNotFoundError, match="is not a reanalyse project"):
        find_root(ROOT)  # the folder named has no reanalyse.toml
    (tmp_path / "reanalyse.toml").write_text("[project]\nname = 'other'\n")
    assert find_root(ROOT) == tmp_path.resolve()
    monkeypatch.delenv("REANALYSE_PROJECT")
    (tmp_path / "reanalyse.toml").unlink()
    with pytest.raises(ProjectNotFoundError, match="reanalyse init DIR"):
        find_root(tmp_path)
