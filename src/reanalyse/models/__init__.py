"""Bayesian pairwise meta-analysis models in PyMC (descriptions: top-level ``models/*.toml``).

- :class:`NormalNormal`: normal-normal random effects on study estimates, sampled in the
  marginal form ``y_i ~ N(mu, se_i^2 + tau^2)``; ``theta_i`` drawn afterwards from their exact
  conditional posterior, ``theta_new ~ N(mu, tau^2)``.
- :class:`FixedEffect`: its tau = 0 limit.
- :class:`BinomialLogit`: binomial-normal on the log odds (OR), exact likelihood.
- :class:`BinomialLog`: log-link binomial (RR) with both arm risks <= 1 by construction.

Every model is an immutable specification (priors by role); ``fit(data, settings=...,
random_seed=...)`` compiles once per structure (:data:`reanalyse.sampling.MODEL_CACHE`) and
returns a :class:`reanalyse.results.FitResult`.

Examples
--------
>>> from reanalyse.priors import load_prior
>>> from reanalyse.models import ContrastData, NormalNormal
>>> tau = load_prior("half-normal-0.5", role="tau", scale="logOR")
>>> effect = load_prior("vague-logor", role="effect", scale="logOR")
>>> fit = NormalNormal(tau_prior=tau, effect_prior=effect).fit(
...     ContrastData(y=[-0.4, -0.1], se=[0.3, 0.5], measure="OR"), random_seed=1)  # doctest: +SKIP
>>> fit.summary()                                                            # doctest: +SKIP
"""

from reanalyse.models.base import PairwiseModel, check_prior_scale
from reanalyse.models.binomial import BinomialLog, BinomialLogit
from reanalyse.models.data import ArmData, ContrastData
from reanalyse.models.normal import FixedEffect, NormalNormal, theta_conditional
from reanalyse.models.specs import model_spec, model_specs, models_dir

#: Model kind -> class.
MODELS: dict[str, type[PairwiseModel]] = {
    cls.kind: cls for cls in (NormalNormal, FixedEffect, BinomialLogit, BinomialLog)
}

__all__ = [
    "MODELS",
    "ArmData",
    "BinomialLog",
    "BinomialLogit",
    "ContrastData",
    "FixedEffect",
    "NormalNormal",
    "PairwiseModel",
    "check_prior_scale",
    "model_spec",
    "model_specs",
    "models_dir",
    "theta_conditional",
]
