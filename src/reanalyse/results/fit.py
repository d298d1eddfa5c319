"""``FitResult``: one ``xarray.DataTree`` with tidy views, threshold probabilities and netCDF."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from reanalyse.results.provenance import CI_PROB, read_json_attr

__all__ = ["REQUIRED_GROUPS", "SUMMARY_COLUMNS", "FitResult", "ProvenanceMismatchError",
           "stat_block"]

#: Groups every MCMC result carries (ArviZ schema names).
REQUIRED_GROUPS: tuple[str, ...] = ("posterior", "prior", "log_likelihood", "log_prior",
                                    "observed_data", "constant_data", "sample_stats")

#: Columns of :meth:`FitResult.summary` (``ratio_*`` only for OR and RR).
SUMMARY_COLUMNS: tuple[str, ...] = ("parameter", "study", "mean", "sd", "median", "q025",
                                    "q975", "mcse_mean", "ess_bulk", "ess_tail", "r_hat")
RATIO_COLUMNS: tuple[str, ...] = ("ratio_mean", "ratio_median", "ratio_q025", "ratio_q975")

_SUMMARY_PARAMETERS = ("mu", "tau", "theta_new", "theta")
_EFFECT_PARAMETERS = ("mu", "theta_new", "theta", "baseline")
_LOWER, _UPPER = (1 - CI_PROB) / 2, (1 + CI_PROB) / 2


class ProvenanceMismatchError(ValueError):
    """A saved result does not match the data or priors it is checked against."""


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def stat_block(draws: np.ndarray) -> dict[str, float | None]:
    """``mean, median, sd, q025, q975`` of draws (JSON-ready: non-finite -> None)."""
    flat = np.asarray(draws, dtype=float).ravel()
    q = np.quantile(flat, [_LOWER, 0.5, _UPPER])
    return {"mean": _num(float(flat.mean())), "median": _num(float(q[1])),
            "sd": _num(float(flat.std(ddof=1))) if flat.size > 1 else None,
            "q025": _num(float(q[0])), "q975": _num(float(q[2]))}


class FitResult:
    """A fitted Bayesian model: the DataTree and its views.

    Parameters
    ----------
    dt
        DataTree with the groups of :data:`REQUIRED_GROUPS` and provenance attrs (as written by
        :meth:`reanalyse.models.PairwiseModel.fit`).

    Attributes
    ----------
    dt
        The DataTree itself (``fit.dt["posterior"]["tau"]``).
    """

    def __init__(self, dt: xr.DataTree) -> None:
        missing = [g for g in ("posterior",) if g not in dt.children]
        if missing:
            raise ValueError(f"a FitResult needs the group(s) {', '.join(missing)}")
        self.dt = dt

    # ----------------------------------------------------------------- provenance
    @property
    def attrs(self) -> Mapping[str, Any]:
        """Provenance attributes."""
        return self.dt.attrs

    @property
    def model(self) -> str:
        """Model kind (``normal``, ``fixed``, ``binomial-logit``, ``binomial-log``)."""
        return str(self.attrs.get("model", ""))

    @property
    def measure(self) -> str:
        """Effect measure (``OR``, ``RR``, ``MD``, ...)."""
        return str(self.attrs.get("measure", ""))

    @property
    def is_ratio(self) -> bool:
        """True for OR and RR (analysed on the log scale)."""
        return self.measure in ("OR", "RR")

    @property
    def engine(self) -> str:
        """``mcmc``."""
        return str(self.attrs.get("engine", "mcmc"))

    @property
    def diagnostics(self) -> dict[str, Any]:
        """The sampler diagnostics (``max_rhat``, ..., ``status``, ``messages``, ``attempts``)."""
        return read_json_attr(self.attrs, "diagnostics") or {}

    @property
    def status(self) -> str:
        """``ok`` or ``flagged``."""
        return str(self.diagnostics.get("status", "unknown"))

    @property
    def priors(self) -> dict[str, Any]:
        """Role -> prior record."""
        return read_json_attr(self.attrs, "priors") or {}

    @property
    def studies(self) -> list[str]:
        """Study labels (the ``study`` coordinate)."""
        post = self.dt["posterior"]
        return [str(s) for s in post["study"].values] if "study" in post.coords else []

    def draws(self, name: str, *, group: str = "posterior") -> xr.DataArray:
        """A variable's draws, dims (chain, draw[, study])."""
        return self.dt[group][name]

    def check_matches(self, *, data_sha256: str | None = None,
                      prior_ids: Iterable[str] | None = None) -> None:
        """Raise :class:`ProvenanceMismatchError` if the data hash or prior ids differ."""
        problems = []
        if data_sha256 is not None and self.attrs.get("data_sha256") != data_sha256:
            problems.append("the data differ from those the result was fitted to")
        if prior_ids is not None:
            saved = [p for p in str(self.attrs.get("prior_ids", "")).split(",") if p]
            if sorted(saved) != sorted(prior_ids):
                problems.append(f"priors {sorted(prior_ids)} differ from the saved {saved}")
        if problems:
            raise ProvenanceMismatchError("; ".join(problems))

    # ----------------------------------------------------------------- views
    def summary(self, *, fmt: Literal["wide", "long"] = "wide") -> pd.DataFrame:
        """Tidy summary on the analysis scale, with back-transformed columns for ratios.

        Returns
        -------
        pandas.DataFrame
            One row per ``mu``, ``tau``, ``theta_new`` and each study's ``theta`` (and
            ``baseline`` where the model has one); columns :data:`SUMMARY_COLUMNS` and, for OR
            and RR, ``ratio_mean, ratio_median, ratio_q025, ratio_q975`` (exp of the draws; not
            for tau). Intervals are central 95% (``CI_PROB``). ``fmt="long"`` melts it to
            ``parameter, study, statistic, value``.
        """
        import arviz_stats

        post = self.dt["posterior"].to_dataset()
        names = [n for n in (*_SUMMARY_PARAMETERS, "baseline") if n in post.data_vars]
        ds = post[names]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            bulk = arviz_stats.ess(ds, sample_dims=["chain", "draw"], method="bulk")
            tail = arviz_stats.ess(ds, sample_dims=["chain", "draw"], method="tail")
            rhat = arviz_stats.rhat(ds, sample_dims=["chain", "draw"])
            mcse = arviz_stats.mcse(ds, sample_dims=["chain", "draw"], method="mean")
        rows: list[dict[str, Any]] = []
        for name in names:
            arr = np.asarray(ds[name].values, dtype=float)
            per_study = arr.ndim == 3
            cols = [arr[..., i] for i in range(arr.shape[-1])] if per_study else [arr]
            labels: list[str | None] = list(self.studies) if per_study else [None]
            for j, (col, label) in enumerate(zip(cols, labels, strict=True)):
                flat = col.ravel()
                q = np.quantile(flat, [_LOWER, 0.5, _UPPER])
                pick = (lambda v: float(np.asarray(v[name]).ravel()[j]))  # noqa: B023
                row: dict[str, Any] = {
                    "parameter": name, "study": label, "mean": float(flat.mean()),
                    "sd": float(flat.std(ddof=1)), "median": float(q[1]),
                    "q025": float(q[0]), "q975": float(q[2]),
                    "mcse_mean": pick(mcse), "ess_bulk": pick(bulk), "ess_tail": pick(tail),
                    "r_hat": pick(rhat),
                }
                if self.is_ratio:
                    if name in _EFFECT_PARAMETERS and name != "baseline":
                        with np.errstate(over="ignore"):
                            e = np.exp(flat)
                        row.update({"ratio_mean": float(e.mean()),
                                    "ratio_median": float(np.exp(q[1])),
                                    "ratio_q025": float(np.exp(q[0])),
                                    "ratio_q975": float(np.exp(q[2]))})
                    else:
                        row.update(dict.fromkeys(RATIO_COLUMNS, math.nan))
                rows.append(row)
        table = pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS,
                                            *(RATIO_COLUMNS if self.is_ratio else ())])
        if fmt == "wide":
            return table
        if fmt == "long":
            return table.melt(id_vars=["parameter", "study"], var_name="statistic")
        raise ValueError(f"fmt must be 'wide' or 'long', got {fmt!r}")

    def p_greater(self, thresholds: Iterable[float], *, var: str = "mu") -> dict[float, float]:
        """Posterior P(var > t) for each threshold t on the analysis scale (log for ratios)."""
        flat = np.asarray(self.dt["posterior"][var].values, dtype=float).ravel()
        return {float(t): float(np.mean(flat > t)) for t in thresholds}

    def p_less(self, thresholds: Iterable[float], *, var: str = "mu") -> dict[float, float]:
        """Posterior P(var < t) for each threshold t on the analysis scale."""
        flat = np.asarray(self.dt["posterior"][var].values, dtype=float).ravel()
        return {float(t): float(np.mean(flat < t)) for t in thresholds}

    def probabilities(self, thresholds: Iterable[float]) -> pd.DataFrame:
        """P(effect > t) and P(effect < t) for mu and theta_new, with Monte Carlo SEs.

        The MCSE of a probability is that of the mean of the indicator (``arviz_stats.mcse``).
        """
        import arviz_stats

        rows = []
        for var in ("mu", "theta_new"):
            da = self.dt["posterior"][var]
            for t in thresholds:
                for direction, ind in (("greater", da > t), ("less", da < t)):
                    ind = ind.astype(float)
                    p = float(ind.mean())
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        se = float(arviz_stats.mcse(ind.to_dataset(name="x"),
                                                    sample_dims=["chain", "draw"])["x"])
                    rows.append({"parameter": var, "threshold": float(t),
                                 "direction": direction, "probability": p,
                                 "mcse": se if math.isfinite(se) else 0.0})
        return pd.DataFrame(rows)

    def to_json_dict(self, *, thresholds: Iterable[float] = (),
                     keys: Sequence[str] | None = None) -> dict[str, Any]:
        """The CLI's JSON: mu, tau, theta_new blocks, theta per study, probabilities, etc.

        ``thresholds`` are on the analysis scale; ``keys`` name their probabilities (default
        ``str(t)``; :class:`reanalyse.bayesian.BayesResult` passes the natural-scale values as
        given)."""
        post = self.dt["posterior"]
        ts = list(thresholds)
        names = [str(t) for t in ts] if keys is None else list(keys)
        if len(names) != len(ts):
            raise ValueError("keys must name every threshold")

        def by_name(probs: dict[float, float]) -> dict[str, float]:
            return {k: probs[float(t)] for k, t in zip(names, ts, strict=True)}

        theta = post["theta"].values
        out: dict[str, Any] = {
            "engine": self.engine, "model": self.model, "measure": self.measure,
            "scale": self.attrs.get("scale"),
            "mu": stat_block(post["mu"].values), "tau": stat_block(post["tau"].values),
            "theta_new": stat_block(post["theta_new"].values),
            "theta": {s: stat_block(theta[..., i]) for i, s in enumerate(self.studies)},
            "p_greater": by_name(self.p_greater(ts)),
            "p_less": by_name(self.p_less(ts)),
            "p_greater_theta_new": by_name(self.p_greater(ts, var="theta_new")),
            "p_less_theta_new": by_name(self.p_less(ts, var="theta_new")),
            "diagnostics": {k: self.diagnostics.get(k) for k in
                            ("max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
                             "status", "messages")},
            "priors": self.priors,
            "notes": read_json_attr(self.attrs, "notes") or [],
            "random_seed": self.attrs.get("random_seed"),
            "data_sha256": self.attrs.get("data_sha256"),
        }
        return out

    # ----------------------------------------------------------------- files
    def to_netcdf(self, path: str | Path) -> Path:
        """Write the DataTree to netCDF (h5netcdf); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dt.to_netcdf(path, engine="h5netcdf")
        return path

    @classmethod
    def from_netcdf(cls, path: str | Path) -> FitResult:
        """Read a DataTree written by :meth:`to_netcdf` (fully loaded; the file is closed)."""
        with xr.open_datatree(Path(path), engine="h5netcdf") as tree:
            loaded = tree.load()
        return cls(loaded.copy())

    def __repr__(self) -> str:
        return (f"FitResult(model={self.model!r}, measure={self.measure!r}, "
                f"k={len(self.studies)}, status={self.status!r})")

    def text(self) -> str:
        """A short prose rendering of the pooled effect."""
        post = self.dt["posterior"]
        b = stat_block(post["mu"].values)
        scale = "exp" if self.is_ratio else None
        def show(x: float | None) -> str:
            if x is None:
                return "NA"
            return f"{math.exp(x):.3g}" if scale else f"{x:.3g}"
        name = self.measure if self.is_ratio else f"{self.measure} (mu)"
        return (f"{name}: median {show(b['median'])}, 95% CrI {show(b['q025'])} to "
                f"{show(b['q975'])}; tau median {stat_block(post['tau'].values)['median']:.3g}; "
                f"diagnostics {self.status}")

