"""Speed of the network meta-analysis: compile once per structure, then fit each network.

Run: ``.venv/bin/python benchmarks/bench_nma.py [--chains 4 --draws 1000 --tune 1000]``
(prints figures; asserts nothing). For each IIM network of ``examples/iim2023/analyses/nma`` (both data scenarios)
it prints the compile time of its structure (0 when reused), the fit time after compilation (median
of ``--repeat`` fits with different seeds), and the diagnostics; then the frequentist NMA time.
Target (issue 5): each IIM network fitted in <= 2 s after compilation on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from reanalyse.nma import fit_nma, frequentist_nma, graph
from reanalyse.nma.spec import load_nma_analyses
from reanalyse.sampling import MODEL_CACHE, SamplerSettings

#: the example project whose networks are timed (``--project`` names another)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "iim2023"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--target-accept", type=float, default=0.9)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--project", type=Path, default=EXAMPLE,
                    help="the project whose analyses/nma are timed (default: the IIM example)")
    args = ap.parse_args()
    settings = SamplerSettings(draws=args.draws, tune=args.tune, chains=args.chains,
                               target_accept=args.target_accept,
                               retry_target_accepts=(0.95, 0.99))
    print(f"cores available: {os.cpu_count()}; settings: {args.chains} chains x {args.draws} "
          f"draws after {args.tune} tuning steps, target_accept {args.target_accept}")
    for a in load_nma_analyses(root=args.project):
        for scenario in ("sourced", "reconstruction"):
            net = a.network(scenario=scenario)
            spec = a.nma_spec()
            print(f"\n{a.id} [{scenario}]: {net.describe()}")
            print(f"  {graph(net).consistency_statement()}")
            before = len(MODEL_CACHE)
            t0 = time.perf_counter()
            first = fit_nma(net, spec=spec, higher_is_better=a.higher_is_better, random_seed=1,
                            settings=settings)
            total = time.perf_counter() - t0
            compiled = len(MODEL_CACHE) > before
            print(f"  compile: {first.compile_seconds:.1f} s"
                  f"{'' if compiled else ' (structure already compiled: reused)'}; first fit "
                  f"total {total:.1f} s")
            fits = []
            for seed in range(2, 2 + args.repeat):
                t0 = time.perf_counter()
                fit = fit_nma(net, spec=spec, higher_is_better=a.higher_is_better,
                              random_seed=seed, settings=settings)
                fits.append(time.perf_counter() - t0)
            d = fit.diagnostics
            print(f"  fit after compilation: median {statistics.median(fits):.2f} s "
                  f"(min {min(fits):.2f}, max {max(fits):.2f}; sampling "
                  f"{fit.sample_seconds:.2f} s of the last); status {d.status}, "
                  f"R-hat {d.max_rhat:.3f}, ESS bulk {d.min_ess_bulk:.0f}, "
                  f"divergences {d.divergences}, attempts {len(d.attempts)}")
            t0 = time.perf_counter()
            for _ in range(20):
                frequentist_nma(net)
            print(f"  frequentist NMA: {(time.perf_counter() - t0) / 20 * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
