"""Priors as PyMC random variables whose family *and* hyperparameters are data, so that one
compiled model serves every prior of the registry.

Every tau family of the registry has a log density that is a weighted sum of six smooth terms
in tau plus a normalising constant,

    log p(tau) = a1 log(tau) + a2 (tau/s)^2 + a3 log(1 + (tau/s)^2) + a4 / tau
                 + a5 z^2 + a6 log(1 + z^2 / nu) + c,          z = (log(tau) - l) / sigma,

with weights each family states (:meth:`reanalyse.priors.family.TauFamily.graph_terms`; the
sums are :mod:`reanalyse.priors.graph_form`'s, the constant ``c`` the family's own scipy density
at one point; tau is sampled through a logit when the family's support is bounded, else a log).
The packaged families:

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
its ``random`` draws from the family whose code (its place in the registry,
:func:`reanalyse.priors.families.family_code`) and parameter vector are data too
(:func:`draw_tau_prior`). So
``pm.stats.compute_log_prior`` gives the prior's normalised log density (the same as
``TauPrior.logpdf``), the sampled geometry is exactly that of PyMC's default transform of each
family, and the compiled graph is small: compiling one graph with a ``pt.switch`` over PyMC's
six ``logp`` graphs took several times longer with numba.

The effect prior (mu, d) is handled alike: ``b1 ((mu - m)/s)^2 + b2 log(1 + ((mu - m)/s)^2 /
nu) + c`` covers normal (b1 = -1/2), Student-t (b2 = -(nu + 1)/2) and the improper flat prior
(both 0, c = 0; no draws: the family is not ``proper``). In the normal-normal model mu is
sampled around its conditional posterior given tau (:func:`centred_effect_vars`, a transform of mu), which removes the mu-tau
funnel without changing mu's prior.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.priors.effect_families import Normal
from reanalyse.priors.families import family_code, family_from_code
from reanalyse.priors.family import EffectFamily, Family, TauFamily
from reanalyse.priors.graph_form import effect_terms_sum, tau_terms_sum
from reanalyse.priors.tau_families import HalfNormal

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

__all__ = [
    "EFFECT_PARAMS",
    "TAU_PARAMS",
    "THETA_SIZE",
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

#: Length of the parameter vector a family's draws are made from (``tau_theta``, ``mu_theta``).
THETA_SIZE = 4

#: The ``pm.Data`` parameters of tau's distribution, in the order the CustomDist takes them.
TAU_PARAMS: tuple[str, ...] = ("tau_w", "tau_s", "tau_l", "tau_sigma", "tau_nu", "tau_c",
                               "tau_bounded", "tau_lower", "tau_upper", "tau_fixed_zero",
                               "tau_code", "tau_theta")
_TAU_SIGNATURE = "(w),(),(),(),(),(),(),(),(),(),(),(p)->()"

#: The ``pm.Data`` parameters of the effect's distribution (``mu_cprec`` only centres it).
EFFECT_PARAMS: tuple[str, ...] = ("mu_w", "mu_m", "mu_s", "mu_nu", "mu_c", "mu_code",
                                  "mu_theta")
_EFFECT_SIGNATURE = "(w),(),(),(),(),(),(p)->()"
_CENTRED_SIGNATURE = "(w),(),(),(),(),(),(p),(),(k),(k)->()"


def _theta(family: Family) -> NDArray[np.float64]:
    theta = family.theta
    if len(theta) > THETA_SIZE:
        raise ValueError(f"the {family.name} family has {len(theta)} parameters; the graph's "
                         f"parameter vector holds {THETA_SIZE} (THETA_SIZE)")
    return np.asarray([*theta, *([0.0] * (THETA_SIZE - len(theta)))], dtype=float)


def tau_prior_values(prior: TauPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for a tau prior: ``tau_w`` (6 weights), ``tau_s``, ``tau_l``,
    ``tau_sigma``, ``tau_nu``, ``tau_c`` (the log normalising constant), ``tau_bounded``,
    ``tau_lower``, ``tau_upper``, ``tau_fixed_zero`` (0), ``tau_code`` (the family) and
    ``tau_theta`` (its parameters on tau, padded to :data:`THETA_SIZE`)."""
    return _tau_values(prior.distribution)


def _tau_values(family: TauFamily) -> dict[str, NDArray[np.float64]]:
    form = family.graph_form()
    t = form.terms
    return {"tau_w": np.asarray(t.weights, dtype=float), "tau_s": np.asarray(float(t.s)),
            "tau_l": np.asarray(float(t.l)), "tau_sigma": np.asarray(float(t.sigma)),
            "tau_nu": np.asarray(float(t.nu)), "tau_c": np.asarray(float(form.c)),
            "tau_bounded": np.asarray(1.0 if form.bounded else 0.0),
            "tau_lower": np.asarray(form.lower if form.bounded else 0.0),
            "tau_upper": np.asarray(form.upper if form.bounded else 1.0),
            "tau_fixed_zero": np.asarray(0.0),
            "tau_code": np.asarray(float(family_code(type(family)))),
            "tau_theta": _theta(family)}


def tau_zero_values() -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values that fix tau = 0 (the fixed-effect limit) in the same graph: tau is
    0, its log density 0, and its then irrelevant unconstrained value gets a standard normal
    density (so that the sampled density stays proper)."""
    return {**_DEFAULT_TAU, "tau_fixed_zero": np.asarray(1.0)}


def effect_prior_values(prior: EffectPrior) -> dict[str, NDArray[np.float64]]:
    """``pm.Data`` values for an effect prior: ``mu_w`` (2 weights), ``mu_m``, ``mu_s``,
    ``mu_nu``, ``mu_c`` (log normalising constant, 0 for flat), ``mu_code`` and ``mu_theta``
    (the family and its parameters), and ``mu_cprec``: the precision of the normal prior used
    to centre the effect's parameterisation (the normal prior itself; the Student-t's
    1/scale^2; 0 for flat; its mean is ``mu_m``)."""
    if prior.needs_threshold:
        raise ValueError(f"effect prior {prior.id!r} needs resolve(threshold=...) first")
    return _effect_values(prior.distribution)


def _effect_values(family: EffectFamily) -> dict[str, NDArray[np.float64]]:
    form = family.graph_form()
    t = form.terms
    return {"mu_w": np.asarray(t.weights, dtype=float), "mu_m": np.asarray(float(t.m)),
            "mu_s": np.asarray(float(t.s)), "mu_nu": np.asarray(float(t.nu)),
            "mu_c": np.asarray(float(form.c)),
            "mu_code": np.asarray(float(family_code(type(family)))),
            "mu_theta": _theta(family),
            "mu_cprec": np.asarray(float(t.centring_precision))}


_DEFAULT_TAU = _tau_values(HalfNormal(scale=0.5))
_DEFAULT_EFFECT = _effect_values(Normal(mean=0.0, sd=10.0))


# --------------------------------------------------------------------------- log densities
def tau_prior_log_density(tau: TensorVariable, d: Mapping[str, TensorVariable]
                          ) -> TensorVariable:
    """The weighted-sum log density of tau (normalised by ``tau_c``) as a PyTensor graph."""
    import pytensor.tensor as pt

    return tau_terms_sum(tau, d, xp=pt) + d["tau_c"]


def effect_prior_log_density(mu: TensorVariable, d: Mapping[str, TensorVariable]
                             ) -> TensorVariable:
    """The weighted-sum log density of the effect (normalised by ``mu_c``) as a PyTensor
    graph."""
    import pytensor.tensor as pt

    return effect_terms_sum(mu, d, xp=pt) + d["mu_c"]


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


def _scalar(value: Any) -> float:
    """A scalar parameter of one prior from a (possibly batch-broadcast) array: every element
    of a variable shares its prior, so the first is taken."""
    return float(np.asarray(value, dtype=float).ravel()[0])


def _vector(value: Any) -> NDArray[np.float64]:
    """A vector parameter of one prior (last axis) from a possibly batch-broadcast array."""
    x = np.asarray(value, dtype=float)
    return x.reshape(-1, x.shape[-1])[0]


def _shape(size: Any) -> tuple[int, ...]:
    return () if size is None else tuple(np.atleast_1d(size).tolist())


def _tau_random(*params: Any, rng: np.random.Generator | None = None, size: Any = None
                ) -> NDArray[np.float64]:
    """Draws of tau from the family the data name (``tau_code``, ``tau_theta``)."""
    rng = rng if rng is not None else np.random.default_rng()
    d = dict(zip(TAU_PARAMS, params, strict=True))
    shape = _shape(size)
    if _scalar(d["tau_fixed_zero"]) > 0.5:
        return np.zeros(shape)
    family = family_from_code("tau", code=_scalar(d["tau_code"]))
    return family.from_theta(_vector(d["tau_theta"])).draw(rng=rng, size=shape)


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
def _effect_logp(value: TensorVariable, *params: TensorVariable) -> TensorVariable:
    d = dict(zip(EFFECT_PARAMS, params[:len(EFFECT_PARAMS)], strict=True))
    return effect_prior_log_density(value, d)


def _effect_family(params: Sequence[Any]) -> type[EffectFamily]:
    family = family_from_code("effect", code=_scalar(params[EFFECT_PARAMS.index("mu_code")]))
    assert issubclass(family, EffectFamily)
    return family


def _effect_random(*params: Any, rng: np.random.Generator | None = None, size: Any = None
                   ) -> NDArray[np.float64]:
    """Draws of the effect from the family the data name (``mu_code``, ``mu_theta``; none for
    an improper family)."""
    rng = rng if rng is not None else np.random.default_rng()
    theta = _vector(params[EFFECT_PARAMS.index("mu_theta")])
    return _effect_family(params).from_theta(theta).draw(rng=rng, size=_shape(size))


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
    values; ``None`` for an improper prior such as flat (nothing to draw)."""
    if not _effect_family([values[k] for k in EFFECT_PARAMS]).proper:
        return None
    return _effect_random(*(np.asarray(values[k]) for k in EFFECT_PARAMS), rng=rng, size=size)


def _centring(inputs: Sequence[Any]) -> tuple[Any, Any]:
    """Mean and SD of the normal approximation mu is centred on (inputs: rng, size, the effect
    parameters, then ``mu_cprec``, the estimates y and their variances v)."""
    import pytensor.tensor as pt

    names = (*EFFECT_PARAMS, "mu_cprec", "y", "v")
    d = dict(zip(names, inputs[-len(names):], strict=True))
    m0, cprec, y, v = d["mu_m"], d["mu_cprec"], d["y"], d["v"]
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
                         signature=_CENTRED_SIGNATURE, class_name="EffectPrior")
