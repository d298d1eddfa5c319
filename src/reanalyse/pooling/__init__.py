"""Frequentist pooling, exactly as RevMan 5 (plus REML, Paule-Mandel, HKSJ and prediction), one
meta-analysis at a time (``pool``, ``pool_effects``) or many at once (``pool_batch``)."""

from reanalyse.pooling.api import (
    ARM_METHODS,
    method_for_effects,
    pool,
    pool_effects,
    subgroup_differences,
)
from reanalyse.pooling.batch import pool_batch, stack_effects
from reanalyse.pooling.batch_result import BatchPooled
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
    "BatchPooled",
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
    "pool_batch",
    "pool_effects",
    "reml",
    "restricted_log_likelihood",
    "stack_effects",
    "subgroup_differences",
]
