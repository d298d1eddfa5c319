"""Time ``reanalyse nma`` on the smoking-cessation network (24 studies, 4 treatments, binomial
arms; Dias et al., NICE DSU TSD 2/4) as a whole process: with an empty compile cache (cold),
then warm, beside JAGS's time for the same arm-based random-effects model.

Acceptance (issue 18): a warm whole-process ``reanalyse nma`` in no more time than JAGS takes
with its 60,000 draws: 6.7 s on this project's machines (../shared/research/perf-anchors.md,
"Bayesian NMA, smoking cessation": R 4.2.2, JAGS 4.3.1, 3 x 20,000 draws, measured beside
reanalyse at 45502f1). JAGS cannot run here (no R), so its figure is quoted, not re-measured.
The cache folder is a fresh temporary one (``REANALYSE_CACHE_DIR``): the user's is untouched.

Run: ``.venv/bin/python benchmarks/bench_nma_cli.py [--warm 3]``
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.nma_reference_data import smoking_frame  # the network's arm data

#: JAGS, same model and machine kind, quoted from ../shared/research/perf-anchors.md
JAGS_SECONDS = 6.7


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm runs after the cold one")
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("reanalyse"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "smoking.csv"
        frame = smoking_frame().assign(
            source="Dias et al. 2011, NICE DSU TSD 2, smoking cessation (multinma data-raw)",
            derivation="reported")
        frame.to_csv(data, index=False)
        env = {**os.environ, "REANALYSE_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [cli, "nma", str(data), "--measure", "OR", "--reference", "No intervention",
               "--direction", "higher", "--tau-prior", "half-normal:5",
               "--effect-prior", "normal:0,100", "--seed", "1", "--json"]
        cold = run(cmd, env)
        warm = [run(cmd, env) for _ in range(args.warm)]
    load = os.getloadavg()[0]
    median = statistics.median(w for w, _ in warm)
    print(f"reanalyse nma, smoking cessation (24 studies, 4 treatments, OR, random effects), "
          f"4 chains x 1,000 draws after 1,000 tuning; whole processes; load average {load:.1f}")
    print(f"  cold (empty cache): {cold[0]:6.2f} s wall {cold[1]:6.2f} s CPU")
    print(f"  warm (median of {args.warm}): {median:6.2f} s wall "
          f"(each: {', '.join(f'{w:.2f}' for w, _ in warm)})")
    print(f"  JAGS, same model, 3 x 20,000 draws (perf-anchors.md, quoted): {JAGS_SECONDS:.1f} s"
          f"   target warm <= JAGS: {'met' if median <= JAGS_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
