"""A posterior read on the natural scale of its measure: ratios (OR, RR) back-transformed.

For a ratio measure the effect parameters ``mu``, ``theta`` and ``theta_new`` are log ratios on
the analysis scale; on the natural scale their quantiles are ``exp`` of the log-scale quantiles,
a threshold ``t`` (a ratio, ``t > 0``) is compared as ``log t``, and means and SDs are those of
the ratio itself (``E[exp(mu)]``, a log-normal mixture moment), not ``exp`` of the log-scale
mean. ``tau`` stays on the analysis scale (it is a between-study SD of log ratios). For a
difference measure (MD, SMD, RD) the natural scale is the analysis scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from reanalyse.posterior.interface import Parameter, Posterior, Study

__all__ = ["NaturalScale"]

_EFFECTS = ("mu", "theta", "theta_new")


class NaturalScale:
    """``posterior`` (analysis scale) seen on the natural scale; ``ratio`` says whether the
    measure is a ratio analysed on the log scale."""

    def __init__(self, posterior: Posterior, *, ratio: bool) -> None:
        self.analysis = posterior
        self.ratio = bool(ratio)
        self.labels = posterior.labels

    def _transformed(self, parameter: str) -> bool:
        return self.ratio and parameter in _EFFECTS

    def _threshold(self, parameter: str, t: ArrayLike) -> NDArray[np.float64]:
        ta = np.asarray(t, dtype=float)
        if not self._transformed(parameter):
            return ta
        if np.any(ta <= 0):
            raise ValueError(f"a threshold for a ratio must be positive (a ratio such as 0.8, "
                             f"not a log ratio); got {t!r}")
        return np.log(ta)

    def mean(self, parameter: Parameter, *, study: Study = None) -> float:
        """Posterior mean on the natural scale (of the ratio itself for OR and RR)."""
        if not self._transformed(parameter):
            return self.analysis.mean(parameter, study=study)
        return float(self.analysis.exp_moment(parameter, 1, study=study))  # type: ignore[attr-defined]

    def sd(self, parameter: Parameter, *, study: Study = None) -> float:
        """Posterior SD on the natural scale."""
        if not self._transformed(parameter):
            return self.analysis.sd(parameter, study=study)
        m1 = self.analysis.exp_moment(parameter, 1, study=study)  # type: ignore[attr-defined]
        m2 = self.analysis.exp_moment(parameter, 2, study=study)  # type: ignore[attr-defined]
        return math.sqrt(max(m2 - m1 * m1, 0.0)) if math.isfinite(m2) else math.inf

    def quantile(self, parameter: Parameter, q: ArrayLike, *,
                 study: Study = None) -> float | NDArray[np.float64]:
        """Posterior quantiles on the natural scale."""
        out = self.analysis.quantile(parameter, q, study=study)
        if not self._transformed(parameter):
            return out
        return float(np.exp(out)) if np.ndim(out) == 0 else np.exp(np.asarray(out))

    def median(self, parameter: Parameter, *, study: Study = None) -> float:
        """Posterior median on the natural scale."""
        return float(self.quantile(parameter, 0.5, study=study))

    def interval(self, parameter: Parameter, prob: float = 0.95, *,
                 study: Study = None) -> tuple[float, float]:
        """Central interval with probability ``prob`` on the natural scale."""
        lo, hi = self.analysis.interval(parameter, prob, study=study)
        if not self._transformed(parameter):
            return lo, hi
        return math.exp(lo), math.exp(hi)

    def p_greater(self, parameter: Parameter, t: ArrayLike, *,
                  study: Study = None) -> float | NDArray[np.float64]:
        """P(parameter > t), ``t`` on the natural scale (RR 0.8, MD -0.65)."""
        ta = self._threshold(parameter, t)
        out = self.analysis.p_greater(parameter, ta if ta.ndim else float(ta), study=study)
        return out

    def p_less(self, parameter: Parameter, t: ArrayLike, *,
               study: Study = None) -> float | NDArray[np.float64]:
        """P(parameter < t), ``t`` on the natural scale."""
        ta = self._threshold(parameter, t)
        return self.analysis.p_less(parameter, ta if ta.ndim else float(ta), study=study)

    def summary(self) -> pd.DataFrame:
        """The analysis-scale summary with the effect rows back-transformed (quantiles by
        ``exp``, mean and SD of the ratio); a column ``scale`` says which scale each row is on."""
        table = self.analysis.summary().copy()
        if not self.ratio:
            table["scale"] = "natural"
            return table
        effect = table["parameter"].isin(_EFFECTS)
        for col in ("q025", "median", "q975"):
            table.loc[effect, col] = np.exp(table.loc[effect, col].astype(float))
        for i in table.index[effect]:
            p, s = table.at[i, "parameter"], table.at[i, "study"]
            study = None if s is None or (isinstance(s, float) and math.isnan(s)) else s
            table.at[i, "mean"] = self.mean(p, study=study)
            table.at[i, "sd"] = self.sd(p, study=study)
        table["scale"] = np.where(effect, "ratio", "log ratio (tau)")
        return table
