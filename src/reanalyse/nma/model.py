"""Bayesian network meta-analysis in PyMC: consistency, unrelated mean effects, node-splitting.

The model is TSD2's (Dias et al. 2011, NICE DSU Technical Support Document 2, sections 2-4):

- **basic parameters** ``d`` (dim ``treatment``: every treatment but the reference) are effects
  against the reference; the contrast of arm ``k`` against the study's baseline arm ``b`` has
  mean ``d_k - d_b`` (consistency);
- **random effects** ``delta`` (dim ``contrast``: every non-baseline arm of every study) are
  ``N(d_k - d_b, tau^2)`` with correlation 1/2 between the contrasts of one multi-arm study, written
  non-centred as ``delta = X d + tau * A z`` (``A`` the block-diagonal Cholesky factor of that
  correlation); ``tau`` has an explicit prior from the registry; fixed effects set ``tau = 0``;
- the priors of ``d`` and ``tau`` are **data**, as in the pairwise models
  (:mod:`reanalyse.models.prior_graph`: ``d`` and ``tau`` are free ``pm.CustomDist`` variables
  whose one weighted log density covers every registry family), so changing a prior, or going
  from random to fixed effects (tau = 0 through the same data), reuses the compiled model, and
  ``pm.stats.compute_log_prior`` gives each prior's log density;
- **likelihoods**, chosen per study from its data and the measure:

  ============================  =====================================================
  arm-level binary, OR          ``r ~ Binomial(n, invlogit(mu_s + delta))``
  arm-level binary, RR          ``r ~ Binomial(n, exp(mu_s + delta))`` (log link; ``mu_s``
                                kept in the region where every arm has p < 1, see below)
  arm-level continuous, MD      ``y ~ Normal(mu_s + delta, sd / sqrt(n))``
  arm-level continuous, SMD     contrasts against the baseline arm (RevMan's Hedges' g),
                                multi-arm covariance from the pairwise variances
  contrast rows                 ``y ~ MvNormal(delta, V)`` with ``V`` the multi-arm covariance
  ============================  =====================================================

  Each likelihood is an observed variable (``r_obs`` / ``y_arm_obs``, dim ``arm``; ``y_obs``,
  dim ``contrast_obs``) whose mean parameter is the Deterministic ``<name>_fitted`` (the arm's
  risk, the arm's mean, the contrast's conditional mean), so that ``pm.stats.
  compute_log_likelihood`` gives the pointwise log-likelihood and the DIC's plug-in and
  saturated deviances are the same likelihood with ``<name>_fitted`` fixed (``pm.do``).
  ``mu`` (dim ``study``) are the baselines of arm-level studies. With the log link every arm
  needs ``mu_s + delta_sk < 0``; the baseline (a free variable with prior ``N(0,
  baseline_sd^2)``) is sampled as ``mu_s = -smax_s - softplus(w_s)`` (a transform of ``mu``,
  its log-Jacobian ``log sigmoid(w_s)``) with ``smax_s`` a smooth maximum (log-sum-exp,
  sharpness 100) of 0 and the study's ``delta``: the TSD2 prior restricted to the feasible region
  (up to a sliver of width log(arms)/100 at the boundary), and no hard wall for the sampler. The
  multivariate normal is
  written as the product of its conditionals (each contrast given the earlier ones of its study),
  so that the pointwise log-likelihood is per contrast and sums to the exact joint density;
- **unrelated mean effects** (``consistency="ume"``) give every observed comparison its own
  parameter (``d``, dim ``comparison``) with the same prior (TSD4 section 3);
- **node-splitting** (``consistency="nodesplit"``, ``nodesplit=(a, b)``) gives the studies that
  compare ``a`` and ``b`` their own parameter ``d_direct`` for ``b`` vs ``a`` (those studies take
  ``a`` as their baseline), while every other contrast keeps consistency (Dias et al. 2010, Stat
  Med 29:932); ``d_indirect = d_b - d_a`` and ``omega = d_direct - d_indirect``.

Everything that changes between networks of the same shape is ``pm.Data``, so one compiled
model serves every network with the same structure key (:attr:`ModelInputs.key`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from reanalyse.errors import DataValidationError
from reanalyse.nma.design import basic_contrasts, design_matrix, random_effects_correlation
from reanalyse.nma.network import Network, NetworkStudy
from reanalyse.priors import EffectPrior, TauPrior

__all__ = [
    "CAP_SHARPNESS",
    "Consistency",
    "Likelihood",
    "ModelInputs",
    "NMASpec",
    "TrtEffects",
    "build_model",
    "model_inputs",
]

Consistency = Literal["consistency", "ume", "nodesplit"]
TrtEffects = Literal["random", "fixed"]
Likelihood = Literal["binomial_logit", "binomial_log", "normal", "contrast"]

#: Sharpness of the smooth maximum that keeps log-link baselines feasible.
CAP_SHARPNESS = 100.0

Array = NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class NMASpec:
    """What to fit: effects model, consistency assumption and priors (no data).

    Parameters
    ----------
    effect_prior
        Prior of every basic parameter ``d`` (and of ``d_direct`` / the UME parameters):
        ``normal``, ``student-t`` or ``flat`` from :func:`reanalyse.priors.load_prior` (a
        skeptical or enthusiastic prior must be resolved with its threshold first).
    tau_prior
        Prior of the between-study SD ``tau`` (random effects with ``tau_fixed=None`` only).
    trt_effects
        ``"random"`` or ``"fixed"`` (tau = 0).
    tau_fixed
        Fix tau at this value instead of giving it a prior (random effects only; for
        comparison with the frequentist NMA at its tau).
    consistency
        ``"consistency"``, ``"ume"`` (unrelated mean effects) or ``"nodesplit"``.
    nodesplit
        The comparison ``(a, b)`` to split when ``consistency="nodesplit"``.
    baseline_sd
        SD of the normal prior N(0, sd^2) of each arm-level study's baseline ``mu`` (TSD2 uses
        100 on the log-odds scale).
    """

    effect_prior: EffectPrior
    tau_prior: TauPrior | None = None
    trt_effects: TrtEffects = "random"
    tau_fixed: float | None = None
    consistency: Consistency = "consistency"
    nodesplit: tuple[str, str] | None = None
    baseline_sd: float = 100.0

    def __post_init__(self) -> None:
        problems = []
        if self.trt_effects not in ("random", "fixed"):
            problems.append(f"trt_effects must be 'random' or 'fixed', got {self.trt_effects!r}")
        if self.consistency not in ("consistency", "ume", "nodesplit"):
            problems.append("consistency must be 'consistency', 'ume' or 'nodesplit', got "
                            f"{self.consistency!r}")
        if self.trt_effects == "random" and self.tau_fixed is None and self.tau_prior is None:
            problems.append("a random-effects model needs tau_prior (or tau_fixed)")
        if self.tau_fixed is not None and (self.trt_effects != "random" or self.tau_fixed < 0):
            problems.append("tau_fixed needs trt_effects='random' and a value >= 0")
        if (self.consistency == "nodesplit") != (self.nodesplit is not None):
            problems.append("nodesplit=(a, b) goes with consistency='nodesplit' and only with it")
        if self.effect_prior.needs_threshold:
            problems.append(f"effect prior {self.effect_prior.id!r} needs resolve(threshold=...)")
        if not self.baseline_sd > 0:
            problems.append("baseline_sd must be positive")
        if problems:
            raise ValueError("NMASpec: " + "; ".join(problems))

    @property
    def tau_mode(self) -> Literal["prior", "fixed", "none"]:
        """How tau enters: with a prior, fixed at a value, or not at all (fixed effects)."""
        if self.trt_effects == "fixed":
            return "none"
        return "fixed" if self.tau_fixed is not None else "prior"

    def priors(self) -> dict[str, Any]:
        """Role -> prior record, for provenance."""
        out: dict[str, Any] = {"effect": self.effect_prior.to_dict(),
                               "baseline": {"family": "normal", "params": {
                                   "mean": 0.0, "sd": self.baseline_sd}}}
        if self.tau_mode == "prior" and self.tau_prior is not None:
            out["tau"] = self.tau_prior.to_dict()
        elif self.tau_mode == "fixed":
            out["tau"] = {"family": "fixed", "value": self.tau_fixed}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of the model."""
        return {"model": "nma", "trt_effects": self.trt_effects, "tau_mode": self.tau_mode,
                "tau_fixed": self.tau_fixed, "consistency": self.consistency,
                "nodesplit": list(self.nodesplit) if self.nodesplit else None,
                "baseline_sd": self.baseline_sd, "parameterisation": "non-centred delta"}

    def structure(self) -> tuple[Hashable, ...]:
        """The parts of the spec that change the compiled graph. Prior families and values are
        data (:mod:`reanalyse.models.prior_graph`), and a fixed-effect model is the random-effects
        graph with tau = 0, so only a tau fixed at a value and the consistency assumption change
        the graph."""
        return ("tau-fixed" if self.tau_mode == "fixed" else "tau-prior", self.consistency)

    def prior_values(self) -> dict[str, np.ndarray]:
        """Values of the prior ``pm.Data`` (effect prior, and tau prior or tau = 0)."""
        from reanalyse.models.prior_graph import (
            effect_prior_values,
            tau_prior_values,
            tau_zero_values,
        )

        out = dict(effect_prior_values(self.effect_prior))
        if self.tau_mode == "prior":
            out.update(tau_prior_values(self.tau_prior))  # type: ignore[arg-type]
        elif self.tau_mode == "none":
            out.update(tau_zero_values())
        return out


@dataclass(frozen=True)
class ModelInputs:
    """The arrays, coordinates and bookkeeping of one network for one :class:`NMASpec`.

    Attributes
    ----------
    likelihood
        Likelihood of the arm-level studies (``None`` when all studies are contrast-level).
    coords
        ``treatment`` (or ``comparison`` for UME), ``study`` (arm-level studies), ``contrast``
        (every non-baseline arm), ``arm``, ``contrast_obs``.
    data
        Values of the model's ``pm.Data`` containers.
    contrasts
        ``(study, treatment, baseline)`` per contrast, in ``coords["contrast"]`` order.
    params
        Labels of the free effect parameters (``d``'s dim).
    key
        Structure key under which the compiled model is cached.
    """

    likelihood: Likelihood | None
    coords: dict[str, list[str]]
    data: dict[str, np.ndarray]
    contrasts: list[tuple[str, str, str]]
    params: list[str]
    param_dim: str
    arm_studies: list[NetworkStudy]
    contrast_studies: list[NetworkStudy]
    key: tuple[Hashable, ...] = field(default=())

    @property
    def n_contrast_obs(self) -> int:
        """Contrast-level observations."""
        return len(self.coords["contrast_obs"])


def _arm_likelihood(network: Network) -> Likelihood | None:
    kinds = {s.kind for s in network.studies}
    if "binary" in kinds:
        if network.measure == "OR":
            return "binomial_logit"
        if network.measure == "RR":
            return "binomial_log"
        raise DataValidationError.single(
            file=network.name, rule="measure", message=f"the Bayesian NMA models binary arms as "
            f"OR (logit link) or RR (log link), not {network.measure}; use the frequentist "
            "engine for RD")
    if "continuous" in kinds and network.measure == "MD":
        return "normal"
    return None


def _chol_blocks(blocks: list[Array]) -> Array:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i:i + k, i:i + k] = np.linalg.cholesky(b)
        i += k
    return out


def model_inputs(network: Network, spec: NMASpec) -> ModelInputs:
    """Arrange ``network`` for the PyMC model of ``spec`` (see the module notes)."""
    studies = list(network.studies)
    if spec.consistency == "nodesplit":
        a, b = spec.nodesplit  # type: ignore[misc]
        if a not in network.treatments or b not in network.treatments:
            raise ValueError(f"nodesplit {spec.nodesplit!r}: not treatments of the network")
        studies = [s.reordered([a, b, *[t for t in s.treatments if t not in (a, b)]])
                   if a in s.treatments and b in s.treatments else s for s in studies]
        if not any(a in s.treatments and b in s.treatments for s in studies):
            raise ValueError(f"no study compares {a} and {b} directly; nothing to split")
    lik = _arm_likelihood(network)
    arm_studies = [s for s in studies if lik is not None and s.kind in ("binary", "continuous")]
    con_studies = [s for s in studies if s not in arm_studies]
    ordered = arm_studies + con_studies
    contrasts = [(s.name, t, s.baseline) for s in ordered for t in s.treatments[1:]]
    c_labels = [f"{s}: {t} vs {b}" for s, t, b in contrasts]

    # effect parameters and design matrix
    if spec.consistency == "ume":
        pairs = list(dict.fromkeys((t, b) for _, t, b in contrasts))
        params = [f"{t} vs {b}" for t, b in pairs]
        x = np.zeros((len(contrasts), len(pairs)))
        for r, (_, t, b) in enumerate(contrasts):
            x[r, pairs.index((t, b))] = 1.0
        param_dim = "comparison"
    else:
        params = list(network.treatments[1:])
        x = design_matrix([(t, b) for _, t, b in contrasts], network.treatments)
        param_dim = "treatment"
    x_direct = np.zeros(len(contrasts))
    if spec.consistency == "nodesplit":
        a, b = spec.nodesplit  # type: ignore[misc]
        for r, (_, t, base) in enumerate(contrasts):
            if t == b and base == a:
                x[r, :] = 0.0
                x_direct[r] = 1.0

    corr = _chol_blocks([random_effects_correlation(s.n_arms - 1) for s in ordered])

    # arm-level block
    arm_labels: list[str] = []
    arm_study: list[int] = []
    arm_cidx: list[int] = []
    r_obs: list[float] = []
    n_obs: list[float] = []
    y_arm: list[float] = []
    se_arm: list[float] = []
    c = 0
    for si, s in enumerate(arm_studies):
        for k, t in enumerate(s.treatments):
            arm_labels.append(f"{s.name}: {t}")
            arm_study.append(si)
            if k == 0:
                arm_cidx.append(0)
            else:
                c += 1
                arm_cidx.append(c)
            if s.kind == "binary":
                r_obs.append(s.events[k])
                n_obs.append(s.total[k])
            else:
                y_arm.append(s.mean[k])
                se_arm.append(s.sd[k] / np.sqrt(s.n[k]))

    # contrast-level block (conditional normal factorisation of each study's MVN)
    con_labels: list[str] = []
    con_idx: list[int] = []
    y_con: list[float] = []
    r_blocks: list[Array] = []
    sig: list[float] = []
    offset = sum(s.n_arms - 1 for s in arm_studies)
    for s in con_studies:
        y, v = basic_contrasts(s, network.measure)
        chol = np.linalg.cholesky(v)
        u = np.linalg.inv(chol)
        rmat = np.tril(u / np.diag(u)[:, None], k=-1)
        r_blocks.append(rmat)
        sig += list(np.diag(chol))
        y_con += list(y)
        for k, t in enumerate(s.treatments[1:]):
            con_labels.append(f"{s.name}: {t} vs {s.baseline}")
            con_idx.append(offset + k)
        offset += s.n_arms - 1
    m = len(y_con)
    r_all = np.zeros((m, m))
    i = 0
    for rb in r_blocks:
        k = rb.shape[0]
        r_all[i:i + k, i:i + k] = rb
        i += k

    data: dict[str, np.ndarray] = {"X": x, "A": corr, **spec.prior_values()}
    if spec.consistency == "nodesplit":
        a, b = spec.nodesplit  # type: ignore[misc]
        data["X_direct"] = x_direct
        # d_indirect = d_b - d_a as a data vector, so every split shares one compiled model
        data["split_vector"] = design_matrix([(b, a)], network.treatments)[0]
    if spec.tau_mode == "fixed":
        data["tau_value"] = np.asarray(spec.tau_fixed, dtype=float)
    if arm_studies:
        data["prior_baseline_sd"] = np.asarray(spec.baseline_sd, dtype=float)
        data["arm_study"] = np.asarray(arm_study, dtype=np.int64)
        data["arm_contrast"] = np.asarray(arm_cidx, dtype=np.int64)
        onehot = np.zeros((len(arm_study), len(arm_studies)))
        onehot[np.arange(len(arm_study)), arm_study] = 1.0
        data["arm_study_onehot"] = onehot
        onehot = np.zeros((len(arm_cidx), len(contrasts)))
        for i, c_ in enumerate(arm_cidx):
            if c_ > 0:
                onehot[i, c_ - 1] = 1.0
        data["arm_delta_onehot"] = onehot
        if lik in ("binomial_logit", "binomial_log"):
            data["r"] = np.asarray(r_obs, dtype=np.int64)
            data["n"] = np.asarray(n_obs, dtype=np.int64)
        else:
            data["y_arm"] = np.asarray(y_arm, dtype=float)
            data["se_arm"] = np.asarray(se_arm, dtype=float)
        if lik == "binomial_log":
            width = max(s.n_arms for s in arm_studies)
            pad = len(contrasts) + 1  # index of the padding entry (-1e3) of delta0
            mat = np.full((len(arm_studies), width), pad, dtype=np.int64)
            pos = np.zeros(len(arm_studies), dtype=np.int64)
            for st, ci in zip(arm_study, arm_cidx, strict=True):
                mat[st, pos[st]] = ci
                pos[st] += 1
            data["arm_matrix"] = mat
    if m:
        data["contrast_index"] = np.asarray(con_idx, dtype=np.int64)
        onehot = np.zeros((m, len(contrasts)))
        onehot[np.arange(m), con_idx] = 1.0
        data["obs_delta_onehot"] = onehot
        data["y"] = np.asarray(y_con, dtype=float)
        data["R"] = r_all
        data["sigma"] = np.asarray(sig, dtype=float)
    coords = {param_dim: params, "study": [s.name for s in arm_studies],
              "contrast": c_labels, "arm": arm_labels, "contrast_obs": con_labels}
    width = max((s.n_arms for s in arm_studies), default=0)
    key = ("nma", lik if arm_studies else None, len(arm_studies), len(arm_labels), width,
           len(contrasts), m, len(params), spec.structure())
    return ModelInputs(likelihood=lik if arm_studies else None, coords=coords, data=data,
                       contrasts=contrasts, params=params, param_dim=param_dim,
                       arm_studies=arm_studies, contrast_studies=con_studies, key=key)


def _smooth_cap(vals: Any) -> Any:
    """Smooth maximum (log-sum-exp, sharpness :data:`CAP_SHARPNESS`) over the last axis."""
    import pytensor.tensor as pt

    top = pt.max(vals, axis=-1)
    return top + pt.log(pt.sum(pt.exp(CAP_SHARPNESS * (vals - top[..., None])),
                               axis=-1)) / CAP_SHARPNESS


def _make_cap_transform() -> Any:
    from pymc.logprob.transforms import Transform

    class CapTransform(Transform):
        """mu = -smax(arm deltas) - softplus(w): every arm of the study keeps p < 1."""

        name = "w"

        def forward(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            x = -_smooth_cap(inputs[-1]) - value  # softplus(w) > 0
            return x + pt.log(-pt.expm1(-x))  # softplus^-1

        def backward(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            return -_smooth_cap(inputs[-1]) - pt.softplus(value)

        def log_jac_det(self, value: Any, *inputs: Any) -> Any:
            import pytensor.tensor as pt

            return -pt.softplus(-value)

    return CapTransform()


def _capped_baseline_logp(value: Any, sd: Any, vals: Any) -> Any:
    import pymc as pm

    return pm.logp(pm.Normal.dist(0.0, sd), value)


def _capped_baseline_support_point(rv: Any, size: Any, sd: Any, vals: Any) -> Any:
    return -_smooth_cap(vals) - np.log(2.0)


def build_model(inputs: ModelInputs, spec: NMASpec):  # type: ignore[no-untyped-def]
    """The PyMC model for ``inputs`` and ``spec`` (variables ``d``, ``tau``, ``mu``, ``delta``).

    Returns
    -------
    pymc.Model
        With ``pm.Data`` containers named as :attr:`ModelInputs.data`.
    """
    import pymc as pm
    import pytensor.tensor as pt

    from reanalyse.models.prior_graph import effect_prior_data, effect_prior_vars, tau_prior_vars

    coords = {k: v for k, v in inputs.coords.items() if v}
    with pm.Model(coords=coords) as model:
        prior_keys = set(spec.prior_values())
        data = {name: pm.Data(name, value) for name, value in inputs.data.items()
                if name not in prior_keys}
        eff = effect_prior_data(spec.effect_prior)
        d = effect_prior_vars(name="d", dims=inputs.param_dim, data=eff)
        mean = pt.dot(data["X"], d)
        if spec.consistency == "nodesplit":
            d_direct = effect_prior_vars(name="d_direct", data=eff)
            mean = mean + data["X_direct"] * d_direct
            d_ind = pt.dot(data["split_vector"], d)
            pm.Deterministic("d_indirect", d_ind)
            pm.Deterministic("omega", d_direct - d_ind)
        if spec.tau_mode == "fixed":
            tau = pm.Deterministic("tau", data["tau_value"])
        else:  # a prior, or tau = 0 (fixed effects) through the prior's data
            tau = tau_prior_vars(spec.tau_prior, name="tau")
        z = pm.Normal("z", 0.0, 1.0, dims="contrast")
        delta = pm.Deterministic("delta", mean + tau * pt.dot(data["A"], z), dims="contrast")
        if inputs.arm_studies:
            delta0 = pt.concatenate([pt.zeros((1,)), delta])
            sd = data["prior_baseline_sd"]
            if inputs.likelihood == "binomial_log":
                vals = pt.concatenate([delta0, pt.full((1,), -1e3)])[data["arm_matrix"]]
                mu = pm.CustomDist("mu", sd, vals, logp=_capped_baseline_logp,
                                   support_point=_capped_baseline_support_point,
                                   transform=_make_cap_transform(), signature="(),(a)->()",
                                   dims="study", class_name="CappedBaseline")
            else:
                mu = pm.Normal("mu", 0.0, sd, dims="study")
            # one-hot products instead of fancy indexing (cheaper gradients in numba)
            eta = pt.dot(data["arm_study_onehot"], mu) + pt.dot(data["arm_delta_onehot"], delta)
            if inputs.likelihood == "binomial_logit":
                p = pm.Deterministic("r_obs_fitted", pm.math.sigmoid(eta), dims="arm")
                pm.Binomial("r_obs", n=data["n"], p=p, observed=data["r"], dims="arm")
            elif inputs.likelihood == "binomial_log":
                p = pm.Deterministic("r_obs_fitted", pt.exp(eta), dims="arm")
                pm.Binomial("r_obs", n=data["n"], p=p, observed=data["r"], dims="arm")
            else:
                fitted = pm.Deterministic("y_arm_obs_fitted", eta, dims="arm")
                pm.Normal("y_arm_obs", mu=fitted, sigma=data["se_arm"], observed=data["y_arm"],
                          dims="arm")
        if inputs.n_contrast_obs:
            theta = pt.dot(data["obs_delta_onehot"], delta)
            cond_mean = pm.Deterministic("y_obs_fitted",
                                         theta - pt.dot(data["R"], data["y"] - theta),
                                         dims="contrast_obs")
            pm.Normal("y_obs", mu=cond_mean, sigma=data["sigma"], observed=data["y"],
                      dims="contrast_obs")
    return model
