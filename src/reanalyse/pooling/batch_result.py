"""The result of pooling many meta-analyses at once: one array per statistic, a tidy table."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["BatchPooled"]

Array = NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, eq=False)
class BatchPooled:
    """Per meta-analysis (one entry of each array), what :class:`PooledResult` holds for one.

    ``te`` and ``se`` are on the analysis scale (log for ratios), ``estimate``, ``ci_low``,
    ``ci_high``, ``pi_low`` and ``pi_high`` on the natural scale; ``z`` and ``p_z`` the test
    of the overall effect (a t on k - 1 df with ``hksj``); ``q`` (around the fixed-effect
    estimate of the method: the MH one under MH, as RevMan 5), ``df``, ``p_q``, ``i2``
    (percent); ``tau2`` (0 for a fixed-effect model) with its Q-profile limits ``tau2_low`` and
    ``tau2_high`` (NaN below two studies). A meta-analysis with no estimable study has
    ``k = 0`` and NaN statistics; prediction limits are NaN below three studies.
    """

    measure: str
    method: str
    model: str
    tau2_method: str | None
    hksj: bool
    level: float
    k: NDArray[np.int64]
    estimate: Array
    ci_low: Array
    ci_high: Array
    te: Array
    se: Array
    z: Array
    p_z: Array
    q: Array
    df: NDArray[np.int64]
    p_q: Array
    i2: Array
    tau2: Array
    tau2_low: Array
    tau2_high: Array
    pi_low: Array
    pi_high: Array

    _META: ClassVar[tuple[str, ...]] = ("measure", "method", "model", "tau2_method", "hksj", "level")

    def __len__(self) -> int:
        return int(self.k.size)

    @property
    def estimable(self) -> NDArray[np.bool_]:
        """Meta-analyses with at least one estimable study."""
        return self.k > 0

    def to_frame(self) -> pd.DataFrame:
        """One row per meta-analysis (index ``meta``), with the columns of
        :meth:`PooledResult.summary` (``tau2_low_ci``, ``tau2_high_ci`` the Q-profile
        limits) and the analysis in the first columns."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self)
                  if f.name not in self._META}
        arrays["tau2_low_ci"] = arrays.pop("tau2_low")
        arrays["tau2_high_ci"] = arrays.pop("tau2_high")
        meta = {name: getattr(self, name) for name in ("measure", "method", "model",
                                                       "tau2_method")}
        frame = pd.DataFrame({**{n: [v] * len(self) for n, v in meta.items()}, **arrays})
        frame.index.name = "meta"
        return frame
