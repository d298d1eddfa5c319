"""Time one ``reanalyse bayes`` call on three studies as a whole process: MCMC with an empty
compile cache (cold), MCMC again (warm), and the same call with ``--engine exact``, alternating
exact and warm MCMC so that the machine's load falls on both alike.

Acceptance (issue 18): warm MCMC at most 3 times the exact call's wall time; the first call at
most 15 s. The cache folder is a fresh temporary one (``REANALYSE_CACHE_DIR``), so the user's
cache is neither read nor changed. Wall time depends on what else runs on the machine; the CPU
time of each process (user + system) is printed beside it.

Run: ``.venv/bin/python benchmarks/bench_mcmc_cache.py [--pairs 3] [--backend jax|numba]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CSV = """study,treatment,comparator,outcome,timepoint,n,mean,sd,events,total,estimate,se,\
ci_low,ci_high,ci_level,measure,source,derivation,note
A 2001,drug,,pain,,40,1.2,2.0,,,,,,,,,toy,reported,
A 2001,placebo,,pain,,41,2.1,2.2,,,,,,,,,toy,reported,
B 2005,drug,,pain,,60,0.9,1.8,,,,,,,,,toy,reported,
B 2005,placebo,,pain,,58,1.7,1.9,,,,,,,,,toy,reported,
C 2010,drug,,pain,,25,1.5,2.5,,,,,,,,,toy,reported,
C 2010,placebo,,pain,,27,1.6,2.4,,,,,,,,,toy,reported,
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="exact / warm MCMC pairs")
    parser.add_argument("--backend", choices=("jax", "numba"), default="jax")
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("reanalyse"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "three.csv"
        data.write_text(CSV)
        env = {**os.environ, "REANALYSE_CACHE_DIR": str(Path(tmp) / "cache"),
               "REANALYSE_MCMC_BACKEND": args.backend}
        base = [cli, "bayes", str(data), "--measure", "SMD", "--treatment", "drug",
                "--control", "placebo", "--tau-prior", "half-normal-0.5", "--effect-prior",
                "flat", "--seed", "1"]
        cold = run([*base, "--engine", "mcmc"], env)
        exact: list[tuple[float, float]] = []
        warm: list[tuple[float, float]] = []
        for _ in range(args.pairs):
            exact.append(run([*base, "--engine", "exact"], env))
            warm.append(run([*base, "--engine", "mcmc"], env))
    load = os.getloadavg()[0]

    def med(xs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    print(f"reanalyse bayes, 3 studies, SMD, backend {args.backend}; whole processes; "
          f"median of {args.pairs} alternating pairs; load average {load:.1f}")
    print(f"  MCMC cold (empty cache): {cold[0]:6.2f} s wall {cold[1]:6.2f} s CPU"
          f"   target <= 15 s: {'met' if cold[0] <= 15 else 'NOT met'}")
    print(f"  MCMC warm:               {med(warm, 0):6.2f} s wall {med(warm, 1):6.2f} s CPU"
          f"   (each: {', '.join(f'{w:.2f}' for w, _ in warm)})")
    print(f"  exact:                   {med(exact, 0):6.2f} s wall {med(exact, 1):6.2f} s CPU"
          f"   (each: {', '.join(f'{w:.2f}' for w, _ in exact)})")
    ratios = [w[0] / e[0] for w, e in zip(warm, exact, strict=True)]
    ratio = statistics.median(ratios)
    print(f"  warm MCMC / exact: {ratio:.2f} (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
          f"   target <= 3: {'met' if ratio <= 3 else 'NOT met'};"
          f" CPU ratio {med(warm, 1) / med(exact, 1):.2f}")


if __name__ == "__main__":
    main()
