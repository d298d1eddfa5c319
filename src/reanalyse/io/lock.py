"""One run at a time per project: an exclusive lock on a file under its ``results/``.

The lock is the kernel's (:func:`fcntl.flock`) on ``results/.lock``, so it is released on every
exit path, a crash and SIGKILL included; the file holds the holder's pid and start time for the
message a second run prints. A lock file left by a dead process is not held by anyone, and the
next run simply takes it over. While a run holds it, a second run either waits (``wait=True``,
saying once what it waits for) or is refused with :class:`LockedError`, one line.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LOCK_NAME", "LockedError", "project_lock"]

LOCK_NAME = ".lock"
#: How often a waiting run tries again (seconds).
POLL = 0.2


class LockedError(RuntimeError):
    """Another run holds the project's lock; the message is one line naming it."""


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").split()
    except OSError:
        text = []
    return f"pid {text[0]}, started {text[1]}" if len(text) >= 2 else "another process"


@contextlib.contextmanager
def project_lock(results: str | Path, *, wait: bool = False) -> Iterator[Path]:
    """Hold ``<results>/.lock`` for the block.

    Parameters
    ----------
    results
        The project's results folder (made if absent).
    wait
        Wait for the holder to finish (a message on stderr says whom it waits for) instead of
        raising :class:`LockedError`.

    Raises
    ------
    LockedError
        Another run holds the lock and ``wait`` is false.
    OSError
        The lock file cannot be made (a read-only folder), naming it.
    """
    folder = Path(results)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if not wait:
                    raise LockedError(f"another run ({holder}) is writing {folder}; wait for "
                                      "it or run again with --wait") from None
                if not told:
                    print(f"reanalyse: waiting for the run ({holder}) writing {folder}",
                          file=sys.stderr, flush=True)
                    told = True
                time.sleep(POLL)
        stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # no pid of a finished run left behind
            fcntl.flock(fd, fcntl.LOCK_UN)  # the file stays: unlinking it would let a waiting
            # run and a new one lock two different files
    finally:
        os.close(fd)
