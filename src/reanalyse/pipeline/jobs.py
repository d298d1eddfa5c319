"""The expensive tasks of a run (MCMC fits, network meta-analyses), as picklable jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reanalyse.pipeline.defaults import BayesDefaults
from reanalyse.pipeline.executor import Job
from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["mcmc_jobs", "nma_jobs"]


def mcmc_jobs(prep: PreparedAnalysis, *, defaults: BayesDefaults) -> list[Job]:
    """MCMC jobs of one analysis (wired in once the pairwise models land)."""
    return []


def nma_jobs(*, root: Path, defaults: BayesDefaults, scenario: str) -> list[Job]:
    """Network meta-analysis jobs (wired in once the NMA lands)."""
    return []


_ = Any
