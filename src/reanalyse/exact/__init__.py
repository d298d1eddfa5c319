"""Exact (numerical-integration) posterior of the normal-normal random-effects model.

The computation of bayesmeta (Röver 2020, J Stat Softw 93(6)): conditional on tau, mu is normal
analytically; the marginal posterior of tau is normalised by one-dimensional quadrature; the
marginals of mu, the study effects theta_i and the new-study effect theta_new are normal mixtures
over tau. No Monte Carlo error; one analysis takes milliseconds.

Modules: :mod:`~reanalyse.exact.conditional` (everything analytic given tau),
:mod:`~reanalyse.exact.quadrature` (adaptive Gauss-Legendre on the log scale),
:mod:`~reanalyse.exact.tau` (the marginal posterior of tau, fixed tau, the improper uniform prior),
:mod:`~reanalyse.exact.mixture` (normal-mixture pdf, CDF, quantiles),
:mod:`~reanalyse.exact.posterior` (:class:`ExactPosterior`), :mod:`~reanalyse.exact.fit`
(:func:`fit_exact`), :mod:`~reanalyse.exact.protocols` (:class:`TauDensity`),
:mod:`~reanalyse.exact.evidence` (:func:`bayes_factors` for tau = 0 and mu = 0, as bayesmeta).
"""

from reanalyse.exact.evidence import BayesFactors, bayes_factors
from reanalyse.exact.fit import fit_exact, min_studies_for_uniform_tau
from reanalyse.exact.posterior import ExactPosterior, Parameter
from reanalyse.exact.protocols import TauDensity
from reanalyse.exact.tau import ImproperUniformTau

__all__ = [
    "BayesFactors",
    "ExactPosterior",
    "ImproperUniformTau",
    "Parameter",
    "TauDensity",
    "bayes_factors",
    "fit_exact",
    "min_studies_for_uniform_tau",
]
