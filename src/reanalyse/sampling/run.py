"""Sample a compiled model, check the run, retry at higher target acceptance, flag what fails."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from reanalyse.sampling.compile import CompiledModel
from reanalyse.sampling.diagnostics import Diagnostics, diagnose
from reanalyse.sampling.settings import DEFAULT_SETTINGS, SamplerSettings

__all__ = ["attempt_seed", "normalise_seed", "sample_checked", "sample_once"]

#: Seeds handed to nutpie are below this bound.
_SEED_BOUND = 2**63 - 1


def normalise_seed(random_seed: int | np.random.Generator) -> int:
    """An integer seed from an int or a ``np.random.Generator`` (which is advanced)."""
    if isinstance(random_seed, np.random.Generator):
        return int(random_seed.integers(0, _SEED_BOUND))
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer):
        raise TypeError(f"random_seed must be an int or a numpy Generator, got {random_seed!r}")
    if random_seed < 0:
        raise ValueError(f"random_seed must be >= 0, got {random_seed}")
    return int(random_seed)


def attempt_seed(seed: int, attempt: int) -> int:
    """The nutpie seed of attempt ``attempt`` (0 = first) of a run seeded ``seed``.

    Attempt 0 uses ``seed`` itself; retries use seeds derived with ``np.random.SeedSequence``
    so that they are reproducible and differ from the first attempt.
    """
    if attempt == 0:
        return seed % _SEED_BOUND
    state = np.random.SeedSequence([seed, attempt]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31 | int(state[1]) >> 1) % _SEED_BOUND)


def sample_once(
    compiled: CompiledModel,
    *,
    settings: SamplerSettings,
    seed: int,
    target_accept: float | None = None,
    draws: int | None = None,
) -> xr.DataTree:
    """One run (no checks): posterior and sample_stats groups, warm-up not kept.

    A JAX-compiled model runs as one XLA program (:mod:`reanalyse.sampling.xla_nuts`:
    blackjax's NUTS, compiled once per machine); a numba-compiled one through nutpie's sampler,
    its chains in parallel threads.
    """
    accept = target_accept if target_accept is not None else settings.target_accept
    n_draws = draws if draws is not None else settings.draws
    if compiled.backend == "jax":
        from reanalyse.sampling import xla_nuts

        return xla_nuts.sample(compiled, settings=settings, seed=seed, target_accept=accept,
                               draws=n_draws)
    import nutpie

    return nutpie.sample(
        compiled.nutpie_model,
        draws=n_draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.n_cores,
        seed=seed,
        save_warmup=False,
        progress_bar=False,
        target_accept=accept,
        maxdepth=settings.max_treedepth,
    )


def sample_checked(
    compiled: CompiledModel,
    *,
    data: Mapping[str, ArrayLike] | None = None,
    settings: SamplerSettings = DEFAULT_SETTINGS,
    random_seed: int | np.random.Generator,
    var_names: Sequence[str] | None = None,
) -> tuple[xr.DataTree, Diagnostics]:
    """Sample with NUTS (nutpie), check convergence, and retry until it passes or is flagged.

    Parameters
    ----------
    compiled
        From :func:`reanalyse.sampling.compile_model` (or :class:`ModelCache`).
    data
        New values for the model's ``pm.Data`` containers (data and prior hyperparameters);
        swapped in without recompiling. ``None`` keeps the current values.
    settings
        Draws, tuning, chains, target acceptances and the thresholds.
    random_seed
        The same seed gives the same draws (on the same machine and package versions).
    var_names
        Variables whose R-hat and ESS are checked; default the model's free variables.

    Returns
    -------
    (xarray.DataTree, Diagnostics)
        The run returned is the first attempt that passes; if none passes, the last attempt,
        with ``Diagnostics.status == "flagged"`` and the reasons in ``messages``.
        ``Diagnostics.attempts`` records every attempt. The DataTree's ``sample_stats`` attrs
        carry ``target_accept``, ``attempt`` and ``seed`` of the run returned.

    Notes
    -----
    Attempt 1 uses ``settings.target_accept``; retries use ``settings.retry_target_accepts`` in
    order. After an attempt whose bulk or tail ESS fell short, the next attempt also multiplies
    the draws by ``settings.retry_draws_factor``.
    """
    seed = normalise_seed(random_seed)
    model = compiled.with_data(**dict(data)) if data else compiled
    names = list(var_names) if var_names is not None else list(compiled.free_var_names)
    accepts = (settings.target_accept, *settings.retry_target_accepts)
    attempts: list[dict[str, object]] = []
    draws = settings.draws
    dt: xr.DataTree | None = None
    diag: Diagnostics | None = None
    for i, accept in enumerate(accepts):
        s = attempt_seed(seed, i)
        start = time.perf_counter()
        dt = sample_once(model, settings=settings, seed=s, target_accept=accept, draws=draws)
        seconds = time.perf_counter() - start
        present = [n for n in names if n in dt["posterior"].data_vars]
        diag = diagnose(dt, var_names=present or None, settings=settings)
        attempts.append({"attempt": i + 1, "target_accept": accept, "draws": draws, "seed": s,
                         "seconds": round(seconds, 4), **{k: v for k, v in diag.to_dict().items()
                                                          if k in ("max_rhat", "min_ess_bulk",
                                                                   "min_ess_tail", "divergences",
                                                                   "status")}})
        if diag.ok:
            break
        if {"ess_bulk", "ess_tail"} & set(diag.failed_checks):
            draws = draws * settings.retry_draws_factor
    assert dt is not None and diag is not None
    messages = list(diag.messages)
    if not diag.ok:
        messages.append(f"still failing after {len(attempts)} attempt(s) "
                        f"(target_accept {', '.join(f'{a:g}' for a in accepts)}); "
                        "result flagged")
    elif len(attempts) > 1:
        messages.append(f"passed on attempt {len(attempts)} (target_accept "
                        f"{attempts[-1]['target_accept']:g})")
    diag = dataclasses.replace(diag, attempts=tuple(attempts), messages=tuple(messages))
    last = attempts[-1]
    dt["sample_stats"].attrs.update({"target_accept": float(str(last["target_accept"])),
                                     "attempt": len(attempts), "seed": int(str(last["seed"])),
                                     "diagnostic_status": diag.status})
    return dt, diag
