"""The front door: the functions a notebook user calls, re-exported as ``reanalyse.*``.

The command line and the pipeline call these same functions. Tables enter as validated study
tables (:func:`read_table`), values users read come out on the natural scale (ratios
back-transformed), and every result prints readably and plots itself.

Examples
--------
>>> import reanalyse as ra
>>> table = ra.read_table("trials.csv")                                     # doctest: +SKIP
>>> res = ra.pool(table, measure="RR", method="MH", treatment="drug", control="placebo")
...                                                                         # doctest: +SKIP
>>> post = ra.bayes(table, measure="RR", treatment="drug", control="placebo",
...                 tau_prior="half-normal:0.5", effect_prior="normal:0,2.82")  # doctest: +SKIP
>>> post.p_less("mu", 0.8)                                                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from reanalyse.conversions import benefit_sign
from reanalyse.data import StudyTable, load_table
from reanalyse.measures import (
    Measure,
    Method,
    Model,
    Tau2Method,
    analysis_scale,
    is_ratio,
    threshold_on_analysis_scale,
)
from reanalyse.thresholds import threshold_side

if TYPE_CHECKING:
    import xarray as xr
    from numpy.typing import ArrayLike

    from reanalyse.bayesian import BayesResult
    from reanalyse.nma import FrequentistNMA, NMAFit
    from reanalyse.pooling import BatchPooled, PooledResult
    from reanalyse.priors import EffectPrior, TauPrior
    from reanalyse.revman.model import Review
    from reanalyse.sampling import SamplerSettings

__all__ = ["bayes", "network_meta_analysis", "pool", "pool_batch", "read_revman", "read_table",
           "sensitivity_grid"]


def read_table(source: str | Path | pd.DataFrame, *, name: str | None = None) -> StudyTable:
    """Read and validate a study table in the canonical long format (``data/README.md``).

    Parameters
    ----------
    source
        A CSV path or a DataFrame with the canonical columns.
    name
        What problems call the table (default: the file's path).

    Returns
    -------
    StudyTable

    Raises
    ------
    reanalyse.errors.DataValidationError
        Every problem at once, each with its file, row, column and rule (the CLI's messages).
    """
    return load_table(source, name=name)


def _selected(table: StudyTable | str | Path | pd.DataFrame, outcome: str | None,
              timepoint: str | None) -> StudyTable:
    t = table if isinstance(table, StudyTable) else load_table(table)
    if outcome is not None or timepoint is not None:
        t = t.select(outcome=outcome, timepoint=timepoint)
    return t


def pool(
    table: StudyTable | str | Path | pd.DataFrame,
    *,
    measure: Measure,
    treatment: str,
    control: str,
    method: Method | None = None,
    model: Model = "fixed",
    tau2: Tau2Method = "DL",
    hksj: bool = False,
    level: float = 0.95,
    outcome: str | None = None,
    timepoint: str | None = None,
) -> PooledResult:
    """Pool ``treatment`` versus ``control`` as RevMan 5 does (and beyond it: REML, PM, HKSJ).

    Parameters
    ----------
    table
        A study table (from :func:`read_table`), or a path / DataFrame to read as one.
    measure
        ``RR``, ``OR``, ``RD`` (binary), ``MD`` or ``SMD`` (continuous).
    treatment, control
        The arms compared: group 1 (experimental) and group 2 (comparator).
    method
        ``MH`` (Mantel-Haenszel), ``IV`` (inverse variance) or ``PETO``; by default ``MH`` for
        binary measures and ``IV`` for continuous ones, as RevMan, and ``IV`` (with a note)
        when a study is given only as a contrast (estimate and SE or CI).
    model, tau2, hksj
        Fixed or random effects; the tau² estimator (DerSimonian-Laird as RevMan 5, REML,
        Paule-Mandel); the Hartung-Knapp-Sidik-Jonkman interval.
    level
        Confidence level of the pooled and per-study intervals.
    outcome, timepoint
        Rows to pool when the table holds several.

    Returns
    -------
    PooledResult
        Prints as RevMan lays out an analysis; ``.plot_forest(ax=...)``; ``.summary()``.
    """
    from reanalyse.pooling import pool as pool_table

    return pool_table(_selected(table, outcome, timepoint), measure=measure, method=method,
                      model=model, tau2_method=tau2, hksj=hksj, treatment=treatment,
                      control=control, level=level)


def pool_batch(
    *,
    measure: Measure,
    te: ArrayLike | None = None,
    se: ArrayLike | None = None,
    events_1: ArrayLike | None = None,
    total_1: ArrayLike | None = None,
    events_2: ArrayLike | None = None,
    total_2: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    method: Literal["IV", "MH"] = "IV",
    model: Model = "fixed",
    tau2: Tau2Method = "DL",
    hksj: bool = False,
    level: float = 0.95,
) -> BatchPooled:
    """Pool many meta-analyses at once, each exactly as :func:`pool` pools it alone.

    Parameters
    ----------
    measure
        ``RR``, ``OR``, ``RD``, ``MD`` or ``SMD``.
    te, se
        Study effects and SEs on the analysis scale (log for ratios), one row per
        meta-analysis and one column per study, NaN where a meta-analysis has fewer studies.
    events_1, total_1, events_2, total_2
        Instead of ``te`` and ``se``: binary arm counts of the same shape (arm 1 the
        treatment); ``method="MH"`` needs them.
    mask
        True where an entry is a study (default: every entry with finite data).
    method, model, tau2, hksj, level
        As :func:`pool` (IV or MH).

    Returns
    -------
    BatchPooled
        One entry per meta-analysis in each array (``te``, ``se``, ``estimate``, ``ci_low``,
        ``ci_high``, ``tau2``, ...); ``to_frame()`` is the tidy table, one row each.
    """
    from reanalyse.pooling import pool_batch as batch

    return batch(measure=measure, te=te, se=se, events_1=events_1, total_1=total_1,
                 events_2=events_2, total_2=total_2, mask=mask, method=method, model=model,
                 tau2_method=tau2, hksj=hksj, level=level)


def bayes(
    table: StudyTable | str | Path | pd.DataFrame,
    *,
    measure: Measure,
    treatment: str,
    control: str,
    tau_prior: str | TauPrior | None,
    effect_prior: str | EffectPrior,
    model: Literal["normal", "fixed", "binomial"] = "normal",
    engine: Literal["exact", "mcmc"] = "exact",
    thresholds: Sequence[float] = (),
    outcome: str | None = None,
    timepoint: str | None = None,
    random_seed: int | None = None,
    settings: SamplerSettings | None = None,
) -> BayesResult:
    """Bayesian random-effects (or common-effect) meta-analysis of one comparison.

    Parameters
    ----------
    table
        A study table (from :func:`read_table`), or a path / DataFrame to read as one.
    measure, treatment, control
        As :func:`pool`; ratios are modelled on the log scale and read on the ratio scale.
    tau_prior
        The prior on the between-study SD: a registry id (``turner2015-marginal``; see
        ``reanalyse.priors.show``), an inline spec (``half-normal:0.5``) or a prior object;
        ``None`` with ``model="fixed"``.
    effect_prior
        The prior on mu: a registry id, an inline spec (``normal:0,2.82``, ``flat``) or a
        prior object.
    model
        ``normal`` (normal-normal on the study estimates), ``fixed`` (tau = 0) or
        ``binomial`` (exact binomial likelihood from arm counts; MCMC only).
    engine
        ``exact`` (numerical integration, no Monte Carlo error; the default) or ``mcmc``
        (PyMC sampled with nutpie; needs ``random_seed``).
    thresholds
        Clinically meaningful values on the natural scale (RR 0.8, MD -0.65); the skeptical and
        enthusiastic effect priors are centred by the first. ``to_dict()`` names each
        probability by the value as given (``"0.8"``).
    outcome, timepoint
        Rows to use when the table holds several.
    random_seed, settings
        The MCMC seed (required for ``engine="mcmc"``) and sampler settings.

    Returns
    -------
    BayesResult
        ``mean``, ``median``, ``quantile``, ``interval``, ``p_greater``, ``p_less``,
        ``summary()`` over ``mu``, ``tau``, ``theta`` and ``theta_new`` (natural scale unless
        ``scale="analysis"``), ``to_datatree()``, ``plot_forest(ax=...)``.
    """
    from reanalyse.bayesian import bayes_analysis
    from reanalyse.sampling import DEFAULT_SETTINGS

    return bayes_analysis(_selected(table, outcome, timepoint), measure=measure,
                          treatment=treatment, control=control, tau_prior=tau_prior,
                          effect_prior=effect_prior, model=model, engine=engine,
                          thresholds=thresholds, random_seed=random_seed,
                          settings=settings or DEFAULT_SETTINGS)


def sensitivity_grid(
    table: StudyTable | str | Path | pd.DataFrame,
    *,
    measure: Measure,
    treatment: str,
    control: str,
    tau_priors: Sequence[str | TauPrior],
    effect_priors: Sequence[str | EffectPrior],
    higher_is_better: bool,
    threshold: float | None = None,
    outcome: str | None = None,
    timepoint: str | None = None,
) -> xr.Dataset:
    """Posterior summaries across every tau prior x effect prior (exact engine, normal-normal).

    Parameters
    ----------
    table, measure, treatment, control, outcome, timepoint
        As :func:`bayes`.
    tau_priors, effect_priors
        Registry ids, inline specs or prior objects; each pair is one cell.
    higher_is_better
        The direction of benefit: ``True`` when effects above the null (RR > 1, MD > 0) favour
        the treatment.
    threshold
        A clinically meaningful effect on the natural scale (RR 0.8, MD -0.65) for
        P(clinically meaningful benefit) and to centre skeptical / enthusiastic priors.

    Returns
    -------
    xarray.Dataset
        Dims ``tau_prior`` x ``effect_prior`` (coords: the priors' ids); variables
        ``mu_median``, ``mu_q025``, ``mu_q975``, ``theta_new_median``, ``theta_new_q025``,
        ``theta_new_q975`` (natural scale), ``tau_median`` (analysis scale), ``p_benefit``,
        ``p_meaningful`` (NaN without a threshold) and ``p_new_benefit``.
    """
    import xarray as xr

    from reanalyse.bayesian import load_priors
    from reanalyse.effects import study_effects
    from reanalyse.models import ContrastData
    from reanalyse.priors import TauPrior, load_prior
    from reanalyse.sensitivity import exact_cells

    t = _selected(table, outcome, timepoint)
    effects = study_effects(t, measure=measure, treatment=treatment, control=control)
    data = ContrastData.from_effects(effects, measure=measure)
    scale = analysis_scale(measure)
    t_analysis = (None if threshold is None
                  else threshold_on_analysis_scale(threshold, measure=measure))
    if t_analysis is not None and threshold_side(
            t_analysis, higher_is_better=higher_is_better) != "benefit":
        null = 1 if is_ratio(measure) else 0
        side = "above" if higher_is_better else "below"
        raise ValueError(
            f"threshold {threshold:g} is not on the side of benefit: with higher_is_better="
            f"{higher_is_better} a clinically meaningful benefit lies {side} {null} ({measure})")
    tau_objs, tau_ids = [], []
    for tp in tau_priors:
        tau = tp if isinstance(tp, TauPrior) else load_prior(tp, role="tau", scale=scale)
        assert isinstance(tau, TauPrior)
        tau_objs.append(tau)
        tau_ids.append(tp if isinstance(tp, str) else tau.id)
    effect_objs, effect_ids = [], []
    for ep in effect_priors:
        _, effect = load_priors(tau_prior=None, effect_prior=ep, scale=scale,
                                thresholds=() if t_analysis is None else (t_analysis,))
        effect_objs.append(effect)
        effect_ids.append(ep if isinstance(ep, str) else effect.id)
    # every cell on the same data: one stacked fit (reanalyse.sensitivity.exact_cells)
    by_index = exact_cells(y=np.asarray(data.y), se=np.asarray(data.se), tau_priors=tau_objs,
                           effect_priors=effect_objs,
                           benefit_sign=benefit_sign(higher_is_better=higher_is_better),
                           threshold=t_analysis)
    cells = {(tau_ids[i], effect_ids[j]): cell for (i, j), cell in by_index.items()}
    taus, effs = list(dict.fromkeys(tau_ids)), list(dict.fromkeys(effect_ids))
    names = next(iter(cells.values())).keys() if cells else ()
    ratio = is_ratio(measure)
    out = {}
    for v in names:
        arr = np.array([[cells[(a, b)][v] for b in effs] for a in taus], dtype=float)
        if ratio and v.startswith(("mu_", "theta_new_")):
            arr = np.exp(arr)
        out[v] = (("tau_prior", "effect_prior"), arr)
    return xr.Dataset(out, coords={"tau_prior": taus, "effect_prior": effs},
                      attrs={"measure": measure, "treatment": treatment, "control": control,
                             "scale": "natural (tau_median on the analysis scale)",
                             "higher_is_better": int(higher_is_better),
                             "threshold": math.nan if threshold is None else float(threshold),
                             "data_sha256": data.sha256, "engine": "exact"})


def network_meta_analysis(
    table: StudyTable | str | Path | pd.DataFrame,
    *,
    measure: Measure,
    reference: str,
    higher_is_better: bool,
    engine: Literal["bayesian", "frequentist"] = "bayesian",
    model: Literal["random", "fixed"] = "random",
    tau_prior: str | TauPrior | None = None,
    effect_prior: str | EffectPrior | None = None,
    consistency: Literal["consistency", "ume", "nodesplit"] = "consistency",
    nodesplit: tuple[str, str] | None = None,
    outcome: str | None = None,
    timepoint: str | None = None,
    random_seed: int | None = None,
    settings: SamplerSettings | None = None,
) -> NMAFit | FrequentistNMA:
    """Network meta-analysis of every treatment in the table against ``reference``.

    Parameters
    ----------
    table, measure, outcome, timepoint
        As :func:`pool`; arm rows or contrast rows, one outcome.
    reference
        The treatment the basic parameters ``d`` are relative to.
    higher_is_better
        The direction of benefit (for rankings, SUCRA and P-scores).
    engine
        ``bayesian`` (PyMC, as Dias et al.'s NICE TSD2 models) or ``frequentist`` (the
        graph-theoretical model of R netmeta, DerSimonian-Laird tau^2).
    model
        Random or fixed (common) treatment effects.
    tau_prior, effect_prior
        Bayesian engine: the priors on the heterogeneity SD (random effects) and on each ``d``
        (registry ids, inline specs or prior objects); required, as ``random_seed`` is.
    consistency, nodesplit
        Bayesian engine: the consistency model, unrelated mean effects (``ume``), or a
        node-split of the comparison ``nodesplit``.
    settings
        MCMC settings (default: 1000 draws and 1000 tuning steps in each of 4 chains, target
        acceptance 0.9 retried at 0.95 and 0.99 on divergences).

    Returns
    -------
    NMAFit or FrequentistNMA
        Both give ``to_dict()``; the Bayesian fit has ``league()``, ``nodesplit()`` and its
        DataTree; the frequentist one ``league(model)``, ``effects(model)``, ``p_scores``.
    """
    from reanalyse.nma import NMASpec, build_network, fit_nma, frequentist_nma
    from reanalyse.priors import EffectPrior, TauPrior, load_prior

    net = build_network(table if isinstance(table, StudyTable) else load_table(table),
                        measure=measure, reference=reference, outcome=outcome,
                        timepoint=timepoint)
    if engine == "frequentist":
        return frequentist_nma(net)
    if engine != "bayesian":
        raise ValueError(f"engine must be 'bayesian' or 'frequentist', not {engine!r}")
    missing = [name for name, value in (("effect_prior", effect_prior),
                                        ("random_seed", random_seed)) if value is None]
    if model == "random" and tau_prior is None:
        missing.insert(0, "tau_prior")
    if missing:
        raise ValueError(f"the Bayesian NMA needs {', '.join(missing)} (no hidden defaults: "
                         "the CLI names the packaged defaults it uses)")
    scale = analysis_scale(measure)
    eff = effect_prior if isinstance(effect_prior, EffectPrior) else load_prior(
        str(effect_prior), role="effect", scale=scale)
    tau = None
    if model == "random":
        tau = tau_prior if isinstance(tau_prior, TauPrior) else load_prior(
            str(tau_prior), role="tau", scale=scale)
    spec = NMASpec(effect_prior=eff, tau_prior=tau,  # type: ignore[arg-type]
                   trt_effects="fixed" if model == "fixed" else "random",
                   consistency=consistency, nodesplit=nodesplit)
    if settings is None:
        from reanalyse.sampling import SamplerSettings

        settings = SamplerSettings(draws=1000, tune=1000, chains=4, target_accept=0.9,
                                   retry_target_accepts=(0.95, 0.99))
    assert random_seed is not None
    return fit_nma(net, spec=spec, higher_is_better=higher_is_better, random_seed=random_seed,
                   settings=settings)


def read_revman(path: str | Path) -> Review:
    """Read a RevMan 5 review (``.rm5``) or a Cochrane (RevMan Web) data package (a ``.zip`` or
    an unpacked folder): comparisons, outcomes, subgroups, study data, the analysis settings and
    RevMan's stored results. ``reanalyse.revman.recompute_review`` sets ours beside them."""
    from reanalyse.revman.package import read_review

    return read_review(path)
