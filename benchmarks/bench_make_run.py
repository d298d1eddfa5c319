"""Cold and warm ``make run`` on a fresh clone, as a new user meets it (the venv build included).

Run: ``python3 benchmarks/bench_make_run.py [--warm N] [--empty-uv-cache]`` (prints figures;
asserts nothing; any Python runs it, the clone's Makefile finds its own). The clone is of the
committed HEAD, made beside this checkout; its compile cache (``REANALYSE_CACHE_DIR``) starts
empty, as on a machine that never ran reanalyse. uv's download cache is the machine's unless
``--empty-uv-cache`` (then every wheel comes from the package registry again). Cold: ``make
venv`` (the venv built and reanalyse installed) then ``make run`` (every analysis computed,
every model compiled and sampled); warm: ``make run`` again with nothing changed, ``--warm``
times, median shown.

Anchors (issue 18): cold 106-176 s before this work, target at most 60 s on 2 cores; warm
1.4 s, target at most 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=3, help="warm runs (median shown)")
    parser.add_argument("--empty-uv-cache", action="store_true",
                        help="an empty uv cache too: every wheel downloaded again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=REPO.parent, prefix="bench-make-run-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        env = {**os.environ, "REANALYSE_CACHE_DIR": str(Path(tmp) / "compile-cache")}
        if args.empty_uv_cache:
            env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        venv = _timed(["make", "venv"], cwd=clone, env=env)
        run = _timed(["make", "run"], cwd=clone, env=env)
        warm = [_timed(["make", "run"], cwd=clone, env=env) for _ in range(args.warm)]
    cold = venv + run
    uv = "an empty uv cache" if args.empty_uv_cache else "the machine's uv cache"
    print(f"cold make run on a fresh clone ({os.cpu_count()} cores, {uv}, empty compile cache): "
          f"{cold:.1f} s = venv {venv:.1f} s + run {run:.1f} s "
          f"(target <= 60 s; before: 106-176 s, issue 18)")
    print(f"warm make run: median {statistics.median(warm):.2f} s of {len(warm)} "
          f"({', '.join(f'{w:.2f}' for w in warm)}; target <= 1.5 s; before: 1.4 s)")


if __name__ == "__main__":
    main()
