"""Tipping points: the half-normal tau scale at which P(clinically meaningful benefit) crosses
0.5 and 0.9, under the default effect prior and the exact normal-normal posterior."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from reanalyse.exact.fit import study_data
from reanalyse.exact.prior_scan import TauPriorScan
from reanalyse.priors import EffectPrior

__all__ = ["TippingPoint", "tipping_points"]


@dataclass(frozen=True)
class TippingPoint:
    """Where P(meaningful benefit) crosses ``level`` as the HN(scale) tau prior widens.

    ``scale`` is None when P stays on one side over the scanned range; ``below`` then says on
    which side (True: below ``level`` throughout).
    """

    level: float
    scale: float | None
    below: bool | None
    scan_min: float
    scan_max: float


def tipping_points(
    *,
    y: np.ndarray,
    se: np.ndarray,
    effect_prior: EffectPrior,
    benefit_sign: int,
    threshold: float,
    levels: tuple[float, ...] = (0.5, 0.9),
    scan_min: float = 0.01,
    scan_max: float = 2.0,
    n_scan: int = 25,
) -> list[TippingPoint]:
    """Scan HN(s) priors for s in [scan_min, scan_max] (log-spaced) and refine each crossing.

    The posterior probability under each HN(s) reweights one rule in log(tau)
    (:class:`~reanalyse.exact.prior_scan.TauPriorScan`): ``p(y | tau)`` and mu's conditionals
    are computed once for the whole scan, the 25 scales of the scan in one matrix product, the
    family's density in closed form (no prior object per scale). The rule runs from ``e^-25`` times the smaller of
    ``scan_min`` and the smallest SE (a half-normal posterior holds less than 1e-10 below it) to
    ``10 * scan_max`` (above which HN(scan_max) holds ~1e-23).
    """
    y_arr, se_arr = np.asarray(y, dtype=float), np.asarray(se, dtype=float)
    data = study_data(y=y_arr, se=se_arr, **effect_prior.exact_mu_prior())
    scan = TauPriorScan(data, tau_min=min(scan_min, float(se_arr.min())) * np.exp(-25.0),
                        tau_max=10.0 * scan_max)
    t = abs(threshold)
    nodes = scan.tau[None, :]

    def p_of(scales: np.ndarray) -> np.ndarray:
        # the HN(s) family in closed form (scipy's, broadcast over the scales): no prior object
        # per evaluation
        log_prior = stats.halfnorm.logpdf(nodes, scale=np.asarray(scales, float)[:, None])
        return scan.p_beyond(log_prior, t if benefit_sign > 0 else -t, upper=benefit_sign > 0)

    grid = np.geomspace(scan_min, scan_max, n_scan)
    probs = p_of(grid)
    out = []
    for level in levels:
        diff = probs - level
        crossing = np.flatnonzero(np.sign(diff[:-1]) != np.sign(diff[1:]))
        if crossing.size == 0:
            out.append(TippingPoint(level=level, scale=None, below=bool(np.all(diff < 0)),
                                    scan_min=scan_min, scan_max=scan_max))
            continue
        i = int(crossing[0])
        root = optimize.brentq(lambda s, lv=level: float(p_of(np.array([s]))[0]) - lv,
                               float(grid[i]), float(grid[i + 1]), xtol=1e-6)
        out.append(TippingPoint(level=level, scale=float(root), below=None, scan_min=scan_min,
                                scan_max=scan_max))
    return out


