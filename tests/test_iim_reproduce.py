"""`reanalyse reproduce`: the review's 14 published results against our recomputation."""

from __future__ import annotations

import json

import pytest

from reanalyse.analyses import derivation_label
from reanalyse.cli import main
from reanalyse.reproduce import STATUSES, ReproduceRow, reproduce
from tests.conftest import IIM

ROOT = IIM


@pytest.fixture(scope="module")
def sourced() -> dict[str, ReproduceRow]:
    return {r.id: r for r in reproduce(scenario="sourced", root=ROOT)}


@pytest.fixture(scope="module")
def reconstruction() -> dict[str, ReproduceRow]:
    return {r.id: r for r in reproduce(scenario="reconstruction", root=ROOT)}


def test_cli_json_has_one_row_per_published_result(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["reproduce", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert len(rows) == 14
    for row in rows:
        assert {"id", "status", "published", "ours", "missing", "scenario", "reason"} <= set(row)
        assert set(row["published"]) == {"estimate", "ci_low", "ci_high"}
        assert {"estimate", "ci_low", "ci_high", "k"} <= set(row["ours"])
        assert row["status"] in STATUSES
        assert row["scenario"] == "sourced"
        assert row["reason"]


def test_cli_text_and_scenario_option(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["reproduce", "--scenario", "reconstruction"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scenario: reconstruction")
    assert "ivig_acr_eular_response" in out


@pytest.mark.parametrize(("rid", "est", "lo", "hi"), [
    ("ivig_acr_eular_response", 1.80, 1.26, 2.56),
    ("mtx_jdm_printo_20", 1.40, 1.01, 1.96),
])
def test_sourced_reproduces_at_2dp(sourced: dict[str, ReproduceRow], rid: str, est: float,
                                   lo: float, hi: float) -> None:
    row = sourced[rid]
    assert row.status == "reproduced", row.reason
    assert row.published == {"estimate": est, "ci_low": lo, "ci_high": hi}
    assert row.difference == {"estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert row.ours["k"] == 1


@pytest.mark.xfail(strict=True, reason="data gap: the posted ProDERM SDs with the analysed n 45/43 "
                   "give -8.20 (-11.92 to -4.48); the review's CI needs SD 10.5 (the posted 10.542 "
                   "rounded) or a placebo n of 44, and no source gives either "
                   "(data/iim2023/README.md, gap 10)")
def test_sourced_reproduces_cdasi_at_2dp(sourced: dict[str, ReproduceRow]) -> None:
    assert sourced["ivig_cdasi_activity"].status == "reproduced"


def test_sourced_cdasi_is_within_001_and_says_why(sourced: dict[str, ReproduceRow]) -> None:
    row = sourced["ivig_cdasi_activity"]
    assert row.difference["estimate"] == 0.0
    assert abs(row.difference["ci_low"]) <= 0.01 and abs(row.difference["ci_high"]) <= 0.01
    assert "SE" in row.reason and "implied by the published CI" in row.reason


def test_sourced_never_uses_imputed_or_back_solved_rows(sourced: dict[str, ReproduceRow]) -> None:
    for row in sourced.values():
        for used in row.rows_used:
            assert "reconstruction.csv" not in used
            assert used.endswith(("(reported)", "(derived)")), used
        assert "non-sourced" not in row.reason


def test_partial_rows_count_and_name_the_missing_studies(sourced: dict[str, ReproduceRow]) -> None:
    partial = {rid for rid, r in sourced.items() if r.status == "partial"}
    assert partial == {"ivig_disability", "ivig_muscle_strength", "ivig_serious_adverse_events",
                       "ivig_withdrawals", "mtx_withdrawals"}
    for rid in partial:
        row = sourced[rid]
        assert 0 < row.ours["k"] < row.expected_k
        assert row.missing and all(m in row.reason for m in row.missing)
    assert sourced["ivig_disability"].missing == ["Dalakas 1993", "Miyasaka 2012"]


def test_not_reproducible_rows_give_a_reason(sourced: dict[str, ReproduceRow]) -> None:
    for row in sourced.values():
        if row.status == "not reproducible":
            assert row.reason
    assert "no usable data" in sourced["mtx_function"].reason
    assert sourced["mtx_function"].missing == ["Ibrahim 2015"]


def test_disability_smd_is_reported_with_the_reviews_sign(sourced: dict[str, ReproduceRow]) -> None:
    row = sourced["ivig_disability"]
    assert row.ours["estimate"] > 0
    assert "sign reversed" in row.reason


def test_reconstruction_approaches_the_published_results(
        reconstruction: dict[str, ReproduceRow]) -> None:
    reproduced = {rid for rid, r in reconstruction.items() if r.status == "reproduced"}
    assert {"ivig_disability", "ivig_muscle_strength", "ivig_serious_adverse_events",
            "ivig_cdasi_activity", "aza_strength_improvement", "mtx_withdrawals"} <= reproduced
    for rid in reproduced - {"ivig_acr_eular_response", "mtx_jdm_printo_20"}:
        row = reconstruction[rid]
        assert row.scenario == "reconstruction"
        assert "uses non-sourced rows" in row.reason, rid
        assert any(u.endswith(("(imputed)", "(back-solved)")) for u in row.rows_used)
    assert reconstruction["mtx_serious_adverse_events"].status == "no data"
    assert reconstruction["ivig_withdrawals"].status == "partial"


def test_reconstruction_cdasi_rests_on_the_rounded_sd(
        reconstruction: dict[str, ReproduceRow]) -> None:
    """The back-solved row (SD 10.5) reproduces the review, and it is named as back-solved.
    By hand: SE = sqrt(10.5^2/45 + 7.0^2/43) = 1.894607, MD -8.20 -/+ 1.959964 * SE
    = -11.913 to -4.487."""
    row = reconstruction["ivig_cdasi_activity"]
    assert row.status == "reproduced"
    assert row.ours["ci_low"] == pytest.approx(-8.20 - 1.959964 * 1.894607, abs=1e-4)
    assert row.rows_used and all("reconstruction.csv" in u and u.endswith("(back-solved)")
                                 for u in row.rows_used)


def test_every_row_says_its_scenario(sourced: dict[str, ReproduceRow],
                                     reconstruction: dict[str, ReproduceRow]) -> None:
    assert {r.scenario for r in sourced.values()} == {"sourced"}
    assert {r.scenario for r in reconstruction.values()} == {"reconstruction"}
    labels = {derivation_label("back-solved: x"), derivation_label("reported")}
    assert labels == {"back-solved", "reported"}


def test_sourced_cdasi_is_reproduced_within_rounding_by_one_decimal_sds(
        sourced: dict[str, ReproduceRow]) -> None:
    """Issue 14 item 5. The review (Raaphorst et al. 2023, analysis of CDASI activity; target in
    data/iim2023/published.csv) gives MD -8.20 (-11.91 to -4.49). The posted ProDERM SDs
    (ClinicalTrials.gov NCT02728752: IVIg 10.542, placebo 7.0, n 45/43) give -8.20 (-11.92 to
    -4.48). By hand, with the SDs at one decimal: SE = sqrt(10.5^2/45 + 7.0^2/43) = 1.894607,
    -8.20 -/+ 1.959964 * SE = -11.913 to -4.487, i.e. -11.91 to -4.49, the review's numbers
    (data/iim2023/README.md, gap 10)."""
    row = sourced["ivig_cdasi_activity"]
    assert row.status == "reproduced within rounding"
    assert row.hypothesis == "the SDs rounded to 1 decimal"
    assert row.reason.startswith("reproduced within rounding: with the SDs rounded to 1 decimal "
                                 "(ProDERM 2022 IVIg SD 10.542 -> 10.5) the result equals the "
                                 "review's at 2 dp: -8.20 (-11.91 to -4.49)")
    assert row.published == {"estimate": -8.20, "ci_low": -11.91, "ci_high": -4.49}
    # the difference as entered is kept beside the hypothesis
    assert row.difference == {"estimate": 0.0, "ci_low": -0.01, "ci_high": 0.01}


def test_cli_names_the_rounding_hypothesis(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["reproduce"]) == 0
    out = capsys.readouterr().out
    table_row = next(line for line in out.splitlines() if line.startswith("ivig_cdasi_activity "))
    assert table_row.rstrip().endswith("reproduced within rounding")
    reason = next(line for line in out.splitlines() if line.startswith("ivig_cdasi_activity:"))
    assert "with the SDs rounded to 1 decimal (ProDERM 2022 IVIg SD 10.542 -> 10.5)" in reason
    # the review's 14 results (data/iim2023/README.md): 2 + 1 + 5 + 6 + 0
    assert ("2 reproduced" in out and "1 reproduced within rounding" in out
            and "5 partial" in out and "6 no data" in out and "not reproducible" not in out)


def test_no_data_rows_name_the_missing_studies(sourced: dict[str, ReproduceRow],
                                               reconstruction: dict[str, ReproduceRow]) -> None:
    # the review's Bunch 1980 and Ibrahim 2015 single-trial results have no sourced rows
    no_data = {rid for rid, r in sourced.items() if r.status == "no data"}
    assert no_data == {"aza_strength_improvement", "aza_cumulative_steroid_dose", "mtx_function",
                       "mtx_muscle_strength", "mtx_imacs_doi", "mtx_serious_adverse_events"}
    for rid in no_data:
        row = sourced[rid]
        assert row.ours["k"] == 0 and row.missing
        assert all(m in row.reason for m in row.missing)
    assert {r.status for r in reconstruction.values()} <= set(STATUSES)
