"""Published network meta-analysis data and results, typed in from cited sources.

Every number here is copied from the file named next to it; nothing is from memory.
"""

from __future__ import annotations

import pandas as pd

# ---------------------------------------------------------------------------------------------
# Senn et al. (2013), Stat Methods Med Res 22:169-189: HbA1c network (diabetes), mean
# differences as prepared for R netmeta.
# Source: repository guido-s/netmeta, data/Senn2013.txt
# (commit 3a97ab5670f9888a439fda0b970178d39a0fa811), columns TE, seTE, treat1, treat2, studlab.
# Willms1999 is the only three-arm study (all three pairwise comparisons are given, as netmeta
# requires).
# ---------------------------------------------------------------------------------------------
SENN2013 = [
    # (TE, seTE, treat1, treat2, studlab)
    (-1.90, 0.1414, "metf", "plac", "DeFronzo1995"),
    (-0.82, 0.0992, "metf", "plac", "Lewin2007"),
    (-0.20, 0.3579, "metf", "acar", "Willms1999"),
    (-1.34, 0.1435, "rosi", "plac", "Davidson2007"),
    (-1.10, 0.1141, "rosi", "plac", "Wolffenbuttel1999"),
    (-1.30, 0.1268, "piog", "plac", "Kipnes2001"),
    (-0.77, 0.1078, "rosi", "plac", "Kerenyi2004"),
    (0.16, 0.0849, "piog", "metf", "Hanefeld2004"),
    (0.10, 0.1831, "piog", "rosi", "Derosa2004"),
    (-1.30, 0.1014, "rosi", "plac", "Baksi2004"),
    (-1.09, 0.2263, "rosi", "plac", "Rosenstock2008"),
    (-1.50, 0.1624, "rosi", "plac", "Zhu2003"),
    (-0.14, 0.2239, "rosi", "metf", "Yang2003"),
    (-1.20, 0.1436, "rosi", "sulf", "Vongthavaravat2002"),
    (-0.40, 0.1549, "acar", "sulf", "Oyama2008"),
    (-0.80, 0.1432, "acar", "plac", "Costa1997"),
    (-0.57, 0.1291, "sita", "plac", "Hermansen2007"),
    (-0.70, 0.1273, "vild", "plac", "Garber2008"),
    (-0.37, 0.1184, "metf", "sulf", "Alex1998"),
    (-0.74, 0.1839, "migl", "plac", "Johnston1994"),
    (-1.41, 0.2235, "migl", "plac", "Johnston1998a"),
    (0.00, 0.2339, "rosi", "metf", "Kim2007"),
    (-0.68, 0.2828, "migl", "plac", "Johnston1998b"),
    (-0.40, 0.4356, "metf", "plac", "Gonzalez-Ortiz2004"),
    (-0.23, 0.3467, "benf", "plac", "Stucci1996"),
    (-1.01, 0.1366, "benf", "plac", "Moulin2006"),
    (-1.20, 0.3758, "metf", "plac", "Willms1999"),
    (-1.00, 0.4669, "acar", "plac", "Willms1999"),
]


def senn2013_frame() -> pd.DataFrame:
    """Senn2013 as canonical contrast rows (MD, lower HbA1c is better)."""
    return pd.DataFrame(
        [{"study": s, "treatment": t1, "comparator": t2, "estimate": te, "se": se,
          "measure": "MD", "outcome": "hba1c"} for te, se, t1, t2, s in SENN2013])


# ---------------------------------------------------------------------------------------------
# Smoking cessation (Hasselblad 1998; NICE DSU TSD2/TSD4 example): 24 studies, 4 treatments,
# arm-level events/totals.
# Source: repository dmphillippo/multinma, data-raw/smoking/smoking.txt (commit
# c839d7b0fd49a61ef1ae228806151ea7dea7456e), wide format r1 n1 r2 n2 r3 n3 t1 t2 t3; treatment
# codes from data-raw/smoking/smoking.R: 1 No intervention, 2 Self-help, 3 Individual
# counselling, 4 Group counselling.
# ---------------------------------------------------------------------------------------------
SMOKING_TREATMENTS = {1: "No intervention", 2: "Self-help", 3: "Individual counselling",
                      4: "Group counselling"}
SMOKING_WIDE = [
    # (r1, n1, r2, n2, r3, n3, t1, t2, t3)
    (9, 140, 23, 140, 10, 138, 1, 3, 4),
    (11, 78, 12, 85, 29, 170, 2, 3, 4),
    (75, 731, 363, 714, None, None, 1, 3, None),
    (2, 106, 9, 205, None, None, 1, 3, None),
    (58, 549, 237, 1561, None, None, 1, 3, None),
    (0, 33, 9, 48, None, None, 1, 3, None),
    (3, 100, 31, 98, None, None, 1, 3, None),
    (1, 31, 26, 95, None, None, 1, 3, None),
    (6, 39, 17, 77, None, None, 1, 3, None),
    (79, 702, 77, 694, None, None, 1, 2, None),
    (18, 671, 21, 535, None, None, 1, 2, None),
    (64, 642, 107, 761, None, None, 1, 3, None),
    (5, 62, 8, 90, None, None, 1, 3, None),
    (20, 234, 34, 237, None, None, 1, 3, None),
    (0, 20, 9, 20, None, None, 1, 4, None),
    (8, 116, 19, 149, None, None, 1, 2, None),
    (95, 1107, 143, 1031, None, None, 1, 3, None),
    (15, 187, 36, 504, None, None, 1, 3, None),
    (78, 584, 73, 675, None, None, 1, 3, None),
    (69, 1177, 54, 888, None, None, 1, 3, None),
    (20, 49, 16, 43, None, None, 2, 3, None),
    (7, 66, 32, 127, None, None, 2, 4, None),
    (12, 76, 20, 74, None, None, 3, 4, None),
    (9, 55, 3, 26, None, None, 3, 4, None),
]


def smoking_frame() -> pd.DataFrame:
    """Smoking cessation as canonical binary arm rows (events = quit, higher is better)."""
    rows = []
    for i, (r1, n1, r2, n2, r3, n3, t1, t2, t3) in enumerate(SMOKING_WIDE, start=1):
        for r, n, t in ((r1, n1, t1), (r2, n2, t2), (r3, n3, t3)):
            if t is not None:
                rows.append({"study": f"Study {i}", "treatment": SMOKING_TREATMENTS[t],
                             "events": r, "total": n, "outcome": "quit"})
    return pd.DataFrame(rows)


# Random-effects consistency model, log odds ratios, Dias et al. NICE DSU TSD4 (smoking example),
# as typed into the tests of multinma: repository dmphillippo/multinma,
# tests/testthat/test-example_smoking.R (commit 10e617b15531f743e1cf6134c73fe1a87d2ea970),
# tibble `tsd_re` (A = No intervention, B = Self-help, C = Individual counselling,
# D = Group counselling): (contrast, mean, sd, 2.5%, 97.5%); dXY = effect of Y versus X.
SMOKING_TSD_RE = {
    ("Self-help", "No intervention"): (0.49, 0.40, -0.29, 1.31),
    ("Individual counselling", "No intervention"): (0.84, 0.24, 0.39, 1.34),
    ("Group counselling", "No intervention"): (1.10, 0.44, 0.26, 2.00),
    ("Individual counselling", "Self-help"): (0.35, 0.41, -0.46, 1.18),
    ("Group counselling", "Self-help"): (0.61, 0.49, -0.34, 1.59),
    ("Group counselling", "Individual counselling"): (0.26, 0.41, -0.55, 1.09),
}
# Same file: heterogeneity SD tau, (median, sd, 2.5%, 97.5%) = (0.82, 0.19, 0.55, 1.27).
SMOKING_TSD_TAU = (0.82, 0.19, 0.55, 1.27)
# Same file: the model behind these numbers (multinma call in the test): d ~ N(0, 100^2),
# mu ~ N(0, 100^2), tau ~ half-normal(5).

# ---------------------------------------------------------------------------------------------
# Parkinson's disease (NICE DSU TSD2 example 5): mean off-time reduction, 7 studies, 5 treatments.
# Source: repository dmphillippo/multinma, data-raw/parkinsons/parkinsons.txt (commit
# 1d9333a7397ef16d267c5725c83cee0c4ca43902): per arm t, y (mean), se (SE of the mean), n.
# The contrast-level version (data-raw/parkinsons/parkinsons.R) is diff = y - y_arm1,
# se_diff = sqrt(se^2 + se_arm1^2), rounded to 2 and 3 decimals.
# ---------------------------------------------------------------------------------------------
PARKINSONS_WIDE = [
    # ((t1, t2, t3), (y1, y2, y3), (se1, se2, se3), (n1, n2, n3))
    ((1, 3), (-1.22, -1.53), (0.504, 0.439), (54, 95)),
    ((1, 2), (-0.7, -2.4), (0.282, 0.258), (172, 173)),
    ((1, 2, 4), (-0.3, -2.6, -1.2), (0.505, 0.510, 0.478), (76, 71, 81)),
    ((3, 4), (-0.24, -0.59), (0.265, 0.354), (128, 72)),
    ((3, 4), (-0.73, -0.18), (0.335, 0.442), (80, 46)),
    ((4, 5), (-2.2, -2.5), (0.197, 0.190), (137, 131)),
    ((4, 5), (-1.8, -2.1), (0.200, 0.250), (154, 143)),
]


def parkinsons_arm_frame() -> pd.DataFrame:
    """Parkinson's as canonical continuous arm rows: sd = se * sqrt(n), so that the arm-level
    normal likelihood uses exactly the published SE (lower off-time is better)."""
    rows = []
    for i, (ts, ys, ses, ns) in enumerate(PARKINSONS_WIDE, start=1):
        for t, y, se, n in zip(ts, ys, ses, ns, strict=True):
            rows.append({"study": f"Study {i}", "treatment": str(t), "n": n, "mean": y,
                         "sd": se * n**0.5, "outcome": "off_time"})
    return pd.DataFrame(rows)


# TSD2 results as typed into multinma: tests/testthat/test-example_parkinsons.R (commit
# 049fba2cadabf5f8f061ee04bd5cb0d64ead4ee2), tibbles `tsd_FE` and `tsd_RE`: effect of treatment
# t versus treatment 1 (mean, sd, median, 2.5%, 97.5%).
PARKINSONS_TSD_FE = {
    "2": (-1.81, 0.33, -1.81, -2.46, -1.16),
    "3": (-0.47, 0.49, -0.47, -1.43, 0.49),
    "4": (-0.52, 0.48, -0.52, -1.46, 0.43),
    "5": (-0.82, 0.52, -0.82, -1.84, 0.22),
}
PARKINSONS_TSD_RE = {
    "2": (-1.85, 0.54, -1.84, -2.91, -0.85),
    "3": (-0.50, 0.66, -0.50, -1.78, 0.75),
    "4": (-0.53, 0.65, -0.53, -1.77, 0.71),
    "5": (-0.83, 0.80, -0.83, -2.35, 0.69),
}
# Same file, `arm_tau`: tau (mean, sd, median, 2.5%, 97.5%) = (0.4, 0.43, 0.28, 0.01, 1.55), under
# d ~ N(0, 100^2), mu ~ N(0, 100^2), tau ~ half-normal(5).
PARKINSONS_TSD_TAU = (0.4, 0.43, 0.28, 0.01, 1.55)


# ---------------------------------------------------------------------------------------------
# R netmeta 3.6-1 output for its Senn2013 and smokingcessation examples, rounded by the generating
# script to 10 decimals. Not a publication by netmeta's authors: a run of netmeta by a third
# party, committed together with the R script that made it.
# Source: repository mahmood726-cyber/ubcma, folder nma/reference/:
# - gen_netmeta_reference.R (commit c7ccb32e9f00df8dab2573ae0bf89e94b01009f8): for Senn2013
#   `netmeta(TE, seTE, treat1, treat2, studlab, data = Senn2013, sm = "MD", common = TRUE,
#   random = TRUE, reference.group = "plac")`; for smokingcessation `pairwise(list(treat1, treat2,
#   treat3), event = ..., n = ..., sm = "OR")` then `netmeta(p2, common = TRUE, random = TRUE)`;
#   tau^2 by netmeta's default (DerSimonian-Laird); P-scores by `netrank()` with
#   small.values = "desirable" (Senn2013, lower HbA1c is better) and "undesirable" (smoking);
# - test_netmeta_parity.py (commit 5443889d880c41c85897b3903d1d49427c864e54) names the netmeta
#   version, 3.6-1;
# - files and commits per table below. Rows are the treatment, columns the comparator (netmeta's
#   TE.common[i, j] = effect of i versus j); the tests check every entry.
# ---------------------------------------------------------------------------------------------
NETMETA_SENN_TREATMENTS = ("acar", "benf", "metf", "migl", "piog", "plac", "rosi", "sita", "sulf",
                           "vild")
# senn2013_TE_common.csv (commit 5443889d880c41c85897b3903d1d49427c864e54)
NETMETA_SENN_TE_COMMON = [
    [0, 0.0778174774, 0.286741217, 0.1165639908, 0.2390641349, -0.827368972, 0.3744730387,
     -0.257368972, -0.3878718214, -0.127368972],
    [-0.0778174774, 0, 0.2089237396, 0.0387465134, 0.1612466575, -0.9051864494, 0.2966555613,
     -0.3351864494, -0.4656892988, -0.2051864494],
    [-0.286741217, -0.2089237396, 0, -0.1701772262, -0.0476770822, -1.114110189, 0.0877318217,
     -0.544110189, -0.6746130384, -0.414110189],
    [-0.1165639908, -0.0387465134, 0.1701772262, 0, 0.122500144, -0.9439329629, 0.2579090478,
     -0.3739329629, -0.5044358122, -0.2439329629],
    [-0.2390641349, -0.1612466575, 0.0476770822, -0.122500144, 0, -1.0664331069, 0.1354089038,
     -0.4964331069, -0.6269359562, -0.3664331069],
    [0.827368972, 0.9051864494, 1.114110189, 0.9439329629, 1.0664331069, 0, 1.2018420107, 0.57,
     0.4394971506, 0.7],
    [-0.3744730387, -0.2966555613, -0.0877318217, -0.2579090478, -0.1354089038, -1.2018420107, 0,
     -0.6318420107, -0.7623448601, -0.5018420107],
    [0.257368972, 0.3351864494, 0.544110189, 0.3739329629, 0.4964331069, -0.57, 0.6318420107, 0,
     -0.1305028494, 0.13],
    [0.3878718214, 0.4656892988, 0.6746130384, 0.5044358122, 0.6269359562, -0.4394971506,
     0.7623448601, 0.1305028494, 0, 0.2605028494],
    [0.127368972, 0.2051864494, 0.414110189, 0.2439329629, 0.3664331069, -0.7, 0.5018420107, -0.13,
     -0.2605028494, 0],
]
# senn2013_seTE_common.csv (commit c7ccb32e9f00df8dab2573ae0bf89e94b01009f8)
NETMETA_SENN_SE_COMMON = [
    [0, 0.1671195093, 0.1145670293, 0.1669788528, 0.1267850237, 0.1085208454, 0.1142154131,
     0.1686522573, 0.1131021465, 0.1672784024],
    [0.1671195093, 0, 0.1403769381, 0.1796032291, 0.148003381, 0.1270911346, 0.1357344411,
     0.1811600577, 0.156590507, 0.179881757],
    [0.1145670293, 0.1403769381, 0, 0.1402094564, 0.0698021377, 0.0596114775, 0.0676622996,
     0.1421982358, 0.0885411421, 0.1405660637],
    [0.1669788528, 0.1796032291, 0.1402094564, 0, 0.1478445389, 0.1269061204, 0.1355612238,
     0.1810303107, 0.1564403841, 0.1797510873],
    [0.1267850237, 0.148003381, 0.0698021377, 0.1478445389, 0, 0.0758475068, 0.0817772831,
     0.1497319415, 0.1067046141, 0.1481827733],
    [0.1085208454, 0.1270911346, 0.0596114775, 0.1269061204, 0.0758475068, 0, 0.0476621653,
     0.1291, 0.0914791254, 0.1273],
    [0.1142154131, 0.1357344411, 0.0676622996, 0.1355612238, 0.0817772831, 0.0476621653, 0,
     0.1376171937, 0.0920120087, 0.1359300261],
    [0.1686522573, 0.1811600577, 0.1421982358, 0.1810303107, 0.1497319415, 0.1291, 0.1376171937,
     0, 0.1582252836, 0.1813066463],
    [0.1131021465, 0.156590507, 0.0885411421, 0.1564403841, 0.1067046141, 0.0914791254,
     0.0920120087, 0.1582252836, 0, 0.1567600727],
    [0.1672784024, 0.179881757, 0.1405660637, 0.1797510873, 0.1481827733, 0.1273, 0.1359300261,
     0.1813066463, 0.1567600727, 0],
]
# senn2013_TE_random.csv (commit 5443889d880c41c85897b3903d1d49427c864e54)
NETMETA_SENN_TE_RANDOM = [
    [0, -0.1106377234, 0.284990413, 0.1079414395, 0.2873070156, -0.8417849382, 0.3916708147,
     -0.2717849382, -0.425226138, -0.1417849382],
    [0.1106377234, 0, 0.3956281364, 0.2185791629, 0.397944739, -0.7311472149, 0.5023085381,
     -0.1611472149, -0.3145884146, -0.0311472149],
    [-0.284990413, -0.3956281364, 0, -0.1770489735, 0.0023166026, -1.1267753512, 0.1066804018,
     -0.5567753512, -0.710216551, -0.4267753512],
    [-0.1079414395, -0.2185791629, 0.1770489735, 0, 0.1793655761, -0.9497263777, 0.2837293753,
     -0.3797263777, -0.5331675775, -0.2497263777],
    [-0.2873070156, -0.397944739, -0.0023166026, -0.1793655761, 0, -1.1290919538, 0.1043637991,
     -0.5590919538, -0.7125331536, -0.4290919538],
    [0.8417849382, 0.7311472149, 1.1267753512, 0.9497263777, 1.1290919538, 0, 1.233455753, 0.57,
     0.4165588002, 0.7],
    [-0.3916708147, -0.5023085381, -0.1066804018, -0.2837293753, -0.1043637991, -1.233455753, 0,
     -0.663455753, -0.8168969528, -0.533455753],
    [0.2717849382, 0.1611472149, 0.5567753512, 0.3797263777, 0.5590919538, -0.57, 0.663455753, 0,
     -0.1534411998, 0.13],
    [0.425226138, 0.3145884146, 0.710216551, 0.5331675775, 0.7125331536, -0.4165588002,
     0.8168969528, 0.1534411998, 0, 0.2834411998],
    [0.1417849382, 0.0311472149, 0.4267753512, 0.2497263777, 0.4290919538, -0.7, 0.533455753,
     -0.13, -0.2834411998, 0],
]
# senn2013_seTE_random.csv (commit c7ccb32e9f00df8dab2573ae0bf89e94b01009f8)
NETMETA_SENN_SE_RANDOM = [
    [0, 0.3771823939, 0.2580629573, 0.3378455897, 0.3155991765, 0.2458203057, 0.2605183324,
     0.4310584135, 0.265497466, 0.4305227472],
    [0.3771823939, 0, 0.3250186363, 0.3681724533, 0.360665834, 0.2860750524, 0.3133244249,
     0.4552171666, 0.3739838851, 0.4547099611],
    [0.2580629573, 0.3250186363, 0, 0.2784065339, 0.2255575641, 0.154266582, 0.1651709478,
     0.3862407429, 0.2352537564, 0.3856428289],
    [0.3378455897, 0.3681724533, 0.2784065339, 0, 0.3193006859, 0.2317585377, 0.2646606874,
     0.4231970616, 0.334270894, 0.422651432],
    [0.3155991765, 0.360665834, 0.2255575641, 0.3193006859, 0, 0.2196381302, 0.2240281342,
     0.4166829027, 0.3020497653, 0.4161287317],
    [0.2458203057, 0.2860750524, 0.154266582, 0.2317585377, 0.2196381302, 0, 0.1278016419,
     0.3540956554, 0.2408838117, 0.3534433662],
    [0.2605183324, 0.3133244249, 0.1651709478, 0.2646606874, 0.2240281342, 0.1278016419, 0,
     0.3764531748, 0.2371470211, 0.3758396903],
    [0.4310584135, 0.4552171666, 0.3862407429, 0.4231970616, 0.4166829027, 0.3540956554,
     0.3764531748, 0, 0.4282624708, 0.5003058527],
    [0.265497466, 0.3739838851, 0.2352537564, 0.334270894, 0.3020497653, 0.2408838117,
     0.2371470211, 0.4282624708, 0, 0.427723303],
    [0.4305227472, 0.4547099611, 0.3856428289, 0.422651432, 0.4161287317, 0.3534433662,
     0.3758396903, 0.5003058527, 0.427723303, 0],
]
# senn2013_scalars.csv (commit c7ccb32e9f00df8dab2573ae0bf89e94b01009f8), full precision
NETMETA_SENN_SCALARS = {"k": 26, "m": 28, "n": 10, "tau2": 0.108716923142419,
                        "tau": 0.329722494140783, "Q": 96.9855530052601, "df": 18,
                        "I2": 0.814405347577657}
# senn2013_pscore.csv (commit 5443889d880c41c85897b3903d1d49427c864e54): (common, random)
NETMETA_SENN_PSCORE = {
    "acar": (0.479183553591904, 0.520264415346934),
    "benf": (0.572664185085247, 0.435817023500372),
    "metf": (0.851277164945292, 0.781776531582271),
    "migl": (0.620004412248249, 0.613655528194324),
    "piog": (0.768632565564681, 0.774569730700626),
    "plac": (6.4907432449204e-07, 0.0138950538084336),
    "rosi": (0.978903244463782, 0.89336818125521),
    "sita": (0.238614641905226, 0.333099206416942),
    "sulf": (0.139491658740947, 0.210307659651169),
    "vild": (0.351227924380347, 0.423246669543718),
}

# netmeta's smokingcessation labels (A-D) are the same trials, in the same order, as SMOKING_WIDE
# above: A = No intervention (netmeta: "No contact"), B = Self-help, C = Individual counselling,
# D = Group counselling.
NETMETA_SMOKING_LABELS = {"A": "No intervention", "B": "Self-help", "C": "Individual counselling",
                          "D": "Group counselling"}
# smoking_input.csv (commit c7ccb32e9f00df8dab2573ae0bf89e94b01009f8): netmeta pairwise() log odds
# ratios of treat1 versus treat2, full precision: (study, treat1, treat2, TE, seTE)
NETMETA_SMOKING_PAIRWISE = [
    (1, "A", "C", -1.05129302699633, 0.413243231419396),
    (1, "A", "D", -0.128527574939361, 0.475980250532909),
    (1, "C", "D", 0.922765452056965, 0.399797160340808),
    (2, "B", "C", -0.00124455523220472, 0.450406957665775),
    (2, "B", "D", -0.225333286200901, 0.383939345790021),
    (2, "C", "D", -0.224088730968697, 0.372299503991839),
    (3, "A", "C", -2.20228928620676, 0.143043865170366),
    (4, "A", "C", -0.87035363668713, 0.791093254011701),
    (5, "A", "C", -0.415648521886279, 0.155732897872958),
    (6, "A", "C", -2.77968374609038, 1.46984024977533),
    (7, "A", "C", -2.70539327492945, 0.625160818777302),
    (8, "A", "C", -2.42518741508638, 1.04225122951142),
    (9, "A", "C", -0.443616874072541, 0.521976908539188),
    (10, "A", "B", 0.0159649357312724, 0.169915045874876),
    (11, "A", "B", -0.393504543648524, 0.326575446159963),
    (12, "A", "C", -0.390412268317413, 0.168017707955201),
    (13, "A", "C", -0.106335649816033, 0.595599682337342),
    (14, "A", "C", -0.583398287042234, 0.298346728281924),
    (15, "A", "D", -3.5225168299416, 1.49699704990983),
    (16, "A", "B", -0.679594214155242, 0.44111579647405),
    (17, "A", "C", -0.539679845514607, 0.140119917217707),
    (18, "A", "C", 0.125505081750294, 0.31999242189397),
    (19, "A", "C", 0.239970161562556, 0.173656434118018),
    (20, "A", "C", -0.0389560069154973, 0.187384204203303),
    (21, "B", "C", 0.151684587332065, 0.428975285602477),
    (22, "B", "D", -1.04348630604959, 0.448979522015191),
    (23, "C", "D", -0.680724660561388, 0.409239357652526),
    (24, "C", "D", 0.405465108108164, 0.713906041260888),
]
# smoking_TE_common.csv, smoking_TE_random.csv (commit 5443889d880c41c85897b3903d1d49427c864e54),
# smoking_seTE_common.csv, smoking_seTE_random.csv (commit
# c7ccb32e9f00df8dab2573ae0bf89e94b01009f8); rows and columns A, B, C, D
NETMETA_SMOKING_TE_COMMON = [
    [0, -0.1997625049, -0.6524277907, -0.7168193144],
    [0.1997625049, 0, -0.4526652858, -0.5170568096],
    [0.6524277907, 0.4526652858, 0, -0.0643915238],
    [0.7168193144, 0.5170568096, 0.0643915238, 0],
]
NETMETA_SMOKING_TE_RANDOM = [
    [0, -0.4162377049, -0.7334060234, -0.902298208],
    [0.4162377049, 0, -0.3171683185, -0.4860605032],
    [0.7334060234, 0.3171683185, 0, -0.1688921847],
    [0.902298208, 0.4860605032, 0.1688921847, 0],
]
NETMETA_SMOKING_SE_COMMON = [
    [0, 0.1259807412, 0.0589500197, 0.1879173493],
    [0.1259807412, 0, 0.1336204283, 0.199883908],
    [0.0589500197, 0.1336204283, 0, 0.1849032215],
    [0.1879173493, 0.199883908, 0.1849032215, 0],
]
NETMETA_SMOKING_SE_RANDOM = [
    [0, 0.3681021952, 0.218923644, 0.4115865072],
    [0.3681021952, 0, 0.3790570373, 0.4505033556],
    [0.218923644, 0.3790570373, 0, 0.3906806988],
    [0.4115865072, 0.4505033556, 0.3906806988, 0],
]
# smoking_scalars.csv (commit 5443889d880c41c85897b3903d1d49427c864e54)
NETMETA_SMOKING_SCALARS = {"k": 24, "m": 28, "n": 4, "tau2": 0.598875258924702,
                           "tau": 0.773870311437712, "Q": 202.618871212979, "df": 23,
                           "I2": 0.886486387658216}
# smoking_pscore.csv (commit 5443889d880c41c85897b3903d1d49427c864e54): (common, random)
NETMETA_SMOKING_PSCORE = {
    "A": (0.0188255170973268, 0.0478871870493142),
    "B": (0.316262623703612, 0.404201861940132),
    "C": (0.787825295028737, 0.71032820917033),
    "D": (0.877086564170324, 0.837582741840224),
}

# R netmeta's decomp.design() on its Senn2013 example (common-effects model), as printed in the
# course lab "Network meta-analysis with netmeta", Course 3 week 4 session 3,
# https://cttir.github.io/courses/course3_design_causal/labs/lab_week4_session3_slides.html
# ("Q statistics to assess homogeneity / consistency"; "Design-specific decomposition of
# within-designs Q statistic"; "Between-designs Q statistic after detaching of single designs").
# Printed with 2 decimals (Q) and 4 decimals (p-values).
NETMETA_SENN_Q = {  # (Q, df, p or None when printed as "< 0.0001")
    "total": (96.99, 18, None),
    "within designs": (74.46, 11, None),
    "between designs": (22.53, 7, 0.0021),
}
NETMETA_SENN_WITHIN = {
    frozenset({"plac", "metf"}): (42.16, 2, None),
    frozenset({"plac", "rosi"}): (21.27, 5, 0.0007),
    frozenset({"plac", "benf"}): (4.38, 1, 0.0363),
    frozenset({"plac", "migl"}): (6.45, 2, 0.0398),
    frozenset({"metf", "rosi"}): (0.19, 1, 0.6655),
}
NETMETA_SENN_DETACHED = {
    frozenset({"rosi", "sulf"}): (6.77, 6, 0.3425),
    frozenset({"metf", "sulf"}): (7.51, 6, 0.2760),
    frozenset({"plac", "rosi"}): (16.29, 6, 0.0123),
}
