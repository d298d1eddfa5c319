"""The frequentist NMA against R netmeta's documented output, and exact identities."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reanalyse.data import load_table
from reanalyse.effects import EffectTable
from reanalyse.nma import build_network, frequentist_nma
from reanalyse.nma.frequentist import decomp_design
from reanalyse.pooling import pool_effects
from tests.nma_reference_data import (
    NETMETA_SENN_DETACHED,
    NETMETA_SENN_PSCORE,
    NETMETA_SENN_Q,
    NETMETA_SENN_SCALARS,
    NETMETA_SENN_SE_COMMON,
    NETMETA_SENN_SE_RANDOM,
    NETMETA_SENN_TE_COMMON,
    NETMETA_SENN_TE_RANDOM,
    NETMETA_SENN_TREATMENTS,
    NETMETA_SENN_WITHIN,
    NETMETA_SMOKING_LABELS,
    NETMETA_SMOKING_PAIRWISE,
    NETMETA_SMOKING_PSCORE,
    NETMETA_SMOKING_SCALARS,
    NETMETA_SMOKING_SE_COMMON,
    NETMETA_SMOKING_SE_RANDOM,
    NETMETA_SMOKING_TE_COMMON,
    NETMETA_SMOKING_TE_RANDOM,
    PARKINSONS_TSD_FE,
    parkinsons_arm_frame,
    senn2013_frame,
    smoking_frame,
)

Q_TOL = 0.005  # half the last printed digit (2 decimals)
P_TOL = 0.00005  # half the last printed digit (4 decimals)


@pytest.fixture(scope="module")
def senn():  # type: ignore[no-untyped-def]
    return build_network(load_table(senn2013_frame()), measure="MD", reference="plac")


def _check(found: tuple[float, int, float], published: tuple[float, int, float | None]) -> None:
    q, df, p = found
    q_pub, df_pub, p_pub = published
    assert abs(q - q_pub) <= Q_TOL
    assert df == df_pub
    if p_pub is None:
        assert p < 0.0001
    else:
        assert abs(p - p_pub) <= P_TOL


def test_senn_q_decomposition_equals_netmeta(senn) -> None:  # type: ignore[no-untyped-def]
    overall, per = decomp_design(senn)
    for row, pub in NETMETA_SENN_Q.items():
        r = overall.loc[row]
        _check((r["q"], int(r["df"]), r["p"]), pub)
    found = {frozenset(d.split(":")): (q, df, p) for d, q, df, p in per.itertuples(index=False)}
    assert set(found) == set(NETMETA_SENN_WITHIN)
    for design, pub in NETMETA_SENN_WITHIN.items():
        _check(found[design], pub)
    det = overall.attrs["detached"]
    found = {frozenset(d.split(":")): (q, df, p) for d, q, df, p in det.itertuples(index=False)}
    for design, pub in NETMETA_SENN_DETACHED.items():
        _check(found[design], pub)


def test_senn_common_effects_equals_generalised_least_squares(  # type: ignore[no-untyped-def]
    senn,
) -> None:
    """netmeta's graph-theoretical estimate is GLS on the basic contrasts with the multi-arm
    covariance (Rücker 2012); checked to 1e-10 against an independent GLS."""
    from reanalyse.nma import basic_contrasts, design_matrix
    res = frequentist_nma(senn)
    ys, xs, blocks = [], [], []
    for s in senn.studies:
        y, v = basic_contrasts(s, "MD")
        ys.append(y)
        xs.append(design_matrix([(t, s.baseline) for t in s.treatments[1:]], senn.treatments))
        blocks.append(v)
    y = np.concatenate(ys)
    x = np.vstack(xs)
    vinv = np.zeros((len(y), len(y)))
    i = 0
    for b in blocks:
        k = b.shape[0]
        vinv[i:i + k, i:i + k] = np.linalg.inv(b)
        i += k
    cov = np.linalg.inv(x.T @ vinv @ x)
    beta = cov @ x.T @ vinv @ y
    eff = res.effects("common").set_index("treatment")
    np.testing.assert_allclose(eff.loc[list(senn.treatments[1:]), "te"], beta, atol=1e-10)
    np.testing.assert_allclose(eff.loc[list(senn.treatments[1:]), "se"], np.sqrt(np.diag(cov)),
                               atol=1e-10)
    resid = y - x @ beta
    assert res.q == pytest.approx(float(resid @ vinv @ resid), abs=1e-9)


# netmeta's matrices are rounded to 10 decimals by the script that wrote them; 1e-9 allows for that
# rounding and for floating-point differences between the pseudoinverses. The acceptance bar is 1e-4.
NETMETA_TOL = 1e-9


def _assert_matrix(found: pd.DataFrame, published: list[list[float]], names: tuple[str, ...],
                   what: str) -> None:
    ref = pd.DataFrame(published, index=list(names), columns=list(names))
    got = found.loc[list(names), list(names)]
    worst = float(np.max(np.abs(got.to_numpy() - ref.to_numpy())))
    assert worst <= NETMETA_TOL, f"{what}: largest difference from netmeta {worst:.2e}"


def test_senn_equals_netmeta_output(senn) -> None:  # type: ignore[no-untyped-def]
    """Every entry of netmeta's common- and random-effects league (TE and seTE), tau^2, Q, I^2 and
    the P-scores for Senn2013 (netmeta 3.6-1 output, tests/nma_reference_data.py)."""
    res = frequentist_nma(senn)
    names = NETMETA_SENN_TREATMENTS
    _assert_matrix(res.te_common, NETMETA_SENN_TE_COMMON, names, "TE.common")
    _assert_matrix(res.se_common, NETMETA_SENN_SE_COMMON, names, "seTE.common")
    _assert_matrix(res.te_random, NETMETA_SENN_TE_RANDOM, names, "TE.random")
    _assert_matrix(res.se_random, NETMETA_SENN_SE_RANDOM, names, "seTE.random")
    ref = NETMETA_SENN_SCALARS
    assert (res.k, res.m, len(res.treatments), res.df) == (ref["k"], ref["m"], ref["n"], ref["df"])
    assert res.tau2 == pytest.approx(ref["tau2"], abs=1e-12)
    assert res.tau == pytest.approx(ref["tau"], abs=1e-12)
    assert res.q == pytest.approx(ref["Q"], abs=1e-10)
    assert res.i2 == pytest.approx(ref["I2"], abs=1e-12)
    for model, col in (("common", 0), ("random", 1)):
        ps = res.p_scores(model, higher_is_better=False)  # small values desirable
        for trt, published in NETMETA_SENN_PSCORE.items():
            assert ps[trt] == pytest.approx(published[col], abs=NETMETA_TOL), (model, trt)


def test_smoking_arm_level_equals_netmeta_output() -> None:
    """From the arm-level smoking data: the pairwise log odds ratios (including the three-arm studies
    and the two studies with a zero cell) equal netmeta's pairwise(), and the league, tau^2, Q, I^2
    and P-scores equal netmeta's (netmeta 3.6-1 output, tests/nma_reference_data.py)."""
    net = build_network(load_table(smoking_frame()), measure="OR", reference="No intervention")
    res = frequentist_nma(net)
    comp = res.comparisons.set_index(["study", "treatment", "comparator"])
    label = NETMETA_SMOKING_LABELS
    assert len(comp) == len(NETMETA_SMOKING_PAIRWISE)
    for study, t1, t2, te, se in NETMETA_SMOKING_PAIRWISE:
        key = (f"Study {study}", label[t1], label[t2])
        sign = 1.0
        if key not in comp.index:  # ours is stored the other way round
            key, sign = (key[0], key[2], key[1]), -1.0
        row = comp.loc[key]
        assert sign * row["te"] == pytest.approx(te, abs=1e-12), key
        assert row["se"] == pytest.approx(se, abs=1e-12), key
    names = tuple(label.values())

    def relabel(x: pd.DataFrame) -> pd.DataFrame:
        return x.loc[list(names), list(names)]

    _assert_matrix(relabel(res.te_common), NETMETA_SMOKING_TE_COMMON, names, "TE.common")
    _assert_matrix(relabel(res.se_common), NETMETA_SMOKING_SE_COMMON, names, "seTE.common")
    _assert_matrix(relabel(res.te_random), NETMETA_SMOKING_TE_RANDOM, names, "TE.random")
    _assert_matrix(relabel(res.se_random), NETMETA_SMOKING_SE_RANDOM, names, "seTE.random")
    ref = NETMETA_SMOKING_SCALARS
    assert (res.k, res.m, len(res.treatments), res.df) == (ref["k"], ref["m"], ref["n"], ref["df"])
    assert res.tau2 == pytest.approx(ref["tau2"], abs=1e-12)
    assert res.q == pytest.approx(ref["Q"], abs=1e-10)
    assert res.i2 == pytest.approx(ref["I2"], abs=1e-12)
    for model, col in (("common", 0), ("random", 1)):
        ps = res.p_scores(model, higher_is_better=True)  # quitting is the good outcome
        for code, published in NETMETA_SMOKING_PSCORE.items():
            assert ps[label[code]] == pytest.approx(published[col], abs=NETMETA_TOL), (model, code)


def test_two_treatment_network_equals_pairwise_pooling() -> None:
    """A network of two treatments is a pairwise meta-analysis: same IV estimate, Q and DL tau^2
    as reanalyse.pooling, to 1e-10."""
    sub = senn2013_frame()
    sub = sub[(sub["treatment"] == "rosi") & (sub["comparator"] == "plac")]
    net = build_network(load_table(sub), measure="MD", reference="plac")
    res = frequentist_nma(net)
    eff = EffectTable.from_estimates(study=sub["study"], te=sub["estimate"], se=sub["se"],
                                     measure="MD")
    fixed = pool_effects(eff, measure="MD", method="IV", model="fixed")
    random = pool_effects(eff, measure="MD", method="IV", model="random", tau2_method="DL")
    e_fixed = res.effects("common").iloc[0]
    e_random = res.effects("random").iloc[0]
    assert e_fixed["te"] == pytest.approx(fixed.te, abs=1e-10)
    assert e_fixed["se"] == pytest.approx(fixed.se, abs=1e-10)
    assert res.q == pytest.approx(fixed.q, abs=1e-10)
    assert res.tau2 == pytest.approx(random.tau2, abs=1e-10)
    assert e_random["te"] == pytest.approx(random.te, abs=1e-10)
    assert e_random["se"] == pytest.approx(random.se, abs=1e-10)


def test_parkinsons_fixed_effect_equals_tsd2() -> None:
    """TSD2's fixed-effect Parkinson's results (vague priors, so posterior = likelihood) from the
    frequentist common-effects NMA of the arm-level MDs; tolerance half the printed digit plus the
    Monte Carlo error of TSD2's WinBUGS run (not stated; 0.01 allowed)."""
    net = build_network(load_table(parkinsons_arm_frame()), measure="MD", reference="1")
    eff = frequentist_nma(net).effects("common").set_index("treatment")
    for trt, (mean, sd, _median, lo, hi) in PARKINSONS_TSD_FE.items():
        assert eff.loc[trt, "te"] == pytest.approx(mean, abs=0.005 + 0.01)
        assert eff.loc[trt, "se"] == pytest.approx(sd, abs=0.005 + 0.01)
        assert eff.loc[trt, "ci_low"] == pytest.approx(lo, abs=0.005 + 0.02)
        assert eff.loc[trt, "ci_high"] == pytest.approx(hi, abs=0.005 + 0.02)


def test_league_orientation_p_scores_and_dict(senn) -> None:  # type: ignore[no-untyped-def]
    res = frequentist_nma(senn)
    lg = res.league("random")
    assert len(lg) == 10 * 9
    row = lg[(lg["treatment"] == "rosi") & (lg["comparator"] == "plac")].iloc[0]
    back = lg[(lg["treatment"] == "plac") & (lg["comparator"] == "rosi")].iloc[0]
    assert row["te"] == pytest.approx(-back["te"], abs=1e-12)
    assert lg.attrs["orientation"].startswith("treatment (row)")
    ps = res.p_scores("random", higher_is_better=False)  # lower HbA1c is better
    assert ps.idxmax() == "rosi" and ps.idxmin() == "plac"
    assert ps.mean() == pytest.approx(0.5, abs=1e-12)  # P-scores average 1/2
    d = res.to_dict(higher_is_better=False)
    assert d["random"]["d"]["rosi"]["te"] == pytest.approx(row["te"])
    assert math.isfinite(d["tau2"]) and d["df"] == 18


def test_cli_frequentist_json(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from reanalyse.cli import main

    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    assert main(["nma", str(path), "--measure", "MD", "--reference", "plac", "--frequentist",
                 "--direction", "lower", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # netmeta's TE.random / seTE.random of rosi versus plac
    rosi, plac = NETMETA_SENN_TREATMENTS.index("rosi"), NETMETA_SENN_TREATMENTS.index("plac")
    assert out["d"]["rosi"]["te"] == pytest.approx(NETMETA_SENN_TE_RANDOM[rosi][plac], abs=1e-8)
    assert out["d"]["rosi"]["se"] == pytest.approx(NETMETA_SENN_SE_RANDOM[rosi][plac], abs=1e-8)
    assert out["p_score"]["rosi"] == pytest.approx(NETMETA_SENN_PSCORE["rosi"][1], abs=1e-8)
    assert len(out["league"]) == 90 and out["direction"] == "lower"
    assert out["tau"]["tau2"] == pytest.approx(NETMETA_SENN_SCALARS["tau2"], abs=1e-10)
    assert max(out["p_score"], key=out["p_score"].get) == "rosi"
    assert "can be checked" in out["consistency_check"]


def test_cli_reports_bad_input(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from reanalyse.cli import main

    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    assert main(["nma", str(path), "--measure", "MD", "--reference", "nope", "--engine",
                 "frequentist"]) == 2
    assert "unknown reference" in capsys.readouterr().err


def test_multi_arm_zero_cell_corrects_every_pair_of_the_study() -> None:
    """R netmeta's pairwise(): a zero cell in any arm adds 0.5 to every cell of every pair of that
    study, so the three log ORs stay additive. Hand-worked: arms A 0/20, B 4/20, C 8/20 become
    A 0.5/20.5 (failures 20.5), B 4.5 (16.5), C 8.5 (12.5); log OR B vs A = log(4.5*20.5 /
    (16.5*0.5)) = 2.4159, C vs B = log(8.5*16.5 / (12.5*4.5)) = 0.9118, C vs A = 3.3277, and the
    B-C variance is 1/4.5 + 1/16.5 + 1/8.5 + 1/12.5 = 0.48052."""
    arms = pd.DataFrame({"study": ["S1"] * 3 + ["S2"] * 2, "treatment": ["A", "B", "C", "A", "B"],
                         "events": [0, 4, 8, 3, 6], "total": [20, 20, 20, 30, 30],
                         "outcome": "y"})
    net = build_network(load_table(arms), measure="OR", reference="A")
    comp = frequentist_nma(net).comparisons
    s1 = comp[comp["study"] == "S1"].set_index(["treatment", "comparator"])
    assert s1.loc[("B", "A"), "te"] == pytest.approx(math.log(4.5 * 20.5 / (16.5 * 0.5)), abs=1e-12)
    assert s1.loc[("C", "B"), "te"] == pytest.approx(math.log(8.5 * 16.5 / (12.5 * 4.5)), abs=1e-12)
    assert s1.loc[("C", "A"), "te"] == pytest.approx(
        s1.loc[("B", "A"), "te"] + s1.loc[("C", "B"), "te"], abs=1e-12)
    assert s1.loc[("C", "B"), "se"] ** 2 == pytest.approx(1 / 4.5 + 1 / 16.5 + 1 / 8.5 + 1 / 12.5,
                                                         abs=1e-12)
    s2 = comp[comp["study"] == "S2"].iloc[0]  # no zero cell: no correction
    assert s2["te"] == pytest.approx(math.log(6 * 27 / (24 * 3)), abs=1e-12)


def test_front_door_network_meta_analysis_equals_netmeta_output() -> None:
    """``ra.network_meta_analysis`` (what ``reanalyse nma`` calls) on the smoking data: netmeta's
    tau^2, Q and random-effects league; the Bayesian engine names the priors it lacks."""
    import reanalyse as ra

    res = ra.network_meta_analysis(smoking_frame(), measure="OR", reference="No intervention",
                                   higher_is_better=True, engine="frequentist")
    ref = NETMETA_SMOKING_SCALARS
    assert res.tau2 == pytest.approx(ref["tau2"], abs=1e-12)
    assert res.q == pytest.approx(ref["Q"], abs=1e-10)
    names = tuple(NETMETA_SMOKING_LABELS.values())
    _assert_matrix(res.te_random.loc[list(names), list(names)], NETMETA_SMOKING_TE_RANDOM,
                   names, "TE.random")
    with pytest.raises(ValueError, match="needs tau_prior, effect_prior, random_seed"):
        ra.network_meta_analysis(smoking_frame(), measure="OR", reference="No intervention",
                                 higher_is_better=True)
