"""Many meta-analyses at once (``pool_batch``): the reference data sets of
test_pooling_reference.py stacked in one batch of unequal k (NaN-padded), each row held to the
same references and tolerances as there (metafor, Stata metan, R meta, printed precision); the
REML global-maximum cases of test_tau2_reml.py (values from the maximisation written out
there); and, on random data, every statistic against the one-at-a-time ``pool_effects`` (the
reference-tested path) to 1e-12."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reanalyse.effects import BinaryArms, EffectTable, effect_table
from reanalyse.pooling import pool_batch, pool_effects, stack_effects
from tests import reference_data as ref
from tests.test_pooling_reference import REML_SLACK, printed
from tests.test_tau2_reml import HAND_SE, HAND_Y, MULTI_SE, MULTI_Y


def _padded(rows: list[list[float]]) -> np.ndarray:
    width = max(len(r) for r in rows)
    return np.array([list(r) + [np.nan] * (width - len(r)) for r in rows], dtype=float)


def _cells(trials_sets: list[list[tuple]]) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    return {name: _padded([[float(t[j]) for t in trials] for trials in trials_sets])
            for j, name in enumerate(("events_1", "total_1", "events_2", "total_2"), start=1)}


# generic (yi, vi) data sets, stacked in this order
GENERIC = [(ref.RAUDENBUSH_YI, ref.RAUDENBUSH_VI), (ref.KACKER_Y, ref.KACKER_V),
           (ref.VIECHTBAUER_1["yi"], ref.VIECHTBAUER_1["vi"]),
           (ref.VIECHTBAUER_2["yi"], ref.VIECHTBAUER_2["vi"])]
TE = _padded([list(y) for y, _ in GENERIC])
SE = np.sqrt(_padded([list(v) for _, v in GENERIC]))


def _generic(**kw):  # type: ignore[no-untyped-def]
    return pool_batch(measure="MD", te=TE, se=SE, **kw)


# ------------------------------------------------------------------------ against the references
@pytest.mark.parametrize("tau2_method", ["REML", "DL"])
def test_raudenbush_wald_and_knapp_hartung(tau2_method: str) -> None:
    tol = printed(4) + (REML_SLACK if tau2_method == "REML" else 0.0)
    for hksj, exp in ((False, ref.RAUDENBUSH_WALD[tau2_method]),
                      (True, ref.RAUDENBUSH_KNHA[tau2_method])):
        res = _generic(model="random", tau2_method=tau2_method, hksj=hksj)
        assert res.k.tolist() == [19, 9, 10, 18]
        assert res.tau2[0] == pytest.approx(exp["tau2"], abs=tol)
        assert res.te[0] == pytest.approx(exp["mu"], abs=tol)
        assert res.se[0] == pytest.approx(exp["se"], abs=tol)
        assert res.z[0] == pytest.approx(exp["t" if hksj else "z"], abs=tol)
        assert res.ci_low[0] == pytest.approx(exp["lo"], abs=tol)
        assert res.ci_high[0] == pytest.approx(exp["hi"], abs=tol)
    fixed = _generic()
    assert fixed.te[0] == pytest.approx(ref.RAUDENBUSH_FE["mu"], abs=printed(4))
    assert fixed.q[0] == pytest.approx(ref.RAUDENBUSH_FE["q"], abs=printed(4))
    assert fixed.z[0] == pytest.approx(ref.RAUDENBUSH_FE["z"], abs=printed(4))


def test_kacker_matches_metafor_at_full_precision() -> None:
    # the effects sit near 62: the batch centres each row, which must not cost precision
    pm = _generic(model="random", tau2_method="PM")
    exp = ref.KACKER_METAFOR["PM"]
    assert pm.tau2[1] == pytest.approx(exp["tau2"], abs=1e-9)
    assert pm.te[1] == pytest.approx(exp["b"], abs=1e-9)
    assert pm.se[1] == pytest.approx(exp["se"], abs=1e-9)
    assert pm.ci_low[1] == pytest.approx(exp["ci_lb"], abs=1e-9)
    assert pm.ci_high[1] == pytest.approx(exp["ci_ub"], abs=1e-9)
    assert pm.q[1] == pytest.approx(exp["QE"], rel=1e-10)
    dl = _generic(model="random", tau2_method="DL")
    exp = ref.KACKER_METAFOR["DL"]
    assert dl.tau2[1] == pytest.approx(exp["tau2"], rel=1e-10)
    assert dl.te[1] == pytest.approx(exp["b"], rel=1e-12)
    assert dl.se[1] == pytest.approx(exp["se"], rel=1e-10)
    assert dl.ci_low[1] == pytest.approx(exp["ci_lb"], rel=1e-12)
    assert dl.i2[1] == pytest.approx(exp["I2"], rel=1e-10)
    # prediction interval worked by hand in test_pooling_reference (t(0.975, 7) from metafor's DL)
    assert dl.pi_low[1] == pytest.approx(60.99432483095069, rel=1e-11)
    assert dl.pi_high[1] == pytest.approx(63.78595237795011, rel=1e-11)
    hk = _generic(model="random", tau2_method="DL", hksj=True)
    exp = ref.KACKER_METAFOR["DL_KNHA"]
    assert hk.se[1] == pytest.approx(exp["se"], rel=1e-10)
    assert hk.ci_low[1] == pytest.approx(exp["ci_lb"], rel=1e-12)
    assert hk.p_z[1] == pytest.approx(exp["pval"], rel=1e-6)
    fe = _generic()
    exp = ref.KACKER_METAFOR["FE"]
    assert fe.te[1] == pytest.approx(exp["b"], rel=1e-13)
    assert fe.se[1] == pytest.approx(exp["se"], rel=1e-12)
    assert fe.z[1] == pytest.approx(exp["zval"], rel=1e-12)


def test_viechtbauer_2005_tau2() -> None:
    for method in ("DL", "REML", "PM"):
        res = _generic(model="random", tau2_method=method)
        for row, example in ((2, ref.VIECHTBAUER_1), (3, ref.VIECHTBAUER_2)):
            assert res.tau2[row] == pytest.approx(example["tau2"][method], abs=printed(3))
            if method == "DL":
                assert res.i2[row] == pytest.approx(example["i2_dl"], abs=printed(2))


def test_bcg_mantel_haenszel_and_inverse_variance_match_metan() -> None:
    # BCG twice: once whole (13 trials), once its first 7 trials (a padded row)
    cells = _cells([ref.BCG, ref.BCG[:7]])
    tol = printed(4)
    for measure in ("RR", "OR"):
        exp = ref.BCG_METAN_MH[measure]
        res = pool_batch(measure=measure, method="MH", **cells)
        assert res.k.tolist() == [13, 7]
        assert res.te[0] == pytest.approx(exp["te"], abs=tol)
        assert math.log(res.ci_low[0]) == pytest.approx(exp["lo"], abs=tol)
        assert res.z[0] == pytest.approx(exp["z"], abs=tol)
        assert res.q[0] == pytest.approx(exp["q"], abs=tol)  # around the MH estimate
        assert res.estimate[0] == pytest.approx(exp["est"], abs=tol)
        assert res.ci_high[0] == pytest.approx(exp["ci_high"], abs=tol)
        for model in ("fixed", "random"):
            exp = ref.BCG_METAN_IV[(measure, model)]
            iv = pool_batch(measure=measure, method="IV", model=model, **cells)
            assert iv.te[0] == pytest.approx(exp["te"], abs=tol)
            assert iv.z[0] == pytest.approx(exp["z"], abs=tol)
            assert iv.estimate[0] == pytest.approx(exp["est"], abs=tol)
            if model == "random":
                assert iv.tau2[0] == pytest.approx(exp["tau2"], abs=tol)
                assert iv.i2[0] == pytest.approx(exp["i2"], abs=tol)
            else:
                assert iv.q[0] == pytest.approx(exp["q"], abs=tol)
    rd = pool_batch(measure="RD", method="MH", **cells)
    assert rd.te[0] == pytest.approx(ref.BCG_METAN_MH["RD"]["te"], abs=tol)
    assert rd.q[0] == pytest.approx(ref.BCG_METAN_MH["RD"]["q"], abs=tol)


def test_front_door_bcg_reml_reads_like_metafor() -> None:
    import reanalyse as ra

    res = ra.pool_batch(measure="RR", model="random", tau2="REML", **_cells([ref.BCG]))
    # metafor rma(yi, vi) on dat.bcg (see test_front_door), and confint (reference_data.BCG_QP)
    assert res.te[0] == pytest.approx(-0.7145, abs=5e-5)
    assert res.se[0] == pytest.approx(0.1798, abs=5e-5)
    assert math.log(res.ci_low[0]) == pytest.approx(-1.0669, abs=5e-5)
    assert res.tau2[0] == pytest.approx(0.3132, abs=5e-5)
    assert res.tau2_low[0] == pytest.approx(ref.BCG_QP["tau2_low"], abs=7e-5)
    assert res.tau2_high[0] == pytest.approx(ref.BCG_QP["tau2_high"], abs=7e-5)
    frame = res.to_frame()
    assert list(frame.columns[:5]) == ["measure", "method", "model", "tau2_method", "k"]
    assert frame.loc[0, "tau2_high_ci"] == res.tau2_high[0]
    assert frame.loc[0, "tau2_method"] == "REML" and len(frame) == 1


def test_reml_is_the_global_maximum_in_a_batch() -> None:
    # test_tau2_reml's cases, whose maxima are found there by a dense grid written out in numpy:
    # a negative score at 0 with an interior maximum at 1.92886, and two local maxima of which
    # the one at 0.02149 is the higher
    res = pool_batch(measure="MD", te=_padded([list(HAND_Y), list(MULTI_Y)]),
                     se=_padded([list(HAND_SE), list(MULTI_SE)]), model="random",
                     tau2_method="REML")
    assert res.tau2[0] == pytest.approx(1.92886, abs=1e-5)
    assert res.te[0] == pytest.approx(0.68629, abs=1e-5)
    assert res.se[0] == pytest.approx(0.70600, abs=1e-5)
    assert res.tau2[1] == pytest.approx(0.02149, abs=1e-5)


def test_rows_without_enough_studies() -> None:
    te = np.array([[0.1, np.nan, np.nan], [np.nan, np.nan, np.nan], [0.2, 0.5, 0.1]])
    se = np.array([[0.2, np.nan, np.nan], [np.nan, np.nan, np.nan], [0.1, 0.2, 0.3]])
    res = pool_batch(measure="MD", te=te, se=se, model="random", tau2_method="REML", hksj=True)
    assert res.k.tolist() == [1, 0, 3]
    # one study: its own effect and SE (Wald, HKSJ needs two), tau^2 0, no Q test, no PI
    assert res.te[0] == 0.1 and res.se[0] == pytest.approx(0.2, rel=1e-15)
    assert res.tau2[0] == 0.0 and res.df[0] == 0 and math.isnan(res.p_q[0])
    assert math.isnan(res.pi_low[0]) and math.isnan(res.tau2_low[0])
    assert res.estimable.tolist() == [True, False, True]
    assert np.isnan([res.te[1], res.se[1], res.tau2[1], res.estimate[1]]).all()
    # a mask leaves studies out as NaN padding does
    masked = pool_batch(measure="MD", te=np.nan_to_num(te), se=np.nan_to_num(se, nan=1.0),
                        mask=np.isfinite(te), model="random", tau2_method="REML", hksj=True)
    pd.testing.assert_frame_equal(masked.to_frame(), res.to_frame())


def test_mantel_haenszel_needs_arm_counts() -> None:
    with pytest.raises(ValueError, match="arm counts"):
        pool_batch(measure="RR", method="MH", te=TE, se=SE)
    with pytest.raises(ValueError, match="Peto"):
        pool_batch(measure="OR", method="PETO", **_cells([ref.BCG]))


# ------------------------------------------------------------- against the one-at-a-time pooling
def _random_binary(rng: np.random.Generator, n: int, width: int) -> tuple[np.ndarray, dict]:  # type: ignore[type-arg]
    ks = rng.integers(1, width + 1, n)
    n1 = rng.integers(5, 200, (n, width)).astype(float)
    n2 = rng.integers(5, 200, (n, width)).astype(float)
    p = rng.uniform(0.02, 0.4, (n, 1)) * rng.uniform(0.2, 1.5, (n, width))
    e1 = rng.binomial(n1.astype(int), np.clip(0.7 * p, 0, 1)).astype(float)
    e2 = rng.binomial(n2.astype(int), np.clip(p, 0, 1)).astype(float)
    pad = np.arange(width)[None, :] >= ks[:, None]
    for x in (n1, n2, e1, e2):
        x[pad] = np.nan
    return ks, {"events_1": e1, "total_1": n1, "events_2": e2, "total_2": n2}


def _one(cells: dict, i: int, k: int, measure: str) -> EffectTable:  # type: ignore[type-arg]
    arms = BinaryArms(events=np.c_[cells["events_1"][i, :k], cells["events_2"][i, :k]],
                      total=np.c_[cells["total_1"][i, :k], cells["total_2"][i, :k]])
    return effect_table(measure=measure, study=[f"s{j}" for j in range(k)],
                        kind=["binary"] * k, te=np.full(k, np.nan), se=np.full(k, np.nan),
                        arms=arms)


ANALYSES = [("RR", "MH", "fixed", "DL", False), ("OR", "MH", "random", "DL", False),
            ("RD", "MH", "fixed", "DL", False), ("RR", "IV", "random", "REML", False),
            ("OR", "IV", "random", "REML", True), ("RR", "IV", "random", "PM", True),
            ("OR", "IV", "random", "DL", True), ("RD", "IV", "random", "DL", False)]
STATS = ("te", "se", "z", "p_z", "q", "p_q", "i2", "tau2", "estimate", "ci_low", "ci_high",
         "pi_low", "pi_high")


@pytest.mark.parametrize(("measure", "method", "model", "tau2_method", "hksj"), ANALYSES)
def test_batch_equals_pool_one_at_a_time(measure: str, method: str, model: str,
                                         tau2_method: str, hksj: bool) -> None:
    ks, cells = _random_binary(np.random.default_rng(20261203), 60, 12)
    res = pool_batch(measure=measure, method=method, model=model, tau2_method=tau2_method,
                     hksj=hksj, **cells)
    for i, k in enumerate(ks):
        one = pool_effects(_one(cells, i, int(k), measure), method=method, model=model,
                           tau2_method=tau2_method, hksj=hksj)
        assert res.k[i] == one.k and res.df[i] == one.df
        for name in STATS:
            want = getattr(one, name)
            want = math.nan if want is None else want
            assert getattr(res, name)[i] == pytest.approx(want, rel=1e-12, abs=1e-13,
                                                          nan_ok=True), (i, name)
        if one.heterogeneity_ci is not None:
            assert res.tau2_low[i] == pytest.approx(one.heterogeneity_ci.tau2_low, rel=1e-12,
                                                    abs=1e-13)
            assert res.tau2_high[i] == pytest.approx(one.heterogeneity_ci.tau2_high, rel=1e-12,
                                                     abs=1e-13)


def test_stacked_effect_tables_pool_as_each_alone() -> None:
    ks, cells = _random_binary(np.random.default_rng(7), 20, 9)
    tables = [_one(cells, i, int(k), "OR") for i, k in enumerate(ks)]
    stacked = stack_effects(tables)
    assert stacked["te"].shape == (20, int(ks.max()))
    by_counts = pool_batch(measure="OR", method="MH", model="random",
                           **{n: stacked[n] for n in ("events_1", "total_1", "events_2",
                                                      "total_2")})
    by_effects = pool_batch(measure="OR", te=stacked["te"], se=stacked["se"], model="random",
                            tau2_method="REML")
    for i, table in enumerate(tables):
        mh = pool_effects(table, method="MH", model="random")
        iv = pool_effects(table, method="IV", model="random", tau2_method="REML")
        assert by_counts.te[i] == pytest.approx(mh.te, rel=1e-12, abs=1e-13)
        assert by_counts.tau2[i] == pytest.approx(mh.tau2, rel=1e-12, abs=1e-13)
        assert by_effects.te[i] == pytest.approx(iv.te, rel=1e-12, abs=1e-13)
        assert by_effects.tau2[i] == pytest.approx(iv.tau2, rel=1e-12, abs=1e-13)


def test_hksj_with_identical_study_effects_is_a_point_not_an_error() -> None:
    """Three trials without events: every RD is 0 (hand: 0/n1 - 0/n2), Q = 0, so the HKSJ
    variance sum w (y - mu)^2 / (k - 1) is 0: the interval is the point 0, said in a note."""
    import pandas as pd

    import reanalyse as ra

    rows = pd.DataFrame({"study": ["a", "a", "b", "b", "c", "c"], "treatment": ["d", "p"] * 3,
                         "events": [0] * 6, "total": [10, 12, 20, 18, 15, 15]})
    res = ra.pool(ra.read_table(rows), measure="RD", method="IV", model="random", tau2="DL",
                  hksj=True, treatment="d", control="p")
    assert (res.estimate, res.ci_low, res.ci_high) == (0.0, 0.0, 0.0)
    assert any("HKSJ variance is 0" in n for n in res.notes)
