"""Run independent tasks in local processes or on a Dask cluster, with a progress bar.

Tasks are plain picklable callables with picklable arguments, so the same task runs unchanged in
this process (``jobs=1``), in a pool of local processes, or on the workers of an existing
dask.distributed cluster (``executor="dask"``, ``scheduler`` its address).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tqdm import tqdm

__all__ = ["Job", "run_jobs"]


@dataclass(frozen=True)
class Job:
    """One unit of work: ``fn(payload)`` returning a dict.

    Jobs of the same ``group`` (e.g. fits of one compiled model structure) go to the same local
    worker process, so that each structure is compiled once per run rather than once per worker.
    """

    name: str
    fn: Callable[[dict[str, Any]], dict[str, Any]]
    payload: dict[str, Any]
    group: str = ""


def run_jobs(
    jobs: Sequence[Job],
    *,
    n_jobs: int = 1,
    executor: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    progress: bool = True,
    description: str = "tasks",
) -> Iterator[tuple[Job, dict[str, Any]]]:
    """Yield ``(job, result)`` as jobs finish (in completion order)."""
    bar = tqdm(total=len(jobs), desc=description, unit="task", disable=not progress or not jobs,
               leave=True)
    try:
        if not jobs:
            return
        if executor == "dask":
            yield from _dask(jobs, scheduler=scheduler, bar=bar)
        elif n_jobs <= 1 or len(jobs) == 1:
            for job in jobs:
                result = job.fn(job.payload)
                bar.update(1)
                yield job, result
        else:
            yield from _lanes(jobs, n_jobs=n_jobs, bar=bar)
    finally:
        bar.close()


def _lanes(jobs: Sequence[Job], *, n_jobs: int, bar: tqdm) -> Iterator[  # type: ignore[type-arg]
        tuple[Job, dict[str, Any]]]:
    """Local processes, one per lane; whole groups are assigned to the least-loaded lane."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.group or job.name, []).append(job)
    lanes: list[list[Job]] = [[] for _ in range(min(n_jobs, len(groups)))]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(lanes, key=len).extend(members)
    ctx = multiprocessing.get_context("spawn")
    pools = [cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) for _ in lanes]
    try:
        futures = {pool.submit(job.fn, job.payload): job
                   for pool, lane in zip(pools, lanes, strict=True) for job in lane}
        for fut in cf.as_completed(futures):
            bar.update(1)
            yield futures[fut], fut.result()
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _dask(jobs: Sequence[Job], *, scheduler: str | None, bar: tqdm) -> Iterator[  # type: ignore[type-arg]
        tuple[Job, dict[str, Any]]]:
    try:
        from distributed import Client, as_completed
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError("executor 'dask' needs dask.distributed: pip install "
                           "'reanalyse[dask]'") from err
    if not scheduler:
        raise ValueError("executor 'dask' needs --scheduler ADDRESS of a running cluster")
    with Client(scheduler) as client:
        futures = {client.submit(job.fn, job.payload, key=f"reanalyse-{job.name}", pure=False):
                   job for job in jobs}
        for fut in as_completed(list(futures)):
            bar.update(1)
            yield futures[fut], fut.result()
