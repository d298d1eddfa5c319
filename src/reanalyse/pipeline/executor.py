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
    """One unit of work: ``fn(payload)`` returning a dict."""

    name: str
    fn: Callable[[dict[str, Any]], dict[str, Any]]
    payload: dict[str, Any]


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
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx) as pool:
                futures = {pool.submit(job.fn, job.payload): job for job in jobs}
                for fut in cf.as_completed(futures):
                    bar.update(1)
                    yield futures[fut], fut.result()
    finally:
        bar.close()


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
