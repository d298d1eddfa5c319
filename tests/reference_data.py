"""Data sets and published results typed in from cited, independent sources.

Nothing here was produced by reanalyse. Each block names where its numbers come from (repository,
path, commit as given by the source index, and the line or the test block holding them) and how
precisely they were printed; the tests derive their tolerances from that precision.

Sources, in short:

- METAFOR: ``wviechtb/metafor`` testthat files, whose expected values were computed by metafor or
  Stata's ``metan`` and printed to 4 decimals (metafor checks them with 1 % relative tolerance;
  we hold them to their printed rounding).
- METADAT: ``wviechtb/metadat`` ``data-raw/*.txt``, the raw data behind metafor's example sets.
- STATSMODELS: ``statsmodels/statsmodels`` ``statsmodels/stats/tests/results/results_meta.py`` and
  ``statsmodels/stats/tests/test_meta.py``, output of R metafor and R meta pasted at full
  precision (~15 significant digits).
- REVMAN: real RevMan 5 output. ``guido-s/meta`` ``inst/extdata/Fleiss1993.rm5`` (RevMan 5.0.23)
  and ``inst/extdata/Fleiss93_CR.csv`` (its Cochrane-review export, 8 decimals); and the Cochrane
  review "Antibiotics for sore throat" (CD000023.pub4, RevMan 5.2.11) at
  ``../shared/fixtures/revman/antibiotics-for-sore-throat.rm5`` (see its SOURCE.md: public repo
  IEBH/revman-replicant, test/data/antibiotics-for-sore-throat.rm5, commit 8b9c363b).
"""

from __future__ import annotations

import pandas as pd

# ---------------------------------------------------------------------------------------------
# Table builders (plain pandas; the tests feed these to reanalyse.data.load_table)
# ---------------------------------------------------------------------------------------------


def binary_rows(trials: list[tuple[str, int, int, int, int]], *, treatment: str = "T",
                control: str = "C") -> pd.DataFrame:
    """Long table from ``(study, events_T, total_T, events_C, total_C)`` tuples."""
    rows: list[dict[str, object]] = []
    for study, a, n1, c, n2 in trials:
        rows.append({"study": study, "treatment": treatment, "events": a, "total": n1})
        rows.append({"study": study, "treatment": control, "events": c, "total": n2})
    return pd.DataFrame(rows)


def continuous_rows(trials: list[tuple[str, int, float, float, int, float, float]], *,
                    treatment: str = "T", control: str = "C") -> pd.DataFrame:
    """Long table from ``(study, n_T, mean_T, sd_T, n_C, mean_C, sd_C)`` tuples."""
    rows: list[dict[str, object]] = []
    for study, n1, m1, s1, n2, m2, s2 in trials:
        rows.append({"study": study, "treatment": treatment, "n": n1, "mean": m1, "sd": s1})
        rows.append({"study": study, "treatment": control, "n": n2, "mean": m2, "sd": s2})
    return pd.DataFrame(rows)


def generic_rows(yi: list[float], vi: list[float], *, measure: str = "MD") -> pd.DataFrame:
    """Contrast rows (estimate with SE = sqrt(v)) for data sets published as (y_i, v_i)."""
    return pd.DataFrame({
        "study": [f"study {i + 1}" for i in range(len(yi))],
        "treatment": "T",
        "comparator": "C",
        "estimate": yi,
        "se": [v**0.5 for v in vi],
        "measure": measure,
    })


# ---------------------------------------------------------------------------------------------
# BCG vaccine trials (dat.bcg), 13 trials: (trial, tpos, tpos + tneg, cpos, cpos + cneg)
# ---------------------------------------------------------------------------------------------
# METADAT data-raw/dat.colditz1994.txt, commit fc2ccb77e580d8d7d961a0de65846123b455e261,
# lines 2-14 (columns tpos tneg cpos cneg); data-raw/dat.bcg.r (commit a791be14) states that
# dat.bcg is "same as dat.colditz1994". Colditz et al. 1994, JAMA 271:698-702.
# Totals below are tpos + tneg and cpos + cneg, e.g. Aronson 4 + 119 = 123, 11 + 128 = 139.
BCG: list[tuple[str, int, int, int, int]] = [
    ("Aronson 1948", 4, 4 + 119, 11, 11 + 128),
    ("Ferguson & Simes 1949", 6, 6 + 300, 29, 29 + 274),
    ("Rosenthal et al 1960", 3, 3 + 228, 11, 11 + 209),
    ("Hart & Sutherland 1977", 62, 62 + 13536, 248, 248 + 12619),
    ("Frimodt-Moller et al 1973", 33, 33 + 5036, 47, 47 + 5761),
    ("Stein & Aronson 1953", 180, 180 + 1361, 372, 372 + 1079),
    ("Vandiviere et al 1973", 8, 8 + 2537, 10, 10 + 619),
    ("TPT Madras 1980", 505, 505 + 87886, 499, 499 + 87892),
    ("Coetzee & Berjak 1968", 29, 29 + 7470, 45, 45 + 7232),
    ("Rosenthal et al 1961", 17, 17 + 1699, 65, 65 + 1600),
    ("Comstock et al 1974", 186, 186 + 50448, 141, 141 + 27197),
    ("Comstock & Webster 1969", 5, 5 + 2493, 3, 3 + 2338),
    ("Comstock et al 1976", 27, 27 + 16886, 29, 29 + 17825),
]

# METAFOR tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r, commit
# 0e54b316e8c58fe0f0ab5890017193728a305ad1: rma.uni() checked against Stata
# `metan tpos tneg cpos cneg, fixedi|randomi nograph rr|or|rd [log]`, 4 decimals.
# Ratio measures: beta and CI on the log scale; pred/ci on the ratio scale (predict(transf=exp)).
BCG_METAN_IV = {
    ("RR", "fixed"): {"te": -0.4303, "lo": -0.5097, "hi": -0.3509, "z": -10.6247, "q": 152.2330,
                      "est": 0.6503, "ci_low": 0.6007, "ci_high": 0.7040},
    ("RR", "random"): {"te": -0.7141, "lo": -1.0644, "hi": -0.3638, "z": -3.9952, "tau2": 0.3088,
                       "i2": 92.1173, "est": 0.4896, "ci_low": 0.3449, "ci_high": 0.6950},
    ("OR", "fixed"): {"te": -0.4361, "lo": -0.5190, "hi": -0.3533, "z": -10.3190, "q": 163.1649,
                      "est": 0.6465, "ci_low": 0.5951, "ci_high": 0.7024},
    ("OR", "random"): {"te": -0.7474, "lo": -1.1242, "hi": -0.3706, "z": -3.8873, "tau2": 0.3663,
                       "i2": 92.6455, "est": 0.4736, "ci_low": 0.3249, "ci_high": 0.6903},
    ("RD", "fixed"): {"te": -0.0009, "lo": -0.0014, "hi": -0.0005, "z": -4.0448, "q": 276.4737},
    ("RD", "random"): {"te": -0.0071, "lo": -0.0101, "hi": -0.0040, "z": -4.5128, "tau2": 0.0000,
                       "i2": 95.6596},
}

# METAFOR tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r, commit
# 191d2cb2232543df06887643c4483996cc9b614f: rma.mh() against `metan ..., fixed nograph`.
# metafor's QE for rma.mh is Q around the MH estimate (as RevMan's). For RD, metafor's SE is the
# Sato-Greenland-Robins one (so its CI is not RevMan's); the file notes "11.56 in Stata", the z of
# metan, which uses the Greenland-Robins SE that RevMan (and reanalyse) use.
BCG_METAN_MH = {
    "RR": {"te": -0.4537, "lo": -0.5308, "hi": -0.3766, "z": -11.5338, "q": 152.5676,
           "est": 0.6353, "ci_low": 0.5881, "ci_high": 0.6862},
    "OR": {"te": -0.4734, "lo": -0.5538, "hi": -0.3930, "z": -11.5444, "q": 163.9426,
           "est": 0.6229, "ci_low": 0.5748, "ci_high": 0.6750},
    "RD": {"te": -0.0033, "q": 386.7759, "z_stata_2dp": -11.56},
}

# METAFOR tests/testthat/test_misc_metan_vs_rma.peto_with_dat.bcg.r, commit 191d2cb2: rma.peto()
# against `metan ..., peto nograph or`, 4 decimals.
BCG_METAN_PETO = {"te": -0.4744, "lo": -0.5541, "hi": -0.3948, "z": -11.6689, "q": 167.7302,
                  "est": 0.6222, "ci_low": 0.5746, "ci_high": 0.6738}

# ---------------------------------------------------------------------------------------------
# Teacher expectancy (dat.raudenbush1985): 19 standardised mean differences with variances
# ---------------------------------------------------------------------------------------------
# METADAT data-raw/dat.raudenbush1985.txt, commit fc2ccb77e580d8d7d961a0de65846123b455e261,
# lines 2-20, columns yi and vi (data-raw/dat.raudenbush1985.r uses exactly these yi and vi).
RAUDENBUSH_YI = [0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.80, 0.54, 0.18,
                 -0.02, 0.23, -0.18, -0.06, 0.30, 0.07, -0.07]
RAUDENBUSH_VI = [0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.0630,
                 0.0912, 0.0497, 0.0835, 0.0841, 0.0253, 0.0279, 0.0193, 0.0088, 0.0303]

# METAFOR tests/testthat/test_analysis_example_raudenbush2009.r (file id 8957936769 in the index;
# "compare with results on page 309 (Table 16.3)" of Raudenbush 2009, The Handbook of Research
# Synthesis and Meta-Analysis, 2nd ed., ch. 16), 4 decimals. Columns tau2, mu, se, z, ci.lb, ci.ub.
# Blocks 'results are correct for the random-effects model (conventional approach)' and
# '... (Knapp & Hartung method)'; the fixed-effects block gives mu 0.0604, QE 35.8295, z 1.6553.
RAUDENBUSH_FE = {"mu": 0.0604, "q": 35.8295, "z": 1.6553}
RAUDENBUSH_WALD = {
    "REML": {"tau2": 0.0188, "mu": 0.0837, "se": 0.0516, "z": 1.6208, "lo": -0.0175,
             "hi": 0.1849},
    "DL": {"tau2": 0.0259, "mu": 0.0893, "se": 0.0558, "z": 1.6009, "lo": -0.0200,
           "hi": 0.1987},
}
RAUDENBUSH_KNHA = {
    "REML": {"tau2": 0.0188, "mu": 0.0837, "se": 0.0616, "t": 1.3593, "lo": -0.0457,
             "hi": 0.2131},
    "DL": {"tau2": 0.0259, "mu": 0.0893, "se": 0.0636, "t": 1.4050, "lo": -0.0442,
           "hi": 0.2229},
}

# ---------------------------------------------------------------------------------------------
# Viechtbauer (2005), J Educ Behav Stat 30:261-293, examples 1 and 2 (tau^2 estimators)
# ---------------------------------------------------------------------------------------------
# METAFOR tests/testthat/test_analysis_example_viechtbauer2005.r, commit
# 0d037744fd8f50f54537adece968394c911b6073: data typed in the file ('create dataset for example
# 1/2'); tau^2 (3 decimals) and I^2 (2 decimals) "compare with results on page 271/272".
# Methods in the file's order HS, HE, DL, ML, REML, EB, SJ; we keep DL, REML and EB. metafor's
# man/rma.uni.Rd (commit 0014f62b, Details, 'Specifying the Model') states that "the empirical
# Bayes estimator is actually identical to the Paule-Mandel estimator (Viechtbauer et al., 2015)".
VIECHTBAUER_1 = {
    "yi": [-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232],
    "vi": [0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040],
    "tau2": {"DL": 0.277, "REML": 0.223, "PM": 0.192},
    "i2_dl": 80.44,
}
VIECHTBAUER_2 = {
    "yi": [0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134, 0.019, 0.175,
           0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342],
    "vi": [0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034, 0.033, 0.031, 0.034,
           0.039, 0.167, 0.134, 0.096, 0.016, 0.035],
    "tau2": {"DL": 0.013, "REML": 0.016, "PM": 0.010},
    "i2_dl": 27.53,
}

# ---------------------------------------------------------------------------------------------
# Kacker (2004), Metrologia 41:132-136: 9 measurements with variances
# ---------------------------------------------------------------------------------------------
# STATSMODELS results_meta.py, commit 276bc48f75ae72fd84e7d03aee898d615f8dfdd3: data in the R
# call at the top ("example from Kacker 2004, computed with R metafor"), and metafor's results
# pasted at full precision as exk1_metafor (method="PM", control=list(tol=1e-9)), exk1_dl
# (method="DL"), exk1_dl_hksj (method="DL", test="knha") and exk1_fe (method="FE").
KACKER_Y = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
KACKER_V = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
KACKER_METAFOR = {
    "PM": {"b": 62.4076199113286, "se": 0.338030602684471, "ci_lb": 61.7450921043947,
           "ci_ub": 63.0701477182625, "tau2": 0.705395309224248, "QE": 24.801897741835},
    "DL": {"b": 62.3901386044504, "se": 0.245749668040304, "ci_lb": 61.9084781058787,
           "ci_ub": 62.8717991030221, "tau2": 0.288049246973751, "QE": 24.801897741835,
           "I2": 67.744403741711},
    "DL_KNHA": {"b": 62.3901386044504, "se": 0.29477605699879, "ci_lb": 61.710383798052,
                "ci_ub": 63.0698934108488, "pval": 2.77938607433693e-16},
    "FE": {"b": 62.5833970939982, "se": 0.107845705498231, "ci_lb": 62.3720233953344,
           "ci_ub": 62.7947707926621, "zval": 580.304953311515},
}
# STATSMODELS test_meta.py (commit 0d34d1f6d990c69d8540c5f9aa703644a31804cc), TestMetaK1.
# test_tau_kacker: "PM CA DL C2 from table 1 first row p. 135" of Kacker (2004): tau_PM = 0.8399
# (4 decimals). (Kacker's tau_DL, 0.5359, is noted there to agree with metafor only to 1e-3, so
# it is not used.)
KACKER_PAPER_TAU_PM = 0.8399

# ---------------------------------------------------------------------------------------------
# R meta, metabin(sm="OR", method="Inverse", method.tau="DL", hakn=TRUE), meta 4.11-0
# ---------------------------------------------------------------------------------------------
# STATSMODELS results_meta.py (file id 903587233 in the index), block 'results_or_dl_hk':
# "res_mb_hk = metabin(e2i, nei, c2i, nci, data=dat2, sm="OR", Q.Cochrane=FALSE,
# method="Inverse", method.tau="DL", hakn=TRUE, backtransf=FALSE)", full precision. The
# counts are the holder's event_e, n_e, event_c, n_c (17 trials; no zero cells, incr 0).
META_OR_HK_TRIALS: list[tuple[str, int, int, int, int]] = [
    (f"trial {i + 1}", a, n1, c, n2) for i, (a, n1, c, n2) in enumerate(zip(
        [18, 22, 21, 14, 42, 80, 13, 37, 23, 19, 106, 170, 34, 18, 13, 12, 42],
        [19, 34, 72, 22, 70, 183, 26, 61, 36, 45, 246, 386, 59, 45, 14, 26, 74],
        [12, 12, 15, 5, 13, 33, 18, 30, 12, 14, 76, 46, 17, 3, 14, 10, 40],
        [22, 35, 68, 20, 32, 94, 50, 55, 25, 35, 208, 141, 32, 15, 18, 19, 75],
        strict=True))
]
META_OR_HK = {
    "TE_first3": [2.70805020110221, 1.25672336971146, 0.374938517449009],
    "seTE_first3": [1.1130538571376, 0.505568465186247, 0.390847133738078],
    "TE_fixed": 0.428036725396544, "seTE_fixed": 0.0902874968199668,
    "lower_fixed": 0.251076483375135, "upper_fixed": 0.604996967417954,
    "zval_fixed": 4.74081949851871,
    "TE_random": 0.429520368698268, "seTE_random": 0.0915952752397692,
    "lower_random": 0.235347059333852, "upper_random": 0.623693678062684,
    "pval_random": 0.000246175101510513,
    "seTE_predict": 0.100339885576592,
    "lower_predict": 0.215650965184522, "upper_predict": 0.643389772212014,
    "Q": 16.181374262823, "df_Q": 16, "tau2": 0.0016783981912744,
    "I2": 0.0112088293538659,  # a proportion in meta
}

# ---------------------------------------------------------------------------------------------
# SMD: "example from book Applied Meta-Analysis with R" (Chen & Peace), R meta's metacont
# ---------------------------------------------------------------------------------------------
# STATSMODELS test_meta.py, commit 0d34d1f6, class TestEffSmdMeta: data (study, mean_t, sd_t,
# n_t, mean_c, sd_c, n_c) and R meta's output "rm = metacont(n.t,m.t,sd.t,n.c,m.c,sd.c, ...,
# sm="SMD")": rm$TE (yi_m) and rm$seTE**2 (vi_m), full precision. statsmodels asserts its own
# effectsize_smd (J = 1 - 3/(4N - 9), var = N/(n1 n2) + g^2/(2(N - 3.94)), the RevMan 5 formula)
# equals these to 1e-13, so this meta version used RevMan's Hedges' adjusted g.
SMD_CHEN_PEACE: list[tuple[str, int, float, float, int, float, float]] = [
    # (study, n_t, mean_t, sd_t, n_c, mean_c, sd_c)
    ("Carroll", 60, 94, 22, 60, 92, 20),
    ("Grant", 65, 98, 21, 65, 92, 22),
    ("Peck", 40, 98, 28, 40, 88, 26),
    ("Donat", 200, 94, 19, 200, 82, 17),
    ("Stewart", 50, 98, 21, 45, 88, 22),
    ("Young", 85, 96, 21, 85, 92, 22),
]
SMD_CHEN_PEACE_META_TE = [0.09452437336063831, 0.27735640148036095, 0.36654634845797818,
                          0.66438509989113559, 0.46180797677414176, 0.18516464424648887]
SMD_CHEN_PEACE_META_VAR = [0.03337182573880991, 0.03107434965484927, 0.05088322525353587,
                           0.01055724834741877, 0.04339324466573324, 0.02363264537147130]

# ---------------------------------------------------------------------------------------------
# RevMan 5 output: "Examples from Fleiss 1993" (guido-s/meta inst/extdata)
# ---------------------------------------------------------------------------------------------
# Outcome 1.1, aspirin after myocardial infarction, OR, Mantel-Haenszel, fixed effect.
# REVMAN guido-s/meta inst/extdata/Fleiss1993.rm5, commit 6f708f262e815d85d2178a7007c5953553e741e2,
# <DICH_OUTCOME ID="CMP-001.01"> and its <DICH_DATA> rows (RevMan 5.0.23 stored values); the
# counts agree with inst/extdata/Fleiss93_CR.csv (commit ba13d7db), lines 4-10.
FLEISS_MH_TRIALS: list[tuple[str, int, int, int, int]] = [
    ("MRC-1", 49, 615, 67, 624),
    ("CDP", 44, 758, 64, 771),
    ("MRC-2", 102, 832, 126, 850),
    ("GASP", 32, 317, 38, 309),
    ("PARIS", 85, 810, 52, 406),
    ("AMIS", 246, 2267, 219, 2257),
    ("ISIS-2", 1570, 8587, 1720, 8600),
]
FLEISS_MH_REVMAN = {
    "EFFECT_SIZE": 0.8968655609130709, "CI_START": 0.8405144008917793,
    "CI_END": 0.9569947088336491, "CHI2": 9.946055983220074, "DF": 6,
    "I2": 39.67458045558399, "Z": 3.287633061337987, "P_Z": 0.0010103343130005407,
    "P_CHI2": 0.1269422521561745,
    # per study: (EFFECT_SIZE, SE, CI_START, CI_END, WEIGHT %)
    "studies": {
        "MRC-1": (0.7197141500975687, 0.1972198088133556, 0.4889745274989256,
                  1.0593362817898602, 3.176490004091248),
        "CDP": (0.6807598039215687, 0.20289716633892102, 0.45739090373983604,
                1.0132119087766858, 3.1016891143394365),
        "MRC-2": (0.8028701891715591, 0.14314855217027966, 0.6064528819242718,
                  1.062902922672345, 5.675380442715663),
        "GASP": (0.8007386888273315, 0.2544888962290453, 0.4862610363759706,
                 1.318597213882381, 1.795484618258711),
        "PARIS": (0.7981432360742705, 0.18761568222036212, 0.5525633542165779,
                  1.1528680293941878, 3.2176243566716805),
        "AMIS": (1.1327364047365673, 0.098064939620213, 0.9346646778747347,
                 1.3727829808793592, 10.153491219997628),
        "ISIS-2": (0.8949693601254097, 0.03880976559851533, 0.8294175772940908,
                   0.965701930475584, 72.87984024392564),
    },
}

# Outcome 1.2, mental health treatment vs control, MD, inverse variance, fixed effect.
# REVMAN guido-s/meta inst/extdata/Fleiss93_CR.csv, commit ba13d7db45d5fb21a374c79f231a6a55a9981608:
# data lines 12-16 (Mean 1, SD 1, Total 1, Mean 2, SD 2, Total 2); pooled line 11; printed to 8
# decimals. (The means/SDs agree with Fleiss1993.rm5, <CONT_OUTCOME ID="CMP-001.02">.)
FLEISS_MD_TRIALS: list[tuple[str, int, float, float, int, float, float]] = [
    # (study, n_T, mean_T, sd_T, n_C, mean_C, sd_C)
    ("Davis", 13, 5.0, 4.7, 13, 6.5, 3.8),
    ("Florell", 30, 4.9, 1.71, 50, 6.1, 2.3),
    ("Gruen", 35, 22.5, 3.44, 35, 24.9, 10.65),
    ("Hart", 20, 12.5, 1.47, 20, 12.3, 1.66),
    ("Wilson", 8, 6.5, 0.76, 8, 7.38, 1.41),
]
FLEISS_MD_REVMAN = {
    "estimate": -0.70938839, "ci_start": -1.25848502, "ci_end": -0.16029176,
    "q": 5.66012379, "p_q": 0.22600895, "i2": 29.33016758, "z": 2.53211477, "p_z": 0.01133769,
    "df": 4,
    # per study: (MD, SE, CI start, CI end, weight %)
    "studies": {
        "Davis": (-1.5, 1.67630546, -4.78549833, 1.78549833, 2.79315513),
        "Florell": (-1.2, 0.45085474, -2.08365906, -0.31634094, 38.61251498),
        "Gruen": (-2.4, 1.89175731, -6.10777619, 1.30777619, 2.19316111),
        "Hart": (0.2, 0.49580742, -0.77176469, 1.17176469, 31.92826572),
        "Wilson": (-0.88, 0.56631484, -1.98995669, 0.22995669, 24.47290305),
    },
}

# ---------------------------------------------------------------------------------------------
# RevMan 5 output from a Cochrane review: "Antibiotics for sore throat" (CD000023.pub4)
# ---------------------------------------------------------------------------------------------
# REVMAN ../shared/fixtures/revman/antibiotics-for-sore-throat.rm5 (RevMan 5.2.11). Both outcomes
# are RR, Mantel-Haenszel, random effects (RevMan 5: DerSimonian-Laird with Q around the MH
# estimate), with single-zero studies (0.5 added) and double-zero studies (ESTIMABLE="NO").
# Outcome 4.6 "Incidence of sinusitis within 14 days": <DICH_OUTCOME> line 3532, <DICH_DATA>
# lines 3538-3545. Study IDs STD-<name>-<year>.
SORE_THROAT_SINUSITIS: list[tuple[str, int, int, int, int]] = [
    ("Chamovitz 1954", 1, 257, 3, 109),
    ("Dagnelie 1996", 0, 121, 0, 118),
    ("De Meyere 1992", 0, 87, 0, 84),
    ("Denny 1953", 0, 157, 1, 50),
    ("Landsman 1951", 2, 52, 0, 43),
    ("Little 1997", 1, 454, 0, 216),
    ("Pichichero 1987", 0, 59, 0, 58),
    ("Zwart 2000", 0, 358, 0, 164),
]
SORE_THROAT_SINUSITIS_REVMAN = {
    "EFFECT_SIZE": 0.4821397994481986, "CI_START": 0.08418611889262348,
    "CI_END": 2.7612484013955125, "TAU2": 1.0367216272954682, "I2": 32.60295660927734,
    "CHI2": 4.451233836190737, "DF": 3, "Z": 0.8192939969113586, "P_Z": 0.4126187044756364,
    "P_CHI2": 0.2166818532544632,
    # per estimable study: (EFFECT_SIZE, SE, WEIGHT %)
    "studies": {
        "Chamovitz 1954": (0.14137483787289234, 1.1490291427213977, 33.63865192715988),
        "Denny 1953": (0.10759493670886076, 1.6250322180207262, 21.560027699473018),
        "Landsman 1951": (4.150943396226415, 1.5357098693257216, 23.35287192415817),
        "Little 1997": (1.4307692307692308, 1.6309078973191555, 21.448448449208946),
    },
    "not_estimable": ["Dagnelie 1996", "De Meyere 1992", "Pichichero 1987", "Zwart 2000"],
}
# Outcome 4.7 "Incidence of quinsy within 2 months": <DICH_OUTCOME> line 3547, <DICH_DATA>
# lines 3553-3560. RevMan's TAU2 is 0 here, so its random-effects total is the inverse-variance
# pool of the (0.5-corrected) study log RRs, while CHI2 is Q around the MH estimate.
SORE_THROAT_QUINSY: list[tuple[str, int, int, int, int]] = [
    ("Bennike 1951", 1, 238, 15, 268),
    ("Dagnelie 1996", 0, 121, 2, 118),
    ("De Meyere 1992", 0, 87, 0, 94),
    ("Howe 1997", 1, 69, 0, 34),
    ("Landsman 1951", 0, 52, 2, 43),
    ("Little 1997", 0, 454, 1, 216),
    ("Pichichero 1987", 0, 59, 0, 58),
    ("Zwart 2000", 0, 358, 3, 164),
]
SORE_THROAT_QUINSY_REVMAN = {
    "EFFECT_SIZE": 0.15182451414254183, "CI_START": 0.04882217857953299,
    "CI_END": 0.47213548770808195, "TAU2": 0.0, "I2": 0.0, "CHI2": 2.8451124956711085, "DF": 5,
    "Z": 3.2564639947323206, "P_Z": 0.0011280923689052354, "P_CHI2": 0.7238502289867397,
    "studies": {
        "Bennike 1951": (0.07507002801120448, 1.0289478328422756, 31.648798601892423),
        "Dagnelie 1996": (0.19508196721311474, 1.5438263883429337, 14.0587601717058),
        "Howe 1997": (1.5, 1.6198177440099624, 12.770609881220565),
        "Landsman 1951": (0.1660377358490566, 1.5357098693257216, 14.207759326223558),
        "Little 1997": (0.15897435897435896, 1.6309078973191555, 12.597520417027999),
        "Zwart 2000": (0.06565857540787903, 1.508929476262342, 14.716551601929657),
    },
}

# ---------------------------------------------------------------------------------------------
# Yusuf et al. (1985), beta blockade, Table 6 (Peto's method, with zero cells)
# ---------------------------------------------------------------------------------------------
# METADAT data-raw/dat.yusuf1985.txt, commit fc2ccb77e580d8d7d961a0de65846123b455e261, lines 2-23
# (table "6", ids 1.1-2.5; line 9, id 1.8 "Snow 1", has NA counts and is left out, as NA rows
# are in metafor). Columns ai n1i ci n2i. The two "Barber" and two "Yusuf"-named rows are
# different trials (ids 1.4 and 2.1); they are labelled by id here.
YUSUF_TABLE6: list[tuple[str, int, int, int, int]] = [
    ("1.1 Balcon", 14, 56, 15, 58),
    ("1.2 Clausen", 18, 66, 19, 64),
    ("1.3 Multicentre", 15, 100, 12, 95),
    ("1.4 Barber", 10, 52, 12, 47),
    ("1.5 Norris", 21, 226, 24, 228),
    ("1.6 Kahler", 3, 38, 6, 31),
    ("1.7 Ledwich", 2, 20, 3, 20),
    ("1.9 Snow 2", 19, 76, 15, 67),
    ("1.10 Fuccella", 15, 106, 9, 114),
    ("1.11 Briant", 5, 62, 4, 57),
    ("1.12 Pitt", 0, 9, 0, 8),
    ("1.13 Lombardo", 8, 133, 11, 127),
    ("1.14 Thompson", 3, 48, 3, 49),
    ("1.15 Hutton", 0, 16, 0, 13),
    ("1.16 Tonkin", 1, 42, 1, 46),
    ("1.17 Gupta", 0, 25, 3, 25),
    ("2.1 Barber", 14, 221, 15, 228),
    ("2.2 Yusuf", 0, 11, 0, 11),
    ("2.3 Wilcox 1", 8, 259, 7, 129),
    ("2.4 Wilcox 2", 6, 157, 4, 158),
    ("2.5 CPRG", 3, 177, 2, 136),
]
# METAFOR tests/testthat/test_analysis_example_yusuf1985.r, commit
# 01464f36557922240fb8724a900bb66734c31f82, block 'results are correct for the analysis using
# Peto's method': rma.peto(subset=(table=="6")), predict(transf=exp) rounded to 2 decimals,
# "compare with results on page 107" of Yusuf et al. (1985): OR 0.93 (0.74, 1.18).
YUSUF_TABLE6_PETO = {"est": 0.93, "ci_low": 0.74, "ci_high": 1.18}

# ---------------------------------------------------------------------------------------------
# Influence and small-study effects (metafor reference pages, generated by running the examples)
# ---------------------------------------------------------------------------------------------
# METAFOR docs/reference/leave1out.html, commit 0014f62b7481cf6c29a19898babb1f5993a9dbc7 (also
# tests/testthat/test_misc_influence.r, commit 7581de80, row 1): dat.bcg, escalc(measure="RR"),
# rma(yi, vi) (REML) then leave1out(res); 4 decimals. Columns: estimate (log RR), se, ci.lb,
# ci.ub, Q, tau2, I2 - one row per omitted trial in BCG order.
BCG_LEAVE1OUT_REML = [
    (-0.7071, 0.1900, -1.0794, -0.3348, 151.5826, 0.3362, 93.2259),
    (-0.6540, 0.1807, -1.0082, -0.2999, 145.3176, 0.2926, 92.2540),
    (-0.6856, 0.1857, -1.0495, -0.3216, 150.1970, 0.3207, 92.9354),
    (-0.6284, 0.1766, -0.9746, -0.2822, 96.5626, 0.2628, 90.4125),
    (-0.7642, 0.1918, -1.1401, -0.3883, 151.3200, 0.3278, 92.7634),
    (-0.7109, 0.2003, -1.1034, -0.3184, 128.1867, 0.3596, 90.9118),
    (-0.6552, 0.1805, -1.0090, -0.3015, 145.8296, 0.2930, 92.2777),
    (-0.7948, 0.1799, -1.1473, -0.4422, 67.9858, 0.2732, 87.0314),
    (-0.7412, 0.1967, -1.1267, -0.3557, 152.2051, 0.3495, 93.2133),
    (-0.6530, 0.1843, -1.0142, -0.2919, 139.8271, 0.2987, 92.2322),
    (-0.7579, 0.1958, -1.1416, -0.3741, 151.4655, 0.3405, 91.8110),
    (-0.7598, 0.1821, -1.1167, -0.4029, 150.7868, 0.3082, 92.6782),
    (-0.7775, 0.1855, -1.1412, -0.4139, 149.7884, 0.3037, 92.3444),
]
# Same page: rma.mh(measure="RR", ...) then leave1out(res). Columns: estimate (log RR), se,
# ci.lb, ci.ub, Q (around the MH estimate).
BCG_LEAVE1OUT_MH = [
    (-0.4514, 0.0394, -0.5287, -0.3741, 151.9153),
    (-0.4410, 0.0395, -0.5185, -0.3635, 145.5727),
    (-0.4495, 0.0394, -0.5267, -0.3722, 150.5130),
    (-0.3392, 0.0414, -0.4205, -0.2580, 96.5629),
    (-0.4614, 0.0400, -0.5397, -0.3831, 151.6611),
    (-0.3666, 0.0448, -0.4544, -0.2788, 129.2200),
    (-0.4466, 0.0395, -0.5241, -0.3692, 146.2134),
    (-0.7758, 0.0520, -0.8777, -0.6739, 68.3763),
    (-0.4532, 0.0399, -0.5314, -0.3751, 152.5497),
    (-0.4278, 0.0399, -0.5059, -0.3497, 140.0446),
    (-0.4698, 0.0421, -0.5522, -0.3874, 151.8140),
    (-0.4566, 0.0394, -0.5338, -0.3794, 151.1253),
    (-0.4637, 0.0398, -0.5417, -0.3858, 150.1246),
]
# METAFOR tests/testthat/test_misc_influence.r, commit 7581de80: leave1out(rma.peto(dat.bcg))
# row 1: estimate (log OR), se, ci.lb, ci.ub, Q.
BCG_LEAVE1OUT_PETO_ROW1 = (-0.4722, 0.0408, -0.5521, -0.3923, 167.2005)

# METAFOR docs/reference/ranktest.html, commit 0014f62b: dat.bcg, escalc(measure="RR"),
# ranktest(res): "Kendall's tau = 0.0256, p = 0.9524" (exact Kendall p-value).
BCG_RANKTEST = {"tau": 0.0256, "p": 0.9524}

# METAFOR docs/reference/dat.egger2001.html, commit 03f2d6cc3f22e212fc4e64168aa8d394c49ad457:
# intravenous magnesium in acute myocardial infarction (Egger et al. 2001, BMJ 322:1224);
# (study, ai, n1i, ci, n2i).
EGGER2001: list[tuple[str, int, int, int, int]] = [
    ("Morton 1984", 1, 40, 2, 36),
    ("Rasmussen 1986", 9, 135, 23, 135),
    ("Smith 1986", 2, 200, 7, 200),
    ("Abraham 1987", 1, 48, 1, 46),
    ("Feldstedt 1988", 10, 150, 8, 148),
    ("Shechter 1989", 1, 59, 9, 56),
    ("Ceremuzynski 1989", 1, 25, 3, 23),
    ("Bertschat 1989", 0, 22, 1, 21),
    ("Singh 1990", 6, 76, 11, 75),
    ("Pereira 1990", 1, 27, 7, 27),
    ("Shechter 1991", 2, 89, 12, 80),
    ("Golf 1991", 5, 23, 13, 33),
    ("Thogersen 1991", 4, 130, 8, 122),
    ("LIMIT-2 1992", 90, 1159, 118, 1157),
    ("Shechter 1995", 4, 107, 17, 108),
    ("ISIS-4 1995", 2216, 29011, 2103, 29039),
]
# METAFOR docs/reference/regtest.html, commit 0014f62b: escalc(measure="OR", ..., subset=-16)
# (ISIS-4 dropped, k = 15), then regtest(res, model="lm"): classical Egger test
# "t = -3.1783, df = 13, p = 0.0073", "Limit Estimate (as sei -> 0): b = -0.1512 (CI: -0.5130,
# 0.2106)"; and regtest(res, model="lm", predictor="ninv") (weights 1/vi, predictor 1/ni):
# "t = -2.3230, df = 13, p = 0.0370", limit estimate b = -0.3731.
EGGER2001_REGTEST_LM = {"t": -3.1783, "df": 13, "p": 0.0073, "limit": -0.1512}
EGGER2001_REGTEST_NINV = {"t": -2.3230, "df": 13, "p": 0.0370, "limit": -0.3731}
# METAFOR tests/testthat/test_misc_pub_bias.r, commit 3516fcbe: all 16 trials, ranktest(res):
# tau 0.15, pval 0.4503.
EGGER2001_RANKTEST_ALL = {"tau": 0.15, "p": 0.4503}

# ---------------------------------------------------------------------------------------------
# Confidence intervals for heterogeneity
# ---------------------------------------------------------------------------------------------
# METAFOR tests/testthat/test_misc_confint.r: dat.bcg, escalc(measure="RR"), rma(method="DL")
# then confint(res): tau^2 0.3088 [0.1197, 1.1115] (Q-profile; 4 decimals). The same interval
# for rma(method="REML"), tau^2 0.3132, tau 0.5597 [0.3460, 1.0543], in the RoBMA vignette
# "Bayesian meta-analysis" (CRAN RoBMA, vignettes/v02-bayesian-meta-analysis), which prints
# confint(fit1_metafor). metafor finds the roots with uniroot(tol = eps^0.25 ~ 1.2e-4), so its
# printed limits can sit up to ~2e-5 from the exact roots.
BCG_QP = {"tau2_low": 0.1197, "tau2_high": 1.1115, "tau_low": 0.3460, "tau_high": 1.0543}

# METAFOR tests/testthat/test_analysis_example_viechtbauer2007a.r (Viechtbauer 2007, Stat Med
# 26:37, the paper's example): dat.collins1985b, escalc(measure="OR", ai=pre.xti, n1i=pre.nti,
# ci=pre.xci, n2i=pre.nci), rma(method="DL") then confint(res): tau^2 Q-profile limits printed
# to 3 decimals, .072 and 2.203. Data: METADAT data-raw/dat.collins1985b.txt (pre-eclampsia,
# diuretics): (xti, nti, xci, nci) per trial, in file order.
COLLINS1985B_PRE: list[tuple[int, int, int, int]] = [
    (14, 131, 14, 136), (21, 385, 17, 134), (14, 57, 24, 48), (6, 38, 18, 40),
    (12, 1011, 35, 760), (138, 1370, 175, 1336), (15, 506, 20, 524), (6, 108, 2, 103),
    (65, 153, 40, 102),
]
COLLINS1985B_QP = (0.072, 2.203)

# R meta (calcH / isquared: Higgins & Thompson 2002), printed output in Harrer, Cuijpers,
# Furukawa & Ebert, "Doing Meta-Analysis in R" (2021): I^2 and H with 95% CIs from Q and k.
# ThirdWave (k = 18, section 6.1 of the bookdown edition, https://bookdown.org/MathiasHarrer/
# Doing_Meta_Analysis_in_R/assessing-the-heterogeneity-of-your-pooled-effect-size.html):
# "H = 1.64 [1.27; 2.11]; I^2 = 62.6% [37.9%; 77.5%]", Q = 45.50, d.f. 17.
# SuicidePrevention (k = 9, m.cont, section 4.2.2 of the print edition) and BdiScores (k = 6,
# section 4.2.5), as transcribed in a public study-notes file (source index id 48861310816):
# "I^2 = 7.4% [0.0%; 67.4%]; H = 1.04 [1.00; 1.75]", Q = 8.64 (Q < k: the second SE formula and
# the floor at H = 1), and "I^2 = 64.3% [13.8%; 85.2%]; H = 1.67 [1.08; 2.60]", Q = 14.00.
# (q, k, i2, i2_low, i2_high, h_low, h_high); Q printed to 2 decimals, I^2 to 1, H to 2.
META_I2_CI = [
    (45.50, 18, 62.6, 37.9, 77.5, 1.27, 2.11),
    (8.64, 9, 7.4, 0.0, 67.4, 1.00, 1.75),
    (14.00, 6, 64.3, 13.8, 85.2, 1.08, 2.60),
]

# ---------------------------------------------------------------------------------------------
# Trim and fill (metafor trimfill, printed output)
# ---------------------------------------------------------------------------------------------
# METADAT data-raw/dat.hackshaw1998.txt, commit fc2ccb77e580d8d7d961a0de65846123b455e261
# (Hackshaw 1998, passive smoking and lung cancer, 37 studies): (or, ci.lb, ci.ub) in file order;
# data-raw/dat.hackshaw1998.r (commit a791be14) makes yi = log(or) and
# vi = ((log(ci.ub) - log(ci.lb)) / (2 * qnorm(.975)))^2.
HACKSHAW1998: list[tuple[float, float, float]] = [
    (1.18, 0.90, 1.54), (1.45, 1.02, 2.08), (2.02, 0.48, 8.56), (1.20, 0.80, 1.60),
    (0.75, 0.43, 1.30), (2.07, 0.81, 5.25), (2.13, 1.19, 3.83), (0.80, 0.34, 1.90),
    (0.79, 0.25, 2.45), (2.01, 1.09, 3.72), (1.23, 0.81, 1.87), (1.20, 0.50, 3.30),
    (1.52, 0.87, 2.63), (1.03, 0.41, 2.55), (1.55, 0.90, 2.67), (1.03, 0.61, 1.74),
    (2.34, 0.81, 6.75), (1.65, 1.16, 2.35), (1.19, 0.82, 1.73), (1.52, 0.39, 5.96),
    (2.16, 1.08, 4.29), (1.08, 0.64, 1.82), (2.55, 0.74, 8.78), (1.62, 0.90, 2.91),
    (1.06, 0.74, 1.52), (0.79, 0.62, 1.02), (0.74, 0.32, 1.69), (2.27, 0.75, 6.82),
    (0.97, 0.78, 1.21), (1.60, 0.80, 3.00), (1.19, 0.66, 2.13), (1.66, 0.73, 3.78),
    (1.26, 1.04, 1.54), (1.10, 0.62, 1.96), (1.66, 1.12, 2.45), (1.16, 0.80, 1.69),
    (1.11, 0.67, 1.84),
]
# Charles Martin, "Meta-analysis" R tutorial (knitted Rmd; source index id 15992464293):
# res <- rma(yi, vi, data = dat.hackshaw1998); trimfill(res) (REML, L0, side estimated):
# "Estimated number of missing studies on the left side: 7 (SE = 4.0399)", k = 44,
# tau^2 0.0245, estimate 0.1745, se 0.0484, ci 0.0795 to 0.2694 (4 decimals). Its z (3.6015) and
# Q (60.5196) came from an older copy of the data with yi rounded to 3 decimals and vi to 4, and
# are not used: the numbers above do not move at 4 decimals between the two copies.
HACKSHAW_TRIMFILL_REML = {"side": "left", "k0": 7, "se_k0": 4.0399, "k": 44, "tau2": 0.0245,
                          "estimate": 0.1745, "se": 0.0484, "ci_low": 0.0795, "ci_high": 0.2694}
# Knitted R course notes on dat.bcg with log odds ratios (source index ids 41932328513 (REML)
# and 42303307889 (DL)): trimfill(result.ormr): "Estimated number of missing studies on the
# right side: 0 (SE = 2.3309)", Q(df = 12) = 163.1649, then the unchanged random-effects fit.
BCG_OR_TRIMFILL = {
    "REML": {"k0": 0, "se_k0": 2.3309, "tau2": 0.3378, "te": -0.7452, "se": 0.1860,
             "z": -4.0057, "lo": -1.1098, "hi": -0.3806, "q": 163.1649},
    "DL": {"k0": 0, "se_k0": 2.3309, "tau2": 0.3663, "te": -0.7474, "se": 0.1923,
           "z": -3.8873, "lo": -1.1242, "hi": -0.3706, "q": 163.1649},
}

# ---------------------------------------------------------------------------------------------
# Case influence diagnostics (metafor influence / rstandard / rstudent for rma.uni)
# ---------------------------------------------------------------------------------------------
# METAFOR tests/testthat/test_misc_influence.r (source index id 9470209252): dat.bcg,
# escalc(measure="RR"), res <- rma(yi, vi) (REML), influence(res), study 1, full precision.
BCG_INFLUENCE_REML_ROW1 = {
    "rstudent": -0.218142474344442, "dffits": -0.0407075604868486,
    "cook_d": 0.00171654236729195, "cov_r": 1.11644891104804, "tau2_del": 0.336156745300306,
    "q_del": 151.582572747109, "hat": 0.0505948307931551, "weight": 5.05948307931551,
    "dfbetas": -0.0402659025974144, "influential": False,
}
# METAFOR tests/testthat/test_misc_residuals.r (source index id 8843164839): dat.bcg trials 1-6,
# escalc(measure="RR"), rma(yi, vi) (REML); rstandard(res)$z and rstudent(res)$z to 4 decimals,
# which metafor checks with tolerance 1e-4 (its REML iterations stop at a relative change of
# 1e-5, which moves the 4th decimal of trial 4's rstandard).
BCG6_RSTANDARD = [0.1401, -0.9930, -0.4719, -1.0475, 1.6462, 0.4825]
BCG6_RSTUDENT = [0.1426, -0.9957, -0.4591, -1.1949, 2.0949, 0.4330]
