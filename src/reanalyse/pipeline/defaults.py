"""The Bayesian defaults of a run (the packaged ``bayes.toml``, or a project's own
``analyses/defaults/bayes.toml``, with its ``reanalyse.toml`` ``[defaults.bayes]`` merged over)
and the priors they resolve to.

Priors are named by registry id (or inline spec) per analysis scale. Two kinds are resolved
against the analysis itself: ``skeptical`` / ``enthusiastic`` effect priors take the analysis'
primary clinically meaningful threshold, and ``uisd-half-normal:F`` tau priors (for MD scales,
which have no published tau prior) become ``half-normal:(F * UISD)`` with the unit-information SD
of the data (bayesmeta ``uisd()``: sqrt(sum n_i / sum se_i^-2)).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reanalyse.errors import DataValidationError, Problem
from reanalyse.priors import EffectPrior, TauPrior, load_prior
from reanalyse.project import defaults_mapping
from reanalyse.thresholds import ScaledThreshold

__all__ = ["DEFAULTS_NAME", "BayesDefaults", "ResolvedPrior", "load_defaults", "project_defaults", "resolve_effect_prior",
           "resolve_tau_prior", "unit_information_sd"]

UISD_PREFIX = "uisd-half-normal:"
#: The Bayesian defaults file, packaged or a project's own.
DEFAULTS_NAME = "bayes.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplerDefaults(_Strict):
    draws: int = Field(1000, gt=0)
    tune: int = Field(1000, gt=0)
    chains: int = Field(4, gt=1)
    target_accept: float = Field(0.9, gt=0, lt=1)
    target_accept_binomial: float = Field(0.95, gt=0, lt=1)
    seed: int = 0


class ScaleDefaults(_Strict):
    default_tau: str
    default_effect: str
    grid_tau: tuple[str, ...]
    grid_effect: tuple[str, ...]
    binomial_grid_tau: tuple[str, ...] = ()
    #: tau prior of the generalisation reading (random effects, mu and theta_new); a project's
    #: older defaults file without it falls back to ``default_tau``
    generalisation_tau: str | None = None

    @property
    def generalisation(self) -> str:
        """The generalisation reading's tau prior (``default_tau`` when none is named)."""
        return self.generalisation_tau or self.default_tau


class TippingDefaults(_Strict):
    scale_min: float = Field(0.01, gt=0)
    scale_max: float = Field(2.0, gt=0)


class BayesDefaults(_Strict):
    """The parsed defaults file."""

    sampler: SamplerDefaults = SamplerDefaults()
    scale: dict[str, ScaleDefaults]
    tipping: TippingDefaults = TippingDefaults()

    def for_scale(self, scale: str) -> ScaleDefaults:
        """Defaults for an analysis scale (``logRR``, ``logOR``, ``SMD``, ``MD``, ``RD``)."""
        if scale not in self.scale:
            raise KeyError(f"no Bayesian defaults for scale {scale!r} in the Bayesian defaults")
        return self.scale[scale]


def load_defaults(path: str | Path) -> BayesDefaults:
    """Read and validate a defaults file (every problem reported with file and key)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError.single(file=str(path), rule="file",
                                         message="file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise DataValidationError.single(file=str(path), rule="toml", message=str(err)) from None
    return _validated(raw, label=str(path))


def project_defaults(*, root: str | Path | None) -> BayesDefaults:
    """The Bayesian defaults that apply to the project at ``root`` (the packaged ``bayes.toml``,
    or the project's ``analyses/defaults/`` copy, with ``reanalyse.toml``'s ``[defaults.bayes]``
    merged over it; :func:`reanalyse.project.defaults_mapping`)."""
    raw, label = defaults_mapping(DEFAULTS_NAME, root=root)
    return _validated(raw, label=label)


def _validated(raw: dict[str, Any], *, label: str) -> BayesDefaults:
    try:
        return BayesDefaults.model_validate(raw)
    except ValidationError as err:
        raise DataValidationError([
            Problem(file=label, rule=e["type"], column=".".join(map(str, e["loc"])),
                    message=e["msg"]) for e in err.errors()]) from None


def unit_information_sd(*, n: np.ndarray, se: np.ndarray) -> float:
    """bayesmeta's UISD estimate sqrt(sum n_i / sum se_i^-2) (man/uisd.Rd)."""
    return float(math.sqrt(float(np.sum(n)) / float(np.sum(1.0 / np.asarray(se) ** 2))))


@dataclass(frozen=True)
class ResolvedPrior:
    """A prior as used in one analysis: the object, its id, and how it was resolved."""

    id: str
    prior: TauPrior | EffectPrior
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Provenance record."""
        d = dict(self.prior.to_dict())
        d["id_requested"] = self.id
        if self.note:
            d["resolved"] = self.note
        return d


def resolve_tau_prior(spec: str, *, scale: str, uisd: float | None,
                      root: str | Path | None = None) -> ResolvedPrior:
    """A tau prior for ``scale``; ``uisd-half-normal:F`` needs the data's UISD. Registry ids
    are looked up in the packaged registry and the project's own ``priors/`` (``root``)."""
    if spec.startswith(UISD_PREFIX):
        factor = float(spec[len(UISD_PREFIX):])
        if uisd is None or not math.isfinite(uisd) or uisd <= 0:
            raise ValueError(f"{spec} needs the unit-information SD of the data")
        value = factor * uisd
        prior = load_prior(f"half-normal:{value!r}", role="tau", scale=scale)
        return ResolvedPrior(id=spec, prior=prior,
                             note=f"half-normal with scale {factor} x UISD ({uisd:.6g}) = "
                                  f"{value:.6g}")
    prior = load_prior(spec, role="tau", scale=scale, root=root)
    assert isinstance(prior, TauPrior)
    return ResolvedPrior(id=spec, prior=prior)


def resolve_effect_prior(spec: str, *, scale: str, threshold: ScaledThreshold | None,
                         root: str | Path | None = None) -> ResolvedPrior | None:
    """An effect prior; skeptical/enthusiastic use ``threshold`` (None if there is none).
    Registry ids are looked up as in :func:`resolve_tau_prior`."""
    prior = load_prior(spec, role="effect", scale=scale, root=root)
    assert isinstance(prior, EffectPrior)
    if prior.needs_threshold:
        if threshold is None:
            return None
        return ResolvedPrior(id=spec, prior=prior.resolve(threshold=threshold.t),
                             note=f"centred by the threshold {threshold.label} "
                                  f"({threshold.value:g}; {threshold.t:.4g} on the analysis scale)")
    return ResolvedPrior(id=spec, prior=prior)
