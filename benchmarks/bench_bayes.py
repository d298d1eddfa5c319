"""Time Bayesian fits of the IIM analyses: the exact engine, MCMC (first compile, then each
further fit), and a grid of 10 priors x the published analyses by each engine.

The analyses are the review's 14 published results (``examples/iim2023/analyses/*.toml`` with ``published``),
with the sourced data where they give an estimable study and the reconstruction scenario
otherwise; one of them (mtx_serious_adverse_events) has no usable data in either, so 13 enter.
Each analysis gets 10 tau priors for its scale (registry priors built for it, completed with
inline ones; MD analyses only inline ones, in points) and the flat effect prior.

What is timed:

- exact: ``fit_exact`` + summary (mean, sd, quantiles of mu, tau, theta_new, each theta_i) +
  four tail probabilities, per analysis;
- MCMC: ``NormalNormal.fit`` (sampling with nutpie through ``sample_checked``, retries if any,
  theta / theta_new draws, log_likelihood, log_prior, prior draws, provenance) + ``summary()`` +
  the same probabilities. The first fit of the process includes compiling the model; every
  further fit reuses it (data and priors are ``pm.Data``).

Targets (issue 4, 2 cores): exact <= 10 ms per analysis; MCMC <= 1 s per fit after the first
compile; the MCMC grid <= 2 minutes. Wall time depends on what else runs on the machine; CPU time
of this process is printed next to it.

Run: ``.venv/bin/python benchmarks/bench_bayes.py [--binomial]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reanalyse.analyses import load_analyses
from reanalyse.bayesian import analysis_data
from reanalyse.exact import fit_exact
from reanalyse.models import BinomialLog, BinomialLogit, ContrastData, NormalNormal
from reanalyse.priors import load_prior
from reanalyse.sampling import MODEL_CACHE

#: Ten tau priors per analysis scale.
TAU_GRID: dict[str, list[str]] = {
    "logRR": ["half-normal-0.5", "half-normal-1.0", "half-cauchy-0.5", "half-cauchy-1.0",
              "uniform-0-2", "uniform-0-5", "bartos-logrr-all-tau",
              "bartos-logrr-neuromuscular-tau", "bartos-logrr-musculoskeletal-tau",
              "lognormal-tau2:-2.56,1.74"],
    "logOR": ["half-normal-0.5", "half-normal-1.0", "half-cauchy-0.5", "half-cauchy-1.0",
              "uniform-0-2", "uniform-0-5", "turner2015-marginal",
              "turner2015-pharm-placebo-qol-functioning", "bartos-logor-neuromuscular-tau",
              "turner2012-pharm-control-semi-objective"],
    "SMD": ["half-normal-0.25", "half-normal-0.5", "uniform-0-2", "uniform-0-5",
            "rhodes2015-marginal", "rhodes2015-pharm-placebo-physical-ae-pain-qol",
            "rhodes2015-pharm-placebo-subjective", "bartos-smd-all-tau",
            "bartos-smd-musculoskeletal-tau", "half-cauchy:0.5"],
    "MD": ["half-normal:1", "half-normal:2", "half-normal:5", "half-normal:10", "half-cauchy:1",
           "half-cauchy:5", "uniform:0,10", "uniform:0,20", "lognormal-tau:1,1",
           "inverse-gamma:2,5"],
}

#: the example project whose analyses are timed
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "iim2023"


def analyses() -> list[tuple[str, ContrastData]]:
    """The published analyses with data: (id, data)."""
    out = []
    for spec in load_analyses(root=EXAMPLE):
        if not spec.published:
            continue
        data = analysis_data(spec, scenario="sourced", root=EXAMPLE)
        if data is None:
            data = analysis_data(spec, scenario="reconstruction", root=EXAMPLE)
        if data is not None:
            out.append((spec.id, data))
        else:
            print(f"  (no usable data for {spec.id} in either scenario; left out)")
    return out


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def exact_one(data: ContrastData, tau: Any) -> None:
    post = fit_exact(y=data.y, se=data.se, tau_prior=tau, labels=data.study)
    post.summary()
    post.p_greater("mu", 0.0)
    post.p_less("mu", -0.2)
    post.p_greater("theta_new", 0.0)
    post.p_less("theta_new", -0.2)


def mcmc_one(data: ContrastData, tau: Any, effect: Any, seed: int) -> str:
    fit = NormalNormal(tau_prior=tau, effect_prior=effect).fit(data, random_seed=seed)
    fit.summary()
    fit.p_greater([0.0, -0.2])
    fit.p_less([0.0, -0.2], var="theta_new")
    return fit.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binomial", action="store_true",
                        help="also time the binomial models (compiled per number of studies)")
    args = parser.parse_args()
    print("Loading the published IIM analyses ...")
    items = analyses()
    print(f"{len(items)} analyses with data; k = {sorted({d.k for _, d in items})}\n")

    def priors(data: ContrastData) -> tuple[list[Any], Any]:
        taus = [load_prior(t, role="tau", scale=data.scale) for t in TAU_GRID[data.scale]]
        return taus, load_prior("flat", role="effect", scale=data.scale)

    # ------------------------------------------------------------- exact engine per analysis
    print("Exact engine, per analysis (fit + summary + 4 probabilities; first tau prior):")
    ex_times = []
    for name, data in items:
        tau = priors(data)[0][0]
        exact_one(data, tau)  # warm-up
        runs = [timed(lambda d=data, t=tau: exact_one(d, t))[1] for _ in range(5)]
        ex_times.append(min(runs))
        print(f"  {name:38s} k={data.k}  {1e3 * statistics.median(runs):7.2f} ms (best "
              f"{1e3 * min(runs):.2f})")
    print(f"  median over analyses: {1e3 * statistics.median(ex_times):.2f} ms\n")

    # ------------------------------------------------------------- MCMC per analysis
    print("MCMC (nutpie), per analysis (fit + summary + probabilities; first tau prior):")
    first_name, first_data = items[0]
    taus, flat = priors(first_data)
    status, wall, cpu = timed(lambda: mcmc_one(first_data, taus[0], flat, 1))
    print(f"  first fit incl. compile ({first_name}): {wall:6.1f} s wall, {cpu:6.1f} s CPU "
          f"[{status}]")
    fits = []
    for i, (name, data) in enumerate(items):
        taus, flat = priors(data)
        status, wall, cpu = timed(lambda d=data, t=taus[0], f=flat, s=i: mcmc_one(d, t, f, s))
        fits.append(wall)
        print(f"  {name:38s} k={data.k}  {wall:6.3f} s wall, {cpu:6.3f} s CPU  [{status}]")
    print(f"  further fits: median {statistics.median(fits):.3f} s, max {max(fits):.3f} s; "
          f"compiled models in cache: {MODEL_CACHE.keys()}\n")

    # ------------------------------------------------------------- grids
    n = sum(len(TAU_GRID[d.scale]) for _, d in items)
    print(f"Grid: 10 priors x {len(items)} analyses = {n} fits")
    _, wall, cpu = timed(lambda: [exact_one(d, t) for _, d in items for t in priors(d)[0]])
    print(f"  exact: {wall:6.2f} s wall ({1e3 * wall / n:.2f} ms per fit), {cpu:.2f} s CPU")
    statuses: list[str] = []

    def grid() -> None:
        for i, (_, d) in enumerate(items):
            taus, flat = priors(d)
            for j, t in enumerate(taus):
                statuses.append(mcmc_one(d, t, flat, 1000 * i + j))

    _, wall, cpu = timed(grid)
    flagged = sum(s != "ok" for s in statuses)
    print(f"  MCMC:  {wall:6.1f} s wall ({wall / n:.3f} s per fit), {cpu:.1f} s CPU; "
          f"{flagged} of {n} flagged")
    print(f"  MCMC, scaled to 140 fits: {140 * wall / n:.1f} s\n")

    if args.binomial:
        print("Binomial models (exact likelihood; compiled once per kind and number of studies):")
        for name, data0 in items:
            spec = next(s for s in load_analyses(root=EXAMPLE) if s.id == name)
            if spec.measure not in ("OR", "RR"):
                continue
            arm = analysis_data(spec, scenario="sourced", model="binomial", root=EXAMPLE) \
                or analysis_data(spec, scenario="reconstruction", model="binomial", root=EXAMPLE)
            if arm is None:
                continue
            cls = BinomialLog if spec.measure == "RR" else BinomialLogit
            scale = data0.scale
            model = cls(tau_prior=load_prior("half-normal-0.5", role="tau", scale=scale),
                        effect_prior=load_prior("normal:0,10", role="effect", scale=scale))
            key = model.structure_key(arm)
            compiled = key in MODEL_CACHE
            fit, wall, cpu = timed(lambda m=model, a=arm: m.fit(a, random_seed=1))
            note = "" if compiled else " (incl. compile)"
            print(f"  {name:38s} {cls.kind} k={arm.k}  {wall:6.2f} s wall{note}  "
                  f"[{fit.status}]")


if __name__ == "__main__":
    main()
