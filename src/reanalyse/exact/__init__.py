"""Exact (numerical-integration) posterior of the normal-normal random-effects model.

The computation of bayesmeta (Röver 2020, J Stat Softw 93(6)): conditional on tau, mu is normal
analytically (under a Student-t prior on mu, conditional on tau and the prior's scale-mixture
variable); the marginal posterior of tau is normalised by one-dimensional quadrature; the
marginals of mu, the study effects theta_i and the new-study effect theta_new are normal mixtures
over tau. No Monte Carlo error; one analysis takes milliseconds.

Modules: :mod:`~reanalyse.exact.conditional` (everything analytic given tau),
:mod:`~reanalyse.exact.quadrature` (adaptive Gauss-Legendre on the log scale),
:mod:`~reanalyse.exact.tau` (the marginal posterior of tau, fixed tau, the improper uniform prior),
:mod:`~reanalyse.exact.mixture` (normal-mixture pdf, CDF, quantiles),
:mod:`~reanalyse.exact.posterior` (:class:`ExactPosterior`), :mod:`~reanalyse.exact.fit`
(:func:`fit_exact`), :mod:`~reanalyse.exact.protocols` (:class:`TauDensity`,
:class:`MuPriorArgs`), :mod:`~reanalyse.exact.scale_mixture` (a Student-t prior on mu as a scale
mixture of normals: the quadrature rule over its precision multiplier lambda, so that the
marginals are normal mixtures over (tau, lambda)), :mod:`~reanalyse.exact.evidence`
(:func:`bayes_factors` for tau = 0 and mu = 0, as bayesmeta), :mod:`~reanalyse.exact.stacked`
(:func:`fit_exact_stacked`: the posteriors under several tau priors on one rule, a row of a
sensitivity grid), :mod:`~reanalyse.exact.prior_scan` (a family of tau priors by reweighting
one fixed rule, for tipping points).
"""

from reanalyse.exact.evidence import BayesFactors, bayes_factors
from reanalyse.exact.fit import fit_exact, min_studies_for_uniform_tau
from reanalyse.exact.posterior import ExactPosterior, Parameter
from reanalyse.exact.protocols import MuPriorArgs, TauDensity, TauDensityStack
from reanalyse.exact.stacked import StackedPosterior, fit_exact_stacked
from reanalyse.exact.tau import ImproperUniformTau

__all__ = [
    "BayesFactors",
    "ExactPosterior",
    "ImproperUniformTau",
    "MuPriorArgs",
    "Parameter",
    "StackedPosterior",
    "TauDensity",
    "TauDensityStack",
    "bayes_factors",
    "fit_exact",
    "fit_exact_stacked",
    "min_studies_for_uniform_tau",
]
