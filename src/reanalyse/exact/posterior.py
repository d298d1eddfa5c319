"""The exact posterior of the normal-normal random-effects model, and its summaries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from reanalyse.exact.conditional import (
    MetaData,
    components_given_tau,
    theta_given_tau,
    theta_new_given_tau,
)
from reanalyse.exact.mixture import mixture_cdf, mixture_pdf, mixture_quantile, mixture_sf
from reanalyse.exact.tau import FixedTau, TauPosterior

__all__ = ["ExactPosterior", "Parameter"]

Parameter = Literal["mu", "tau", "theta", "theta_new"]
#: A study by 0-based position or label (``None`` for parameters that are not per study).
Study = int | str | None
#: Several evaluation points or probabilities.
Points = NDArray[np.float64] | Sequence[float]
_PARAMETERS: tuple[str, ...] = ("mu", "tau", "theta", "theta_new")
_SUMMARY_PROBS = np.array([0.025, 0.5, 0.975])
#: Relative weight below which a (tau, lambda) component of a Student-t prior's mixture is dropped.
_PRUNE = 1e-18


class ExactPosterior:
    """Posterior of ``mu``, ``tau``, ``theta`` (per study) and ``theta_new``, without Monte Carlo.

    Built by :func:`reanalyse.exact.fit_exact`. Every marginal is a mixture over the posterior of
    tau: ``tau`` itself is held as a quadrature rule (or a point mass when tau is fixed), and
    ``mu``, ``theta_i`` and ``theta_new`` are mixtures of their normal conditionals given tau
    (under a Student-t prior on mu, given tau and the prior's precision multiplier lambda: the
    mixture then runs over the (tau, lambda) nodes).

    Parameters are named ``"mu"`` (pooled effect), ``"tau"`` (between-study SD), ``"theta"``
    (study-specific effects, pick one with ``study=``) and ``"theta_new"`` (the effect in a new
    study). ``study`` is a position (0-based ``int``) or a label (``str``).

    Notes
    -----
    Moments that do not exist are reported as such: with a heavy-tailed posterior of tau (for
    example a half-Cauchy prior and one study under a flat prior on mu) ``mean("tau")`` is
    ``inf``, ``sd`` is ``inf`` and the mean of ``mu`` or ``theta_new`` is ``nan``. Quantiles,
    CDFs and densities always exist.
    """

    def __init__(
        self,
        *,
        data: MetaData,
        tau: TauPosterior | FixedTau,
        labels: Sequence[str],
    ) -> None:
        self._data = data
        self._tau = tau
        self.labels: tuple[str, ...] = tuple(labels)
        within, cond = components_given_tau(data, tau.nodes)
        w = (tau.weights[:, None] * within).reshape(-1)
        if within.shape[1] > 1:  # Student-t prior: drop the (tau, lambda) nodes of no weight
            keep = np.flatnonzero(w > _PRUNE * w.max())
            w, cond = w[keep] / w[keep].sum(), cond.take(keep)
        self._w = w
        # distribution functions use the nodes holding all but 1e-13 of the mass (moments use all)
        order = np.argsort(self._w)
        kept = np.ones(self._w.size, dtype=bool)
        kept[order[np.cumsum(self._w[order]) <= 1e-13]] = False
        self._keep = np.flatnonzero(kept)
        self._w_dist = self._w[self._keep] / self._w[self._keep].sum()
        self._comp_tau = np.asarray(cond.tau, dtype=np.float64)
        self._mu_mean = cond.mean
        self._mu_sd = np.sqrt(cond.var)
        new_mean, new_var = theta_new_given_tau(cond)
        self._new_mean = new_mean
        self._new_sd = np.sqrt(new_var)
        th_mean, th_var = theta_given_tau(data, cond)
        self._theta_mean = th_mean  # (n, k)
        self._theta_sd = np.sqrt(th_var)

    # -- description ------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of studies."""
        return self._data.k

    @property
    def y(self) -> NDArray[np.float64]:
        """Study estimates (copy)."""
        return self._data.y.copy()

    @property
    def se(self) -> NDArray[np.float64]:
        """Study standard errors (copy)."""
        return self._data.se.copy()

    @property
    def mu_prior(self) -> tuple[float, float] | None:
        """``(mean, sd)`` of the normal prior on mu (``(location, scale)`` of a Student-t prior,
        see :attr:`mu_prior_df`), or ``None`` for the flat prior."""
        if self._data.mu_prior_sd is None:
            return None
        return (self._data.mu_prior_mean, self._data.mu_prior_sd)

    @property
    def mu_prior_df(self) -> float | None:
        """Degrees of freedom of a Student-t prior on mu (``None`` for a normal or flat prior)."""
        return self._data.mu_prior_df

    @property
    def data(self) -> MetaData:
        """The studies and the prior on mu the posterior was computed from (do not modify)."""
        return self._data

    @property
    def tau_fixed(self) -> float | None:
        """The fixed value of tau, or ``None`` when tau has a prior."""
        return self._tau.value if isinstance(self._tau, FixedTau) else None

    @property
    def tau_nodes(self) -> NDArray[np.float64]:
        """Quadrature nodes for tau (the fixed value when tau is fixed)."""
        return self._tau.nodes.copy()

    @property
    def tau_weights(self) -> NDArray[np.float64]:
        """Posterior weights of the tau nodes (sum to 1)."""
        return self._tau.weights.copy()

    @property
    def log_normaliser(self) -> float | None:
        """``log ∫ p(tau) p(y | tau) dtau`` with the tau prior's ``logpdf`` as given: the log
        marginal likelihood when both priors are proper and normalised (``None`` when tau is
        fixed). :mod:`reanalyse.exact.evidence` builds the Bayes factors on it."""
        return None if isinstance(self._tau, FixedTau) else float(self._tau.log_normaliser)

    def __repr__(self) -> str:
        prior = "flat" if self.mu_prior is None else f"N{self.mu_prior}"
        if self.mu_prior_df is not None:
            prior = f"t{self.mu_prior_df:g}{self.mu_prior}"
        tau = f"fixed at {self.tau_fixed}" if self.tau_fixed is not None else "with prior"
        return f"ExactPosterior(k={self.k}, mu prior {prior}, tau {tau})"

    # -- plumbing -----------------------------------------------------------------------------
    def _study_index(self, study: Study) -> int:
        if study is None:
            raise ValueError("'theta' needs study= (a 0-based position or a label)")
        if isinstance(study, str):
            try:
                return self.labels.index(study)
            except ValueError:
                known = list(self.labels)
                raise ValueError(f"unknown study label {study!r}; labels are {known}") from None
        idx = int(study)
        if not 0 <= idx < self.k:
            raise ValueError(f"study position {idx} is out of range for {self.k} studies")
        return idx

    def _dist_components(
        self, parameter: str, study: Study
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Weights, means and sds of the mixture used for densities, CDFs and quantiles."""
        means, sds = self._components(parameter, study)
        return self._w_dist, means[self._keep], sds[self._keep]

    def _components(
        self, parameter: str, study: Study
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Component means and sds of the normal mixture for ``parameter`` (all nodes)."""
        if parameter == "mu":
            return self._mu_mean, self._mu_sd
        if parameter == "theta_new":
            return self._new_mean, self._new_sd
        if parameter == "theta":
            i = self._study_index(study)
            return self._theta_mean[:, i], self._theta_sd[:, i]
        raise ValueError(f"unknown parameter {parameter!r}; choose from {_PARAMETERS}")

    def _check(self, parameter: str, study: Study) -> None:
        if parameter not in _PARAMETERS:
            raise ValueError(f"unknown parameter {parameter!r}; choose from {_PARAMETERS}")
        if study is not None and parameter != "theta":
            raise ValueError(f"study= applies only to 'theta', not to {parameter!r}")

    def _moment_exists(self, parameter: str, power: int) -> bool:
        """Whether the ``power``-th moment of ``parameter`` is finite."""
        if parameter == "theta":
            return True  # shrunken effects: conditional means and variances are bounded in tau
        if parameter == "mu" and self._data.mu_prior_sd is not None:
            df = self._data.mu_prior_df
            if df is None or power < df:
                # normal: Var[mu | tau] <= the prior variance; Student-t: E[|mu|^power | tau, y]
                # stays bounded in tau (it tends to the prior's, finite for power < df)
                return True
            # a Student-t prior without that moment: as under a flat prior, the conditional
            # moment of mu grows with tau
        # tau itself, theta_new, and mu under a flat prior (Var[mu | tau] grows like tau^2 / k)
        return self._tau.has_moment(power)

    # -- moments ------------------------------------------------------------------------------
    def mean(self, parameter: Parameter, *, study: Study = None) -> float:
        """Posterior mean (``inf`` for tau, ``nan`` otherwise, when it does not exist)."""
        self._check(parameter, study)
        if parameter == "tau":
            return self._tau.mean()
        if not self._moment_exists(parameter, 1):
            return float("nan")
        means, _ = self._components(parameter, study)
        return float(np.sum(self._w * means))

    def sd(self, parameter: Parameter, *, study: Study = None) -> float:
        """Posterior standard deviation (``inf`` when it does not exist)."""
        self._check(parameter, study)
        if parameter == "tau":
            return self._tau.sd()
        if not self._moment_exists(parameter, 2):
            return float("inf")
        means, sds = self._components(parameter, study)
        m = np.sum(self._w * means)
        return float(np.sqrt(np.sum(self._w * (sds**2 + (means - m) ** 2))))

    def sample(self, draws: int, *, rng: np.random.Generator) -> dict[str, NDArray[np.float64]]:
        """Independent joint draws of ``mu``, ``tau``, ``theta`` (shape ``(draws, k)``) and
        ``theta_new``: tau by inverse CDF from its marginal posterior (continuous, not only on
        the quadrature nodes; the CDF's Legendre series, within 1e-6 of the exact CDF:
        :meth:`TauPosterior.quantile` with ``polish=False``), then, at each drawn tau, mu from its conditional (under a
        Student-t prior first the prior's precision multiplier lambda by its conditional
        weight), each ``theta_i | mu, tau, y_i`` (precision ``1/se_i^2 + 1/tau^2``; equal to mu
        when tau = 0) and ``theta_new ~ N(mu, tau^2)``."""
        if draws < 1:
            raise ValueError("draws must be at least 1")
        u = rng.uniform(size=draws)
        tau = np.asarray(self._tau.quantile(u, polish=False), dtype=np.float64)
        within, cond = components_given_tau(self._data, tau)
        m = within.shape[1]
        if m > 1:  # pick a lambda node per draw by its weight given that tau
            u = rng.uniform(size=draws)[:, None]
            pick = np.minimum((np.cumsum(within, axis=1) < u).sum(axis=1), m - 1)
            rows = np.arange(draws) * m + pick
        else:
            rows = np.arange(draws)
        mu = rng.normal(cond.mean[rows], np.sqrt(cond.var[rows]))
        y, se2 = self._data.y[None, :], self._data.se[None, :] ** 2
        t2 = tau[:, None] ** 2
        b = se2 / (se2 + t2)  # shrinkage, exact and finite at tau = 0
        theta = rng.normal(b * mu[:, None] + (1.0 - b) * y, np.sqrt(se2 * t2 / (se2 + t2)))
        return {"mu": mu, "tau": tau, "theta": theta, "theta_new": rng.normal(mu, tau)}

    def _log_exp_moment_given_tau(
        self, parameter: str, power: int
    ) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
        """``tau -> log E[exp(power * parameter) | tau, y]`` (log-normal moments of the normal
        conditionals, mixed over lambda under a Student-t prior on mu)."""

        def log_moment(t: NDArray[np.float64]) -> NDArray[np.float64]:
            within, cond = components_given_tau(self._data, np.asarray(t, dtype=np.float64))
            mean, var = cond.mean, cond.var
            if parameter == "theta_new":
                mean, var = theta_new_given_tau(cond)
            log_m = (power * mean + 0.5 * power**2 * var).reshape(within.shape)
            with np.errstate(divide="ignore"):
                return logsumexp(log_m + np.log(within), axis=1)

        return log_moment

    def exp_moment(self, parameter: Parameter, power: int = 1, *, study: Study = None) -> float:
        """``E[exp(power * parameter)]`` for an effect parameter: the natural-scale moments of
        a log ratio; ``inf`` when the moment does not exist.

        The study effects' conditional moments are bounded in tau, as are mu's under a normal
        prior: their log-normal moments are mixed over the posterior's tau nodes. For
        ``theta_new``, and for ``mu`` under a flat or Student-t prior, the conditional variance
        grows like tau^2, so ``p(tau | y) E[exp(power X) | tau, y]`` lives further right than
        the posterior of tau and may not be integrable at all (a half-normal prior of scale s
        against ``exp(power^2 tau^2 / 2)`` when ``power * s >= 1``): that integrand gets its own
        adaptive quadrature (:meth:`TauPosterior.expectation`), ``inf`` when its tail is not
        integrable.
        """
        self._check(parameter, study)
        if parameter == "tau":
            raise ValueError("exp_moment is for the effect parameters mu, theta and theta_new")
        bounded = parameter == "theta" or (
            parameter == "mu"
            and self._data.mu_prior_sd is not None
            and self._data.mu_prior_df is None
        )
        if not bounded and isinstance(self._tau, TauPosterior):
            return self._tau.expectation(self._log_exp_moment_given_tau(parameter, power))
        means, sds = self._components(parameter, study)
        with np.errstate(over="ignore"):
            return float(np.sum(self._w * np.exp(power * means + 0.5 * (power * sds) ** 2)))

    # -- distribution functions -------------------------------------------------------------------
    @overload
    def pdf(self, parameter: Parameter, x: float, *, study: Study = None) -> float: ...
    @overload
    def pdf(
        self, parameter: Parameter, x: Points, *, study: Study = None
    ) -> NDArray[np.float64]: ...
    def pdf(
        self, parameter: Parameter, x: ArrayLike, *, study: Study = None
    ) -> float | NDArray[np.float64]:
        """Marginal posterior density at ``x`` (``tau`` fixed: no density, raises)."""
        self._check(parameter, study)
        xa = np.asarray(x, dtype=np.float64)
        if parameter == "tau":
            out = self._tau.pdf(xa.reshape(-1))
        else:
            w, means, sds = self._dist_components(parameter, study)
            out = mixture_pdf(xa.reshape(-1), w, means, sds)
        return _shaped(out, xa)

    @overload
    def cdf(self, parameter: Parameter, x: float, *, study: Study = None) -> float: ...
    @overload
    def cdf(
        self, parameter: Parameter, x: Points, *, study: Study = None
    ) -> NDArray[np.float64]: ...
    def cdf(
        self, parameter: Parameter, x: ArrayLike, *, study: Study = None
    ) -> float | NDArray[np.float64]:
        """Marginal posterior probability that ``parameter <= x``."""
        self._check(parameter, study)
        xa = np.asarray(x, dtype=np.float64)
        if parameter == "tau":
            out = self._tau.cdf(xa.reshape(-1))
        else:
            w, means, sds = self._dist_components(parameter, study)
            out = mixture_cdf(xa.reshape(-1), w, means, sds)
        return _shaped(out, xa)

    @overload
    def p_less(self, parameter: Parameter, t: float, *, study: Study = None) -> float: ...
    @overload
    def p_less(
        self, parameter: Parameter, t: Points, *, study: Study = None
    ) -> NDArray[np.float64]: ...
    def p_less(
        self, parameter: Parameter, t: ArrayLike, *, study: Study = None
    ) -> float | NDArray[np.float64]:
        """Posterior probability that ``parameter < t`` (the CDF: the marginals are continuous)."""
        return self.cdf(parameter, t, study=study)  # type: ignore[arg-type]

    @overload
    def p_greater(self, parameter: Parameter, t: float, *, study: Study = None) -> float: ...
    @overload
    def p_greater(
        self, parameter: Parameter, t: Points, *, study: Study = None
    ) -> NDArray[np.float64]: ...
    def p_greater(
        self, parameter: Parameter, t: ArrayLike, *, study: Study = None
    ) -> float | NDArray[np.float64]:
        """Posterior probability that ``parameter > t``, computed from the upper tail."""
        self._check(parameter, study)
        ta = np.asarray(t, dtype=np.float64)
        if parameter == "tau":
            out = 1.0 - self._tau.cdf(ta.reshape(-1))
        else:
            w, means, sds = self._dist_components(parameter, study)
            out = mixture_sf(ta.reshape(-1), w, means, sds)
        return _shaped(out, ta)

    @overload
    def quantile(self, parameter: Parameter, q: float, *, study: Study = None) -> float: ...
    @overload
    def quantile(
        self, parameter: Parameter, q: Points, *, study: Study = None
    ) -> NDArray[np.float64]: ...
    def quantile(
        self, parameter: Parameter, q: ArrayLike, *, study: Study = None
    ) -> float | NDArray[np.float64]:
        """Marginal posterior quantiles (root of the exact CDF)."""
        self._check(parameter, study)
        qa = np.asarray(q, dtype=np.float64)
        flat = qa.reshape(-1)
        if np.any(np.isnan(flat)) or np.any((flat < 0) | (flat > 1)):
            raise ValueError("probabilities must lie in [0, 1]")
        if parameter == "tau":
            return _shaped(self._tau.quantile(flat), qa)
        w, means, sds = self._dist_components(parameter, study)
        out = np.where(flat <= 0, -np.inf, np.inf)
        inner = (flat > 0) & (flat < 1)
        if inner.any():
            out[inner] = mixture_quantile(flat[inner], w, means, sds)
        return _shaped(out, qa)

    def quantiles_of(
        self, parameters: Sequence[Parameter], q: Points
    ) -> dict[str, NDArray[np.float64]]:
        """The quantiles ``q`` (strictly between 0 and 1) of several parameters that are not
        per study (``mu``, ``tau``, ``theta_new``), the mixtures solved together in one
        vectorised iteration: equal to :meth:`quantile` of each."""
        qa = np.asarray(q, dtype=np.float64).reshape(-1)
        if np.any(np.isnan(qa)) or np.any((qa <= 0) | (qa >= 1)):
            raise ValueError("probabilities must lie strictly between 0 and 1")
        out: dict[str, NDArray[np.float64]] = {}
        effects = []
        for name in parameters:
            if name == "tau":
                out[name] = self._tau.quantile(qa)
            elif name in ("mu", "theta_new"):
                effects.append(name)
            else:
                raise ValueError(f"quantiles_of takes mu, tau and theta_new, not {name!r}")
        if effects:
            comps = [self._dist_components(name, None) for name in effects]
            solved = mixture_quantile(
                np.tile(qa, len(effects)), self._w_dist,
                np.repeat(np.stack([m for _, m, _ in comps]), qa.size, axis=0),
                np.repeat(np.stack([sd for _, _, sd in comps]), qa.size, axis=0))
            for i, name in enumerate(effects):
                out[name] = solved[i * qa.size:(i + 1) * qa.size]
        return {name: out[name] for name in parameters}

    def interval(
        self, parameter: Parameter, prob: float = 0.95, *, study: Study = None
    ) -> tuple[float, float]:
        """Central (equal-tailed) credible or prediction interval with probability ``prob``."""
        if not 0 < prob < 1:
            raise ValueError("prob must lie strictly between 0 and 1")
        lo, hi = self.quantile(parameter, [(1 - prob) / 2, (1 + prob) / 2], study=study)
        return float(lo), float(hi)

    # -- summary table ---------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Tidy summary: one row per ``mu``, ``tau``, ``theta_new`` and each study's ``theta``.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter``, ``study`` (label; missing for the non-study rows), ``mean``,
            ``sd``, ``q025``, ``median``, ``q975``.
        """
        k = self.k
        keep = self._keep
        # all mixture quantiles in one vectorised solve: mu, theta_new, theta_1..theta_k
        means = np.concatenate([self._mu_mean[None], self._new_mean[None], self._theta_mean.T])
        sds = np.concatenate([self._mu_sd[None], self._new_sd[None], self._theta_sd.T])
        n_mix = means.shape[0]
        q = mixture_quantile(
            np.tile(_SUMMARY_PROBS, n_mix),
            self._w_dist,
            np.repeat(means[:, keep], 3, axis=0),
            np.repeat(sds[:, keep], 3, axis=0),
        ).reshape(n_mix, 3)
        # moments of the study effects, all at once (always finite)
        th_mean = self._w @ self._theta_mean
        th_sd = np.sqrt(self._w @ (self._theta_sd**2 + (self._theta_mean - th_mean) ** 2))
        tau_q = self._tau.quantile(_SUMMARY_PROBS)
        quantiles = np.vstack([q[0], tau_q, q[1], q[2:]])
        return pd.DataFrame(
            {
                "parameter": ["mu", "tau", "theta_new"] + ["theta"] * k,
                "study": [None, None, None, *self.labels],
                "mean": [self.mean("mu"), self.mean("tau"), self.mean("theta_new"), *th_mean],
                "sd": [self.sd("mu"), self.sd("tau"), self.sd("theta_new"), *th_sd],
                "q025": quantiles[:, 0],
                "median": quantiles[:, 1],
                "q975": quantiles[:, 2],
            }
        )


def _shaped(values: NDArray[np.float64], like: NDArray[np.float64]) -> float | NDArray[np.float64]:
    """A float for scalar input, otherwise an array shaped like the input."""
    if like.ndim == 0:
        return float(values.reshape(-1)[0])
    return values.reshape(like.shape)
