"""The cited prior registry: priors on tau and on the pooled effect.

Registry entries ship with the package in ``reanalyse/assets/priors/*.toml`` (format: the
README.md there); :func:`show` describes one.
:func:`load_prior` is the front door: a registry id or an inline spec, checked against the role
and the analysis' effect scale.

Examples
--------
>>> from reanalyse.priors import load_prior
>>> tau_prior = load_prior("turner2015-marginal", role="tau", scale="logOR")
>>> round(tau_prior.median, 3)
0.278
>>> effect_prior = load_prior("skeptical", role="effect", scale="logRR").resolve(threshold=-0.2877)
"""

import reanalyse.priors.pickling  # noqa: F401  (prior objects pickle)
from reanalyse.priors.describe import PriorCard, describe, show
from reanalyse.priors.effect import SKEPTICAL_TAIL_PROBABILITY, EffectPrior
from reanalyse.priors.inline import parse_inline_prior
from reanalyse.priors.load import PriorScaleMismatchError, load_prior
from reanalyse.priors.location import PRIORS_DIR_ENV, priors_dir
from reanalyse.priors.registry import Prior, list_priors, read_registry, registry
from reanalyse.priors.scales import ANY_SCALE, EFFECT_SCALES, AnalysisScale, parse_analysis_scale
from reanalyse.priors.stack import TauPriorStack
from reanalyse.priors.tau import TauPrior

__all__ = [
    "ANY_SCALE",
    "EFFECT_SCALES",
    "PRIORS_DIR_ENV",
    "SKEPTICAL_TAIL_PROBABILITY",
    "AnalysisScale",
    "EffectPrior",
    "Prior",
    "PriorCard",
    "PriorScaleMismatchError",
    "TauPrior",
    "TauPriorStack",
    "describe",
    "list_priors",
    "load_prior",
    "parse_analysis_scale",
    "parse_inline_prior",
    "priors_dir",
    "read_registry",
    "registry",
    "show",
]
