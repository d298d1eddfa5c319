"""Compile a PyMC model once with nutpie, and swap its data without recompiling.

nutpie compiles the model's log density (and the expansion to all model variables); that costs
seconds, sampling a small model costs a fraction of one. Two backends:

- ``jax`` (the default): nutpie turns the model into JAX functions, and the whole run
  (adaptation and draws of every chain) is one XLA program (:mod:`reanalyse.sampling.xla_nuts`,
  blackjax's NUTS), exported to the machine's cache and compiled by XLA once per machine: a new
  process loads it (about 0.5 s) and samples the normal-normal model in 0.1 s, the 24-study
  smoking network in 1 s. Every shape is fixed in the program, so each number of studies is a
  program of its own (6 programs for the IIM review). Measured: ``benchmarks/bench_mcmc_cache.py``
  (``reanalyse bayes``), ``benchmarks/bench_nma_cli.py`` (``reanalyse nma``),
  ``benchmarks/bench_pipeline.py`` (``reanalyse run``: 57 s cold against 94 s with numba, when
  the pipeline moved to JAX; ``benchmarks/bench_make_run.py`` for ``make run`` from a clone).
- ``numba``: nutpie's own sampler over a native callback, its chains in parallel threads
  (0.15-0.3 s for 4 x 2,000 steps of the normal-normal model), but compiled in every process
  (10-20 s) and never cached (:mod:`reanalyse.sampling.cache` says why); a model whose data
  change length keeps its compiled callback.

``REANALYSE_MCMC_BACKEND`` (``jax`` or ``numba``) overrides the default for a process. Everything that changes from
one fit to the next (data *and* prior hyperparameters) therefore goes into ``pm.Data`` containers,
and :meth:`CompiledModel.with_data` swaps their values in the compiled model (nutpie's
``with_data``, which only requires the same rank; sizes may change).

What may change size: a ``pm.Data`` array may change its length between fits as long as no
**sampled or deterministic variable's** shape depends on it (nutpie fixes those shapes at compile
time). A model with one free variable per study (the binomial models) must therefore be compiled
once per number of studies; :class:`ModelCache` keys on whatever the caller says determines the
structure.

The compiled model also carries the PyMC model it was compiled from and its
:class:`~reanalyse.sampling.density.LogDensity`, so that the pointwise log-likelihood and log
prior of a fit (``pm.stats.compute_log_likelihood`` / ``compute_log_prior``) are compiled once
per structure too and evaluated with the fit's data (:meth:`CompiledModel.log_density`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from reanalyse.sampling.cache import configure_jax_cache
from reanalyse.sampling.density import LogDensity

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    import pymc as pm
    import xarray as xr

__all__ = ["BACKEND_ENV", "Backend", "CompiledModel", "ModelCache", "compile_model",
           "default_backend", "set_default_backend"]

Backend = Literal["jax", "numba"]

#: Environment variable choosing the default backend (``jax`` or ``numba``).
BACKEND_ENV = "REANALYSE_MCMC_BACKEND"


@dataclass(frozen=True, kw_only=True)
class CompiledModel:
    """A nutpie-compiled PyMC model with the names of its data containers and free variables.

    Attributes
    ----------
    nutpie_model
        nutpie's compiled model (``nutpie.compile_pymc_model``), with the current data values.
    data_names
        Names of the model's ``pm.Data`` containers (what :meth:`with_data` accepts).
    data_ndim
        Rank of each container (the one thing a new value must keep).
    free_var_names
        Names of the model's free random variables; diagnostics are computed on them by default.
    compile_seconds
        Wall time of the compilation.
    key
        The structure key it was cached under (:class:`ModelCache`), if any.
    used_data_names
        The containers the compiled functions read (the others are pruned from the graph).
    backend
        ``"jax"`` or ``"numba"`` (:func:`compile_model`).
    pm_model
        The PyMC model it was compiled from (its ``pm.Data`` hold the values it was built
        with; :attr:`data_value` has this copy's).
    density
        The model's :class:`~reanalyse.sampling.density.LogDensity` (shared by every copy).
    """

    nutpie_model: Any
    data_names: tuple[str, ...]
    data_ndim: Mapping[str, int]
    free_var_names: tuple[str, ...]
    compile_seconds: float
    key: Hashable | None = None
    used_data_names: frozenset[str] = frozenset()
    backend: Backend = "numba"
    pm_model: Any = field(default=None, repr=False, compare=False)
    density: LogDensity | None = field(default=None, repr=False, compare=False)
    _data: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def with_data(self, **updates: ArrayLike) -> CompiledModel:
        """A copy whose ``pm.Data`` containers hold new values (no recompilation).

        Parameters
        ----------
        **updates
            ``name=value`` for any subset of :attr:`data_names`. Values keep the rank the model
            was built with; their length may change (see the module notes).

        Raises
        ------
        KeyError
            For a name that is not a data container of the model.
        ValueError
            For a value of another rank.
        """
        if not updates:
            return self
        unknown = sorted(set(updates) - set(self.data_names))
        if unknown:
            raise KeyError(
                f"unknown data container(s) {', '.join(unknown)}; the model has "
                f"{', '.join(self.data_names) or 'none'}"
            )
        arrays = {}
        for name, value in updates.items():
            arr = np.asarray(value)
            if arr.ndim != self.data_ndim[name]:
                raise ValueError(
                    f"data container {name!r} has rank {self.data_ndim[name]}, "
                    f"got an array of shape {arr.shape}"
                )
            arrays[name] = arr
        # containers the compiled functions do not read (pruned from the graph) cannot change
        # the draws; they are recorded but not passed to nutpie
        used = {name: arr for name, arr in arrays.items() if name in self.used_data_names}
        if used and self.backend == "jax":
            import jax.numpy as jnp

            # device arrays, as nutpie holds them: numpy ones would be copied on every call
            used = {name: jnp.asarray(arr) for name, arr in used.items()}
        new = self.nutpie_model.with_data(**used) if used else self.nutpie_model
        data = {**self._data, **arrays}
        return replace(self, nutpie_model=new, _data=data)

    def data_value(self, name: str) -> np.ndarray:
        """The current value of a data container."""
        if name not in self.data_names:
            raise KeyError(f"unknown data container {name!r}")
        return np.asarray(self._data[name])

    def log_density(self, posterior: xr.Dataset | xr.DataTree, *, kind: str,
                    var_names: Sequence[str] | None = None,
                    coords: Mapping[str, Sequence[Any]] | None = None) -> xr.Dataset:
        """Pointwise log-likelihood (``kind="likelihood"``) or log prior (``"prior"``) of the
        model at ``posterior``'s draws, with this copy's data and priors: the groups
        ``pm.stats.compute_log_likelihood`` / ``compute_log_prior`` fill, compiled once per
        structure (:class:`~reanalyse.sampling.density.LogDensity`)."""
        if self.density is None:
            raise ValueError("this compiled model has no PyMC model to evaluate")
        return self.density.evaluate(posterior, kind=kind,  # type: ignore[arg-type]
                                     var_names=var_names, coords=coords, data=self._data)

    def likelihood_at(self, values: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
        """The observed variables' pointwise log density with the named model variables fixed
        at ``values`` (:meth:`~reanalyse.sampling.density.LogDensity.likelihood_at`), with this
        copy's data."""
        if self.density is None:
            raise ValueError("this compiled model has no PyMC model to evaluate")
        return self.density.likelihood_at(values, data=self._data)


_default: list[Backend] = ["jax"]


def set_default_backend(backend: Backend) -> None:
    """The backend :func:`compile_model` uses in this process when none is named (and
    ``$REANALYSE_MCMC_BACKEND`` is not set); see the module notes for which to choose."""
    if backend not in ("jax", "numba"):
        raise ValueError(f"backend must be 'jax' or 'numba', got {backend!r}")
    _default[0] = backend


def default_backend() -> Backend:
    """``$REANALYSE_MCMC_BACKEND`` if set (``jax`` or ``numba``), else the process default
    (:func:`set_default_backend`; ``jax`` unless changed)."""
    chosen = os.environ.get(BACKEND_ENV, _default[0]).strip().lower()
    if chosen not in ("jax", "numba"):
        raise ValueError(f"{BACKEND_ENV} must be 'jax' or 'numba', got {chosen!r}")
    return chosen  # type: ignore[return-value]


def compile_model(pm_model: pm.Model, *, key: Hashable | None = None,
                  backend: Backend | None = None) -> CompiledModel:
    """Compile a PyMC model with nutpie, once (JAX backend: from the machine's cache if there).

    Parameters
    ----------
    pm_model
        The model. Put everything that should change between fits without recompiling (data,
        prior hyperparameters) in ``pm.Data`` containers; give them no ``dims`` whose length may
        change.
    key
        Optional label recorded on the result (the structure it represents).
    backend
        ``"jax"`` (XLA, kept in the per-machine cache of :mod:`reanalyse.sampling.cache`) or
        ``"numba"`` (compiled in every process); default :func:`default_backend`.

    Returns
    -------
    CompiledModel

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> with pm.Model() as m:  # doctest: +SKIP
    ...     y = pm.Data("y", np.zeros(3))
    ...     mu = pm.Normal("mu", 0, 10)
    ...     pm.Normal("obs", mu, 1, observed=y)
    >>> compiled = compile_model(m)  # doctest: +SKIP
    >>> compiled.with_data(y=np.ones(5)).data_names  # doctest: +SKIP
    ('y',)
    """
    import nutpie

    chosen = backend if backend is not None else default_backend()
    if chosen not in ("jax", "numba"):
        raise ValueError(f"backend must be 'jax' or 'numba', got {chosen!r}")
    data_vars = {name: var for name, var in pm_model.named_vars.items()
                 if name in {d.name for d in pm_model.data_vars}}
    data = {name: np.asarray(var.get_value()) for name, var in data_vars.items()}
    start = time.perf_counter()
    if chosen == "jax":
        configure_jax_cache()
        compiled = nutpie.compile_pymc_model(pm_model, backend="jax", gradient_backend="jax",
                                             freeze_model=False)
        # nutpie's JAX model names its shared data by the containers' names
        used = frozenset(getattr(compiled, "_shared_data", {}))
    else:
        compiled = nutpie.compile_pymc_model(pm_model, backend="numba", freeze_model=False)
        used = frozenset(getattr(var, "name", None)
                         for var in getattr(compiled, "shared_var_keys", {}))
    seconds = time.perf_counter() - start
    return CompiledModel(
        nutpie_model=compiled,
        data_names=tuple(data),
        data_ndim={name: int(arr.ndim) for name, arr in data.items()},
        free_var_names=tuple(rv.name for rv in pm_model.free_RVs),
        compile_seconds=seconds,
        key=key,
        pm_model=pm_model,
        density=LogDensity(pm_model),
        used_data_names=used,  # type: ignore[arg-type]
        backend=chosen,
        _data=data,
    )


class ModelCache:
    """Compiled models keyed by structure, built on first use and reused thereafter.

    The key must capture everything that changes the compiled graph: the model kind, the prior
    families, and any size that fixes a variable's shape (e.g. the number of studies for models
    with per-study free variables). Thread-safe; one process-wide instance is
    :data:`reanalyse.sampling.MODEL_CACHE`.

    Examples
    --------
    >>> cache = ModelCache()
    >>> compiled = cache.get(("normal", "any-tau"), build=lambda: my_pm_model)  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._models: dict[Hashable, CompiledModel] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, build: Callable[[], pm.Model]) -> CompiledModel:
        """The compiled model for ``key``; ``build()`` makes the PyMC model on a miss."""
        with self._lock:
            found = self._models.get(key)
            if found is None:
                found = compile_model(build(), key=key)
                self._models[key] = found
            return found

    def __contains__(self, key: Hashable) -> bool:
        return key in self._models

    def __len__(self) -> int:
        return len(self._models)

    def keys(self) -> list[Hashable]:
        """Keys compiled so far."""
        return list(self._models)

    def clear(self) -> None:
        """Forget every compiled model."""
        with self._lock:
            self._models.clear()
