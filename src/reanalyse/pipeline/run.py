"""``reanalyse run``: the whole re-analysis, from analysis specifications to results/.

Order: validate every specification and data file (nothing is written if anything is wrong);
the reproduction table; per analysis the frequentist results, the exact-engine sensitivity grid
and tipping points; the MCMC fits (default priors; the binomial likelihood for binary outcomes),
executed locally or on Dask and cached by content; the network meta-analyses; then tables,
figures, netCDF files and the HTML report. Every file is written atomically; ``results/run.log``
records, per run, which tasks were sampled and which came from the cache.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from reanalyse._version import __version__
from reanalyse.analyses import AnalysisSpec, find_root, load_analyses
from reanalyse.errors import DataValidationError, Problem
from reanalyse.io import atomic
from reanalyse.io.lock import project_lock
from reanalyse.io.resources import defaults_file
from reanalyse.pipeline.cache import SAMPLING_CODE, TaskCache, code_digest, task_key
from reanalyse.pipeline.defaults import DEFAULTS_NAME, BayesDefaults, project_defaults
from reanalyse.pipeline.executor import Job, Lanes, check_scheduler, run_jobs
from reanalyse.priors import priors_dir
from reanalyse.priors.location import project_priors_dir
from reanalyse.project import PROJECT_FILE

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis

#: Data scenarios (as in reanalyse.analyses.scenarios; repeated to keep this import light).
SCENARIOS = ("sourced", "reconstruction")
from reanalyse.results.provenance import package_versions

__all__ = ["RunSummary", "run_pipeline"]

@dataclass
class RunSummary:
    """What a run did: analyses, tasks sampled vs cached, files written."""

    results_dir: Path
    analyses: list[str]
    sampled: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    decision: pd.DataFrame | None = None


def _select(specs: list[AnalysisSpec], names: Sequence[str] | None) -> list[AnalysisSpec]:
    if not names:
        return specs
    by_id = {s.id: s for s in specs}
    unknown = [n for n in names if n not in by_id]
    if unknown:
        raise DataValidationError([
            Problem(file="analyses/", rule="unknown analysis",
                    message=f"no analysis '{n}' (known: {', '.join(sorted(by_id))})")
            for n in unknown])
    return [by_id[n] for n in names]


def run_pipeline(
    *,
    analyses: Sequence[str] | None = None,
    scenario: Literal["sourced", "reconstruction"] = "sourced",
    jobs: int = 1,
    force: bool = False,
    executor: Literal["local", "dask"] = "local",
    scheduler: str | None = None,
    results_dir: str | Path | None = None,
    root: str | Path | None = None,
    mcmc: bool = True,
    nma: bool = True,
    progress: bool = True,
    wait: bool = False,
) -> RunSummary:
    """Run the re-analysis and write it under ``results_dir`` (default ``<root>/results``).

    One run at a time writes a results folder (the lock ``<results>/.lock``). A run of named
    ``analyses`` recomputes those and keeps every other analysis' results: its rows of
    ``decision.csv``, its report section, its provenance.

    Parameters
    ----------
    analyses
        Analysis ids to run (default: every specification under ``analyses/``).
    scenario
        Data scenario of the headline results (the grid always spans both scenarios).
    jobs, executor, scheduler
        Parallelism for the MCMC tasks: ``jobs`` local processes, or the workers of the Dask
        cluster at ``scheduler``.
    force
        Recompute every task, ignoring the cache.
    mcmc, nma
        Include the MCMC fits and the network meta-analyses (the exact engine always runs).
    progress
        Show progress on stderr (a bar on a terminal, one line per task otherwise).
    wait
        When another run holds the lock, wait for it (saying so) instead of raising.

    Raises
    ------
    DataValidationError
        Any problem with the specifications or data, before anything is written.
    LockedError
        Another run is writing the results folder (and ``wait`` is false).
    SchedulerUnreachableError
        ``executor="dask"`` and no scheduler answers at ``scheduler``.
    """
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    import matplotlib

    matplotlib.use("Agg")  # the pipeline draws to files only
    base = Path(root) if root is not None else find_root()
    out = Path(results_dir) if results_dir is not None else base / "results"
    with contextlib.ExitStack() as stack:
        lanes = stack.enter_context(Lanes(jobs)) if jobs > 1 else None
        if lanes is not None and (force or not any((out / "analyses").glob("*/record.json"))):
            # nothing to reuse: the workers start (2-4 s of imports) while the input is checked
            lanes.warm(_warm_worker, _warm_payload(mcmc=mcmc, executor=executor))
        return _run_pipeline(base=base, out=out, analyses=analyses, scenario=scenario,
                             jobs=jobs, force=force, executor=executor, scheduler=scheduler,
                             mcmc=mcmc, nma=nma, progress=progress, wait=wait, lanes=lanes)


def _run_pipeline(*, base: Path, out: Path, analyses: Sequence[str] | None, scenario: str,
                  jobs: int, force: bool, executor: Literal["local", "dask"],
                  scheduler: str | None, mcmc: bool, nma: bool, progress: bool, wait: bool,
                  lanes: Lanes | None) -> RunSummary:
    # ---- validate everything first: nothing is written when input is bad ----
    every = load_analyses("analyses", root=base)
    specs = _select(every, analyses)
    defaults = project_defaults(root=base)
    common = _common_inputs(base, scenario=scenario, mcmc=mcmc)
    keys_by_id = {s.id: task_key({"common": common, "spec": s.model_dump(),
                                  "files": _file_digests(base, s)}) for s in specs}
    nma_specs: list[Any] = []
    if nma and not analyses and (base / "analyses" / "nma").is_dir():
        from reanalyse.nma.spec import load_nma_analyses

        nma_specs = load_nma_analyses(base / "analyses" / "nma", root=base)
        for nspec in nma_specs:
            nspec.network(scenario=scenario, root=base)  # validate its data before writing
    nma_keys = {n.id: task_key({"common": common, "spec": n.model_dump(),
                                "files": _nma_digests(base, n)}) for n in nma_specs}
    if executor == "dask" and (mcmc or nma_specs):
        check_scheduler(scheduler)  # one line within seconds, not after the exact layer
    # ---- one run at a time writes a results folder ----
    with project_lock(out, wait=wait):
        _clear_temporaries(out)  # left by a run killed while writing
        try:
            return _run_phases(
                base=base, out=out, every=every, specs=specs, named=bool(analyses),
                defaults=defaults, common=common, keys_by_id=keys_by_id, nma_specs=nma_specs,
                nma_keys=nma_keys, scenario=scenario, jobs=jobs, force=force,
                executor=executor, scheduler=scheduler, mcmc=mcmc, progress=progress,
                lanes=lanes)
        except BaseException:  # Ctrl-C or a failure: the workers killed part-way wrote these
            if lanes is not None:
                lanes.close()  # first: no worker writes after the clearing
            _clear_temporaries(out)
            raise


def _clear_temporaries(out: Path) -> None:
    """Remove the temporary files of unfinished atomic writes (only complete files remain)."""
    for stale in out.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


def _warm_payload(*, mcmc: bool, executor: str) -> dict[str, Any]:
    sampling = mcmc and executor == "local"
    return {"modules": WORKER_MODULES + (SAMPLING_MODULES if sampling else ()),
            "mcmc": sampling}


def _warm_worker(payload: dict[str, Any]) -> None:
    """A worker's first task: the imports its jobs need, while the parent checks the input or
    reproduces the published results (a spawned worker imports them in 2-4 s)."""
    import importlib

    for name in payload["modules"]:
        importlib.import_module(name)
    if payload["mcmc"]:
        from reanalyse.sampling.cache import configure_jax_cache

        configure_jax_cache()


def _compiled_once_per_machine() -> bool:
    """Whether a model structure one worker compiled is in the machine's cache for the others
    (the JAX backend; numba compiles in every process)."""
    from reanalyse.sampling.compile import default_backend

    return default_backend() == "jax"


#: What a worker imports before its first job (see :func:`_warm_worker`).
WORKER_MODULES = ("reanalyse.pipeline.prepare", "reanalyse.pipeline.jobs")
SAMPLING_MODULES = ("pymc", "nutpie", "jax", "blackjax", "reanalyse.bayesian")


def _run_phases(*, base: Path, out: Path, every: list[AnalysisSpec], specs: list[AnalysisSpec],
                named: bool, defaults: BayesDefaults, common: dict[str, Any],
                keys_by_id: dict[str, str], nma_specs: list[Any], nma_keys: dict[str, str],
                scenario: str, jobs: int, force: bool, executor: Literal["local", "dask"],
                scheduler: str | None, mcmc: bool, progress: bool,
                lanes: Lanes | None) -> RunSummary:
    """The run proper, under the results folder's lock: the exact engine, the sampling, the
    writing, the run's own files; the local work on ``lanes`` (the run's workers, kept for all
    of it) when there are several."""
    records: dict[str, dict[str, Any]] = {}
    if not force:
        for s in specs:
            rec = _read_record(out / "analyses" / s.id)
            if rec is not None and rec.get("key") == keys_by_id[s.id]:
                records[s.id] = rec
    fresh = [s for s in specs if s.id not in records]
    if lanes is not None and fresh:  # (if not already started before the checks)
        lanes.warm(_warm_worker, _warm_payload(mcmc=mcmc, executor=executor), k=len(fresh))
    # a run of named analyses keeps every other analysis' results as they are
    chosen = {s.id for s in specs}
    kept = {s.id: rec for s in every if s.id not in chosen
            and (rec := _read_record(out / "analyses" / s.id)) is not None} if named else {}
    from reanalyse.pipeline.decision import decision_frame
    from reanalyse.report import write_report
    repro_key = task_key({"common": common, "specs": sorted(keys_by_id.values()),
                          "all": _all_digests(base)})
    cache = TaskCache(out / ".cache")
    repro_rows = None if force else cache.get("reproduction", repro_key)
    if repro_rows is None:
        from reanalyse.reproduce import reproduce

        repro_rows = {sc: [r.to_dict() for r in reproduce(scenario=sc, root=base)]
                      for sc in SCENARIOS}
    prep_jobs = [Job(name=f"prepare/{s.id}", fn=_prepare_job,
                     payload={"spec": s, "defaults": defaults, "scenario": scenario,
                              "root": str(base)}) for s in fresh]
    prepared_by_id = {}
    warned: list[str] = []  # the numerical libraries' warnings, for run.log
    for job, res in run_jobs(prep_jobs, n_jobs=jobs, progress=progress,
                             description="exact engine", lanes=lanes):
        res["prep"].notes.extend(res.get("warnings", []))  # the analysis' notes
        warned += _warning_lines(job.name, res)
        prepared_by_id[job.payload["spec"].id] = res["prep"]
    prepared = [prepared_by_id[s.id] for s in fresh]
    networks: list[Job] = []
    nma_records: dict[str, dict[str, Any]] = {}
    for nspec in nma_specs:
        rec = None if force else _read_record(out / "nma" / nspec.id)
        if rec is not None and rec.get("key") == nma_keys[nspec.id]:
            nma_records[nspec.id] = rec
            continue
        from reanalyse.pipeline.jobs import nma_job  # here: it imports the models

        networks.append(nma_job(nspec, root=base, defaults=defaults, scenario=scenario))
    if named:  # the networks are not rerun by a named run; their results stay in the report
        for path in sorted(out.glob("nma/*/record.json")):
            if (rec := _read_record(path.parent)) is not None:
                nma_records[path.parent.name] = rec

    summary = RunSummary(results_dir=out, analyses=[s.id for s in specs])
    log_lines = [(f"run {_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')} "
                 f"reanalyse {__version__} scenario={scenario} analyses={len(specs)} "
                 f"recomputed={len(fresh)} unchanged={len(records)}")]
    cache.put("reproduction", repro_key, repro_rows)

    # ---- MCMC and NMA tasks: cached by content, executed where asked ----
    all_jobs: list[Job] = []
    if mcmc and prepared:
        from reanalyse.pipeline.jobs import mcmc_jobs  # here: it imports the models

        for prep in prepared:
            all_jobs += mcmc_jobs(prep, defaults=defaults)
    all_jobs += networks
    results: dict[str, dict[str, Any]] = {}
    todo: list[Job] = []
    keys: dict[str, str] = {}
    for job in all_jobs:
        key = task_key({"name": job.name, "payload": job.payload,
                        "code": code_digest(*SAMPLING_CODE)})
        keys[job.name] = key
        hit = None if force else cache.get("tasks", key)
        if hit is not None:
            results[job.name] = hit
            summary.cached.append(job.name)
            log_lines.append(f"cached {job.name} {key[:16]}")
        else:
            todo.append(job)
    for job, result in run_jobs(todo, n_jobs=jobs, executor=executor, scheduler=scheduler,
                                progress=progress, description="sampling", lanes=lanes,
                                share=bool(todo) and _compiled_once_per_machine()):
        cache.put("tasks", keys[job.name], result)
        results[job.name] = result
        summary.sampled.append(job.name)
        log_lines.append(f"sampled {job.name} {keys[job.name][:16]}")
        log_lines += _warning_lines(job.name, result)
    for s in specs:
        if s.id in records:
            log_lines.append(f"unchanged {s.id} {keys_by_id[s.id][:16]}")

    # ---- per-analysis outputs (recomputed analyses only) ----
    published = {r["id"]: r["published"] for r in repro_rows[scenario]}
    status = {r["analysis"]: r["status"] for r in repro_rows[scenario] if r["analysis"]}
    write_jobs = []
    for prep in prepared:
        sid = prep.spec.id
        write_jobs.append(Job(name=f"write/{sid}", fn=_write_job, payload={
            "out": str(out), "prep": prep, "defaults": defaults, "key": keys_by_id[sid],
            "mcmc": {name: r for name, r in results.items() if name.startswith(f"{sid}/")},
            "published": published.get(prep.spec.published) if prep.spec.published else None,
            "certainty": _certainty(base, prep.spec),
            "status": status.get(sid, "no published result")}))
    for job, res in run_jobs(write_jobs, n_jobs=jobs, progress=progress,
                             description="writing", lanes=lanes):
        records[job.payload["prep"].spec.id] = res["record"]
        summary.written += [Path(p) for p in res["written"]]
        warned += _warning_lines(job.name, res)
    records.update(kept)
    shown = [s for s in every if s.id in records]
    decision = decision_frame([records[s.id]["decision"] for s in shown])
    summary.decision = decision
    target = out / "decision.csv"
    atomic.write_text(target, decision.to_csv(index=False))
    summary.written.append(target)
    target = out / "summary_of_findings.csv"
    atomic.write_text(target, _sof_frame([records[s.id].get("sof") for s in shown]).to_csv(
        index=False))
    summary.written.append(target)
    repro = pd.DataFrame([_flat_repro(r) for sc in SCENARIOS for r in repro_rows[sc]])
    target = out / "reproduction.csv"
    atomic.write_text(target, repro.to_csv(index=False))
    summary.written.append(target)
    for name, result in results.items():
        if name.startswith("nma/"):
            nid = name.split("/", 1)[1]
            summary.written += _write_nma(out / "nma" / nid, result, key=nma_keys[nid])
            nma_records[nid] = {k: v for k, v in result.items() if k != "files"}
            nma_records[nid]["figures"] = [f for f in result.get("files", {})
                                           if f.endswith(".png")]
    for nid in nma_records:
        if f"nma/{nid}" not in results and nid in nma_keys:
            log_lines.append(f"unchanged nma/{nid} {nma_keys[nid][:16]}")
    prov = {"reanalyse": __version__, "created": log_lines[0], "scenario": scenario,
            "packages": package_versions(), "defaults": defaults.model_dump(),
            "analyses": {s.id: records[s.id]["provenance"] for s in shown},
            "networks": sorted(nma_records),
            "tasks": {**(_kept_tasks(out, kept=[*kept, *(f"nma/{n}" for n in nma_records)])
                         if named else {}), **keys}}
    target = out / "provenance.json"
    atomic.write_text(target, json.dumps(prov, indent=2, default=str))
    summary.written.append(target)
    summary.written.append(write_report(out))  # from the files above, as `reanalyse report`
    log_lines += warned
    log_lines.append(f"done sampled={len(summary.sampled)} cached={len(summary.cached)}")
    _append_log(out / "run.log", log_lines)
    return summary


def _prepare_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Worker: the exact, cheap layer of one analysis."""
    from reanalyse.pipeline.prepare import prepare_analysis

    return {"prep": prepare_analysis(payload["spec"], defaults=payload["defaults"],
                                     scenario=payload["scenario"], root=payload["root"])}


def _write_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Worker: write one analysis' files, its decision and summary-of-findings rows and the
    text of its report section, all kept in its record."""
    from reanalyse.pipeline.decision import decision_row
    from reanalyse.report.figures import FigureCache
    from reanalyse.report.html import analysis_section

    out = Path(payload["out"])
    prep: PreparedAnalysis = payload["prep"]
    mine: dict[str, dict[str, Any]] = payload["mcmc"]
    sid = prep.spec.id
    head = mine.get(f"{sid}/default/{'binomial' if prep.binary else 'normal'}") \
        or mine.get(f"{sid}/default/normal")
    written = _write_analysis(out, prep, mine, payload["defaults"])
    cache = FigureCache.of_results(out)  # the report's compressed figures, made here in parallel
    for path in written:
        if path.suffix == ".png":
            cache.compressed(path.read_bytes())
    row = decision_row(prep, published=payload["published"],
                       reproduction_status=payload["status"], mcmc=head)
    record = {"key": payload["key"], "decision": row,
              "sof": _finding(prep, published=payload["published"],
                              certainty=payload.get("certainty", "")),
              "provenance": _provenance(prep),
              "mcmc": {n: {k: v for k, v in r.items() if k in ("diagnostics", "cell", "psense")}
                       for n, r in mine.items()},
              "section": analysis_section(out, prep, pd.Series(row), flagged=sorted(
                  f"{n.split('/', 1)[1]}: {'; '.join(r['diagnostics'].get('messages', []))}"
                  for n, r in mine.items() if r["diagnostics"].get("status") != "ok"))}
    # the record goes last: an analysis counts as done only once everything else is in place
    target = out / "analyses" / sid / "record.json"
    atomic.write_text(target, json.dumps(record, default=_json_default))
    return {"record": record, "written": [str(p) for p in [*written, target]]}


def _finding(prep: PreparedAnalysis, *, published: dict[str, Any] | None,
             certainty: str) -> dict[str, Any] | None:
    """The analysis' summary-of-findings row (``reanalyse.sof``), None without a pooled result."""
    from reanalyse.sof import finding

    main = prep.main
    if main.review is None or not main.review.estimable or main.k == 0:
        return None
    pub = dict(published, certainty=certainty) if published is not None else None
    l4l = prep.like_for_like
    return finding(spec=prep.spec, effects=main.effects, pooled=main.review, published=pub,
                   bayes=l4l.summary if l4l is not None else None,
                   threshold=prep.primary).to_dict()


def _sof_frame(rows: Sequence[dict[str, Any] | None]) -> pd.DataFrame:
    """``summary_of_findings.csv``: one row per analysis with a finding, the columns of
    :class:`reanalyse.sof.Finding`."""
    from dataclasses import fields

    from reanalyse.sof import Finding

    return pd.DataFrame([r for r in rows if r], columns=[f.name for f in fields(Finding)])


def _certainty(base: Path, spec: AnalysisSpec) -> str:
    """The GRADE certainty the review's ``published.csv`` gives the analysis' result, or ""."""
    from reanalyse.analyses import resolve

    if not spec.published:
        return ""
    path = resolve(spec.data, base).parent / "published.csv"
    if not path.is_file():
        return ""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "certainty" not in table or "id" not in table:
        return ""
    match = table.loc[table["id"] == spec.published, "certainty"]
    return str(match.iloc[0]) if len(match) else ""


def _common_inputs(base: Path, *, scenario: str, mcmc: bool) -> dict[str, Any]:
    """What every analysis depends on besides its own spec and data."""
    files = [*sorted(priors_dir().glob("*.toml")), defaults_file(DEFAULTS_NAME, root=base)]
    digests = {p.name if p.parent.name != "defaults" else f"defaults/{p.name}": _digest(p)
               for p in files}
    own = project_priors_dir(base)  # the project's own priors extend the registry
    if own is not None:
        digests.update({f"project-priors/{p.name}": _digest(p) for p in sorted(own.glob("*.toml"))})
    if (base / PROJECT_FILE).is_file():  # its [defaults.*] override the files above
        digests[PROJECT_FILE] = _digest(base / PROJECT_FILE)
    return {"version": __version__, "code": code_digest(), "scenario": scenario, "mcmc": mcmc,
            "files": digests}


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file_digests(base: Path, spec: AnalysisSpec) -> dict[str, str]:
    from reanalyse.analyses import resolve

    out = {}
    for rel in (spec.data, spec.reconstruction_data):
        if rel:
            path = resolve(rel, base)
            out[rel] = _digest(path)
            pub = path.parent / "published.csv"
            if pub.is_file():
                out[str(pub.relative_to(base))] = _digest(pub)
    return out


def _all_digests(base: Path) -> dict[str, str]:
    files = sorted((base / "analyses").glob("*.toml")) + sorted((base / "data").rglob("*.csv"))
    return {str(p.relative_to(base)): _digest(p) for p in files}


def _warning_lines(name: str, result: dict[str, Any]) -> list[str]:
    """run.log lines for the warnings a task raised (they are not shown on the terminal)."""
    return [f"warning {name}: {note}" for note in result.get("warnings", [])]


def _kept_tasks(out: Path, *, kept: Sequence[str]) -> dict[str, str]:
    """The task keys of the previous run's provenance that belong to ``kept`` (analysis ids and
    ``nma/<id>``): what a run of named analyses carries over for the others."""
    try:
        tasks = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["tasks"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    keep = set(kept)
    return {name: key for name, key in tasks.items()
            if name.split("/", 1)[0] in keep or "/".join(name.split("/", 2)[:2]) in keep}


def _read_record(folder: Path) -> dict[str, Any] | None:
    path = folder / "record.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _append_log(path: Path, lines: list[str]) -> None:
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    atomic.write_text(path, old + "\n".join(lines) + "\n")


def _flat_repro(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "scenario": r["scenario"], "status": r["status"],
            "measure": r["measure"], "published_estimate": r["published"]["estimate"],
            "published_ci_low": r["published"]["ci_low"],
            "published_ci_high": r["published"]["ci_high"],
            "ours_estimate": r["ours"]["estimate"], "ours_ci_low": r["ours"]["ci_low"],
            "ours_ci_high": r["ours"]["ci_high"], "k": r["ours"]["k"],
            "expected_k": r["expected_k"], "missing": "; ".join(r["missing"]),
            "reason": r["reason"], "analysis": r["analysis"],
            "hypothesis": r.get("hypothesis") or ""}


def _provenance(prep: PreparedAnalysis) -> dict[str, Any]:
    from reanalyse.results.provenance import data_hash

    return {
        "spec": prep.spec.model_dump(),
        "data_hash": {sc: data_hash(d.rows.frame) for sc, d in prep.data.items()},
        "default_tau": prep.default_tau.to_dict() if prep.default_tau else None,
        "default_effect": prep.default_effect.to_dict() if prep.default_effect else None,
        "generalisation_tau": (prep.generalisation_tau.to_dict() if prep.generalisation_tau
                               else None),
        "grid_tau": [p.to_dict() for p in prep.tau_priors],
        "grid_effect": [p.to_dict() for p in prep.effect_priors],
        "uisd": prep.uisd, "notes": prep.notes,
    }


def grid_dataset(prep: PreparedAnalysis, mcmc: dict[str, dict[str, Any]]) -> xr.Dataset:
    """The analysis' sensitivity grid: exact normal cells plus MCMC binomial cells."""
    from reanalyse.sensitivity import assemble_grid

    cells = dict(prep.exact_cells)
    for result in mcmc.values():
        for cell in result.get("grid", []):
            cells[tuple(cell["key"])] = cell["values"]  # type: ignore[index]
    attrs = {"analysis": prep.spec.id, "measure": prep.spec.measure, "scale": prep.scale,
             "benefit_sign": prep.sign,
             "threshold": prep.primary.t if prep.primary else float("nan"),
             "threshold_label": prep.primary.label if prep.primary else "",
             "note": "summaries on the analysis scale (log for ratios); normal likelihood cells "
                     "by the exact engine, binomial cells by MCMC"}
    return assemble_grid(cells, tau_priors=[p.id for p in prep.tau_priors],
                         effect_priors=[p.id for p in prep.effect_priors], attrs=attrs)


def _write_analysis(out: Path, prep: PreparedAnalysis, mcmc: dict[str, dict[str, Any]],
                    defaults: BayesDefaults) -> list[Path]:
    from reanalyse.pipeline.figures import write_analysis_figures

    folder = out / "analyses" / prep.spec.id
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        atomic.write_text(folder / name, text)
        written.append(folder / name)

    freq = {sc: {"review_method": d.review.to_dict() if d.review else None,
                 "random_dl": d.random_dl.to_dict() if d.random_dl else None,
                 "units": d.rows.units, "unusable": d.rows.unusable, "problem": d.problem}
            for sc, d in prep.data.items()}
    put("frequentist.json", json.dumps(freq, indent=2, default=_json_default, allow_nan=True))
    tables = []
    if prep.exact_default is not None:
        t = prep.exact_default.summary()
        t.insert(0, "engine", "exact")
        tables.append(t)
    for name, result in sorted(mcmc.items()):
        if result.get("summary"):
            t = pd.DataFrame(result["summary"])
            t.insert(0, "engine", f"mcmc:{name.split('/', 1)[1]}")
            tables.append(t)
    if tables:
        put("summary.csv", pd.concat(tables, ignore_index=True).to_csv(index=False))
    if prep.tau_priors:
        grid = grid_dataset(prep, mcmc)
        target = folder / "grid.nc"
        with atomic.atomic_path(target) as tmp:
            grid.to_netcdf(tmp, engine="h5netcdf")
        written.append(target)
        put("grid.csv", grid.to_dataframe().reset_index().to_csv(index=False))
    if prep.influence is not None and not prep.influence.empty:
        put("influence.csv", prep.influence.to_csv(index=False))
    if prep.small_study is not None and not prep.small_study.empty:
        put("small_study.csv", prep.small_study.to_csv(index=False))
    if prep.trim_fill is not None and not prep.trim_fill.empty:
        put("trim_fill.csv", prep.trim_fill.to_csv(index=False))
    sens = [dict(r, fit=name.split("/", 1)[1]) for name, result in sorted(mcmc.items())
            for r in result.get("psense", [])]
    if sens:
        put("power_scaling.csv", pd.DataFrame(sens).to_csv(index=False))
    for name, result in mcmc.items():
        if result.get("netcdf"):
            stem = name.split("/", 1)[1].replace("/", "_")
            target = folder / f"posterior_{stem}.nc"
            atomic.write_bytes(target, bytes(result["netcdf"]))
            written.append(target)
    written += write_analysis_figures(folder, prep, mcmc)
    return written


def _write_nma(folder: Path, result: dict[str, Any], *, key: str) -> list[Path]:
    written = []
    for fname, content in result.get("files", {}).items():
        target = folder / fname
        atomic.write_bytes(target, bytes(content))
        written.append(target)
    record = {k: v for k, v in result.items() if k != "files"}
    record["key"] = key
    record["figures"] = [f for f in result.get("files", {}) if f.endswith(".png")]
    target = folder / "record.json"
    atomic.write_text(target, json.dumps(record, default=_json_default))
    return [*written, target]


def _nma_digests(base: Path, spec: Any) -> dict[str, str]:
    from reanalyse.analyses import resolve

    return {rel: _digest(resolve(rel, base)) for rel in (spec.data, spec.reconstruction_data)
            if rel}


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return str(obj)


