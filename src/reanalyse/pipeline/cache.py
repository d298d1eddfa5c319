"""A content-addressed cache of task results, keyed by everything that determines them.

A key is the SHA-256 of a canonical JSON of the task's inputs: its data (a hash of the rows), the
analysis specification, the priors, the sampler settings and seeds, and the package version. An
unchanged rerun finds every key and computes nothing; changing one prior changes only the keys of
the tasks that use it. Entries are written atomically, so a run killed part-way leaves either a
complete entry or none, and the next run resumes from what is there.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from reanalyse._version import __version__
from reanalyse.io.atomic import write_bytes

__all__ = ["SAMPLING_CODE", "TaskCache", "code_digest", "task_key"]


def _canonical(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, float):
        return repr(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _encode(obj: Any) -> Any:
    # prior objects and specifications describe themselves; arrays become lists
    for method in ("to_dict", "model_dump"):
        if hasattr(obj, method):
            return _canonical(getattr(obj, method)())
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot key a {type(obj).__name__}")


def task_key(payload: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of ``payload`` plus the reanalyse version."""
    body = json.dumps(_canonical({"payload": payload, "version": __version__}),
                      sort_keys=True, separators=(",", ":"), default=_encode)
    return hashlib.sha256(body.encode()).hexdigest()


#: The parts of the package an MCMC or network task's result depends on (besides its payload):
#: the models, the sampler, the priors, the network code and the worker functions.
SAMPLING_CODE = ("models", "sampling", "priors", "nma", "pipeline/jobs.py")


@functools.cache
def code_digest(*parts: str) -> str:
    """SHA-256 over the source of the installed ``reanalyse`` package (or of ``parts`` of it,
    subpackages or modules relative to the package folder), so that results computed by other
    code are not taken from the cache."""
    package = Path(__file__).resolve().parents[1]
    roots = [package / part for part in parts] if parts else [package]
    files = sorted({f for r in roots for f in ([r] if r.is_file() else r.rglob("*.py"))})
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(package)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


class TaskCache:
    """Task results stored as ``<root>/<kind>/<key>.pkl`` (a pickled dict of plain values)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, key: str) -> Path:
        """Where the entry for ``kind``/``key`` lives."""
        return self.root / kind / f"{key}.pkl"

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The stored result, or None if absent or unreadable (then it is recomputed)."""
        path = self.path(kind, key)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as fh:
                value = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` atomically."""
        write_bytes(self.path(kind, key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
