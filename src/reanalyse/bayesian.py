"""Bayesian random-effects meta-analysis of one comparison: the function behind ``reanalyse bayes``.

:func:`bayes_analysis` loads a study table, computes the study effects of ``treatment`` vs
``control`` (RevMan conventions, :func:`reanalyse.effects.study_effects`), loads the priors from
the registry (or inline specs) for the measure's analysis scale, and fits

- ``engine="mcmc"``: a PyMC model (:mod:`reanalyse.models`) sampled with nutpie, compiled once
  per structure, checked (R-hat, ESS, divergences) and flagged when it cannot pass;
- ``engine="exact"``: the normal-normal posterior by numerical integration
  (:func:`reanalyse.exact.fit_exact`), no Monte Carlo error.

Models: ``normal`` (normal-normal on the study estimates, any measure), ``fixed`` (its tau = 0
limit), ``binomial`` (exact binomial likelihood from arm counts: logit link for OR, guarded log
link for RR; MCMC only).

Examples
--------
>>> from reanalyse.bayesian import bayes_analysis
>>> res = bayes_analysis("data.csv", measure="RR", treatment="IVIg", control="placebo",
...                      tau_prior="half-normal-0.5", effect_prior="normal:0,10",
...                      engine="exact")                                 # doctest: +SKIP
>>> res.to_dict()["mu"]["median"]                                        # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from reanalyse.data import StudyTable, load_table
from reanalyse.direction import Orientation
from reanalyse.effects import study_effects
from reanalyse.errors import DataValidationError
from reanalyse.measures import (
    analysis_scale,
    is_ratio,
    threshold_key,
    threshold_on_analysis_scale,
)
from reanalyse.models import (
    ArmData,
    BinomialLog,
    BinomialLogit,
    ContrastData,
    FixedEffect,
    NormalNormal,
    PairwiseModel,
)
from reanalyse.posterior import DrawsPosterior, NaturalScale, Posterior
from reanalyse.posterior.interface import Parameter, Study
from reanalyse.priors import EffectPrior, TauPrior, load_prior
from reanalyse.results import FitResult, provenance_attrs
from reanalyse.sampling import DEFAULT_SETTINGS, SamplerSettings

__all__ = ["ENGINES", "MODELS", "BayesResult", "bayes_analysis", "build_model", "load_priors"]

Engine = Literal["mcmc", "exact"]
ModelName = Literal["normal", "fixed", "binomial"]
Scale = Literal["natural", "analysis"]
ENGINES: tuple[str, ...] = ("mcmc", "exact")
MODELS: tuple[str, ...] = ("normal", "fixed", "binomial")

def load_priors(
    *,
    tau_prior: str | TauPrior | None,
    effect_prior: str | EffectPrior,
    scale: str,
    thresholds: Sequence[float] = (),
    allow_scale_mismatch: bool = False,
) -> tuple[TauPrior | None, EffectPrior]:
    """The tau and effect priors for an analysis scale, a skeptical / enthusiastic effect prior
    resolved with the first threshold (on the analysis scale)."""
    tau: TauPrior | None
    if tau_prior is None or isinstance(tau_prior, TauPrior):
        tau = tau_prior
    else:
        loaded = load_prior(tau_prior, role="tau", scale=scale,
                            allow_scale_mismatch=allow_scale_mismatch)
        assert isinstance(loaded, TauPrior)
        tau = loaded
    if isinstance(effect_prior, EffectPrior):
        effect = effect_prior
    else:
        loaded_e = load_prior(effect_prior, role="effect", scale=scale,
                              allow_scale_mismatch=allow_scale_mismatch)
        assert isinstance(loaded_e, EffectPrior)
        effect = loaded_e
    if effect.needs_threshold:
        if not thresholds:
            raise DataValidationError.single(
                file=f"prior '{effect.id}'", rule="needs-threshold",
                message=f"the {effect.kind} effect prior is centred by a clinically meaningful "
                "threshold: give one with --threshold (on the natural scale, e.g. RR 0.8)")
        effect = effect.resolve(threshold=float(thresholds[0]))
    return tau, effect


def build_model(*, model: ModelName, measure: str, tau_prior: TauPrior | None,
                effect_prior: EffectPrior) -> PairwiseModel:
    """The model specification for a model name and measure."""
    if model == "normal":
        return NormalNormal(tau_prior=tau_prior, effect_prior=effect_prior)
    if model == "fixed":
        return FixedEffect(effect_prior=effect_prior)
    if model == "binomial":
        if measure == "OR":
            return BinomialLogit(tau_prior=tau_prior, effect_prior=effect_prior)
        if measure == "RR":
            return BinomialLog(tau_prior=tau_prior, effect_prior=effect_prior)
        raise ValueError(f"the binomial model serves OR and RR, not {measure}")
    raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")


@dataclass(frozen=True, kw_only=True)
class BayesResult:
    """One Bayesian analysis: the fit (MCMC) or the exact posterior, and what went in.

    Attributes
    ----------
    engine, model, measure, scale
        How it was computed and on which scale (log for OR/RR).
    studies
        Studies that entered, in order.
    excluded
        Studies that could not enter, with the reason.
    thresholds
        The thresholds for P(effect > t) and P(effect < t) as given, on the natural scale
        (RR 0.8, MD -0.65); ``analysis_thresholds`` holds them on the analysis scale. The JSON
        and ``to_dict()`` name each probability by the threshold as given (``"0.8"``).
    fit
        The :class:`~reanalyse.results.FitResult` (MCMC engine), else ``None``.
    exact
        The :class:`~reanalyse.exact.ExactPosterior` (exact engine), else ``None``.
    bayes_factors
        The :class:`~reanalyse.exact.BayesFactors` for tau = 0 and mu = 0 (exact engine with a
        prior on tau), else ``None``.
    attrs
        Provenance (as :func:`reanalyse.results.provenance_attrs`).
    """

    engine: Engine
    model: str
    measure: str
    scale: str
    studies: tuple[str, ...]
    excluded: tuple[str, ...]
    thresholds: tuple[float, ...]
    priors: dict[str, Any]
    fit: FitResult | None = None
    exact: Any = None
    bayes_factors: Any = None
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def analysis_thresholds(self) -> tuple[float, ...]:
        """The thresholds on the analysis scale (log for OR and RR)."""
        return tuple(threshold_on_analysis_scale(t, measure=self.measure)
                     for t in self.thresholds)

    @property
    def status(self) -> str:
        """``ok`` or ``flagged`` (MCMC diagnostics); ``ok`` for the exact engine."""
        return self.fit.status if self.fit is not None else "ok"

    # -- the posterior interface (one for both engines) ---------------------------------------
    @property
    def posterior(self) -> Posterior:
        """The posterior on the analysis scale (log for OR and RR), whichever engine fitted it:
        :class:`reanalyse.exact.ExactPosterior` or :class:`reanalyse.posterior.DrawsPosterior`."""
        if self.exact is not None:
            return self.exact  # type: ignore[no-any-return]
        assert self.fit is not None
        return DrawsPosterior(self.fit.dt["posterior"])

    def _on(self, scale: Scale) -> Posterior | NaturalScale:
        if scale == "analysis":
            return self.posterior
        if scale == "natural":
            return NaturalScale(self.posterior, ratio=is_ratio(self.measure))
        raise ValueError(f"scale must be 'natural' or 'analysis', got {scale!r}")

    def mean(self, parameter: Parameter, *, study: Study = None,
             scale: Scale = "natural") -> float:
        """Posterior mean of ``mu``, ``tau``, ``theta`` (with ``study=``) or ``theta_new``; on
        the natural scale (the ratio itself for OR and RR) unless ``scale="analysis"``."""
        return self._on(scale).mean(parameter, study=study)

    def sd(self, parameter: Parameter, *, study: Study = None, scale: Scale = "natural") -> float:
        """Posterior standard deviation (natural scale unless ``scale="analysis"``)."""
        return self._on(scale).sd(parameter, study=study)

    def median(self, parameter: Parameter, *, study: Study = None,
               scale: Scale = "natural") -> float:
        """Posterior median (natural scale unless ``scale="analysis"``)."""
        return float(self._on(scale).quantile(parameter, 0.5, study=study))

    def quantile(self, parameter: Parameter, q: Any, *, study: Study = None,
                 scale: Scale = "natural") -> Any:
        """Posterior quantile(s) at probability ``q`` (a number or a sequence)."""
        return self._on(scale).quantile(parameter, q, study=study)

    def interval(self, parameter: Parameter, prob: float = 0.95, *, study: Study = None,
                 scale: Scale = "natural") -> tuple[float, float]:
        """Central credible interval (``theta_new``: the prediction interval for a new study)."""
        return self._on(scale).interval(parameter, prob, study=study)

    def p_greater(self, parameter: Parameter, t: Any, *, study: Study = None,
                  scale: Scale = "natural") -> Any:
        """P(parameter > t), ``t`` on the same scale (natural: RR 1.25, MD -0.65)."""
        return self._on(scale).p_greater(parameter, t, study=study)

    def p_less(self, parameter: Parameter, t: Any, *, study: Study = None,
               scale: Scale = "natural") -> Any:
        """P(parameter < t), ``t`` on the same scale (natural: ``p_less("mu", 0.8)`` is
        P(RR < 0.8) for a risk ratio)."""
        return self._on(scale).p_less(parameter, t, study=study)

    def summary(self, *, scale: Scale = "natural") -> pd.DataFrame:
        """Tidy summary (``parameter, study, mean, sd, q025, median, q975``), one row per
        ``mu``, ``tau``, ``theta_new`` and study ``theta``."""
        return self._on(scale).summary()

    def to_datatree(self, *, draws: int = 4000, random_seed: int = 0) -> xr.DataTree:
        """The result as an ``xarray.DataTree`` with provenance in its attrs: the MCMC fit as
        sampled, or for the exact engine ``draws`` independent joint draws from the exact
        posterior (seeded by ``random_seed``)."""
        if self.fit is not None:
            return self.fit.dt
        from reanalyse.exact.draws import exact_draws

        ds = exact_draws(self.exact, draws=draws, random_seed=random_seed)
        attrs = {k: v for k, v in self.attrs.items() if isinstance(v, (str, int, float))}
        attrs["draws_random_seed"] = random_seed
        tree = xr.DataTree.from_dict({"posterior": ds})
        tree.attrs.update(attrs)
        return tree

    def plot_forest(self, *, ax: Any = None, title: str | None = None,
                    orientation: Orientation | None = None) -> Any:
        """Forest plot on the natural scale (:func:`reanalyse.plots.plot_forest`): the studies
        as entered (estimate and SE, inverse-variance weights and the frequentist total of the
        same model, as a reference), their shrunken estimates, the posterior of mu (diamond)
        and the predictive interval for a new study, the fit and its priors named in the
        legend; draws on ``ax`` or a new figure and returns the Axes. With ``orientation``
        (:func:`reanalyse.direction.orientation`) it is drawn in the review's orientation with
        the sides of the null line labelled; without, the sides are not named."""
        from reanalyse.effects import EffectTable
        from reanalyse.plots.forest import BayesianBlock, plot_forest
        from reanalyse.pooling import pool_effects

        y, se = self._observed()
        effects = EffectTable.from_estimates(study=list(self.studies), te=y, se=se,
                                             measure=self.measure)
        pooled = pool_effects(effects, model="fixed" if self.model == "fixed" else "random")
        tau = (self.priors.get("tau") or {}).get("id", "none (tau = 0)")
        effect = (self.priors.get("effect") or {}).get("id", "")
        block = BayesianBlock(posterior=self.posterior, name=f"{self.model} model",
                              model=f"{self.model} model, {self.engine} engine",
                              prior=f"tau prior {tau}, effect prior {effect}")
        return plot_forest(pooled=pooled, bayes=block, orientation=orientation, title=title,
                           ax=ax)

    def _observed(self) -> tuple[np.ndarray, np.ndarray]:
        if self.exact is not None:
            return np.asarray(self.exact.y), np.asarray(self.exact.se)
        assert self.fit is not None
        obs, const = self.fit.dt["observed_data"], self.fit.dt["constant_data"]
        if "y" in obs and "se" in const:
            return np.asarray(obs["y"].values), np.asarray(const["se"].values)
        raise ValueError("this fit holds arm counts, not study estimates; plot its study "
                         "effects with reanalyse.pool(...).plot_forest()")

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text())}</pre>"

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``reanalyse bayes --json``: summaries on the analysis scale (see the
        module docs); the probabilities ``p_greater``, ``p_less`` (and ``..._theta_new``) keyed
        by each threshold as given on the natural scale (``"0.8"`` for RR 0.8)."""
        ts = list(self.analysis_thresholds)
        keys = [threshold_key(t) for t in self.thresholds]
        if self.fit is not None:
            out = self.fit.to_json_dict(thresholds=ts, keys=keys)
        else:
            out = self._exact_dict(ts, keys)
        out["engine"] = self.engine
        out["model"] = self.model
        out["measure"] = self.measure
        out["scale"] = self.scale
        out["studies"] = list(self.studies)
        out["excluded"] = list(self.excluded)
        out["thresholds"] = [
            {"value": v, "key": k, "analysis_scale": t,
             **({"ratio": v} if is_ratio(self.measure) else {})}
            for v, k, t in zip(self.thresholds, keys, ts, strict=True)]
        out["priors"] = self.priors
        if is_ratio(self.measure):
            out["ratio"] = {name: {k: (None if out[name][k] is None else math.exp(out[name][k]))
                                   for k in ("median", "q025", "q975")}
                            for name in ("mu", "theta_new")}
        out["provenance"] = {k: self.attrs[k] for k in
                             ("data_sha256", "random_seed", "created_at", "reanalyse_version",
                              "pymc_version", "nutpie_version", "ci_prob", "ci_kind")
                             if k in self.attrs}
        return out

    def _exact_dict(self, ts: list[float], keys: list[str]) -> dict[str, Any]:
        post = self.exact
        assert post is not None

        def block(name: str, study: str | None = None) -> dict[str, float | None]:
            q = post.quantile(name, [0.025, 0.5, 0.975], study=study)
            values = {"mean": post.mean(name, study=study), "median": q[1],
                      "sd": post.sd(name, study=study), "q025": q[0], "q975": q[2]}
            return {k: (float(v) if v is not None and math.isfinite(v) else None)
                    for k, v in values.items()}

        return {
            "mu": block("mu"), "tau": block("tau"), "theta_new": block("theta_new"),
            "theta": {s: block("theta", s) for s in post.labels},
            "p_greater": {k: float(post.p_greater("mu", t)) for k, t in zip(keys, ts)},
            "p_less": {k: float(post.p_less("mu", t)) for k, t in zip(keys, ts)},
            "p_greater_theta_new": {k: float(post.p_greater("theta_new", t))
                                    for k, t in zip(keys, ts)},
            "p_less_theta_new": {k: float(post.p_less("theta_new", t))
                                 for k, t in zip(keys, ts)},
            "diagnostics": {"max_rhat": None, "min_ess_bulk": None, "min_ess_tail": None,
                            "divergences": 0, "status": "ok",
                            "messages": ["exact engine: numerical integration, no Monte Carlo"]},
            "notes": [],
            "bayes_factors": (self.bayes_factors.to_dict() if self.bayes_factors is not None
                              else None),
        }

    def text(self) -> str:
        """A short plain-text report."""
        d = self.to_dict()
        ratio = is_ratio(self.measure)

        def show(block: dict[str, float | None]) -> str:
            vals = [block[k] for k in ("median", "q025", "q975")]
            if any(v is None for v in vals):
                return "not available"
            m, lo, hi = (math.exp(v) if ratio else v for v in vals)  # type: ignore[arg-type]
            return f"{m:.3g} [{lo:.3g}, {hi:.3g}]"

        label = self.measure
        lines = [f"{label}, {self.model} model, {self.engine} engine; "
                 f"{len(self.studies)} stud{'y' if len(self.studies) == 1 else 'ies'}"
                 + (f" (excluded: {'; '.join(self.excluded)})" if self.excluded else ""),
                 (f"  priors: tau {d['priors'].get('tau', {}).get('id', 'none (tau = 0)')}, "
                 f"effect {d['priors']['effect']['id']}"),
                 f"  pooled {label} (median, 95% CrI): {show(d['mu'])}",
                 f"  new study {label} (95% PrI):      {show(d['theta_new'])}",
                 f"  tau (median, 95% CrI): {stat_text(d['tau'])}"]
        for s, block in d["theta"].items():
            lines.append(f"    {s}: {show(block)}")
        for v, t in zip(self.thresholds, self.analysis_thresholds, strict=True):
            key = threshold_key(v)
            shown = f"{key} ({t:.4g} on the log scale)" if ratio else key
            lines.append(f"  P(effect > {shown}) = {d['p_greater'][key]:.3f}; "
                         f"P(effect < {shown}) = {d['p_less'][key]:.3f}")
        bf = d.get("bayes_factors")
        if bf:
            def num(key: str) -> str:
                return "n/a" if bf[key] is None else f"{bf[key]:.3g}"
            lines.append(f"  Bayes factors BF01: tau = 0 {num('bf01_tau0')} (minimum "
                         f"{num('min_bf01_tau0')}); mu = 0 {num('bf01_mu0')} (minimum "
                         f"{num('min_bf01_mu0')})")
        diag = d["diagnostics"]
        lines.append(f"  diagnostics: {diag['status']}"
                     + (f" ({'; '.join(diag['messages'])})" if diag.get("messages") else ""))
        return "\n".join(lines)


def stat_text(block: dict[str, float | None]) -> str:
    """``median [q025, q975]`` of a statistics block."""
    vals = [block[k] for k in ("median", "q025", "q975")]
    if any(v is None for v in vals):
        return "not available"
    return f"{vals[0]:.3g} [{vals[1]:.3g}, {vals[2]:.3g}]"


def _table(data: StudyTable | pd.DataFrame | str | Path) -> StudyTable:
    if isinstance(data, StudyTable):
        return data
    return load_table(data)


def bayes_analysis(
    data: StudyTable | pd.DataFrame | str | Path,
    *,
    measure: str,
    treatment: str,
    control: str,
    tau_prior: str | TauPrior | None,
    effect_prior: str | EffectPrior,
    model: ModelName = "normal",
    engine: Engine = "mcmc",
    thresholds: Sequence[float] = (),
    outcome: str | None = None,
    timepoint: str | None = None,
    random_seed: int | None = None,
    settings: SamplerSettings = DEFAULT_SETTINGS,
    allow_scale_mismatch: bool = False,
) -> BayesResult:
    """Bayesian meta-analysis of ``treatment`` vs ``control`` in a study table.

    Parameters
    ----------
    data
        A study table (path to CSV, DataFrame in the canonical long format, or
        :class:`reanalyse.data.StudyTable`).
    measure
        ``OR``, ``RR``, ``RD``, ``MD`` or ``SMD``; ratios are analysed on the log scale.
    treatment, control
        The arms compared (arm 1 and arm 2).
    tau_prior
        Registry id or inline spec (``half-normal:0.5``); built for the measure's scale unless
        ``allow_scale_mismatch``. ``None`` only with ``model="fixed"``.
    effect_prior
        Registry id or inline spec (``normal:0,10``, ``flat``, ``skeptical``, ...); skeptical and
        enthusiastic priors are centred by the first threshold.
    model
        ``normal`` (default), ``fixed`` or ``binomial`` (OR/RR from arm counts; MCMC only).
    engine
        ``mcmc`` (default) or ``exact`` (normal / fixed models with a normal, Student-t or flat
        effect prior).
    thresholds
        Values on the natural scale (RR 0.8, MD -0.65, SMD 0.2) for P(effect > t) and
        P(effect < t); the result names each probability by the value as given.
    outcome, timepoint
        Rows to use when the table holds several.
    random_seed
        Required for MCMC (no default: reproducibility is not optional).
    settings
        Sampler settings (MCMC).
    allow_scale_mismatch
        Use priors built for another effect scale (recorded in the result).

    Returns
    -------
    BayesResult

    Raises
    ------
    reanalyse.errors.DataValidationError
        Bad data, unknown or mismatched priors, no estimable study.
    ValueError
        An impossible combination (e.g. the exact engine with the binomial model), or a ratio
        threshold that is not positive.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    if engine == "mcmc" and random_seed is None:
        raise ValueError("the MCMC engine needs a random_seed (reproducibility is not optional)")
    if model == "fixed":
        if tau_prior is not None and not (isinstance(tau_prior, str) and tau_prior == "none"):
            raise ValueError("the fixed-effect model fixes tau = 0; give no tau prior")
        tau_prior = None
    elif tau_prior is None:
        raise ValueError(f"the {model} model needs a tau prior")
    table = _table(data)
    if outcome is not None or timepoint is not None:
        table = table.select(outcome=outcome, timepoint=timepoint)
    ts = tuple(float(t) for t in thresholds)
    on_analysis = [threshold_on_analysis_scale(t, measure=measure) for t in ts]
    effects = study_effects(table, measure=measure, treatment=treatment, control=control)
    scale = analysis_scale(measure)
    tau, effect = load_priors(tau_prior=tau_prior, effect_prior=effect_prior, scale=scale,
                              thresholds=on_analysis, allow_scale_mismatch=allow_scale_mismatch)
    spec = build_model(model=model, measure=measure, tau_prior=tau, effect_prior=effect)
    where = table.name

    if model == "binomial":
        if engine == "exact":
            raise ValueError("the exact engine computes the normal-normal model only; use "
                             "--engine mcmc with --model binomial")
        try:
            model_data: ContrastData | ArmData = ArmData.from_effects(effects, measure=measure)
        except ValueError as err:
            raise DataValidationError.single(file=where, rule="binomial-data",
                                             message=str(err)) from None
        excluded: list[str] = []
    else:
        try:
            model_data = ContrastData.from_effects(effects, measure=measure)
        except ValueError as err:
            raise DataValidationError.single(file=where, rule="no estimable study",
                                             message=str(err)) from None
        excluded = [f"{s}: {why or 'not estimable'}" for s, why, ok in
                    zip(effects.study, effects.reason, effects.estimable, strict=True) if not ok]

    priors = spec.priors()
    if engine == "mcmc":
        assert random_seed is not None
        fit = spec.fit(model_data, settings=settings, random_seed=random_seed)
        return BayesResult(engine="mcmc", model=spec.kind, measure=measure, scale=scale,
                           studies=model_data.study, excluded=tuple(excluded), thresholds=ts,
                           priors=priors, fit=fit, attrs=dict(fit.attrs))

    from reanalyse.exact import bayes_factors, fit_exact

    assert isinstance(model_data, ContrastData)
    mu_prior = effect.exact_mu_prior()
    if tau is None:
        post = fit_exact(y=model_data.y, se=model_data.se, tau_fixed=0.0,
                         labels=model_data.study, **mu_prior)
        factors = None
    else:
        post = fit_exact(y=model_data.y, se=model_data.se, tau_prior=tau,
                         labels=model_data.study, **mu_prior)
        factors = bayes_factors(y=model_data.y, se=model_data.se, tau_prior=tau,
                                posterior=post, **mu_prior)
    attrs = provenance_attrs(data_hash=model_data.sha256, spec=spec.spec(), priors=priors,
                             seed=None, settings=None,
                             extra={"engine": "exact", "model": spec.kind, "measure": measure})
    return BayesResult(engine="exact", model=spec.kind, measure=measure, scale=scale,
                       studies=model_data.study, excluded=tuple(excluded), thresholds=ts,
                       priors=priors, exact=post, bayes_factors=factors, attrs=attrs)



def analysis_data(spec: Any, *, scenario: str = "sourced", model: ModelName = "normal",
                  root: str | Path | None = None) -> ContrastData | ArmData | None:
    """The model data of an analysis specification (``analyses/*.toml``) in a data scenario.

    Returns
    -------
    ContrastData, ArmData or None
        ``ContrastData`` of the estimable studies (``model`` normal or fixed), ``ArmData``
        (``model="binomial"``, arm-level binary studies only), or ``None`` when the scenario
        gives no estimable study (or, for binomial, no study with arm counts).
    """
    from reanalyse.analyses.inputs import analysis_rows

    rows = analysis_rows(spec, scenario=scenario, root=root)
    if not rows.units:
        return None
    try:
        effects = study_effects(rows.table(), measure=spec.measure, treatment=spec.treatment,
                                control=spec.control)
    except DataValidationError:
        return None
    try:
        if model == "binomial":
            return ArmData.from_effects(effects, measure=spec.measure)
        return ContrastData.from_effects(effects, measure=spec.measure)
    except ValueError:
        return None
