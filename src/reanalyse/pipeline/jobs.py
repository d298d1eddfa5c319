"""The expensive tasks of a run (MCMC fits, network meta-analyses), as picklable jobs.

Per pairwise analysis: the default-prior fit of the normal-normal model on the study estimates
(its DataTree is kept as netCDF), and for binary outcomes with arm counts the exact binomial
likelihood under the default priors (kept) and under every grid tau prior with the default effect
prior for the tau priors listed in ``binomial_grid_tau`` (the binomial cells of the sensitivity
grid). Each job is keyed by its full payload, so
changing one prior re-runs only the jobs that use it.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from reanalyse.pipeline.defaults import BayesDefaults
from reanalyse.pipeline.executor import Job
from reanalyse.pipeline.prepare import PreparedAnalysis

__all__ = ["mcmc_jobs", "nma_job", "power_scaling", "run_mcmc_job", "run_nma_job"]


def _sampler(defaults: BayesDefaults, *, binomial: bool = False) -> dict[str, Any]:
    s = defaults.sampler
    return {"draws": s.draws, "tune": s.tune, "chains": s.chains,
            "target_accept": s.target_accept_binomial if binomial else s.target_accept,
            "retry_target_accepts": (0.99,) if binomial else (0.95, 0.99)}


def mcmc_jobs(prep: PreparedAnalysis, *, defaults: BayesDefaults) -> list[Job]:
    """The MCMC jobs of one analysis (none when it has no estimable study)."""
    if prep.default_tau is None or prep.default_effect is None or prep.main.k == 0:
        return []
    sid = prep.spec.id
    main = prep.main
    y, se = main.y_se()
    base = {"analysis": sid, "measure": prep.spec.measure, "scale": prep.scale,
            "sign": prep.sign, "threshold": prep.primary.t if prep.primary else None,
            "sampler": _sampler(defaults), "seed": defaults.sampler.seed,
            "scenario": prep.scenario}
    contrast = {"y": [float(v) for v in y], "se": [float(v) for v in se],
                "study": [str(s) for s in main.effects.study]}  # type: ignore[union-attr]
    jobs = [Job(name=f"{sid}/default/normal", fn=run_mcmc_job, group="normal", payload={
        **base, "model": "normal", "data": contrast, "keep": True,
        "tau_id": prep.default_tau.id, "effect_id": prep.default_effect.id,
        "tau_prior": prep.default_tau.prior, "effect_prior": prep.default_effect.prior})]
    counts = main.arm_counts()
    if prep.binary and prep.spec.measure in ("RR", "OR") and counts is not None:
        arms = {**counts, "study": contrast["study"]}
        binomial = {**base, "sampler": _sampler(defaults, binomial=True)}
        group = f"binomial-{prep.spec.measure}-k{main.k}"  # compiled per link and k
        jobs.append(Job(name=f"{sid}/default/binomial", fn=run_mcmc_job, group=group, payload={
            **binomial, "model": "binomial", "data": arms, "keep": True,
            "tau_id": prep.default_tau.id, "effect_id": prep.default_effect.id,
            "tau_prior": prep.default_tau.prior, "effect_prior": prep.default_effect.prior}))
        wanted = set(defaults.for_scale(prep.scale).binomial_grid_tau)
        for tp in prep.tau_priors:
            if tp.id == prep.default_tau.id or tp.id not in wanted:
                continue
            jobs.append(Job(name=f"{sid}/grid/binomial/{tp.id}", fn=run_mcmc_job, group=group,
                            payload={
                **binomial, "model": "binomial", "data": arms, "keep": False,
                "tau_id": tp.id, "effect_id": prep.default_effect.id,
                "tau_prior": tp.prior, "effect_prior": prep.default_effect.prior}))
    return jobs


def run_mcmc_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Worker: fit one model and return its summaries (and its DataTree as netCDF bytes)."""
    from reanalyse.bayesian import build_model
    from reanalyse.models import ArmData, ContrastData
    from reanalyse.sampling import SamplerSettings
    from reanalyse.sensitivity.cell import summarise_draws

    measure = payload["measure"]
    model = build_model(model=payload["model"], measure=measure,
                        tau_prior=payload["tau_prior"], effect_prior=payload["effect_prior"])
    d = payload["data"]
    if payload["model"] == "binomial":
        data: ArmData | ContrastData = ArmData(
            events_1=d["events_1"], total_1=d["total_1"], events_2=d["events_2"],
            total_2=d["total_2"], study=d["study"], measure=measure)
    else:
        data = ContrastData(y=d["y"], se=d["se"], study=d["study"], measure=measure)
    fit = model.fit(data, settings=SamplerSettings(**payload["sampler"]),
                    random_seed=int(payload["seed"]))
    post = fit.dt["posterior"]
    cell = summarise_draws(mu=post["mu"].values, tau=post["tau"].values,
                           theta_new=post["theta_new"].values, benefit_sign=payload["sign"],
                           threshold=payload["threshold"])
    likelihood = "binomial" if payload["model"] == "binomial" else "normal"
    cell = {**cell, "mcmc_flagged": float(fit.diagnostics.get("status") != "ok")}
    out: dict[str, Any] = {
        "model": payload["model"], "cell": cell, "diagnostics": fit.diagnostics,
        "grid": [{"key": [payload["tau_id"], payload["effect_id"], likelihood,
                          payload["scenario"]], "values": cell}] if likelihood == "binomial"
        else [],
    }
    if payload.get("keep"):
        out["summary"] = fit.summary().replace({np.nan: None}).to_dict("records")
        out["psense"] = power_scaling(fit.dt)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fit.nc"
            fit.to_netcdf(path)
            out["netcdf"] = path.read_bytes()
    return out


def power_scaling(dt: Any, *, var_names: tuple[str, ...] | list[str] = ("mu", "tau")
                  ) -> list[dict[str, Any]]:
    """Power-scaling prior and likelihood sensitivity (priorsense's diagnostic, via
    ``arviz_stats.psense_summary``) from the fit's log_prior and log_likelihood groups: no
    refit. Returns one record per parameter, or a record saying why it could not be computed."""
    import logging

    import arviz_stats

    # psense_summary logs a reading guide whenever it flags something; the flags are in the table
    logger = logging.getLogger("arviz_stats.psense")
    level = logger.level
    logger.setLevel(logging.ERROR)
    # its warnings (e.g. Pareto smoothing with fewer than 5 tail draws) belong to the records'
    # notes, not raw on the terminal
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            table = arviz_stats.psense_summary(dt, var_names=list(var_names))
        except Exception as err:  # noqa: BLE001 - a diagnostic must not sink the run; say why
            return [{"parameter": "all",
                     "diagnosis": f"not computed: {type(err).__name__}: {err}"}]
        finally:
            logger.setLevel(level)
    table = table.reset_index().rename(columns={"index": "parameter"})
    records = table.replace({np.nan: None}).to_dict("records")
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    if notes:
        for record in records:
            record["notes"] = "; ".join(notes)
    return records


#: psense_summary's defaults: the power-scaling alphas, the diagnosis threshold, the rounding
_ALPHAS, _PSENSE_THRESHOLD, _ROUND = (0.99, 1.01), 0.05, 3


def power_scaling_arrays(draws: dict[str, np.ndarray], *, log_prior: np.ndarray,
                         log_likelihood: np.ndarray) -> list[dict[str, Any]]:
    """:func:`power_scaling` on plain arrays, the records ``arviz_stats.psense_summary`` gives
    (its defaults: alphas 0.99 and 1.01, threshold 0.05, 3 decimals) without its xarray
    plumbing: arviz-stats' array functions (``power_scale_lw``, Pareto-smoothed, and
    ``power_scale_sense``) on ``draws`` (name -> (chain, draw)), ``log_prior`` and
    ``log_likelihood`` summed over their variables and observations ((chain, draw))."""
    from arviz_stats.base import array_stats

    def weights(total: np.ndarray, alpha: float) -> np.ndarray:
        w = np.exp(array_stats.power_scale_lw(total, alpha=alpha, axis=(-2, -1)))
        return w / w.sum()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sens: dict[str, dict[str, float]] = {}
        try:
            for component, total in (("prior", log_prior), ("likelihood", log_likelihood)):
                lower, upper = (weights(total, a) for a in _ALPHAS)
                for name, x in draws.items():
                    sens.setdefault(name, {})[component] = round(float(
                        array_stats.power_scale_sense(x, lower, upper, *_ALPHAS)), _ROUND)
        except Exception as err:  # noqa: BLE001 - as power_scaling: say why, do not sink the run
            return [{"parameter": "all",
                     "diagnosis": f"not computed: {type(err).__name__}: {err}"}]
    records: list[dict[str, Any]] = []
    for name, v in sens.items():
        prior, lik = v["prior"], v["likelihood"]
        if prior >= _PSENSE_THRESHOLD and lik >= _PSENSE_THRESHOLD:
            diagnosis = "potential prior-data conflict"
        elif prior > _PSENSE_THRESHOLD > lik:
            diagnosis = "potential strong prior / weak likelihood"
        else:
            diagnosis = "✓"
        records.append({"parameter": name, "prior": prior, "likelihood": lik,
                        "diagnosis": diagnosis})
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    if notes:
        for record in records:
            record["notes"] = "; ".join(notes)
    return records


def nma_job(spec: Any, *, root: Path, defaults: BayesDefaults, scenario: str) -> Job:
    """The job of one network specification (``analyses/nma/*.toml``); the worker builds the
    network from the data files under ``root`` (validated by the caller first)."""
    return Job(name=f"nma/{spec.id}", fn=run_nma_job, group="nma", payload={
        "spec": spec, "root": str(root), "scenario": scenario,
        "sampler": _sampler(defaults, binomial=True), "seed": defaults.sampler.seed})


def run_nma_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Worker: fit one network (Bayesian, plus the frequentist netmeta-style NMA); return the
    tables and figures as file contents."""
    import io

    import matplotlib

    matplotlib.use("Agg")  # a worker draws to files only

    from reanalyse.nma import (
        check_consistency,
        fit_nma,
        frequentist_nma,
        plot_network,
        plot_rankogram,
    )
    from reanalyse.sampling import SamplerSettings
    from reanalyse.thresholds import primary_threshold

    spec = payload["spec"]
    network = spec.network(scenario=payload["scenario"], root=payload["root"])
    fit = fit_nma(network, spec=spec.nma_spec(), higher_is_better=spec.higher_is_better,
                  random_seed=int(payload["seed"]),
                  settings=SamplerSettings(**payload["sampler"]))
    primary = primary_threshold(spec)
    threshold = primary.value if primary is not None else None  # natural scale, as stated
    files: dict[str, bytes] = {}

    def csv(name: str, frame: Any, index: bool = False) -> None:
        files[name] = frame.to_csv(index=index).encode()

    csv("league.csv", fit.league(threshold=threshold))
    csv("league_matrix.csv", fit.league_matrix(), index=True)
    csv("effects_vs_reference.csv", fit.relative_effects(threshold=threshold))
    csv("rank_probabilities.csv", fit.rank_probabilities(), index=True)
    csv("sucra.csv", fit.sucra().to_frame("sucra").join(fit.p_best()), index=True)
    freq = frequentist_nma(network)
    csv("frequentist_effects.csv", freq.effects("random"))
    # UME and node-splitting where a loop of independent evidence exists; else only the statement
    check = check_consistency(network, spec=spec.nma_spec(),
                              higher_is_better=spec.higher_is_better,
                              random_seed=int(payload["seed"]) + 1,
                              settings=SamplerSettings(**payload["sampler"]), consistency_fit=fit)
    if check.checkable:
        csv("consistency_models.csv", check.models)
        csv("nodesplits.csv", check.nodesplits)
    for stem, fig in (("network", plot_network(network, title=spec.title)),
                      ("rankogram", plot_rankogram(fit, title=f"{spec.title}: ranks"))):
        for ext in ("png", "svg"):
            buf = io.BytesIO()
            fig.savefig(buf, format=ext, dpi=110, bbox_inches="tight")
            files[f"{stem}.{ext}"] = buf.getvalue()
        import matplotlib.pyplot as plt

        plt.close(fig)
    with __import__("tempfile").TemporaryDirectory() as tmp:
        path = Path(tmp) / "fit.nc"
        fit.dt.to_netcdf(path, engine="h5netcdf")
        files["posterior.nc"] = path.read_bytes()
    text = [(f"Treatments: {', '.join(network.treatments)}; reference {network.reference}; "
            f"scenario {payload['scenario']}."), *check.lines(),
            "League table (row versus column, natural scale, median and 95% CrI):"]
    return {"title": spec.title, "text": text, "files": files,
            "league_html": fit.league_matrix().to_html(escape=True),
            "diagnostics": fit.diagnostics.to_dict()}
