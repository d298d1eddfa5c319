"""Front door of the exact engine: check the inputs, integrate tau, return the posterior."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.exact.conditional import MetaData
from reanalyse.exact.posterior import ExactPosterior
from reanalyse.exact.protocols import TauDensity
from reanalyse.exact.scale_mixture import scale_mixture_rule
from reanalyse.exact.tau import FixedTau, ImproperUniformTau, fit_tau_posterior

__all__ = ["check_inputs", "fit_exact", "min_studies_for_uniform_tau", "study_data"]


def min_studies_for_uniform_tau(*, mu_prior_flat: bool) -> int:
    """Fewest studies for which the improper uniform prior on tau gives a proper posterior.

    Given tau, the marginal likelihood decays like ``tau^-(k-1)`` under a flat prior on mu and
    like ``tau^-k`` under a normal or Student-t prior, so ``p(tau | y)`` is integrable for
    ``k >= 3``, respectively ``k >= 2``.
    """
    return 3 if mu_prior_flat else 2


def _family(sd: float | None, df: float | None) -> str:
    return "flat" if sd is None else ("normal" if df is None else "Student-t")


def fit_exact(
    *,
    y: ArrayLike,
    se: ArrayLike,
    tau_prior: TauDensity | Literal["uniform"] | None = None,
    tau_fixed: float | None = None,
    mu_prior_mean: float = 0.0,
    mu_prior_sd: float | None = None,
    mu_prior_df: float | None = None,
    labels: Sequence[str] | None = None,
    rtol: float = 1e-10,
) -> ExactPosterior:
    """Exact posterior of the normal-normal random-effects model (bayesmeta's computation).

    Conditional on tau, mu is normal analytically; the marginal posterior of tau,
    ``p(tau | y) ∝ p(tau) p(y | tau)``, is normalised by adaptive Gauss-Legendre quadrature on
    ``log(tau)``; every other marginal is a normal mixture over that rule (Röver 2020, J Stat Softw
    93(6), section 2). A Student-t prior on mu is integrated as a scale mixture of normals: given
    tau and its precision multiplier lambda it is normal, and lambda is integrated by a
    trapezoidal rule in ``log(lambda)`` fitted to the data (:mod:`reanalyse.exact.scale_mixture`),
    so every marginal is a normal mixture over (tau, lambda).

    Parameters
    ----------
    y, se
        Study estimates and their standard errors (all ``se > 0``), on the analysis scale.
    tau_prior
        Prior on tau: any object following :class:`reanalyse.exact.TauDensity` (for example
        ``reanalyse.priors.TauPrior``), or ``"uniform"`` for the improper uniform prior on
        ``tau > 0`` (needs ``k >= 3`` under a flat mu prior, ``k >= 2`` under a normal one).
    tau_fixed
        Fix tau at this value instead (a point mass); ``0`` gives the fixed-effect model. Give
        exactly one of ``tau_prior`` and ``tau_fixed``.
    mu_prior_mean, mu_prior_sd
        Normal prior on mu; ``mu_prior_sd=None`` (the default) is the improper flat prior.
    mu_prior_df
        Degrees of freedom (``> 0``) of a Student-t prior on mu instead of the normal one:
        ``t_df(mu_prior_mean, mu_prior_sd)``, with ``mu_prior_sd`` its scale.
        :meth:`reanalyse.priors.EffectPrior.exact_mu_prior` gives all three keywords for a
        registry effect prior.
    labels
        Study labels (default ``"1"``, ..., ``"k"``).
    rtol
        Relative accuracy of the quadrature for tau (and for lambda under a Student-t prior).

    Returns
    -------
    ExactPosterior

    Raises
    ------
    ValueError
        For malformed data or priors, or an improper posterior.

    Examples
    --------
    >>> from scipy import stats
    >>> class HalfNormal:
    ...     support = (0.0, float("inf"))
    ...     def logpdf(self, tau): return stats.halfnorm.logpdf(tau, scale=0.5)
    ...     def ppf(self, q): return stats.halfnorm.ppf(q, scale=0.5)
    >>> post = fit_exact(y=[-0.5, -0.2, -0.9], se=[0.3, 0.4, 0.5], tau_prior=HalfNormal())
    >>> round(post.p_less("mu", 0.0), 3)
    0.953
    """
    y_arr = np.asarray(y, dtype=np.float64).reshape(-1)
    se_arr = np.asarray(se, dtype=np.float64).reshape(-1)
    problems = check_inputs(y=y_arr, se=se_arr, mu_prior_mean=mu_prior_mean,
                            mu_prior_sd=mu_prior_sd, mu_prior_df=mu_prior_df, rtol=rtol)
    if (tau_prior is None) == (tau_fixed is None):
        problems.append("give exactly one of tau_prior and tau_fixed")
    if tau_fixed is not None and not (np.isfinite(tau_fixed) and tau_fixed >= 0):
        problems.append("tau_fixed must be finite and >= 0")
    if labels is not None and len(labels) != y_arr.size:
        problems.append(f"{len(labels)} labels for {y_arr.size} studies")
    if problems:
        raise ValueError("; ".join(problems))

    data = study_data(y=y_arr, se=se_arr, mu_prior_mean=mu_prior_mean, mu_prior_sd=mu_prior_sd,
                      mu_prior_df=mu_prior_df, rtol=rtol)
    if labels is not None:
        names = tuple(str(s) for s in labels)
    else:
        names = tuple(str(i + 1) for i in range(data.k))

    if tau_fixed is not None:
        return ExactPosterior(data=data, tau=FixedTau(float(tau_fixed)), labels=names)

    if isinstance(tau_prior, str):
        if tau_prior != "uniform":
            raise ValueError(f"tau_prior must be a TauDensity or 'uniform', not {tau_prior!r}")
        need = min_studies_for_uniform_tau(mu_prior_flat=mu_prior_sd is None)
        if data.k < need:
            raise ValueError(
                f"the improper uniform prior on tau gives an improper posterior with {data.k} "
                f"stud{'y' if data.k == 1 else 'ies'} under a "
                f"{_family(mu_prior_sd, mu_prior_df)} prior on mu (needs k >= {need}); "
                "use a proper prior on tau"
            )
        prior: TauDensity | ImproperUniformTau = ImproperUniformTau()
    else:
        assert tau_prior is not None
        if not isinstance(tau_prior, TauDensity):
            raise TypeError("tau_prior must have logpdf(tau), ppf(q) and support (see TauDensity)")
        prior = tau_prior
    tau_post = fit_tau_posterior(data, prior, rtol=rtol)
    return ExactPosterior(data=data, tau=tau_post, labels=names)


def check_inputs(*, y: NDArray[np.float64], se: NDArray[np.float64], mu_prior_mean: float,
                 mu_prior_sd: float | None, mu_prior_df: float | None,
                 rtol: float) -> list[str]:
    """Everything wrong with the studies, the prior on mu and ``rtol`` (flattened arrays, as
    :func:`fit_exact` takes them), one message each."""
    problems: list[str] = []
    if y.size == 0:
        problems.append("no studies: y is empty")
    if y.shape != se.shape:
        problems.append(f"y has {y.size} values but se has {se.size}")
    if not np.all(np.isfinite(y)):
        problems.append("y must be finite")
    if not np.all(np.isfinite(se)) or np.any(se <= 0):
        problems.append("every se must be finite and > 0")
    if not np.isfinite(mu_prior_mean):
        problems.append("mu_prior_mean must be finite")
    if mu_prior_sd is not None and not (np.isfinite(mu_prior_sd) and mu_prior_sd > 0):
        problems.append("mu_prior_sd must be finite and > 0 (or None for a flat prior)")
    if mu_prior_df is not None:
        if not (np.isfinite(mu_prior_df) and mu_prior_df > 0):
            problems.append("mu_prior_df must be finite and > 0 (or None for a normal prior)")
        if mu_prior_sd is None:
            problems.append("a Student-t prior on mu (mu_prior_df) needs its scale, mu_prior_sd")
    if not (0 < rtol < 1e-2):
        problems.append("rtol must lie in (0, 0.01)")
    return problems


def study_data(
    *,
    y: NDArray[np.float64],
    se: NDArray[np.float64],
    mu_prior_mean: float = 0.0,
    mu_prior_sd: float | None = None,
    mu_prior_df: float | None = None,
    rtol: float = 1e-10,
) -> MetaData:
    """The studies and the prior on mu as the engine holds them (under a Student-t prior, with
    its lambda rule fitted to the data); the arguments as :func:`fit_exact` takes them, already
    checked."""
    mixture = None
    if mu_prior_df is not None:
        assert mu_prior_sd is not None
        mixture = scale_mixture_rule(y=y, se=se, location=float(mu_prior_mean),
                                     scale=float(mu_prior_sd), df=float(mu_prior_df), rtol=rtol)
    return MetaData(
        y=y,
        se=se,
        mu_prior_mean=float(mu_prior_mean),
        mu_prior_sd=None if mu_prior_sd is None else float(mu_prior_sd),
        mu_prior_mixture=mixture,
    )
