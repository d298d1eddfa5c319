"""Run independent tasks in local processes or on a Dask cluster, showing progress.

Tasks are plain picklable callables with picklable arguments, so the same task runs unchanged in
this process (``jobs=1``), in a pool of local processes, or on the workers of an existing
dask.distributed cluster (``executor="dask"``, ``scheduler`` its address).

Ctrl-C reaches this process only (local workers ignore SIGINT): the interrupt kills the local
workers at once rather than waiting for their tasks, so a run stops within a second or two; what
the workers had finished is already in the caller's cache. Warnings a task raises come back
in its result under ``"warnings"`` (for its notes and the run's log), not on the terminal.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reanalyse.notes import warnings_as_notes
from reanalyse.pipeline.progress import Progress, progress_for

__all__ = ["SCHEDULER_TIMEOUT", "Job", "SchedulerUnreachableError", "check_scheduler",
           "run_jobs"]

#: Seconds to wait for a Dask scheduler to answer (dask.distributed's own default is 30).
SCHEDULER_TIMEOUT = 5


class SchedulerUnreachableError(OSError):
    """No Dask scheduler answered at the address given; the message is one line."""


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
    """Yield ``(job, result)`` as jobs finish (in completion order); a result holds the notes of
    the warnings its task raised under ``"warnings"``."""
    if not jobs:
        return
    bar = progress_for(total=len(jobs), description=description, enabled=progress)
    try:
        if executor == "dask":
            yield from _dask(jobs, scheduler=scheduler, bar=bar)
        elif n_jobs <= 1 or len(jobs) == 1:
            for job in jobs:
                result = _run_task(job.fn, job.payload)
                bar.advance(job.name)
                yield job, result
        else:
            yield from _lanes(jobs, n_jobs=n_jobs, bar=bar)
    finally:
        bar.close()


def _run_task(fn: Callable[[dict[str, Any]], dict[str, Any]],
              payload: dict[str, Any]) -> dict[str, Any]:
    """A task, with the warnings it raises as notes (here, in a local worker or on Dask)."""
    with warnings_as_notes() as notes:
        result = fn(payload)
    return {**result, "warnings": notes} if notes else result


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it kills the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _kill_workers(pool: cf.ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())  # private API, stable since 3.2
    for process in processes:
        process.kill()
    for process in processes:  # gone before the caller clears what they left half-written
        process.join(timeout=1)
    pool.shutdown(wait=False, cancel_futures=True)


def _lanes(jobs: Sequence[Job], *, n_jobs: int, bar: Progress) -> Iterator[
        tuple[Job, dict[str, Any]]]:
    """Local processes, one per lane; whole groups are assigned to the least-loaded lane."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.group or job.name, []).append(job)
    lanes: list[list[Job]] = [[] for _ in range(min(n_jobs, len(groups)))]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(lanes, key=len).extend(members)
    ctx = multiprocessing.get_context("spawn")
    pools = [cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_ignore_sigint)
             for _ in lanes]
    finished = False
    try:
        futures = {pool.submit(_run_task, job.fn, job.payload): job
                   for pool, lane in zip(pools, lanes, strict=True) for job in lane}
        for fut in cf.as_completed(futures):
            bar.advance(futures[fut].name)
            yield futures[fut], fut.result()
        finished = True
    finally:
        for pool in pools:
            if finished:
                pool.shutdown(wait=True)
            else:  # interrupted, a task failed, or the caller stopped: do not wait for the rest
                _kill_workers(pool)


def check_scheduler(address: str | None, *, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Raise :class:`SchedulerUnreachableError` (one line) unless a Dask scheduler answers at
    ``address`` within ``timeout`` seconds; what a run checks before any work. A TCP connection
    to the address is tried first (a refused or unroutable address fails at once, without the
    seconds dask.distributed spends importing and retrying), then a client is connected."""
    _reachable(address, timeout=timeout)
    with _client(address, timeout=timeout):
        pass


def _reachable(address: str | None, *, timeout: float) -> None:
    import socket
    from urllib.parse import urlsplit

    if not address:
        return  # _client says what is missing
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls") or parts.hostname is None or parts.port is None:
        return  # another transport (inproc, ucx, ws): left to dask.distributed
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            pass
    except OSError as err:
        raise SchedulerUnreachableError(
            f"no Dask scheduler answered at {address} within {timeout:g} s (start one with "
            "`dask scheduler`, or run with --executor local)") from err


def _client(address: str | None, *, timeout: float) -> Any:
    try:
        from distributed import Client
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError("executor 'dask' needs dask.distributed: pip install "
                           "'reanalyse[dask]'") from err
    if not address:
        raise ValueError("executor 'dask' needs --scheduler ADDRESS of a running cluster")
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise SchedulerUnreachableError(
            f"no Dask scheduler answered at {address} within {timeout:g} s (start one with "
            "`dask scheduler`, or run with --executor local)") from err


def _dask(jobs: Sequence[Job], *, scheduler: str | None, bar: Progress) -> Iterator[
        tuple[Job, dict[str, Any]]]:
    from distributed import as_completed

    with _client(scheduler, timeout=SCHEDULER_TIMEOUT) as client:
        futures = {client.submit(_run_task, job.fn, job.payload, key=f"reanalyse-{job.name}", pure=False):
                   job for job in jobs}
        for fut in as_completed(list(futures)):
            bar.advance(futures[fut].name)
            yield futures[fut], fut.result()
