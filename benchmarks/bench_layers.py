"""Time the frequentist and the exact layer of the whole review, as ``reanalyse run`` computes them.

What is measured: every pairwise specification under ``<root>/analyses/*.toml`` (the IIM review:
31 analyses), in both data scenarios (``sourced``, ``reconstruction``), through the pipeline's own
per-analysis preparation (``reanalyse.pipeline.prepare``: everything ``reanalyse run`` does per
analysis except MCMC, the network meta-analyses and writing files). Nothing is written anywhere.
The preparation is split into its layers, each timed over the whole review per pass:

- frequentist: per analysis x data scenario (31 x 2 calls), the scenario's rows
  (``analyses.inputs.analysis_rows``) and ``prepare._frequentist``: the study table, the pooled
  result with the review's method, model and tau^2 estimator, the DL random-effects result (each
  ``pooling.pool`` with its heterogeneity statistics and tau^2 / I^2 intervals) and the study
  effects;
- exact engine: per analysis x headline scenario (31 x 2 calls, as ``reanalyse run --scenario
  sourced`` and ``--scenario reconstruction``), ``prepare._prepare`` with the frequentist results
  above handed in: the priors resolved, the headline exact posterior (``exact.fit_exact``), the
  Bayes factors, the sensitivity grid of exact fits over both data scenarios
  (``sensitivity.exact_cells``) and the tipping points (``sensitivity.tipping_points``);
- diagnostics: the rest of ``prepare.prepare_analysis`` on the same 31 x 2 preparations
  (``pipeline.robustness``): leave-one-out, frequentist and exact-engine, with the case
  diagnostics; the small-study tests; trim and fill.

- grid (printed alone, and counted in the exact engine's figure): the sensitivity grid's
  exact cells, every tau prior x effect prior x data scenario (``sensitivity.exact_cells``, one
  stacked fit per data set; in a tree from before it, ``sensitivity.exact_cell`` per cell);

- readings: the two Bayesian readings of issue 14 (like-for-like and random effects, each with
  the power-scaling diagnosis of its exact posterior), work the baseline did not do: timed apart
  and taken out of the exact engine's figure.

"exact layer" below is exact engine + diagnostics (everything of the preparation that is not the
frequentist pooling, without the readings); "total" is the three together, the work the
baseline did; "total + readings" is everything the preparation does now. Each pass first warms up on one analysis;
the CSV files are parsed once per process (``analyses.scenarios`` caches them). With
``--total-only`` only the public ``prepare_analysis`` is timed, unsplit, 31 x 2 calls: it also
pools each data scenario again in every preparation, so it is the total plus one frequentist layer.

All knowledge of reanalyse's internals is in :func:`adapter` at the top; when the code it relies
on changes shape it stops with a message saying what is missing instead of timing less work.
Each pass also counts the work it did (pooled results, exact posteriors, grid cells, ...) and
stops if there was none.

Run (prints figures; asserts nothing; the source tree timed is the one Python imports, printed
with its git commit)::

    .venv/bin/python benchmarks/bench_layers.py [--root ROOT] [--repeat 3]
    PYTHONPATH=/path/to/tree/src .venv/bin/python benchmarks/bench_layers.py --root /path/to/tree

Compare two source trees in one run, on the same project root, with this same script::

    .venv/bin/python benchmarks/bench_layers.py --compare OTHER_SRC [--src THIS_SRC] [--repeat 3]

runs one pass per subprocess, alternating A B A B ... (``--repeat`` passes each), with
``PYTHONPATH`` set to ``--src`` (A, default: the ``src/`` of the repository holding this script)
or to ``OTHER_SRC`` (B), and prints both medians and minima per layer, the ratio A/B and the
speed-up B/A. A tree whose adapter calls are missing fails loudly; add ``--total-only`` to compare
the unsplit preparation.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("sourced", "reconstruction")
LAYERS = ("frequentist", "exact engine", "diagnostics")
ROWS = (*LAYERS, "exact layer", "total")
#: Seconds each exact-engine call spent in the two Bayesian readings (new work since the
#: baseline), appended by the adapter and taken out of the exact engine's time.
READINGS_SECONDS: list[float] = []
#: Seconds each exact-engine call spent computing the sensitivity grid's exact cells.
GRID_SECONDS: list[float] = []
TOTAL_ONLY = ("prepare_analysis",)


class AdapterError(RuntimeError):
    """The source tree no longer has the entry points this benchmark times."""


# ---------------------------------------------------------------------------------------------
# adapter: the only code that knows reanalyse's internals (baseline: main 45502f1)
# ---------------------------------------------------------------------------------------------


@dataclass
class Layers:
    """The calls timed, bound to one project root."""

    specs: list[Any]
    frequentist: Callable[[Any, str], Any]  # (spec, data scenario) -> ScenarioData
    exact: Callable[[Any, str, dict[str, Any]], Any]  # (spec, scenario, freq by scenario) -> prep
    diagnostics: Callable[[Any], None]  # prep -> None (fills the robustness tables in)
    prepare: Callable[[Any, str], Any]  # the public, unsplit preparation
    count: Callable[[list[Any], list[Any]], dict[str, int]]  # (freq results, preps) -> counts


def adapter(root: Path, *, split: bool = True) -> Layers:
    """Bind the timed calls to ``root``; :class:`AdapterError` names whatever is missing."""
    try:
        from reanalyse.analyses import load_analyses
        from reanalyse.pipeline import prepare as prep_mod
        from reanalyse.pipeline import robustness
        from reanalyse.pipeline.defaults import load_defaults
    except ImportError as err:
        raise AdapterError(f"import failed: {err}") from err
    try:
        from reanalyse.pipeline.run import DEFAULTS_FILE
    except ImportError:
        DEFAULTS_FILE = Path("analyses") / "defaults" / "bayes.toml"
    need = [(prep_mod, "prepare_analysis")]
    if split:
        need += [(prep_mod, n) for n in ("_prepare", "_frequentist", "analysis_rows")]
        need += [(robustness, n) for n in ("influence_table", "small_study_table",
                                           "trim_fill_for")]
    missing = [f"{m.__name__}.{n}" for m, n in need if not callable(getattr(m, n, None))]
    if missing:
        raise AdapterError(f"missing: {', '.join(missing)}")
    if tuple(getattr(prep_mod, "SCENARIOS", SCENARIOS)) != SCENARIOS:
        raise AdapterError(f"prepare.SCENARIOS is {prep_mod.SCENARIOS}, expected {SCENARIOS}")
    if split:  # the split re-assembles prepare_analysis: check it still has that shape
        for fn, calls in ((prep_mod.prepare_analysis, ("_prepare(", "influence_table(",
                                                        "small_study_table(", "trim_fill_for(")),
                          (prep_mod._prepare, ("_frequentist(", "analysis_rows("))):
            src = inspect.getsource(fn)
            absent = [c for c in calls if c not in src]
            if absent:
                raise AdapterError(f"prepare.{fn.__name__} no longer calls "
                                   f"{', '.join(c[:-1] for c in absent)}: the split would not "
                                   "cover the preparation")
    specs = load_analyses("analyses", root=root)
    try:  # the packaged defaults, or the project's own analyses/defaults/bayes.toml
        from reanalyse.io.resources import defaults_file
    except ImportError:  # before the defaults shipped with the package: the project's copy,
        # or the one at the root of the repository timed (where the baseline kept them)
        import reanalyse

        own = root / DEFAULTS_FILE
        if not own.is_file():
            own = Path(reanalyse.__file__).resolve().parents[2] / DEFAULTS_FILE
        defaults = load_defaults(own)
    else:
        defaults = load_defaults(defaults_file("bayes.toml", root=root))
    rows_fn, freq_fn = prep_mod.analysis_rows, prep_mod._frequentist

    def frequentist(spec: Any, scenario: str) -> Any:
        return freq_fn(spec, rows_fn(spec, scenario=scenario, root=root))

    def exact(spec: Any, scenario: str, freq: dict[str, Any]) -> Any:
        hits = {"rows": 0, "freq": 0}

        def rows_given(spec: Any, *, scenario: str = "sourced", root: Any = None) -> Any:
            hits["rows"] += 1
            return freq[scenario].rows

        def freq_given(spec: Any, rows: Any) -> Any:
            hits["freq"] += 1
            return freq[rows.scenario]

        # the two Bayesian readings (issue 14: like-for-like and random effects, each with its
        # power-scaling diagnosis) are work the baseline did not do: timed apart
        spent = [0.0]
        readings = {}
        for name in ("like_for_like", "random_effects"):
            fn = getattr(prep_mod, name, None)
            if callable(fn):
                def timed(*a: Any, _fn: Any = fn, **k: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return _fn(*a, **k)
                    finally:
                        spent[0] += time.perf_counter() - t0
                readings[name] = timed
        # the sensitivity grid's normal-likelihood cells (part of the exact engine's figure,
        # also printed alone): exact_cells (one stacked fit per data set) or, in a tree from
        # before it, exact_cell per cell
        grid_fns = {}
        for name in ("exact_cells", "exact_cell"):
            fn = getattr(prep_mod, name, None)
            if callable(fn):
                def timed_grid(*a: Any, _fn: Any = fn, **k: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return _fn(*a, **k)
                    finally:
                        GRID_SECONDS.append(time.perf_counter() - t0)
                grid_fns[name] = timed_grid
        if not grid_fns:
            raise AdapterError("prepare calls neither exact_cells nor exact_cell: the grid "
                               "cannot be timed")
        with _patched(prep_mod, analysis_rows=rows_given, _frequentist=freq_given, **readings,
                      **grid_fns):
            prep = prep_mod._prepare(spec, defaults=defaults, scenario=scenario, root=root,
                                     grid=True)
        READINGS_SECONDS.append(spent[0])
        if hits != {"rows": len(SCENARIOS), "freq": len(SCENARIOS)}:
            raise AdapterError(f"prepare._prepare took its frequentist results {hits} times, "
                               f"expected {len(SCENARIOS)} each: the split is out of date")
        return prep

    def diagnostics(prep: Any) -> None:
        prep.influence = robustness.influence_table(prep)
        prep.small_study = robustness.small_study_table(prep)
        prep.trim_fill, prep.trim_fill_fits = robustness.trim_fill_for(prep)

    def prepare(spec: Any, scenario: str) -> Any:
        return prep_mod.prepare_analysis(spec, defaults=defaults, scenario=scenario, root=root)

    def count(freqs: list[Any], preps: list[Any]) -> dict[str, int]:
        def n(obj: Any, name: str) -> int:
            v = getattr(obj, name, None)
            return 0 if v is None else len(v) if hasattr(v, "__len__") else 1

        out = {"pooled": sum(getattr(f, "review", None) is not None for f in freqs),
               "dl": sum(getattr(f, "random_dl", None) is not None for f in freqs),
               "exact posteriors": sum(getattr(p, "exact_default", None) is not None
                                       for p in preps),
               "grid cells": sum(n(p, "exact_cells") for p in preps),
               "tipping points": sum(n(p, "tipping") for p in preps),
               "leave-one-out rows": sum(n(p, "influence") for p in preps)}
        if preps and not freqs:  # --total-only: the frequentist results live in the preps
            main = [p.data[p.scenario] for p in preps if hasattr(p, "data")]
            out["pooled"] = sum(getattr(f, "review", None) is not None for f in main)
            out["dl"] = sum(getattr(f, "random_dl", None) is not None for f in main)
        return out

    return Layers(specs=specs, frequentist=frequentist, exact=exact, diagnostics=diagnostics,
                  prepare=prepare, count=count)


@contextmanager
def _patched(module: Any, **names: Any) -> Iterator[None]:
    old = {k: getattr(module, k) for k in names}
    try:
        for k, v in names.items():
            setattr(module, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)


# ---------------------------------------------------------------------------------------------
# one process: time the layers in this interpreter
# ---------------------------------------------------------------------------------------------


def _git(path: Path) -> str:
    """Short commit of the work tree holding ``path`` (+ "dirty" if its files differ)."""
    try:
        head = subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain",
                                "--untracked-files=no", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no git"
    return head + (" + uncommitted changes" if dirty else "")


def _source() -> tuple[str, str]:
    import reanalyse

    path = Path(reanalyse.__file__).resolve()
    return str(path), _git(path.parent)


def one_pass(layers: Layers, *, total_only: bool) -> tuple[dict[str, float], dict[str, int]]:
    """Wall time of each layer over the whole review (seconds), and the work done."""
    t: dict[str, float] = dict.fromkeys(TOTAL_ONLY if total_only else LAYERS, 0.0)
    freqs: list[Any] = []
    preps: list[Any] = []
    clock = time.perf_counter
    if total_only:
        for scenario in SCENARIOS:
            for spec in layers.specs:
                t0 = clock()
                preps.append(layers.prepare(spec, scenario))
                t["prepare_analysis"] += clock() - t0
    else:
        by_id: dict[str, dict[str, Any]] = {}
        for scenario in SCENARIOS:
            for spec in layers.specs:
                t0 = clock()
                sd = layers.frequentist(spec, scenario)
                t["frequentist"] += clock() - t0
                by_id.setdefault(spec.id, {})[scenario] = sd
                freqs.append(sd)
        for scenario in SCENARIOS:
            for spec in layers.specs:
                READINGS_SECONDS.clear()
                GRID_SECONDS.clear()
                t0 = clock()
                prep = layers.exact(spec, scenario, by_id[spec.id])
                t1 = clock()
                layers.diagnostics(prep)
                t["diagnostics"] += clock() - t1
                readings = sum(READINGS_SECONDS)
                t["exact engine"] += t1 - t0 - readings
                t["readings"] = t.get("readings", 0.0) + readings
                t["grid"] = t.get("grid", 0.0) + sum(GRID_SECONDS)
                preps.append(prep)
    counts = layers.count(freqs, preps)
    if not counts["pooled"] or (not total_only and not counts["exact posteriors"]):
        raise AdapterError(f"a pass did no work ({counts}): nothing was measured")
    return t, counts


def _warm_up(layers: Layers, *, total_only: bool) -> None:
    """One analysis with data through every timed call (imports, lazy set-ups, CSV cache)."""
    for spec in layers.specs:
        if total_only:
            prep = layers.prepare(spec, "sourced")
        else:
            freq = {sc: layers.frequentist(spec, sc) for sc in SCENARIOS}
            prep = layers.exact(spec, "sourced", freq)
            layers.diagnostics(prep)
        if getattr(prep, "exact_default", None) is not None:
            return


def measure(root: Path, *, repeat: int, total_only: bool) -> dict[str, Any]:
    """``repeat`` passes in this process: per-layer times, the work counted, the source timed."""
    source, commit = _source()
    layers = adapter(root, split=not total_only)
    _warm_up(layers, total_only=total_only)
    times: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for _ in range(repeat):
        t, counts = one_pass(layers, total_only=total_only)
        if not total_only:
            t.setdefault("readings", 0.0)
            t["exact layer"] = t["exact engine"] + t["diagnostics"]
            t["total"] = t["frequentist"] + t["exact layer"]
            t["total + readings"] = t["total"] + t["readings"]
        for k, v in t.items():
            times.setdefault(k, []).append(v)
    return {"source": source, "commit": commit, "root": str(root), "analyses": len(layers.specs),
            "scenarios": len(SCENARIOS), "times": times, "counts": counts}


# ---------------------------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------------------------

WHAT = {
    "frequentist": "rows + review-method pool + DL pool (+ tau2/I2 intervals) + study effects",
    "exact engine": "priors, headline exact posterior, Bayes factors, grid, tipping points",
    "diagnostics": "leave-one-out (frequentist + exact), case diagnostics, small-study, trim-fill",
    "readings": "the two Bayesian readings with their power-scaling diagnoses (new since "
                "the baseline: not in the exact engine's figure)",
    "grid": "of the exact engine: the sensitivity grid's exact (normal-likelihood) cells",
    "exact layer": "exact engine + diagnostics",
    "total": "frequentist + exact layer (the work the baseline did)",
    "total + readings": "everything the preparation does now",
    "prepare_analysis": "public prepare_analysis, unsplit (pools both data scenarios each call)",
}


def _describe(res: dict[str, Any]) -> str:
    c = res["counts"]
    n = res["analyses"] * res["scenarios"]
    return (f"{res['analyses']} analyses x {res['scenarios']} scenarios = {n} per layer per pass; "
            f"work per pass: {c['pooled']}/{n} pooled (review method), {c['dl']} DL, "
            f"{c['exact posteriors']} headline exact posteriors, {c['grid cells']} grid cells, "
            f"{c['tipping points']} tipping points, {c['leave-one-out rows']} leave-one-out rows")


def report(res: dict[str, Any], *, repeat: int) -> None:
    print(f"reanalyse: {res['source']} (git {res['commit']})")
    print(f"root: {res['root']}; {repeat} passes (median, min wall time)")
    print(_describe(res))
    n = res["analyses"] * res["scenarios"]
    order = [k for k in (*LAYERS[:2], "grid", *LAYERS[2:]) if k in res["times"]]
    for k, v in [(k, res["times"][k]) for k in order] + [
            (k, v) for k, v in res["times"].items() if k not in order]:
        med = statistics.median(v)
        print(f"  {k:<16} median {med:7.2f} s  min {min(v):7.2f} s  "
              f"({med / n * 1e3:6.1f} ms per analysis x scenario)  {WHAT[k]}")
    t = res["times"]
    if "frequentist" in t:
        c = res["counts"]
        per_pool = statistics.median(t["frequentist"]) / max(1, c["pooled"] + c["dl"]) * 1e3
        per_fit = statistics.median(t["exact engine"]) / max(
            1, c["exact posteriors"] + c["grid cells"]) * 1e3
        print(f"  anchors (/work/shared/research/perf-anchors.md): frequentist {per_pool:.1f} ms "
              "per pooled result, rows and study effects included (a bare DL pool of k = 10 "
              "in-process: 1.9 ms; metafor rma + confint + predict: 5.4 ms); exact engine "
              f"{per_fit:.1f} ms per headline posterior or grid cell, tipping scans and Bayes "
              "factors included (one exact posterior + all summaries, k = 3-30: 2.1-2.5 ms)")


def compare(args: argparse.Namespace) -> None:
    """Alternate A B A B ... in subprocesses, one pass each; print medians and ratios."""
    trees = {"A": Path(args.src).resolve(), "B": Path(args.compare).resolve()}
    for name, src in trees.items():
        if not (src / "reanalyse" / "__init__.py").is_file():
            sys.exit(f"bench_layers: {name} = {src} is not a source tree (no "
                     "reanalyse/__init__.py)")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--root", str(args.root),
           "--repeat", "1", "--json"] + (["--total-only"] if args.total_only else [])
    runs: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
    order = []
    for _ in range(args.repeat):
        for name, src in trees.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"bench_layers: the pass on {name} = {src} failed:\n{proc.stderr}")
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            if not Path(res["source"]).is_relative_to(src):
                sys.exit(f"bench_layers: {name} imported {res['source']}, not {src}")
            runs[name].append(res)
            order.append(name)
            print(f"  pass {len(order):>2} {name}: " + ", ".join(
                f"{k} {v[0]:.2f} s" for k, v in res["times"].items()), flush=True)
    merged = {}
    for name, rs in runs.items():
        merged[name] = {**rs[0], "times": {k: [r["times"][k][0] for r in rs]
                                           for k in rs[0]["times"]}}
        print(f"{name}: {rs[0]['source']} (git {rs[0]['commit']})")
        print(f"   {_describe(rs[0])}")
    if merged["A"]["counts"] != merged["B"]["counts"]:
        print("note: the two trees did different work (counts above differ)")
    print(f"root: {args.root}; order {' '.join(order)} (one pass per process, {args.repeat} "
          "each); wall time per pass")
    print(f"  {'layer':<16} {'A median':>9} {'A min':>8} {'B median':>9} {'B min':>8} "
          f"{'A/B':>6} {'B/A':>6}")
    for k in merged["A"]["times"]:
        a, b = merged["A"]["times"][k], merged["B"]["times"][k]
        ma, mb = statistics.median(a), statistics.median(b)
        ratios = (f"{ma / mb:6.2f} {mb / ma:6.2f}" if ma > 0 and mb > 0
                  else f"{'-':>6} {'-':>6}")
        print(f"  {k:<16} {ma:8.2f}s {min(a):7.2f}s {mb:8.2f}s {min(b):7.2f}s {ratios}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=REPO / "examples" / "iim2023",
                    help="project root holding analyses/ and data/ (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="passes (per tree with --compare)")
    ap.add_argument("--compare", metavar="OTHER_SRC",
                    help="time OTHER_SRC (B) against --src (A), alternating in subprocesses")
    ap.add_argument("--src", default=str(REPO / "src"),
                    help="tree A of --compare (default: %(default)s)")
    ap.add_argument("--total-only", action="store_true",
                    help="time only the public prepare_analysis, unsplit")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # --compare's child
    args = ap.parse_args()
    args.root = args.root.resolve()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.compare:
        compare(args)
        return
    try:
        res = measure(args.root, repeat=args.repeat, total_only=args.total_only)
    except AdapterError as err:
        try:
            where = _source()[0]
        except ImportError as imp:
            where = f"reanalyse ({imp})"
        sys.exit(f"bench_layers: cannot time {where}: {err}"
                 + ("" if args.total_only else " (--total-only times the unsplit preparation)"))
    if args.json:
        print(json.dumps(res))
    else:
        report(res, repeat=args.repeat)


if __name__ == "__main__":
    main()
