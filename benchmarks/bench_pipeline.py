"""Cold and warm times of the full IIM re-analysis (``reanalyse run``), as ``make run`` runs it.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py [--jobs N]`` (prints figures; asserts
nothing). Cold: an empty results folder (every model compiled and sampled). Warm: the same command
again with nothing changed (every task from the cache).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(results: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reanalyse", "run", "--quiet", "--jobs", str(jobs),
                    "--project", str(REPO / "examples" / "iim2023"),
                    "--results", str(results)], cwd=REPO, check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results"
        cold = _run(results, args.jobs)
        warm = _run(results, args.jobs)
        log = (results / "run.log").read_text().split("\nrun ")
        sampled = sum(ln.startswith("sampled ") for ln in log[0].splitlines())
    print(f"full IIM re-analysis, --jobs {args.jobs}: cold {cold:.1f} s ({sampled} MCMC/NMA "
          f"tasks sampled), warm {warm:.2f} s (nothing sampled)")


if __name__ == "__main__":
    main()
