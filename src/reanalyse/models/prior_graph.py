"""Priors as PyMC graphs whose family *and* hyperparameters are data, so that one compiled model
serves every prior of the registry.

Every tau family of the registry has a log density (up to a constant) that is a weighted sum of
six smooth terms in tau,

    log p(tau) = a1 log(tau) + a2 (tau/s)^2 + a3 log(1 + (tau/s)^2) + a4 / tau
                 + a5 z^2 + a6 log(1 + z^2 / nu),          z = (log(tau) - l) / sigma,

with family-specific weights (:func:`tau_prior_values`):

============== ===================================================== ===================
family          non-zero weights                                      transform of tau
============== ===================================================== ===================
half-normal     a2 = -1/2 (s = scale)                                 log
half-cauchy     a3 = -1 (s = scale)                                   log
uniform(L, U)   none (flat)                                           logit of (tau-L)/(U-L)
inverse-gamma   a1 = -(shape + 1), a4 = -scale                        log
lognormal       a1 = -1, a5 = -1/2 (l = mu, sigma)                    log
log-t           a1 = -1, a6 = -(df + 1)/2 (l = location, sigma, nu)   log
============== ===================================================== ===================

The weights, parameters and the choice of transform are ``pm.Data`` (as is a flag fixing
tau = 0, so that the fixed-effect model reuses the random-effects graph); the log-Jacobian of the
transform is added. The sampled geometry is therefore exactly that of PyMC's default transform
of each family, the log density differs from PyMC's only by a constant (a test checks both
against ``TauPrior.to_pymc``), and the compiled graph is small: compiling one graph with a
``pt.switch`` over PyMC's six ``logp`` graphs took several times longer with numba.

The effect prior (mu) is handled alike: ``b1 ((mu - m)/s)^2 + b2 log(1 + ((mu - m)/s)^2 / nu)``
covers normal (b1 = -1/2), Student-t (b2 = -(nu + 1)/2) and the improper flat prior (both 0).
In the normal-normal model mu is sampled around its conditional posterior given tau
(:func:`centred_effect_vars`), which removes the mu-tau funnel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from reanalyse.priors import EffectPrior, TauPrior

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

__all__ = [
    "EFFECT_FAMILIES",
    "TAU_FAMILIES",
    "centred_effect_vars",
    "effect_prior_data",
    "effect_prior_log_density",
    "effect_prior_values",
    "effect_prior_vars",
    "sample_effect_prior",
    "sample_tau_prior",
    "tau_prior_values",
    "tau_prior_vars",
    "tau_zero_values",
]

#: Tau families the graph covers (``TauPrior.family`` values).
TAU_FAMILIES: tuple[str, ...] = ("half-normal", "half-cauchy", "uniform", "inverse-gamma",
                                 "lognormal", "log-t")

#: Effect families the graph covers (``EffectPrior.family`` values).
EFFECT_FAMILIES: tuple[str, ...] = ("normal", "student-t", "flat")


def tau_prior_values(prior: TauPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for a tau prior: ``tau_w`` (6 weights), ``tau_s``, ``tau_l``,
    ``tau_sigma``, ``tau_nu``, ``tau_bounded``, ``tau_lower``, ``tau_upper``."""
    p = prior.params_on_tau
    w = np.zeros(6)
    s = l = sigma = nu = 1.0
    lower, upper, bounded = 0.0, 1.0, 0.0
    match prior.family:
        case "half-normal":
            w[1], s = -0.5, p["scale"]
        case "half-cauchy":
            w[2], s = -1.0, p["scale"]
        case "uniform":
            bounded, lower, upper = 1.0, p["lower"], p["upper"]
        case "inverse-gamma":
            w[0], w[3] = -(p["shape"] + 1.0), -p["scale"]
        case "lognormal":
            w[0], w[4], l, sigma = -1.0, -0.5, p["mu"], p["sigma"]
        case "log-t":
            w[0], w[5] = -1.0, -(p["df"] + 1.0) / 2.0
            l, sigma, nu = p["location"], p["scale"], p["df"]
        case _:
            raise ValueError(f"no PyMC graph for tau family {prior.family!r}")
    return {"tau_w": w, "tau_s": np.asarray(float(s)), "tau_l": np.asarray(float(l)),
            "tau_sigma": np.asarray(float(sigma)), "tau_nu": np.asarray(float(nu)),
            "tau_bounded": np.asarray(bounded), "tau_lower": np.asarray(float(lower)),
            "tau_upper": np.asarray(float(upper)), "tau_fixed_zero": np.asarray(0.0)}


def tau_zero_values() -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values that fix tau = 0 (the fixed-effect limit) in the same graph: tau is
    0 and the then irrelevant ``tau_z`` gets a standard normal density (so it stays proper)."""
    return {**_DEFAULT_TAU, "tau_fixed_zero": np.asarray(1.0)}


def effect_prior_values(prior: EffectPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for an effect prior: ``mu_w`` (2 weights), ``mu_m``, ``mu_s``,
    ``mu_nu``, and ``mu_cprec`` / ``mu_cmean``: the precision and mean of the normal prior used
    to centre the effect's parameterisation (the normal prior itself; the Student-t's location
    and 1/scale^2; 0 for flat)."""
    if prior.needs_threshold:
        raise ValueError(f"effect prior {prior.id!r} needs resolve(threshold=...) first")
    p = prior.params
    w = np.zeros(2)
    m, s, nu, cprec = 0.0, 1.0, 1.0, 0.0
    match prior.family:
        case "normal":
            w[0], m, s = -0.5, p["mean"], p["sd"]
            cprec = 1.0 / s**2
        case "student-t":
            w[1], m, s, nu = -(p["df"] + 1.0) / 2.0, p["location"], p["scale"], p["df"]
            cprec = 1.0 / s**2
        case "flat":
            pass
        case _:
            raise ValueError(f"no PyMC graph for effect family {prior.family!r}")
    return {"mu_w": w, "mu_m": np.asarray(float(m)), "mu_s": np.asarray(float(s)),
            "mu_nu": np.asarray(float(nu)), "mu_cprec": np.asarray(float(cprec))}


_DEFAULT_TAU = {"tau_w": np.array([0.0, -0.5, 0, 0, 0, 0]), "tau_s": np.asarray(0.5),
                "tau_l": np.asarray(0.0), "tau_sigma": np.asarray(1.0),
                "tau_nu": np.asarray(1.0), "tau_bounded": np.asarray(0.0),
                "tau_lower": np.asarray(0.0), "tau_upper": np.asarray(1.0),
                "tau_fixed_zero": np.asarray(0.0)}
_DEFAULT_EFFECT = {"mu_w": np.array([-0.5, 0.0]), "mu_m": np.asarray(0.0),
                   "mu_s": np.asarray(10.0), "mu_nu": np.asarray(1.0),
                   "mu_cprec": np.asarray(0.01)}


def tau_prior_log_density(tau: TensorVariable, d: Mapping[str, TensorVariable]
                          ) -> TensorVariable:
    """The weighted-sum log density of tau (up to a constant) as a PyTensor graph."""
    import pytensor.tensor as pt

    w = d["tau_w"]
    log_tau = pt.log(tau)
    r2 = (tau / d["tau_s"]) ** 2
    z2 = ((log_tau - d["tau_l"]) / d["tau_sigma"]) ** 2
    return (w[0] * log_tau + w[1] * r2 + w[2] * pt.log1p(r2) + w[3] / tau
            + w[4] * z2 + w[5] * pt.log1p(z2 / d["tau_nu"]))


def tau_prior_vars(initial: TauPrior | None = None, *, name: str = "tau") -> TensorVariable:
    """Add tau with a data-defined prior to the current model; returns tau (a Deterministic).

    Creates the ``pm.Data`` of :func:`tau_prior_values` (initialised from ``initial``, default
    half-normal(0.5)), the free unconstrained ``{name}_z``, the Deterministic ``name`` and the
    Potential ``{name}_prior`` (log density plus log-Jacobian).
    """
    import pymc as pm
    import pytensor.tensor as pt

    values = tau_prior_values(initial) if initial is not None else _DEFAULT_TAU
    d = {key: pm.Data(key, value) for key, value in values.items()}
    z = pm.Flat(f"{name}_z")
    bounded = pt.gt(d["tau_bounded"], 0.5)
    width = d["tau_upper"] - d["tau_lower"]
    free = pt.switch(bounded, d["tau_lower"] + width * pm.math.sigmoid(z), pt.exp(z))
    log_jac = pt.switch(bounded, pt.log(width) - pt.softplus(-z) - pt.softplus(z), z)
    fixed = pt.gt(d["tau_fixed_zero"], 0.5)
    tau = pm.Deterministic(name, pt.switch(fixed, 0.0, free))
    pm.Potential(f"{name}_prior", pt.switch(fixed, -0.5 * z**2,
                                            tau_prior_log_density(free, d) + log_jac))
    return tau


def effect_prior_data(initial: EffectPrior | None = None) -> dict[str, TensorVariable]:
    """Create the effect prior's ``pm.Data`` in the current model (see
    :func:`effect_prior_values`)."""
    import pymc as pm

    values = effect_prior_values(initial) if initial is not None else _DEFAULT_EFFECT
    return {key: pm.Data(key, value) for key, value in values.items()}


def effect_prior_log_density(mu: TensorVariable, d: Mapping[str, TensorVariable]
                             ) -> TensorVariable:
    """The weighted-sum log density of the effect (up to a constant) as a PyTensor graph."""
    import pytensor.tensor as pt

    r2 = ((mu - d["mu_m"]) / d["mu_s"]) ** 2
    w = d["mu_w"]
    return w[0] * r2 + w[1] * pt.log1p(r2 / d["mu_nu"])


def effect_prior_vars(initial: EffectPrior | None = None, *, name: str = "mu") -> TensorVariable:
    """Add the effect with a data-defined prior to the current model; returns it (free)."""
    import pymc as pm

    d = effect_prior_data(initial)
    mu = pm.Flat(name)
    pm.Potential(f"{name}_prior", effect_prior_log_density(mu, d))
    return mu


def centred_effect_vars(y: TensorVariable, v: TensorVariable,
                        initial: EffectPrior | None = None, *, name: str = "mu"
                        ) -> TensorVariable:
    """Add the effect, parameterised around its conditional posterior, to the current model.

    ``mu = m + s * {name}_z`` where, given the variances ``v`` of the estimates ``y`` (for the
    normal-normal model ``v_i = se_i^2 + tau^2``), ``s^-2 = sum(1/v_i) + c`` and
    ``m = s^2 (sum(y_i/v_i) + c m0)`` with the centring prior precision ``c`` and mean ``m0``
    (:func:`effect_prior_values`). Under a normal or flat prior ``{name}_z`` is exactly
    standard normal and independent of tau a posteriori, which removes the funnel between mu
    and tau (strongest with one study); under a Student-t prior nearly so. The log-Jacobian
    ``log s`` is added, so the posterior of (mu, tau) is unchanged. Returns mu (Deterministic).
    """
    import pymc as pm
    import pytensor.tensor as pt

    d = effect_prior_data(initial)
    w = 1.0 / v
    prec = pt.sum(w) + d["mu_cprec"]
    s = 1.0 / pt.sqrt(prec)
    m = (pt.sum(w * y) + d["mu_cprec"] * d["mu_m"]) / prec
    z = pm.Flat(f"{name}_z")
    mu = pm.Deterministic(name, m + s * z)
    pm.Potential(f"{name}_prior", effect_prior_log_density(mu, d) + pt.log(s))
    return mu


# --------------------------------------------------------------------------- numpy side
def sample_tau_prior(prior: TauPrior, *, size: tuple[int, ...],
                     rng: np.random.Generator) -> NDArray[np.float64]:
    """Prior draws of tau by inversion (``ppf`` of uniforms)."""
    return np.asarray(prior.ppf(rng.uniform(size=size)), dtype=float)


def sample_effect_prior(prior: EffectPrior, *, size: tuple[int, ...],
                        rng: np.random.Generator) -> NDArray[np.float64] | None:
    """Prior draws of the effect; ``None`` for the improper flat prior (nothing to draw)."""
    p: Mapping[str, Any] = prior.params
    if prior.family == "flat":
        return None
    if prior.family == "normal":
        return rng.normal(p["mean"], p["sd"], size=size)
    if prior.family == "student-t":
        return p["location"] + p["scale"] * rng.standard_t(p["df"], size=size)
    raise ValueError(f"cannot draw from effect family {prior.family!r}")  # pragma: no cover

