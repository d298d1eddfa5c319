"""The RevMan 5 reader: the real sore-throat review, synthetic files for the other data types,
one test per validation rule, and a property test that only DataValidationError ever escapes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reanalyse.errors import DataValidationError
from reanalyse.revman import (
    Review,
    decode_study_id,
    outcome_to_long,
    parse_rm5,
    read_rm5,
)

# The fixture lies beside the clone (../shared/fixtures/revman); never copied into the project.
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "fixtures"
    / "revman"
    / "antibiotics-for-sore-throat.rm5"
)
needs_fixture = pytest.mark.skipif(
    not FIXTURE.is_file(),
    reason=f"RevMan fixture not found at {FIXTURE} (../shared beside the clone)",
)


@pytest.fixture(scope="module")
def review() -> Review:
    if not FIXTURE.is_file():
        pytest.skip(f"RevMan fixture not found at {FIXTURE} (../shared beside the clone)")
    return read_rm5(FIXTURE)


# ---------------------------------------------------------------------------------------------
# The real file: Antibiotics for sore throat (RevMan 5.2.11)
# ---------------------------------------------------------------------------------------------


def test_review_header(review: Review) -> None:
    assert review.title == "Antibiotics for sore throat"
    assert review.doi == "10.1002/14651858.CD000023.pub4"
    assert review.revman_version == "5.2.11"  # REVMAN_SUB_VERSION="5.2.11 " (trailing space)
    assert [c.no for c in review.comparisons] == [1, 2, 3, 4]
    assert review.comparisons[0].id == "CMP-001"
    assert review.comparisons[0].name.startswith("Antibiotics versus placebo")


def test_twenty_one_dichotomous_outcomes_with_the_files_settings(review: Review) -> None:
    outcomes = review.outcomes
    assert len(outcomes) == 21
    assert {o.data_type for o in outcomes} == {"dichotomous"}
    # Every outcome of this review: RR, Mantel-Haenszel, random effects, 95% CIs, no swap.
    assert {o.settings.effect_measure for o in outcomes} == {"RR"}
    assert {o.settings.effect_measure_code for o in outcomes} == {"RR"}
    assert {o.settings.method for o in outcomes} == {"MH"}
    assert {o.settings.random for o in outcomes} == {True}
    assert {(o.settings.ci_study, o.settings.ci_total) for o in outcomes} == {(0.95, 0.95)}
    assert {o.settings.swap_events for o in outcomes} == {False}
    assert {o.settings.totals for o in outcomes} == {"YES"}
    assert {o.settings.subgroup_test for o in outcomes} == {True}
    assert {o.settings.log_data for o in outcomes} == {None}
    assert {o.group_labels for o in outcomes} == {("Antibiotics", "Placebo")}
    assert review.outcome(1, 1).graph_labels == ("Favours antibiotics", "Favours placebo")


def test_ten_outcomes_have_subgroups(review: Review) -> None:
    with_subgroups = [o for o in review.outcomes if o.subgroups]
    assert len(with_subgroups) == 10
    assert all(o.settings.subgroups for o in with_subgroups)
    assert not any(o.settings.subgroups for o in review.outcomes if not o.subgroups)
    assert all(o.rows == () for o in with_subgroups)  # their rows live in the subgroups
    assert sum(len(o.subgroups) for o in review.outcomes) == 22
    o = review.outcome(1, 2)
    assert [(s.no, s.id, s.name) for s in o.subgroups] == [
        (1, "CMP-001.02.01", "Symptom of sore throat on day 3: blinded studies"),
        (2, "CMP-001.02.02", "Symptom of sore throat on day 3: unblinded studies"),
    ]
    # Checked by hand against the XML (line 3168).
    sg = o.subgroups[0]
    assert sg.stored is not None
    assert sg.stored.effect_size == 0.6515413326751798
    assert sg.stored.tau2 == 0.06971091506541473
    assert sg.stored.df == 11
    assert sg.stored.studies == 12
    assert len(sg.rows) == 12


def test_first_outcome_stored_results_by_hand(review: Review) -> None:
    # <DICH_OUTCOME ... EFFECT_SIZE="0.6837765472337998" ... ID="CMP-001.01" ... TAU2=... (line 3140)
    o = review.outcome(1, 1)
    assert (o.id, o.name, o.line) == ("CMP-001.01", "Symptom of sore throat on day 3", 3140)
    assert o.estimable is True
    s = o.stored
    assert s is not None
    assert s.effect_size == 0.6837765472337998
    assert s.ci_start == 0.5895886991303211
    assert s.ci_end == 0.7930110723571225
    assert s.tau2 == 0.059731301081404224
    assert s.i2 == 83.70074514272594
    assert s.chi2 == 85.8934971113238
    assert s.df == 14
    assert s.p_chi2 == 2.250977182427505e-12
    assert s.z == 5.026986218157962
    assert s.p_z == 4.982481461166904e-7
    assert (s.studies, s.events_1, s.total_1, s.events_2, s.total_2) == (15, 1009, 2066, 1031, 1555)
    assert o.subgroup_test is None  # SUBGROUPS="NO"
    assert len(o.rows) == 15


def test_first_study_row_brink_1951_by_hand(review: Review) -> None:
    # <DICH_DATA ... EVENTS_1="119" EVENTS_2="129" ... STUDY_ID="STD-Brink-1951" TOTAL_1="277"
    #  TOTAL_2="198" ... WEIGHT="8.505468357593305"/>  (line 3146)
    row = review.outcome(1, 1).rows[0]
    assert (row.study_id, row.study, row.line) == ("STD-Brink-1951", "Brink 1951", 3146)
    assert (row.events_1, row.total_1, row.events_2, row.total_2) == (119, 277, 129, 198)
    assert row.order == 16630
    assert row.estimable is True
    assert row.stored.effect_size == 0.6593904793888002
    assert row.stored.ci_start == 0.5564838644124426
    assert row.stored.ci_end == 0.781326884954097
    assert row.stored.se == 0.08657185440591988
    assert row.stored.var == 0.007494685975279789
    assert row.stored.weight == 8.505468357593305
    assert row.stored.o_e == 0.0
    # RevMan's LOG_* attributes are base-10 logs (for plotting), not natural logs.
    assert row.stored.log_effect_size == pytest.approx(math.log10(0.6593904793888002), rel=1e-12)
    assert row.stored.se**2 == pytest.approx(row.stored.var, rel=1e-12)


def test_log_attributes_are_base_10_everywhere(review: Review) -> None:
    for outcome in review.outcomes:
        for _, row in outcome.iter_rows():
            if row.estimable:
                es = row.stored.effect_size
                expected = pytest.approx(math.log10(es), rel=1e-9, abs=1e-12)
                assert row.stored.log_effect_size == expected


def test_zero_cell_rows(review: Review) -> None:
    """SOURCE.md's "94 study rows with a zero cell" counts DICH_DATA elements (a study used in
    several outcomes counts once per outcome/subgroup) with no events in at least one arm:
    events_1 == 0 or events_2 == 0. No row of this file has events == total, so the wider
    definition (a zero cell anywhere in the 2x2 table, ``has_zero_cell``) also gives 94.
    55 of them have no events in either arm; those are exactly the rows RevMan marked not
    estimable."""
    rows = [row for o in review.outcomes for _, row in o.iter_rows()]
    assert len(rows) == 217
    zero_events = [r for r in rows if r.events_1 == 0 or r.events_2 == 0]
    assert len(zero_events) == 94
    assert sum(r.has_zero_cell for r in rows) == 94
    assert not any(r.events_1 == r.total_1 or r.events_2 == r.total_2 for r in rows)
    double_zero = {id(r) for r in rows if r.events_1 == 0 and r.events_2 == 0}
    assert len(double_zero) == 55
    assert double_zero == {id(r) for r in rows if r.estimable is False}


def test_one_outcome_not_estimable(review: Review) -> None:
    not_estimable = [o for o in review.outcomes if o.estimable is False]
    assert [o.id for o in not_estimable] == ["CMP-002.04"]
    o = not_estimable[0]
    assert o.name == "Symptom of fever at 1 week (6 to 8 days)"
    assert o.stored is not None and o.stored.estimable is False
    assert math.isnan(o.stored.tau2)  # TAU2="NaN"
    assert o.stored.log_effect_size == -math.inf  # LOG_EFFECT_SIZE="-Infinity"
    assert [(r.events_1, r.events_2, r.estimable) for r in o.rows] == [(0, 0, False)] * 3
    assert all(o2.estimable is True for o2 in review.outcomes if o2 is not o)


def test_subgroup_test_df_reproduces_stored_p(review: Review) -> None:
    """RevMan stores Q, P_Q and I2_Q for the test for subgroup differences but not its df; the
    derived df (estimable subgroups - 1) must give RevMan's P_Q and I2_Q back."""
    from scipy.stats import chi2

    tested = [o for o in review.outcomes if o.subgroup_test is not None]
    assert len(tested) == 10
    for o in tested:
        t = o.subgroup_test
        assert t is not None and t.q is not None and t.p_q is not None and t.i2_q is not None
        if t.df == 0:
            assert (t.q, t.p_q) == (0.0, 1.0)
            continue
        # RevMan's own chi-square tail differs from scipy's from the 6th digit on (6e-6 relative
        # for CMP-001.04); a wrong df would be off by orders of magnitude.
        assert chi2.sf(t.q, t.df) == pytest.approx(t.p_q, rel=1e-4)
        assert max(0.0, 100 * (t.q - t.df) / t.q) == pytest.approx(t.i2_q, rel=1e-9, abs=1e-9)
    assert review.outcome(1, 4).subgroup_test.df == 2  # type: ignore[union-attr]
    assert review.outcome(4, 3).subgroup_test.df == 0  # type: ignore[union-attr]  # one estimable


def test_study_names(review: Review) -> None:
    assert len(review.studies) == 61
    assert review.studies["STD-Brink-1951"] == "Brink 1951"
    assert review.studies["STD-El_x002d_Daher-1991"] == "El-Daher 1991"
    # The ID alone decodes to the same display name for every study of this review.
    assert all(decode_study_id(sid) == name for sid, name in review.studies.items())
    names = {row.study for o in review.outcomes for _, row in o.iter_rows()}
    assert "El-Daher 1991" in names or "STD-El_x002d_Daher-1991" not in {
        row.study_id for o in review.outcomes for _, row in o.iter_rows()
    }


def test_decode_study_id() -> None:
    assert decode_study_id("STD-Brink-1951") == "Brink 1951"
    assert decode_study_id("STD-El_x002d_Daher-1991") == "El-Daher 1991"
    assert decode_study_id("STD-O_x0027_Brien-2001a") == "O'Brien 2001a"
    assert decode_study_id("STD-Del-Mar-1992a") == "Del Mar 1992a"
    assert decode_study_id("custom") == "custom"


def test_long_table_dichotomous(review: Review) -> None:
    df = outcome_to_long(review.outcome(1, 1))
    assert list(df.columns) == ["study", "treatment", "events", "total"]
    assert len(df) == 30
    assert df.iloc[0].to_dict() == {
        "study": "Brink 1951",
        "treatment": "Antibiotics",
        "events": 119,
        "total": 277,
    }
    assert df.iloc[1].to_dict() == {
        "study": "Brink 1951",
        "treatment": "Placebo",
        "events": 129,
        "total": 198,
    }
    assert df["events"].dtype == "int64" and df["total"].dtype == "int64"
    assert pd.api.types.is_string_dtype(df["study"])
    assert df.attrs["swap_events"] is False


def test_long_table_with_subgroups(review: Review) -> None:
    o = review.outcome(1, 2)
    df = outcome_to_long(o)
    assert list(df.columns) == ["study", "treatment", "events", "total", "subgroup"]
    assert len(df) == 2 * 15
    assert df.groupby("subgroup").size().to_dict() == {
        "Symptom of sore throat on day 3: blinded studies": 24,
        "Symptom of sore throat on day 3: unblinded studies": 6,
    }
    one = outcome_to_long(o, 2)
    assert len(one) == 6 and one.iloc[0]["study"] == "Brink 1951"
    assert outcome_to_long(o, o.subgroups[1]).equals(one)


# ---------------------------------------------------------------------------------------------
# Synthetic files: continuous, generic inverse variance, O-E, swapped events, defaults
# ---------------------------------------------------------------------------------------------

SYNTH = """<?xml version="1.0" encoding="ISO-8859-1"?>
<COCHRANE_REVIEW DOI="10.1002/TEST" REVMAN_SUB_VERSION="5.3.5" REVMAN_VERSION="5">
<COVER_SHEET><TITLE>Synthetic <I>review</I></TITLE></COVER_SHEET>
<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES>
<STUDY ID="STD-Alpha-2001" NAME="Alpha 2001" YEAR="2001"/>
<STUDY ID="STD-O_x0027_Beta-2002" YEAR="2002"/>
</INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES>
<ANALYSES_AND_DATA CALCULATED_DATA="YES">
<COMPARISON ID="CMP-001" NO="1">
<NAME>Drug versus placebo</NAME>
<DICH_OUTCOME CI_STUDY="90" CI_TOTAL="99" EFFECT_MEASURE="OR" ESTIMABLE="YES" ID="CMP-001.01" METHOD="MH" NO="1" RANDOM="NO" SUBGROUPS="NO" SUBGROUP_TEST="NO" SWAP_EVENTS="YES" TOTALS="SUB" EFFECT_SIZE="0.5" TAU2="0.0">
<NAME>Cure</NAME>
<GROUP_LABEL_1>Drug</GROUP_LABEL_1>
<GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<GRAPH_LABEL_1>Favours placebo</GRAPH_LABEL_1>
<GRAPH_LABEL_2>Favours drug</GRAPH_LABEL_2>
<DICH_DATA EFFECT_SIZE="0.5" ESTIMABLE="YES" EVENTS_1="3" EVENTS_2="6" ORDER="1" STUDY_ID="STD-Alpha-2001" TOTAL_1="10" TOTAL_2="10" WEIGHT="60.0"/>
<DICH_DATA EFFECT_SIZE="Infinity" ESTIMABLE="YES" EVENTS_1="0" EVENTS_2="4" ORDER="2" STUDY_ID="STD-O_x0027_Beta-2002" TOTAL_1="8" TOTAL_2="9" WEIGHT="40.0"/>
</DICH_OUTCOME>
<CONT_OUTCOME CI_STUDY="95" CI_TOTAL="95" EFFECT_MEASURE="SMD" ID="CMP-001.02" METHOD="IV" NO="2" RANDOM="YES" SUBGROUPS="YES" SUBGROUP_TEST="YES" TOTALS="YES" Q="1.5" P_Q="0.22" I2_Q="33.3" DF="1" EFFECT_SIZE="-0.3">
<NAME>Pain score</NAME>
<GROUP_LABEL_1>Drug</GROUP_LABEL_1>
<GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<CONT_SUBGROUP ID="CMP-001.02.01" NO="1" ESTIMABLE="YES" EFFECT_SIZE="-0.2">
<NAME>Adults</NAME>
<CONT_DATA ESTIMABLE="YES" MEAN_1="4.5" MEAN_2="5.25" SD_1="1.5" SD_2="2.0" STUDY_ID="STD-Alpha-2001" TOTAL_1="20" TOTAL_2="21" EFFECT_SIZE="-0.41" SE="0.31"/>
</CONT_SUBGROUP>
<CONT_SUBGROUP ID="CMP-001.02.02" NO="2" ESTIMABLE="YES">
<NAME>Children</NAME>
<CONT_DATA MEAN_1="-1E-1" MEAN_2="0.2" SD_1="0.5" SD_2="0.75" STUDY_ID="STD-O_x0027_Beta-2002" TOTAL_1="15" TOTAL_2="14"/>
</CONT_SUBGROUP>
</CONT_OUTCOME>
<IV_OUTCOME CI_STUDY="95" CI_TOTAL="95" ID="CMP-001.03" LOG_DATA="YES" NO="3" RANDOM="NO" SUBGROUPS="NO" TOTALS="YES">
<NAME>Death</NAME>
<GROUP_LABEL_1>Drug</GROUP_LABEL_1>
<GROUP_LABEL_2>Placebo</GROUP_LABEL_2>
<EFFECT_MEASURE>Hazard Ratio</EFFECT_MEASURE>
<IV_DATA EFFECT_SIZE="0.8" SE="0.2" STUDY_ID="STD-Alpha-2001" ESTIMABLE="YES" CI_START="0.54" CI_END="1.18"/>
<IV_DATA EFFECT_SIZE="1.1" SE="0.35" STUDY_ID="STD-O_x0027_Beta-2002" TOTAL_1="50" TOTAL_2="49"/>
</IV_OUTCOME>
<IPD_OUTCOME ID="CMP-001.04" NO="4">
<NAME>Relapse</NAME>
<EFFECT_MEASURE>Peto Odds Ratio</EFFECT_MEASURE>
<IPD_DATA O_E="-2.5" VAR="4.0" STUDY_ID="STD-Alpha-2001"/>
</IPD_OUTCOME>
<OTHER_OUTCOME ID="CMP-001.05" NO="5"><NAME>Free text</NAME></OTHER_OUTCOME>
</COMPARISON>
</ANALYSES_AND_DATA>
</COCHRANE_REVIEW>
"""


def line_of(doc: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(doc.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the document")


def test_synthetic_review_reads() -> None:
    review = parse_rm5(SYNTH.encode("iso-8859-1"))
    assert review.title == "Synthetic review"
    assert review.doi == "10.1002/TEST"
    assert review.revman_version == "5.3.5"
    assert review.studies == {
        "STD-Alpha-2001": "Alpha 2001",
        "STD-O_x0027_Beta-2002": "O'Beta 2002",  # no NAME: decoded from the ID
    }
    (comparison,) = review.comparisons
    # OTHER_OUTCOME (free-text table) has nothing to analyse and is skipped.
    assert [o.data_type for o in comparison.outcomes] == [
        "dichotomous",
        "continuous",
        "generic_iv",
        "o_e_variance",
    ]
    # parse_rm5 also takes text.
    assert parse_rm5(SYNTH) == review


def test_synthetic_dichotomous_settings_and_swap() -> None:
    o = parse_rm5(SYNTH).outcome(1, 1)
    s = o.settings
    assert (s.effect_measure, s.method, s.random) == ("OR", "MH", False)
    assert (s.ci_study, s.ci_total) == (0.90, 0.99)
    assert (s.swap_events, s.totals, s.subgroups, s.subgroup_test) == (True, "SUB", False, False)
    assert o.graph_labels == ("Favours placebo", "Favours drug")
    # Raw counts are kept as entered ...
    assert [(r.events_1, r.events_2) for r in o.rows] == [(3, 6), (0, 4)]
    assert o.rows[1].study == "O'Beta 2002"
    assert o.rows[1].stored.effect_size == math.inf
    # ... and the long table analyses non-events, as RevMan does with SWAP_EVENTS="YES".
    df = outcome_to_long(o)
    assert list(df.columns) == ["study", "treatment", "events", "total", "derivation"]
    assert df[["treatment", "events", "total"]].values.tolist() == [
        ["Drug", 7, 10],
        ["Placebo", 4, 10],
        ["Drug", 8, 8],
        ["Placebo", 5, 9],
    ]
    assert df.attrs["swap_events"] is True
    assert df["derivation"].str.contains("total - events").all()


def test_synthetic_continuous_with_subgroups() -> None:
    o = parse_rm5(SYNTH).outcome(1, 2)
    assert o.data_type == "continuous"
    assert (o.settings.effect_measure, o.settings.method, o.settings.random) == ("SMD", "IV", True)
    assert o.rows == ()
    a = o.subgroups[0].rows[0]
    arms = (a.mean_1, a.sd_1, a.total_1, a.mean_2, a.sd_2, a.total_2)
    assert arms == (4.5, 1.5, 20, 5.25, 2.0, 21)
    assert (a.stored.effect_size, a.stored.se) == (-0.41, 0.31)
    assert o.subgroup_test is not None
    assert (o.subgroup_test.q, o.subgroup_test.p_q, o.subgroup_test.df) == (1.5, 0.22, 1)
    df = outcome_to_long(o)
    assert list(df.columns) == ["study", "treatment", "n", "mean", "sd", "subgroup"]
    assert df.values.tolist() == [
        ["Alpha 2001", "Drug", 20, 4.5, 1.5, "Adults"],
        ["Alpha 2001", "Placebo", 21, 5.25, 2.0, "Adults"],
        ["O'Beta 2002", "Drug", 15, -0.1, 0.5, "Children"],
        ["O'Beta 2002", "Placebo", 14, 0.2, 0.75, "Children"],
    ]
    assert df["n"].dtype == "int64"


def test_synthetic_generic_iv() -> None:
    o = parse_rm5(SYNTH).outcome(1, 3)
    assert o.data_type == "generic_iv"
    s = o.settings
    # Effect measure from the EFFECT_MEASURE child element, with the file's own wording.
    assert (s.effect_measure, s.effect_measure_code, s.method, s.log_data) == (
        "Hazard Ratio",
        "HR",
        "IV",
        True,
    )
    assert o.group_labels == ("Drug", "Placebo")
    assert o.graph_labels == ("Favours [experimental]", "Favours [control]")  # RevMan defaults
    assert o.stored is None  # no stored results in this outcome
    assert [(r.estimate, r.se) for r in o.rows] == [(0.8, 0.2), (1.1, 0.35)]
    assert (o.rows[1].total_1, o.rows[1].total_2) == (50, 49)
    df = outcome_to_long(o)
    assert list(df.columns) == ["study", "treatment", "comparator", "estimate", "se"]
    assert df.values.tolist() == [
        ["Alpha 2001", "Drug", "Placebo", 0.8, 0.2],
        ["O'Beta 2002", "Drug", "Placebo", 1.1, 0.35],
    ]
    assert df.attrs["log_data"] is True


def test_synthetic_o_e_variance() -> None:
    o = parse_rm5(SYNTH).outcome(1, 4)
    assert o.data_type == "o_e_variance"
    assert (o.settings.effect_measure_code, o.settings.method, o.settings.random) == (
        "PETO_OR",
        "PETO",
        False,
    )
    assert (o.rows[0].o_e, o.rows[0].var) == (-2.5, 4.0)
    with pytest.raises(DataValidationError) as err:
        outcome_to_long(o)
    assert err.value.problems[0].rule == "unsupported-data-type"


def test_review_without_analyses() -> None:
    review = parse_rm5(
        b"<COCHRANE_REVIEW><COVER_SHEET><TITLE>P</TITLE></COVER_SHEET></COCHRANE_REVIEW>"
    )
    assert (review.title, review.comparisons, review.studies, review.doi) == ("P", (), {}, None)


# ---------------------------------------------------------------------------------------------
# Bad input: one test per rule; every problem names file, line, element/attribute and rule
# ---------------------------------------------------------------------------------------------


def problems_of(doc: str | bytes) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(DataValidationError) as err:
        parse_rm5(doc, file="bad.rm5")
    assert all(p.file == "bad.rm5" for p in err.value.problems)
    return [(p.rule, p.row, p.column) for p in err.value.problems]


def mutate(old: str, new: str) -> str:
    assert SYNTH.count(old) == 1, old
    return SYNTH.replace(old, new)


def test_malformed_xml_reports_the_parsers_line() -> None:
    doc = '<COCHRANE_REVIEW>\n<ANALYSES_AND_DATA>\n<COMPARISON ID="x" NO="1">\n</ANALYSES_AND_DATA>'
    assert problems_of(doc) == [("malformed-xml", 4, None)]
    with pytest.raises(DataValidationError) as err:
        parse_rm5(doc)
    assert "mismatched tag" in err.value.problems[0].message


@needs_fixture
def test_truncated_fixture_reports_the_last_line() -> None:
    text = FIXTURE.read_bytes()
    first_row = text.index(b"<DICH_DATA ")  # Brink 1951 in outcome 1.1, line 3146
    cut = text[: first_row + 40]
    assert problems_of(cut) == [("malformed-xml", 3146, None)]


def test_entity_declarations_are_refused() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n'
        "<COCHRANE_REVIEW>&a;</COCHRANE_REVIEW>"
    )
    assert problems_of(doc)[0][0] == "malformed-xml"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError) as err:
        read_rm5(tmp_path / "missing.rm5")
    (p,) = err.value.problems
    assert (p.rule, p.file) == ("unreadable-file", str(tmp_path / "missing.rm5"))
    with pytest.raises(DataValidationError):
        read_rm5(tmp_path)  # a directory


def test_not_a_revman_file() -> None:
    assert problems_of("<html>\n<body/></html>") == [("not-revman", 1, "html")]


def test_missing_required_attribute() -> None:
    doc = mutate('EVENTS_1="3" ', "")
    line = line_of(doc, 'STUDY_ID="STD-Alpha-2001" TOTAL_1="10"')
    assert problems_of(doc) == [("missing-attribute", line, "DICH_DATA/@EVENTS_1")]
    with pytest.raises(DataValidationError) as err:
        parse_rm5(doc)
    message = err.value.problems[0].message
    assert "STD-Alpha-2001" in message and "CMP-001.01" in message and "EVENTS_1" in message


def test_missing_outcome_attributes() -> None:
    doc = mutate(
        'EFFECT_MEASURE="OR" ESTIMABLE="YES" ID="CMP-001.01" METHOD="MH" NO="1" RANDOM="NO"',
        'ESTIMABLE="YES"',
    )
    line = line_of(doc, "<DICH_OUTCOME")
    assert problems_of(doc) == [
        ("missing-attribute", line, "DICH_OUTCOME/@ID"),
        ("missing-attribute", line, "DICH_OUTCOME/@NO"),
        ("missing-attribute", line, "DICH_OUTCOME/@EFFECT_MEASURE"),
        ("missing-attribute", line, "DICH_OUTCOME/@METHOD"),
        ("missing-attribute", line, "DICH_OUTCOME/@RANDOM"),
    ]


def test_non_numeric_value() -> None:
    doc = mutate('TOTAL_2="21"', 'TOTAL_2="21 patients"')
    assert problems_of(doc) == [
        ("non-numeric", line_of(doc, "21 patients"), "CONT_DATA/@TOTAL_2")
    ]
    # Python's float() would take these; RevMan never writes them.
    for junk in ("1_000", "inf", "nan", "0x10"):
        assert problems_of(mutate('TOTAL_2="21"', f'TOTAL_2="{junk}"'))[0][0] == "non-numeric"


def test_non_numeric_stored_value() -> None:
    doc = mutate('TAU2="0.0"', 'TAU2="zero"')
    assert problems_of(doc) == [("non-numeric", line_of(doc, "<DICH_OUTCOME"), "DICH_OUTCOME/@TAU2")]


def test_non_integer_count() -> None:
    doc = mutate('EVENTS_2="6"', 'EVENTS_2="6.5"')
    assert problems_of(doc) == [("non-integer", line_of(doc, "6.5"), "DICH_DATA/@EVENTS_2")]


def test_negative_count() -> None:
    doc = mutate('EVENTS_1="0"', 'EVENTS_1="-1"')
    assert problems_of(doc) == [("negative-count", line_of(doc, '"-1"'), "DICH_DATA/@EVENTS_1")]


def test_count_out_of_range() -> None:
    doc = mutate('TOTAL_1="15"', 'TOTAL_1="1e30"')
    assert problems_of(doc) == [("out-of-range", line_of(doc, '"1e30"'), "CONT_DATA/@TOTAL_1")]


def test_events_exceed_total() -> None:
    doc = mutate('EVENTS_2="4"', 'EVENTS_2="12"')
    line = line_of(doc, '"12"')
    assert problems_of(doc) == [("events-exceed-total", line, "DICH_DATA/@EVENTS_2")]


def test_negative_sd_and_se() -> None:
    doc = mutate('SD_2="0.75"', 'SD_2="-0.75"').replace('SE="0.35"', 'SE="-0.35"')
    assert problems_of(doc) == [
        ("negative-value", line_of(doc, '"-0.75"'), "CONT_DATA/@SD_2"),
        ("negative-value", line_of(doc, '"-0.35"'), "IV_DATA/@SE"),
    ]


def test_non_finite_data() -> None:
    doc = mutate('MEAN_1="4.5"', 'MEAN_1="NaN"')
    assert problems_of(doc) == [("non-finite", line_of(doc, '"NaN"'), "CONT_DATA/@MEAN_1")]


def test_invalid_flag_and_level() -> None:
    doc = mutate('NO="1" RANDOM="NO"', 'NO="1" RANDOM="SOMETIMES"')
    doc = doc.replace('CI_STUDY="90"', 'CI_STUDY="150"').replace('TOTALS="SUB"', 'TOTALS="ALL"')
    line = line_of(doc, "<DICH_OUTCOME")
    assert problems_of(doc) == [
        ("invalid-value", line, "DICH_OUTCOME/@RANDOM"),
        ("invalid-value", line, "DICH_OUTCOME/@TOTALS"),
        ("invalid-value", line, "DICH_OUTCOME/@CI_STUDY"),
    ]


def test_measure_that_does_not_fit_the_data_type() -> None:
    doc = mutate('EFFECT_MEASURE="SMD"', 'EFFECT_MEASURE="RR"')
    assert problems_of(doc) == [
        ("measure-data-type", line_of(doc, "<CONT_OUTCOME"), "CONT_OUTCOME/@EFFECT_MEASURE")
    ]
    doc = mutate('METHOD="MH"', 'METHOD="PETO"')
    assert problems_of(doc) == [
        ("measure-data-type", line_of(doc, "<DICH_OUTCOME"), "DICH_OUTCOME/@METHOD")
    ]


def test_a_study_twice_in_an_outcome_is_two_rows() -> None:
    # a multi-arm trial entered once per comparison: same study, another data entry (ORDER 2)
    doc = mutate(
        'STUDY_ID="STD-O_x0027_Beta-2002" TOTAL_1="8"', 'STUDY_ID="STD-Alpha-2001" TOTAL_1="8"'
    )
    rows = parse_rm5(doc).outcome(1, 1).rows
    assert [(r.study, r.order, r.events_1) for r in rows] == [("Alpha 2001", 1, 3),
                                                             ("Alpha 2001", 2, 0)]


def test_contradicting_rows_and_duplicated_numbers() -> None:
    # the same study and data entry (ORDER 1) twice, with different counts: refused
    first = '<DICH_DATA EFFECT_SIZE="0.5" ESTIMABLE="YES" EVENTS_1="3"'
    doc = mutate(
        'ORDER="2" STUDY_ID="STD-O_x0027_Beta-2002" TOTAL_1="8"',
        'ORDER="1" STUDY_ID="STD-Alpha-2001" TOTAL_1="8"',
    )
    doc = doc.replace('ID="CMP-001.02" METHOD="IV" NO="2"', 'ID="CMP-001.02" METHOD="IV" NO="1"')
    assert problems_of(doc) == [
        ("contradicting-rows", line_of(doc, first) + 1, "DICH_DATA/@STUDY_ID"),
        ("duplicate-number", line_of(doc, "<CONT_OUTCOME"), "CONT_OUTCOME/@NO"),
    ]
    with pytest.raises(DataValidationError) as err:
        parse_rm5(doc, file="bad.rm5")
    line = next(x for x in err.value.lines if "contradicting-rows" in x)
    assert "CMP-001.01" in line and "STD-Alpha-2001" in line
    assert "EVENTS_1 3 vs 0" in line and "TOTAL_1 10 vs 8" in line


def test_the_same_row_twice_is_kept() -> None:
    # an exact repeat (same study, ORDER and data) contradicts nothing; RevMan pooled both
    row = ('<DICH_DATA EFFECT_SIZE="0.5" ESTIMABLE="YES" EVENTS_1="3" EVENTS_2="6" ORDER="1" '
           'STUDY_ID="STD-Alpha-2001" TOTAL_1="10" TOTAL_2="10" WEIGHT="60.0"/>')
    doc = SYNTH.replace(row, row + "\n" + row)
    assert len(parse_rm5(doc).outcome(1, 1).rows) == 3


def test_all_problems_are_collected() -> None:
    doc = (
        mutate('EVENTS_1="3"', 'EVENTS_1="three"')
        .replace('TOTAL_2="9"', 'TOTAL_2="-9"')
        .replace('SD_1="0.5"', 'SD_1="wide"')
        .replace('STUDY_ID="STD-Alpha-2001" ESTIMABLE="YES" CI_START', 'ESTIMABLE="YES" CI_START')
    )
    rules = [r for r, _, _ in problems_of(doc)]
    assert rules == ["non-numeric", "negative-count", "non-numeric", "missing-attribute"]
    with pytest.raises(DataValidationError) as err:
        parse_rm5(doc, file="bad.rm5")
    assert str(err.value).startswith("4 problems in the input:")
    assert all(line.startswith("bad.rm5, row ") for line in err.value.lines)


# ---------------------------------------------------------------------------------------------
# Property: whatever the bytes, only DataValidationError escapes
# ---------------------------------------------------------------------------------------------


def _fixture_slice() -> str | None:
    """A small, valid document cut from the real file: its root and the outcome CMP-001.02."""
    if not FIXTURE.is_file():
        return None
    lines = FIXTURE.read_text(encoding="iso-8859-1").splitlines()
    start = next(i for i, ln in enumerate(lines) if 'ID="CMP-001.02"' in ln and "<DICH_OUTCOME" in ln)
    end = next(i for i in range(start, len(lines)) if "</DICH_OUTCOME>" in lines[i])
    return "\n".join(
        [
            lines[0],
            lines[1],
            '<ANALYSES_AND_DATA CALCULATED_DATA="YES">',
            '<COMPARISON ID="CMP-001" NO="1">',
            *lines[start : end + 1],
            "</COMPARISON>",
            "</ANALYSES_AND_DATA>",
            "</COCHRANE_REVIEW>",
        ]
    )


_SLICE = _fixture_slice()
DOCUMENTS = [SYNTH] + ([_SLICE] if _SLICE is not None else [])
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


@st.composite
def mangled_documents(draw: st.DrawFn) -> bytes:
    doc = draw(st.sampled_from(DOCUMENTS))
    kind = draw(st.sampled_from(["bytes", "truncate", "junk-attribute", "junk-attributes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "truncate":
        return doc.encode("iso-8859-1")[: draw(st.integers(0, len(doc)))]
    spots = list(_ATTRIBUTE.finditer(doc))
    junk = st.one_of(
        st.text(max_size=12),
        st.sampled_from(["", "-1", "NaN", "-Infinity", "1e999", "YES", "NO", "0.5"]),
        st.sampled_from(["99999999999", "1" + "0" * 25]),
    )
    for _ in range(1 if kind == "junk-attribute" else draw(st.integers(2, 6))):
        m = draw(st.sampled_from(spots))
        value = draw(junk)
        doc = doc[: m.start(2)] + value + doc[m.end(2) :]
        spots = list(_ATTRIBUTE.finditer(doc))
        if not spots:
            break
    return doc.encode("utf-8", errors="surrogatepass")


def test_the_documents_used_by_the_property_test_are_valid() -> None:
    for doc in DOCUMENTS:
        assert isinstance(parse_rm5(doc.encode("iso-8859-1")), Review)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_documents())
def test_only_data_validation_error_escapes(data: bytes) -> None:
    try:
        review = parse_rm5(data, file="mangled.rm5")
    except DataValidationError as err:
        assert err.problems and all(p.rule for p in err.problems)
        return
    assert isinstance(review, Review)
    for outcome in review.outcomes:
        if outcome.data_type != "o_e_variance":
            outcome_to_long(outcome)
