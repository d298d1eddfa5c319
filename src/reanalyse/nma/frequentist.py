"""Frequentist network meta-analysis as R netmeta: graph-theoretical weighted least squares.

A port of netmeta's ``nma_ruecker`` (Rücker 2012, Res Synth Methods 3:312; repository
``guido-s/netmeta``, ``R/nma_ruecker.R``):

- every study contributes all its pairwise comparisons (rows of the edge-vertex incidence matrix
  ``B``), multi-arm studies with Rücker's adjusted weights
  (:func:`~reanalyse.nma.design.rucker_weights`);
- ``L = B' W B`` (weighted Laplacian), ``L+`` its Moore-Penrose pseudoinverse; the effect of row
  treatment ``i`` versus column treatment ``j`` is ``phi_i - phi_j`` with ``phi = L+ B' W y``, its
  variance the resistance distance ``L+_ii + L+_jj - 2 L+_ij``;
- ``Q = (y - y_hat)' W (y - y_hat)`` on ``sum(arms - 1) - (n - 1)`` degrees of freedom;
- DerSimonian-Laird ``tau^2 = max(0, (Q - df) / tr((I - H) (B B' o E / 2) W))`` with
  ``H = B L+ B' W``
  and ``E`` the same-study indicator; the random-effects model adds ``tau^2`` to every pairwise
  variance and reweights multi-arm studies again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from reanalyse.errors import DataValidationError
from reanalyse.nma.design import PairwiseEffect, pairwise_effects, rucker_weights
from reanalyse.nma.graph import components
from reanalyse.nma.network import Network

__all__ = ["FrequentistNMA", "decomp_design", "frequentist_nma"]

ModelKind = Literal["common", "random"]


@dataclass(frozen=True)
class _Fit:
    te: np.ndarray  # n x n, row vs column
    var: np.ndarray  # n x n
    fitted: np.ndarray  # per comparison
    h: np.ndarray
    w: np.ndarray


@dataclass(frozen=True)
class FrequentistNMA:
    """Result of :func:`frequentist_nma` (common- and random-effects models).

    ``te_*`` and ``se_*`` are ``n x n`` DataFrames indexed by treatment: the entry in row ``i``,
    column ``j`` is the effect of treatment ``i`` versus treatment ``j`` (analysis scale: log for
    OR and RR), as netmeta's ``TE.common``/``TE.random``.
    """

    treatments: tuple[str, ...]
    measure: str
    log_scale: bool
    level: float
    comparisons: pd.DataFrame
    te_common: pd.DataFrame
    se_common: pd.DataFrame
    te_random: pd.DataFrame
    se_random: pd.DataFrame
    q: float
    df: int
    p_q: float
    tau2: float
    tau2_fixed: bool
    i2: float
    k: int
    m: int

    @property
    def reference(self) -> str:
        """The reference treatment."""
        return self.treatments[0]

    @property
    def tau(self) -> float:
        """sqrt(tau^2)."""
        return math.sqrt(self.tau2) if np.isfinite(self.tau2) else float("nan")

    def _tables(self, model: ModelKind) -> tuple[pd.DataFrame, pd.DataFrame]:
        if model == "common":
            return self.te_common, self.se_common
        if model == "random":
            return self.te_random, self.se_random
        raise ValueError(f"model must be 'common' or 'random', got {model!r}")

    def league(self, model: ModelKind = "random") -> pd.DataFrame:
        """All ordered pairs: ``treatment`` versus ``comparator`` (row versus column).

        Columns ``treatment, comparator, te, se, z, p`` on the analysis scale, and
        ``estimate, ci_low, ci_high`` on the natural scale (exponentiated for OR/RR).
        """
        te, se = self._tables(model)
        crit = stats.norm.ppf((1 + self.level) / 2)
        back = np.exp if self.log_scale else (lambda x: x)
        rows = []
        for a in self.treatments:
            for b in self.treatments:
                if a == b:
                    continue
                t, s = float(te.loc[a, b]), float(se.loc[a, b])
                rows.append({"treatment": a, "comparator": b, "te": t, "se": s, "z": t / s,
                             "p": float(2 * stats.norm.sf(abs(t / s))),
                             "estimate": float(back(t)), "ci_low": float(back(t - crit * s)),
                             "ci_high": float(back(t + crit * s))})
        out = pd.DataFrame(rows)
        out.attrs["orientation"] = "treatment (row) versus comparator (column)"
        return out

    def effects(self, model: ModelKind = "random", *, reference: str | None = None) -> pd.DataFrame:
        """Every treatment versus ``reference`` (default: the network's), as :meth:`league` rows."""
        ref = reference or self.reference
        lg = self.league(model)
        return lg[lg["comparator"] == ref].reset_index(drop=True)

    def p_scores(self, model: ModelKind = "random", *, higher_is_better: bool) -> pd.Series:
        """P-scores (Rücker & Schwarzer 2015): mean over j != i of Phi(sign * TE_ij / SE_ij),
        the frequentist analogue of SUCRA; ``sign`` is +1 when higher values are better."""
        te, se = self._tables(model)
        sign = 1.0 if higher_is_better else -1.0
        n = len(self.treatments)
        out = {}
        for a in self.treatments:
            vals = [stats.norm.cdf(sign * te.loc[a, b] / se.loc[a, b])
                    for b in self.treatments if b != a]
            out[a] = float(np.sum(vals) / (n - 1))
        return pd.Series(out, name="p_score")

    def to_dict(self, *, higher_is_better: bool | None = None) -> dict[str, Any]:
        """JSON-ready summary of both models."""
        out: dict[str, Any] = {
            "engine": "frequentist (graph-theoretical, as R netmeta)",
            "measure": self.measure, "reference": self.reference, "level": self.level,
            "treatments": list(self.treatments), "k": self.k, "m": self.m,
            "q": self.q, "df": self.df, "p_q": self.p_q, "tau2": self.tau2, "tau": self.tau,
            "tau2_fixed": self.tau2_fixed, "i2": self.i2,
        }
        for model in ("common", "random"):
            eff = self.effects(model)  # type: ignore[arg-type]
            out[model] = {
                "d": {r.treatment: {"te": r.te, "se": r.se, "estimate": r.estimate,
                                    "ci_low": r.ci_low, "ci_high": r.ci_high}
                      for r in eff.itertuples()},
                "league": self.league(model).to_dict(orient="records"),  # type: ignore[arg-type]
            }
            if higher_is_better is not None:
                out[model]["p_score"] = self.p_scores(
                    model, higher_is_better=higher_is_better).to_dict()  # type: ignore[arg-type]
        out["orientation"] = "treatment (row) versus comparator (column); d: treatment versus " \
                             "the reference"
        return out


def _incidence(pairs: list[PairwiseEffect], pos: dict[str, int], n: int) -> np.ndarray:
    b = np.zeros((len(pairs), n))
    for r, p in enumerate(pairs):
        b[r, pos[p.treatment]] = 1.0
        b[r, pos[p.comparator]] = -1.0
    return b


def _weights(pairs: list[PairwiseEffect], tau2: float) -> np.ndarray:
    """Diagonal of W: 1/(se^2 + tau2), multi-arm studies reweighted as netmeta."""
    w = np.empty(len(pairs))
    by_study: dict[str, list[int]] = {}
    for r, p in enumerate(pairs):
        by_study.setdefault(p.study, []).append(r)
    for idx in by_study.values():
        if len(idx) == 1:
            r = idx[0]
            w[r] = 1.0 / (pairs[r].se ** 2 + tau2)
            continue
        trts: list[str] = []
        for r in idx:
            for t in (pairs[r].comparator, pairs[r].treatment):
                if t not in trts:
                    trts.append(t)
        k = {t: i for i, t in enumerate(trts)}
        v = np.zeros((len(trts), len(trts)))
        for r in idx:
            i, j = k[pairs[r].treatment], k[pairs[r].comparator]
            v[i, j] = v[j, i] = pairs[r].se ** 2 + tau2
        adj = rucker_weights(v)
        for r in idx:
            w[r] = adj[k[pairs[r].treatment], k[pairs[r].comparator]]
    return w


def _fit(y: np.ndarray, b: np.ndarray, w: np.ndarray) -> _Fit:
    wm = np.diag(w)
    lap = b.T @ wm @ b
    lplus = np.linalg.pinv(lap)
    phi = lplus @ b.T @ wm @ y
    te = phi[:, None] - phi[None, :]
    d = np.diag(lplus)
    var = d[:, None] + d[None, :] - 2.0 * lplus
    h = b @ lplus @ b.T @ wm
    return _Fit(te=te, var=np.clip(var, 0.0, None), fitted=h @ y, h=h, w=w)


def frequentist_nma(
    network: Network,
    *,
    level: float = 0.95,
    tau2: float | None = None,
) -> FrequentistNMA:
    """Fit the common- and random-effects graph-theoretical NMA (R netmeta, DL tau^2).

    Parameters
    ----------
    network
        A connected network (:func:`~reanalyse.nma.network.build_network`).
    level
        Confidence level of the intervals.
    tau2
        Use this between-study variance instead of the DerSimonian-Laird estimate.

    Returns
    -------
    FrequentistNMA

    Raises
    ------
    DataValidationError
        When the network is not connected.
    """
    groups = components(network.treatments, network.studies)
    if len(groups) > 1:
        raise DataValidationError.single(
            file=network.name, rule="disconnected network",
            message="the network is not connected: " + " | ".join(", ".join(g) for g in groups))
    pairs = pairwise_effects(network)
    trts = network.treatments
    pos = {t: i for i, t in enumerate(trts)}
    n = len(trts)
    y = np.array([p.te for p in pairs])
    b = _incidence(pairs, pos, n)
    w0 = _weights(pairs, 0.0)
    common = _fit(y, b, w0)
    resid = y - common.fitted
    q = float(resid @ (w0 * resid))
    narms = {s.name: s.n_arms for s in network.studies if any(p.study == s.name for p in pairs)}
    df = int(sum(a - 1 for a in narms.values()) - (n - 1))
    p_q = float(stats.chi2.sf(q, df)) if df > 0 else float("nan")
    if tau2 is None:
        if df > 0:
            studies = np.array([p.study for p in pairs])
            e = (studies[:, None] == studies[None, :]).astype(float)
            denom = np.trace((np.eye(len(pairs)) - common.h) @ (b @ b.T * e / 2.0) @ np.diag(w0))
            tau2_hat = float(max(0.0, (q - df) / denom))
        else:
            tau2_hat = float("nan")
        fixed = False
    else:
        tau2_hat, fixed = float(tau2), True
    t2 = tau2_hat if np.isfinite(tau2_hat) else 0.0
    random = _fit(y, b, _weights(pairs, t2))
    i2 = max(0.0, (q - df) / q) if df > 0 and q > 0 else float("nan")

    def frame(x: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(x, index=list(trts), columns=list(trts))

    comp = pd.DataFrame([p.__dict__ for p in pairs])
    comp["w_common"] = w0
    comp["fitted_common"] = common.fitted
    comp["leverage"] = np.diag(common.h)
    return FrequentistNMA(
        treatments=trts, measure=network.measure, log_scale=network.log_scale, level=level,
        comparisons=comp,
        te_common=frame(common.te), se_common=frame(np.sqrt(common.var)),
        te_random=frame(random.te), se_random=frame(np.sqrt(random.var)),
        q=q, df=df, p_q=p_q, tau2=tau2_hat, tau2_fixed=fixed, i2=i2,
        k=len(narms), m=len(pairs),
    )


def decomp_design(network: Network) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decomposition of the common-effects Q into within-design heterogeneity and between-design
    inconsistency (Krahn et al. 2013, BMC Med Res Methodol 13:35; R netmeta ``decomp.design``).

    A *design* is the set of treatments a study compares. Within-design Q of a design is the Q of
    the common-effects NMA of its studies alone; between-designs Q = total Q - sum of within.

    Returns
    -------
    (overall, per_design)
        ``overall``: rows ``total``, ``within designs``, ``between designs`` with ``q, df, p``;
        ``per_design``: one row per design with at least two studies (``design, q, df, p``).
    """
    res = frequentist_nma(network)
    designs: dict[tuple[str, ...], list[str]] = {}
    for s in network.studies:
        designs.setdefault(tuple(s.treatments), []).append(s.name)
    rows = []
    for design, names in designs.items():
        if len(names) < 2:
            continue
        sub = network.subset(names)
        fit = frequentist_nma(sub)
        rows.append({"design": ":".join(design), "q": fit.q, "df": fit.df,
                     "p": float(stats.chi2.sf(fit.q, fit.df)) if fit.df > 0 else float("nan")})
    per = pd.DataFrame(rows, columns=["design", "q", "df", "p"])
    pairs = pairwise_effects(network)
    pos = {t: i for i, t in enumerate(network.treatments)}
    y = np.array([pp.te for pp in pairs])
    w = _weights(pairs, 0.0)
    b_red = _incidence(pairs, pos, len(network.treatments))[:, 1:]
    design_of = {s.name: tuple(s.treatments) for s in network.studies}
    detached = []
    for design in designs:
        rows_d = [r for r, pp in enumerate(pairs) if design_of[pp.study] == design]
        local = {t: i for i, t in enumerate(design)}
        extra = np.zeros((len(pairs), len(design) - 1))
        for r in rows_d:
            i, j = local[pairs[r].treatment], local[pairs[r].comparator]
            if i > 0:
                extra[r, i - 1] += 1.0
            if j > 0:
                extra[r, j - 1] -= 1.0
        xm = np.hstack([b_red, extra])
        beta = np.linalg.lstsq(xm * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        resid = y - xm @ beta
        q_new = float(resid @ (w * resid))
        rank = np.linalg.matrix_rank(xm)
        df_new = len(pairs) - rank - (len(pairs) - sum(
            s.n_arms - 1 for s in network.studies))
        detached.append({"design": ":".join(design), "q": q_new - float(per["q"].sum()),
                         "df": int(df_new - int(per["df"].sum()))})
    det = pd.DataFrame(detached, columns=["design", "q", "df"])
    det["p"] = [float(stats.chi2.sf(q, d)) if d > 0 else float("nan")
                for q, d in zip(det["q"], det["df"], strict=True)]
    q_within = float(per["q"].sum())
    df_within = int(per["df"].sum())
    q_between = res.q - q_within
    df_between = res.df - df_within

    def p(q: float, df: int) -> float:
        return float(stats.chi2.sf(q, df)) if df > 0 else float("nan")

    overall = pd.DataFrame(
        {"q": [res.q, q_within, q_between], "df": [res.df, df_within, df_between],
         "p": [p(res.q, res.df), p(q_within, df_within), p(q_between, df_between)]},
        index=["total", "within designs", "between designs"])
    overall.attrs["detached"] = det
    return overall, per
