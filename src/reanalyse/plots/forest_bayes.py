"""The Bayesian block of a forest plot: which posterior gives the shrunken study estimates and
mu, which gives the predictive interval for a new trial, and how each is named (model and
priors), with the rows it adds under the frequentist total."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reanalyse.plots.forest_rows import Row, shown_interval
from reanalyse.plots.forest_text import effect_text

if TYPE_CHECKING:
    from reanalyse.direction import Orientation
    from reanalyse.posterior import Posterior

__all__ = ["BayesianBlock"]

_Q = (0.5, 0.025, 0.975)


@dataclass(frozen=True, kw_only=True)
class BayesianBlock:
    """What a forest plot draws from a Bayesian analysis.

    Attributes
    ----------
    posterior
        The posterior (analysis scale, :class:`reanalyse.posterior.Posterior`) whose ``mu`` is
        drawn as a diamond and whose ``theta`` (per study label) are the shrunken estimates.
    name, model, prior
        Name the fit: its reading ("like-for-like"), its model ("common effect (tau = 0),
        normal likelihood") and its priors ("effect prior gunhan2020-wip-logrr").
    predictive
        The posterior whose ``theta_new`` is the predictive interval for a new trial (default:
        ``posterior``).
    predictive_name, predictive_model, predictive_prior
        Name the predictive posterior's fit when it is another one.
    show_predictive
        Draw the predictive interval.
    """

    posterior: Posterior
    name: str
    model: str
    prior: str
    predictive: Posterior | None = None
    predictive_name: str = ""
    predictive_model: str = ""
    predictive_prior: str = ""
    show_predictive: bool = True

    @property
    def _other(self) -> bool:
        return self.predictive is not None and bool(self.predictive_name)

    def legend_names(self) -> tuple[str, str]:
        """The fits of mu (and the shrunken estimates) and of the predictive interval, each
        with its prior, for the legend."""
        mu = f"{self.name}; {self.prior}"
        return mu, (f"{self.predictive_name}; {self.predictive_prior}" if self._other else mu)

    def _natural(self, post: Posterior, parameter: str, *, ratio: bool,
                 study: str | None = None) -> tuple[float, float, float]:
        q = np.asarray(post.quantile(parameter, list(_Q), study=study), dtype=float)  # type: ignore[arg-type]
        q = np.exp(q) if ratio else q
        return float(q[0]), float(q[1]), float(q[2])

    def shrunken(self, study: str, *, ratio: bool, orientation: Orientation | None = None
                 ) -> tuple[float, float, float] | None:
        """(median, 2.5%, 97.5%) of the study's shrunken effect on the natural scale (in the
        review's orientation with ``orientation``), or None when the posterior has no such
        study."""
        if study not in tuple(getattr(self.posterior, "labels", ())):
            return None
        return shown_interval(self._natural(self.posterior, "theta", ratio=ratio, study=study),
                              orientation)

    def rows(self, *, ratio: bool, orientation: Orientation | None = None) -> list[Row]:
        """The block's rows: its headings (fits and priors), mu, and the predictive interval
        for a new trial (natural scale; in the review's orientation with ``orientation``)."""
        mu = shown_interval(self._natural(self.posterior, "mu", ratio=ratio), orientation)
        rows = [Row("blank"), Row("heading", {"study": f"Bayesian: {self.name}"}),
                Row("note", {"study": f"Model: {self.model}"}),
                Row("note", {"study": f"Prior: {self.prior}"}),
                Row("bayes-mu", {"study": "mu (posterior median, 95% CrI)",
                                 "effect": effect_text(estimate=mu[0], low=mu[1], high=mu[2])},
                    interval=mu, gid="bayes-mu")]
        if not self.show_predictive:
            return rows
        post = self.predictive if self.predictive is not None else self.posterior
        new = shown_interval(self._natural(post, "theta_new", ratio=ratio), orientation)
        if self._other:
            rows += [Row("blank"), Row("heading", {"study": f"Bayesian: {self.predictive_name}"}),
                     Row("note", {"study": f"Model: {self.predictive_model}"}),
                     Row("note", {"study": f"Prior: {self.predictive_prior}"})]
        if all(math.isfinite(v) for v in new):
            rows.append(Row("predictive", {
                "study": "New trial (median, 95% predictive interval)",
                "effect": effect_text(estimate=new[0], low=new[1], high=new[2])},
                interval=new, gid="predictive-interval"))
        return rows
