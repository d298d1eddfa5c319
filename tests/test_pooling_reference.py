"""The frequentist engine against published analyses and hand-worked examples.

Sources (details, commits and line numbers in ``tests/reference_data.py``):

- Stata ``metan`` / R metafor on the BCG trials (metafor's test files): IV fixed and DL for RR, OR
  and RD; Mantel-Haenszel RR, OR, RD; Peto OR.
- Raudenbush (2009, Table 16.3) via metafor's test file: REML and DL with Wald and Knapp-Hartung
  intervals.
- Viechtbauer (2005) via metafor's test file: DL, REML and EB (= Paule-Mandel) tau^2.
- Kacker (2004) with metafor's results at full precision (statsmodels' test data): PM, DL,
  DL + Knapp-Hartung, fixed effect; Kacker's own printed tau_PM.
- R meta 4.11 (statsmodels' test data): OR, DL, Hartung-Knapp, prediction interval.
- RevMan 5 itself: Fleiss (1993) examples shipped with R meta (MH OR fixed; MD IV fixed), and
  the Cochrane review "Antibiotics for sore throat" (MH RR random with zero cells).
- Yusuf et al. (1985), Peto OR with zero cells.
- Hand-worked: MH RR/OR with zero-cell and double-zero studies, RD by IV and MH, prediction
  intervals, a 90 % CI.

Tolerances follow the printed precision: ``printed(d)`` is half a unit in the d-th decimal plus
2 %; full-precision sources are held to 1e-9 relative or better.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reanalyse.data import load_table
from reanalyse.pooling import (
    cochran_q,
    dersimonian_laird,
    paule_mandel,
    pool,
    reml,
)
from tests import reference_data as ref

pytestmark = pytest.mark.reference

# Quantiles from scipy (printed t tables: t(0.975, 7) = 2.3646, t(0.975, 15) = 2.1314)
T975_DF7 = float(stats.t.ppf(0.975, 7))
T975_DF15 = float(stats.t.ppf(0.975, 15))

# metafor's REML is Fisher scoring that "terminates when the change in the estimated value of
# tau^2 is smaller than 10^(-5)" (man/rma.uni.Rd, commit 0014f62b, Note). Its printed REML results
# can therefore sit up to ~1e-5 in tau^2 away from the exact REML root; with the Raudenbush data
# every REML-derived quantity moves by less than 10 units per unit of tau^2 (e.g. the KH t by
# about 7), so REML comparisons get 1e-4 on top of the printed rounding. (Our REML root,
# 0.0188183, agrees with an independent maximisation of the restricted likelihood.)
REML_SLACK = 10 * 1e-5


def printed(decimals: int) -> float:
    """Half a unit in the last printed decimal, plus 2 %."""
    return 0.5 * 10.0 ** (-decimals) * 1.02


def _binary(trials, **kw):  # type: ignore[no-untyped-def]
    return pool(load_table(ref.binary_rows(trials)), treatment="T", control="C", **kw)


def _generic(yi, vi, **kw):  # type: ignore[no-untyped-def]
    return pool(load_table(ref.generic_rows(yi, vi)), measure="MD", treatment="T",
                control="C", **kw)


def _log(x: float) -> float:
    return math.log(x)


# ---------------------------------------------------------------------------------------------
# BCG trials: Stata metan (via metafor's tests), 4 decimals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("measure", "model"), list(ref.BCG_METAN_IV))
def test_bcg_inverse_variance_matches_metan(measure: str, model: str) -> None:
    exp = ref.BCG_METAN_IV[(measure, model)]
    res = _binary(ref.BCG, measure=measure, method="IV", model=model, tau2_method="DL")
    tol = printed(4)
    scale = _log if measure in ("RR", "OR") else float
    assert res.te == pytest.approx(exp["te"], abs=tol)
    assert scale(res.ci_low) == pytest.approx(exp["lo"], abs=tol)
    assert scale(res.ci_high) == pytest.approx(exp["hi"], abs=tol)
    assert res.z == pytest.approx(exp["z"], abs=tol)
    if model == "fixed":
        assert res.q == pytest.approx(exp["q"], abs=tol)
        assert res.tau2 == 0.0
    else:
        assert res.tau2 == pytest.approx(exp["tau2"], abs=tol)
        assert res.i2 == pytest.approx(exp["i2"], abs=tol)
    if "est" in exp:
        assert res.estimate == pytest.approx(exp["est"], abs=tol)
        assert res.ci_low == pytest.approx(exp["ci_low"], abs=tol)
        assert res.ci_high == pytest.approx(exp["ci_high"], abs=tol)
    assert res.k == 13 and res.df == 12


@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_bcg_mantel_haenszel_matches_metan(measure: str) -> None:
    exp = ref.BCG_METAN_MH[measure]
    res = _binary(ref.BCG, measure=measure, method="MH")
    tol = printed(4)
    assert res.te == pytest.approx(exp["te"], abs=tol)
    assert _log(res.ci_low) == pytest.approx(exp["lo"], abs=tol)
    assert _log(res.ci_high) == pytest.approx(exp["hi"], abs=tol)
    assert res.z == pytest.approx(exp["z"], abs=tol)
    assert res.q == pytest.approx(exp["q"], abs=tol)  # Q around the MH estimate
    assert res.estimate == pytest.approx(exp["est"], abs=tol)
    assert res.ci_low == pytest.approx(exp["ci_low"], abs=tol)
    assert res.ci_high == pytest.approx(exp["ci_high"], abs=tol)


def test_bcg_mantel_haenszel_rd_matches_metan() -> None:
    exp = ref.BCG_METAN_MH["RD"]
    res = _binary(ref.BCG, measure="RD", method="MH")
    assert res.te == pytest.approx(exp["te"], abs=printed(4))
    assert res.q == pytest.approx(exp["q"], abs=printed(4))
    # metan's z (Greenland-Robins SE, as RevMan), "11.56 in Stata", 2 decimals
    assert res.z == pytest.approx(exp["z_stata_2dp"], abs=printed(2))


def test_bcg_peto_matches_metan() -> None:
    exp = ref.BCG_METAN_PETO
    res = _binary(ref.BCG, measure="OR", method="PETO")
    tol = printed(4)
    assert res.te == pytest.approx(exp["te"], abs=tol)
    assert _log(res.ci_low) == pytest.approx(exp["lo"], abs=tol)
    assert _log(res.ci_high) == pytest.approx(exp["hi"], abs=tol)
    assert res.z == pytest.approx(exp["z"], abs=tol)
    assert res.q == pytest.approx(exp["q"], abs=tol)
    assert res.estimate == pytest.approx(exp["est"], abs=tol)
    assert res.ci_low == pytest.approx(exp["ci_low"], abs=tol)
    assert res.ci_high == pytest.approx(exp["ci_high"], abs=tol)


# ---------------------------------------------------------------------------------------------
# Raudenbush (2009), Table 16.3: REML, DL; Wald and Knapp-Hartung
# ---------------------------------------------------------------------------------------------


def test_raudenbush_fixed_effect() -> None:
    res = _generic(ref.RAUDENBUSH_YI, ref.RAUDENBUSH_VI)
    exp = ref.RAUDENBUSH_FE
    assert res.te == pytest.approx(exp["mu"], abs=printed(4))
    assert res.q == pytest.approx(exp["q"], abs=printed(4))
    assert res.z == pytest.approx(exp["z"], abs=printed(4))


@pytest.mark.parametrize("tau2_method", ["REML", "DL"])
def test_raudenbush_random_effects_wald(tau2_method: str) -> None:
    exp = ref.RAUDENBUSH_WALD[tau2_method]
    res = _generic(ref.RAUDENBUSH_YI, ref.RAUDENBUSH_VI, model="random", tau2_method=tau2_method)
    tol = printed(4) + (REML_SLACK if tau2_method == "REML" else 0.0)
    assert res.tau2 == pytest.approx(exp["tau2"], abs=tol)
    assert res.te == pytest.approx(exp["mu"], abs=tol)
    assert res.se == pytest.approx(exp["se"], abs=tol)
    assert res.z == pytest.approx(exp["z"], abs=tol)
    assert res.ci_low == pytest.approx(exp["lo"], abs=tol)
    assert res.ci_high == pytest.approx(exp["hi"], abs=tol)


@pytest.mark.parametrize("tau2_method", ["REML", "DL"])
def test_raudenbush_knapp_hartung(tau2_method: str) -> None:
    # metafor test="knha": untruncated, t on k - 1 = 18 df
    exp = ref.RAUDENBUSH_KNHA[tau2_method]
    res = _generic(ref.RAUDENBUSH_YI, ref.RAUDENBUSH_VI, model="random",
                   tau2_method=tau2_method, hksj=True)
    # REML: the printed t 1.3593 needs tau^2 ~ 0.0188193 against the exact root 0.0188183 (t =
    # 1.359243), inside metafor's 1e-5 convergence threshold; hence REML_SLACK.
    tol = printed(4) + (REML_SLACK if tau2_method == "REML" else 0.0)
    assert res.tau2 == pytest.approx(exp["tau2"], abs=tol)
    assert res.te == pytest.approx(exp["mu"], abs=tol)
    assert res.se == pytest.approx(exp["se"], abs=tol)
    assert res.z == pytest.approx(exp["t"], abs=tol)
    assert res.ci_low == pytest.approx(exp["lo"], abs=tol)
    assert res.ci_high == pytest.approx(exp["hi"], abs=tol)


# ---------------------------------------------------------------------------------------------
# Viechtbauer (2005): tau^2 by DL, REML and PM (= EB)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", [ref.VIECHTBAUER_1, ref.VIECHTBAUER_2], ids=["ex1", "ex2"])
def test_viechtbauer_2005_tau2(example) -> None:  # type: ignore[no-untyped-def]
    se = np.sqrt(example["vi"])
    tol = printed(3)
    assert dersimonian_laird(te=example["yi"], se=se) == pytest.approx(example["tau2"]["DL"],
                                                                       abs=tol)
    assert reml(te=example["yi"], se=se) == pytest.approx(example["tau2"]["REML"], abs=tol)
    assert paule_mandel(te=example["yi"], se=se) == pytest.approx(example["tau2"]["PM"], abs=tol)
    for method in ("DL", "REML", "PM"):
        res = _generic(example["yi"], example["vi"], model="random", tau2_method=method)
        assert res.tau2 == pytest.approx(example["tau2"][method], abs=tol)
    res = _generic(example["yi"], example["vi"], model="random")
    assert res.i2 == pytest.approx(example["i2_dl"], abs=printed(2))


# ---------------------------------------------------------------------------------------------
# Kacker (2004): metafor's PM, DL, DL + Knapp-Hartung and FE at full precision
# ---------------------------------------------------------------------------------------------


def test_kacker_paule_mandel_matches_metafor_and_paper() -> None:
    exp = ref.KACKER_METAFOR["PM"]
    res = _generic(ref.KACKER_Y, ref.KACKER_V, model="random", tau2_method="PM")
    # metafor was run with control=list(tol=1e-9)
    assert res.tau2 == pytest.approx(exp["tau2"], abs=1e-9)
    assert res.te == pytest.approx(exp["b"], abs=1e-9)
    assert res.se == pytest.approx(exp["se"], abs=1e-9)
    assert res.ci_low == pytest.approx(exp["ci_lb"], abs=1e-9)
    assert res.ci_high == pytest.approx(exp["ci_ub"], abs=1e-9)
    assert res.q == pytest.approx(exp["QE"], rel=1e-10)
    # Kacker (2004), Table 1: tau_PM = 0.8399
    assert math.sqrt(res.tau2) == pytest.approx(ref.KACKER_PAPER_TAU_PM, abs=printed(4))


def test_kacker_dersimonian_laird_matches_metafor() -> None:
    exp = ref.KACKER_METAFOR["DL"]
    res = _generic(ref.KACKER_Y, ref.KACKER_V, model="random", tau2_method="DL")
    assert res.tau2 == pytest.approx(exp["tau2"], rel=1e-10)
    assert res.te == pytest.approx(exp["b"], rel=1e-12)
    assert res.se == pytest.approx(exp["se"], rel=1e-10)
    assert res.ci_low == pytest.approx(exp["ci_lb"], rel=1e-12)
    assert res.ci_high == pytest.approx(exp["ci_ub"], rel=1e-12)
    assert res.q == pytest.approx(exp["QE"], rel=1e-10)  # metafor's matrix algebra: ~4e-12 apart
    assert res.i2 == pytest.approx(exp["I2"], rel=1e-10)


def test_kacker_knapp_hartung_matches_metafor() -> None:
    exp = ref.KACKER_METAFOR["DL_KNHA"]
    res = _generic(ref.KACKER_Y, ref.KACKER_V, model="random", tau2_method="DL", hksj=True)
    assert res.te == pytest.approx(exp["b"], rel=1e-12)
    assert res.se == pytest.approx(exp["se"], rel=1e-10)
    assert res.ci_low == pytest.approx(exp["ci_lb"], rel=1e-12)
    assert res.ci_high == pytest.approx(exp["ci_ub"], rel=1e-12)
    assert res.p_z == pytest.approx(exp["pval"], rel=1e-6)


def test_kacker_fixed_effect_matches_metafor() -> None:
    exp = ref.KACKER_METAFOR["FE"]
    res = _generic(ref.KACKER_Y, ref.KACKER_V)
    assert res.te == pytest.approx(exp["b"], rel=1e-13)
    assert res.se == pytest.approx(exp["se"], rel=1e-12)
    assert res.ci_low == pytest.approx(exp["ci_lb"], rel=1e-13)
    assert res.ci_high == pytest.approx(exp["ci_ub"], rel=1e-13)
    assert res.z == pytest.approx(exp["zval"], rel=1e-12)


def test_kacker_fixed_effect_90_percent_ci_hand_worked() -> None:
    # metafor's b and SE with the normal 95 % quantile 1.6448536269514722 (scipy norm.ppf(0.95)):
    # 62.5833970939982 -/+ 1.6448536269514722 * 0.107845705498231
    #   = 62.40600669415829, 62.76078749383811
    res = _generic(ref.KACKER_Y, ref.KACKER_V, level=0.90)
    assert res.ci_low == pytest.approx(62.40600669415829, rel=1e-13)
    assert res.ci_high == pytest.approx(62.76078749383811, rel=1e-13)


def test_kacker_prediction_interval_hand_worked() -> None:
    # Higgins-Thompson-Spiegelhalter: b -/+ t(0.975, k - 2 = 7) * sqrt(tau2 + SE^2), from metafor's
    # DL b = 62.3901386044504, SE = 0.245749668040304, tau2 = 0.288049246973751:
    # sqrt(0.288049246973751 + 0.060392899341920) = 0.590289...; 2.364624251592784 * 0.590289 =
    # 1.395814...; PI = 60.99432483095069 to 63.78595237795011
    res = _generic(ref.KACKER_Y, ref.KACKER_V, model="random", tau2_method="DL")
    assert res.pi_low == pytest.approx(60.99432483095069, rel=1e-11)
    assert res.pi_high == pytest.approx(63.78595237795011, rel=1e-11)
    exp = ref.KACKER_METAFOR["DL"]
    half = T975_DF7 * math.sqrt(exp["tau2"] + exp["se"] ** 2)
    assert res.pi_low == pytest.approx(exp["b"] - half, rel=1e-11)


# ---------------------------------------------------------------------------------------------
# R meta 4.11: OR, DL, Hartung-Knapp and the prediction interval, full precision
# ---------------------------------------------------------------------------------------------


def test_meta_or_fixed_effect() -> None:
    exp = ref.META_OR_HK
    res = _binary(ref.META_OR_HK_TRIALS, measure="OR", method="IV")
    assert res.te == pytest.approx(exp["TE_fixed"], rel=1e-12)
    assert res.se == pytest.approx(exp["seTE_fixed"], rel=1e-12)
    assert _log(res.ci_low) == pytest.approx(exp["lower_fixed"], rel=1e-12)
    assert _log(res.ci_high) == pytest.approx(exp["upper_fixed"], rel=1e-12)
    assert res.z == pytest.approx(exp["zval_fixed"], rel=1e-12)
    assert res.q == pytest.approx(exp["Q"], rel=1e-12)
    assert res.df == exp["df_Q"]


def test_meta_or_hartung_knapp_and_prediction_interval() -> None:
    # meta's prediction interval (HTS, t on k - 2 = 15 df) with hakn=TRUE uses the HK SE:
    # seTE_predict = sqrt(tau2 + seTE_random^2) = sqrt(0.0016783981912744 + 0.0915952752397692^2)
    #   = 0.100339885576592; 0.429520368698268 -/+ 2.131449545559323 * 0.100339885576592
    exp = ref.META_OR_HK
    res = _binary(ref.META_OR_HK_TRIALS, measure="OR", method="IV", model="random",
                  tau2_method="DL", hksj=True)
    assert res.tau2 == pytest.approx(exp["tau2"], rel=1e-10)
    assert res.te == pytest.approx(exp["TE_random"], rel=1e-12)
    assert res.se == pytest.approx(exp["seTE_random"], rel=1e-11)
    assert _log(res.ci_low) == pytest.approx(exp["lower_random"], rel=1e-11)
    assert _log(res.ci_high) == pytest.approx(exp["upper_random"], rel=1e-11)
    assert res.p_z == pytest.approx(exp["pval_random"], rel=1e-8)
    assert res.i2 == pytest.approx(100 * exp["I2"], rel=1e-10)
    assert _log(res.pi_low) == pytest.approx(exp["lower_predict"], rel=1e-11)
    assert _log(res.pi_high) == pytest.approx(exp["upper_predict"], rel=1e-11)
    half = T975_DF15 * exp["seTE_predict"]
    assert _log(res.pi_high) == pytest.approx(exp["TE_random"] + half, rel=1e-11)


# ---------------------------------------------------------------------------------------------
# RevMan 5's own output
# ---------------------------------------------------------------------------------------------


def test_fleiss_mantel_haenszel_or_equals_revman() -> None:
    exp = ref.FLEISS_MH_REVMAN
    res = _binary(ref.FLEISS_MH_TRIALS, measure="OR", method="MH")
    assert res.estimate == pytest.approx(exp["EFFECT_SIZE"], rel=1e-10)
    assert res.ci_low == pytest.approx(exp["CI_START"], rel=1e-10)
    assert res.ci_high == pytest.approx(exp["CI_END"], rel=1e-10)
    assert res.q == pytest.approx(exp["CHI2"], rel=1e-10)
    assert res.df == exp["DF"]
    assert res.i2 == pytest.approx(exp["I2"], rel=1e-10)
    assert abs(res.z) == pytest.approx(exp["Z"], rel=1e-10)  # RevMan stores |Z|
    assert res.p_z == pytest.approx(exp["P_Z"], rel=1e-6)
    # RevMan's stored P(Chi^2) comes from its own routine and differs from the exact chi^2 tail
    # in the 7th significant digit (0.12694225 vs 0.12694218)
    assert res.p_q == pytest.approx(exp["P_CHI2"], rel=1e-5)
    weights = dict(zip(res.studies["study"], res.studies["weight"], strict=True))
    for study, (_or, _se, lo, hi, weight) in exp["studies"].items():
        assert weights[study] == pytest.approx(weight, rel=1e-10), study
        row = res.studies[res.studies["study"] == study].iloc[0]
        assert row["ci_low"] == pytest.approx(lo, rel=1e-10), study
        assert row["ci_high"] == pytest.approx(hi, rel=1e-10), study


def test_fleiss_mean_difference_equals_revman() -> None:
    exp = ref.FLEISS_MD_REVMAN
    table = load_table(ref.continuous_rows(ref.FLEISS_MD_TRIALS))
    res = pool(table, measure="MD", treatment="T", control="C")
    tol = printed(8)
    assert res.estimate == pytest.approx(exp["estimate"], abs=tol)
    assert res.ci_low == pytest.approx(exp["ci_start"], abs=tol)
    assert res.ci_high == pytest.approx(exp["ci_end"], abs=tol)
    assert res.q == pytest.approx(exp["q"], abs=tol)
    assert res.i2 == pytest.approx(exp["i2"], abs=tol)
    assert abs(res.z) == pytest.approx(exp["z"], abs=tol)
    assert res.p_z == pytest.approx(exp["p_z"], abs=tol)
    assert res.p_q == pytest.approx(exp["p_q"], rel=1e-5)  # RevMan's own p routine, as above
    assert res.df == exp["df"]
    for _, row in res.studies.iterrows():
        _md, _se, lo, hi, weight = exp["studies"][row["study"]]
        assert row["ci_low"] == pytest.approx(lo, abs=tol)
        assert row["ci_high"] == pytest.approx(hi, abs=tol)
        assert row["weight"] == pytest.approx(weight, abs=tol)


@pytest.mark.parametrize(("trials", "exp"), [
    (ref.SORE_THROAT_SINUSITIS, ref.SORE_THROAT_SINUSITIS_REVMAN),
    (ref.SORE_THROAT_QUINSY, ref.SORE_THROAT_QUINSY_REVMAN),
], ids=["sinusitis-4.6", "quinsy-4.7"])
def test_cochrane_review_mh_random_with_zero_cells_equals_revman(  # type: ignore[no-untyped-def]
        trials, exp) -> None:
    # RevMan 5 random effects under MH: tau^2 by DL from Q around the MH estimate (MH sums with
    # 0.5 added to zero-cell studies, double-zero studies dropped), then an inverse-variance pool
    # of the corrected study log RRs.
    res = _binary(trials, measure="RR", method="MH", model="random", tau2_method="DL")
    assert res.estimate == pytest.approx(exp["EFFECT_SIZE"], rel=1e-10)
    assert res.ci_low == pytest.approx(exp["CI_START"], rel=1e-10)
    assert res.ci_high == pytest.approx(exp["CI_END"], rel=1e-10)
    assert res.tau2 == pytest.approx(exp["TAU2"], rel=1e-10, abs=1e-14)
    assert res.i2 == pytest.approx(exp["I2"], rel=1e-10, abs=1e-12)
    assert res.q == pytest.approx(exp["CHI2"], rel=1e-10)
    assert res.df == exp["DF"]
    assert abs(res.z) == pytest.approx(exp["Z"], rel=1e-10)
    assert res.p_z == pytest.approx(exp["P_Z"], rel=1e-6)
    assert res.p_q == pytest.approx(exp["P_CHI2"], rel=1e-5)
    weights = dict(zip(res.studies["study"], res.studies["weight"], strict=True))
    for study, (_rr, _se, weight) in exp["studies"].items():
        assert weights[study] == pytest.approx(weight, rel=1e-10), study
    for study in exp.get("not_estimable", []):
        assert weights[study] == 0.0
        assert study in res.excluded


# ---------------------------------------------------------------------------------------------
# Yusuf et al. (1985): Peto with zero cells and double-zero studies
# ---------------------------------------------------------------------------------------------


def test_yusuf_table6_peto() -> None:
    exp = ref.YUSUF_TABLE6_PETO
    res = _binary(ref.YUSUF_TABLE6, measure="OR", method="PETO")
    assert res.estimate == pytest.approx(exp["est"], abs=printed(2))
    assert res.ci_low == pytest.approx(exp["ci_low"], abs=printed(2))
    assert res.ci_high == pytest.approx(exp["ci_high"], abs=printed(2))
    # the three double-zero trials (Pitt, Hutton, Yusuf) have V = 0 and carry no information
    assert res.k == 18


# ---------------------------------------------------------------------------------------------
# Hand-worked: MH with a zero-cell and a double-zero study; RD by IV and MH
# ---------------------------------------------------------------------------------------------

# A: 0/10 vs 3/10 (zero cell: 0.5 added -> a 0.5, b 10.5, c 3.5, d 7.5, n1 = n2 = 11, N = 22)
# B: 4/20 vs 8/20 (a 4, b 16, c 8, d 12, N = 40)
# C: 0/5 vs 0/5 (double zero: left out of RR and OR)
ZERO_TRIALS = [("A", 0, 10, 3, 10), ("B", 4, 20, 8, 20), ("C", 0, 5, 0, 5)]


def test_mh_rr_with_zero_cells_hand_worked() -> None:
    # R = sum a n2/N = 0.5*11/22 + 4*20/40 = 0.25 + 2 = 2.25
    # S = sum c n1/N = 3.5*11/22 + 8*20/40 = 1.75 + 4 = 5.75; RR = 2.25/5.75 = 0.391304347826087
    # Var(ln RR) = sum (n1 n2 (a + c) - a c N)/N^2 / (R S)
    #   = [(121*4 - 0.5*3.5*22)/484 + (400*12 - 32*40)/1600] / 12.9375
    #   = (0.9204545 + 2.2)/12.9375 = 0.24119455423803252
    # Q around ln RR_MH = -0.9382696385929302 with corrected study variances:
    #   A: ln(1/7) = -1.9459101490553132, var 1/0.5 - 1/11 + 1/3.5 - 1/11 = 2.103896103896104
    #   B: ln 0.5 = -0.6931471805599453, var 1/4 - 1/20 + 1/8 - 1/20 = 0.275
    #   Q = 1.00764^2/2.103896 + 0.245122^2/0.275 = 0.7010905703150401, df = 1
    # Weights S_i/S: 1.75/5.75 = 30.434782608695652 %, 4/5.75 = 69.56521739130434 %, C 0 %
    res = _binary(ZERO_TRIALS, measure="RR", method="MH")
    assert res.estimate == pytest.approx(0.391304347826087, rel=1e-13)
    assert res.se**2 == pytest.approx(0.24119455423803252, rel=1e-12)
    assert res.ci_low == pytest.approx(0.14944324802594816, rel=1e-12)
    assert res.ci_high == pytest.approx(1.0245969265939194, rel=1e-12)
    assert res.q == pytest.approx(0.7010905703150401, rel=1e-12)
    assert res.df == 1 and res.k == 2
    assert res.excluded == ("C",)
    np.testing.assert_allclose(res.studies["weight"], [30.434782608695652, 69.56521739130434, 0.0],
                               rtol=1e-12)


def test_mh_or_with_zero_cells_hand_worked() -> None:
    # R = sum a d/N = 0.5*7.5/22 + 4*12/40 = 0.17045455 + 1.2 = 1.3704545454545454
    # S = sum b c/N = 10.5*3.5/22 + 16*8/40 = 1.67045455 + 3.2 = 4.870454545454546
    # OR = R/S = 0.2813812412505832
    # Robins-Breslow-Greenland, P = (a + d)/N, Q = (b + c)/N:
    #   A: P = 8/22, Q = 14/22, R_A = 0.17045455, S_A = 1.67045455
    #   B: P = 16/40, Q = 24/40, R_B = 1.2, S_B = 3.2
    #   var = sum P R/(2 R^2) + sum (P S + Q R)/(2 R S) + sum Q S/(2 S^2) = 0.410610026079043
    # Q around ln OR_MH = -1.2680447987463919: A ln OR -2.2823823856765264 (var 2.5142857142857142),
    #   B ln(48/128) = -0.9808292530117262 (var 0.5208333333333334) -> Q = 0.567600048631319
    res = _binary(ZERO_TRIALS, measure="OR", method="MH")
    assert res.estimate == pytest.approx(0.2813812412505832, rel=1e-13)
    assert res.se**2 == pytest.approx(0.410610026079043, rel=1e-12)
    assert res.q == pytest.approx(0.567600048631319, rel=1e-12)
    assert res.k == 2


RD_TRIALS = [("A", 2, 10, 5, 10), ("B", 6, 20, 6, 15)]


def test_rd_inverse_variance_hand_worked() -> None:
    # A: RD -0.3, var 0.041; B: RD -0.1, var 0.0265 (see test_effects_reference.test_rd_hand_worked)
    # w = 1/0.041 = 24.390244, 1/0.0265 = 37.735849;
    # RD = (24.390244*-0.3 + 37.735849*-0.1)/62.126093
    #   = -0.17851851851851852; SE = 1/sqrt(62.126093) = 0.12687117992789496
    # Q = 24.390244*(0.1214815)^2 + 37.735849*(0.0785185)^2 = 0.5925925925925922
    res = _binary(RD_TRIALS, measure="RD", method="IV")
    assert res.estimate == pytest.approx(-0.17851851851851852, rel=1e-12)
    assert res.se == pytest.approx(0.12687117992789496, rel=1e-12)
    assert res.q == pytest.approx(0.5925925925925922, rel=1e-11)


def test_rd_mantel_haenszel_hand_worked() -> None:
    # w = n1 n2/N: A 100/20 = 5, B 300/35 = 8.571428571428571
    # RD_MH = (5*-0.3 + 8.5714286*-0.1)/13.5714286 = -0.17368421052631583
    # Greenland-Robins: sum (a b n2^3 + c d n1^3)/(n1 n2 N^2) / (sum w)^2
    #   A: (2*8*1000 + 5*5*1000)/(100*400) = 1.025
    #   B: (6*14*3375 + 6*9*8000)/(300*1225) = 715500/367500 = 1.9469387755
    #   var = 2.9719387755102042/13.5714286^2 = 0.01613573407202216
    res = _binary(RD_TRIALS, measure="RD", method="MH")
    assert res.estimate == pytest.approx(-0.17368421052631583, rel=1e-12)
    assert res.se**2 == pytest.approx(0.01613573407202216, rel=1e-12)


def test_cochran_q_function_matches_metafor() -> None:
    # Raudenbush data: QE = 35.8295 (metafor, FE block), df 18
    het = cochran_q(te=ref.RAUDENBUSH_YI, se=np.sqrt(ref.RAUDENBUSH_VI))
    assert het.q == pytest.approx(ref.RAUDENBUSH_FE["q"], abs=printed(4))
    assert het.df == 18


def test_no_prediction_interval_below_three_studies() -> None:
    # HTS uses t on k - 2 df, which needs k >= 3
    res = _binary(RD_TRIALS, measure="RD", method="IV", model="random")
    assert res.pi_low is None and res.pi_high is None
