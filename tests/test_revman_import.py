"""Importing a RevMan 5 review as a project: data with provenance, RevMan's pooled results as
targets, one specification per outcome; then reproduce and run treat it like any review."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reanalyse.analyses import load_analyses
from reanalyse.analyses.scenarios import provenance_problems
from reanalyse.cli import main
from reanalyse.errors import DataValidationError
from reanalyse.pipeline.run import run_pipeline
from reanalyse.reproduce import reproduce
from reanalyse.revman import read_rm5
from reanalyse.revman.importer import benefit_direction, import_review
from tests.conftest import empty_project


def _project(tmp_path: Path) -> Path:
    return empty_project(tmp_path)


@pytest.fixture(scope="module")
def imported(rm5_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = _project(tmp_path_factory.mktemp("import"))
    report = import_review(rm5=rm5_path, name="sorethroat", root=root)
    return root, report


def test_every_outcome_becomes_data_and_a_specification(imported, rm5_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, report = imported
    review = read_rm5(rm5_path)
    assert len(report.outcomes) == len(review.outcomes) == 21
    assert all(o.imported for o in report.outcomes)
    specs = {s.id: s for s in load_analyses(root=root)}
    assert set(specs) == {o.analysis_id for o in report.outcomes}
    first = specs["sorethroat_1_01"]
    # 'Favours antibiotics' on the left: a lower RR of sore throat favours antibiotics
    assert (first.measure, first.method, first.model) == ("RR", "MH", "random")
    assert first.higher_is_better is False
    assert (first.treatment, first.control) == ("Antibiotics", "Placebo")
    rows = pd.read_csv(root / "data" / "sorethroat" / "outcomes.csv", dtype=str,
                       keep_default_na=False)
    assert provenance_problems(rows, name="outcomes.csv") == []
    assert set(rows["derivation"]) == {"reported"}
    assert rows["source"].str.contains("antibiotics-for-sore-throat.rm5").all()
    brink = rows[(rows["outcome"] == "CMP-001.01") & (rows["study"] == "Brink 1951")]
    assert list(brink["events"]) == ["119", "129"] and list(brink["total"]) == ["277", "198"]


def test_reproduce_matches_every_revman_total(imported) -> None:  # type: ignore[no-untyped-def]
    """RevMan's stored totals are the targets: all 20 estimable outcomes reproduce at 2 dp (the
    not-estimable outcome 2.4 has no target), with every study counted as RevMan counts it."""
    root, _ = imported
    rows = {r.id: r for r in reproduce(root=root)}
    assert len(rows) == 20 and "sorethroat_2_04" not in rows
    bad = {rid: r.reason for rid, r in rows.items() if r.status != "reproduced"}
    assert bad == {}
    # a study split across subgroups is two rows of the analysis, as in RevMan's own pooling
    assert rows["sorethroat_1_04"].ours["k"] == 20
    published = pd.read_csv(root / "data" / "sorethroat" / "published.csv").set_index("id")
    assert "RevMan's STUDIES = 15" in published.loc["sorethroat_1_04", "note"]
    # non-estimable studies (no events in either arm) count, as RevMan's STUDIES counts them
    assert rows["sorethroat_4_01"].ours["k"] == 16 > rows["sorethroat_4_01"].ours["k_estimable"]


def test_imported_review_runs_through_the_pipeline(imported) -> None:  # type: ignore[no-untyped-def]
    root, _ = imported
    summary = run_pipeline(analyses=["sorethroat_1_01", "sorethroat_3_01"], root=root,
                           results_dir=root / "results", mcmc=False, nma=False, progress=False)
    assert summary is not None
    res = root / "results"
    dec = pd.read_csv(res / "decision.csv").set_index("analysis")
    assert set(dec.index) == {"sorethroat_1_01", "sorethroat_3_01"}
    for name in dec.index:
        assert (res / "analyses" / name / "grid.nc").is_file()
    assert (res / "report.html").is_file()


def test_existing_files_are_not_overwritten_without_the_flag(imported, rm5_path: Path,  # type: ignore[no-untyped-def]
                                                             capsys) -> None:
    root, _ = imported
    target = root / "data" / "sorethroat" / "outcomes.csv"
    before = target.read_bytes()
    with pytest.raises(DataValidationError, match="would overwrite"):
        import_review(rm5=rm5_path, name="sorethroat", root=root)
    assert target.read_bytes() == before
    report = import_review(rm5=rm5_path, name="sorethroat", root=root, overwrite=True)
    assert target.read_bytes() == before and len(report.files) == 24


def test_cli_import_and_bad_name(rm5_path: Path, tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                 monkeypatch) -> None:
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    assert main(["revman", str(rm5_path), "--import", "Sore Throat"]) == 2
    err = capsys.readouterr().err
    assert "must start with a letter" in err and "Traceback" not in err
    assert not (root / "data").exists()
    assert main(["revman", str(rm5_path), "--import", "st", "--json"]) == 0
    assert '"analysis": "st_1_01"' in capsys.readouterr().out
    assert (root / "analyses" / "st_4_08.toml").is_file()


@pytest.mark.parametrize(("groups", "labels", "expected"), [
    (("Antibiotics", "Placebo"), ("Favours antibiotics", "Favours placebo"), False),
    (("Antibiotics", "Placebo"), ("Favours placebo", "Favours antibiotics"), True),
    (("Drug X", "Usual care"), ("Favours experimental", "Favours control"), False),
    (("Drug X", "Usual care"), ("Favours control", "Favours experimental"), True),
    (("Drug X", "Usual care"), ("Lower", "Higher"), None),
    (("Drug X", "Usual care"), ("Favours drug x", "Favours drug x"), None),
    # CD016297 (../shared/fixtures/cochrane-data-package/CD016297-v2.zip, overall estimates):
    # the experimental group pools a class; the labels name it without "Any", or one agent
    (("Any Aβ-mAbs", "Placebo"), ("Favours Aβ-mAbs", "Favours placebo"), False),
    (("Any Aβ-mAbs", "Placebo"), ("Favours placebo", "Favours Aβ-mAbs"), True),
    (("Any Aβ-mAbs", "Placebo"), ("Favours placebo", "Favours bapinezumab"), True),
    (("Gantenerumab", "Placebo"), ("Favours ganenterumab", "Favours placebo"), False),
    (("Any Aβ-mAbs", "Placebo"), ("Favours &nbsp;placebo", "Favours donanemab"), True),
    (("Drug X", "Drug Y"), ("Favours drug z", "Favours drug w"), None),
])
def test_benefit_direction_from_forest_plot_labels(groups: tuple[str, str],
                                                   labels: tuple[str, str],
                                                   expected: bool | None) -> None:
    assert benefit_direction(group_labels=groups, graph_labels=labels) is expected


def test_imported_ratio_specs_carry_the_generic_thresholds(imported) -> None:  # type: ignore[no-untyped-def]
    from reanalyse.thresholds import primary_threshold

    root, _ = imported
    specs = {s.id: s for s in load_analyses(root=root)}
    first = specs["sorethroat_1_01"]
    assert [t.value for t in first.thresholds] == [0.8, 1.25]
    assert all("GRADE guidelines 6" in t.source and "generic" in t.label
               for t in first.thresholds)
    # lower RR is better here, so 0.8 is the benefit threshold used for P(meaningful benefit)
    primary = primary_threshold(first)
    assert primary is not None and primary.value == 0.8 and primary.side == "benefit"
    assert "Generic thresholds for RR" in first.notes
    assert all(s.thresholds for s in specs.values() if s.measure in ("RR", "OR", "SMD"))


def test_generic_thresholds_sign_smd_by_direction_and_name_every_problem(tmp_path: Path) -> None:
    from reanalyse.analyses.default_thresholds import DEFAULTS_NAME, generic_thresholds
    from reanalyse.errors import DataValidationError
    from reanalyse.io.resources import PROJECT_DEFAULTS

    root = _project(tmp_path)
    up = generic_thresholds(root=root, measure="SMD", higher_is_better=True)
    down = generic_thresholds(root=root, measure="SMD", higher_is_better=False)
    assert [t.value for t in up] == [0.2, 0.5, 0.8]
    assert [t.value for t in down] == [-0.2, -0.5, -0.8]
    assert generic_thresholds(root=root, measure="MD", higher_is_better=True) == []
    # a folder without defaults of its own gets the packaged ones (GRADE's 0.8 and 1.25)
    assert [t.value for t in generic_thresholds(root=tmp_path / "nowhere", measure="RR",
                                                higher_is_better=True)] == [0.8, 1.25]
    (root / PROJECT_DEFAULTS).mkdir(parents=True, exist_ok=True)
    (root / PROJECT_DEFAULTS / DEFAULTS_NAME).write_text(
        '[[RR]]\nvalue = -1\nlabel = "x"\nsource = "y"\n\n[[SMD]]\nmagnitude = 0.2\n'
        'label = "small"\n\n[[MD]]\nvalue = 5\nlabel = "x"\nsource = "y"\n')
    with pytest.raises(DataValidationError) as err:
        generic_thresholds(root=root, measure="RR", higher_is_better=True)
    text = str(err.value)
    assert "3 problems" in text and "RR.value" in text and "SMD.source" in text
    assert "'MD' has no generic thresholds" in text
