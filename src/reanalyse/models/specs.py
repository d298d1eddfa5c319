"""The declarative model descriptions, packaged as ``reanalyse/assets/models/*.toml``."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from reanalyse.io.resources import asset_dir

__all__ = ["MODELS_DIR_ENV", "REQUIRED_KEYS", "model_spec", "model_specs", "models_dir"]

#: Environment variable naming the ``models/`` folder explicitly.
MODELS_DIR_ENV = "REANALYSE_MODELS_DIR"

#: Keys every ``models/*.toml`` must have.
REQUIRED_KEYS: tuple[str, ...] = ("id", "title", "class", "data", "measures", "likelihood",
                                  "link", "parameterisation", "parameters", "priors",
                                  "log_likelihood", "log_prior", "compiled_once")


def models_dir() -> Path | None:
    """The model descriptions' folder: ``$REANALYSE_MODELS_DIR`` if set (``None`` when it is not
    a folder), else the packaged ``reanalyse/assets/models``."""
    explicit = os.environ.get(MODELS_DIR_ENV)
    if explicit:
        path = Path(explicit).expanduser().resolve()
        return path if path.is_dir() else None
    return asset_dir("models")


@lru_cache(maxsize=1)
def model_specs() -> dict[str, dict[str, Any]]:
    """Every ``models/*.toml``, keyed by ``id`` (empty when the folder is absent)."""
    folder = models_dir()
    if folder is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as fh:
            spec = tomllib.load(fh)
        missing = [k for k in REQUIRED_KEYS if k not in spec]
        if missing:
            raise ValueError(f"{path}: missing key(s) {', '.join(missing)}")
        if spec["id"] != path.stem:
            raise ValueError(f"{path}: id {spec['id']!r} differs from the file name")
        out[spec["id"]] = spec
    return out


def model_spec(kind: str) -> dict[str, Any]:
    """The description of model ``kind`` (just ``{"id": kind}`` without a ``models/`` folder)."""
    return dict(model_specs().get(kind, {"id": kind}))
