"""The posterior interface over MCMC draws (the ``posterior`` group of a DataTree)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from reanalyse.posterior.interface import PARAMETERS, Parameter, Study

__all__ = ["DrawsPosterior"]


class DrawsPosterior:
    """Posterior summaries from draws: variables ``mu``, ``tau``, ``theta_new`` (dims chain,
    draw) and ``theta`` (chain, draw, study), as the PyMC models of :mod:`reanalyse.models`
    name them. Quantiles are the sample quantiles, probabilities the share of draws."""

    def __init__(self, posterior: xr.Dataset | xr.DataTree) -> None:
        ds = posterior.to_dataset() if isinstance(posterior, xr.DataTree) else posterior
        missing = [p for p in PARAMETERS if p not in ds.data_vars]
        if missing:
            raise ValueError(f"the draws lack {', '.join(missing)}")
        self._ds = ds
        self.labels: tuple[str, ...] = (tuple(str(s) for s in ds["study"].values)
                                        if "study" in ds.coords else ())

    def _flat(self, parameter: Parameter, study: Study) -> NDArray[np.float64]:
        if parameter not in PARAMETERS:
            raise ValueError(f"unknown parameter {parameter!r}; choose from {PARAMETERS}")
        if parameter != "theta":
            if study is not None:
                raise ValueError(f"study= applies only to 'theta', not to {parameter!r}")
            return np.asarray(self._ds[parameter].values, dtype=float).ravel()
        if study is None:
            raise ValueError("'theta' needs study= (a 0-based position or a label)")
        if isinstance(study, str):
            if study not in self.labels:
                raise ValueError(f"unknown study label {study!r}; labels are {list(self.labels)}")
            idx = self.labels.index(study)
        else:
            idx = int(study)
        return np.asarray(self._ds["theta"].isel(study=idx).values, dtype=float).ravel()

    def mean(self, parameter: Parameter, *, study: Study = None) -> float:
        """Mean of the draws."""
        return float(np.mean(self._flat(parameter, study)))

    def sd(self, parameter: Parameter, *, study: Study = None) -> float:
        """Standard deviation of the draws (``ddof=1``)."""
        return float(np.std(self._flat(parameter, study), ddof=1))

    def quantile(self, parameter: Parameter, q: ArrayLike, *,
                 study: Study = None) -> float | NDArray[np.float64]:
        """Sample quantiles (numpy's default, linear interpolation)."""
        out = np.quantile(self._flat(parameter, study), np.asarray(q, dtype=float))
        return float(out) if np.ndim(out) == 0 else np.asarray(out)

    def interval(self, parameter: Parameter, prob: float = 0.95, *,
                 study: Study = None) -> tuple[float, float]:
        """Central (equal-tailed) interval holding ``prob`` of the draws."""
        if not 0 < prob < 1:
            raise ValueError("prob must lie strictly between 0 and 1")
        lo, hi = self.quantile(parameter, [(1 - prob) / 2, (1 + prob) / 2], study=study)
        return float(lo), float(hi)

    def p_greater(self, parameter: Parameter, t: ArrayLike, *,
                  study: Study = None) -> float | NDArray[np.float64]:
        """Share of draws above ``t``."""
        x = self._flat(parameter, study)
        ta = np.asarray(t, dtype=float)
        out = np.mean(x[:, None] > ta.reshape(-1)[None, :], axis=0)
        return float(out[0]) if ta.ndim == 0 else out.reshape(ta.shape)

    def p_less(self, parameter: Parameter, t: ArrayLike, *,
               study: Study = None) -> float | NDArray[np.float64]:
        """Share of draws below ``t``."""
        x = self._flat(parameter, study)
        ta = np.asarray(t, dtype=float)
        out = np.mean(x[:, None] < ta.reshape(-1)[None, :], axis=0)
        return float(out[0]) if ta.ndim == 0 else out.reshape(ta.shape)

    def summary(self) -> pd.DataFrame:
        """One row per ``mu``, ``tau``, ``theta_new`` and each study's ``theta``: ``parameter,
        study, mean, sd, q025, median, q975``."""
        rows = [(p, None) for p in ("mu", "tau", "theta_new")]
        rows += [("theta", s) for s in self.labels]
        out = []
        for p, s in rows:
            lo, med, hi = self.quantile(p, [0.025, 0.5, 0.975], study=s)  # type: ignore[arg-type, misc]
            out.append({"parameter": p, "study": s, "mean": self.mean(p, study=s),  # type: ignore[arg-type]
                        "sd": self.sd(p, study=s), "q025": lo, "median": med,  # type: ignore[arg-type]
                        "q975": hi})
        return pd.DataFrame(out)

    def exp_moment(self, parameter: Parameter, power: int = 1, *, study: Study = None) -> float:
        """``E[exp(power * parameter)]``: natural-scale moments of a log-scale effect."""
        with np.errstate(over="ignore"):
            return float(np.mean(np.exp(power * self._flat(parameter, study))))
