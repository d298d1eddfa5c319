"""Frequentist pooling, exactly as RevMan 5 (plus REML, Paule-Mandel, HKSJ and prediction)."""

from reanalyse.pooling.api import (
    ARM_METHODS,
    method_for_effects,
    pool,
    pool_effects,
    subgroup_differences,
)
from reanalyse.pooling.heterogeneity import cochran_q, i_squared
from reanalyse.pooling.inverse_variance import inverse_variance
from reanalyse.pooling.mantel_haenszel import mantel_haenszel
from reanalyse.pooling.peto import peto
from reanalyse.pooling.result import PooledResult, SubgroupTest
from reanalyse.pooling.tau2 import (
    dersimonian_laird,
    estimate_tau2,
    paule_mandel,
    reml,
    restricted_log_likelihood,
)

__all__ = [
    "ARM_METHODS",
    "PooledResult",
    "SubgroupTest",
    "cochran_q",
    "dersimonian_laird",
    "estimate_tau2",
    "i_squared",
    "inverse_variance",
    "mantel_haenszel",
    "method_for_effects",
    "paule_mandel",
    "peto",
    "pool",
    "pool_effects",
    "reml",
    "restricted_log_likelihood",
    "subgroup_differences",
]
