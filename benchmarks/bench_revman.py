"""Time reading and recomputing each real Cochrane file (``reanalyse revman FILE``'s work).

For every fixture in ``../shared/fixtures/revman`` and ``../shared/fixtures/cochrane-data-package``
(read where they lie): the time to read the file (``read_review``) and to recompute every
outcome and subgroup beside RevMan's numbers (``recompute_review``), best of ``--repeat`` runs,
with the number of outcomes and study rows. No single fixture has 100 outcomes (CD016297 has 84),
so the last line sums all the files (228 outcomes in the fixtures of issue 17).

Target (issue 17, 2 shared cores): reading plus recomputing a 100-outcome review under 2 s.
Wall time depends on what else runs on the machine; CPU time of this process is printed too.

Run: ``.venv/bin/python benchmarks/bench_revman.py [--fixtures ../shared/fixtures] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reanalyse.revman import read_review
from reanalyse.revman.recompute import recompute_review

TARGET_SECONDS_PER_100 = 2.0


def _files(root: Path) -> list[Path]:
    return sorted((root / "revman").glob("*.rm5")) + sorted(
        (root / "cochrane-data-package").glob("*.zip"))


def _time_one(path: Path) -> tuple[float, float, float, int, int]:
    """(wall read, wall recompute, cpu total) in seconds, outcomes, study rows."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    review = read_review(path)
    wall1 = time.perf_counter()
    checks = recompute_review(review)
    wall2, cpu2 = time.perf_counter(), time.process_time()
    rows = sum(1 for o in review.outcomes for _ in o.iter_rows())
    return wall1 - wall0, wall2 - wall1, cpu2 - cpu0, len(checks), rows


def main() -> None:
    """Print one line per fixture and the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=Path("../shared/fixtures"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = _files(args.fixtures)
    if not files:
        raise SystemExit(f"no fixtures under {args.fixtures}")
    print(f"{'file':42} {'outcomes':>8} {'rows':>5} {'read s':>7} {'recompute s':>11} "
          f"{'cpu s':>6} {'s / 100 outcomes':>16}")
    total_wall = total_cpu = 0.0
    total_outcomes = 0
    for path in files:
        best = min((_time_one(path) for _ in range(args.repeat)), key=lambda t: t[0] + t[1])
        read_s, rec_s, cpu_s, n, rows = best
        total_wall += read_s + rec_s
        total_cpu += cpu_s
        total_outcomes += n
        per100 = (read_s + rec_s) / n * 100 if n else float("nan")
        print(f"{path.name:42} {n:8d} {rows:5d} {read_s:7.3f} {rec_s:11.3f} {cpu_s:6.3f} "
              f"{per100:16.3f}")
    per100 = total_wall / total_outcomes * 100
    verdict = "meets" if per100 < TARGET_SECONDS_PER_100 else "MISSES"
    print(f"{'all files':42} {total_outcomes:8d} {'':5} {total_wall:19.3f} {total_cpu:6.3f} "
          f"{per100:16.3f}")
    print(f"{total_outcomes} outcomes read and recomputed in {total_wall:.2f} s wall "
          f"({per100:.2f} s per 100 outcomes): {verdict} the target of "
          f"{TARGET_SECONDS_PER_100:g} s per 100")


if __name__ == "__main__":
    main()
