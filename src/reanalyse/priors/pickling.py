"""Let prior objects cross process boundaries (local workers, Dask).

Priors keep their parameters in read-only ``types.MappingProxyType`` views, which the standard
pickle cannot serialise; this registers a reducer that rebuilds the view from a plain dict.
"""

from __future__ import annotations

import copyreg
from types import MappingProxyType
from typing import Any


def rebuild_proxy(data: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """Recreate the read-only view when unpickling."""
    return MappingProxyType(data)


def _reduce(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return rebuild_proxy, (dict(proxy),)


copyreg.pickle(MappingProxyType, _reduce)  # type: ignore[arg-type]
