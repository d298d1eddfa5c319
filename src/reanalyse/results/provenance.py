"""Provenance written into every result's ``DataTree.attrs``: enough to reproduce the run and to
refuse a mismatched reload.

netCDF attributes must be strings or numbers, so nested records (the model spec, the priors, the
sampler settings, package versions) are stored as key-sorted JSON strings; :func:`read_json_attr`
reads them back.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import math
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CI_KIND",
    "CI_PROB",
    "PACKAGES",
    "data_hash",
    "json_default",
    "package_versions",
    "provenance_attrs",
    "read_json_attr",
]

#: Interval convention of every reanalyse summary: central 95% equal-tailed intervals.
CI_PROB = 0.95
CI_KIND = "eti"

#: Packages whose versions are recorded.
PACKAGES: tuple[str, ...] = ("reanalyse", "pymc", "pytensor", "nutpie", "arviz", "arviz-base",
                             "arviz-stats", "numpy", "scipy", "xarray", "pandas", "numba")


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions (``"not installed"`` where absent), plus the Python version."""
    import platform

    return {"python": platform.python_version(), **{name: _installed(name) for name in packages}}


@functools.cache
def _installed(name: str) -> str:
    """One package's installed version, read once per process (a lookup costs about 1 ms)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def json_default(obj: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars/arrays, tuples and objects with ``to_dict``."""
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.bool_):
        return bool(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=json_default)


def data_hash(data: pd.DataFrame | Mapping[str, Any] | bytes | str) -> str:
    """SHA-256 of the data a fit used.

    A DataFrame is hashed through its CSV rendering (columns in order, no index); a mapping of
    arrays through key-sorted JSON with full float precision; bytes and str as they are.
    """
    if isinstance(data, bytes):
        payload = data
    elif isinstance(data, str):
        payload = data.encode()
    elif isinstance(data, pd.DataFrame):
        payload = data.to_csv(index=False, float_format="%.17g").encode()
    else:
        payload = json.dumps(
            {k: np.asarray(v).tolist() for k, v in data.items()}, sort_keys=True,
            default=json_default,
        ).encode()
    return hashlib.sha256(payload).hexdigest()


def provenance_attrs(
    *,
    data_hash: str,
    spec: Mapping[str, Any],
    priors: Mapping[str, Any],
    seed: int | None,
    settings: Any,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str | int | float]:
    """Attributes for ``DataTree.attrs``: what is needed to reproduce a fit.

    Parameters
    ----------
    data_hash
        SHA-256 of the data (:func:`data_hash`).
    spec
        The model specification (kind, measure, likelihood, parameterisation, ...).
    priors
        Role -> prior record (``TauPrior.to_dict()``, ``EffectPrior.to_dict()``, ...).
    seed
        The random seed of the run (``None`` for a deterministic engine).
    settings
        Sampler settings (an object with ``to_dict()``, a mapping, or ``None``).
    extra
        Further attributes; JSON-encoded when not a string or number.

    Returns
    -------
    dict
        ``data_sha256``, ``model_spec`` (JSON), ``priors`` (JSON), ``prior_ids`` (comma list),
        ``scale_override`` (0/1), ``random_seed`` (-1 when none), ``sampler_settings`` (JSON),
        ``package_versions`` (JSON), ``pymc_version``, ``pytensor_version``, ``arviz_version``,
        ``nutpie_version``, ``numpy_version``, ``reanalyse_version``, ``ci_prob``, ``ci_kind``,
        ``created_at`` (UTC ISO 8601).
    """
    versions = package_versions()
    if settings is None:
        settings_record: Any = None
    elif hasattr(settings, "to_dict"):
        settings_record = settings.to_dict()
    else:
        settings_record = dict(settings)
    prior_records = {role: (p.to_dict() if hasattr(p, "to_dict") else p)
                     for role, p in priors.items()}
    ids = [str(rec.get("id")) for rec in prior_records.values()
           if isinstance(rec, Mapping) and rec.get("id") is not None]
    override = any(isinstance(rec, Mapping) and rec.get("scale_override")
                   for rec in prior_records.values())
    attrs: dict[str, str | int | float] = {
        "data_sha256": str(data_hash),
        "model_spec": _dumps(dict(spec)),
        "priors": _dumps(prior_records),
        "prior_ids": ",".join(ids),
        "scale_override": int(bool(override)),
        "random_seed": -1 if seed is None else int(seed),
        "sampler_settings": _dumps(settings_record),
        "package_versions": _dumps(versions),
        "ci_prob": CI_PROB,
        "ci_kind": CI_KIND,
        "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    for name in ("reanalyse", "pymc", "pytensor", "arviz", "nutpie", "numpy"):
        attrs[f"{name}_version"] = versions.get(name, "not installed")
    for key, value in (extra or {}).items():
        attrs[key] = value if isinstance(value, str | int | float) and not isinstance(
            value, bool) else _dumps(value)
    return attrs


def read_json_attr(attrs: Mapping[str, Any], key: str) -> Any:
    """A JSON-encoded attribute decoded (``None`` when absent)."""
    value = attrs.get(key)
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value
