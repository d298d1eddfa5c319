"""Network structure, graph questions, multi-arm covariance and design matrices (no sampling)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reanalyse.data import load_table
from reanalyse.errors import DataValidationError
from reanalyse.nma import (
    NMASpec,
    arm_variances,
    basic_contrast_covariance,
    basic_contrasts,
    build_network,
    design_matrix,
    edges,
    graph,
    model_inputs,
    random_effects_correlation,
    rucker_weights,
)
from reanalyse.nma.spec import load_nma_analyses
from reanalyse.priors import load_prior
from tests.conftest import IIM
from tests.nma_reference_data import senn2013_frame, smoking_frame

# A three-arm trial with continuous arms, worked by hand below.
#   arm  n   sd  -> variance of the arm mean v = sd^2 / n
#   A    20  4      16 / 20 = 0.8
#   B    25  5      25 / 25 = 1.0
#   C    10  2       4 / 10 = 0.4
THREE_ARM = pd.DataFrame({
    "study": ["T"] * 3, "treatment": ["A", "B", "C"], "n": [20, 25, 10],
    "mean": [1.0, 2.5, 0.5], "sd": [4.0, 5.0, 2.0]})
TWO_ARM = pd.DataFrame({
    "study": ["U", "U"], "treatment": ["A", "B"], "n": [30, 30], "mean": [1.0, 2.0],
    "sd": [3.0, 3.0]})


def _vague(scale: str = "MD"):  # type: ignore[no-untyped-def]
    return load_prior("normal:0,100", role="effect", scale=scale)


def three_arm_network():  # type: ignore[no-untyped-def]
    return build_network(load_table(pd.concat([THREE_ARM, TWO_ARM])), measure="MD",
                         reference="A")


def test_three_arm_covariance_by_hand() -> None:
    net = three_arm_network()
    study = net.studies[0]
    y, v = basic_contrasts(study, "MD")
    # contrasts against the baseline arm A: B - A = 2.5 - 1.0 = 1.5; C - A = 0.5 - 1.0 = -0.5
    np.testing.assert_allclose(y, [1.5, -0.5], atol=1e-12)
    # var(B - A) = 0.8 + 1.0 = 1.8; var(C - A) = 0.8 + 0.4 = 1.2; cov = v_A = 0.8
    np.testing.assert_allclose(v, [[1.8, 0.8], [0.8, 1.2]], atol=1e-12)
    # arm variances back from the pairwise variances V_AB = 1.8, V_AC = 1.2, V_BC = 1.4:
    # T = 4.4, v_A = (1.8 + 1.2) - 4.4 / 2 = 0.8, v_B = (1.8 + 1.4) - 2.2 = 1.0,
    # v_C = (1.2 + 1.4) - 2.2 = 0.4
    pv = np.array([[0.0, 1.8, 1.2], [1.8, 0.0, 1.4], [1.2, 1.4, 0.0]])
    np.testing.assert_allclose(arm_variances(pv), [0.8, 1.0, 0.4], atol=1e-12)
    np.testing.assert_allclose(basic_contrast_covariance(np.array([0.8, 1.0, 0.4])),
                               [[1.8, 0.8], [0.8, 1.2]], atol=1e-12)
    # random effects add tau^2 on the diagonal and tau^2 / 2 off it (TSD2)
    np.testing.assert_allclose(random_effects_correlation(2), [[1.0, 0.5], [0.5, 1.0]])


def test_three_arm_rucker_weights_by_hand() -> None:
    # netmeta's reweighting of a multi-arm study is the star-delta (Y-Delta) transform of the
    # electrical network with arm conductances g = 1/v (Rücker 2012): w_jk = g_j g_k / sum(g).
    # g_A = 1.25, g_B = 1.0, g_C = 2.5, sum = 4.75:
    # w_AB = 1.25 * 1.0 / 4.75 = 0.2631579, w_AC = 1.25 * 2.5 / 4.75 = 0.6578947,
    # w_BC = 1.0 * 2.5 / 4.75 = 0.5263158
    pv = np.array([[0.0, 1.8, 1.2], [1.8, 0.0, 1.4], [1.2, 1.4, 0.0]])
    w = rucker_weights(pv)
    assert w[0, 1] == pytest.approx(1.25 / 4.75, abs=1e-12)
    assert w[0, 2] == pytest.approx(3.125 / 4.75, abs=1e-12)
    assert w[1, 2] == pytest.approx(2.5 / 4.75, abs=1e-12)
    # two arms: the weight is 1/variance
    assert rucker_weights(np.array([[0.0, 2.0], [2.0, 0.0]]))[0, 1] == pytest.approx(0.5)


def test_conditional_factorisation_equals_multivariate_normal() -> None:
    # y2 | y1 ~ N(theta2 + (0.8 / 1.8)(y1 - theta1), 1.2 - 0.8^2 / 1.8 = 0.8444444)
    # the same trial given as its three pairwise contrasts (B-A, C-A, C-B with their SEs)
    rows = pd.DataFrame({"study": ["T"] * 3, "treatment": ["B", "C", "C"],
                         "comparator": ["A", "A", "B"], "estimate": [1.5, -0.5, -2.0],
                         "se": [math.sqrt(1.8), math.sqrt(1.2), math.sqrt(1.4)]})
    net = build_network(load_table(rows), measure="MD", reference="A")
    spec = NMASpec(effect_prior=_vague(), trt_effects="fixed")
    inp = model_inputs(net, spec)
    r, sigma, y = inp.data["R"], inp.data["sigma"], inp.data["y"]
    assert r[1, 0] == pytest.approx(-0.8 / 1.8, abs=1e-12)
    np.testing.assert_allclose(sigma, [math.sqrt(1.8), math.sqrt(1.2 - 0.8**2 / 1.8)],
                               atol=1e-12)
    theta = np.array([1.1, -0.2])
    cond = theta - r @ (y - theta)
    total = stats.norm.logpdf(y, cond, sigma).sum()
    mvn = stats.multivariate_normal.logpdf(y, theta, [[1.8, 0.8], [0.8, 1.2]])
    assert total == pytest.approx(mvn, abs=1e-12)


def test_design_matrix_and_contrasts() -> None:
    net = three_arm_network()
    spec = NMASpec(effect_prior=_vague(), tau_prior=load_prior("half-normal:1", role="tau",
                                                                scale="MD"))
    inp = model_inputs(net, spec)
    # MD arm-level data: all three studies' arms go to the normal likelihood
    assert inp.likelihood == "normal"
    assert inp.contrasts == [("T", "B", "A"), ("T", "C", "A"), ("U", "B", "A")]
    np.testing.assert_array_equal(inp.data["X"], [[1, 0], [0, 1], [1, 0]])
    assert design_matrix([("C", "B")], ("A", "B", "C")).tolist() == [[-1.0, 1.0]]
    # the random-effects factor A is the block Cholesky factor of [[1, .5], [.5, 1]] and [1]
    a = inp.data["A"]
    np.testing.assert_allclose(a[:2, :2] @ a[:2, :2].T, [[1.0, 0.5], [0.5, 1.0]], atol=1e-12)
    assert a[2, 2] == 1.0 and a[2, 0] == 0.0
    np.testing.assert_allclose(inp.data["se_arm"][:3], [math.sqrt(0.8), 1.0, math.sqrt(0.4)])


def test_smd_from_arms_goes_through_contrasts_with_covariance() -> None:
    net = build_network(load_table(THREE_ARM), measure="SMD", reference="A")
    spec = NMASpec(effect_prior=_vague("SMD"), trt_effects="fixed")
    inp = model_inputs(net, spec)
    assert inp.likelihood is None and inp.n_contrast_obs == 2
    _y, v = basic_contrasts(net.studies[0], "SMD")
    # the covariance is the baseline arm's share of the pairwise SMD variances:
    # cov = (V_AB + V_AC - V_BC) / 2
    from reanalyse.effects import standardised_mean_difference as smd
    d = THREE_ARM.set_index("treatment")

    def var(a: str, b: str) -> float:
        e = smd(mean_1=d.loc[b, "mean"], sd_1=d.loc[b, "sd"], n_1=d.loc[b, "n"],
                mean_2=d.loc[a, "mean"], sd_2=d.loc[a, "sd"], n_2=d.loc[a, "n"])
        return float(e.se) ** 2

    cov = (var("A", "B") + var("A", "C") - var("B", "C")) / 2
    assert v[0, 1] == pytest.approx(cov, abs=1e-12)
    assert v[0, 0] == pytest.approx(var("A", "B"), abs=1e-12)


def test_build_network_orders_reference_first_and_baselines() -> None:
    net = build_network(load_table(smoking_frame()), measure="OR",
                        reference="No intervention")
    assert net.reference == "No intervention"
    assert len(net.studies) == 24 and len(net.treatments) == 4
    # a study without the reference takes the earliest network treatment as its baseline
    s2 = net.studies[1]
    assert s2.baseline == net.treatments[min(net.index(t) for t in s2.treatments)]
    assert net.with_reference("Self-help").studies[1].baseline == "Self-help"


def test_build_network_errors_are_collected() -> None:
    t = load_table(smoking_frame())
    with pytest.raises(DataValidationError, match="unknown reference"):
        build_network(t, measure="OR", reference="Placebo")
    with pytest.raises(DataValidationError, match="needs continuous arms"):
        build_network(t, measure="MD", reference="No intervention")
    # a three-arm study given as contrasts must give all three pairs (as netmeta)
    senn = senn2013_frame()
    bad = senn[~((senn["study"] == "Willms1999") & (senn["treatment"] == "metf")
                 & (senn["comparator"] == "acar"))]
    with pytest.raises(DataValidationError, match="pairwise contrasts"):
        build_network(load_table(bad), measure="MD", reference="plac")


def test_graph_smoking_has_loops_and_iim_withdrawals_does_not() -> None:
    g = graph(build_network(load_table(smoking_frame()), measure="OR",
                            reference="No intervention"))
    assert g.connected and g.has_loop and not g.is_star
    assert ("No intervention", "Self-help") in g.splittable
    assert "can be checked" in g.consistency_statement()
    assert g.multi_arm_studies == ("Study 1", "Study 2")


def test_graph_star_and_disconnected() -> None:
    star = pd.DataFrame({"study": ["a", "a", "b", "b"], "treatment": ["P", "X", "P", "Y"],
                         "events": [1, 2, 3, 4], "total": [10, 10, 10, 10]})
    g = graph(build_network(load_table(star), measure="OR", reference="P"))
    assert g.is_star and not g.has_loop
    assert "star" in g.consistency_statement()
    apart = pd.concat([star, pd.DataFrame({"study": ["c", "c"], "treatment": ["Q", "Z"],
                                           "events": [1, 2], "total": [9, 9]})])
    g2 = graph(build_network(load_table(apart), measure="OR", reference="P"))
    assert not g2.connected and len(g2.components) == 2
    assert "not connected" in g2.consistency_statement()
    e = edges(build_network(load_table(star), measure="OR", reference="P"))
    assert e["n_studies"].tolist() == [1, 1] and e["participants"].tolist() == [20.0, 20.0]


def test_iim_specs_load_and_networks_connect_two_agents() -> None:
    specs = load_nma_analyses(root=IIM)
    assert specs, "analyses/nma holds at least one specification"
    for a in specs:
        for scenario in ("sourced", "reconstruction"):
            net = a.network(scenario=scenario)
            g = graph(net)
            assert g.connected
            present = [t for t in a.agents if t in net.treatments]
            assert len(present) >= 2, (a.id, scenario, present)
            # every loop of the IIM networks lies inside the Ibrahim 2015 factorial trial
            assert not g.has_loop
            assert "single multi-arm trial" in g.consistency_statement()


def test_rename_merging_two_arms_of_one_study_is_an_error() -> None:
    df = pd.DataFrame({"study": ["a"] * 3, "treatment": ["P", "S", "X"],
                       "events": [1, 2, 3], "total": [10, 10, 10]})
    with pytest.raises(DataValidationError, match="same treatment after renaming"):
        build_network(load_table(df), measure="OR", reference="P", rename={"S": "P"})
    net = build_network(load_table(df), measure="OR", reference="P", treatments=["P", "X"])
    assert net.treatments == ("P", "X") and net.studies[0].n_arms == 2


@pytest.mark.parametrize("measure,consistency,effects", [
    ("OR", "consistency", "random"), ("RR", "consistency", "random"),
    ("OR", "ume", "random"), ("OR", "nodesplit", "random"), ("OR", "consistency", "fixed"),
])
def test_build_model_variables_and_dims(measure: str, consistency: str, effects: str) -> None:
    """The PyMC graph of every likelihood and consistency option builds, with the house names
    (no compilation here)."""
    from reanalyse.nma import build_model

    net = build_network(load_table(smoking_frame()), measure=measure,
                        reference="No intervention")
    scale = f"log{measure}"
    spec = NMASpec(effect_prior=load_prior("normal:0,10", role="effect", scale=scale),
                   tau_prior=(load_prior("half-normal:1", role="tau", scale=scale)
                              if effects == "random" else None),
                   trt_effects=effects, consistency=consistency,
                   nodesplit=("No intervention", "Self-help")
                   if consistency == "nodesplit" else None)
    inp = model_inputs(net, spec)
    m = build_model(inp, spec)
    assert {"d", "tau", "mu", "delta"} <= set(m.named_vars)
    assert m.named_vars_to_dims["d"] == (inp.param_dim,)
    assert m.named_vars_to_dims["mu"] == ("study",)
    assert m.named_vars_to_dims["delta"] == ("contrast",)
    if consistency == "nodesplit":
        assert {"d_direct", "d_indirect", "omega"} <= set(m.named_vars)
        assert inp.data["split_vector"].tolist() == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("frame,measure,reference", [
    ("parkinsons", "MD", "1"), ("senn", "MD", "plac"), ("three-arm-smd", "SMD", "A")])
def test_build_model_continuous(frame: str, measure: str, reference: str) -> None:
    from reanalyse.nma import build_model
    from tests.nma_reference_data import parkinsons_arm_frame

    df = {"parkinsons": parkinsons_arm_frame, "senn": senn2013_frame,
          "three-arm-smd": lambda: THREE_ARM}[frame]()
    net = build_network(load_table(df), measure=measure, reference=reference)
    spec = NMASpec(effect_prior=_vague(measure),
                   tau_prior=load_prior("half-normal:1", role="tau", scale=measure))
    inp = model_inputs(net, spec)
    m = build_model(inp, spec)
    assert ("y_arm_obs" in m.named_vars) == (frame == "parkinsons")
    assert ("y_obs" in m.named_vars) == (frame != "parkinsons")
