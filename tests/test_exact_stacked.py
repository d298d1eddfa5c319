"""The stacked exact fit (many tau priors and mu priors on one rule) against the exact engine's
own single fits, prior by prior; the grid's cells against cell-by-cell fits; the stacked log
densities against each prior's scipy density."""

from __future__ import annotations

import numpy as np
import pytest

from reanalyse.exact import fit_exact, fit_exact_stacked
from reanalyse.exact.mixture import mixture_quantile, shared_mixture_quantiles
from reanalyse.priors import EffectPrior, TauPrior, TauPriorStack, list_priors, load_prior
from reanalyse.sensitivity import exact_cell, exact_cells

#: Every tau prior of the registry (half-normal, half-Cauchy, uniform, inverse-gamma, log-normal
#: and log-t families, stated on tau and on tau^2).
REGISTRY_TAU = [p for p in list_priors(role="tau") if isinstance(p, TauPrior)]

#: Data sets: one study, three, a homogeneous four (posterior of tau piled near 0), a
#: heterogeneous five, and the 13 BCG trials (log RR, Colditz et al. 1994, as metafor's dat.bcg).
BCG_Y = np.array([-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120,
                  -0.4694, -1.3713, -0.3394, 0.4459, -0.0173])
BCG_SE = np.sqrt([0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564,
                  0.0730, 0.0124, 0.5325, 0.0714])
DATA = {
    "one study": (np.array([0.4]), np.array([0.6])),
    "three": (np.array([-0.5, -0.2, -0.9]), np.array([0.3, 0.4, 0.5])),
    "homogeneous": (np.array([0.1, 0.1, 0.11, 0.09]), np.array([0.2, 0.3, 0.25, 0.4])),
    "heterogeneous": (np.array([-1.5, 0.2, 1.1, -0.4, 2.0]), np.array([0.2, 0.3, 0.25, 0.4, 0.3])),
    "BCG": (BCG_Y, BCG_SE),
}
MU_PRIORS = [
    {"mu_prior_mean": 0.0, "mu_prior_sd": 2.82, "mu_prior_df": None},
    {"mu_prior_mean": -0.2, "mu_prior_sd": 0.3, "mu_prior_df": None},
    {"mu_prior_mean": 0.0, "mu_prior_sd": None, "mu_prior_df": None},  # flat
]
PROBS = [0.025, 0.5, 0.975]


def _close(stacked: np.ndarray, single: np.ndarray, tol: float) -> float:
    return float(np.max(np.abs(stacked - single) / np.maximum(1.0, np.abs(single))))


@pytest.mark.parametrize("name", list(DATA))
def test_every_registry_tau_prior_equals_its_single_fit(name: str) -> None:
    y, se = DATA[name]
    mus = MU_PRIORS if y.size >= 2 else MU_PRIORS[:2]  # a flat mu prior needs two studies
    post = fit_exact_stacked(y=y, se=se, tau_priors=TauPriorStack(REGISTRY_TAU), mu_priors=mus)
    assert post.shape == (len(mus), len(REGISTRY_TAU))
    q = post.quantiles_of(("mu", "theta_new", "tau"), PROBS)
    p_mu = post.p_greater("mu", -0.1)
    p_new = post.p_less("theta_new", 0.0)
    p_tau = post.p_greater("tau", 0.2)
    worst = 0.0
    for e, mu in enumerate(mus):
        for j, prior in enumerate(REGISTRY_TAU):
            single = fit_exact(y=y, se=se, tau_prior=prior, **mu)
            ref = single.quantiles_of(("mu", "theta_new", "tau"), PROBS)
            for par in ("mu", "theta_new", "tau"):
                worst = max(worst, _close(q[par][e, j], ref[par], 1e-9))
            worst = max(worst, abs(p_mu[e, j] - single.p_greater("mu", -0.1)),
                        abs(p_new[e, j] - single.p_less("theta_new", 0.0)),
                        abs(p_tau[e, j] - single.p_greater("tau", 0.2)))
    # both integrate to rtol 1e-10 on different rules: agreement to 1e-9 (relative for
    # quantiles beyond 1 in size, absolute for probabilities)
    assert worst < 1e-9, worst


def test_student_t_mu_prior_equals_its_single_fit() -> None:
    y, se = DATA["three"]
    priors = [load_prior(p, role="tau", scale="logOR")
              for p in ("half-normal-0.5", "half-cauchy-1.0", "turner2015-marginal")]
    mu_t = {"mu_prior_mean": 0.0, "mu_prior_sd": 1.0, "mu_prior_df": 3.0}
    post = fit_exact_stacked(y=y, se=se, tau_priors=priors, **mu_t)  # a plain sequence
    q = post.quantiles_of(("mu", "theta_new", "tau"), PROBS)
    for j, prior in enumerate(priors):
        single = fit_exact(y=y, se=se, tau_prior=prior, **mu_t)
        ref = single.quantiles_of(("mu", "theta_new", "tau"), PROBS)
        for par in ref:
            assert _close(q[par][0, j], ref[par], 1e-9) < 1e-8
        assert post.p_greater("mu", 0.3)[0, j] == pytest.approx(single.p_greater("mu", 0.3),
                                                                 abs=1e-9)


def test_grid_cells_equal_cell_by_cell_fits() -> None:
    y, se = DATA["heterogeneous"]
    taus = [load_prior(p, role="tau", scale="logRR")
            for p in ("half-normal-0.5", "uniform-0-2", "bartos-logrr-neuromuscular-tau")]
    effects = [load_prior("gunhan2020-wip-logrr", role="effect", scale="logRR"),
               load_prior("vague-normal-10", role="effect", scale="logRR"),
               load_prior("skeptical", role="effect", scale="logRR").resolve(threshold=-0.2231),
               EffectPrior.student_t(0.0, 1.0, 4.0)]
    cells = exact_cells(y=y, se=se, tau_priors=[*taus, None], effect_priors=effects,
                        benefit_sign=-1, threshold=-0.2231)
    assert set(cells) == {(i, j) for i in range(4) for j in range(4)}
    for (i, j), cell in cells.items():
        ref = exact_cell(y=y, se=se, tau_prior=([*taus, None])[i], effect_prior=effects[j],
                         benefit_sign=-1, threshold=-0.2231)
        assert list(cell) == list(ref)
        for name, value in ref.items():
            assert cell[name] == pytest.approx(value, rel=1e-8, abs=1e-9), (i, j, name)


def test_improper_posterior_and_bad_arguments_are_refused() -> None:
    class Improper:  # p(tau) ~ 1/tau^0.5 with one study and a normal mu prior: tail tau^-1.5
        support = (0.0, float("inf"))

        def logpdf(self, tau: np.ndarray) -> np.ndarray:
            return np.zeros_like(np.asarray(tau, dtype=float))

        def ppf(self, q: np.ndarray) -> np.ndarray:
            return np.asarray(q, dtype=float) * 10

    y, se = np.array([0.3]), np.array([0.5])
    good = load_prior("half-normal-0.5", role="tau", scale="logOR")
    with pytest.raises(ValueError, match="tau prior 2 .*improper"):
        fit_exact_stacked(y=y, se=se, tau_priors=[good, Improper()], mu_prior_sd=1.0)
    with pytest.raises(ValueError, match="mu_priors or the mu_prior_"):
        fit_exact_stacked(y=y, se=se, tau_priors=[good], mu_prior_sd=1.0,
                          mu_priors=[MU_PRIORS[0]])
    with pytest.raises(ValueError, match="every se must be finite"):
        fit_exact_stacked(y=y, se=np.array([0.0]), tau_priors=[good], mu_prior_sd=1.0)


def test_the_stack_evaluates_each_priors_own_density() -> None:
    stack = TauPriorStack(REGISTRY_TAU)
    tau = np.geomspace(1e-4, 1e3, 200)
    got = stack.logpdf(tau)
    per_prior = np.stack([np.broadcast_to(tau, tau.shape) for _ in REGISTRY_TAU]) * 1.5
    got_rows = stack.logpdf(per_prior)
    for j, prior in enumerate(REGISTRY_TAU):
        ref = prior.logpdf(tau)
        inside = np.isfinite(ref)
        assert inside.any()
        np.testing.assert_allclose(got[j, inside], ref[inside], rtol=1e-10, atol=1e-10)
        ref_rows = prior.logpdf(per_prior[j])
        ok = np.isfinite(ref_rows)
        np.testing.assert_allclose(got_rows[j, ok], ref_rows[ok], rtol=1e-10, atol=1e-10)
    with pytest.raises(TypeError, match="TauPrior objects"):
        TauPriorStack([REGISTRY_TAU[0], "half-normal-0.5"])  # type: ignore[list-item]


def test_shared_mixture_quantiles_equal_one_mixture_at_a_time() -> None:
    # components as a posterior's: means drifting with tau, sds growing to 1e6 at tiny weight
    # (a heavy right tail of tau), two groups of three mixtures each
    rng = np.random.default_rng(20261204)
    sds = np.geomspace(0.05, 1e6, 80)
    means = np.stack([0.3 - 0.1 * np.log1p(sds), -0.2 + 0.05 * np.log1p(sds)])
    sds2 = np.stack([sds, sds * 1.5])
    raw = rng.gamma(0.5, size=(2, 3, 80)) * np.exp(-0.3 * np.arange(80))[None, None, :]
    w = raw / raw.sum(axis=2, keepdims=True)
    p = np.array([1e-6, 0.025, 0.5, 0.975, 1 - 1e-6])
    got = shared_mixture_quantiles(p, w, means, sds2)
    for g in range(2):
        for m in range(3):
            ref = mixture_quantile(p, w[g, m], means[g], sds2[g])
            np.testing.assert_allclose(got[g, m], ref, rtol=1e-11, atol=1e-12)
