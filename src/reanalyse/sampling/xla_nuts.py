"""NUTS as one XLA program: every chain's adaptation and draws, compiled once per machine.

nutpie's JAX backend calls the compiled log density from Python at every leapfrog step (about
20 us a call, 37,000 calls for a fit of the normal-normal model: 2 s of a 5 s process). Here the
whole run is one jitted program, built from blackjax's NUTS and Stan-style window adaptation
and vmapped over the chains: its inputs are the seed, the initial points, the target acceptance
and the model's data containers, its outputs the draws of every model variable and the
sampler's statistics. Hence:

- another fit of the same structure (new data, new prior hyperparameters, a retry at another
  target acceptance) reuses the compiled program: 0.1-0.2 s a fit;
- the program is exported (``jax.export``) to the machine's cache folder, so that a new process
  loads it instead of tracing blackjax again (about 2 s), and XLA's compiled code for it comes
  from JAX's persistent compilation cache (:mod:`reanalyse.sampling.cache`).

The exported file is named by a hash of what determines the program: the jaxprs of the model's
log density and of its expansion to the model's variables (the model's structure, priors'
families and every shape), the run's lengths (chains, tuning and draws) and maximum tree
depth, this module's source (which writes the sampler) and blackjax's version, in the folder
of the package versions' tag (:func:`reanalyse.sampling.cache.version_tag`). A file that cannot be read, or whose
inputs do not match the call, is rebuilt and replaced, never trusted.

The log density, its expansion and the initial points are nutpie's (``compile_pymc_model``
with ``backend="jax"``), so the unconstrained space, the transforms and the initial jitter are
those of nutpie's own sampler.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reanalyse.io.atomic import write_bytes
from reanalyse.sampling.cache import installed_version, jax_cache_dir, repair

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

    from reanalyse.sampling.compile import CompiledModel
    from reanalyse.sampling.settings import SamplerSettings

__all__ = ["program_folder", "sample"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
#: Loaded programs of this process, by file name.
_programs: dict[str, Callable[..., Any]] = {}
#: Program names of this process, by what determines them (see :func:`_program_name`).
_names: dict[tuple[Any, ...], str] = {}


@dataclass(frozen=True)
class _Parts:
    """What the program is built from, taken from nutpie's compiled JAX model."""

    logp: Callable[..., Any]  # (x, *logp_shared) -> (logp, ...)
    logp_shared: tuple[str, ...]
    expand: Callable[..., Any]  # (x, *expand_shared) -> values in `names` order
    expand_shared: tuple[str, ...]
    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    unconstrained: frozenset[str]


def _parts(nutpie_model: Any) -> _Parts:
    """The JAX functions inside nutpie's model (``compile_pymc_model(backend="jax")``)."""
    try:
        logp_vars = inspect.getclosurevars(nutpie_model._make_logp_func).nonlocals
        expand_vars = inspect.getclosurevars(nutpie_model._make_expand_func).nonlocals
        return _Parts(
            logp=nutpie_model._raw_logp_fn,
            logp_shared=tuple(logp_vars["logp_shared_names"]),
            expand=expand_vars["expand_fn"],
            expand_shared=tuple(expand_vars["expand_shared_names"]),
            names=tuple(expand_vars["names"]),
            shapes=tuple(tuple(int(n) for n in s) for s in expand_vars["shapes"]),
            unconstrained=frozenset(getattr(nutpie_model, "reparameterized_names", None) or ()),
        )
    except (AttributeError, KeyError, TypeError) as exc:  # pragma: no cover - nutpie changed
        raise RuntimeError(
            f"nutpie {installed_version('nutpie')} no longer exposes its JAX log density as "
            f"reanalyse expects ({exc}); use REANALYSE_MCMC_BACKEND=numba"
        ) from exc


def _build(parts: _Parts, *, chains: int, tune: int, draws: int, maxdepth: int) -> Callable:
    """The jitted run: (key data, initial points, target acceptance, logp data, expand data)
    -> (stats, step sizes, expanded draws)."""
    import blackjax
    import jax

    def run(key_data, init, target_accept, logp_shared, expand_shared):
        def logdensity(x):
            return parts.logp(x, *logp_shared)[0]

        def chain(key, x0):
            warm_key, draw_key = jax.random.split(key)
            warmup = blackjax.window_adaptation(blackjax.nuts, logdensity,
                                                target_acceptance_rate=target_accept,
                                                max_num_doublings=maxdepth)
            (state, params), _ = warmup.run(warm_key, x0, num_steps=tune)
            kernel = blackjax.nuts(logdensity, **params)

            def step(state, key):
                state, info = kernel.step(key, state)
                return state, (state.position, state.logdensity, info.is_divergent,
                               info.num_trajectory_expansions, info.num_integration_steps,
                               info.acceptance_rate, info.energy)

            _, out = jax.lax.scan(step, state, jax.random.split(draw_key, draws))
            return out, params["step_size"]

        keys = jax.random.split(jax.random.wrap_key_data(key_data), chains)
        out, step_size = jax.lax.map(lambda a: chain(*a), (keys, init))
        flat = out[0].reshape(chains * draws, -1)
        expanded = jax.vmap(lambda x: parts.expand(x, *expand_shared))(flat)
        return out[1:], step_size, expanded

    return jax.jit(run)


def _program_name(parts: _Parts, args: tuple[Any, ...], *, chains: int, tune: int, draws: int,
                  maxdepth: int) -> str:
    """The file name of the program: a hash of its structure (see the module notes).

    Tracing the two jaxprs costs 20-40 ms, so the name is kept for this process, by the JAX
    functions (their identity: a function's constants are its own) and the shapes and dtypes
    of the arguments, which are all a jaxpr depends on."""
    import jax

    avals = tuple((np.shape(a), np.asarray(a).dtype.str) for a in jax.tree.leaves(args))
    key = (parts.logp, parts.expand, avals, chains, tune, draws, maxdepth)
    with _lock:
        name = _names.get(key)
    if name is None:
        name = _traced_name(parts, args, chains=chains, tune=tune, draws=draws,
                            maxdepth=maxdepth)
        with _lock:
            _names[key] = name
    return name


def _traced_name(parts: _Parts, args: tuple[Any, ...], *, chains: int, tune: int, draws: int,
                 maxdepth: int) -> str:
    import jax

    x = args[1][0]
    logp = jax.make_jaxpr(lambda x, *s: parts.logp(x, *s))(x, *args[3])
    expand = jax.make_jaxpr(lambda x, *s: parts.expand(x, *s))(x, *args[4])
    # this module's own text: the sampler program is written here
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    text = (f"{logp}\n{expand}\nchains={chains} tune={tune} draws={draws} maxdepth={maxdepth}"
            f"\nblackjax={installed_version('blackjax')}\nsampler={source}")
    return hashlib.sha256(text.encode()).hexdigest()[:32] + ".jaxexport"


def program_folder() -> Path:
    """Where the exported programs of these package versions are kept."""
    return jax_cache_dir() / "programs"


def _load(name: str, parts: _Parts, args: tuple[Any, ...], **lengths: int) -> Callable:
    """The program ``name``: from this process, else from the cache folder, else built (and
    exported there)."""
    import jax
    from jax import export

    with _lock:
        found = _programs.get(name)
        if found is not None:
            return found
        path = program_folder() / name
        call = None
        if path.is_file():
            try:
                exported = export.deserialize(bytearray(path.read_bytes()))
                wanted = jax.tree.map(lambda a: jax.ShapeDtypeStruct(np.shape(a),
                                                                     jax.numpy.asarray(a).dtype),
                                      args)
                if tuple(exported.in_avals) != tuple(
                        jax.core.ShapedArray(a.shape, a.dtype)
                        for a in jax.tree.leaves(wanted)):
                    raise ValueError("its inputs do not match this call")
                call = jax.jit(exported.call)
            except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
                log.warning("rebuilt the unreadable compiled sampler %s (%s)", path, exc)
                call = None
        if call is None:
            exported = export.export(_build(parts, **lengths))(*args)
            write_bytes(path, bytes(exported.serialize()))
            # the exported program, not the traced one: XLA's cache then holds the code that
            # a later process, loading the file, asks for
            call = jax.jit(exported.call)
        _programs[name] = call
        return call


def sample(compiled: CompiledModel, *, settings: SamplerSettings, seed: int,
           target_accept: float, draws: int) -> xr.DataTree:
    """One run of every chain as one XLA program; the posterior and ``sample_stats`` groups
    as nutpie returns them (``diverging``, ``depth``, ``maxdepth_reached``, ``n_steps``,
    ``mean_tree_accept``, ``energy``, ``step_size``, ``lp``), warm-up not kept.

    The same seed gives the same draws (on the same machine and package versions).
    """
    from arviz_base import from_dict

    model = compiled.nutpie_model
    parts = _parts(model)
    chains = settings.chains
    lengths = {"chains": chains, "tune": settings.tune, "draws": draws,
               "maxdepth": settings.max_treedepth}
    seeds = np.random.SeedSequence(seed)
    key_data = seeds.generate_state(2, dtype=np.uint32)
    init = np.stack([np.asarray(model._make_initial_points(int(s.generate_state(1)[0])),
                                dtype=np.float64)
                     for s in seeds.spawn(chains)])
    shared = model._shared_data
    args = (key_data, init, np.float64(target_accept),
            tuple(shared[n] for n in parts.logp_shared),
            tuple(shared[n] for n in parts.expand_shared))
    name = _program_name(parts, args, **lengths)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        program = _load(name, parts, args, **lengths)
        (lp, diverging, depth, n_steps, accept, energy), step_size, expanded = program(*args)
        expanded = [np.asarray(v) for v in expanded]
    repair(caught)
    posterior = {
        var: values.reshape(chains, draws, *shape)
        for var, values, shape in zip(parts.names, expanded, parts.shapes, strict=True)
        if var not in parts.unconstrained
    }
    depth = np.asarray(depth)
    stats = {
        "lp": np.asarray(lp), "diverging": np.asarray(diverging), "depth": depth,
        "maxdepth_reached": depth >= settings.max_treedepth, "n_steps": np.asarray(n_steps),
        "mean_tree_accept": np.asarray(accept), "energy": np.asarray(energy),
        "step_size": np.repeat(np.asarray(step_size)[:, None], draws, axis=1),
    }
    dims = {var: list(d) for var, d in (model.dims or {}).items() if var in posterior}
    coords = {dim: list(values) for dim, values in model.coords.items()
              if dim != "unconstrained_parameter"}
    tree = from_dict({"posterior": posterior, "sample_stats": stats}, dims=dims, coords=coords)
    tree["sample_stats"].attrs.update({
        "inference_library": "blackjax", "inference_library_version": installed_version("blackjax"),
        "inference_library_settings": f"nuts, window adaptation, one XLA program ({name})",
    })
    return tree
