"""The result of a frequentist pooling: one dataclass, a JSON-ready dict and a tidy table."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reanalyse.direction import Orientation
from reanalyse.direction import orientation as make_orientation
from reanalyse.pooling.heterogeneity_ci import HeterogeneityInterval

__all__ = ["PooledResult", "SubgroupTest"]


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass(frozen=True)
class SubgroupTest:
    """Test for subgroup differences: Q between subgroup estimates, df, p and I^2."""

    q: float
    df: int
    p: float
    i2: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (None for non-finite)."""
        return {"q": _clean(self.q), "df": self.df, "p": _clean(self.p), "i2": _clean(self.i2)}


@dataclass(frozen=True)
class PooledResult:
    """A pooled estimate with its heterogeneity statistics and per-study table.

    ``te`` and ``se`` are on the analysis scale (log for ratios); ``estimate``, ``ci_low`` and
    ``ci_high`` on the natural scale. ``studies`` has one row per study: ``study, te, se,
    estimate, ci_low, ci_high, weight`` (weight in percent, 0 for studies not estimable),
    ``estimable``, ``subgroup``, ``kind`` (binary, continuous or contrast) and the arm data it
    entered as (``events_1, events_2, total_1, total_2`` or ``n_1, n_2, mean_1, mean_2, sd_1,
    sd_2``; NaN for contrasts). ``i2`` is in percent. ``z`` and ``p_z`` hold the test of the
    overall effect, a t statistic on k - 1 degrees of freedom with ``hksj`` (``t`` and ``p_t`` in
    :meth:`to_dict`). ``heterogeneity_ci`` holds the Q-profile interval for
    tau^2 and the Higgins-Thompson interval for I^2 (from two and three studies on), whatever the
    model: a fixed-effect analysis reports its heterogeneity too.
    """

    measure: str
    method: str
    model: str
    tau2_method: str | None
    hksj: bool
    level: float
    log_scale: bool
    estimable: bool
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    te: float
    se: float
    z: float
    p_z: float
    q: float
    df: int
    p_q: float
    i2: float
    tau2: float
    pi_low: float | None
    pi_high: float | None
    studies: pd.DataFrame = field(repr=False)
    subgroup: str | None = None
    subgroups: tuple[PooledResult, ...] = ()
    subgroup_test: SubgroupTest | None = None
    excluded: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    heterogeneity_ci: HeterogeneityInterval | None = None
    treatment: str | None = None
    control: str | None = None

    def text(self) -> str:
        """The result as RevMan lays it out: studies with weights and effects, the total,
        heterogeneity with its intervals, and the test for the overall effect."""
        from reanalyse.pooling.render import render

        return render(self)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text())}</pre>"

    def plot_forest(self, *, ax: Any = None, title: str | None = None,
                    higher_is_better: bool | None = None,
                    orientation: Orientation | None = None, bayes: Any = None,
                    thresholds: Any = ()) -> Any:
        """Forest plot as RevMan draws it (:func:`reanalyse.plots.plot_forest`): per study the
        arm data, weight and effect with its CI as text, the square sized by weight; subgroup
        blocks with subtotals; the total with heterogeneity and the test for the overall
        effect; on the natural scale (log axis for ratios). Draws on ``ax`` (the graph; the
        table stands to its left) or a new figure, and returns the Axes.

        The sides of the null line are labelled ("Favours <treatment>" where the treatment is
        favoured) only when the direction of benefit is given: ``higher_is_better`` (of the
        outcome), or a full :class:`reanalyse.direction.Orientation` (a reversed scale, the
        review's own labels). ``bayes`` (a :class:`reanalyse.plots.BayesianBlock`) adds the
        shrunken estimates, the posterior of mu and the predictive interval; ``thresholds``
        (:func:`reanalyse.thresholds.analysis_thresholds`) are drawn and labelled.
        """
        from reanalyse.plots.forest import plot_forest

        if orientation is None and higher_is_better is not None:
            orientation = make_orientation(
                measure=self.measure, treatment=self.treatment or "treatment",
                control=self.control or "control", higher_is_better=higher_is_better)
        return plot_forest(pooled=self, bayes=bayes, orientation=orientation,
                           thresholds=thresholds, title=title, ax=ax)

    @property
    def tau(self) -> float:
        """Between-study SD, sqrt(tau2)."""
        return math.sqrt(self.tau2) if math.isfinite(self.tau2) else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the field names of the ``pool`` / ``revman`` CLI output."""
        out: dict[str, Any] = {
            "measure": self.measure, "method": self.method, "model": self.model,
            "tau2_method": self.tau2_method, "hksj": self.hksj, "level": self.level,
            "log_scale": self.log_scale, "estimable": self.estimable, "k": self.k,
        }
        for name in ("estimate", "ci_low", "ci_high", "te", "se"):
            out[name] = _clean(getattr(self, name))
        # the test statistic by its distribution: HKSJ's is a t (k - 1 df), the others a z
        stat = "t" if self.hksj else "z"
        out[stat], out[f"p_{stat}"] = _clean(self.z), _clean(self.p_z)
        out["q"] = _clean(self.q)
        out["df"] = self.df
        for name in ("p_q", "i2", "tau2"):
            out[name] = _clean(getattr(self, name))
        if self.heterogeneity_ci is not None:
            out["heterogeneity_ci"] = self.heterogeneity_ci.to_dict()
        if self.model == "random":
            out["pi_low"] = _clean(self.pi_low) if self.pi_low is not None else None
            out["pi_high"] = _clean(self.pi_high) if self.pi_high is not None else None
        if self.subgroup is not None:
            out["subgroup"] = self.subgroup
        cols = ["study", "te", "se", "estimate", "ci_low", "ci_high", "weight", "estimable"]
        out["studies"] = [
            {c: _clean(r[c].item() if hasattr(r[c], "item") else r[c]) for c in cols}
            for _, r in self.studies.iterrows()
        ]
        if self.subgroups:
            out["subgroups"] = [s.to_dict() for s in self.subgroups]
        if self.subgroup_test is not None:
            out["subgroup_test"] = self.subgroup_test.to_dict()
        if self.excluded:
            out["excluded"] = list(self.excluded)
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def summary(self) -> pd.DataFrame:
        """One-row tidy table of the pooled result (and one per subgroup)."""
        rows = [self] + list(self.subgroups)
        keys = ["subgroup", "measure", "method", "model", "tau2_method", "k", "estimate",
                "ci_low", "ci_high", "te", "se", "z", "p_z", "q", "df", "p_q", "i2", "tau2",
                "pi_low", "pi_high"]
        limits = ["tau2_low", "tau2_high", "i2_low", "i2_high"]
        nan = float("nan")
        return pd.DataFrame([
            {**{k: getattr(r, k) for k in keys},
             **{f"{k}_ci": (getattr(r.heterogeneity_ci, k) if r.heterogeneity_ci else nan)
                for k in limits}}
            for r in rows])
