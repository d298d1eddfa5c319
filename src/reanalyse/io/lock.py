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


def _acquire(path: Path, *, wait: bool) -> int:
    """An open descriptor of ``path`` holding its lock (the file still at ``path``)."""
    told = False
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _holder(path)
            if not wait:
                raise LockedError(f"another run ({holder}) is writing {path.parent}; wait for "
                                  "it or run again with --wait") from None
            if not told:
                print(f"reanalyse: waiting for the run ({holder}) writing {path.parent}",
                      file=sys.stderr, flush=True)
                told = True
            time.sleep(POLL)
            continue
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder removed the file before we locked it: lock the new one


@contextlib.contextmanager
def project_lock(results: str | Path, *, wait: bool = False) -> Iterator[Path]:
    """Hold ``<results>/.lock`` for the block.

    Parameters
    ----------
    results
        The project's results folder (made if absent; removed again if the lock is all the
        block left in it, so that a run refused for bad input leaves nothing behind).
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
    made = not folder.exists()
    path = folder / LOCK_NAME
    fd = _acquire(path, wait=wait)
    try:
        stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # no pid of a finished run left behind
            if made and [p.name for p in folder.iterdir()] == [LOCK_NAME]:
                with contextlib.suppress(OSError):  # still locked: a waiter retries on the
                    path.unlink()                    # new file (see _acquire)
                    folder.rmdir()
    finally:
        os.close(fd)  # releases the lock
