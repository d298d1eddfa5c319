"""Bad input: one test per validation rule, through the API and the CLI; and fuzzed tables.

Every problem names the file, the row (spreadsheet numbering, header = row 1), the column and the
rule; all problems are reported at once; the CLI prints them and exits 2 without a traceback.
"""

from __future__ import annotations

import io
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reanalyse.cli import main
from reanalyse.data import load_table
from reanalyse.errors import DataValidationError
from reanalyse.pooling import pool
from tests.conftest import IIM

BINARY_OK = "study,treatment,events,total\nA,drug,3,10\nA,placebo,5,10\n"
CONT_OK = "study,treatment,n,mean,sd\nA,drug,10,5.0,1.0\nA,placebo,10,4.0,1.5\n"

# (rule, csv text, expected row, expected column, measure for the CLI)
CASES = [
    ("missing column", "study,events,total\nA,3,10\nA,5,10\n", None, "treatment", "RR"),
    ("missing column", "study,treatment,n,mean\nA,drug,10,5\nA,placebo,10,4\n", 2, "sd", "MD"),
    ("non-numeric", "study,treatment,events,total\nA,drug,three,10\nA,placebo,5,10\n", 2,
     "events", "RR"),
    # Python's float() reads these; a spreadsheet cell holding them is a typing error
    ("non-numeric", "study,treatment,events,total\nA,drug,3,1_000\nA,placebo,5,10\n", 2,
     "total", "RR"),
    ("non-numeric", "study,treatment,n,mean,sd\nA,drug,10,\u0665.0,1\nA,placebo,10,4,1\n", 2,
     "mean", "MD"),
    ("n <= 0", "study,treatment,n,mean,sd\nA,drug,0,5,1\nA,placebo,10,4,1\n", 2, "n", "MD"),
    ("sd <= 0", "study,treatment,n,mean,sd\nA,drug,10,5,1\nA,placebo,10,4,-1\n", 3, "sd", "MD"),
    ("events < 0", "study,treatment,events,total\nA,drug,-1,10\nA,placebo,5,10\n", 2, "events",
     "RR"),
    ("events > total", "study,treatment,events,total\nA,drug,3,10\nA,placebo,11,10\n", 3,
     "events", "RR"),
    ("duplicated study-arm",
     "study,treatment,events,total\nA,drug,3,10\nA,placebo,5,10\nA,drug,4,10\n", 4, "treatment",
     "RR"),
    ("single arm", "study,treatment,events,total\nA,drug,3,10\nA,placebo,5,10\nB,drug,1,9\n", 4,
     "study", "RR"),
    ("CI excludes estimate",
     "study,treatment,comparator,estimate,ci_low,ci_high,measure\nA,drug,placebo,0.5,0.6,0.9,RR\n",
     2, "estimate", "RR"),
    ("measure does not fit", CONT_OK, 2, "mean", "RR"),
    ("measure does not fit", BINARY_OK, 2, "events", "SMD"),
    ("measure does not fit",
     "study,treatment,comparator,estimate,se,measure\nA,drug,placebo,0.5,0.2,MD\n", 2, "measure",
     "SMD"),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


def _problems(path: Path, measure: str) -> list:
    with pytest.raises(DataValidationError) as info:
        table = load_table(path)
        pool(table, measure=measure, treatment="drug", control="placebo")
    return list(info.value.problems)


@pytest.mark.parametrize(("rule", "text", "row", "column", "measure"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_through_api(tmp_path, rule, text, row, column, measure) -> None:
    path = _write(tmp_path, text)
    problems = _problems(path, measure)
    hit = [p for p in problems if p.rule == rule]
    assert hit, f"expected a '{rule}' problem, got {[str(p) for p in problems]}"
    assert hit[0].file == str(path)
    assert hit[0].row == row
    assert hit[0].column == column


@pytest.mark.parametrize(("rule", "text", "row", "column", "measure"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_through_cli(tmp_path, capsys, rule, text, row, column, measure) -> None:
    path = _write(tmp_path, text)
    code = main(["pool", str(path), "--measure", measure, "--treatment", "drug",
                 "--control", "placebo"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    line = next(ln for ln in err.splitlines() if f"[{rule}]" in ln)
    assert line.startswith(str(path))
    if row is not None:
        assert f"row {row}" in line
    assert f"column '{column}'" in line


def test_all_problems_reported_at_once(tmp_path) -> None:
    text = ("study,treatment,events,total\nA,drug,x,10\nA,placebo,12,10\nB,drug,-2,5\n"
            "B,placebo,1,5\nC,drug,1,5\n")
    with pytest.raises(DataValidationError) as info:
        load_table(_write(tmp_path, text))
    rules = [(p.rule, p.row) for p in info.value.problems]
    assert rules == [("non-numeric", 2), ("events > total", 3), ("events < 0", 4),
                     ("single arm", 6)]


def test_cli_exit_code_and_message_for_a_missing_file(capsys) -> None:
    code = main(["pool", "/nonexistent/x.csv", "--measure", "RR", "--treatment", "a",
                 "--control", "b"])
    err = capsys.readouterr().err
    assert code == 2 and "file not found" in err and "Traceback" not in err


def test_no_comparison_names_the_treatments_present(tmp_path) -> None:
    with pytest.raises(DataValidationError, match="treatments present: drug, placebo"):
        pool(load_table(_write(tmp_path, BINARY_OK)), measure="RR", treatment="x", control="y")


def test_mh_refuses_contrast_only_studies(tmp_path) -> None:
    text = ("study,treatment,comparator,estimate,ci_low,ci_high,measure,events,total\n"
            "A,drug,placebo,0.5,0.3,0.9,RR,,\nB,drug,,,,,,3,10\nB,placebo,,,,,,5,10\n")
    with pytest.raises(DataValidationError, match="MH needs arm-level binary data"):
        pool(load_table(_write(tmp_path, text)), measure="RR", method="MH", treatment="drug",
             control="placebo")


def test_valid_tables_load(tmp_path) -> None:
    t = load_table(_write(tmp_path, BINARY_OK))
    assert list(t.frame["kind"]) == ["binary", "binary"]
    assert list(t.frame["row"]) == [2, 3]


# --- property-based: the only exception that escapes the loader is the validation error -------

_cells = st.one_of(
    st.just(""), st.integers(-5, 50).map(str), st.floats(allow_nan=True).map(str),
    st.text(alphabet=string.printable, max_size=6),
)
_columns = st.lists(
    st.sampled_from(["study", "treatment", "comparator", "events", "total", "n", "mean", "sd",
                     "estimate", "se", "ci_low", "ci_high", "ci_level", "measure", "outcome",
                     "junk", ""]),
    min_size=0, max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(columns=_columns, data=st.data())
def test_loader_raises_only_validation_errors_on_malformed_tables(tmp_path_factory, columns,
                                                                   data) -> None:
    n_rows = data.draw(st.integers(0, 5))
    rows = [[data.draw(_cells) for _ in columns] for _ in range(n_rows)]
    buf = io.StringIO()
    pd.DataFrame(rows, columns=columns).to_csv(buf, index=False)
    text = buf.getvalue()
    if data.draw(st.booleans()):  # sometimes break the CSV itself
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut] + data.draw(st.text(max_size=5))
    path = tmp_path_factory.mktemp("fuzz") / "t.csv"
    path.write_text(text)
    try:
        table = load_table(path)
    except DataValidationError:
        return
    for measure in ("RR", "MD"):
        try:
            pool(table, measure=measure, treatment="a", control="b")
        except DataValidationError:
            pass


@settings(max_examples=100, deadline=None)
@given(blob=st.binary(max_size=200))
def test_loader_survives_arbitrary_bytes(tmp_path_factory, blob) -> None:
    path = tmp_path_factory.mktemp("bytes") / "t.csv"
    path.write_bytes(blob)
    try:
        load_table(path)
    except DataValidationError:
        pass


def test_rows_picked_for_an_analysis_are_named_by_their_own_file_and_row(tmp_path) -> None:
    """An analysis pools a few rows of a long file: a problem names the file and the row of the
    file (not the row's place among the rows picked)."""
    import shutil

    from reanalyse.analyses import load_analysis
    from reanalyse.analyses.inputs import analysis_rows

    root = tmp_path / "project"
    (root / "analyses").mkdir(parents=True)
    shutil.copytree(IIM / "data" / "iim2023", root / "data" / "iim2023")
    shutil.copy(IIM / "analyses" / "mtx_jdm_printo_20.toml", root / "analyses")
    path = root / "data" / "iim2023" / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    mtx = next(i for i, ln in enumerate(lines)
               if ln.startswith("Ruperto 2016,methotrexate,,printo_20,"))
    pred = next(i for i, ln in enumerate(lines)
                if ln.startswith("Ruperto 2016,steroids alone,,printo_20,"))
    assert ",33,46," in lines[mtx] and ",24,47," in lines[pred]
    lines[mtx] = lines[mtx].replace(",33,46,", ",33,x46,")
    lines[pred] = lines[pred].replace(",24,47,", ",48,47,")
    path.write_text("".join(lines), encoding="utf-8")
    spec = load_analysis(root / "analyses" / "mtx_jdm_printo_20.toml", root=root)
    with pytest.raises(DataValidationError) as info:
        analysis_rows(spec, root=root).table()
    found = {(p.file, p.row, p.column, p.rule) for p in info.value.problems}
    # spreadsheet rows: the header is row 1, so list index i is row i + 1
    assert found == {("data/iim2023/outcomes.csv", mtx + 1, "total", "non-numeric"),
                     ("data/iim2023/outcomes.csv", pred + 1, "events", "events > total")}


def test_an_arm_row_emptied_of_its_data_is_refused_by_file_and_row(tmp_path) -> None:
    """A picked arm row with no data at all is a fault of the file, named by file and row, not
    a study the analysis passes over with a note."""
    import shutil

    from reanalyse.analyses import load_analysis
    from reanalyse.analyses.inputs import analysis_rows

    root = tmp_path / "project"
    (root / "analyses").mkdir(parents=True)
    shutil.copytree(IIM / "data" / "iim2023", root / "data" / "iim2023")
    shutil.copy(IIM / "analyses" / "mtx_jdm_printo_20.toml", root / "analyses")
    path = root / "data" / "iim2023" / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    mtx = next(i for i, ln in enumerate(lines)
               if ln.startswith("Ruperto 2016,methotrexate,,printo_20,"))
    assert ",33,46," in lines[mtx]
    lines[mtx] = lines[mtx].replace(",33,46,", ",,,")
    path.write_text("".join(lines), encoding="utf-8")
    spec = load_analysis(root / "analyses" / "mtx_jdm_printo_20.toml", root=root)
    with pytest.raises(DataValidationError) as info:
        analysis_rows(spec, root=root).table()
    found = {(p.file, p.row, p.rule) for p in info.value.problems}
    assert ("data/iim2023/outcomes.csv", mtx + 1, "row kind") in found
    assert all(p.file == "data/iim2023/outcomes.csv" and p.row for p in info.value.problems)
