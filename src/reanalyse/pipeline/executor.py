"""Run independent tasks in local processes or on a Dask cluster, showing progress.

Tasks are plain picklable callables with picklable arguments, so the same task runs unchanged in
this process (``jobs=1``), in a pool of local processes, or on the workers of an existing
dask.distributed cluster (``executor="dask"``, ``scheduler`` its address).

Local processes are :class:`Lanes`: one single-process executor per lane, so that the parent
chooses where each job runs. A lane keeps to a group (the fits of one compiled structure), takes
the largest group no lane has started when its own is done, and then shares a long group that
another lane is working through; a run keeps its lanes across its phases.

Ctrl-C reaches this process only (local workers ignore SIGINT): the interrupt kills the local
workers at once rather than waiting for their tasks, so a run stops within a second or two; what
the workers had finished is already in the caller's cache. Warnings a task raises come back
in its result under ``"warnings"`` (for its notes and the run's log), not on the terminal.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

from reanalyse.notes import warnings_as_notes
from reanalyse.pipeline.progress import Progress, progress_for

__all__ = ["SCHEDULER_TIMEOUT", "STEAL_AT", "Job", "Lanes", "SchedulerUnreachableError",
           "check_scheduler", "run_jobs"]

#: Seconds to wait for a Dask scheduler to answer (dask.distributed's own default is 30).
SCHEDULER_TIMEOUT = 5


class SchedulerUnreachableError(OSError):
    """No Dask scheduler answered at the address given; the message is one line."""


@dataclass(frozen=True)
class Job:
    """One unit of work: ``fn(payload)`` returning a dict.

    Jobs of the same ``group`` (e.g. fits of one compiled model structure) go to the same local
    worker process, so that each structure is compiled once per run rather than once per worker;
    a worker that runs out of work of its own shares a long group once its first job is done
    (the structure is then in the machine's compile cache).
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
    lanes: Lanes | None = None,
    share: bool = True,
) -> Iterator[tuple[Job, dict[str, Any]]]:
    """Yield ``(job, result)`` as jobs finish (in completion order); a result holds the notes of
    the warnings its task raised under ``"warnings"``.

    Local jobs run in ``lanes`` (a run's workers, kept across its phases) when given, else in
    this process (``n_jobs=1``) or in ``n_jobs`` workers started for these jobs. ``share``: a
    lane out of work may take part of a group another lane is working through (worth it when
    what the group's first job compiled is in the machine's cache for the second lane)."""
    if not jobs:
        return
    bar = progress_for(total=len(jobs), description=description, enabled=progress)
    try:
        if executor == "dask":
            yield from _dask(jobs, scheduler=scheduler, bar=bar)
        elif lanes is not None:
            yield from _lanes(jobs, lanes=lanes, bar=bar, share=share)
        elif n_jobs <= 1 or len(jobs) == 1:
            for job in jobs:
                result = _run_task(job.fn, job.payload)
                bar.advance(job.name)
                yield job, result
        else:
            groups = len({job.group or job.name for job in jobs})
            with Lanes(min(n_jobs, groups)) as own:
                yield from _lanes(jobs, lanes=own, bar=bar, share=share)
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


class Lanes:
    """Local worker processes (one per lane) kept for the whole of a run.

    A spawned worker takes 2-4 s to start and import the numerical libraries, and a worker that
    has fitted a model structure holds it compiled; a run that opens one ``Lanes`` for its
    phases (the exact engine, the sampling, the writing) pays for both once rather than once per
    phase. :meth:`warm` starts the lanes on a task (the imports) while the caller does its own
    work. Used as a context manager: on leaving, the workers are stopped at once (see
    :meth:`close`).
    """

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"a run needs at least one lane, got {n}")
        self.n = n
        self._pools: list[cf.ProcessPoolExecutor] = []
        self._warm: tuple[Callable[[dict[str, Any]], Any], dict[str, Any]] | None = None

    def pools(self, k: int | None = None) -> list[cf.ProcessPoolExecutor]:
        """The executors of the first ``k`` lanes (default all ``n``), started on first use,
        each on the warm-up task first if there is one."""
        k = self.n if k is None else max(1, min(k, self.n))
        ctx = multiprocessing.get_context("spawn")
        while len(self._pools) < k:
            pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                          initializer=_ignore_sigint)
            if self._warm is not None:
                pool.submit(*self._warm)
            self._pools.append(pool)
        return self._pools[:k]

    def warm(self, fn: Callable[[dict[str, Any]], Any], payload: dict[str, Any], *,
             k: int | None = None) -> None:
        """Start the first ``k`` lanes (default all) on ``fn(payload)``, and every lane started
        later too; the result is not kept (a failure there shows again in the first job)."""
        if self._warm is None:  # once: a second call only starts more lanes
            self._warm = (fn, payload)
            for pool in self._pools:
                pool.submit(fn, payload)
        self.pools(k)

    def close(self) -> None:
        """Stop the workers at once, whatever they are doing: after a finished run they are
        idle (every result is in; an interpreter holding JAX and PyMC takes 1-1.5 s to exit on
        its own), after a failure or Ctrl-C their work is not wanted."""
        pools, self._pools = self._pools, []
        for pool in pools:
            _kill_workers(pool)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


#: A lane left without work of its own takes jobs of a group already under way elsewhere only
#: if that many are waiting (and the group's first job has finished, so that its compiled
#: structure is in the machine's cache rather than compiled twice at once).
STEAL_AT = 4


def _lanes(jobs: Sequence[Job], *, lanes: Lanes, bar: Progress, share: bool) -> Iterator[
        tuple[Job, dict[str, Any]]]:
    """Jobs on the lanes, one outstanding job per lane, the next chosen when a lane is free: the
    next of the group the lane is on; else the first job of the largest group not yet started;
    else (``share``) half of what waits in the largest group under way whose first job is
    done."""
    waiting: dict[str, deque[Job]] = {}
    for job in jobs:
        waiting.setdefault(job.group or job.name, deque()).append(job)
    started: set[str] = set()
    ready: set[str] = set()  # groups whose first job has finished
    pools = lanes.pools(len(waiting))
    on: list[str | None] = [None] * len(pools)
    busy: dict[cf.Future[dict[str, Any]], tuple[int, str, Job]] = {}

    def give(lane: int) -> None:
        group = on[lane]
        if group is None or not waiting[group]:
            fresh = [g for g, queue in waiting.items() if queue and g not in started]
            if fresh:
                group = max(fresh, key=lambda g: len(waiting[g]))
            else:
                under_way = [g for g in ready if share and len(waiting[g]) >= STEAL_AT]
                if not under_way:
                    on[lane] = None
                    return
                group = max(under_way, key=lambda g: len(waiting[g]))
                # the lane's own half: from the end, so the group's lane keeps its order
                taken = deque(waiting[group].pop() for _ in range(len(waiting[group]) // 2))
                group = f"{group}\x00{lane}"
                waiting[group] = deque(reversed(taken))
                ready.add(group)
            started.add(group)
            on[lane] = group
        job = waiting[group].popleft()
        busy[pools[lane].submit(_run_task, job.fn, job.payload)] = (lane, group, job)

    for lane in range(len(pools)):
        give(lane)
    while busy:
        done, _ = cf.wait(busy, return_when=cf.FIRST_COMPLETED)
        for fut in done:
            lane, group, job = busy.pop(fut)
            result = fut.result()
            ready.add(group)
            give(lane)
            for idle in range(len(pools)):  # a group may have become one to share
                if on[idle] is None and not any(b[0] == idle for b in busy.values()):
                    give(idle)
            bar.advance(job.name)
            yield job, result


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
