"""A ratio axis labelled on the natural scale: ticks at 0.1, 0.2, 0.5, 1, 2, 5, 10 (the 1-2-5
sequence of each decade the range needs; decades only when that would crowd the axis), and the
symmetric range around 1 a forest plot draws (as RevMan: 0.5 to 2, 0.2 to 5, 0.1 to 10, 0.05 to
20, 0.01 to 100, 0.001 to 1000)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from matplotlib.ticker import LogLocator

__all__ = ["HALF_SPANS", "ratio_span", "ratio_ticks"]

#: The ranges a forest plot's ratio axis can have: (1 / h, h).
HALF_SPANS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0, 100.0, 1000.0)

_MAX_TICKS = 9
_FINE = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def _inside(subs: tuple[float, ...], low: float, high: float) -> list[float]:
    values = LogLocator(base=10, subs=subs, numticks=100).tick_values(low, high)
    return [float(v) for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]


def ratio_ticks(*, low: float, high: float) -> list[float]:
    """Tick values in [``low``, ``high``] (ratios, ``0 < low < high``): the 1-2-5 sequence;
    powers of ten (every second one, and so on) when that gives more than nine ticks; 1, 1.5, 2,
    3, 5, 7 per decade when it gives fewer than three (a narrow range)."""
    ticks = _inside((1.0, 2.0, 5.0), low, high)
    if len(ticks) < 3:
        return _inside(_FINE, low, high)
    if len(ticks) <= _MAX_TICKS:
        return ticks
    ticks = _inside((1.0,), low, high)
    step = math.ceil(len(ticks) / _MAX_TICKS)
    centre = ticks.index(min(ticks, key=lambda v: abs(math.log(v))))
    return [v for i, v in enumerate(ticks) if (i - centre) % step == 0]


def ratio_span(values: Iterable[float]) -> float:
    """The smallest half-span ``h`` of :data:`HALF_SPANS` with every finite positive value in
    [1 / h, h] (the largest when none suffices: what lies beyond is drawn clipped)."""
    logs = np.abs(np.log([v for v in values if math.isfinite(v) and v > 0] or [1.0]))
    need = float(np.max(logs))
    for h in HALF_SPANS:
        if need <= math.log(h) * (1 + 1e-9):
            return h
    return HALF_SPANS[-1]
