"""Fit a Bayesian NMA and summarise it: effects, league table, ranks, benefit probabilities, DIC.

:func:`fit_nma` compiles the model once per structure (:data:`reanalyse.sampling.MODEL_CACHE`),
samples it with :func:`reanalyse.sampling.sample_checked`, relabels the coordinates for this
network, and adds the groups a re-analysis needs: ``log_likelihood`` (pointwise, per arm or per
contrast) and ``log_prior``, both the model's own densities at the draws
(:meth:`reanalyse.sampling.CompiledModel.log_density`, i.e. ``pm.stats.compute_log_likelihood``
and ``compute_log_prior`` compiled once), ``observed_data``, ``constant_data`` and provenance
attrs. :class:`NMAFit` keeps the DataTree and the network together and computes every summary
from the draws; the DIC's plug-in and saturated deviances are the model's likelihood with the
fitted means fixed (:meth:`reanalyse.sampling.CompiledModel.likelihood_at`).

Orientation: every relative effect is **treatment versus comparator** on the analysis scale (log
OR, log RR, MD, SMD); the league table's entry in row ``i``, column ``j`` is row versus column.
Direction of benefit: ``higher_is_better`` says whether larger values of the outcome are good
(events that are wanted, scores where higher is better). A treatment *benefits* against a
comparator when its effect is above 0 (``higher_is_better``) or below 0 (otherwise); ranks put
the most beneficial treatment first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from reanalyse.measures import threshold_on_analysis_scale
from reanalyse.nma.model import ModelInputs, NMASpec, build_model, model_inputs
from reanalyse.nma.network import Network
from reanalyse.results import CI_KIND, CI_PROB, provenance_attrs
from reanalyse.sampling import (
    DEFAULT_SETTINGS,
    MODEL_CACHE,
    Diagnostics,
    ModelCache,
    SamplerSettings,
    sample_checked,
)

__all__ = ["NMAFit", "fit_nma", "summarise_draws"]

_Q = ((1 - CI_PROB) / 2, 0.5, (1 + CI_PROB) / 2)


def summarise_draws(x: np.ndarray) -> dict[str, float]:
    """mean, median, sd, q025, q975 of a 1-d sample."""
    lo, med, hi = np.quantile(x, _Q)
    return {"mean": float(np.mean(x)), "median": float(med), "sd": float(np.std(x, ddof=1)),
            "q025": float(lo), "q975": float(hi)}


def _relabel(ds: xr.Dataset, coords: dict[str, list[str]]) -> xr.Dataset:
    upd = {k: v for k, v in coords.items() if k in ds.dims and len(v) == ds.sizes[k]}
    return ds.assign_coords(upd)


def _saturated_fitted(inputs: ModelInputs) -> dict[str, np.ndarray]:
    """The saturated model's fitted means: every observation fitted exactly (risk r/n, the
    arm's mean, the contrast itself)."""
    d = inputs.data
    out: dict[str, np.ndarray] = {}
    if "r" in d:
        out["r_obs_fitted"] = d["r"] / d["n"]
    if "y_arm" in d:
        out["y_arm_obs_fitted"] = d["y_arm"]
    if "y" in d:
        out["y_obs_fitted"] = d["y"]
    return out


_OBS_DIMS = {"r_obs": "arm", "y_arm_obs": "arm", "y_obs": "contrast_obs"}


@dataclass(frozen=True)
class NMAFit:
    """A fitted Bayesian NMA: the DataTree, the network, and summaries computed from the draws.

    Attributes
    ----------
    dt
        ``xarray.DataTree`` with ``posterior`` (``d``, ``tau``, ``mu``, ``delta``; ``d_direct``,
        ``d_indirect``, ``omega`` when node-splitting; each likelihood's fitted mean
        ``<observed>_fitted``), ``sample_stats``, ``log_likelihood`` (``r_obs`` / ``y_arm_obs``
        per arm, ``y_obs`` per contrast), ``log_prior`` (``d``, ``d_direct``, ``tau``, ``mu``
        where they are free), ``observed_data``, ``constant_data``, and provenance in
        ``attrs``.
    network, spec, inputs
        What was fitted.
    higher_is_better
        Direction of benefit (see the module notes).
    diagnostics
        :class:`reanalyse.sampling.Diagnostics` of the run (on ``d``, ``tau``, ``d_direct``).
    compile_seconds, sample_seconds
        Time to compile (0 when the cached model was reused) and to sample.
    likelihood_at
        The model's pointwise log-likelihood with its fitted means fixed at given values, for
        this network's data (:meth:`reanalyse.sampling.CompiledModel.likelihood_at`); needed by
        :meth:`dic`.
    """

    dt: xr.DataTree
    network: Network
    spec: NMASpec
    inputs: ModelInputs
    higher_is_better: bool
    diagnostics: Diagnostics
    compile_seconds: float = 0.0
    sample_seconds: float = 0.0
    likelihood_at: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]] | None = field(
        default=None, repr=False, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ draws
    @property
    def posterior(self) -> xr.Dataset:
        """The posterior group as a Dataset."""
        return self.dt["posterior"].to_dataset()

    @property
    def treatments(self) -> tuple[str, ...]:
        """All treatments, reference first."""
        return self.network.treatments

    @property
    def sign(self) -> float:
        """+1 when higher values are better, -1 otherwise."""
        return 1.0 if self.higher_is_better else -1.0

    def _require_consistency(self, what: str) -> None:
        if self.spec.consistency == "ume":
            raise ValueError(f"{what} needs the consistency model; the UME model has no basic "
                             "parameters (see relative_effects())")

    def d_draws(self) -> np.ndarray:
        """Draws (sample, treatment) of every treatment's effect against the reference (the
        reference's column is 0)."""
        self._require_consistency("d_draws")
        if "d_all" not in self._cache:
            d = self.posterior["d"].stack(sample=("chain", "draw")).transpose("sample", ...)
            arr = d.to_numpy()
            self._cache["d_all"] = np.concatenate([np.zeros((arr.shape[0], 1)), arr], axis=1)
        return self._cache["d_all"]  # type: ignore[no-any-return]

    def _effect_table(self, pairs: list[tuple[str, str]], draws: np.ndarray | None = None,
                      threshold: float | None = None) -> pd.DataFrame:
        d = self.d_draws() if draws is None else draws
        pos = {t: i for i, t in enumerate(self.treatments)}
        t = self._on_analysis_scale(threshold)
        rows = []
        for a, b in pairs:
            x = d[:, pos[a]] - d[:, pos[b]]
            rec: dict[str, Any] = {"treatment": a, "comparator": b, **summarise_draws(x)}
            rec["p_benefit"] = float(np.mean(self.sign * x > 0))
            if t is not None:
                rec["p_meaningful"] = float(np.mean(self.sign * (x - t) > 0))
            rows.append(rec)
        out = pd.DataFrame(rows)
        if self.network.log_scale:
            for col in ("median", "q025", "q975"):
                out[f"exp_{col}"] = np.exp(out[col])
        out.attrs["orientation"] = "treatment versus comparator"
        out.attrs["scale"] = self.scale
        out.attrs["benefit"] = self.benefit_text()
        return out

    def _on_analysis_scale(self, threshold: float | None) -> float | None:
        """A threshold as the user reads it (RR 0.8, MD -0.65) on the analysis scale."""
        if threshold is None:
            return None
        return threshold_on_analysis_scale(threshold, measure=self.network.measure)

    @property
    def scale(self) -> str:
        """The analysis scale (``logOR``, ``logRR``, ``MD``, ``SMD``)."""
        m = self.network.measure
        return f"log{m}" if self.network.log_scale else m

    def benefit_text(self) -> str:
        """The direction of benefit in words."""
        side = "above" if self.higher_is_better else "below"
        null = "1" if self.network.log_scale else "0"
        return (f"benefit = {self.network.measure} {side} {null} (treatment versus comparator), "
                f"because {'higher' if self.higher_is_better else 'lower'} values of the outcome "
                "are better")

    def relative_effects(self, *, reference: str | None = None,
                         threshold: float | None = None) -> pd.DataFrame:
        """Every treatment versus ``reference`` (default: the network's), with P(benefit) and,
        given a ``threshold`` on the natural scale (OR 0.8, MD -0.65), P(clinically meaningful
        benefit).

        For the UME model: each comparison's own parameter ``d``.
        """
        if self.spec.consistency == "ume":
            d = self.posterior["d"].stack(sample=("chain", "draw")).transpose("sample", ...)
            rows = []
            for j, label in enumerate(self.inputs.params):
                x = d.to_numpy()[:, j]
                t, b = label.split(" vs ", 1)
                rows.append({"treatment": t, "comparator": b, **summarise_draws(x),
                             "p_benefit": float(np.mean(self.sign * x > 0))})
            return pd.DataFrame(rows)
        ref = reference or self.network.reference
        pairs = [(t, ref) for t in self.treatments if t != ref]
        return self._effect_table(pairs, threshold=threshold)

    def league(self, *, threshold: float | None = None) -> pd.DataFrame:
        """All ordered pairs (row treatment versus column comparator), tidy; see
        :meth:`league_matrix` for the square layout."""
        pairs = [(a, b) for a in self.treatments for b in self.treatments if a != b]
        return self._effect_table(pairs, threshold=threshold)

    def league_matrix(self, *, digits: int = 2) -> pd.DataFrame:
        """Square league table: cell (row i, column j) is row versus column, ``median (q025 to
        q975)`` on the natural scale (exponentiated for OR/RR)."""
        lg = self.league()
        back = "exp_" if self.network.log_scale else ""
        out = pd.DataFrame("", index=list(self.treatments), columns=list(self.treatments))
        for r in lg.itertuples():
            med, lo, hi = (getattr(r, f"{back}{c}") for c in ("median", "q025", "q975"))
            cell = f"{med:.{digits}f} ({lo:.{digits}f} to {hi:.{digits}f})"
            out.loc[r.treatment, r.comparator] = cell
        for t in self.treatments:
            out.loc[t, t] = t
        out.attrs["orientation"] = "row versus column"
        return out

    def benefit_probabilities(self, *, treatments: list[str] | None = None,
                              thresholds: dict[str, float] | None = None) -> pd.DataFrame:
        """P(benefit) and P(clinically meaningful benefit) for every ordered pair among
        ``treatments`` (default all) and each of them against the reference.

        Parameters
        ----------
        treatments
            The agents to compare (e.g. IVIg, methotrexate, azathioprine where present).
        thresholds
            ``{label: value}`` on the natural scale (OR 0.8, MD -0.65); a column
            ``p_<label>`` holds P(effect beyond the value in the direction of benefit).

        Returns
        -------
        pandas.DataFrame
            ``treatment, comparator, median, q025, q975, p_benefit`` and one column per
            threshold; orientation treatment versus comparator.
        """
        ref = self.network.reference
        chosen = [t for t in (treatments or list(self.treatments)) if t in self.treatments
                  and t != ref]
        pairs = [(a, ref) for a in chosen]
        pairs += [(a, b) for a in chosen for b in chosen if a != b]
        d = self.d_draws()
        pos = {t: i for i, t in enumerate(self.treatments)}
        rows = []
        for a, b in pairs:
            x = d[:, pos[a]] - d[:, pos[b]]
            summ = summarise_draws(x)
            rec: dict[str, Any] = {"treatment": a, "comparator": b, "median": summ["median"],
                                   "q025": summ["q025"], "q975": summ["q975"],
                                   "p_benefit": float(np.mean(self.sign * x > 0))}
            for label, value in (thresholds or {}).items():
                t = self._on_analysis_scale(value)
                rec[f"p_{label}"] = float(np.mean(self.sign * (x - t) > 0))
            rows.append(rec)
        out = pd.DataFrame(rows)
        out.attrs["orientation"] = "treatment versus comparator"
        out.attrs["benefit"] = self.benefit_text()
        return out

    # ------------------------------------------------------------------ ranks
    def rank_draws(self) -> np.ndarray:
        """Rank of each treatment in each draw (1 = most beneficial)."""
        d = self.sign * self.d_draws()
        order = np.argsort(-d, axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(d.shape[0])[:, None]
        ranks[rows, order] = np.arange(1, d.shape[1] + 1)
        return ranks

    def rank_probabilities(self) -> pd.DataFrame:
        """P(rank = r) for each treatment (rows) and rank r = 1..n (columns), 1 = best."""
        ranks = self.rank_draws()
        n = ranks.shape[1]
        probs = np.stack([(ranks == r).mean(axis=0) for r in range(1, n + 1)], axis=1)
        out = pd.DataFrame(probs, index=list(self.treatments), columns=list(range(1, n + 1)))
        out.attrs["benefit"] = self.benefit_text()
        return out

    def sucra(self) -> pd.Series:
        """SUCRA (Salanti et al. 2011): mean of the cumulative rank probabilities over ranks
        1..n-1; 1 = certainly best, 0 = certainly worst."""
        p = self.rank_probabilities().to_numpy()
        n = p.shape[1]
        cum = np.cumsum(p, axis=1)[:, : n - 1]
        return pd.Series(cum.sum(axis=1) / (n - 1), index=list(self.treatments), name="sucra")

    def p_best(self) -> pd.Series:
        """P(rank 1): the probability of being the most beneficial treatment."""
        return self.rank_probabilities()[1].rename("p_best")

    # ------------------------------------------------------------------ heterogeneity, fit
    def tau(self) -> dict[str, float] | None:
        """Summary of tau (None for fixed effects)."""
        if "tau" not in self.posterior or self.spec.tau_mode == "none":
            return None
        return summarise_draws(self.posterior["tau"].to_numpy().ravel())

    def nodesplit(self) -> dict[str, dict[str, float]]:
        """Direct, indirect and their difference ``omega`` with P(omega > 0) (node-splitting)."""
        if self.spec.consistency != "nodesplit":
            raise ValueError("not a node-splitting fit")
        post = self.posterior
        out = {k: summarise_draws(post[v].to_numpy().ravel())
               for k, v in (("direct", "d_direct"), ("indirect", "d_indirect"),
                            ("omega", "omega"))}
        om = post["omega"].to_numpy().ravel()
        p = float(np.mean(om > 0))
        out["omega"]["p_bayes"] = 2 * min(p, 1 - p)
        return out

    def dic(self) -> dict[str, float]:
        """Posterior mean residual deviance, effective parameters pD (plug-in at the posterior
        mean of the fitted values, TSD2 section 3.3) and DIC = resdev + pD."""
        if "dic" in self._cache:
            return self._cache["dic"]  # type: ignore[no-any-return]
        if self.likelihood_at is None:
            raise ValueError("this fit has no model to evaluate the deviance with")
        ll = self.dt["log_likelihood"].to_dataset()
        names = [str(v) for v in ll.data_vars]
        post = self.posterior
        sat = self.likelihood_at(_saturated_fitted(self.inputs))
        plug = self.likelihood_at({f"{k}_fitted": post[f"{k}_fitted"].mean(("chain", "draw"))
                                   .to_numpy() for k in names})
        resdev = sum((2.0 * (sat[k] - ll[k].transpose("chain", "draw", _OBS_DIMS[k])
                             .to_numpy())).sum(axis=-1) for k in names)
        dev_hat = sum(float((2.0 * (sat[k] - plug[k])).sum()) for k in names)
        dbar = float(np.mean(resdev))
        n_obs = sum(ll[k].sizes[_OBS_DIMS[k]] for k in names)
        out = {"resdev": dbar, "pd": dbar - dev_hat, "dic": 2 * dbar - dev_hat,
               "n_data_points": float(n_obs)}
        self._cache["dic"] = out
        return out

    def loo(self) -> Any:
        """PSIS-LOO (arviz_stats.loo) over all data points (arms and contrasts together)."""
        from arviz_stats import loo

        ll = self.dt["log_likelihood"].to_dataset()
        parts = [ll[v].rename({_OBS_DIMS[str(v)]: "obs"}).assign_coords(
            obs=[f"{v}[{i}]" for i in range(ll[v].sizes[_OBS_DIMS[str(v)]])])
            for v in ll.data_vars]
        joined = xr.concat(parts, dim="obs").rename("obs_all")
        tree = xr.DataTree.from_dict({"posterior": self.dt["posterior"].to_dataset(),
                                      "log_likelihood": joined.to_dataset()})
        return loo(tree, var_name="obs_all")

    # ------------------------------------------------------------------ export
    def to_netcdf(self, path: str | Path) -> Path:
        """Write the DataTree (all groups and the provenance attrs) to a netCDF file."""
        path = Path(path)
        self.dt.to_netcdf(path, engine="h5netcdf")
        return path

    def to_dict(self, *, threshold: float | None = None) -> dict[str, Any]:
        """JSON-ready summary (the CLI's JSON); ``threshold`` on the natural scale."""
        out: dict[str, Any] = {
            "engine": "bayesian", "measure": self.network.measure, "scale": self.scale,
            "reference": self.network.reference, "treatments": list(self.treatments),
            "benefit": self.benefit_text(), "model": self.spec.to_dict(),
            "priors": self.spec.priors(), "tau": self.tau(),
            "diagnostics": self.diagnostics.to_dict(),
            "timing": {"compile_seconds": self.compile_seconds,
                       "sample_seconds": self.sample_seconds},
        }
        if self.spec.consistency == "ume":
            out["d"] = self.relative_effects().to_dict(orient="records")
            return out
        rel = self.relative_effects(threshold=threshold)
        out["d"] = {r["treatment"]: {k: r[k] for k in ("mean", "median", "sd", "q025", "q975")}
                    for r in rel.to_dict(orient="records")}
        out["p_benefit_vs_reference"] = {r["treatment"]: r["p_benefit"]
                                         for r in rel.to_dict(orient="records")}
        out["league"] = self.league(threshold=threshold).to_dict(orient="records")
        out["league_orientation"] = "treatment (row) versus comparator (column)"
        out["rank_probabilities"] = {t: {str(k): float(v) for k, v in row.items()}
                                     for t, row in self.rank_probabilities().iterrows()}
        out["sucra"] = self.sucra().to_dict()
        out["p_best"] = self.p_best().to_dict()
        out["dic"] = self.dic()
        if threshold is not None:
            out["threshold"] = threshold
            out["threshold_analysis_scale"] = self._on_analysis_scale(threshold)
        return out


def fit_nma(
    network: Network,
    *,
    spec: NMASpec,
    higher_is_better: bool,
    random_seed: int | np.random.Generator,
    settings: SamplerSettings = DEFAULT_SETTINGS,
    cache: ModelCache = MODEL_CACHE,
) -> NMAFit:
    """Fit the Bayesian NMA of ``spec`` to ``network``.

    Parameters
    ----------
    network
        From :func:`reanalyse.nma.build_network`; must be connected.
    spec
        Effects model, consistency assumption, priors.
    higher_is_better
        Direction of benefit on the outcome as stored.
    random_seed
        Seed (required: reproducibility is not optional).
    settings
        Sampler settings and diagnostic thresholds.
    cache
        Compiled models by structure; a network with the same structure reuses the compiled
        model (only its ``pm.Data`` change).

    Returns
    -------
    NMAFit
    """
    from reanalyse.errors import DataValidationError
    from reanalyse.nma.graph import components

    groups = components(network.treatments, network.studies)
    if len(groups) > 1:
        raise DataValidationError.single(
            file=network.name, rule="disconnected network",
            message="the network is not connected: " + " | ".join(", ".join(g) for g in groups))
    inputs = model_inputs(network, spec)
    fresh = inputs.key not in cache
    compiled = cache.get(inputs.key, build=lambda: build_model(inputs, spec))
    current = compiled.with_data(**inputs.data)
    names = ["d", "d_direct"] + (["tau"] if spec.tau_mode == "prior" else [])
    start = time.perf_counter()
    dt, diag = sample_checked(current, settings=settings, random_seed=random_seed,
                              var_names=names)
    seconds = time.perf_counter() - start
    post = _relabel(dt["posterior"].to_dataset(), inputs.coords)
    coords = {k: v for k, v in inputs.coords.items() if v}
    ll_ds = current.log_density(post, kind="likelihood", coords=coords)
    free = {rv.name for rv in current.pm_model.free_RVs}
    prior_ds = current.log_density(post, kind="prior", coords=coords, var_names=[
        name for name in ("d", "d_direct", "tau", "mu") if name in free])
    obs = {}
    const = {}
    d = inputs.data
    if "r" in d:
        obs["r_obs"] = ("arm", d["r"])
        const["n"] = ("arm", d["n"])
    if "y_arm" in d:
        obs["y_arm_obs"] = ("arm", d["y_arm"])
        const["se_arm"] = ("arm", d["se_arm"])
    if "y" in d:
        obs["y_obs"] = ("contrast_obs", d["y"])
        const["sigma_conditional"] = ("contrast_obs", d["sigma"])
    coords = {k: v for k, v in inputs.coords.items() if v and k in ("arm", "contrast_obs")}
    groups_dict = {
        "posterior": post,
        "sample_stats": dt["sample_stats"].to_dataset(),
        "log_likelihood": ll_ds,
        "log_prior": prior_ds,
        "observed_data": xr.Dataset(obs, coords=coords),
        "constant_data": xr.Dataset(const, coords=coords),
    }
    tree = xr.DataTree.from_dict(groups_dict)
    seed = int(dt["sample_stats"].attrs.get("seed", -1))
    tree.attrs.update(provenance_attrs(
        data_hash=network.data_hash, spec={**spec.to_dict(), "measure": network.measure,
                                           "reference": network.reference,
                                           "likelihood": inputs.likelihood or "contrast",
                                           "higher_is_better": higher_is_better},
        priors=spec.priors(), seed=seed if seed >= 0 else None, settings=settings))
    tree.attrs["ci_prob"] = CI_PROB
    tree.attrs["ci_kind"] = CI_KIND
    return NMAFit(dt=tree, network=network, spec=spec, inputs=inputs,
                  higher_is_better=higher_is_better, diagnostics=diag,
                  compile_seconds=compiled.compile_seconds if fresh else 0.0,
                  sample_seconds=seconds, likelihood_at=current.likelihood_at)
