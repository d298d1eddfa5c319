"""Leave-one-out influence against metafor's ``leave1out`` (tests/reference_data.py) and the
exact engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reanalyse.data import load_table
from reanalyse.effects import study_effects
from reanalyse.influence import leave_one_out, leave_one_out_exact
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.priors.inline import parse_inline_prior
from reanalyse.sensitivity import exact_cell
from tests import reference_data as ref

HALF = 0.5e-4 * 1.02  # metafor prints 4 decimals


def _bcg(measure: str = "RR"):  # type: ignore[no-untyped-def]
    return study_effects(load_table(ref.binary_rows(ref.BCG)), measure=measure, treatment="T",
                         control="C")


def test_reml_leave_one_out_equals_metafor() -> None:
    table = leave_one_out(_bcg(), measure="RR", method="IV", model="random", tau2_method="REML")
    assert list(table["omitted"]) == [t[0] for t in ref.BCG]
    for (_, row), want in zip(table.iterrows(), ref.BCG_LEAVE1OUT_REML, strict=True):
        # metafor's I2 under REML is 100 tau2 / (tau2 + typical v), not the Q-based I^2
        te, se, lo, hi, q, tau2, _i2_metafor = want
        assert row["te"] == pytest.approx(te, abs=HALF)
        assert row["se"] == pytest.approx(se, abs=HALF)
        assert math.log(row["ci_low"]) == pytest.approx(lo, abs=HALF)
        assert math.log(row["ci_high"]) == pytest.approx(hi, abs=HALF)
        assert row["q"] == pytest.approx(q, abs=HALF)
        assert row["tau2"] == pytest.approx(tau2, abs=HALF)
        assert row["k"] == 12
        assert row["excludes_null"]


def test_mh_leave_one_out_equals_metafor() -> None:
    table = leave_one_out(_bcg(), measure="RR", method="MH", model="fixed")
    for (_, row), want in zip(table.iterrows(), ref.BCG_LEAVE1OUT_MH, strict=True):
        te, se, lo, hi, q = want
        assert row["te"] == pytest.approx(te, abs=HALF)
        assert row["se"] == pytest.approx(se, abs=HALF)
        assert math.log(row["ci_low"]) == pytest.approx(lo, abs=HALF)
        assert math.log(row["ci_high"]) == pytest.approx(hi, abs=HALF)
        assert row["q"] == pytest.approx(q, abs=HALF)


def test_peto_leave_one_out_first_row_equals_metafor() -> None:
    table = leave_one_out(_bcg("OR"), measure="OR", method="PETO", model="fixed")
    te, se, lo, hi, q = ref.BCG_LEAVE1OUT_PETO_ROW1
    row = table.iloc[0]
    assert (row["te"], row["se"], row["q"]) == (pytest.approx(te, abs=HALF),
                                                pytest.approx(se, abs=HALF),
                                                pytest.approx(q, abs=HALF))
    assert math.log(row["ci_low"]) == pytest.approx(lo, abs=HALF)
    assert math.log(row["ci_high"]) == pytest.approx(hi, abs=HALF)


def test_two_studies_leave_the_other_study() -> None:
    # With two studies, omitting one leaves the other: its own effect and SE.
    eff = _bcg().select(slice(0, 2))
    table = leave_one_out(eff, measure="RR", method="IV", model="fixed")
    assert table["te"].tolist() == pytest.approx(eff.te.tolist()[::-1], rel=1e-12)
    assert table["se"].tolist() == pytest.approx(eff.se.tolist()[::-1], rel=1e-12)
    # change = te(rest) - te(all); the two changes straddle 0 around the pooled estimate
    assert table["change"].iloc[0] * table["change"].iloc[1] < 0
    assert leave_one_out(eff.select(slice(0, 1)), measure="RR").empty


def test_exact_leave_one_out_equals_refitted_exact_cell() -> None:
    eff = _bcg()
    y, se = eff.te, eff.se
    tau = parse_inline_prior("half-normal:0.5")
    effect = parse_inline_prior("normal:0,10")
    assert isinstance(tau, TauPrior) and isinstance(effect, EffectPrior)
    table = leave_one_out_exact(y=y, se=se, studies=list(eff.study), tau_prior=tau,
                                effect_prior=effect, benefit_sign=-1,
                                threshold=math.log(0.8))
    keep = np.arange(len(y)) != 7
    cell = exact_cell(y=y[keep], se=se[keep], tau_prior=tau, effect_prior=effect,
                      benefit_sign=-1, threshold=math.log(0.8))
    row = table.iloc[7]
    assert row["omitted"] == "TPT Madras 1980"
    assert row["mu_median"] == pytest.approx(cell["mu_median"], rel=1e-12)
    assert row["p_meaningful"] == pytest.approx(cell["p_meaningful"], rel=1e-12)


def _bcg_log_rr_effects():  # type: ignore[no-untyped-def]
    import numpy as np

    from reanalyse.effects import EffectTable
    from tests.reference_data import BCG

    a, n1, c, n2 = (np.array([t[i] for t in BCG], dtype=float) for i in range(1, 5))
    y = np.log(a / n1) - np.log(c / n2)
    v = 1 / a - 1 / n1 + 1 / c - 1 / n2
    return EffectTable.from_estimates(study=[t[0] for t in BCG], te=y, se=np.sqrt(v),
                                      measure="RR")


def test_case_diagnostics_match_metafor_influence_row_1() -> None:
    from reanalyse.influence import case_diagnostics
    from tests.reference_data import BCG_INFLUENCE_REML_ROW1

    diag = case_diagnostics(_bcg_log_rr_effects(), model="random", tau2_method="REML")
    assert len(diag) == 13 and not diag["influential"].any()
    row = diag.iloc[0]
    for name, want in BCG_INFLUENCE_REML_ROW1.items():
        if name == "influential":
            assert bool(row[name]) is want
        else:
            # metafor's REML stops at a relative change of 1e-5 in tau^2; ours at 1e-14
            assert row[name] == pytest.approx(want, rel=2e-6), name


def test_rstandard_and_rstudent_match_metafor_residuals() -> None:
    from reanalyse.influence import case_diagnostics
    from tests.reference_data import BCG6_RSTANDARD, BCG6_RSTUDENT

    diag = case_diagnostics(_bcg_log_rr_effects().select(slice(0, 6)), model="random", tau2_method="REML")
    assert list(diag["rstandard"]) == pytest.approx(BCG6_RSTANDARD, abs=1e-4)
    assert list(diag["rstudent"]) == pytest.approx(BCG6_RSTUDENT, abs=1e-4)


def test_case_diagnostics_by_hand_fixed_effect() -> None:
    import math

    from reanalyse.effects import EffectTable
    from reanalyse.influence import case_diagnostics

    # y = 0, 1, 2 with unit variances: mu = 1, V = 1/3; without study 1: mu = 1.5, V = 1/2
    eff = EffectTable.from_estimates(study=["a", "b", "c"], te=[0.0, 1.0, 2.0], se=[1.0] * 3,
                                     measure="MD")
    row = case_diagnostics(eff, model="fixed").iloc[0]
    assert row["rstudent"] == pytest.approx(-1.5 / math.sqrt(1.5), rel=1e-12)
    assert row["rstandard"] == pytest.approx(-1 / math.sqrt(2 / 3), rel=1e-12)
    assert row["hat"] == pytest.approx(1 / 3, rel=1e-12)
    assert row["dffits"] == pytest.approx(-0.5 / math.sqrt(1 / 3), rel=1e-12)
    assert row["dfbetas"] == pytest.approx(-0.5 / math.sqrt(1 / 3), rel=1e-12)
    assert row["cook_d"] == pytest.approx(0.75, rel=1e-12)
    assert row["cov_r"] == pytest.approx(1.5, rel=1e-12)
    assert row["q_del"] == pytest.approx(0.5, rel=1e-12)
    # P(chi2_1 <= 0.75) = 0.61 > 0.5: flagged, as metafor would
    assert bool(row["influential"]) is True
    assert case_diagnostics(eff.select(slice(0, 2))).empty


def test_exact_leave_one_out_of_the_common_effect_model_is_the_closed_form() -> None:
    """tau_prior=None (the review's fixed-effect model, as the like-for-like reading): each
    omission's posterior of mu is normal with precision sum(1/se^2) + 1/s0^2 and mean
    sum(y/se^2) / that precision (hand-worked; prior N(0, 2.82^2))."""
    from scipy import stats

    from reanalyse.influence import leave_one_out_exact
    from reanalyse.priors import EffectPrior

    y, se = np.array([-0.62, -0.15, -1.10]), np.array([0.35, 0.28, 0.52])
    s0 = 2.82
    table = leave_one_out_exact(y=y, se=se, studies=["a", "b", "c"], tau_prior=None,
                                effect_prior=EffectPrior.normal(0.0, s0), benefit_sign=-1,
                                threshold=None)
    for i, row in table.iterrows():
        keep = np.arange(3) != i
        precision = np.sum(1 / se[keep] ** 2) + 1 / s0**2
        mean, sd = np.sum(y[keep] / se[keep] ** 2) / precision, precision**-0.5
        assert row["mu_median"] == pytest.approx(mean, abs=1e-10)
        assert row["mu_q975"] == pytest.approx(mean + stats.norm.ppf(0.975) * sd, abs=1e-9)
        assert row["tau_median"] == 0.0
        assert row["p_benefit"] == pytest.approx(stats.norm.cdf(-mean / sd), abs=1e-10)
