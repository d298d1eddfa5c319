"""Checking consistency: unrelated mean effects and node-splitting, compared by DIC and LOO.

:func:`check_consistency` first asks the graph whether any loop combines independent direct and
indirect evidence (:mod:`reanalyse.nma.graph`). If none does (a star, a tree, or loops only inside
one multi-arm trial) it fits nothing and says plainly that consistency cannot be checked. Otherwise
it fits the consistency model, the unrelated-mean-effects (UME) model (TSD4 section 3) and one
node-splitting model per splittable comparison (Dias et al. 2010), all with the same priors; every
node-split shares one compiled model.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from reanalyse.nma.fit import NMAFit, fit_nma
from reanalyse.nma.graph import graph
from reanalyse.nma.model import NMASpec
from reanalyse.nma.network import Network
from reanalyse.sampling import DEFAULT_SETTINGS, SamplerSettings

__all__ = ["ConsistencyReport", "check_consistency"]


@dataclass(frozen=True)
class ConsistencyReport:
    """What could be checked and what was found.

    Attributes
    ----------
    statement
        Plain words: whether consistency can be checked and, if not, why not.
    checkable
        Whether any loop combines independent evidence.
    models
        One row per model (``consistency``, ``ume``): ``resdev, pd, dic, elpd_loo, se_loo,
        p_loo`` (``None`` when not checkable).
    nodesplits
        One row per split comparison: direct, indirect and ``omega = direct - indirect``
        (mean, sd, 2.5% and 97.5%) and the two-sided Bayesian p-value
        ``2 min(P(omega > 0), P(omega < 0))`` (``None`` when not checkable).
    fits
        The fitted models by name.
    """

    statement: str
    checkable: bool
    models: pd.DataFrame | None = None
    nodesplits: pd.DataFrame | None = None
    fits: dict[str, NMAFit] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The check in plain sentences: the statement, then (when checkable) the DIC of the
        consistency and UME models and, per split comparison, omega with its 95% CrI and the
        two-sided Bayesian p-value (analysis scale)."""
        out = [self.statement]
        if not self.checkable or self.models is None or self.nodesplits is None:
            return out
        dic = {r["model"]: r for r in self.models.to_dict(orient="records")}
        c, u = dic["consistency"], dic["ume"]
        out.append(f"Consistency model: residual deviance {c['resdev']:.1f}, pD {c['pd']:.1f}, "
                   f"DIC {c['dic']:.1f}; unrelated mean effects (UME): residual deviance "
                   f"{u['resdev']:.1f}, pD {u['pd']:.1f}, DIC {u['dic']:.1f} (a UME DIC "
                   "several points lower suggests inconsistency).")
        for r in self.nodesplits.to_dict(orient="records"):
            out.append(f"Node-split {r['treatment']} vs {r['comparator']}: direct "
                       f"{r['direct_mean']:.3f}, indirect {r['indirect_mean']:.3f}, difference "
                       f"(omega) {r['omega_mean']:.3f} (95% CrI {r['omega_q025']:.3f} to "
                       f"{r['omega_q975']:.3f}), Bayesian p = {r['p_bayes']:.3f}.")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``checkable``, ``statement``, and when checkable ``models`` and
        ``nodesplits`` as lists of records (NaN as ``None``), and each fit's sampler status."""
        out: dict[str, Any] = {"checkable": self.checkable, "statement": self.statement}
        if not self.checkable:
            return out
        for name, frame in (("models", self.models), ("nodesplits", self.nodesplits)):
            assert frame is not None
            out[name] = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                          for k, v in row.items()} for row in frame.to_dict(orient="records")]
        out["diagnostics"] = {k: f.diagnostics.status for k, f in self.fits.items()}
        return out


def _model_row(name: str, fit: NMAFit) -> dict[str, float | str]:
    dic = fit.dic()
    row: dict[str, float | str] = {"model": name, "resdev": dic["resdev"], "pd": dic["pd"],
                                   "dic": dic["dic"]}
    try:
        loo = fit.loo()
        row.update({"elpd_loo": float(loo.elpd), "se_loo": float(loo.se),
                    "p_loo": float(loo.p)})
    except Exception as err:  # noqa: BLE001 - LOO is a supplement to DIC; record why it failed
        row.update({"elpd_loo": np.nan, "se_loo": np.nan, "p_loo": np.nan,
                    "loo_error": str(err)})
    return row


def check_consistency(
    network: Network,
    *,
    spec: NMASpec,
    higher_is_better: bool,
    random_seed: int,
    settings: SamplerSettings = DEFAULT_SETTINGS,
    consistency_fit: NMAFit | None = None,
) -> ConsistencyReport:
    """Compare the consistency model with UME and node-split every splittable comparison.

    Parameters
    ----------
    network, spec, higher_is_better, settings
        As for :func:`reanalyse.nma.fit_nma`; ``spec`` is the consistency model (its
        ``consistency`` must be ``"consistency"``).
    random_seed
        Seed of the first fit; the others use ``random_seed + 1, + 2, ...``.
    consistency_fit
        An existing fit of ``spec`` to reuse.

    Returns
    -------
    ConsistencyReport
    """
    if spec.consistency != "consistency":
        raise ValueError("spec must be the consistency model")
    g = graph(network)
    statement = g.consistency_statement()
    if not g.connected or not g.has_loop:
        return ConsistencyReport(statement=statement, checkable=False)
    fits: dict[str, NMAFit] = {}
    fits["consistency"] = consistency_fit or fit_nma(
        network, spec=spec, higher_is_better=higher_is_better, random_seed=random_seed,
        settings=settings)
    fits["ume"] = fit_nma(network, spec=replace(spec, consistency="ume"),
                          higher_is_better=higher_is_better, random_seed=random_seed + 1,
                          settings=settings)
    models = pd.DataFrame([_model_row(k, v) for k, v in fits.items()])
    rows = []
    for i, (a, b) in enumerate(g.splittable):
        fit = fit_nma(network, spec=replace(spec, consistency="nodesplit", nodesplit=(a, b)),
                      higher_is_better=higher_is_better, random_seed=random_seed + 2 + i,
                      settings=settings)
        fits[f"nodesplit {b} vs {a}"] = fit
        ns = fit.nodesplit()
        row: dict[str, float | str] = {"treatment": b, "comparator": a,
                                       "p_bayes": ns["omega"]["p_bayes"],
                                       "status": fit.diagnostics.status}
        for part in ("direct", "indirect", "omega"):
            for stat in ("mean", "sd", "q025", "q975"):
                row[f"{part}_{stat}"] = ns[part][stat]
        rows.append(row)
    return ConsistencyReport(statement=statement, checkable=True, models=models,
                             nodesplits=pd.DataFrame(rows), fits=fits)
