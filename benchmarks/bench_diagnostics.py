"""Time the per-analysis diagnostics that ``reanalyse run`` adds to every pairwise analysis:
leave-one-out (frequentist, re-pooled with MH; and Bayesian, the exact posterior refitted), the
small-study tests, trim and fill, the case diagnostics, the heterogeneity intervals (Q-profile
and Higgins-Thompson) and the Bayes factors of the exact engine; on synthetic data with k = 3,
10 and 30.

Run: ``.venv/bin/python benchmarks/bench_diagnostics.py`` (prints figures; asserts nothing).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from reanalyse.effects import BinaryArms, EffectTable, effect_table
from reanalyse.exact import bayes_factors
from reanalyse.influence import case_diagnostics, leave_one_out, leave_one_out_exact
from reanalyse.pooling import cochran_q
from reanalyse.pooling.heterogeneity_ci import heterogeneity_interval
from reanalyse.priors.inline import parse_inline_prior
from reanalyse.small_study import small_study_tests
from reanalyse.trim_fill import trim_fill_table

TAU = parse_inline_prior("half-normal:0.5")
EFFECT = parse_inline_prior("normal:0,10")


def _median_ms(fn: Callable[[], object], repeat: int = 7) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _binary_effects(k: int, rng: np.random.Generator) -> EffectTable:
    n1 = rng.integers(30, 400, size=k)
    n2 = rng.integers(30, 400, size=k)
    a = rng.binomial(n1, 0.25) + 1
    c = rng.binomial(n2, 0.3) + 1
    te = np.log(a / n1) - np.log(c / n2)
    se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    arms = BinaryArms(events=np.column_stack([a, c]).astype(float),
                      total=np.column_stack([n1, n2]).astype(float))
    return effect_table(measure="RR", study=[f"s{i}" for i in range(k)], kind=["binary"] * k,
                        te=te, se=se, arms=arms)


def _one_k(k: int, rng: np.random.Generator) -> str:
    eff = _binary_effects(k, rng)
    y, se = np.asarray(eff.te), np.asarray(eff.se)
    loo = _median_ms(lambda: leave_one_out(eff, measure="RR", method="MH", model="fixed"))
    loo_dl = _median_ms(lambda: leave_one_out(eff, measure="RR", method="MH", model="random"))
    loo_x = _median_ms(lambda: leave_one_out_exact(
        y=y, se=se, studies=list(eff.study), tau_prior=TAU, effect_prior=EFFECT,
        benefit_sign=-1, threshold=np.log(0.8)), repeat=3)
    small = _median_ms(lambda: small_study_tests(eff, measure="RR", min_studies=3))
    bf = _median_ms(lambda: bayes_factors(y=y, se=se, tau_prior=TAU, mu_prior_mean=0.0,
                                          mu_prior_sd=10.0), repeat=5)
    tf = _median_ms(lambda: trim_fill_table(eff, measure="RR", model="random",
                                            tau2_method="REML", min_studies=3))
    cases = _median_ms(lambda: case_diagnostics(eff, model="random", tau2_method="REML"))
    q = cochran_q(te=y, se=se).q
    het = _median_ms(lambda: heterogeneity_interval(te=y, se=se, q=q))
    return (f"k={k:>2}: leave-one-out MH fixed {loo:7.1f} ms, MH + DL random {loo_dl:7.1f} ms, "
            f"exact (Bayesian) {loo_x:7.1f} ms; small-study tests {small:5.1f} ms; "
            f"trim and fill L0 + R0 (REML) {tf:6.1f} ms; case diagnostics (REML) "
            f"{cases:6.1f} ms; tau² and I² intervals {het:5.2f} ms; Bayes factors {bf:6.1f} ms")


def main() -> None:
    rng = np.random.default_rng(20261124)
    for k in (3, 10, 30):
        print(_one_k(k, rng))


if __name__ == "__main__":
    main()
