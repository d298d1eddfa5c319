"""Study effects on the analysis scale, multi-arm covariances, and design matrices.

Multi-arm trials (three or more arms) contribute correlated contrasts: every contrast against the
study's baseline arm shares that arm's sampling error. With arm variances ``v_1 .. v_p`` (arm 1 the
baseline) the contrasts ``y_k = theta_k - theta_1`` have

    var(y_k) = v_1 + v_k,      cov(y_j, y_k) = v_1          (j != k)

(Dias et al. 2011, NICE DSU TSD2, section on multi-arm trials; Franchini et al. 2012). When only
the pairwise contrast variances ``V_jk = v_j + v_k`` are known (contrast rows, or SMDs computed
pair by pair), the arm variances follow exactly from them for ``p >= 3``:

    v_i = (S_i - T / (p - 1)) / (p - 2),   S_i = sum_{j != i} V_ij,   T = sum_{j < k} V_jk,

which is also what R netmeta's reweighting of multi-arm studies assumes (Rücker 2012; Rücker &
Schwarzer 2014). :func:`rucker_weights` ports that reweighting for the frequentist engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reanalyse.effects import binary_effect, mean_difference, standardised_mean_difference
from reanalyse.errors import DataValidationError
from reanalyse.nma.network import Network, NetworkStudy

__all__ = [
    "PairwiseEffect",
    "arm_variances",
    "basic_contrast_covariance",
    "basic_contrasts",
    "design_matrix",
    "pairwise_effects",
    "random_effects_correlation",
    "rucker_weights",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class PairwiseEffect:
    """``treatment`` versus ``comparator`` in one study, on the analysis scale."""

    study: str
    treatment: str
    comparator: str
    te: float
    se: float


def _pair(study: NetworkStudy, i: int, j: int, measure: str) -> tuple[float, float]:
    """Effect of arm ``j`` versus arm ``i`` of ``study``."""
    if study.kind == "contrast":
        return study.contrast(study.treatments[j], study.treatments[i])
    if study.kind == "binary":
        # netmeta's rule: a zero (or all-event) cell in any arm corrects every pair of the study
        sparse = any(e == 0 or e == n for e, n in zip(study.events, study.total, strict=True))
        eff = binary_effect(measure=measure, events_1=study.events[j], total_1=study.total[j],
                            events_2=study.events[i], total_2=study.total[i], correct=sparse)
    else:
        fn = mean_difference if measure == "MD" else standardised_mean_difference
        eff = fn(mean_1=study.mean[j], sd_1=study.sd[j], n_1=study.n[j],
                 mean_2=study.mean[i], sd_2=study.sd[i], n_2=study.n[i])
    return float(eff.te), float(eff.se)


def pairwise_effects(network: Network) -> list[PairwiseEffect]:
    """Every pairwise contrast of every study (later arm versus earlier arm, network order).

    Binary arms use RevMan 5's 0.5 correction (:mod:`reanalyse.effects`), applied as R netmeta's
    ``pairwise`` does: to every pair of a study with a zero or all-event cell in any arm;
    a two-arm study that is not estimable (no events in either arm) is left out, a multi-arm
    study with a non-estimable pair is an error (its covariance would be undefined).
    """
    out: list[PairwiseEffect] = []
    problems = []
    for s in network.studies:
        rows = []
        for i in range(s.n_arms):
            for j in range(i + 1, s.n_arms):
                te, se = _pair(s, i, j, network.measure)
                rows.append(PairwiseEffect(s.name, s.treatments[j], s.treatments[i], te, se))
        bad = [r for r in rows if not (np.isfinite(r.te) and np.isfinite(r.se) and r.se > 0)]
        if bad and s.n_arms > 2:
            problems.append(f"study '{s.name}': {bad[0].treatment} vs {bad[0].comparator} is "
                            f"not estimable for {network.measure}")
            continue
        out += [r for r in rows if r not in bad]
    if problems:
        raise DataValidationError.single(file=network.name, rule="not estimable",
                                         message="; ".join(problems))
    return out


def arm_variances(pair_var: Array) -> Array:
    """Arm variances ``v`` with ``pair_var[j, k] = v_j + v_k`` (``p >= 3`` arms).

    For two arms the split is not identified; the baseline arm gets 0 and the other arm the
    whole variance (only their sum is ever used).
    """
    v = np.asarray(pair_var, dtype=float)
    p = v.shape[0]
    if p == 2:
        return np.array([0.0, v[0, 1]])
    s = v.sum(axis=1)  # diagonal is zero
    total = v[np.triu_indices(p, 1)].sum()
    return (s - total / (p - 1)) / (p - 2)


def basic_contrast_covariance(arm_var: Array) -> Array:
    """Covariance of the contrasts of arms 2..p against arm 1: ``v_1 + diag(v_2..v_p)``."""
    v = np.asarray(arm_var, dtype=float)
    return v[0] + np.diag(v[1:])


def random_effects_correlation(n_contrasts: int) -> Array:
    """Correlation of a study's random effects against its baseline: 1 on the diagonal, 1/2 off it
    (between-study variance tau^2 common to all comparisons; TSD2 section 2.2)."""
    c = np.full((n_contrasts, n_contrasts), 0.5)
    np.fill_diagonal(c, 1.0)
    return c


def basic_contrasts(study: NetworkStudy, measure: str) -> tuple[Array, Array]:
    """The study's contrasts of arms 2..p against its baseline arm, and their covariance.

    Two arms: the single contrast and its variance. Multi-arm: the covariance implied by the
    pairwise variances (:func:`arm_variances`); contrasts stated between non-baseline arms are
    then used only through those variances.
    """
    p = study.n_arms
    pv = np.zeros((p, p))
    y = np.empty(p - 1)
    for i in range(p):
        for j in range(i + 1, p):
            te, se = _pair(study, i, j, measure)
            pv[i, j] = pv[j, i] = se**2
            if i == 0:
                y[j - 1] = te
    if p == 2:
        return y, pv[[0]][:, [1]].reshape(1, 1)
    av = arm_variances(pv)
    if np.any(av < -1e-12):
        raise DataValidationError.single(
            file=study.name, rule="multi-arm covariance",
            message=f"study '{study.name}': its pairwise variances imply a negative arm "
            f"variance ({', '.join(f'{x:.4g}' for x in av)}), so no valid covariance exists")
    return y, basic_contrast_covariance(np.clip(av, 0.0, None))


def design_matrix(contrasts: list[tuple[str, str]], treatments: tuple[str, ...]) -> Array:
    """Rows = contrasts ``(treatment, baseline)``, columns = non-reference treatments:
    +1 for the treatment, -1 for the baseline (the reference has no column)."""
    cols = {t: i for i, t in enumerate(treatments[1:])}
    x = np.zeros((len(contrasts), len(cols)))
    for r, (t, b) in enumerate(contrasts):
        if t in cols:
            x[r, cols[t]] += 1.0
        if b in cols:
            x[r, cols[b]] -= 1.0
    return x


def rucker_weights(pair_var: Array) -> Array:
    """Adjusted weights of a study's pairwise comparisons, as R netmeta (Rücker 2012).

    ``L+ = -(p I - J) V (p I - J) / (2 p^2)`` with ``V`` the matrix of pairwise variances; the
    study's weighted Laplacian is ``L = pinv(L+)`` and the weight of comparison ``j-k`` is
    ``-L[j, k]``. For two arms this is ``1 / V[0, 1]``.
    """
    v = np.asarray(pair_var, dtype=float)
    p = v.shape[0]
    m = p * np.eye(p) - np.ones((p, p))
    lplus = -m @ v @ m / (2.0 * p**2)
    lap = np.linalg.pinv(lplus)
    return -lap
