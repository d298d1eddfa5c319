"""Atomic file writes: a reader (or a run killed part-way) never sees a half-written file.

Each writer goes to a temporary file in the target's folder and is moved into place with
:func:`os.replace`, which is atomic on POSIX file systems. The temporary file is created with
mode 0666 less the umask, as :func:`open` would create the target (``tempfile.mkstemp`` makes
it 0600, which the move would carry onto every output). A failure to write (a read-only folder,
a full disk) is an :class:`OSError` naming the target.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_bytes", "write_text"]

#: Permission bits of a new output before the umask (as ``open(path, "w")``).
MODE = 0o666


def _create_temporary(target: Path) -> Path:
    """A new empty file beside ``target``, created exclusively (the kernel applies the umask)."""
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE))
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        return tmp


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` if the block succeeds.

    Raises
    ------
    OSError
        With ``filename`` the target (or the folder that could not be made) when the error
        itself names no file (``ENOSPC`` from a write, say).
    """
    target = Path(target)
    tmp_path: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = _create_temporary(target)
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as err:
        if err.filename is None or (tmp_path is not None and err.filename == str(tmp_path)):
            err.filename = str(target)
        raise
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (flushed to disk before the move)."""
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    write_bytes(target, text.encode("utf-8"))
