"""Speed of the frequentist layer: many meta-analyses at once, one at a time, and a large table.

Prints (asserts nothing):

1. ``pool_batch``: 10,000 synthetic meta-analyses of k = 10 (binary, RR) pooled at once by
   REML (inverse variance, random effects) and by Mantel-Haenszel (fixed effect; and random,
   DL), the fastest of 5 runs (every figure here is the fastest of its repeats), beside
   metafor's ``rma`` / ``rma.mh`` in a loop. The metafor anchor
   is not run here: it is quoted from ../shared/research/perf-anchors.md ("1,000
   meta-analyses of k = 10 in one loop, in-process": ``rma`` DL 3.31 s, REML 3.97 s,
   ``rma.mh`` 1.85 s; R 4.2.2, metafor 3.8-1, on this project's 2-core machines, medians of
   alternating runs), scaled by 10 to 10,000 meta-analyses. The batch is checked against
   one-at-a-time ``pool_effects`` on its first 200 meta-analyses (largest difference printed).
2. One-at-a-time: ``pool`` per analysis (k = 10; REML and MH, on tables loaded beforehand) and
   ``load_table`` per k = 10 table.
3. ``load_table`` + ``study_effects`` for one analysis of k = 600 (1,200 arm rows).
4. The RevMan file: read and recompute (when ../shared/fixtures is present).

Before/after: run it on the tree to time (the one Python imports is printed with its commit);
for the code before ``pool_batch`` existed, the batch figures are skipped, e.g.
``PYTHONPATH=/work/main/src .venv/bin/python benchmarks/bench_frequentist.py``.

Run: ``.venv/bin/python benchmarks/bench_frequentist.py``
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import reanalyse
from reanalyse.data import load_table
from reanalyse.effects import study_effects
from reanalyse.pooling import pool, pool_effects

RM5 = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "revman" / \
    "antibiotics-for-sore-throat.rm5"
#: metafor's rma / rma.mh over 1,000 meta-analyses of k = 10 in one loop (perf-anchors.md)
METAFOR_1000 = {"DL": 3.31, "REML": 3.97, "MH": 1.85}
N_META, K = 10_000, 10


def _best(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock runs: on shared, noisy machines the minimum is
    the figure that repeats (other processes only ever add time)."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def _cells(rng: np.random.Generator, n: int, k: int) -> dict[str, np.ndarray]:
    n1 = rng.integers(20, 200, (n, k))
    n2 = rng.integers(20, 200, (n, k))
    p2 = rng.uniform(0.1, 0.5, (n, k))
    e1 = rng.binomial(n1, np.clip(p2 * 0.8, 0, 1))
    e2 = rng.binomial(n2, p2)
    return {"events_1": e1.astype(float), "total_1": n1.astype(float),
            "events_2": e2.astype(float), "total_2": n2.astype(float)}


def _table(cells: dict[str, np.ndarray], i: int) -> pd.DataFrame:
    k = cells["events_1"].shape[1]
    rows = []
    for j in range(k):
        rows.append({"study": f"s{j}", "treatment": "T", "events": cells["events_1"][i, j],
                     "total": cells["total_1"][i, j]})
        rows.append({"study": f"s{j}", "treatment": "C", "events": cells["events_2"][i, j],
                     "total": cells["total_2"][i, j]})
    return pd.DataFrame(rows)


def _source() -> str:
    root = Path(reanalyse.__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return f"{root} at {commit}"


def bench_batch(cells: dict[str, np.ndarray]) -> None:
    try:
        from reanalyse.pooling import pool_batch
    except ImportError:
        print("pool_batch: not in this tree (skipped)")
        return
    runs = {
        "REML (IV, random)": ({"method": "IV", "model": "random", "tau2_method": "REML"},
                              "REML"),
        "MH (fixed)": ({"method": "MH", "model": "fixed"}, "MH"),
        "MH (random, DL)": ({"method": "MH", "model": "random"}, "MH"),
        "DL (IV, random)": ({"method": "IV", "model": "random", "tau2_method": "DL"}, "DL"),
    }
    print(f"pool_batch, {N_META:,} meta-analyses of k = {K} (RR), fastest of 5; metafor's loop "
          "quoted from perf-anchors.md x 10:")
    for label, (kw, anchor) in runs.items():
        pool_batch(measure="RR", **kw, **{n: x[:50] for n, x in cells.items()})  # warm
        dt = _best(lambda kw=kw: pool_batch(measure="RR", **kw, **cells), 5)
        ref = METAFOR_1000[anchor] * N_META / 1000
        name = "rma.mh" if anchor == "MH" else f"rma(method='{anchor}')"
        print(f"  {label:<18} {dt:6.3f} s   metafor {name} in a loop: {ref:5.1f} s   "
              f"({ref / dt:,.0f} x faster)")
    # agreement with the one-at-a-time path on the first 200
    from reanalyse.effects import BinaryArms, effect_table

    worst = 0.0
    for kw, _ in runs.values():
        res = pool_batch(measure="RR", **kw, **{n: x[:200] for n, x in cells.items()})
        for i in range(200):
            arms = BinaryArms(events=np.c_[cells["events_1"][i], cells["events_2"][i]],
                              total=np.c_[cells["total_1"][i], cells["total_2"][i]])
            et = effect_table(measure="RR", study=[f"s{j}" for j in range(K)],
                              kind=["binary"] * K, te=np.full(K, np.nan),
                              se=np.full(K, np.nan), arms=arms)
            one = pool_effects(et, **kw)
            for name in ("te", "se", "tau2", "q"):
                worst = max(worst, abs(getattr(res, name)[i] - getattr(one, name)))
    print(f"  agreement with pool_effects, 200 x 4 analyses (te, se, tau2, Q): largest "
          f"difference {worst:.1e}")


def bench_one_at_a_time(cells: dict[str, np.ndarray]) -> None:
    n = 200
    frames = [_table(cells, i) for i in range(n)]
    tables = [load_table(f) for f in frames]
    kw = {"measure": "RR", "treatment": "T", "control": "C"}
    for label, extra in (("REML", {"method": "IV", "model": "random", "tau2_method": "REML"}),
                         ("MH", {"method": "MH"})):
        dt = _best(lambda extra=extra: [pool(t, **kw, **extra) for t in tables], 3)
        print(f"  pool one at a time, k = {K}, {label}: {dt / n * 1e3:.2f} ms per analysis")
    dt = _best(lambda: [load_table(f) for f in frames], 3)
    print(f"  load_table one at a time, k = {K}: {dt / n * 1e3:.2f} ms per table")


def bench_large(rng: np.random.Generator) -> None:
    big = _table(_cells(rng, 1, 600), 0)
    t_load = _best(lambda: load_table(big), 5)
    table = load_table(big)
    t_eff = _best(lambda: study_effects(table, measure="RR", treatment="T", control="C"), 5)
    print(f"  load_table + study_effects, k = 600 (1,200 rows): {t_load * 1e3:.1f} + "
          f"{t_eff * 1e3:.1f} = {(t_load + t_eff) * 1e3:.1f} ms")


def bench_revman() -> None:
    if not RM5.exists():
        print(f"  skipped the rm5 benchmark: {RM5} not found")
        return
    from reanalyse.revman import read_rm5
    from reanalyse.revman.recompute import recompute_review

    review = read_rm5(RM5)
    read = _best(lambda: read_rm5(RM5), 5)
    rec = _best(lambda: recompute_review(review), 5)
    print(f"  rm5 read ({RM5.name}): {read * 1e3:.1f} ms; recompute (21 outcomes + subgroups): "
          f"{rec * 1e3:.1f} ms")


def main() -> None:
    print(f"reanalyse from {_source()}")
    rng = np.random.default_rng(20261124)
    cells = _cells(rng, N_META, K)
    bench_batch(cells)
    print("one at a time:")
    bench_one_at_a_time(cells)
    bench_large(rng)
    bench_revman()


if __name__ == "__main__":
    main()
