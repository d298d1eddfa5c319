"""The exact posterior under several tau priors at once: a row of a sensitivity grid.

Given the data and the prior on mu, ``p(y | tau)`` and everything about mu given tau do not
depend on the prior on tau, so the priors of a grid need not be fitted one by one. One adaptive
Gauss-Legendre rule in ``u = log(tau)`` is accepted for every prior's integrand
``p_j(tau) p(y | tau) tau`` at once, each to ``rtol`` of its own total
(:func:`~reanalyse.exact.quadrature.adaptive_log_quadrature_many`); the scan that places it is the
single fit's (:func:`~reanalyse.exact.tau.scan_bounds`, trimmed and widened the same way) over the
union of the priors' ranges, with every finite support end as a breakpoint. Each prior then only
weights the shared nodes, and the summaries of all priors are solved together: quantiles of mu
and theta_new (normal mixtures with one row of weights per prior, one vectorised iteration),
quantiles of tau (the Legendre series of each prior's integrand on each segment, polished by
Newton steps on the exact mass, as :class:`~reanalyse.exact.tau.TauPosterior` does), and tail
probabilities (one matrix product). Prior by prior the results equal
:func:`~reanalyse.exact.fit_exact`'s to the quadrature's tolerance (tests/test_exact_stacked.py);
moments are not offered (the grid reports none).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from reanalyse.exact.conditional import (
    MetaData,
    components_given_tau,
    log_likelihood_of_tau,
    theta_new_given_tau,
)
from reanalyse.exact.fit import check_inputs, study_data
from reanalyse.exact.mixture import shared_mixture_quantiles
from reanalyse.exact.protocols import MuPriorArgs, TauDensity, TauDensityStack
from reanalyse.exact.quadrature import adaptive_log_quadrature_many, gauss_legendre
from reanalyse.exact.tau import (
    _FIRST_SPLIT,
    _PRUNE,
    _SCAN_EXTEND,
    _SCAN_STEP,
    _TAIL_POINTS,
    _TRIM,
    _U_MAX,
    _U_MIN,
    TAIL_MARGIN,
    _tail_exponent,
    data_scale,
    legendre_maps,
    polish_roots,
    scan_bounds,
    series_root,
)

__all__ = ["StackedPosterior", "fit_exact_stacked"]


class _OneByOne:
    """A sequence of :class:`TauDensity` objects as a :class:`TauDensityStack`."""

    def __init__(self, members: Sequence[TauDensity]) -> None:
        self.members = tuple(members)

    def logpdf(self, tau: NDArray[np.float64]) -> NDArray[np.float64]:
        t = np.asarray(tau, dtype=np.float64)
        rows = [t] * len(self.members) if t.ndim == 1 else list(t)
        return np.stack([np.asarray(m.logpdf(r), dtype=np.float64).reshape(r.shape)
                         for m, r in zip(self.members, rows, strict=True)])


class _Integrands:
    """``log p_j(e^u) + log p(y | e^u) + u`` for every prior on mu (e) and on tau (j), rows
    e-major (row ``e * P + j``), ``-inf`` outside the tau priors' supports."""

    def __init__(self, datas: Sequence[MetaData], stack: TauDensityStack) -> None:
        self.datas = tuple(datas)
        self.stack = stack
        supports = np.array([[float(v) for v in m.support] for m in stack.members])
        self.lower = np.maximum(supports[:, :1], 0.0)  # (P, 1)
        self.upper = supports[:, 1:]
        self.size = len(self.datas) * supports.shape[0]

    def __call__(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """``u`` of shape ``(n,)`` (the same points for every row) or ``(rows, n)``."""
        ua = np.asarray(u, dtype=np.float64)
        n_tau = self.lower.shape[0]
        per_e = None if ua.ndim == 1 else ua.reshape(len(self.datas), n_tau, -1)
        out = []
        shared = ua.ndim == 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if shared:  # the priors' densities once for every prior on mu
                tau = np.exp(ua)
                inside = (tau >= self.lower) & (tau <= self.upper) & np.isfinite(tau)
                lp = np.where(inside, np.asarray(self.stack.logpdf(tau), dtype=np.float64)
                              + ua, -np.inf)
                for data in self.datas:
                    out.append(lp + log_likelihood_of_tau(data, tau)[None, :])
            else:
                for data, ue in zip(self.datas, per_e, strict=True):
                    tau = np.exp(ue)
                    loglik = log_likelihood_of_tau(data, tau.reshape(-1)).reshape(tau.shape)
                    lp = np.asarray(self.stack.logpdf(tau), dtype=np.float64)
                    inside = (tau >= self.lower) & (tau <= self.upper) & np.isfinite(tau)
                    out.append(np.where(inside, lp + loglik + ue, -np.inf))
        val = np.concatenate(out)
        return np.where(np.isnan(val), -np.inf, val)


def fit_exact_stacked(
    *,
    y: ArrayLike,
    se: ArrayLike,
    tau_priors: TauDensityStack | Sequence[TauDensity],
    mu_priors: Sequence[MuPriorArgs] | None = None,
    mu_prior_mean: float = 0.0,
    mu_prior_sd: float | None = None,
    mu_prior_df: float | None = None,
    rtol: float = 1e-10,
) -> StackedPosterior:
    """Exact posteriors of the normal-normal model under each tau prior (and each prior on mu),
    the same data, on one quadrature rule.

    Parameters
    ----------
    y, se, mu_prior_mean, mu_prior_sd, mu_prior_df, rtol
        As :func:`~reanalyse.exact.fit_exact`.
    tau_priors
        The proper tau priors: a :class:`TauDensityStack` (for example
        ``reanalyse.priors.TauPriorStack``) or a sequence of :class:`TauDensity` objects.
    mu_priors
        Several priors on mu instead of the keywords (each a :class:`MuPriorArgs`, as
        ``EffectPrior.exact_mu_prior()`` gives): every tau prior is fitted under each.

    Returns
    -------
    StackedPosterior
        Summaries of every posterior, shape ``(len(mu_priors), len(tau_priors))`` (``(1, P)``
        for the keywords).

    Raises
    ------
    ValueError
        For malformed data or priors, or a prior whose posterior is zero or improper.
    """
    y_arr = np.asarray(y, dtype=np.float64).reshape(-1)
    se_arr = np.asarray(se, dtype=np.float64).reshape(-1)
    given = [MuPriorArgs(mu_prior_mean=mu_prior_mean, mu_prior_sd=mu_prior_sd,
                         mu_prior_df=mu_prior_df)]
    problems: list[str] = []
    if mu_priors is not None:
        if (mu_prior_mean, mu_prior_sd, mu_prior_df) != (0.0, None, None):
            problems.append("give mu_priors or the mu_prior_* keywords, not both")
        given = [MuPriorArgs(mu_prior_mean=float(m.get("mu_prior_mean", 0.0)),
                             mu_prior_sd=m.get("mu_prior_sd"), mu_prior_df=m.get("mu_prior_df"))
                 for m in mu_priors]
        if not given:
            problems.append("no priors on mu")
    for i, m in enumerate(given):
        found = check_inputs(y=y_arr, se=se_arr, rtol=rtol, **m)
        problems += [f"mu prior {i + 1}: {f}" if mu_priors is not None and "mu_prior" in f
                     else f for f in found if f not in problems]
    stack = tau_priors if isinstance(tau_priors, TauDensityStack) else _OneByOne(tau_priors)
    members = tuple(stack.members)
    if not members:
        problems.append("no tau priors")
    if problems:
        raise ValueError("; ".join(dict.fromkeys(problems)))
    datas = [study_data(y=y_arr, se=se_arr, rtol=rtol, **m) for m in given]
    rows = _Integrands(datas, stack)
    n_tau = len(members)
    # the scan's range depends on the studies' SEs and spread and on the tau prior, not on the
    # prior on mu
    bounds = [scan_bounds(datas[0], m) for m in members]
    u_lo, u_hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    anchors = np.concatenate([np.asarray(b[2], dtype=np.float64) for b in bounds]
                             + [np.log(se_arr)])
    scan = np.unique(np.concatenate([np.arange(u_lo, u_hi, _SCAN_STEP), [u_hi],
                                     np.clip(anchors, u_lo, u_hi)]))
    tail_u = np.log(_TAIL_POINTS * data_scale(datas[0]))
    both = rows(np.concatenate([scan, tail_u]))
    log_h, tail_lp = both[:, : scan.size], both[:, scan.size:] - tail_u[None, :]
    zero = ~np.isfinite(log_h).any(axis=1)
    improper = np.array([_tail_exponent(tail_lp[r], float(members[r % n_tau].support[1]))
                         <= 1.0 + TAIL_MARGIN for r in range(rows.size)])
    for r in np.flatnonzero(zero | improper):
        which = f"tau prior {r % n_tau + 1} ({members[r % n_tau]!r})" + (
            f" under mu prior {r // n_tau + 1}" if mu_priors is not None else "")
        if zero[r]:
            raise ValueError(f"{which}: the posterior of tau is zero everywhere: check the prior "
                             "and the data")
        raise ValueError(f"{which}: the posterior of tau is improper (its right tail does "
                         "not decay faster than 1/tau)")

    def significant(values: NDArray[np.float64]) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        top = np.max(np.where(np.isfinite(values), values, -np.inf), axis=1)
        return values >= top[:, None] - _TRIM, top

    keep, shifts = significant(log_h)
    # a posterior still significant at an end of the scan gets a wider scan, as in a single fit
    floor = np.tile([max(_U_MIN, float(np.log(r))) if r > 0 else _U_MIN
                     for r in rows.lower[:, 0]], len(datas))
    ceiling = np.tile([min(_U_MAX, float(np.log(r))) if np.isfinite(r) else _U_MAX
                       for r in rows.upper[:, 0]], len(datas))
    while True:
        low = bool(np.any(keep[:, 0] & (scan[0] > floor)))
        high = bool(np.any(keep[:, -1] & (scan[-1] < ceiling)))
        if not (low or high):
            break
        extra = []
        if low:
            extra.append(np.arange(max(floor.min(), scan[0] - _SCAN_EXTEND), scan[0], 1.0))
        if high:
            extra.append(np.arange(min(ceiling.max(), scan[-1] + _SCAN_EXTEND), scan[-1], -1.0))
        new = np.concatenate(extra)
        scan = np.concatenate([scan, new])
        log_h = np.concatenate([log_h, rows(new)], axis=1)
        by_u = np.argsort(scan)
        scan, log_h = scan[by_u], log_h[:, by_u]
        keep, shifts = significant(log_h)
    first = np.argmax(keep, axis=1)
    last = scan.size - 1 - np.argmax(keep[:, ::-1], axis=1)
    a = float(scan[max(int(first.min()) - 1, 0)])
    b = float(scan[min(int(last.max()) + 1, scan.size - 1)])
    if a == b:
        a, b = a - _SCAN_STEP, b + _SCAN_STEP
    # first split: geometric away from the posteriors' median peak (the adaptive rule splits
    # further wherever any posterior needs it); every support end a breakpoint
    centre = float(np.median(scan[np.argmax(log_h, axis=1)]))
    offsets = _FIRST_SPLIT * 2.0 ** np.arange(8)
    ends = np.log(np.concatenate([rows.lower[rows.lower > 0],
                                  rows.upper[np.isfinite(rows.upper)]]))
    candidates = np.concatenate([[centre], centre - offsets, centre + offsets, ends])
    breakpoints = np.unique(np.concatenate([[a, b],
                                            candidates[(candidates > a) & (candidates < b)]]))
    rule = adaptive_log_quadrature_many(rows, breakpoints, shifts=shifts, rtol=rtol)
    return StackedPosterior(rows=rows, rule_edges=rule.edges, rule_nodes=rule.nodes,
                            log_f=rule.log_f, rule_weights=rule.weights, shifts=shifts)


class StackedPosterior:
    """Exact posteriors under several priors, held on one rule; build with
    :func:`fit_exact_stacked`. Every method returns one value per posterior, shape
    :attr:`shape` = ``(mu priors, tau priors)``; parameters are ``mu``, ``tau`` and
    ``theta_new``."""

    def __init__(self, *, rows: _Integrands, rule_edges: NDArray[np.float64],
                 rule_nodes: NDArray[np.float64], log_f: NDArray[np.float64],
                 rule_weights: NDArray[np.float64], shifts: NDArray[np.float64]) -> None:
        self._rows = rows
        self.shape: tuple[int, int] = (len(rows.datas), rows.size // len(rows.datas))
        self._edges = rule_edges
        self._shifts = shifts
        self._order = rule_nodes.shape[1]
        values = np.exp(log_f - shifts[:, None, None])  # (R, m, order)
        seg_mass = (values * rule_weights[None]).sum(axis=2)  # (R, m)
        totals = seg_mass.sum(axis=1)
        if not np.all(totals > 0):
            raise ValueError("a posterior of tau is zero on the whole rule")
        self._totals = totals
        w = (values * rule_weights[None]).reshape(totals.size, -1) / totals[:, None]
        # the nodes some posterior gives weight; the conditionals of mu computed once per prior
        # on mu, each padded to the same number of (tau, lambda) components
        # (for distribution functions, as ExactPosterior: each posterior's nodes holding all
        # but 1e-13 of its mass; moments are not offered)
        by_weight = np.argsort(w, axis=1)
        tail = np.cumsum(np.take_along_axis(w, by_weight, axis=1), axis=1) <= 1e-13
        needed = np.ones(w.shape, dtype=bool)
        np.put_along_axis(needed, by_weight, ~tail, axis=1)
        nodes = np.flatnonzero(needed.any(axis=0))
        w = np.where(needed, w, 0.0)
        tau = np.exp(rule_nodes.reshape(-1)[nodes])
        n_tau = self.shape[1]
        parts = [components_given_tau(d, tau) for d in rows.datas]
        width = max(within.shape[1] for within, _ in parts)
        weights, mu_m, mu_s, new_m, new_s = [], [], [], [], []
        for e, (within, cond) in enumerate(parts):
            pad = width - within.shape[1]
            wc = w[e * n_tau:(e + 1) * n_tau, nodes, None] * within[None, :, :]
            if pad:
                wc = np.pad(wc, ((0, 0), (0, 0), (0, pad)))
            weights.append(wc.reshape(n_tau, -1))
            new_mean, new_var = theta_new_given_tau(cond)
            for out, v, fill in ((mu_m, cond.mean, 0.0), (mu_s, np.sqrt(cond.var), 1.0),
                                 (new_m, new_mean, 0.0), (new_s, np.sqrt(new_var), 1.0)):
                if pad:  # padded components: weight 0, a harmless standard normal
                    v = np.pad(v.reshape(tau.size, -1), ((0, 0), (0, pad)),
                               constant_values=fill).reshape(-1)
                out.append(v)
        wc_all = np.concatenate(weights)  # (R, components)
        if width > 1:  # Student-t prior on mu: drop (tau, lambda) components of no weight
            comps = np.flatnonzero((wc_all / wc_all.max(axis=1, keepdims=True)).max(axis=0)
                                   > _PRUNE)
            wc_all = wc_all[:, comps]
            mu_m, mu_s, new_m, new_s = ([v[comps] for v in arr]
                                        for arr in (mu_m, mu_s, new_m, new_s))
        self._w = wc_all / wc_all.sum(axis=1, keepdims=True)
        # component means and sds per row (the rows of one prior on mu share them)
        by_row = np.repeat(np.arange(len(parts)), n_tau)
        self._components = {"mu": (np.stack(mu_m)[by_row], np.stack(mu_s)[by_row]),
                            "theta_new": (np.stack(new_m)[by_row], np.stack(new_s)[by_row])}
        # Legendre series of each posterior's integrand on each segment (the CDF of tau)
        to_coef, integrate = legendre_maps(self._order)
        dens = values / totals[:, None, None]
        coef = dens @ to_coef
        self._half = 0.5 * np.diff(rule_edges)
        self._density_coef = coef
        self._cdf_coef = (coef @ integrate) * self._half[None, :, None]
        cum = np.concatenate([np.zeros((totals.size, 1)), np.cumsum(seg_mass, axis=1)],
                             axis=1) / totals[:, None]
        cum[:, -1] = 1.0
        self._cum = cum

    def __len__(self) -> int:
        return int(self._totals.size)

    # -- tail probabilities ------------------------------------------------------------------
    def p_greater(self, parameter: str, t: float) -> NDArray[np.float64]:
        """``P(parameter > t | y)`` under each pair of priors, shape :attr:`shape`."""
        if parameter == "tau":
            return (1.0 - self._tau_cdf(float(t))).reshape(self.shape)
        mean, sd = self._effect(parameter)
        p = (self._w * ndtr((mean - float(t)) / sd)).sum(axis=1)
        return np.clip(p, 0.0, 1.0).reshape(self.shape)

    def p_less(self, parameter: str, t: float) -> NDArray[np.float64]:
        """``P(parameter < t | y)`` under each pair of priors, shape :attr:`shape`."""
        if parameter == "tau":
            return self._tau_cdf(float(t)).reshape(self.shape)
        mean, sd = self._effect(parameter)
        p = (self._w * ndtr((float(t) - mean) / sd)).sum(axis=1)
        return np.clip(p, 0.0, 1.0).reshape(self.shape)

    # -- quantiles ---------------------------------------------------------------------------
    def quantiles_of(self, parameters: Sequence[str],
                     q: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """The quantiles ``q`` (strictly between 0 and 1) of each parameter under each pair of
        priors, shape ``(*shape, len(q))``; the mixtures of mu and theta_new are solved
        together."""
        qa = np.asarray(q, dtype=np.float64).reshape(-1)
        if np.any(np.isnan(qa)) or np.any((qa <= 0) | (qa >= 1)):
            raise ValueError("probabilities must lie strictly between 0 and 1")
        n_row, n_q = len(self), qa.size
        out: dict[str, NDArray[np.float64]] = {}
        effects = [p for p in parameters if p != "tau"]
        for p in parameters:
            if p != "tau":
                self._effect(p)
        if "tau" in parameters:
            out["tau"] = np.exp(self._tau_u(np.tile(qa, n_row)))
        if effects:  # the rows of one prior on mu share their components: one group each
            n_mu, n_tau = self.shape
            first = np.arange(n_mu) * n_tau
            w = self._w.reshape(n_mu, n_tau, -1)
            comps = [self._effect(name) for name in effects]
            solved = shared_mixture_quantiles(
                qa, np.concatenate([w] * len(effects)),
                np.concatenate([mean[first] for mean, _ in comps]),
                np.concatenate([sd[first] for _, sd in comps]))
            for i, name in enumerate(effects):
                out[name] = solved[i * n_mu:(i + 1) * n_mu].reshape(-1, n_q)
        return {name: out[name].reshape(*self.shape, n_q) for name in parameters}

    def _effect(self, parameter: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        try:
            return self._components[parameter]
        except KeyError:
            raise ValueError(f"parameter must be mu, tau or theta_new, not {parameter!r}") from None

    # -- tau ---------------------------------------------------------------------------------
    def _tau_cdf(self, t: float) -> NDArray[np.float64]:
        if t <= 0:
            return np.zeros(len(self))
        u = np.full(len(self), np.log(t))
        edges = self._edges
        out = np.where(u >= edges[-1], 1.0, 0.0)
        inside = np.flatnonzero((u > edges[0]) & (u < edges[-1]))
        if inside.size:
            seg = np.clip(np.searchsorted(edges, u[inside], side="right") - 1, 0, edges.size - 2)
            mass, _ = self._partial_and_density(inside, seg, u[inside])
            out[inside] = np.clip(self._cum[inside, seg] + mass, 0.0, 1.0)
        return out

    def _partial_and_density(self, prior: NDArray[np.intp], seg: NDArray[np.intp],
                             u: NDArray[np.float64]
                             ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Mass of each prior's posterior (``prior[i]``) from ``edges[seg[i]]`` to ``u[i]``, and
        its density in u there (a Gauss-Legendre rule of twice the order, as TauPosterior)."""
        x, w = gauss_legendre(self._order * 2)
        a = self._edges[seg]
        half = 0.5 * (u - a)
        nodes = (0.5 * (a + u))[:, None] + half[:, None] * x[None, :]
        points = np.concatenate([nodes, u[:, None]], axis=1)  # (n, 2 order + 1)
        full = np.full((len(self), points.shape[1]), self._edges[0])
        full[prior] = points  # rows of the other priors at a harmless point, then dropped
        vals = np.exp(self._rows(full)[prior] - self._shifts[prior, None])
        vals /= self._totals[prior, None]
        return (vals[:, :-1] * w[None, :]).sum(axis=1) * half, vals[:, -1]

    def _tau_u(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        """Quantiles in log(tau): ``p`` holds ``len(self)`` probabilities per prior, prior-major
        (``p[i]`` belongs to prior ``i // (len(p) // len(self))``)."""
        n_prior = len(self)
        per = p.size // n_prior
        prior = np.repeat(np.arange(n_prior), per)
        cum = self._cum[prior]  # (n, m + 1)
        seg = np.clip((cum <= p[:, None]).sum(axis=1) - 1, 0, self._edges.size - 2)
        a, b = self._edges[seg], self._edges[seg + 1]
        half = self._half[seg]
        target = p - cum[np.arange(p.size), seg]
        s0 = series_root(self._cdf_coef[prior, seg], self._density_coef[prior, seg], half=half,
                         target=target, seg_mass=cum[np.arange(p.size), seg + 1] - cum[
                             np.arange(p.size), seg])
        if per != 1:  # _partial_and_density evaluates one point per prior: one round per q
            return np.concatenate([self._polish(prior[i::per], seg[i::per], a[i::per],
                                                b[i::per], half[i::per], s0[i::per],
                                                target[i::per]) for i in range(per)]
                                  ).reshape(per, n_prior).T.reshape(-1)
        return self._polish(prior, seg, a, b, half, s0, target)

    def _polish(self, prior: NDArray[np.intp], seg: NDArray[np.intp], a: NDArray[np.float64],
                b: NDArray[np.float64], half: NDArray[np.float64], s0: NDArray[np.float64],
                target: NDArray[np.float64]) -> NDArray[np.float64]:
        def mass_and_density(where: NDArray[np.intp], u: NDArray[np.float64]
                             ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
            return self._partial_and_density(prior[where], seg[where], u)

        return polish_roots(mass_and_density, u0=a + half * (s0 + 1.0), a=a, b=b, target=target)
