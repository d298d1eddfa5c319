"""Everything about one pairwise analysis that is cheap and exact: its data in each scenario, the
frequentist results with the review's method, the exact-engine sensitivity grid and tipping
points, and the MCMC jobs it needs (which the runner caches and executes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reanalyse.analyses import AnalysisSpec
from reanalyse.analyses.inputs import AnalysisRows, analysis_rows
from reanalyse.conversions import benefit_sign
from reanalyse.effects import EffectTable, study_effects
from reanalyse.errors import DataValidationError
from reanalyse.exact import BayesFactors, ExactPosterior, bayes_factors, fit_exact
from reanalyse.measures import BINARY_MEASURES, analysis_scale
from reanalyse.pipeline.defaults import (
    BayesDefaults,
    ResolvedPrior,
    resolve_effect_prior,
    resolve_tau_prior,
    unit_information_sd,
)
from reanalyse.pipeline.readings import Reading, like_for_like, random_effects
from reanalyse.pooling import PooledResult, method_for_effects, pool_effects
from reanalyse.priors import EffectPrior
from reanalyse.sensitivity import TippingPoint, exact_cells, summarise_exact, tipping_points
from reanalyse.thresholds import ScaledThreshold, analysis_thresholds, primary_threshold
from reanalyse.trim_fill import TrimFill

__all__ = ["PreparedAnalysis", "ScenarioData", "prepare_analysis"]

SCENARIOS = ("sourced", "reconstruction")


@dataclass
class ScenarioData:
    """One scenario's rows, study effects (estimable only) and frequentist results."""

    scenario: str
    rows: AnalysisRows
    effects: EffectTable | None = None
    review: PooledResult | None = None
    random_dl: PooledResult | None = None
    problem: str = ""

    @property
    def k(self) -> int:
        return 0 if self.effects is None else len(self.effects)

    def y_se(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.effects is not None
        return self.effects.te, self.effects.se

    def participants(self) -> np.ndarray:
        """Participants per study (arm totals; for contrast rows unknown: NaN)."""
        assert self.effects is not None
        return self.effects.participants()

    def arm_counts(self) -> dict[str, list[float]] | None:
        """Binary arm counts when every study has them (the binomial likelihood needs them)."""
        e = self.effects
        if e is None or not e.is_binary_arms:
            return None
        return {c: [float(v) for v in values] for c, values in e.binary_cells().items()}


@dataclass
class PreparedAnalysis:
    """A pairwise analysis ready for the Bayesian layer."""

    spec: AnalysisSpec
    scenario: str
    scale: str
    sign: int
    thresholds: list[ScaledThreshold]
    primary: ScaledThreshold | None
    data: dict[str, ScenarioData]
    uisd: float | None
    tau_priors: list[ResolvedPrior]
    effect_priors: list[ResolvedPrior]
    default_tau: ResolvedPrior | None
    default_effect: ResolvedPrior | None
    exact_default: ExactPosterior | None = None
    exact_cells: dict[tuple[str, str, str, str], dict[str, float]] = field(default_factory=dict)
    tipping: list[TippingPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: leave-one-out table and funnel-asymmetry tests (``pipeline.robustness``)
    influence: pd.DataFrame | None = None
    small_study: pd.DataFrame | None = None
    trim_fill: pd.DataFrame | None = None
    trim_fill_fits: dict[str, TrimFill] = field(default_factory=dict)
    #: Bayes factors for tau = 0 and mu = 0 under the default priors (exact engine)
    bayes_factors: BayesFactors | None = None
    #: the generalisation reading's tau prior (``generalisation_tau`` of the defaults)
    generalisation_tau: ResolvedPrior | None = None
    #: the two Bayesian readings (``pipeline.readings``): like-for-like with the review, and
    #: the generalisation (random effects under an empirical tau prior)
    like_for_like: Reading | None = None
    random_effects: Reading | None = None

    @property
    def main(self) -> ScenarioData:
        return self.data[self.scenario]

    @property
    def binary(self) -> bool:
        return self.spec.measure in BINARY_MEASURES


def _frequentist(spec: AnalysisSpec, rows: AnalysisRows) -> ScenarioData:
    sd = ScenarioData(scenario=rows.scenario, rows=rows)
    if not len(rows.frame):
        sd.problem = f"no usable data in the '{rows.scenario}' scenario"
        return sd
    table = rows.table()
    try:
        # the study effects once; both pooled results are computed from them
        eff = study_effects(table, measure=spec.measure, treatment=spec.treatment,
                            control=spec.control)
        method, _ = method_for_effects(spec.method, eff)
        arms = {"treatment": spec.treatment, "control": spec.control}
        sd.review = pool_effects(eff, measure=spec.measure, method=method, model=spec.model,
                                 tau2_method=spec.tau2, hksj=spec.hksj, **arms)
        sd.random_dl = pool_effects(eff, measure=spec.measure, method=method, model="random",
                                    tau2_method="DL", **arms)
    except DataValidationError as err:
        sd.problem = " | ".join(err.lines)
        return sd
    sd.effects = eff.estimable_only()
    if not len(sd.effects):
        sd.problem = "no estimable study"
    return sd


def prepare_analysis(spec: AnalysisSpec, *, defaults: BayesDefaults, scenario: str = "sourced",
                     root: Any = None, grid: bool = True) -> PreparedAnalysis:
    """Load both scenarios, pool them as the review did, compute the exact-engine layer and
    (with ``grid``) the leave-one-out, small-study and trim-and-fill diagnostics."""
    from reanalyse.pipeline.robustness import influence_table, small_study_table, trim_fill_for

    prep = _prepare(spec, defaults=defaults, scenario=scenario, root=root, grid=grid)
    if grid:
        prep.influence = influence_table(prep)
        prep.small_study = small_study_table(prep)
        prep.trim_fill, prep.trim_fill_fits = trim_fill_for(prep)
    return prep


def _prepare(spec: AnalysisSpec, *, defaults: BayesDefaults, scenario: str, root: Any,
             grid: bool) -> PreparedAnalysis:
    data = {sc: _frequentist(spec, analysis_rows(spec, scenario=sc, root=root))
            for sc in SCENARIOS}
    scale = analysis_scale(spec.measure)
    sign = benefit_sign(higher_is_better=spec.higher_is_better)
    primary = primary_threshold(spec)
    main = data[scenario]
    uisd = None
    if main.k:
        y, se = main.y_se()
        n = main.participants()
        if np.all(np.isfinite(n)):
            uisd = unit_information_sd(n=n, se=se)
    cfg = defaults.for_scale(scale)
    prep = PreparedAnalysis(spec=spec, scenario=scenario, scale=scale, sign=sign,
                            thresholds=analysis_thresholds(spec), primary=primary, data=data,
                            uisd=uisd, tau_priors=[], effect_priors=[], default_tau=None,
                            default_effect=None)
    if main.k == 0:
        prep.notes.append(main.problem or "no data")
        return prep
    needs_uisd = any(p.startswith("uisd-") for p in (cfg.default_tau, *cfg.grid_tau))
    if needs_uisd and uisd is None:
        prep.notes.append("tau priors scaled by the unit-information SD need participant "
                          "numbers, which contrast-only studies lack")
        return prep
    prep.default_tau = resolve_tau_prior(cfg.default_tau, scale=scale, uisd=uisd, root=root)
    prep.default_effect = resolve_effect_prior(cfg.default_effect, scale=scale, threshold=primary,
                                               root=root)
    prep.tau_priors = [resolve_tau_prior(p, scale=scale, uisd=uisd, root=root)
                       for p in cfg.grid_tau]
    prep.effect_priors = [r for r in (resolve_effect_prior(p, scale=scale, threshold=primary,
                                                           root=root)
                                      for p in cfg.grid_effect) if r is not None]
    if primary is None:
        prep.notes.append("no sourced clinically meaningful threshold: P(meaningful benefit), "
                          "the skeptical and enthusiastic priors and the tipping point are "
                          "not computed")
    y, se = main.y_se()
    eff = prep.default_effect.prior
    assert isinstance(eff, EffectPrior)
    mu_prior = eff.exact_mu_prior()
    prep.exact_default = fit_exact(y=y, se=se, tau_prior=prep.default_tau.prior,  # type: ignore[arg-type]
                                   labels=[str(s) for s in main.effects.study],  # type: ignore[union-attr]
                                   **mu_prior)
    prep.bayes_factors = bayes_factors(y=y, se=se, tau_prior=prep.default_tau.prior,  # type: ignore[arg-type]
                                       posterior=prep.exact_default, **mu_prior)
    prep.generalisation_tau = resolve_tau_prior(cfg.generalisation, scale=scale, uisd=uisd,
                                                root=root)
    prep.like_for_like = like_for_like(prep)
    prep.random_effects = random_effects(prep)
    if not grid:
        return prep
    t = primary.t if primary is not None else None
    # a cell depends on the data, not on the scenario's name: scenarios with the same studies
    # share their cells, and the headline posterior is the default priors' cell
    fitted: dict[tuple[bytes, bytes, str, str], dict[str, float]] = {
        (y.tobytes(), se.tobytes(), prep.default_tau.id, prep.default_effect.id):
            summarise_exact(prep.exact_default, benefit_sign=sign, threshold=t)}
    # the random-effects reading is the generalisation tau prior's cell (same summaries)
    if prep.random_effects is not None and prep.generalisation_tau is not None:
        fitted.setdefault((y.tobytes(), se.tobytes(), prep.generalisation_tau.id,
                           prep.default_effect.id), dict(prep.random_effects.summary))
    for sc, sdata in data.items():
        if sdata.k == 0:
            continue
        ys, ses = sdata.y_se()
        if not all((ys.tobytes(), ses.tobytes(), tp.id, ep.id) in fitted
                   for tp in prep.tau_priors for ep in prep.effect_priors):
            # the scenario's cells in one stacked fit (the headline's and the reading's kept)
            cells = exact_cells(y=ys, se=ses,
                                tau_priors=[tp.prior for tp in prep.tau_priors],  # type: ignore[misc]
                                effect_priors=[ep.prior for ep in prep.effect_priors],  # type: ignore[misc]
                                benefit_sign=sign, threshold=t)
            for (i, j), cell in cells.items():
                fitted.setdefault((ys.tobytes(), ses.tobytes(), prep.tau_priors[i].id,
                                   prep.effect_priors[j].id), cell)
        for tp in prep.tau_priors:
            for ep in prep.effect_priors:
                key = (ys.tobytes(), ses.tobytes(), tp.id, ep.id)
                prep.exact_cells[(tp.id, ep.id, "normal", sc)] = dict(fitted[key])
    if primary is not None:
        factor = uisd if scale == "MD" and uisd else 1.0
        prep.tipping = tipping_points(
            y=y, se=se, effect_prior=eff, benefit_sign=sign, threshold=primary.t,
            scan_min=defaults.tipping.scale_min * factor,
            scan_max=defaults.tipping.scale_max * factor)
    return prep

