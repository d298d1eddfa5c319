"""Time the exact engine: one analysis = fit + every summary, for k = 1, 2, 3, 10 and 30 studies.

"All summaries" means what a re-analysis reports: ``summary()`` (mean, sd, 2.5/50/97.5% quantiles
of mu, tau, theta_new and every theta_i) plus four tail probabilities (P(mu > 0), P(mu < -0.2),
P(theta_new > 0), P(theta_new < -0.2)). Target: <= 10 ms per analysis on 2 cores.

Prints, per k and prior, the median and the best wall-clock time per analysis over repeated runs,
and the CPU time (less affected by other processes sharing the machine). Run with
``.venv/bin/python benchmarks/bench_exact.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy import stats

from reanalyse.exact import fit_exact


class HalfNormal:
    """Half-normal prior on tau (scipy-based), following reanalyse.exact.TauDensity."""

    support = (0.0, float("inf"))

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfnorm.logpdf(tau, scale=self.scale)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfnorm.ppf(q, scale=self.scale)


class HalfCauchy(HalfNormal):
    """Half-Cauchy prior on tau."""

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return stats.halfcauchy.logpdf(tau, scale=self.scale)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return stats.halfcauchy.ppf(q, scale=self.scale)


Prior = HalfNormal | Literal["uniform"]


def one_analysis(y: np.ndarray, se: np.ndarray, prior: Prior, mu_sd: float | None) -> None:
    post = fit_exact(y=y, se=se, tau_prior=prior, mu_prior_mean=0.0, mu_prior_sd=mu_sd)
    post.summary()
    post.p_greater("mu", 0.0)
    post.p_less("mu", -0.2)
    post.p_greater("theta_new", 0.0)
    post.p_less("theta_new", -0.2)


def time_it(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls) * 1e3, min(walls) * 1e3, statistics.median(cpus) * 1e3


def main() -> None:
    rng = np.random.default_rng(20261124)
    priors = {
        "half-normal(0.5), mu ~ N(0, 4^2)": (HalfNormal(0.5), 4.0),
        "half-Cauchy(0.5), flat mu": (HalfCauchy(0.5), None),
        "improper uniform, flat mu": ("uniform", None),
    }
    print(f"{'k':>3}  {'prior':<34} {'median ms':>10} {'best ms':>8} {'cpu ms':>7} {'nodes':>6}")
    for k in (1, 2, 3, 10, 30):
        se = rng.uniform(0.1, 0.6, size=k)
        y = rng.normal(-0.3, np.sqrt(se**2 + 0.2**2))
        for name, (prior, mu_sd) in priors.items():
            if prior == "uniform" and k < 3:
                print(f"{k:>3}  {name:<34} {'(improper posterior: k < 3)':>34}")
                continue
            one_analysis(y, se, prior, mu_sd)  # warm-up (imports, caches)
            med, best, cpu = time_it(lambda y=y, se=se, prior=prior, mu_sd=mu_sd: one_analysis(y, se, prior, mu_sd),
                                     repeats=30)
            nodes = fit_exact(y=y, se=se, tau_prior=prior, mu_prior_sd=mu_sd).tau_nodes.size
            print(f"{k:>3}  {name:<34} {med:>10.2f} {best:>8.2f} {cpu:>7.2f} {nodes:>6}")
    med, best, cpu = time_it(lambda: fit_exact(y=y, se=se, tau_fixed=0.0).summary(), repeats=30)
    name = "tau fixed at 0 (fixed effect)"
    print(f" 30  {name:<34} {med:>10.2f} {best:>8.2f} {cpu:>7.2f} {1:>6}")


if __name__ == "__main__":
    main()
