"""Study-level effect sizes and data-entry conversions against hand-worked and published values.

Every expected number is either worked by hand here (the arithmetic is in the comment) or typed in
from an independent source cited in ``tests/reference_data.py``; none is produced by reanalyse.
Tolerances follow the printed precision of the source: ``printed(d)`` is half a unit in the d-th
decimal (plus 2 % so that a correctly rounded value always passes).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reanalyse.conversions import normalise_level, sd_from_ci, sd_from_se, se_from_ci
from reanalyse.data import load_table
from reanalyse.effects import (
    binary_effect,
    mean_difference,
    peto_components,
    standardised_mean_difference,
    study_effects,
)
from tests import reference_data as ref

pytestmark = pytest.mark.reference

Z975 = 1.959963984540054  # standard normal 97.5 % quantile (any table; scipy norm.ppf(0.975))


def printed(decimals: int) -> float:
    """Half a unit in the last printed decimal, plus 2 %."""
    return 0.5 * 10.0 ** (-decimals) * 1.02


# ---------------------------------------------------------------------------------------------
# Mean difference
# ---------------------------------------------------------------------------------------------


def test_md_hand_worked() -> None:
    # T: mean 10, SD 2, n 20; C: mean 8, SD 3, n 25.
    # MD = 10 - 8 = 2; SE = sqrt(2^2/20 + 3^2/25) = sqrt(0.2 + 0.36) = sqrt(0.56)
    #   = 0.7483314773547883
    eff = mean_difference(mean_1=[10.0], sd_1=[2.0], n_1=[20], mean_2=[8.0], sd_2=[3.0], n_2=[25])
    assert eff.te[0] == pytest.approx(2.0, abs=1e-15)
    assert eff.se[0] == pytest.approx(0.7483314773547883, rel=1e-14)
    assert bool(eff.estimable[0])


def test_md_equals_revman_fleiss_study_rows() -> None:
    # RevMan's MD and SE per study (Fleiss93_CR.csv, 8 decimals): e.g. Davis
    # SE = sqrt(4.7^2/13 + 3.8^2/13) = sqrt(1.699231 + 1.110769) = sqrt(2.81) = 1.67630546
    trials = ref.FLEISS_MD_TRIALS
    eff = mean_difference(
        mean_1=[t[2] for t in trials], sd_1=[t[3] for t in trials], n_1=[t[1] for t in trials],
        mean_2=[t[5] for t in trials], sd_2=[t[6] for t in trials], n_2=[t[4] for t in trials])
    for i, (study, *_rest) in enumerate(trials):
        md, se, _lo, _hi, _w = ref.FLEISS_MD_REVMAN["studies"][study]
        assert eff.te[i] == pytest.approx(md, abs=printed(8)), study
        assert eff.se[i] == pytest.approx(se, abs=printed(8)), study


# ---------------------------------------------------------------------------------------------
# Standardised mean difference (RevMan 5's Hedges' adjusted g)
# ---------------------------------------------------------------------------------------------


def test_smd_hand_worked_equal_groups() -> None:
    # T: 12 (SD 2, n 10); C: 10 (SD 2, n 10). N = 20.
    # s_pooled = sqrt((9*4 + 9*4)/18) = 2; d = 2/2 = 1
    # J = 1 - 3/(4*20 - 9) = 1 - 3/71 = 68/71 = 0.9577464788732395; g = J*d = 0.9577464788732395
    # var = N/(n1 n2) + g^2/(2 (N - 3.94)) = 20/100 + 0.917278317/32.12 = 0.22855785547304136
    # SE = sqrt(0.22855785547304136) = 0.478077248436946
    eff = standardised_mean_difference(mean_1=[12.0], sd_1=[2.0], n_1=[10],
                                       mean_2=[10.0], sd_2=[2.0], n_2=[10])
    assert eff.te[0] == pytest.approx(68 / 71, rel=1e-14)
    assert eff.se[0] == pytest.approx(0.478077248436946, rel=1e-13)


def test_smd_hand_worked_unequal_groups() -> None:
    # T: 5.0 (SD 2.0, n 8); C: 3.0 (SD 1.5, n 7). N = 15.
    # s_pooled = sqrt((7*4 + 6*2.25)/13) = sqrt(41.5/13) = 1.786703022974913
    # d = 2/1.786703022974913 = 1.1193802071650056
    # J = 1 - 3/(60 - 9) = 1 - 3/51 = 0.9411764705882353; g = 1.0535343126258876
    # var = 15/56 + g^2/(2*(15 - 3.94)) = 0.267857143 + 1.109934548/22.12 = 0.31803501572694853
    eff = standardised_mean_difference(mean_1=[5.0], sd_1=[2.0], n_1=[8],
                                       mean_2=[3.0], sd_2=[1.5], n_2=[7])
    assert eff.te[0] == pytest.approx(1.0535343126258876, rel=1e-13)
    assert eff.se[0] ** 2 == pytest.approx(0.31803501572694853, rel=1e-13)


def test_smd_equals_r_meta_revman_formula() -> None:
    # R meta's metacont(sm="SMD") TE and seTE^2, pasted at full precision in statsmodels' tests
    trials = ref.SMD_CHEN_PEACE
    eff = standardised_mean_difference(
        mean_1=[t[2] for t in trials], sd_1=[t[3] for t in trials], n_1=[t[1] for t in trials],
        mean_2=[t[5] for t in trials], sd_2=[t[6] for t in trials], n_2=[t[4] for t in trials])
    np.testing.assert_allclose(eff.te, ref.SMD_CHEN_PEACE_META_TE, rtol=1e-12)
    np.testing.assert_allclose(eff.se**2, ref.SMD_CHEN_PEACE_META_VAR, rtol=1e-12)


def test_smd_is_not_metafors_default() -> None:
    # metafor's escalc(measure="SMD") for Carroll (exact J; statsmodels test_meta.py,
    # TestEffSmdMeta, yi[0] and vi_asy[0]): 0.09452415852032972 and 0.03337056173559990.
    # RevMan's approximate J and N - 3.94 variance give a different, documented answer, and ours
    # is RevMan's (test_smd_equals_r_meta_revman_formula).
    eff = standardised_mean_difference(mean_1=[94.0], sd_1=[22.0], n_1=[60],
                                       mean_2=[92.0], sd_2=[20.0], n_2=[60])
    assert abs(eff.te[0] - 0.09452415852032972) > 1e-7
    assert abs(eff.se[0] ** 2 - 0.03337056173559990) > 1e-6


# ---------------------------------------------------------------------------------------------
# Binary effects: RR, OR, RD, Peto components
# ---------------------------------------------------------------------------------------------


Trials = list[tuple[str, int, int, int, int]]


def _binary(measure: str, trials: Trials):  # type: ignore[no-untyped-def]
    return binary_effect(measure=measure, events_1=[t[1] for t in trials],
                         total_1=[t[2] for t in trials], events_2=[t[3] for t in trials],
                         total_2=[t[4] for t in trials])


def test_or_equals_revman_fleiss_study_rows() -> None:
    eff = _binary("OR", ref.FLEISS_MH_TRIALS)
    for i, (study, *_rest) in enumerate(ref.FLEISS_MH_TRIALS):
        odds_ratio, se, _lo, _hi, _w = ref.FLEISS_MH_REVMAN["studies"][study]
        assert math.exp(eff.te[i]) == pytest.approx(odds_ratio, rel=1e-12), study
        assert eff.se[i] == pytest.approx(se, rel=1e-12), study


def test_or_equals_r_meta_study_rows() -> None:
    eff = _binary("OR", ref.META_OR_HK_TRIALS[:3])
    np.testing.assert_allclose(eff.te, ref.META_OR_HK["TE_first3"], rtol=1e-12)
    np.testing.assert_allclose(eff.se, ref.META_OR_HK["seTE_first3"], rtol=1e-12)


def test_rr_with_zero_cells_equals_revman_sore_throat_rows() -> None:
    # RevMan adds 0.5 to each cell of a zero-cell study (so each arm's n grows by 1), e.g.
    # Denny 1953, 0/157 vs 1/50: RR = (0.5/158)/(1.5/51) = 0.10759493670886076;
    # SE = sqrt(1/0.5 - 1/158 + 1/1.5 - 1/51) = 1.6250322180207262 (RevMan's stored values)
    seen = 0
    for trials, revman in ((ref.SORE_THROAT_SINUSITIS, ref.SORE_THROAT_SINUSITIS_REVMAN),
                           (ref.SORE_THROAT_QUINSY, ref.SORE_THROAT_QUINSY_REVMAN)):
        eff = _binary("RR", trials)
        for i, (study, a, _n1, c, _n2) in enumerate(trials):
            if (a, c) == (0, 0):
                # double zero: RevMan marks it ESTIMABLE="NO"
                assert not bool(eff.estimable[i]), study
                continue
            rr, se, _w = revman["studies"][study]
            assert math.exp(eff.te[i]) == pytest.approx(rr, rel=1e-12), study
            assert eff.se[i] == pytest.approx(se, rel=1e-12), study
            seen += 1
    assert seen == 10


def test_or_zero_cell_hand_worked() -> None:
    # 0/10 vs 3/10 -> cells + 0.5: a 0.5, b 10.5, c 3.5, d 7.5
    # ln OR = ln(0.5*7.5/(10.5*3.5)) = ln(3.75/36.75) = -2.2823823856765264
    # var = 1/0.5 + 1/10.5 + 1/3.5 + 1/7.5 = 2.5142857142857142
    eff = binary_effect(measure="OR", events_1=[0], total_1=[10], events_2=[3], total_2=[10])
    assert eff.te[0] == pytest.approx(-2.2823823856765264, rel=1e-13)
    assert eff.se[0] ** 2 == pytest.approx(2.5142857142857142, rel=1e-13)


def test_rd_hand_worked() -> None:
    # 2/10 vs 5/10: RD = 0.2 - 0.5 = -0.3; var = 0.2*0.8/10 + 0.5*0.5/10 = 0.016 + 0.025 = 0.041
    # 6/20 vs 6/15: RD = 0.3 - 0.4 = -0.1; var = 0.3*0.7/20 + 0.4*0.6/15 = 0.0105 + 0.016 = 0.0265
    eff = binary_effect(measure="RD", events_1=[2, 6], total_1=[10, 20],
                        events_2=[5, 6], total_2=[10, 15])
    np.testing.assert_allclose(eff.te, [-0.3, -0.1], atol=1e-15)
    np.testing.assert_allclose(eff.se**2, [0.041, 0.0265], rtol=1e-13)


def test_peto_components_hand_worked() -> None:
    # Yusuf 1985 table 6, Gupta: 0/25 vs 3/25 (no correction for Peto). N = 50, events 3.
    # E = 25*3/50 = 1.5, O - E = -1.5; V = 25*25*3*47/(50^2*49) = 88125/122500 = 0.7193877551020408
    o_e, v = peto_components(events_1=[0], total_1=[25], events_2=[3], total_2=[25])
    assert o_e[0] == pytest.approx(-1.5, abs=1e-15)
    assert v[0] == pytest.approx(88125 / 122500, rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Contrast rows entered with a CI (data entry), and conversions
# ---------------------------------------------------------------------------------------------


def test_se_from_ratio_ci_hand_worked() -> None:
    # RR 95 % CI 1.2 to 3.4: SE(ln RR) = (ln 3.4 - ln 1.2)/(2*1.959964) = 1.041454/3.919928
    #   = 0.2656818908518259
    se = se_from_ci(ci_low=1.2, ci_high=3.4, log_scale=True)
    assert float(se) == pytest.approx(0.2656818908518259, rel=1e-13)
    assert float(se) == pytest.approx((math.log(3.4) - math.log(1.2)) / (2 * Z975), rel=1e-14)


def test_se_from_ci_at_90_percent_hand_worked() -> None:
    # 90 % CI 0.5 to 2.5 (difference scale): SE = 2/(2*1.6448536269514722) = 0.6079568319117692;
    # the level may be given as 0.90 or as 90
    for level in (0.90, 90):
        se = se_from_ci(ci_low=0.5, ci_high=2.5, level=level)
        assert float(se) == pytest.approx(0.6079568319117692, rel=1e-13)
    assert normalise_level(95) == pytest.approx(0.95)
    with pytest.raises(ValueError):
        normalise_level(100)


def test_se_from_ci_recovers_revman_study_se() -> None:
    # RevMan stores each study's OR CI and the SE of its log OR; e.g. MRC-1:
    # (ln 1.0593362817898602 - ln 0.4889745274989256)/(2*1.959964) = 0.19721980881335566,
    # RevMan's SE 0.1972198088133556
    for study, (_or, se, lo, hi, _w) in ref.FLEISS_MH_REVMAN["studies"].items():
        got = se_from_ci(ci_low=lo, ci_high=hi, log_scale=True)
        assert float(got) == pytest.approx(se, rel=1e-9), study


def test_sd_from_se_hand_worked() -> None:
    # SD = SE * sqrt(n): 0.5 * sqrt(16) = 2
    assert float(sd_from_se(se=0.5, n=16)) == pytest.approx(2.0, abs=1e-15)


def test_sd_from_ci_handbook_t_divisor() -> None:
    # Cochrane Handbook (section 6.5.2.2 in v6; 7.7.3.2 in v5.1): for a group of 25 the divisor
    # 3.92 "would be replaced by 2 x 2.0639 = 4.128" (t on 24 df; wording as quoted by a copy of the
    # Handbook text found in the `pages` search corpus). CI width 3, n 25: SD = sqrt(25)*3/4.128 = 3.6337 (with the
    # Handbook's rounded 4.128); unrounded t 2.0638985616280245 gives 3.6338995236684126.
    sd = float(sd_from_ci(ci_low=10.0, ci_high=13.0, n=25))
    assert sd == pytest.approx(5 * 3 / 4.128, abs=5 * 3 * 0.0005 / 4.128**2 * 1.02)
    assert sd == pytest.approx(3.6338995236684126, rel=1e-12)
    # large-sample version: divisor 3.92 = 2 x 1.96 (Handbook; 1.96 is rounded to 2 decimals, so
    # 3.92 +- 0.01); unrounded 15/3.919928 = 3.826600926934905
    sd_z = float(sd_from_ci(ci_low=10.0, ci_high=13.0, n=25, use_t=False))
    assert sd_z == pytest.approx(5 * 3 / 3.92, abs=15 * 0.01 / 3.92**2 * 1.02)
    assert sd_z == pytest.approx(3.826600926934905, rel=1e-12)


def _contrast_table(rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return load_table(pd.DataFrame(rows))


def test_contrast_rows_with_ratio_ci_give_revman_study_se() -> None:
    # Enter the Fleiss trials as contrasts (OR with its 95 % CI, as a report would give them);
    # the study table must hold RevMan's ln OR and SE.
    rows = [{"study": s, "treatment": "aspirin", "comparator": "control", "estimate": v[0],
             "ci_low": v[2], "ci_high": v[3], "measure": "OR"}
            for s, v in ref.FLEISS_MH_REVMAN["studies"].items()]
    eff = study_effects(_contrast_table(rows), measure="OR", treatment="aspirin",
                        control="control").to_frame()
    for _, row in eff.iterrows():
        odds_ratio, se, *_ = ref.FLEISS_MH_REVMAN["studies"][row["study"]]
        assert row["te"] == pytest.approx(math.log(odds_ratio), rel=1e-12)
        assert row["se"] == pytest.approx(se, rel=1e-9)


def test_contrast_stated_the_other_way_round_is_reversed() -> None:
    # A contrast "control vs aspirin, OR 2 (1.2 to 3.4)" is "aspirin vs control, ln OR = -ln 2"
    # with the same SE, (ln 3.4 - ln 1.2)/(2*1.959964) = 0.2656818908518259.
    rows = [{"study": "A", "treatment": "control", "comparator": "aspirin", "estimate": 2.0,
             "ci_low": 1.2, "ci_high": 3.4, "measure": "OR"}]
    eff = study_effects(_contrast_table(rows), measure="OR", treatment="aspirin",
                        control="control").to_frame()
    assert eff["te"].iloc[0] == pytest.approx(-math.log(2.0), rel=1e-14)
    assert eff["se"].iloc[0] == pytest.approx(0.2656818908518259, rel=1e-13)


def test_contrast_with_90_percent_ci() -> None:
    # MD 1.5, 90 % CI 0.5 to 2.5 (ci_level 90): SE = 2/(2*1.6448536269514722) = 0.6079568319117692
    rows = [{"study": "A", "treatment": "T", "comparator": "C", "estimate": 1.5, "ci_low": 0.5,
             "ci_high": 2.5, "ci_level": 90, "measure": "MD"}]
    eff = study_effects(_contrast_table(rows), measure="MD", treatment="T", control="C").to_frame()
    assert eff["se"].iloc[0] == pytest.approx(0.6079568319117692, rel=1e-13)
