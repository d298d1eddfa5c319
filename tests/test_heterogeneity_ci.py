"""Heterogeneity intervals: the Q-profile for tau^2 against metafor's confint, the
Higgins-Thompson interval for I^2 and H against R meta's printed output, and the edges
(one, two and perfectly homogeneous studies) worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reanalyse.cli import main
from reanalyse.data import load_table
from reanalyse.effects import study_effects
from reanalyse.pooling import cochran_q, i_squared, pool_effects
from reanalyse.pooling.heterogeneity_ci import (
    generalised_q,
    heterogeneity_interval,
    i2_interval,
    q_profile,
)
from tests.reference_data import (
    BCG,
    BCG_QP,
    COLLINS1985B_PRE,
    COLLINS1985B_QP,
    META_I2_CI,
    binary_rows,
)


def _log_rr(trials):  # type: ignore[no-untyped-def]
    a, n1, c, n2 = (np.array([t[i] for t in trials], dtype=float) for i in range(1, 5))
    y = np.log(a / n1) - np.log(c / n2)
    v = 1 / a - 1 / n1 + 1 / c - 1 / n2
    return y, np.sqrt(v)


def test_q_profile_matches_metafor_on_bcg() -> None:
    y, se = _log_rr(BCG)
    low, high, notes = q_profile(te=y, se=se)
    # printed to 4 decimals; metafor's uniroot tolerance adds up to ~2e-5
    assert low == pytest.approx(BCG_QP["tau2_low"], abs=5e-5 + 2e-5)
    assert high == pytest.approx(BCG_QP["tau2_high"], abs=5e-5 + 2e-5)
    assert math.sqrt(low) == pytest.approx(BCG_QP["tau_low"], abs=5e-5 + 3e-5)
    assert math.sqrt(high) == pytest.approx(BCG_QP["tau_high"], abs=5e-5 + 2e-5)
    assert notes == ()


def test_q_profile_limits_solve_the_chi_squared_equations() -> None:
    from scipy import stats

    y, se = _log_rr(BCG)
    low, high, _ = q_profile(te=y, se=se, level=0.90)
    v = se**2
    assert generalised_q(low, y=y, v=v) == pytest.approx(stats.chi2.ppf(0.95, 12), rel=1e-10)
    assert generalised_q(high, y=y, v=v) == pytest.approx(stats.chi2.ppf(0.05, 12), rel=1e-10)


def test_q_profile_matches_viechtbauer_2007() -> None:
    a, n1, c, n2 = (np.array([t[i] for t in COLLINS1985B_PRE], dtype=float) for i in range(4))
    b, d = n1 - a, n2 - c
    y = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    low, high, _ = q_profile(te=y, se=se)
    assert low == pytest.approx(COLLINS1985B_QP[0], abs=5e-4)
    assert high == pytest.approx(COLLINS1985B_QP[1], abs=5e-4)


@pytest.mark.parametrize(("q", "k", "i2", "i2_low", "i2_high", "h_low", "h_high"), META_I2_CI)
def test_i2_interval_matches_meta(q, k, i2, i2_low, i2_high, h_low, h_high) -> None:  # type: ignore[no-untyped-def]
    lo, hi, hlo, hhi = i2_interval(q=q, k=k)
    # I^2 printed to 0.1 (half a unit 0.05) from a Q printed to 2 decimals (worth < 0.04 here)
    assert i_squared(q, k - 1) == pytest.approx(i2, abs=0.05)
    assert lo == pytest.approx(i2_low, abs=0.05 + 0.04)
    assert hi == pytest.approx(i2_high, abs=0.05 + 0.04)
    assert hlo == pytest.approx(h_low, abs=0.005 + 0.001)
    assert hhi == pytest.approx(h_high, abs=0.005 + 0.001)


def test_i2_interval_by_hand_when_q_is_below_k() -> None:
    # k = 5, Q = 2: SE(ln H) = sqrt(1/6 * (1 - 1/27)); ln H = 0.5 ln(2/4)
    se = math.sqrt(1 / 6 * (1 - 1 / 27))
    upper_h = math.exp(0.5 * math.log(0.5) + 1.959963984540054 * se)
    lo, hi, hlo, hhi = i2_interval(q=2.0, k=5)
    assert (lo, hlo) == (0.0, 1.0)
    assert hhi == pytest.approx(upper_h, rel=1e-12)
    assert hi == pytest.approx(100 * (upper_h**2 - 1) / upper_h**2, rel=1e-12)


def test_edges_one_two_and_identical_studies() -> None:
    low, high, notes = q_profile(te=[0.3], se=[0.2])
    assert math.isnan(low) and math.isnan(high) and "two or more" in notes[0]
    two = heterogeneity_interval(te=[0.1, 0.5], se=[0.2, 0.3], q=cochran_q(
        te=[0.1, 0.5], se=[0.2, 0.3]).q)
    assert math.isfinite(two.tau2_high) and math.isnan(two.i2_low)
    assert any("three or more" in n for n in two.notes)
    same = heterogeneity_interval(te=[0.2, 0.2, 0.2], se=[0.1, 0.2, 0.3], q=0.0)
    assert (same.tau2_low, same.tau2_high) == (0.0, 0.0)
    assert (same.i2_low, same.h_low) == (0.0, 1.0)
    assert "both tau² limits are 0" in same.notes[0]


def test_pooled_result_carries_the_intervals_for_fixed_and_random_models() -> None:
    table = load_table(binary_rows(BCG), name="bcg.csv")
    effects = study_effects(table, measure="RR", treatment="T", control="C")
    for model in ("fixed", "random"):
        res = pool_effects(effects, measure="RR", method="IV", model=model, tau2_method="REML")
        ci = res.heterogeneity_ci
        assert ci is not None
        assert ci.tau2_low == pytest.approx(BCG_QP["tau2_low"], abs=7e-5)
        assert ci.i2_low < res.i2 < ci.i2_high
        row = res.summary().iloc[0]
        assert row["tau2_high_ci"] == pytest.approx(BCG_QP["tau2_high"], abs=7e-5)
        assert res.to_dict()["heterogeneity_ci"]["tau2_method"] == "Q-profile"
    # MH: the I^2 interval comes from the same Q as the reported I^2 (around the MH estimate)
    mh = pool_effects(effects, measure="RR", method="MH")
    lo, hi, _, _ = i2_interval(q=mh.q, k=mh.k)
    assert (mh.heterogeneity_ci.i2_low, mh.heterogeneity_ci.i2_high) == (lo, hi)  # type: ignore[union-attr]
    one = pool_effects(effects.select(slice(0, 1)), measure="RR")
    assert one.heterogeneity_ci is None and "heterogeneity_ci" not in one.to_dict()


def test_pool_cli_prints_the_intervals(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bcg.csv"
    binary_rows(BCG).to_csv(path, index=False)
    assert main(["pool", str(path), "--measure", "RR", "--treatment", "T", "--control", "C",
                 "--model", "random", "--tau2", "REML"]) == 0
    out = capsys.readouterr().out
    assert "Tau² [0.120, 1.111] (Q-profile), Tau [0.346, 1.054]" in out
    y, se = _log_rr(BCG)
    ci = i2_interval(q=cochran_q(te=y, se=se).q, k=13)
    assert f"I² [{ci[0]:.0f}%, {ci[1]:.0f}%] (Higgins-Thompson)" in out
