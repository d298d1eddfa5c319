"""The two Bayesian readings of a pairwise analysis, each named for the question it answers.

*Like-for-like with the review*: the Bayesian analogue of the review's own model under the
default effect prior, on the review's study estimates (normal likelihood, exact engine): a
common-effect posterior (tau = 0) when the review pooled fixed-effect, the random-effects
posterior under the default tau prior when it pooled random effects. ``agrees`` compares this
reading with the review's conclusion: same model, so a disagreement is a finding, not an artefact.

*Generalisation*: the random-effects posterior of mu and of theta_new (the effect in a new trial)
under the empirical tau prior the defaults name for the analysis scale (``generalisation_tau``).
With one study tau is not informed by the data: this reading is then carried by the tau prior,
and theta_new is its quantity of interest.

Each reading carries the power-scaling diagnosis of its posterior of mu (priorsense's
diagnostic, arviz-stats' ``power_scale_lw`` and ``power_scale_sense`` as
``arviz_stats.psense_summary`` calls them, on independent draws of the exact posterior with
their log prior and log likelihood, the marginal form of the normal-normal model, as the MCMC
fits keep them). A posterior the diagnosis marks as shaped by its prior (prior sensitivity above
0.05: "strong prior / weak likelihood" or "prior-data conflict") reads
"inconclusive: prior-driven", never "benefit" or "harm".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from reanalyse.exact import ExactPosterior, fit_exact
from reanalyse.priors import EffectPrior, TauPrior
from reanalyse.sensitivity import summarise_exact

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["PRIOR_DRIVEN", "Reading", "is_prior_driven", "like_for_like", "power_scaling_exact",
           "random_effects", "reading_of"]

#: The reading of a posterior the power-scaling diagnosis marks as shaped by its prior.
PRIOR_DRIVEN = "inconclusive: prior-driven"
#: Draws (chains x draws) of the exact posterior the power-scaling diagnosis is computed on.
_CHAINS, _DRAWS = 4, 1000
_SEED = 20231116


@dataclass(frozen=True, kw_only=True)
class Reading:
    """One Bayesian reading: the fit (named), its summaries, diagnosis and conclusion.

    ``summary`` holds the grid-cell summaries on the analysis scale (``mu_median``,
    ``mu_q025``, ..., ``theta_new_q975``, ``p_benefit``, ``p_meaningful``, ``p_new_benefit``).
    """

    name: str
    model: str
    tau_prior: str
    effect_prior: str
    posterior: ExactPosterior
    summary: dict[str, float]
    diagnosis: list[dict[str, Any]]
    reading: str


def is_prior_driven(diagnosis: str) -> bool:
    """True when a diagnosis text (``decision.prior_sensitivity``) says the prior shapes mu."""
    return diagnosis.startswith(("strong prior", "prior-data conflict"))


def reading_of(p_benefit: float, *, diagnosis: str) -> str:
    """benefit / harm / inconclusive from P(benefit) (as ``decision.reading_from_probability``),
    or :data:`PRIOR_DRIVEN` when the diagnosis marks the posterior as shaped by its prior."""
    from reanalyse.pipeline.decision import reading_from_probability

    if is_prior_driven(diagnosis):
        return PRIOR_DRIVEN
    return reading_from_probability(p_benefit)


def power_scaling_exact(post: ExactPosterior, *, tau_prior: TauPrior | None,
                        effect_prior: EffectPrior, seed: int = _SEED) -> list[dict[str, Any]]:
    """The power-scaling diagnosis of an exact posterior, in the records of the MCMC fits
    (``jobs.power_scaling``): mu, and tau unless it is fixed (``tau_prior=None``).

    The log prior is that of mu (and tau); the log likelihood is the marginal one of each study,
    ``y_i ~ N(mu, se_i^2 + tau^2)``, as the normal model's MCMC fit keeps it."""
    from reanalyse.pipeline.jobs import power_scaling_arrays

    draws = post.sample(_CHAINS * _DRAWS, rng=np.random.default_rng(seed))
    mu, tau = draws["mu"], draws["tau"]
    y, se = post.y, post.se
    loglik = stats.norm.logpdf(y[None, :], loc=mu[:, None],
                               scale=np.sqrt(se[None, :] ** 2 + tau[:, None] ** 2))
    shape = (_CHAINS, _DRAWS)
    names = ["mu"] if tau_prior is None else ["mu", "tau"]
    log_prior = np.asarray(effect_prior.logpdf(mu), dtype=float)
    if tau_prior is not None:
        log_prior = log_prior + np.asarray(tau_prior.logpdf(tau), dtype=float)
    return power_scaling_arrays({n: draws[n].reshape(shape) for n in names},
                                log_prior=log_prior.reshape(shape),
                                log_likelihood=loglik.sum(axis=1).reshape(shape))


def _reading(name: str, *, model: str, post: ExactPosterior, tau: Any, effect: Any,
             prep: PreparedAnalysis, same_as: Reading | None = None) -> Reading:
    """``same_as``: a reading of this same posterior under the same priors, whose summaries
    and diagnosis (the same draws, the same seed) are taken instead of computed again."""
    from reanalyse.pipeline.decision import prior_sensitivity

    if same_as is not None:
        summary, diagnosis = dict(same_as.summary), [dict(r) for r in same_as.diagnosis]
    else:
        threshold = prep.primary.t if prep.primary is not None else None
        summary = summarise_exact(post, benefit_sign=prep.sign, threshold=threshold)
        diagnosis = power_scaling_exact(post, tau_prior=None if tau is None else tau.prior,
                                        effect_prior=effect.prior)
    return Reading(name=name, model=model, tau_prior="" if tau is None else tau.id,
                   effect_prior=effect.id, posterior=post, summary=summary, diagnosis=diagnosis,
                   reading=reading_of(summary["p_benefit"],
                                      diagnosis=prior_sensitivity(diagnosis)))


def like_for_like(prep: PreparedAnalysis) -> Reading | None:
    """The review's own model, Bayesian, under the default effect prior (None without data)."""
    if prep.default_effect is None or prep.default_tau is None or prep.main.k == 0:
        return None
    effect = prep.default_effect
    assert isinstance(effect.prior, EffectPrior)
    if prep.spec.model == "fixed":
        y, se = prep.main.y_se()
        post = fit_exact(y=y, se=se, tau_fixed=0.0,
                         labels=[str(s) for s in prep.main.effects.study],  # type: ignore[union-attr]
                         **effect.prior.exact_mu_prior())
        return _reading("like_for_like", post=post, tau=None, effect=effect, prep=prep,
                        model="common effect (tau = 0), normal likelihood, exact engine")
    assert prep.exact_default is not None
    return _reading("like_for_like", post=prep.exact_default, tau=prep.default_tau,
                    effect=effect, prep=prep,
                    model=f"random effects (tau prior {prep.default_tau.id}), normal "
                          "likelihood, exact engine")


def random_effects(prep: PreparedAnalysis) -> Reading | None:
    """The generalisation reading: random effects under the generalisation tau prior."""
    tau = prep.generalisation_tau
    effect = prep.default_effect
    if tau is None or effect is None or prep.main.k == 0:
        return None
    assert isinstance(effect.prior, EffectPrior) and isinstance(tau.prior, TauPrior)
    if prep.default_tau is not None and tau.id == prep.default_tau.id \
            and prep.exact_default is not None:
        post = prep.exact_default
    else:
        y, se = prep.main.y_se()
        post = fit_exact(y=y, se=se, tau_prior=tau.prior,
                         labels=[str(s) for s in prep.main.effects.study],  # type: ignore[union-attr]
                         **effect.prior.exact_mu_prior())
    lfl = prep.like_for_like  # the review pooled random effects under this same tau prior
    same = lfl if (lfl is not None and lfl.posterior is post and lfl.tau_prior == tau.id
                   and lfl.effect_prior == effect.id) else None
    return _reading("random_effects", post=post, tau=tau, effect=effect, prep=prep, same_as=same,
                    model=f"random effects (tau prior {tau.id}), normal likelihood, exact engine")
