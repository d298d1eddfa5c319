"""The PyMC form of a family: the weights of a few smooth terms whose sum is its log density.

One compiled model serves every prior because a prior enters it as data, never as graph
structure (:mod:`reanalyse.models.prior_graph`). Every tau family's log density is

    log p(tau) = a1 log(tau) + a2 (tau/s)^2 + a3 log(1 + (tau/s)^2) + a4 / tau
                 + a5 z^2 + a6 log(1 + z^2 / nu) + c,          z = (log(tau) - l) / sigma,

and every effect family's

    log p(mu) = b1 r^2 + b2 log(1 + r^2 / nu) + c,              r = (mu - m) / s.

A family states its weights and shape constants (:class:`TauTerms`, :class:`EffectTerms`); the
normalising constant ``c`` is never written by hand but taken from the family's own (scipy) log
density at one point (:func:`tau_graph_form`, :func:`effect_graph_form`). The sums are written
once, for numpy or PyTensor alike (``xp``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "EffectGraphForm",
    "EffectTerms",
    "TauGraphForm",
    "TauTerms",
    "effect_graph_form",
    "effect_terms_sum",
    "tau_graph_form",
    "tau_terms_sum",
]


@dataclass(frozen=True, kw_only=True)
class TauTerms:
    """The weights ``a1..a6`` of the tau terms (named by what they multiply) and the constants
    ``s``, ``l``, ``sigma``, ``nu`` they use; a weight left at 0 drops its term."""

    log_tau: float = 0.0
    ratio2: float = 0.0
    log1p_ratio2: float = 0.0
    inverse: float = 0.0
    z2: float = 0.0
    log1p_z2: float = 0.0
    s: float = 1.0
    l: float = 1.0
    sigma: float = 1.0
    nu: float = 1.0

    @property
    def weights(self) -> tuple[float, ...]:
        return (self.log_tau, self.ratio2, self.log1p_ratio2, self.inverse, self.z2,
                self.log1p_z2)


@dataclass(frozen=True, kw_only=True)
class EffectTerms:
    """The weights ``b1``, ``b2`` of the effect terms, their constants ``m``, ``s``, ``nu``, and
    the precision of the normal the effect is centred on when sampled (0: none)."""

    square: float = 0.0
    log1p_square: float = 0.0
    m: float = 0.0
    s: float = 1.0
    nu: float = 1.0
    centring_precision: float = 0.0

    @property
    def weights(self) -> tuple[float, ...]:
        return (self.square, self.log1p_square)


@dataclass(frozen=True, kw_only=True)
class TauGraphForm:
    """A tau family as the graph takes it: its terms, normalising constant ``c`` and support
    (``bounded`` when the upper end is finite: tau is then sampled through a logit, else a log)."""

    terms: TauTerms
    c: float
    lower: float
    upper: float

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.upper)


@dataclass(frozen=True, kw_only=True)
class EffectGraphForm:
    """An effect family as the graph takes it: its terms and normalising constant ``c``."""

    terms: EffectTerms
    c: float


def tau_terms_sum(tau: Any, d: Mapping[str, Any], *, xp: Any = np) -> Any:
    """The tau terms without ``c``: ``d`` holds ``tau_w`` (the six weights, last axis),
    ``tau_s``, ``tau_l``, ``tau_sigma``, ``tau_nu``; ``xp`` is numpy or ``pytensor.tensor``."""
    w = d["tau_w"]
    log_tau = xp.log(tau)
    r2 = (tau / d["tau_s"]) ** 2
    z2 = ((log_tau - d["tau_l"]) / d["tau_sigma"]) ** 2
    return (w[..., 0] * log_tau + w[..., 1] * r2 + w[..., 2] * xp.log1p(r2) + w[..., 3] / tau
            + w[..., 4] * z2 + w[..., 5] * xp.log1p(z2 / d["tau_nu"]))


def effect_terms_sum(mu: Any, d: Mapping[str, Any], *, xp: Any = np) -> Any:
    """The effect terms without ``c``: ``d`` holds ``mu_w`` (two weights), ``mu_m``, ``mu_s``,
    ``mu_nu``."""
    r2 = ((mu - d["mu_m"]) / d["mu_s"]) ** 2
    w = d["mu_w"]
    return w[..., 0] * r2 + w[..., 1] * xp.log1p(r2 / d["mu_nu"])


def _tau_arrays(terms: TauTerms) -> dict[str, Any]:
    return {"tau_w": np.asarray(terms.weights, dtype=float), "tau_s": terms.s,
            "tau_l": terms.l, "tau_sigma": terms.sigma, "tau_nu": terms.nu}


def _effect_arrays(terms: EffectTerms) -> dict[str, Any]:
    return {"mu_w": np.asarray(terms.weights, dtype=float), "mu_m": terms.m, "mu_s": terms.s,
            "mu_nu": terms.nu}


def tau_graph_form(terms: TauTerms, *, logpdf: Callable[[float], Any],
                   support: tuple[float, float], at: float) -> TauGraphForm:
    """The graph form of a tau family with these terms: ``c`` makes the sum equal ``logpdf``
    (the family's normalised log density) at the point ``at`` inside the support."""
    c = float(logpdf(at)) - float(tau_terms_sum(np.float64(at), _tau_arrays(terms)))
    return TauGraphForm(terms=terms, c=c, lower=float(support[0]), upper=float(support[1]))


def effect_graph_form(terms: EffectTerms, *, logpdf: Callable[[float], Any]) -> EffectGraphForm:
    """The graph form of an effect family: ``c`` makes the sum equal ``logpdf`` at ``m`` (where
    the terms vanish)."""
    c = float(logpdf(terms.m)) - float(effect_terms_sum(np.float64(terms.m),
                                                        _effect_arrays(terms)))
    return EffectGraphForm(terms=terms, c=c)
