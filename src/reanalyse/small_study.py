"""Small-study effects: the regression and rank tests for funnel-plot asymmetry.

- **Egger** (Egger et al. 1997, BMJ 315:629): the standard normal deviate ``te/se`` regressed
  on the precision ``1/se`` by ordinary least squares; the intercept measures asymmetry and is
  tested with t on k - 2 df (metafor ``regtest(model="lm")``, meta ``metabias(method.bias =
  "Egger")``).
- **Peters** (Peters et al. 2006, JAMA 295:676), binary outcomes: the log ratio regressed on
  1/N (N = total participants), weighted by 1 / (1/(events) + 1/(non-events)) pooled over both
  arms; the slope is tested with t on k - 2 df.
- **Harbord** (Harbord et al. 2006, Stat Med 25:3443), odds ratios: the efficient score ``Z``
  (Peto's O - E) over sqrt(V) regressed on sqrt(V) by ordinary least squares; the intercept is
  tested with t on k - 2 df.
- **Begg** (Begg & Mazumdar 1994, Biometrics 50:1088): Kendall's tau between the standardised
  deviates from the fixed-effect estimate and the variances; the exact p-value for small k
  without ties (as metafor ``ranktest``), the normal approximation otherwise.

The Cochrane Handbook (section 13.3.5.4) advises against the tests with fewer than 10 studies;
:func:`small_study_tests` reports them as not done below ``min_studies`` and says so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from reanalyse.effects import EffectTable, peto_components
from reanalyse.measures import BINARY_MEASURES

__all__ = [
    "MIN_STUDIES",
    "AsymmetryTest",
    "begg_test",
    "egger_test",
    "harbord_test",
    "peters_test",
    "small_study_tests",
]

#: Fewest studies for which the tests are run by default (Cochrane Handbook 13.3.5.4).
MIN_STUDIES = 10


@dataclass(frozen=True)
class AsymmetryTest:
    """One test for funnel-plot asymmetry.

    ``bias`` is the asymmetry coefficient the test is about (Egger's and Harbord's intercept,
    Peters' slope, Begg's Kendall tau) with its ``se`` (NaN for Begg); ``statistic`` is t (z for
    Begg's normal approximation, tau for his exact test), ``df`` its degrees of freedom (None
    for z and tau), ``p`` two-sided. ``note`` says why a test was not done (then the numbers are
    NaN).
    """

    test: str
    k: int
    bias: float
    se: float
    statistic: float
    df: int | None
    p: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (None for non-finite)."""
        return {key: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for key, v in asdict(self).items()}


def _nan_test(test: str, k: int, note: str) -> AsymmetryTest:
    nan = math.nan
    return AsymmetryTest(test=test, k=k, bias=nan, se=nan, statistic=nan, df=None, p=nan,
                         note=note)


def _ols(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray,
                                                                             np.ndarray, int]:
    """Coefficients (intercept, slope), their SEs and residual df of a (weighted) least-squares
    line with the residual variance estimated (multiplicative dispersion, as R's ``lm``)."""
    design = np.column_stack([np.ones_like(x), x])
    sw = np.sqrt(w) if w is not None else np.ones_like(x)
    coef, _, rank, _ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    if rank < 2:
        raise ValueError("the regressor does not vary across studies")
    df = len(x) - 2
    resid = (y - design @ coef) * sw
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv((design * sw[:, None]).T @ (design * sw[:, None]))
    return coef, np.sqrt(np.diag(cov)), df


def _t_test(test: str, est: float, se: float, df: int, k: int) -> AsymmetryTest:
    t = est / se
    return AsymmetryTest(test=test, k=k, bias=float(est), se=float(se), statistic=float(t),
                         df=df, p=float(2 * stats.t.sf(abs(t), df)))


def egger_test(*, te: ArrayLike, se: ArrayLike) -> AsymmetryTest:
    """Egger's regression test (needs three or more studies)."""
    te, se = np.asarray(te, dtype=float), np.asarray(se, dtype=float)
    if len(te) < 3:
        return _nan_test("Egger", len(te), "needs three or more studies")
    coef, ses, df = _ols(1.0 / se, te / se)
    return _t_test("Egger", coef[0], ses[0], df, len(te))


def peters_test(*, te: ArrayLike, events_1: ArrayLike, total_1: ArrayLike,
                events_2: ArrayLike, total_2: ArrayLike) -> AsymmetryTest:
    """Peters' regression test for binary outcomes (``te`` the log ratio)."""
    te = np.asarray(te, dtype=float)
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (events_1, total_1, events_2, total_2))
    if len(te) < 3:
        return _nan_test("Peters", len(te), "needs three or more studies")
    events = a + c
    non_events = n1 + n2 - events
    if np.any(events == 0) or np.any(non_events == 0):
        return _nan_test("Peters", len(te), "a study has no events or no non-events in both "
                         "arms together")
    w = 1.0 / (1.0 / events + 1.0 / non_events)
    coef, ses, df = _ols(1.0 / (n1 + n2), te, w)
    return _t_test("Peters", coef[1], ses[1], df, len(te))


def harbord_test(*, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
                 total_2: ArrayLike) -> AsymmetryTest:
    """Harbord's score-based regression test for odds ratios."""
    o_e, v = peto_components(events_1=events_1, total_1=total_1, events_2=events_2,
                             total_2=total_2)
    if len(v) < 3:
        return _nan_test("Harbord", len(v), "needs three or more studies")
    if not np.all(np.isfinite(v) & (v > 0)):
        return _nan_test("Harbord", len(v), "a study has no events or no non-events (score "
                         "variance 0)")
    root_v = np.sqrt(v)
    coef, ses, df = _ols(root_v, o_e / root_v)
    return _t_test("Harbord", coef[0], ses[0], df, len(v))


def begg_test(*, te: ArrayLike, se: ArrayLike) -> AsymmetryTest:
    """Begg and Mazumdar's rank correlation test."""
    te, se = np.asarray(te, dtype=float), np.asarray(se, dtype=float)
    k = len(te)
    if k < 3:
        return _nan_test("Begg", k, "needs three or more studies")
    v = se**2
    w = 1.0 / v
    fixed = float(np.sum(w * te) / np.sum(w))
    v_star = v - 1.0 / np.sum(w)
    deviates = (te - fixed) / np.sqrt(v_star)
    ties = len(np.unique(deviates)) < k or len(np.unique(v)) < k
    method = "exact" if k < 50 and not ties else "asymptotic"
    res = stats.kendalltau(deviates, v, method=method)
    nan = math.nan
    if method == "exact":
        return AsymmetryTest(test="Begg", k=k, bias=float(res.statistic), se=nan,
                             statistic=float(res.statistic), df=None, p=float(res.pvalue))
    z = float(res.statistic) / math.sqrt(2 * (2 * k + 5) / (9 * k * (k - 1)))
    return AsymmetryTest(test="Begg", k=k, bias=float(res.statistic), se=nan, statistic=z,
                         df=None, p=float(res.pvalue))


def small_study_tests(effects: EffectTable, *, measure: str | None = None,
                      min_studies: int = MIN_STUDIES) -> pd.DataFrame:
    """The tests that suit ``measure`` (default: the table's) on the estimable studies of
    ``effects`` (an :class:`~reanalyse.effects.EffectTable`): Egger for continuous outcomes or contrast
    data; Peters, and Harbord for odds ratios, for binary arm-level data; Begg for all.

    One row per test (the fields of :class:`AsymmetryTest`); below ``min_studies`` every row
    says the test was not done and why.
    """
    measure = effects.measure if measure is None else measure
    eff = effects.estimable_only()
    k = len(eff)
    arm_binary = measure in BINARY_MEASURES and eff.is_binary_arms
    names = ["Egger"] if not arm_binary else ["Peters"] + (["Harbord"] if measure == "OR"
                                                          else [])
    names.append("Begg")
    if k < min_studies:
        note = (f"not done: {k} studies, fewer than {min_studies} (Cochrane Handbook 13.3.5.4: "
                "too few for the tests to tell asymmetry from chance)")
        return pd.DataFrame([_nan_test(n, k, note).to_dict() for n in names])
    te, se = eff.te, eff.se
    cells = eff.binary_cells() if arm_binary else {}
    out = []
    for name in names:
        if name == "Egger":
            out.append(egger_test(te=te, se=se))
        elif name == "Peters":
            out.append(peters_test(te=te, **cells))
        elif name == "Harbord":
            out.append(harbord_test(**cells))
        else:
            out.append(begg_test(te=te, se=se))
    return pd.DataFrame([t.to_dict() for t in out])
