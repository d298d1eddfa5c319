"""Fast, checked MCMC: compile a PyMC model once, sample it many times, never pass a bad run.

- :class:`SamplerSettings`: draws, tuning, chains, target acceptances and the thresholds
  (R-hat <= 1.01, bulk and tail ESS >= 400, no divergences).
- :func:`compile_model`: nutpie-compile a PyMC model whose data *and* prior hyperparameters sit
  in ``pm.Data``; :class:`ModelCache` (and the process-wide :data:`MODEL_CACHE`) keeps one
  compiled model per structure.
- :func:`sample_checked`: swap in new data, sample, diagnose, retry at higher target
  acceptance, and return ``(xarray.DataTree, Diagnostics)``; a run that still fails is returned
  with ``status="flagged"``.
- :func:`diagnose`: the checks on their own.
- :class:`LogDensity`: the pointwise log-likelihood and log prior of a model at posterior draws
  (what ``pm.stats.compute_log_likelihood`` / ``compute_log_prior`` compute), compiled once.

Examples
--------
>>> from reanalyse.sampling import SamplerSettings, compile_model, sample_checked
>>> settings = SamplerSettings(draws=1000, tune=1000, chains=4, target_accept=0.9)
>>> compiled = compile_model(pm_model)                                   # doctest: +SKIP
>>> dt, diag = sample_checked(compiled, data={"y": y, "se": se}, settings=settings,
...                           random_seed=1)                             # doctest: +SKIP
>>> diag.status                                                          # doctest: +SKIP
'ok'
"""

from reanalyse.sampling.compile import CompiledModel, ModelCache, compile_model
from reanalyse.sampling.density import LogDensity
from reanalyse.sampling.diagnostics import Diagnostics, DiagnosticStatus, diagnose
from reanalyse.sampling.run import attempt_seed, normalise_seed, sample_checked, sample_once
from reanalyse.sampling.settings import DEFAULT_SETTINGS, SamplerSettings

#: Process-wide cache of compiled models, keyed by structure.
MODEL_CACHE = ModelCache()

__all__ = [
    "DEFAULT_SETTINGS",
    "MODEL_CACHE",
    "CompiledModel",
    "DiagnosticStatus",
    "Diagnostics",
    "LogDensity",
    "ModelCache",
    "SamplerSettings",
    "attempt_seed",
    "compile_model",
    "diagnose",
    "normalise_seed",
    "sample_checked",
    "sample_once",
]
