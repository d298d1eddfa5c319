"""The per-machine compile cache: where it lives, what it is keyed on, how a bad entry is repaired.

nutpie's numba backend compiles the log density as a numba C callback in every process (10-15 s
on this project's machines) and numba cannot cache it: the callback's closure holds PyTensor's
dispatcher and a numba intrinsic, which pickle differently in every process, so numba's cache
index (a hash of the pickled closure) never matches (measured: two identical runs wrote two
entries and compiled 17.8 s and 18.2 s). nutpie's JAX backend compiles through XLA, whose
persistent compilation cache is shared by every process of the machine: the CLI, the
pipeline's workers and the test run.

Where: ``$REANALYSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/reanalyse``, else
``~/.cache/reanalyse``; JAX's entries go to ``jax-<tag>/`` below it.

Keyed on: JAX names each entry by a hash of the compiled program (the model's structure and
shapes as lowered to XLA), the compile options, the backend and the jax/jaxlib versions;
``<tag>`` adds the versions of everything that generates that program (PyTensor, PyMC, nutpie,
NumPy, Python and the machine), so an upgrade starts an empty folder and never reads an old one.

A corrupt entry: JAX warns that it could not read the entry and compiles afresh, but it never
overwrites an existing file; :func:`repair` removes the files of the program named in the
warning so that the fresh compilation is written next time.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import re
import sys
import threading
import warnings
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir", "configure_jax_cache", "installed_version", "jax_cache_dir",
           "repair"]

#: Environment variable naming the cache folder.
CACHE_ENV = "REANALYSE_CACHE_DIR"

#: Packages whose versions change the program JAX compiles (or JAX itself).
_VERSIONED = ("jax", "jaxlib", "pytensor", "pymc", "nutpie", "numpy", "blackjax")

_READ_ERROR = re.compile(r"Error reading persistent compilation cache entry for '([^']+)'")

_lock = threading.Lock()
_configured: Path | None = None

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """The machine's cache folder for reanalyse (not created here).

    ``$REANALYSE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/reanalyse``, else
    ``~/.cache/reanalyse``.
    """
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "reanalyse"


def installed_version(name: str) -> str:
    """A package's installed version (``"absent"`` if it is not installed), read once per
    process."""
    return _version(name)


@functools.cache
def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def version_tag() -> str:
    """A short hash of the versions that change the compiled program (see the module notes)."""
    parts = [f"{name}={_version(name)}" for name in _VERSIONED]
    parts += [f"python={sys.version_info[:3]}", f"machine={platform.machine()}",
              f"system={platform.system()}"]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


def jax_cache_dir() -> Path:
    """The folder of JAX's persistent compilation cache for these package versions."""
    return cache_dir() / f"jax-{version_tag()}"


def configure_jax_cache() -> Path:
    """Point JAX's persistent compilation cache at :func:`jax_cache_dir`, keeping every entry.

    JAX by default keeps only programs that took at least a second to compile; these models
    compile in less, so both thresholds are lifted (every compiled program is kept). Also turns
    on 64-bit floats, which the models are written in. Idempotent; returns the folder.
    """
    global _configured
    import jax

    folder = jax_cache_dir()
    with _lock:
        if _configured == folder:
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_compilation_cache_dir", str(folder))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
        if _configured is not None:  # the folder changed (another cache dir in this process)
            from jax.experimental.compilation_cache import compilation_cache as cc

            cc.reset_cache()
        _configured = folder
    return folder


def repair(caught: Iterable[warnings.WarningMessage], folder: Path | None = None) -> list[str]:
    """Remove the cache files of every program JAX could not read, as named in ``caught``.

    JAX has already compiled such a program afresh (the bad entry was not used); removing the
    file lets that compilation be written the next time. Other warnings are re-issued.
    Returns the program names repaired.
    """
    folder = folder if folder is not None else jax_cache_dir()
    repaired: list[str] = []
    for w in caught:
        match = _READ_ERROR.search(str(w.message))
        if match is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        name = match.group(1)
        for path in folder.glob(f"{name}-*"):
            path.unlink(missing_ok=True)
        repaired.append(name)
        log.warning("rebuilt the unreadable compile-cache entries of %s in %s", name, folder)
    return repaired
