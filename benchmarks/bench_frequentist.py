"""Speed of the frequentist layer: recompute a whole RevMan file; pool 10,000 synthetic MAs.

Run: ``.venv/bin/python benchmarks/bench_frequentist.py`` (prints figures; asserts nothing).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from reanalyse.pooling import pool_effects
from reanalyse.revman import read_rm5
from reanalyse.revman.recompute import recompute_review

RM5 = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "revman" / \
    "antibiotics-for-sore-throat.rm5"


def _time(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    if RM5.exists():
        review = read_rm5(RM5)
        read = _time(lambda: read_rm5(RM5), 5)
        rec = _time(lambda: recompute_review(review), 5)
        print(f"rm5 read ({RM5.name}): median {statistics.median(read) * 1e3:.1f} ms")
        print(f"rm5 recompute, 21 outcomes + subgroups + comparison: median "
              f"{statistics.median(rec) * 1e3:.1f} ms")
        print(f"rm5 read + recompute: {(statistics.median(read) + statistics.median(rec)):.3f} s")
    else:
        print(f"skipped the rm5 benchmark: {RM5} not found")

    rng = np.random.default_rng(20261124)
    n_ma, k = 10_000, 8
    tables = []
    for _ in range(n_ma):
        n1 = rng.integers(20, 200, k)
        n2 = rng.integers(20, 200, k)
        p2 = rng.uniform(0.1, 0.5, k)
        e1 = rng.binomial(n1, np.clip(p2 * 0.8, 0, 1))
        e2 = rng.binomial(n2, p2)
        tables.append(pd.DataFrame({"study": [f"s{i}" for i in range(k)], "subgroup": "",
                                    "kind": "binary", "events_1": e1.astype(float),
                                    "total_1": n1.astype(float), "events_2": e2.astype(float),
                                    "total_2": n2.astype(float)}))
    from reanalyse.effects import binary_effect

    def run_all() -> None:
        for t in tables:
            e = binary_effect(measure="RR", events_1=t["events_1"], total_1=t["total_1"],
                              events_2=t["events_2"], total_2=t["total_2"])
            t2 = t.assign(te=e.te, se=e.se, estimable=e.estimable)
            pool_effects(t2, measure="RR", method="MH", model="random")

    t0 = time.perf_counter()
    run_all()
    dt = time.perf_counter() - t0
    print(f"pool {n_ma} synthetic MAs (k={k}, RR, MH, DL random): {dt:.2f} s "
          f"({dt / n_ma * 1e3:.3f} ms each)")


if __name__ == "__main__":
    main()
