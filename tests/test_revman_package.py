"""Cochrane (RevMan Web) data packages: the real v1 (Fleiss 1993) and v2.3 (CD016297) packages.

The fixtures lie beside the clone (../shared/fixtures/cochrane-data-package, SOURCE.md there);
they are read where they lie, never copied. Numbers asserted are the files' own stored numbers or
those the issue quotes for CD016297 analysis 1.1.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from reanalyse.errors import DataValidationError
from reanalyse.revman import read_rm5
from reanalyse.revman.package import read_package, read_review
from reanalyse.revman.recompute import recompute_outcome, recompute_review
from tests.conftest import SHARED as SHARED_ROOT

SHARED = SHARED_ROOT / "fixtures"
V1 = SHARED / "cochrane-data-package" / "fleiss1993-v1.zip"
V2 = SHARED / "cochrane-data-package" / "CD016297-v2.zip"
RM5 = SHARED / "revman" / "fleiss1993.rm5"

needs_v1 = pytest.mark.skipif(not V1.exists(), reason=f"fixture {V1} is absent")
needs_v2 = pytest.mark.skipif(not V2.exists(), reason=f"fixture {V2} is absent")
needs_rm5 = pytest.mark.skipif(not RM5.exists(), reason=f"fixture {RM5} is absent")


def _v1_overall_text() -> pd.DataFrame:
    """The v1 overall CSV as printed (text cells), read straight from the nested zip."""
    with zipfile.ZipFile(V1) as outer:
        inner_name = next(n for n in outer.namelist() if n.endswith("-data.zip"))
        with zipfile.ZipFile(io.BytesIO(outer.read(inner_name))) as inner:
            name = next(n for n in inner.namelist()
                        if n.endswith("-overall-estimates-and-settings.csv"))
            return pd.read_csv(io.BytesIO(inner.read(name)), encoding="utf-8-sig", dtype=str,
                               keep_default_na=False)


def _half_unit(printed: str) -> float:
    """Half a unit in the last printed decimal place of a number as the file prints it."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** -decimals


@needs_v1
def test_v1_fleiss_reads_settings() -> None:
    review = read_review(V1)
    assert review.revman_version == "data package 1"
    o = review.outcome(1, 1)
    assert (o.data_type, o.settings.effect_measure, o.settings.method) == ("dichotomous", "OR",
                                                                           "MH")
    assert not o.settings.random and o.settings.ci_total == 0.95 and o.settings.ci_study == 0.95
    assert len(o.rows) == 7 and not o.subgroups
    o2 = review.outcome(1, 2)
    assert (o2.data_type, o2.settings.effect_measure) == ("continuous", "SMD")
    # RevMan wrote 0 for the results it did not compute (the .rm5 leaves them empty).
    assert o2.stored is not None and o2.stored.effect_size is None and o2.stored.df == 4


@needs_v1
def test_v1_fleiss_recompute_reproduces_the_stored_numbers_within_printed_precision() -> None:
    printed = _v1_overall_text()
    review = read_review(V1)
    checked = 0
    for _, rec in printed.iterrows():
        outcome = review.outcome(int(rec["Analysis group"]), int(rec["Analysis number"]))
        check = recompute_outcome(outcome)
        res = check.result
        assert res is not None
        if rec["CI start"] == rec["CI end"]:  # not computed by RevMan (analysis 1.2)
            continue
        for ours, column in ((res.estimate, "Mean"), (res.ci_low, "CI start"),
                             (res.ci_high, "CI end"), (res.q, "Heterogeneity Chi²"),
                             (res.i2, "Heterogeneity I²"), (abs(res.z), "Effect Z"),
                             (res.p_z, "Effect P"), (res.p_q, "Heterogeneity P")):
            text = rec[column]
            assert abs(ours - float(text)) <= _half_unit(text) + 1e-12, (column, ours, text)
            checked += 1
    assert checked == 8
    assert printed.loc[0, "Mean"] == "0.896866"


@needs_v1
@needs_rm5
def test_v1_study_rows_equal_the_rm5_readers_rows() -> None:
    package, rm5 = read_review(V1), read_rm5(RM5)
    assert [(o.comparison_no, o.outcome_no, o.data_type) for o in package.outcomes] == \
        [(o.comparison_no, o.outcome_no, o.data_type) for o in rm5.outcomes]
    fields = ("events_1", "total_1", "events_2", "total_2", "mean_1", "sd_1", "mean_2", "sd_2")
    for po, ro in zip(package.outcomes, rm5.outcomes, strict=True):
        ours = sorted((r.study, *(getattr(r, f) for f in fields)) for _, r in po.iter_rows())
        theirs = sorted((r.study, *(getattr(r, f) for f in fields)) for _, r in ro.iter_rows())
        assert ours == theirs
    assert package.outcome(1, 1).settings.effect_measure == rm5.outcome(1, 1).settings.effect_measure


@needs_v2
def test_v2_reads_with_v2_settings() -> None:
    review = read_review(V2)
    assert review.revman_version == "data package 2"
    assert len(review.outcomes) == 84
    assert sum(1 for o in review.outcomes for _ in o.iter_rows()) == 358
    o = review.outcome(1, 1)
    s = o.settings
    assert (o.data_type, s.effect_measure, s.method, s.random) == ("continuous", "SMD", "IV", True)
    assert (s.tau2_method, s.ci_method, s.prediction_interval) == ("REML", "HKSJ", False)
    assert len(o.subgroups) == 7 and sum(len(sg.rows) for sg in o.subgroups) == 13
    assert o.subgroups[0].name == "Aducanumab"
    assert o.graph_labels == ("Favours Aβ-mAbs", "Favours placebo")  # UTF-8 read (BOM'd file)
    # study-data.json: outcome "Cognitive function" has direction NEGATIVE
    assert o.higher_is_better is False
    assert review.outcome(1, 2).data_type == "generic_iv"
    assert review.outcome(4, 1).settings.effect_measure == "RR"


@needs_v2
def test_v2_cells_na_true_false_percent() -> None:
    review = read_review(V2)
    # "Overall estimates" false in 7 analyses: no totals
    no_totals = [o for o in review.outcomes if o.settings.totals != "YES"]
    assert len(no_totals) == 7
    # "Subgroup P" etc. and "#N/A" in "Data source eligibility" read without error; 95% -> 0.95
    assert {o.settings.ci_total for o in review.outcomes} == {0.95}
    assert all(o.settings.swap_events is False for o in review.outcomes)


@needs_v2
def test_v2_analysis_1_1_reml_hksj_reproduces_the_published_numbers() -> None:
    check = recompute_outcome(read_review(V2).outcome(1, 1))
    res = check.result
    assert res is not None and res.k == 13 and res.hksj and res.tau2_method == "REML"
    assert res.tau2 == pytest.approx(0.00062983, abs=5e-9)
    assert res.estimate == pytest.approx(-0.1106454, abs=5e-8)
    assert res.ci_low == pytest.approx(-0.1595, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.0618, abs=5e-5)
    assert abs(res.z) == pytest.approx(4.9329, abs=5e-5)  # T, on k - 1 = 12 df
    # The published P (5.31e-7) is the Wald z P value, not the t test's.
    assert res.p_z != pytest.approx(5.31e-7, rel=0.05)
    wald_p = check.differences.set_index(["level", "field"]).loc[("overall", "p_z")]
    assert wald_p["ours"] == pytest.approx(5.31e-7, rel=0.005)
    assert check.agrees


@needs_v2
def test_v2_recompute_every_analysis() -> None:
    checks = recompute_review(read_review(V2))
    assert len(checks) == 84
    for c in checks:
        d = c.differences
        main = d[d["field"].isin(["estimate", "ci_low", "ci_high"])]
        # Within 1e-6 relative everywhere but analysis 10.2, subgroup 2, whose CI start
        # (-0.002434) differs by 1.5e-8 (REML's convergence), within 1e-7 absolute.
        diff = (main["ours"] - main["revman"]).abs()
        assert len(main) and bool(((main["rel_diff"] < 1e-6) | (diff < 1e-7)).all()), \
            c.outcome.id
        # tau², I² and P values: RevMan's REML stops at tau² ~ 1e-9 where ours is 0 (report)
        assert float(d["rel_diff"].max()) < 1e-4, c.outcome.id


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_a_zip_that_is_not_a_package(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    path.write_bytes(_zip({"readme.txt": "hello"}))
    with pytest.raises(DataValidationError) as err:
        read_package(path)
    p = err.value.problems[0]
    assert p.file == str(path) and p.rule == "not-a-data-package"
    assert "overall-estimates-and-settings.csv" in p.message


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_text("not a zip")
    with pytest.raises(DataValidationError) as err:
        read_review(path)
    assert err.value.problems[0].rule == "not-a-zip"


@needs_v2
def test_missing_csv_and_missing_column(tmp_path: Path) -> None:
    with zipfile.ZipFile(V2) as z:
        names = z.namelist()
        overall = next(n for n in names if n.endswith("overall-estimates-and-settings.csv"))
        folder = tmp_path / "pkg"
        folder.mkdir()
        (folder / Path(overall).name).write_bytes(z.read(overall))
    with pytest.raises(DataValidationError) as err:
        read_review(folder)
    assert "data-rows.csv" in err.value.problems[0].message
    rows = folder / "CD016297-data-rows.csv"
    rows.write_text("\ufeffAnalysis group,Analysis number\n1,1\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        read_review(folder)
    p = err.value.problems[0]
    assert p.file == str(rows) and p.column == "Study" and p.rule == "missing-column"


@needs_v2
def test_csvs_alone_in_a_folder_read_without_the_json(tmp_path: Path) -> None:
    with zipfile.ZipFile(V2) as z:
        for n in z.namelist():
            if n.endswith(".csv") and "analysis-data" in n:
                (tmp_path / Path(n).name).write_bytes(z.read(n))
    review = read_review(tmp_path)
    o = review.outcome(1, 1)
    assert (o.settings.tau2_method, o.settings.ci_method) == ("REML", "HKSJ")
    assert o.higher_is_better is None  # no study-data.json: the importer reads the labels
    assert not math.isnan(recompute_outcome(o).result.estimate)  # type: ignore[union-attr]


@needs_v1
def test_cli_reads_a_package(capsys: pytest.CaptureFixture[str]) -> None:
    from reanalyse.cli import main

    assert main(["revman", str(V1), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"analysis:444821446161559182"' in out


def test_cli_bad_package_is_one_line_and_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from reanalyse.cli import main

    path = tmp_path / "other.zip"
    path.write_bytes(_zip({"readme.txt": "hello"}))
    assert main(["revman", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not-a-data-package" in err and str(path) in err


@needs_v2
def test_v2_rob2_judgements_stay_on_each_row() -> None:
    """The data rows' RoB 2 judgements (``<domain> (judgement)`` columns of
    CD016297-data-rows.csv) are kept on each study row and in the long table, as the file has
    them, for later sensitivity analyses by risk of bias."""
    import csv

    from reanalyse.revman.tidy import outcome_to_long, rob_column

    with zipfile.ZipFile(V2) as package:
        name = next(n for n in package.namelist() if n.endswith("data-rows.csv"))
        raw = list(csv.DictReader(io.StringIO(package.read(name).decode("utf-8-sig"))))
    first = next(r for r in raw if r["Analysis number"] == "1" and r["Analysis group"] == "1")
    review = read_review(V2)
    outcome = review.outcomes[0]
    row = next(r for r in (r for _, r in outcome.iter_rows()) if r.study == first["Study"])
    judged = {k.removesuffix(" (judgement)"): v for k, v in first.items()
              if k.endswith(" (judgement)") and v}
    assert dict(row.risk_of_bias) == judged and "Overall bias" in judged
    long = outcome_to_long(outcome)
    mine = long[long["study"] == first["Study"]]
    assert set(mine[rob_column("Overall bias")]) == {judged["Overall bias"]}
    assert rob_column("Bias due to missing outcome data") == "rob_bias_due_to_missing_outcome_data"


@needs_v2
def test_v2_reml_i2_comes_from_tau2_not_from_q() -> None:
    """RevMan Web's rule: under REML, I² is tau²/(tau² + v) with the typical within-study
    variance v, not (Q - df)/Q. CD016297 analysis 4.2 (RR, REML, Wald, k = 11) stores
    tau² 0.0542155, I² 25.2295 % beside Q 19.66899 on 10 df, whose Q-based I² would be
    (19.66899 - 10)/19.66899 = 49.16 % (by hand)."""
    outcome = read_review(V2).outcome(4, 2)
    st = outcome.stored
    assert st is not None and outcome.settings.tau2_method == "REML"
    assert st.i2 == pytest.approx(25.2295, abs=5e-5)
    assert 100 * (st.chi2 - st.df) / st.chi2 == pytest.approx(49.16, abs=0.005)
    check = recompute_outcome(outcome)
    d = check.differences.set_index(["level", "study", "field"])
    assert d.loc[("overall", "", "i2"), "ours"] == pytest.approx(25.2295, abs=5e-5)
    assert check.result is not None and check.result.i2 == pytest.approx(49.16, abs=0.005)
    assert "I² from tau²" in check.note and check.agrees


def test_revman_web_prediction_interval_by_hand() -> None:
    """mu ± z·sqrt(tau² + SE²): te 0.1, SE 0.05, tau² 0.01 -> half-width
    1.959964 x 0.1118034 = 0.2191306 (by hand), not t on k - 2 df."""
    from reanalyse.revman.recompute import revman_web_prediction_interval

    low, high = revman_web_prediction_interval(te=0.1, se=0.05, tau2=0.01, level=0.95)
    assert (low, high) == (pytest.approx(-0.1191306, abs=1e-6),
                           pytest.approx(0.3191306, abs=1e-6))


@needs_v2
def test_v2_prediction_interval_rule_is_compared_and_named() -> None:
    """No CD016297 analysis has the prediction interval on, so the rule is checked on analysis
    4.2 (RR, REML, Wald, k = 11) with the interval switched on and its limits derived by hand
    from the file's own numbers: SE = (ln 13.4068991 - ln 7.49112254)/(2 x 1.959964) =
    0.148485, PI = exp(ln 10.0216128 ± 1.959964 x sqrt(0.0542155 + 0.148485²)) =
    5.83272 to 17.2188. The output says the rule is not confirmed by a file."""
    from dataclasses import replace

    outcome = read_review(V2).outcome(4, 2)
    st = outcome.stored
    assert st is not None
    z = 1.959964
    se = (math.log(st.ci_end) - math.log(st.ci_start)) / (2 * z)
    assert se == pytest.approx(0.148485, abs=1e-6)
    half = z * math.sqrt(st.tau2 + se**2)
    low, high = math.exp(math.log(st.effect_size) - half), math.exp(math.log(st.effect_size) + half)
    assert (low, high) == (pytest.approx(5.83272, abs=5e-5), pytest.approx(17.2188, abs=5e-4))
    switched = replace(outcome, settings=replace(outcome.settings, prediction_interval=True),
                       stored=replace(st, pi_start=low, pi_end=high))
    check = recompute_outcome(switched)
    d = check.differences.set_index(["level", "study", "field"])
    assert d.loc[("overall", "", "pi_low"), "ok"] and d.loc[("overall", "", "pi_high"), "ok"]
    assert "not confirmed by a file" in check.note and check.agrees
    # Higgins et al.'s t on k - 2 = 9 df (what pool() reports) would be wider, and refused
    t_pi = replace(switched, stored=replace(st, pi_start=check.result.pi_low,
                                            pi_end=check.result.pi_high))
    assert check.result.pi_low < low and not recompute_outcome(t_pi).agrees


@needs_v1
def test_mh_random_effects_use_dersimonian_laird() -> None:
    """RevMan Web's rule: Mantel-Haenszel analyses use DL whatever estimator is recorded.
    Fleiss 1993 analysis 1.1 (OR, MH) switched to random effects with REML recorded gives the
    DL tau² and says so; the REML tau² of the same studies differs."""
    from dataclasses import replace

    from reanalyse.pooling import pool_effects
    from reanalyse.revman.recompute import outcome_effects

    outcome = read_review(V1).outcome(1, 1)
    assert outcome.settings.method == "MH"
    switched = replace(outcome, settings=replace(outcome.settings, random=True,
                                                 tau2_method="REML"))
    check = recompute_outcome(switched)
    assert check.result is not None and check.result.tau2_method == "DL"
    assert "DerSimonian-Laird" in check.note and "not confirmed by a file" in check.note
    eff = outcome_effects(outcome, measure="OR")
    dl = pool_effects(eff, measure="OR", method="MH", model="random", tau2_method="DL")
    reml = pool_effects(eff, measure="OR", method="MH", model="random", tau2_method="REML")
    assert check.result.tau2 == pytest.approx(dl.tau2, rel=1e-12)
    assert abs(reml.tau2 - dl.tau2) > 1e-4
