"""Convergence diagnostics of a posterior sample: R-hat, bulk and tail ESS, divergences."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr

from reanalyse.sampling.settings import DEFAULT_SETTINGS, SamplerSettings

__all__ = ["DiagnosticStatus", "Diagnostics", "diagnose"]

DiagnosticStatus = Literal["ok", "flagged"]


@dataclass(frozen=True, kw_only=True)
class Diagnostics:
    """Worst-case convergence diagnostics over the checked variables, and the verdict.

    Attributes
    ----------
    max_rhat
        Largest rank-normalised split R-hat (``nan`` if no variable could be checked).
    min_ess_bulk, min_ess_tail
        Smallest bulk and tail effective sample sizes.
    divergences
        Divergent transitions after tuning, over all chains.
    status
        ``"ok"`` when every threshold is met, otherwise ``"flagged"``.
    messages
        One line per failed check (empty when ``ok``), plus notes (e.g. constant variables).
    var_names
        The variables checked.
    thresholds
        ``rhat_threshold`` and ``ess_threshold`` used.
    attempts
        One record per sampling attempt (target acceptance, draws, seed, its diagnostics), the
        last being the run returned; filled by :func:`reanalyse.sampling.sample_checked`.
    """

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    status: DiagnosticStatus
    messages: tuple[str, ...] = ()
    var_names: tuple[str, ...] = ()
    thresholds: dict[str, float] = field(default_factory=dict)
    attempts: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        """True when the run passed every check."""
        return self.status == "ok"

    @property
    def failed_checks(self) -> tuple[str, ...]:
        """Failed checks: a subset of ``rhat``, ``ess_bulk``, ``ess_tail``, ``divergences``."""
        r = self.thresholds.get("rhat_threshold", DEFAULT_SETTINGS.rhat_threshold)
        e = self.thresholds.get("ess_threshold", DEFAULT_SETTINGS.ess_threshold)
        out = []
        if not (self.max_rhat <= r):
            out.append("rhat")
        if not (self.min_ess_bulk >= e):
            out.append("ess_bulk")
        if not (self.min_ess_tail >= e):
            out.append("ess_tail")
        if self.divergences > 0:
            out.append("divergences")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (``nan`` becomes ``None``)."""

        def num(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "max_rhat": num(self.max_rhat),
            "min_ess_bulk": num(self.min_ess_bulk),
            "min_ess_tail": num(self.min_ess_tail),
            "divergences": int(self.divergences),
            "status": self.status,
            "messages": list(self.messages),
            "var_names": list(self.var_names),
            "thresholds": dict(self.thresholds),
            "attempts": [dict(a) for a in self.attempts],
        }


def _posterior(data: xr.DataTree | xr.Dataset) -> xr.Dataset:
    if isinstance(data, xr.DataTree):
        return data["posterior"].to_dataset()
    return data


def _finite_min(values: list[float]) -> float:
    vals = [v for v in values if math.isfinite(v)]
    return min(vals) if vals else math.nan


def diagnose(
    data: xr.DataTree,
    *,
    var_names: Sequence[str] | None = None,
    settings: SamplerSettings = DEFAULT_SETTINGS,
) -> Diagnostics:
    """Check a posterior sample against the thresholds of ``settings``.

    Parameters
    ----------
    data
        A DataTree with ``posterior`` (dims ``chain``, ``draw``) and, for divergences,
        ``sample_stats`` with ``diverging``.
    var_names
        Variables to check; default every posterior variable. Elements whose draws are all equal
        (constants, e.g. a fixed reference effect) are skipped and noted.
    settings
        Supplies ``rhat_threshold`` and ``ess_threshold``.

    Returns
    -------
    Diagnostics
        Rank-normalised split R-hat, bulk and tail ESS (``arviz_stats``) and the number of
        divergent transitions; ``status="flagged"`` if any threshold is missed.
    """
    import arviz_stats

    post = _posterior(data)
    names = list(var_names) if var_names is not None else list(post.data_vars)
    missing = [n for n in names if n not in post.data_vars]
    if missing:
        raise KeyError(f"no posterior variable(s) {', '.join(missing)}")
    ds = post[names]
    messages: list[str] = []
    rhats: list[float] = []
    bulks: list[float] = []
    tails: list[float] = []
    if ds.sizes.get("chain", 0) and ds.sizes.get("draw", 0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rhat = arviz_stats.rhat(ds, sample_dims=["chain", "draw"])
            bulk = arviz_stats.ess(ds, sample_dims=["chain", "draw"], method="bulk")
            tail = arviz_stats.ess(ds, sample_dims=["chain", "draw"], method="tail")
        for name in names:
            values = ds[name]
            spread = (values.max(dim=("chain", "draw")) - values.min(dim=("chain", "draw")))
            const = np.asarray(spread == 0).ravel()
            r = np.asarray(rhat[name]).ravel()[~const]
            b = np.asarray(bulk[name]).ravel()[~const]
            t = np.asarray(tail[name]).ravel()[~const]
            if const.any():
                messages.append(f"note: {int(const.sum())} constant element(s) of {name!r} "
                                "not checked")
            rhats.extend(np.where(np.isfinite(r), r, np.inf).tolist())
            bulks.extend(np.where(np.isfinite(b), b, 0.0).tolist())
            tails.extend(np.where(np.isfinite(t), t, 0.0).tolist())
    max_rhat = max(rhats) if rhats else math.nan
    min_bulk = _finite_min(bulks) if bulks else math.nan
    min_tail = _finite_min(tails) if tails else math.nan

    divergences = 0
    if isinstance(data, xr.DataTree) and "sample_stats" in data.children:
        stats = data["sample_stats"]
        if "diverging" in stats.data_vars:
            divergences = int(np.asarray(stats["diverging"]).sum())

    failures: list[str] = []
    if not rhats:
        failures.append("no variable could be checked")
    if rhats and not max_rhat <= settings.rhat_threshold:
        failures.append(f"R-hat {max_rhat:.4g} > {settings.rhat_threshold:g}")
    if bulks and not min_bulk >= settings.ess_threshold:
        failures.append(f"bulk ESS {min_bulk:.0f} < {settings.ess_threshold:g}")
    if tails and not min_tail >= settings.ess_threshold:
        failures.append(f"tail ESS {min_tail:.0f} < {settings.ess_threshold:g}")
    if divergences:
        failures.append(f"{divergences} divergent transition(s)")
    return Diagnostics(
        max_rhat=float(max_rhat),
        min_ess_bulk=float(min_bulk),
        min_ess_tail=float(min_tail),
        divergences=divergences,
        status="flagged" if failures else "ok",
        messages=tuple(failures + messages),
        var_names=tuple(names),
        thresholds={"rhat_threshold": settings.rhat_threshold,
                    "ess_threshold": settings.ess_threshold},
    )
