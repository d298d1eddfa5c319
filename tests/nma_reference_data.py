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
