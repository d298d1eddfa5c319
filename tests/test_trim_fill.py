"""Trim and fill against metafor's printed trimfill output (dat.hackshaw1998, dat.bcg log OR),
its mirror symmetry, the filled values worked by hand, and the too-few-studies rule."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from reanalyse.effects import EffectTable
from reanalyse.trim_fill import trim_and_fill, trim_fill_table
from tests.reference_data import BCG, BCG_OR_TRIMFILL, HACKSHAW1998, HACKSHAW_TRIMFILL_REML

HALF = 5e-5  # half a unit in the 4th decimal


def _frame(y: np.ndarray, se: np.ndarray) -> EffectTable:
    return EffectTable.from_estimates(study=[f"s{i + 1}" for i in range(len(y))], te=y, se=se,
                                      measure="OR")


def _hackshaw() -> EffectTable:
    a = np.array(HACKSHAW1998)
    se = (np.log(a[:, 2]) - np.log(a[:, 1])) / (2 * stats.norm.ppf(0.975))
    return _frame(np.log(a[:, 0]), se)


def _bcg_log_or() -> EffectTable:
    a, n1, c, n2 = (np.array([t[i] for t in BCG], dtype=float) for i in range(1, 5))
    b, d = n1 - a, n2 - c
    return _frame(np.log(a * d / (b * c)), np.sqrt(1 / a + 1 / b + 1 / c + 1 / d))


def test_hackshaw_reml_l0_matches_metafor() -> None:
    ref = HACKSHAW_TRIMFILL_REML
    res = trim_and_fill(_hackshaw(), model="random", tau2_method="REML", measure="OR")
    assert (res.side, res.k0, res.filled.k) == (ref["side"], ref["k0"], ref["k"])
    assert res.se_k0 == pytest.approx(ref["se_k0"], abs=HALF)
    f = res.filled
    assert f.tau2 == pytest.approx(ref["tau2"], abs=HALF)
    assert f.te == pytest.approx(ref["estimate"], abs=HALF)
    assert f.se == pytest.approx(ref["se"], abs=HALF)
    # on the OR scale the CI is exp of metafor's log-scale limits
    assert math.log(f.ci_low) == pytest.approx(ref["ci_low"], abs=HALF)
    assert math.log(f.ci_high) == pytest.approx(ref["ci_high"], abs=HALF)
    assert list(f.studies["study"][-7:]) == [f"filled {i}" for i in range(1, 8)]


@pytest.mark.parametrize("tau2_method", ["REML", "DL"])
def test_bcg_log_or_finds_nothing_missing_on_the_right(tau2_method: str) -> None:
    ref = BCG_OR_TRIMFILL[tau2_method]
    res = trim_and_fill(_bcg_log_or(), model="random", tau2_method=tau2_method,  # type: ignore[arg-type]
                        measure="OR")
    assert (res.side, res.k0) == ("right", ref["k0"])
    assert res.se_k0 == pytest.approx(ref["se_k0"], abs=HALF)
    f = res.filled
    assert f is res.observed and res.filled_effects.empty
    for name, value in (("tau2", f.tau2), ("te", f.te), ("se", f.se), ("z", f.z),
                        ("q", f.q), ("lo", math.log(f.ci_low)), ("hi", math.log(f.ci_high))):
        assert value == pytest.approx(ref[name], abs=HALF), name


def test_filled_effects_mirror_the_trimmed_about_the_trimmed_estimate() -> None:
    eff = _hackshaw()
    res = trim_and_fill(eff, model="fixed", measure="OR")
    k0 = res.k0
    assert k0 > 0 and res.side == "left"
    # missing on the left: the k0 largest effects are trimmed; the trimmed fixed-effect estimate
    y, se = eff.te, eff.se
    order = np.argsort(y, kind="stable")
    keep, trimmed = order[:len(y) - k0], order[len(y) - k0:]
    w = 1 / se[keep] ** 2
    mu = float(np.sum(w * y[keep]) / np.sum(w))
    assert res.filled_effects["te"].to_numpy() == pytest.approx(2 * mu - y[trimmed], rel=1e-12)
    assert res.filled_effects["se"].to_numpy() == pytest.approx(se[trimmed], rel=1e-12)
    w_all = 1 / np.concatenate([se, se[trimmed]]) ** 2
    y_all = np.concatenate([y, 2 * mu - y[trimmed]])
    assert res.filled.te == pytest.approx(float(np.sum(w_all * y_all) / np.sum(w_all)), rel=1e-12)


def test_mirrored_data_fill_the_other_side() -> None:
    eff = _hackshaw()
    flipped = replace(eff, te=-eff.te)
    for estimator in ("L0", "R0"):
        a = trim_and_fill(eff, model="random", tau2_method="REML", estimator=estimator)  # type: ignore[arg-type]
        b = trim_and_fill(flipped, model="random", tau2_method="REML", estimator=estimator)  # type: ignore[arg-type]
        assert (a.side, b.side) == ("left", "right")
        assert a.k0 == b.k0 and a.se_k0 == pytest.approx(b.se_k0, rel=1e-12)
        assert b.filled.te == pytest.approx(-a.filled.te, rel=1e-10)


def test_r0_se_and_p_value_by_hand() -> None:
    res = trim_and_fill(_hackshaw(), model="random", tau2_method="REML", estimator="R0")
    assert res.se_k0 == pytest.approx(math.sqrt(2 * res.k0 + 2), rel=1e-12)
    # P(k0 or more | none missing) = 1 - sum_{j=0..k0} 0.5^(j+1) = 0.5^(k0+1)
    assert res.p_k0 == pytest.approx(1 - sum(0.5 ** (j + 1) for j in range(res.k0 + 1)))


def test_table_and_refusals() -> None:
    small = _bcg_log_or().select(slice(0, 9))
    table = trim_fill_table(small, measure="OR")
    assert list(table["estimator"]) == ["L0", "R0"]
    assert table["note"].str.startswith("not done: 9 studies").all()
    assert table["k0"].isna().all()
    full = trim_fill_table(_hackshaw(), measure="OR", model="random", tau2_method="REML")
    assert full.loc[0, "k0"] == 7 and full.loc[0, "side"] == "left"
    assert full.loc[0, "filled_estimate"] == pytest.approx(math.exp(0.1745), rel=1e-4)
    with pytest.raises(ValueError, match="three or more"):
        trim_and_fill(small.select(slice(0, 2)))
    with pytest.raises(ValueError, match="estimator"):
        trim_and_fill(small, estimator="Q0")  # type: ignore[arg-type]
