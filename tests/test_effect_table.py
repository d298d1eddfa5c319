"""The effect table: built once from a study table (or a RevMan outcome), typed, aligned."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from reanalyse.data import load_table
from reanalyse.effects import (
    BinaryArms,
    ContinuousArms,
    EffectTable,
    effect_table,
    study_effects,
)
from reanalyse.models import ArmData, ContrastData
from reanalyse.pooling import pool_effects

Z975 = 1.959963984540054


def _mixed() -> EffectTable:
    """A: a zero cell (T 0/10, C 3/12); B: no zero cell (T 4/20, C 6/20); C: a contrast
    (OR 0.5, 95% CI 0.25 to 1.0, stated control vs treatment, so reversed); D: no events in
    either arm (T 0/5, C 0/6)."""
    rows = pd.DataFrame([
        {"study": "A", "treatment": "T", "events": 0, "total": 10},
        {"study": "A", "treatment": "C", "events": 3, "total": 12},
        {"study": "B", "treatment": "T", "events": 4, "total": 20},
        {"study": "B", "treatment": "C", "events": 6, "total": 20},
        {"study": "C", "treatment": "C", "comparator": "T", "estimate": 2.0, "ci_low": 1.0,
         "ci_high": 4.0, "measure": "OR"},
        {"study": "D", "treatment": "T", "events": 0, "total": 5},
        {"study": "D", "treatment": "C", "events": 0, "total": 6},
    ])
    return study_effects(load_table(rows), measure="OR", treatment="T", control="C", level=0.9)


def test_zero_cell_study_is_corrected_and_flagged_by_hand() -> None:
    eff = _mixed()
    assert isinstance(eff, EffectTable) and len(eff) == 4
    assert list(eff.study) == ["A", "B", "C", "D"]
    assert list(eff.kind) == ["binary", "binary", "contrast", "binary"]
    # A: cells a=0, b=10, c=3, d=9, each + 0.5
    a, b, c, d = 0.5, 10.5, 3.5, 9.5
    assert eff.te[0] == pytest.approx(math.log(a * d / (b * c)), rel=1e-14)
    assert eff.se[0] == pytest.approx(math.sqrt(1 / a + 1 / b + 1 / c + 1 / d), rel=1e-14)
    # B: no correction
    assert eff.te[1] == pytest.approx(math.log(4 * 14 / (16 * 6)), rel=1e-14)
    assert eff.se[1] == pytest.approx(math.sqrt(1 / 4 + 1 / 16 + 1 / 6 + 1 / 14), rel=1e-14)
    # C: reversed contrast, SE from its 95% CI
    assert eff.te[2] == pytest.approx(-math.log(2.0), rel=1e-14)
    assert eff.se[2] == pytest.approx(math.log(4.0) / (2 * Z975), rel=1e-13)
    # D: not estimable, so no correction entered an effect
    assert list(eff.corrected) == [True, False, False, False]
    assert list(eff.estimable) == [True, True, True, False]
    assert list(eff.reason) == ["", "", "", "no events in either arm"]
    assert eff.correction == 0.5
    assert eff.rows[0] == (2, 3) and eff.rows[2] == (6,)  # file rows; the header is row 1
    assert (eff.measure, eff.treatment, eff.control) == ("OR", "T", "C")


def test_arms_are_typed_study_by_arm_arrays() -> None:
    eff = _mixed()
    assert isinstance(eff.arms, BinaryArms)
    assert eff.arms.events.shape == (4, 2) and eff.arms.total.shape == (4, 2)
    assert eff.arms.events[0].tolist() == [0.0, 3.0]
    assert eff.arms.total[3].tolist() == [5.0, 6.0]
    assert np.isnan(eff.arms.events[2]).all()  # the contrast study has no arms
    assert eff.has_contrasts and not eff.is_binary_arms and not eff.is_continuous_arms
    assert eff.select(eff.kind == "binary").is_binary_arms
    assert eff.participants()[[0, 1, 3]].tolist() == [22.0, 40.0, 11.0]
    assert np.isnan(eff.participants()[2])


def test_level_is_a_field_not_an_attribute() -> None:
    eff = _mixed()
    assert eff.level == 0.9
    assert eff.select([0]).level == 0.9
    assert eff.to_frame().attrs == {}
    assert eff.to_xarray().attrs["level"] == 0.9
    assert study_effects(load_table(pd.DataFrame([
        {"study": "A", "treatment": "T", "events": 1, "total": 9},
        {"study": "A", "treatment": "C", "events": 2, "total": 9}])),
        measure="RR", treatment="T", control="C", level=95).level == 0.95


def test_select_keeps_every_array_aligned() -> None:
    eff = _mixed()
    sub = eff.select([2, 0])
    assert list(sub.study) == ["C", "A"]
    assert sub.te.tolist() == [eff.te[2], eff.te[0]]
    assert sub.se.tolist() == [eff.se[2], eff.se[0]]
    assert list(sub.corrected) == [False, True]
    assert list(sub.kind) == ["contrast", "binary"]
    assert list(sub.rows) == [eff.rows[2], eff.rows[0]]
    assert sub.arms is not None and sub.arms.events[1].tolist() == [0.0, 3.0]
    assert list(eff.estimable_only().study) == ["A", "B", "C"]
    assert list(eff.without(1).study) == ["A", "C", "D"]
    assert list(eff.select(slice(1, 3)).study) == ["B", "C"]
    with pytest.raises(ValueError, match="mask"):
        eff.select(np.array([True, False]))


def test_the_table_is_frozen() -> None:
    eff = _mixed()
    with pytest.raises(dataclasses.FrozenInstanceError):
        eff.te = np.zeros(4)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        eff.te[0] = 1.0
    with pytest.raises(ValueError, match="shape"):
        dataclasses.replace(eff, se=np.ones(3))


def test_to_frame_has_the_tidy_columns() -> None:
    frame = _mixed().to_frame()
    assert list(frame.columns) == ["study", "subgroup", "kind", "rows", "events_1", "events_2",
                                   "total_1", "total_2", "te", "se", "estimable", "reason"]
    assert frame.loc[0, "events_2"] == 3.0 and np.isnan(frame.loc[2, "events_1"])
    contrast = EffectTable.from_estimates(study=["x", "y"], te=[0.1, np.nan], se=[0.2, 0.3],
                                          measure="MD")
    assert list(contrast.to_frame().columns) == ["study", "subgroup", "kind", "rows", "te", "se",
                                                 "estimable", "reason"]
    assert list(contrast.estimable) == [True, False]


def test_to_xarray_dims_and_coords() -> None:
    ds = _mixed().to_xarray()
    assert dict(ds.sizes) == {"study": 4, "arm": 2}
    assert list(ds["study"].values) == ["A", "B", "C", "D"]
    assert list(ds["arm"].values) == ["treatment", "control"]
    assert list(ds["arm_name"].values) == ["T", "C"]
    assert ds["events"].dims == ("study", "arm")
    assert float(ds["events"].sel(study="A", arm="control")) == 3.0
    assert ds["te"].dims == ("study",) and bool(ds["corrected"].sel(study="A"))
    assert ds.attrs["measure"] == "OR"
    plain = EffectTable.from_estimates(study=["x"], te=[0.1], se=[0.2], measure="MD").to_xarray()
    assert dict(plain.sizes) == {"study": 1}


def test_continuous_arms() -> None:
    rows = pd.DataFrame([
        {"study": "A", "treatment": "T", "n": 10, "mean": 5.0, "sd": 2.0},
        {"study": "A", "treatment": "C", "n": 12, "mean": 3.0, "sd": 1.0},
    ])
    eff = study_effects(load_table(rows), measure="MD", treatment="T", control="C")
    assert isinstance(eff.arms, ContinuousArms) and eff.is_continuous_arms
    assert eff.arms.n.tolist() == [[10.0, 12.0]]
    assert eff.te[0] == 2.0
    assert eff.se[0] == pytest.approx(math.sqrt(4 / 10 + 1 / 12), rel=1e-14)
    assert eff.participants().tolist() == [22.0]
    assert list(eff.to_frame().columns)[4:10] == ["n_1", "n_2", "mean_1", "mean_2", "sd_1",
                                                  "sd_2"]
    with pytest.raises(ValueError, match="binary arm counts"):
        eff.binary_cells()


def test_effect_table_from_arrays_equals_study_effects() -> None:
    eff = _mixed()
    again = effect_table(measure="OR", study=list(eff.study), kind=list(eff.kind), te=eff.te,
                         se=eff.se, arms=eff.arms, rows=list(eff.rows), level=0.9)
    np.testing.assert_array_equal(again.te, eff.te)
    np.testing.assert_array_equal(again.se, eff.se)
    assert list(again.corrected) == list(eff.corrected)
    assert list(again.reason) == list(eff.reason)
    with pytest.raises(ValueError, match="binary arm data"):
        effect_table(measure="OR", study=["a"], kind=["binary"], te=[np.nan], se=[np.nan],
                     arms=None)


def test_consumers_read_the_table_not_columns() -> None:
    eff = _mixed()
    # pooling takes its measure, arms' names and study level from the table unless told
    res = pool_effects(eff)
    assert (res.measure, res.treatment, res.control, res.k) == ("OR", "T", "C", 3)
    assert res.excluded == ("D",)
    # MH needs the binary arms; the models take the table
    with pytest.raises(ValueError, match="contrasts only: C"):
        ArmData.from_effects(eff)
    arms = ArmData.from_effects(eff.select(eff.kind == "binary"))
    assert arms.study == ("A", "B", "D") and arms.events_1.tolist() == [0, 4, 0]
    normal = ContrastData.from_effects(eff)
    assert normal.study == ("A", "B", "C") and normal.measure == "OR"


def test_revman_recompute_builds_the_same_table(rm5_path) -> None:  # type: ignore[no-untyped-def]
    from reanalyse.revman import read_rm5
    from reanalyse.revman.recompute import outcome_effects

    outcome = next(o for o in read_rm5(rm5_path).outcomes if o.data_type == "dichotomous"
                   and any(r.has_zero_cell for _, r in o.iter_rows()))
    measure = outcome.settings.effect_measure_code
    measure = "OR" if measure == "PETO_OR" else measure
    eff = outcome_effects(outcome, measure=measure)
    assert isinstance(eff, EffectTable) and isinstance(eff.arms, BinaryArms)
    assert eff.level == outcome.settings.ci_study
    # the same rows as a study table give the same effects, zero-cell flags included
    rows = []
    for i, (_, r) in enumerate(outcome.iter_rows()):
        e1, e2 = r.events_1 or 0, r.events_2 or 0
        if outcome.settings.swap_events:
            e1, e2 = (r.total_1 or 0) - e1, (r.total_2 or 0) - e2
        name = f"{r.study} #{i}"  # a study may appear in several subgroups
        rows += [{"study": name, "treatment": "T", "events": e1, "total": r.total_1 or 0},
                 {"study": name, "treatment": "C", "events": e2, "total": r.total_2 or 0}]
    table = study_effects(load_table(pd.DataFrame(rows)), measure=measure, treatment="T",
                          control="C")
    np.testing.assert_allclose(eff.te, table.te, rtol=1e-14, equal_nan=True)
    np.testing.assert_allclose(eff.se, table.se, rtol=1e-14, equal_nan=True)
    assert list(eff.corrected) == list(table.corrected) and eff.corrected.any()
    assert list(eff.estimable) == list(table.estimable)
