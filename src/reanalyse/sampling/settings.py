"""Sampler settings and the diagnostic thresholds a run must meet."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DEFAULT_SETTINGS", "SamplerSettings"]


@dataclass(frozen=True, kw_only=True)
class SamplerSettings:
    """How to run NUTS (nutpie) and what a run must reach to pass.

    Parameters
    ----------
    draws, tune, chains
        Posterior draws and tuning steps per chain, and the number of chains.
    target_accept
        NUTS target acceptance of the first attempt.
    retry_target_accepts
        Target acceptances of the retries, in order, used while a run fails its diagnostics.
    retry_draws_factor
        On a retry after a run whose bulk or tail ESS fell short, draws (not tuning) are
        multiplied by this factor (1 keeps them).
    cores
        Chains run in parallel; ``None`` uses ``min(chains, os.cpu_count())``.
    rhat_threshold, ess_threshold
        A run passes with every rank-normalised split R-hat <= ``rhat_threshold``, every bulk and
        tail ESS >= ``ess_threshold`` and no divergent transition.
    max_treedepth
        Maximum NUTS tree depth (nutpie's ``maxdepth``).

    Examples
    --------
    >>> SamplerSettings(draws=1000, tune=1000, chains=4, target_accept=0.9).chains
    4
    """

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.9
    retry_target_accepts: tuple[float, ...] = (0.95, 0.99)
    retry_draws_factor: int = 2
    cores: int | None = None
    rhat_threshold: float = 1.01
    ess_threshold: float = 400.0
    max_treedepth: int = 10

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("draws", "chains", "max_treedepth", "retry_draws_factor"):
            if int(getattr(self, name)) < 1:
                problems.append(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.tune < 0:
            problems.append(f"tune must be >= 0, got {self.tune!r}")
        object.__setattr__(self, "retry_target_accepts", tuple(float(t) for t in
                                                               self.retry_target_accepts))
        for t in (self.target_accept, *self.retry_target_accepts):
            if not 0 < t < 1:
                problems.append(f"target acceptances must lie in (0, 1), got {t!r}")
        if self.cores is not None and self.cores < 1:
            problems.append(f"cores must be >= 1 or None, got {self.cores!r}")
        if self.rhat_threshold < 1:
            problems.append(f"rhat_threshold must be >= 1, got {self.rhat_threshold!r}")
        if self.ess_threshold < 0:
            problems.append(f"ess_threshold must be >= 0, got {self.ess_threshold!r}")
        if problems:
            raise ValueError("SamplerSettings: " + "; ".join(problems))

    @property
    def n_cores(self) -> int:
        """Chains run in parallel."""
        if self.cores is not None:
            return min(self.cores, self.chains)
        return max(1, min(self.chains, os.cpu_count() or 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record for provenance."""
        out = asdict(self)
        out["retry_target_accepts"] = list(self.retry_target_accepts)
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as compact, key-sorted JSON."""
        return json.dumps(self.to_dict(), sort_keys=True)


#: The defaults: 4 chains x 1000 draws after 1000 tuning steps, target acceptance 0.9,
#: retried at 0.95 and 0.99; R-hat <= 1.01, bulk and tail ESS >= 400, no divergences.
DEFAULT_SETTINGS = SamplerSettings()
