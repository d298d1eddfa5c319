"""Priors as PyMC random variables whose family *and* hyperparameters are data, so that one
compiled model serves every prior of the registry.

Every tau family of the registry has a log density that is a weighted sum of six smooth terms
in tau plus a normalising constant,

    log p(tau) = a1 log(tau) + a2 (tau/s)^2 + a3 log(1 + (tau/s)^2) + a4 / tau
                 + a5 z^2 + a6 log(1 + z^2 / nu) + c,          z = (log(tau) - l) / sigma,

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

tau is a free random variable (``pm.CustomDist``) whose parameters are these ``pm.Data``: its
``logp`` is the weighted sum, its transform (:class:`TauTransform`) is chosen by the data too (as
is a flag fixing tau = 0, so that the fixed-effect model reuses the random-effects graph), and
its ``random`` draws from the family the weights name (:func:`draw_tau_prior`). So
``pm.stats.compute_log_prior`` gives the prior's normalised log density (the same as
``TauPrior.logpdf``), the sampled geometry is exactly that of PyMC's default transform of each
family, and the compiled graph is small: compiling one graph with a ``pt.switch`` over PyMC's
six ``logp`` graphs took several times longer with numba.

The effect prior (mu, d) is handled alike: ``b1 ((mu - m)/s)^2 + b2 log(1 + ((mu - m)/s)^2 /
nu) + c`` covers normal (b1 = -1/2), Student-t (b2 = -(nu + 1)/2) and the improper flat prior
(both 0, c = 0; no draws). In the normal-normal model mu is sampled around its conditional
posterior given tau (:func:`centred_effect_vars`, a transform of mu), which removes the mu-tau
funnel without changing mu's prior.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from reanalyse.priors import EffectPrior, TauPrior

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

__all__ = [
    "EFFECT_FAMILIES",
    "EFFECT_PARAMS",
    "TAU_FAMILIES",
    "TAU_PARAMS",
    "centred_effect_vars",
    "draw_effect_prior",
    "draw_tau_prior",
    "effect_prior_data",
    "effect_prior_log_density",
    "effect_prior_values",
    "effect_prior_vars",
    "tau_prior_data",
    "tau_prior_log_density",
    "tau_prior_values",
    "tau_prior_vars",
    "tau_zero_values",
]

#: Tau families the graph covers (``TauPrior.family`` values).
TAU_FAMILIES: tuple[str, ...] = ("half-normal", "half-cauchy", "uniform", "inverse-gamma",
                                 "lognormal", "log-t")

#: Effect families the graph covers (``EffectPrior.family`` values).
EFFECT_FAMILIES: tuple[str, ...] = ("normal", "student-t", "flat")

#: The ``pm.Data`` parameters of tau's distribution, in the order the CustomDist takes them.
TAU_PARAMS: tuple[str, ...] = ("tau_w", "tau_s", "tau_l", "tau_sigma", "tau_nu", "tau_c",
                               "tau_bounded", "tau_lower", "tau_upper", "tau_fixed_zero")
_TAU_SIGNATURE = "(w),(),(),(),(),(),(),(),(),()->()"

#: The ``pm.Data`` parameters of the effect's distribution (``mu_cprec`` only centres it).
EFFECT_PARAMS: tuple[str, ...] = ("mu_w", "mu_m", "mu_s", "mu_nu", "mu_c")
_EFFECT_SIGNATURE = "(w),(),(),(),()->()"

_HALF_LOG_2PI = 0.5 * float(np.log(2 * np.pi))


def _log_t_constant(df: float, scale: float) -> float:
    return float(special.gammaln((df + 1.0) / 2.0) - special.gammaln(df / 2.0)
                 - 0.5 * np.log(df * np.pi) - np.log(scale))


def tau_prior_values(prior: TauPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for a tau prior: ``tau_w`` (6 weights), ``tau_s``, ``tau_l``,
    ``tau_sigma``, ``tau_nu``, ``tau_c`` (the log normalising constant), ``tau_bounded``,
    ``tau_lower``, ``tau_upper`` and ``tau_fixed_zero`` (0)."""
    return _tau_values(prior.family, prior.params_on_tau)


def _tau_values(family: str, p: Mapping[str, float]) -> dict[str, NDArray[np.float64]]:
    w = np.zeros(6)
    s = l = sigma = nu = 1.0
    lower, upper, bounded = 0.0, 1.0, 0.0
    match family:
        case "half-normal":
            w[1], s = -0.5, p["scale"]
            c = 0.5 * np.log(2.0 / np.pi) - np.log(s)
        case "half-cauchy":
            w[2], s = -1.0, p["scale"]
            c = np.log(2.0 / np.pi) - np.log(s)
        case "uniform":
            bounded, lower, upper = 1.0, p["lower"], p["upper"]
            c = -np.log(upper - lower)
        case "inverse-gamma":
            w[0], w[3] = -(p["shape"] + 1.0), -p["scale"]
            c = p["shape"] * np.log(p["scale"]) - special.gammaln(p["shape"])
        case "lognormal":
            w[0], w[4], l, sigma = -1.0, -0.5, p["mu"], p["sigma"]
            c = -np.log(sigma) - _HALF_LOG_2PI
        case "log-t":
            w[0], w[5] = -1.0, -(p["df"] + 1.0) / 2.0
            l, sigma, nu = p["location"], p["scale"], p["df"]
            c = _log_t_constant(nu, sigma)
        case _:
            raise ValueError(f"no PyMC graph for tau family {family!r}")
    return {"tau_w": w, "tau_s": np.asarray(float(s)), "tau_l": np.asarray(float(l)),
            "tau_sigma": np.asarray(float(sigma)), "tau_nu": np.asarray(float(nu)),
            "tau_c": np.asarray(float(c)), "tau_bounded": np.asarray(bounded),
            "tau_lower": np.asarray(float(lower)), "tau_upper": np.asarray(float(upper)),
            "tau_fixed_zero": np.asarray(0.0)}


def tau_zero_values() -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values that fix tau = 0 (the fixed-effect limit) in the same graph: tau is
    0, its log density 0, and its then irrelevant unconstrained value gets a standard normal
    density (so that the sampled density stays proper)."""
    return {**_DEFAULT_TAU, "tau_fixed_zero": np.asarray(1.0)}


def effect_prior_values(prior: EffectPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for an effect prior: ``mu_w`` (2 weights), ``mu_m``, ``mu_s``,
    ``mu_nu``, ``mu_c`` (log normalising constant, 0 for flat), and ``mu_cprec``: the precision
    of the normal prior used to centre the effect's parameterisation (the normal prior itself;
    the Student-t's 1/scale^2; 0 for flat; its mean is ``mu_m``)."""
    if prior.needs_threshold:
        raise ValueError(f"effect prior {prior.id!r} needs resolve(threshold=...) first")
    return _effect_values(prior.family, prior.params)


def _effect_values(family: str, p: Mapping[str, float]) -> dict[str, NDArray[np.float64]]:
    w = np.zeros(2)
    m, s, nu, c, cprec = 0.0, 1.0, 1.0, 0.0, 0.0
    match family:
        case "normal":
            w[0], m, s = -0.5, p["mean"], p["sd"]
            c = -np.log(s) - _HALF_LOG_2PI
            cprec = 1.0 / s**2
        case "student-t":
            w[1], m, s, nu = -(p["df"] + 1.0) / 2.0, p["location"], p["scale"], p["df"]
            c = _log_t_constant(nu, s)
            cprec = 1.0 / s**2
        case "flat":
            pass
        case _:
            raise ValueError(f"no PyMC graph for effect family {family!r}")
    return {"mu_w": w, "mu_m": np.asarray(float(m)), "mu_s": np.asarray(float(s)),
            "mu_nu": np.asarray(float(nu)), "mu_c": np.asarray(float(c)),
            "mu_cprec": np.asarray(float(cprec))}


_DEFAULT_TAU = _tau_values("half-normal", {"scale": 0.5})
_DEFAULT_EFFECT = _effect_values("normal", {"mean": 0.0, "sd": 10.0})


# --------------------------------------------------------------------------- log densities
def tau_prior_log_density(tau: TensorVariable, d: Mapping[str, TensorVariable]
                          ) -> TensorVariable:
    """The weighted-sum log density of tau (normalised by ``tau_c``) as a PyTensor graph."""
    import pytensor.tensor as pt

    w = d["tau_w"]
    log_tau = pt.log(tau)
    r2 = (tau / d["tau_s"]) ** 2
    z2 = ((log_tau - d["tau_l"]) / d["tau_sigma"]) ** 2
    return (w[..., 0] * log_tau + w[..., 1] * r2 + w[..., 2] * pt.log1p(r2) + w[..., 3] / tau
            + w[..., 4] * z2 + w[..., 5] * pt.log1p(z2 / d["tau_nu"]) + d["tau_c"])


def effect_prior_log_density(mu: TensorVariable, d: Mapping[str, TensorVariable]
                             ) -> TensorVariable:
    """The weighted-sum log density of the effect (normalised by ``mu_c``) as a PyTensor
    graph."""
    import pytensor.tensor as pt

    r2 = ((mu - d["mu_m"]) / d["mu_s"]) ** 2
    w = d["mu_w"]
    return w[..., 0] * r2 + w[..., 1] * pt.log1p(r2 / d["mu_nu"]) + d["mu_c"]


# --------------------------------------------------------------------------- tau
def _tau_params(inputs: Sequence[Any]) -> dict[str, Any]:
    """The named parameters among a tau variable's inputs (rng and size come first)."""
    return dict(zip(TAU_PARAMS, inputs[-len(TAU_PARAMS):], strict=True))


def _tau_logp(value: TensorVariable, *params: TensorVariable) -> TensorVariable:
    import pytensor.tensor as pt

    d = dict(zip(TAU_PARAMS, params, strict=True))
    fixed = pt.gt(d["tau_fixed_zero"], 0.5)
    # evaluated at 1 when tau is fixed at 0, so that neither value nor gradient is nan
    return pt.switch(fixed, 0.0, tau_prior_log_density(pt.switch(fixed, 1.0, value), d))


def _tau_support_point(rv: TensorVariable, size: Any, *params: TensorVariable
                       ) -> TensorVariable:
    import pytensor.tensor as pt

    d = dict(zip(TAU_PARAMS, params, strict=True))
    return pt.switch(pt.gt(d["tau_bounded"], 0.5), 0.5 * (d["tau_lower"] + d["tau_upper"]),
                     1.0)


def _first(w: Any, *scalars: Any) -> list[Any]:
    """One prior's parameters from (possibly batch-broadcast) arrays: the weight vector and the
    scalars of the first batch element (every element of a variable shares its prior)."""
    w = np.asarray(w, dtype=float)
    return [w.reshape(-1, w.shape[-1])[0], *(float(np.asarray(x).ravel()[0]) for x in scalars)]


def _tau_random(w: Any, s: Any, l: Any, sigma: Any, nu: Any, c: Any, bounded: Any,
                lower: Any, upper: Any, fixed: Any, rng: np.random.Generator | None = None,
                size: Any = None) -> NDArray[np.float64]:
    """Draws of tau from the family its weights name (the table in the module notes)."""
    rng = rng if rng is not None else np.random.default_rng()
    shape = () if size is None else tuple(np.atleast_1d(size).tolist())
    w, s, l, sigma, nu, bounded, lower, upper, fixed = _first(w, s, l, sigma, nu, bounded,
                                                             lower, upper, fixed)
    if fixed > 0.5:
        return np.zeros(shape)
    if bounded > 0.5:
        return rng.uniform(lower, upper, size=shape)
    if w[1] != 0:
        return s * np.abs(rng.standard_normal(shape))
    if w[2] != 0:
        return s * np.abs(rng.standard_cauchy(shape))
    if w[3] != 0:
        return -w[3] / rng.gamma(-w[0] - 1.0, 1.0, size=shape)
    if w[4] != 0:
        return np.exp(l + sigma * rng.standard_normal(shape))
    if w[5] != 0:
        return np.exp(l + sigma * rng.standard_t(nu, size=shape))
    raise ValueError(f"tau prior weights {w.tolist()} name no family")


def _make_tau_transform() -> Any:
    from pymc.logprob.transforms import Transform

    class TauTransform(Transform):
        """tau = exp(z), or lower + (upper - lower) sigmoid(z) when ``tau_bounded``; tau = 0
        whatever z when ``tau_fixed_zero`` (z then gets a standard normal density)."""

        name = "z"

        def forward(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            d = _tau_params(inputs)
            u = (value - d["tau_lower"]) / (d["tau_upper"] - d["tau_lower"])
            positive = pt.switch(pt.gt(value, 0.0), value, 1.0)
            return pt.switch(pt.gt(d["tau_bounded"], 0.5), pt.log(u) - pt.log1p(-u),
                             pt.log(positive))

        def backward(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            d = _tau_params(inputs)
            width = d["tau_upper"] - d["tau_lower"]
            free = pt.switch(pt.gt(d["tau_bounded"], 0.5),
                             d["tau_lower"] + width * pt.sigmoid(value), pt.exp(value))
            return pt.switch(pt.gt(d["tau_fixed_zero"], 0.5), 0.0, free)

        def log_jac_det(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            d = _tau_params(inputs)
            width = d["tau_upper"] - d["tau_lower"]
            jac = pt.switch(pt.gt(d["tau_bounded"], 0.5),
                            pt.log(width) - pt.softplus(-value) - pt.softplus(value), value)
            return pt.switch(pt.gt(d["tau_fixed_zero"], 0.5), -0.5 * value**2, jac)

    return TauTransform()


def tau_prior_data(initial: TauPrior | None = None) -> dict[str, TensorVariable]:
    """Create the tau prior's ``pm.Data`` in the current model (see :func:`tau_prior_values`;
    default half-normal(0.5))."""
    import pymc as pm

    values = tau_prior_values(initial) if initial is not None else _DEFAULT_TAU
    return {key: pm.Data(key, values[key]) for key in TAU_PARAMS}


def tau_prior_vars(initial: TauPrior | None = None, *, name: str = "tau") -> TensorVariable:
    """Add tau with a data-defined prior to the current model; returns tau (a free variable).

    Creates the ``pm.Data`` of :func:`tau_prior_values` (initialised from ``initial``, default
    half-normal(0.5)) and the free ``pm.CustomDist`` ``name`` whose sampled value is ``{name}_z__``
    (:class:`TauTransform`).
    """
    import pymc as pm

    d = tau_prior_data(initial)
    return pm.CustomDist(name, *(d[k] for k in TAU_PARAMS), logp=_tau_logp, random=_tau_random,
                         support_point=_tau_support_point, transform=_make_tau_transform(),
                         signature=_TAU_SIGNATURE, class_name="TauPrior")


def draw_tau_prior(values: Mapping[str, Any], *, size: tuple[int, ...],
                   rng: np.random.Generator) -> NDArray[np.float64]:
    """Prior draws of tau: the ``random`` of :func:`tau_prior_vars` at these data values."""
    return _tau_random(*(np.asarray(values[k]) for k in TAU_PARAMS), rng=rng, size=size)


# --------------------------------------------------------------------------- effect
def _effect_logp(value: TensorVariable, w: TensorVariable, m: TensorVariable,
                 s: TensorVariable, nu: TensorVariable, c: TensorVariable,
                 *centring: TensorVariable) -> TensorVariable:
    return effect_prior_log_density(value, {"mu_w": w, "mu_m": m, "mu_s": s, "mu_nu": nu,
                                            "mu_c": c})


def _effect_random(w: Any, m: Any, s: Any, nu: Any, c: Any, *centring: Any,
                   rng: np.random.Generator | None = None, size: Any = None
                   ) -> NDArray[np.float64]:
    """Draws of the effect from the family its weights name (none for flat)."""
    rng = rng if rng is not None else np.random.default_rng()
    shape = () if size is None else tuple(np.atleast_1d(size).tolist())
    w, m, s, nu = _first(w, m, s, nu)
    if w[0] != 0:
        return rng.normal(m, s, size=shape)
    if w[1] != 0:
        return m + s * rng.standard_t(nu, size=shape)
    raise ValueError("the flat effect prior is improper: it has no draws")


def effect_prior_data(initial: EffectPrior | None = None) -> dict[str, TensorVariable]:
    """Create the effect prior's ``pm.Data`` in the current model (see
    :func:`effect_prior_values`; default normal(0, 10))."""
    import pymc as pm

    values = effect_prior_values(initial) if initial is not None else _DEFAULT_EFFECT
    return {key: pm.Data(key, value) for key, value in values.items()}


def effect_prior_vars(initial: EffectPrior | None = None, *, name: str = "mu",
                      dims: str | tuple[str, ...] | None = None,
                      data: Mapping[str, TensorVariable] | None = None) -> TensorVariable:
    """Add an effect with a data-defined prior to the current model; returns it (a free
    ``pm.CustomDist`` on the real line, one per element of ``dims``).

    ``data`` reuses the containers of :func:`effect_prior_data` (several effects with one
    prior); otherwise they are created from ``initial``.
    """
    import pymc as pm

    d = data if data is not None else effect_prior_data(initial)
    return pm.CustomDist(name, *(d[k] for k in EFFECT_PARAMS), logp=_effect_logp,
                         random=_effect_random, signature=_EFFECT_SIGNATURE, dims=dims,
                         class_name="EffectPrior")


def draw_effect_prior(values: Mapping[str, Any], *, size: tuple[int, ...],
                      rng: np.random.Generator) -> NDArray[np.float64] | None:
    """Prior draws of the effect: the ``random`` of :func:`effect_prior_vars` at these data
    values; ``None`` for the improper flat prior (nothing to draw)."""
    if not np.any(np.asarray(values["mu_w"])):
        return None
    return _effect_random(*(np.asarray(values[k]) for k in EFFECT_PARAMS), rng=rng, size=size)


def _centring(inputs: Sequence[Any]) -> tuple[Any, Any]:
    """Mean and SD of the normal approximation mu is centred on (inputs: rng, size, the effect
    parameters, then ``mu_cprec``, the estimates y and their variances v)."""
    import pytensor.tensor as pt

    m0, cprec, y, v = inputs[-7], inputs[-3], inputs[-2], inputs[-1]
    w = 1.0 / v
    prec = pt.sum(w, axis=-1) + cprec
    return (pt.sum(w * y, axis=-1) + cprec * m0) / prec, 1.0 / pt.sqrt(prec)


def _make_centred_transform() -> Any:
    from pymc.logprob.transforms import Transform

    class CentredTransform(Transform):
        """mu = m + s z around the conditional posterior of mu (see
        :func:`centred_effect_vars`)."""

        name = "z"

        def forward(self, value: Any, *inputs: Any) -> Any:
            m, s = _centring(inputs)
            return (value - m) / s

        def backward(self, value: Any, *inputs: Any) -> Any:
            m, s = _centring(inputs)
            return m + s * value

        def log_jac_det(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            _, s = _centring(inputs)
            return pt.log(s) + pt.zeros_like(value)

    return CentredTransform()


def _centred_support_point(rv: TensorVariable, size: Any, *params: TensorVariable
                           ) -> TensorVariable:
    return _centring((None, None, *params))[0]


def centred_effect_vars(y: TensorVariable, v: TensorVariable,
                        initial: EffectPrior | None = None, *, name: str = "mu"
                        ) -> TensorVariable:
    """Add the effect, sampled around its conditional posterior, to the current model.

    mu is the free ``pm.CustomDist`` of :func:`effect_prior_vars` (its prior unchanged) with a
    transform: ``mu = m + s * z`` (the sampled value ``{name}_z__``) where, given the variances
    ``v`` of the estimates ``y`` (for the normal-normal model ``v_i = se_i^2 + tau^2``),
    ``s^-2 = sum(1/v_i) + c`` and ``m = s^2 (sum(y_i/v_i) + c m0)`` with the centring prior
    precision ``c`` and mean ``m0`` (:func:`effect_prior_values`). Under a normal or flat prior
    z is exactly standard normal and independent of tau a posteriori, which removes the funnel
    between mu and tau (strongest with one study); under a Student-t prior nearly so. The
    log-Jacobian ``log s`` is the transform's, so the posterior of (mu, tau) is unchanged.
    """
    import pymc as pm

    d = effect_prior_data(initial)
    return pm.CustomDist(name, *(d[k] for k in EFFECT_PARAMS), d["mu_cprec"], y, v,
                         logp=_effect_logp, random=_effect_random,
                         support_point=_centred_support_point,
                         transform=_make_centred_transform(),
                         signature="(w),(),(),(),(),(),(k),(k)->()", class_name="EffectPrior")
