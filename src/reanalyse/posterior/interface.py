"""The questions every posterior answers, whatever computed it."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import pandas as pd

__all__ = ["PARAMETERS", "Parameter", "Posterior", "Study"]

Parameter = Literal["mu", "tau", "theta", "theta_new"]
#: A study by 0-based position or label; ``None`` for parameters that are not per study.
Study = int | str | None
#: The parameters of a pairwise random-effects posterior (ARCHITECTURE.md, "Names").
PARAMETERS: tuple[str, ...] = ("mu", "tau", "theta", "theta_new")


@runtime_checkable
class Posterior(Protocol):
    """A posterior of ``mu``, ``tau``, ``theta`` and ``theta_new`` on the analysis scale.

    :class:`reanalyse.exact.ExactPosterior` (numerical integration) and
    :class:`reanalyse.posterior.DrawsPosterior` (MCMC draws) both follow it. ``t`` and ``q``
    take a number (the answer is a float) or a sequence (an array).
    """

    labels: tuple[str, ...]

    def mean(self, parameter: Parameter, *, study: Study = None) -> float: ...

    def sd(self, parameter: Parameter, *, study: Study = None) -> float: ...

    def quantile(self, parameter: Parameter, q, *, study: Study = None): ...  # type: ignore[no-untyped-def]

    def interval(self, parameter: Parameter, prob: float = 0.95, *,
                 study: Study = None) -> tuple[float, float]: ...

    def p_greater(self, parameter: Parameter, t, *, study: Study = None): ...  # type: ignore[no-untyped-def]

    def p_less(self, parameter: Parameter, t, *, study: Study = None): ...  # type: ignore[no-untyped-def]

    def summary(self) -> pd.DataFrame: ...
