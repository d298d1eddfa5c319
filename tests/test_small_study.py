"""Tests for funnel-plot asymmetry against metafor's printed output (tests/reference_data.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reanalyse.data import load_table
from reanalyse.effects import study_effects
from reanalyse.small_study import (
    begg_test,
    egger_test,
    harbord_test,
    peters_test,
    small_study_tests,
)
from tests import reference_data as ref

HALF = 0.5e-4  # metafor prints 4 decimals


def _effects(trials, measure):  # type: ignore[no-untyped-def]
    table = load_table(ref.binary_rows(trials))
    return study_effects(table, measure=measure, treatment="T", control="C")


def test_egger_equals_metafor_regtest_lm() -> None:
    eff = _effects(ref.EGGER2001[:15], "OR").to_frame()
    res = egger_test(te=eff["te"], se=eff["se"])
    want = ref.EGGER2001_REGTEST_LM
    assert res.df == want["df"]
    assert res.statistic == pytest.approx(want["t"], abs=HALF)
    assert res.p == pytest.approx(want["p"], abs=HALF)
    # the slope of the standardised regression is metafor's limit estimate (as sei -> 0)
    x, y = 1 / eff["se"].to_numpy(), (eff["te"] / eff["se"]).to_numpy()
    assert np.polyfit(x, y, 1)[0] == pytest.approx(want["limit"], abs=HALF)


def test_weighted_slope_test_equals_metafor_regtest_ninv() -> None:
    # Peters' test is the same weighted regression with other weights; metafor's predictor
    # "ninv" (weights 1/v, predictor 1/n) checks the weighted slope and its t on k - 2 df.
    from reanalyse.small_study import _ols

    eff = _effects(ref.EGGER2001[:15], "OR").to_frame()
    n = (eff["total_1"] + eff["total_2"]).to_numpy(dtype=float)
    coef, ses, df = _ols(1 / n, eff["te"].to_numpy(), 1 / eff["se"].to_numpy() ** 2)
    want = ref.EGGER2001_REGTEST_NINV
    assert df == 13
    assert coef[1] / ses[1] == pytest.approx(want["t"], abs=HALF)
    assert coef[0] == pytest.approx(want["limit"], abs=HALF)


def test_peters_equals_numpy_weighted_fit() -> None:
    # Peters et al. 2006: ln OR on 1/N, weights 1/(1/events + 1/non-events), slope tested.
    trials = ref.EGGER2001[:15]
    eff = _effects(trials, "OR").to_frame()
    a, n1, c, n2 = (np.array([t[i] for t in trials], dtype=float) for i in (1, 2, 3, 4))
    res = peters_test(te=eff["te"], events_1=a, total_1=n1, events_2=c, total_2=n2)
    w = 1 / (1 / (a + c) + 1 / (n1 + n2 - a - c))
    coef, cov = np.polyfit(1 / (n1 + n2), eff["te"].to_numpy(), 1, w=np.sqrt(w), cov=True)
    assert res.bias == pytest.approx(coef[0], rel=1e-10)
    assert res.se == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-10)
    assert res.df == 13


def test_harbord_hand_worked_three_trials() -> None:
    # Z = a - n1 (a + c) / N, V = n1 n2 m1 m2 / (N^2 (N - 1)); Z/sqrt(V) on sqrt(V), OLS.
    # Trials (a, n1, c, n2): (2, 10, 5, 10), (6, 40, 10, 40), (20, 100, 25, 100).
    # The scores are worked by hand (e.g. 2 - 10 * 7 / 20 = -1.5); the OLS intercept and its SE
    # by numpy and the textbook formula se^2 = s^2 sum(x^2) / (k sum(x^2) - (sum x)^2).
    cells = [(2, 10, 5, 10), (6, 40, 10, 40), (20, 100, 25, 100)]
    z, v = [], []
    for a, n1, c, n2 in cells:
        big = n1 + n2
        m1 = a + c
        z.append(a - n1 * m1 / big)
        v.append(n1 * n2 * m1 * (big - m1) / (big**2 * (big - 1)))
    assert z == [-1.5, -2.0, -2.5]
    x = np.sqrt(v)
    y = np.array(z) / x
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (intercept + slope * x)
    s2 = resid @ resid / 1
    se_int = math.sqrt(s2 * (x @ x) / (3 * (x @ x) - x.sum() ** 2))
    res = harbord_test(events_1=[c[0] for c in cells], total_1=[c[1] for c in cells],
                       events_2=[c[2] for c in cells], total_2=[c[3] for c in cells])
    assert res.bias == pytest.approx(intercept, rel=1e-10)
    assert res.se == pytest.approx(se_int, rel=1e-10)
    assert res.df == 1


def test_begg_equals_metafor_ranktest_bcg() -> None:
    eff = _effects(ref.BCG, "RR").to_frame()
    res = begg_test(te=eff["te"], se=eff["se"])
    assert res.statistic == pytest.approx(ref.BCG_RANKTEST["tau"], abs=HALF)
    assert res.p == pytest.approx(ref.BCG_RANKTEST["p"], abs=HALF)


def test_begg_equals_metafor_ranktest_egger2001() -> None:
    eff = _effects(ref.EGGER2001, "OR").to_frame()
    res = begg_test(te=eff["te"], se=eff["se"])
    assert res.statistic == pytest.approx(ref.EGGER2001_RANKTEST_ALL["tau"], abs=0.005)
    assert res.p == pytest.approx(ref.EGGER2001_RANKTEST_ALL["p"], abs=HALF)


def test_small_study_tests_choose_by_measure_and_refuse_few_studies() -> None:
    eff = _effects(ref.EGGER2001[:15], "OR")
    table = small_study_tests(eff, measure="OR")
    assert list(table["test"]) == ["Peters", "Harbord", "Begg"]
    assert table["p"].notna().all()
    rr = small_study_tests(_effects(ref.BCG, "RR"), measure="RR")
    assert list(rr["test"]) == ["Peters", "Begg"]
    few = small_study_tests(eff.select(slice(0, 9)), measure="OR")
    assert few["p"].isna().all()
    assert few["note"].str.contains("9 studies, fewer than 10").all()
    forced = small_study_tests(eff.select(slice(0, 9)), measure="OR", min_studies=3)
    assert forced["p"].notna().all()


def test_small_study_tests_use_egger_for_contrasts() -> None:
    rows = ref.generic_rows(ref.RAUDENBUSH_YI, ref.RAUDENBUSH_VI, measure="SMD")
    eff = study_effects(load_table(rows), measure="SMD", treatment="T", control="C")
    table = small_study_tests(eff, measure="SMD")
    assert list(table["test"]) == ["Egger", "Begg"]
    egger = egger_test(te=eff.te, se=eff.se)
    assert table.loc[0, "statistic"] == pytest.approx(egger.statistic)
