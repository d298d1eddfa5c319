"""What every pairwise Bayesian model shares: priors by role, compile-once fitting, results.

Lifecycle (house style): a model is an immutable specification (structure + priors); data come
at :meth:`PairwiseModel.build` / :meth:`PairwiseModel.fit`; nothing samples at construction.

Compile once per structure: the PyMC graph holds the data *and* the prior (family weights and
hyperparameters, :mod:`reanalyse.models.prior_graph`) in ``pm.Data``. :meth:`structure_key`
names what fixes the compiled graph (the model kind; for models with per-study free variables
also the number of studies), and :meth:`fit` takes the compiled model from
:data:`reanalyse.sampling.MODEL_CACHE`, swapping in this fit's data and prior.

One model, one set of densities: the priors are free random variables and the data observed
ones (dims ``study``), so the ``log_likelihood`` and ``log_prior`` groups are the model's own
pointwise log densities (``pm.stats.compute_log_likelihood`` / ``compute_log_prior``, compiled
once with the model, :meth:`reanalyse.sampling.CompiledModel.log_density`) and the prior draws
are the prior variables' own ``random`` (:func:`prior_draws`). Nothing re-implements a density
in numpy.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import xarray as xr

from reanalyse.models.data import ArmData, ContrastData
from reanalyse.models.prior_graph import (
    draw_effect_prior,
    draw_tau_prior,
    effect_prior_values,
    tau_prior_values,
)
from reanalyse.models.specs import model_spec
from reanalyse.priors import EffectPrior, TauPrior, parse_analysis_scale
from reanalyse.priors.scales import scale_matches
from reanalyse.results.fit import FitResult
from reanalyse.results.provenance import provenance_attrs
from reanalyse.sampling import (
    DEFAULT_SETTINGS,
    MODEL_CACHE,
    CompiledModel,
    Diagnostics,
    LogDensity,
    ModelCache,
    SamplerSettings,
    normalise_seed,
    sample_checked,
)

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    import pymc as pm

__all__ = ["POSTPROCESS_STREAM", "PairwiseModel", "check_prior_scale", "prior_draws"]

#: SeedSequence stream of the draws made after sampling (theta, theta_new, the prior group).
POSTPROCESS_STREAM = 20_240_401

SAMPLE_DIMS = ("chain", "draw")


def check_prior_scale(prior: TauPrior | EffectPrior, scale: str) -> None:
    """Refuse a prior on data of another effect scale than it was loaded (or built) for.

    A prior loaded with :func:`reanalyse.priors.load_prior` records the scale it was requested
    for (and whether that was an explicit override); it must match the data's scale. A prior
    built directly must have been built for the data's scale (or ``any``).
    """
    wanted = parse_analysis_scale(scale)
    if prior.requested_scale is not None:
        got = parse_analysis_scale(prior.requested_scale)
        if got.name != wanted.name:
            raise ValueError(
                f"{prior.role} prior {prior.id!r} was loaded for scale {got}, but the data are "
                f"on {wanted}; load it with scale={wanted.name!r}"
            )
        return
    if not scale_matches(prior.scale, wanted):
        raise ValueError(
            f"{prior.role} prior {prior.id!r} was built for {', '.join(prior.scale)}, not "
            f"{wanted}; load it with load_prior(..., allow_scale_mismatch=True) to override "
            "(the override is recorded)"
        )


@dataclass(frozen=True, kw_only=True)
class PairwiseModel(ABC):
    """A Bayesian pairwise meta-analysis model: the priors by role, the structure by class.

    Parameters
    ----------
    effect_prior
        Prior on the pooled effect ``mu`` (normal, Student-t or flat; skeptical / enthusiastic
        priors must be resolved with a threshold first).
    tau_prior
        Prior on the between-study SD ``tau`` (not for fixed-effect models).
    """

    effect_prior: EffectPrior
    tau_prior: TauPrior | None = None

    kind: ClassVar[str]
    data_type: ClassVar[type]
    measures: ClassVar[tuple[str, ...]]
    random_effects: ClassVar[bool] = True
    #: Posterior variables of the raw sampler output whose R-hat and ESS are checked.
    checked_vars: ClassVar[tuple[str, ...]] = ("mu", "tau")

    def __post_init__(self) -> None:
        if self.effect_prior.needs_threshold:
            raise ValueError(f"effect prior {self.effect_prior.id!r} needs "
                             "resolve(threshold=...) before it can be used")
        if self.random_effects and self.tau_prior is None:
            raise ValueError(f"the {self.kind} model needs a tau prior")
        if not self.random_effects and self.tau_prior is not None:
            raise ValueError(f"the {self.kind} model fixes tau = 0; it takes no tau prior")

    # ----------------------------------------------------------------- structure
    def check_data(self, data: ContrastData | ArmData) -> None:
        """Raise ``TypeError`` for data of the wrong kind, ``ValueError`` if the data do not suit
        the model or its priors."""
        if not isinstance(data, self.data_type):
            raise TypeError(f"the {self.kind} model takes {self.data_type.__name__}, got "
                            f"{type(data).__name__}")
        if data.measure not in self.measures:
            raise ValueError(f"the {self.kind} model serves {', '.join(self.measures)}, not "
                             f"{data.measure}")
        check_prior_scale(self.effect_prior, data.scale)
        if self.tau_prior is not None:
            check_prior_scale(self.tau_prior, data.scale)

    def structure_key(self, data: ContrastData | ArmData) -> Hashable:
        """What fixes the compiled graph: the kind (and, where shapes depend on it, ``k``)."""
        return (self.kind,)

    @abstractmethod
    def build(self, data: ContrastData | ArmData) -> pm.Model:
        """The PyMC model for these data and priors (data and priors in ``pm.Data``)."""

    @abstractmethod
    def observed_values(self, data: ContrastData | ArmData) -> dict[str, np.ndarray]:
        """Values of the model's data containers for ``data``."""

    def data_values(self, data: ContrastData | ArmData) -> dict[str, np.ndarray]:
        """Values of every ``pm.Data`` container: data, effect prior and tau prior."""
        values = {**self.observed_values(data), **effect_prior_values(self.effect_prior)}
        if self.tau_prior is not None:
            values.update(tau_prior_values(self.tau_prior))
        return values

    # ----------------------------------------------------------------- results
    @abstractmethod
    def complete(self, raw: xr.DataTree, data: ContrastData | ArmData, *,
                 rng: np.random.Generator,
                 compiled: CompiledModel | None = None) -> dict[str, xr.Dataset]:
        """The result groups from the sampler's output (posterior, prior, log_likelihood, ...).

        ``compiled`` (holding this fit's data) evaluates the log densities with its cached
        functions; without it the model is built for ``data`` and compiled for this call.
        """

    def log_density(self, data: ContrastData | ArmData, compiled: CompiledModel | None = None
                    ) -> Callable[..., xr.Dataset]:
        """``f(posterior, kind=..., var_names=..., coords=...)``: the model's pointwise log
        densities at the draws (:meth:`reanalyse.sampling.CompiledModel.log_density`)."""
        if compiled is not None:
            return compiled.log_density
        return LogDensity(self.build(data)).evaluate

    def spec(self) -> dict[str, Any]:
        """The model's declarative description (``models/<kind>.toml``) plus its class."""
        return {"class": f"reanalyse.models.{type(self).__name__}", **model_spec(self.kind),
                "kind": self.kind}

    def priors(self) -> dict[str, Any]:
        """Role -> prior record."""
        out: dict[str, Any] = {"effect": self.effect_prior.to_dict()}
        if self.tau_prior is not None:
            out["tau"] = self.tau_prior.to_dict()
        return out

    def fit(
        self,
        data: ContrastData | ArmData,
        *,
        settings: SamplerSettings = DEFAULT_SETTINGS,
        random_seed: int | np.random.Generator,
        cache: ModelCache = MODEL_CACHE,
    ) -> FitResult:
        """Sample the posterior (compiling only on the first fit of this structure).

        Parameters
        ----------
        data
            :class:`~reanalyse.models.ContrastData` or :class:`~reanalyse.models.ArmData`.
        settings
            Sampler settings and diagnostic thresholds.
        random_seed
            No default: the same seed gives the same draws.
        cache
            Where compiled models are kept (default the process-wide one).

        Returns
        -------
        FitResult
            DataTree with groups posterior (``mu``, ``tau``, ``theta``, ``theta_new``), prior,
            log_likelihood, log_prior, observed_data, constant_data, sample_stats; provenance
            and diagnostics in its attrs. A run that failed its diagnostics after the retries is
            returned with ``diagnostics.status == "flagged"``.
        """
        self.check_data(data)
        seed = normalise_seed(random_seed)
        compiled = cache.get(self.structure_key(data), build=lambda: self.build(data))
        current = compiled.with_data(**self.data_values(data))
        raw, diag = sample_checked(current, settings=settings, random_seed=seed,
                                   var_names=self.checked_vars)
        rng = np.random.default_rng(np.random.SeedSequence([seed, POSTPROCESS_STREAM]))
        groups = self.complete(raw, data, rng=rng, compiled=current)
        groups["sample_stats"] = raw["sample_stats"].to_dataset()
        return FitResult(self._tree(groups, data=data, seed=seed, settings=settings, diag=diag,
                                    compile_seconds=compiled.compile_seconds))

    def _tree(self, groups: Mapping[str, xr.Dataset], *, data: ContrastData | ArmData,
              seed: int, settings: SamplerSettings, diag: Diagnostics,
              compile_seconds: float) -> xr.DataTree:
        dt = xr.DataTree.from_dict(dict(groups))
        notes = []
        if not self.effect_prior.proper:
            notes.append(f"effect prior: improper {self.effect_prior.family}, no prior draws of "
                         "mu or theta_new")
        dt.attrs.update(provenance_attrs(
            data_hash=data.sha256, spec=self.spec(), priors=self.priors(), seed=seed,
            settings=settings,
            extra={"engine": "mcmc", "model": self.kind, "measure": data.measure,
                   "scale": data.scale, "studies": json.dumps(list(data.study)),
                   "diagnostics": json.dumps(diag.to_dict()),
                   "diagnostic_status": diag.status,
                   "notes": json.dumps(notes), "compile_seconds": float(compile_seconds),
                   "data": json.dumps(data.to_dict())},
        ))
        return dt


def prior_draws(values: Mapping[str, np.ndarray], *, shape: tuple[int, ...], k: int,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The prior group: tau and mu drawn by the prior variables' own ``random`` at the fit's
    prior data (:func:`reanalyse.models.prior_graph.draw_tau_prior`, ``draw_effect_prior``),
    and ``theta_new`` and each ``theta_i`` ~ N(mu, tau^2) from them; mu, theta and theta_new
    only for a proper effect prior."""
    prior: dict[str, np.ndarray] = {}
    tau = draw_tau_prior(values, size=shape, rng=rng) if "tau_w" in values else np.zeros(shape)
    prior["tau"] = tau
    mu = draw_effect_prior(values, size=shape, rng=rng)
    if mu is not None:
        prior["mu"] = mu
        prior["theta_new"] = mu + tau * rng.standard_normal(shape)
        prior["theta"] = mu[..., None] + tau[..., None] * rng.standard_normal((*shape, k))
    return prior


def draws_of(raw: xr.DataTree, name: str) -> np.ndarray:
    """A posterior variable of the sampler's output as a (chain, draw, ...) array."""
    return np.asarray(raw["posterior"][name].values, dtype=float)


def dataset(values: Mapping[str, np.ndarray], *, study: tuple[str, ...],
            study_vars: tuple[str, ...] = ("theta",), sample: bool = True) -> xr.Dataset:
    """A Dataset with dims (chain, draw[, study]) (or (study,) when ``sample`` is False)."""
    coords: dict[str, Any] = {"study": list(study)}
    data_vars = {}
    for name, arr in values.items():
        if sample:
            dims = (*SAMPLE_DIMS, "study") if name in study_vars else SAMPLE_DIMS
            coords.setdefault("chain", np.arange(arr.shape[0]))
            coords.setdefault("draw", np.arange(arr.shape[1]))
        else:
            dims = ("study",)
        data_vars[name] = (dims, arr)
    return xr.Dataset(data_vars, coords=coords)
