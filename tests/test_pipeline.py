"""The one-command pipeline: outputs, caching, resumption after SIGKILL, bad input, Dask, report.

Each test runs on a temporary project root holding copies of this repository's own analyses,
data, priors and defaults (so the tests never write into the working tree), with the MCMC
settings shrunk where sampling is part of the test.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from reanalyse.errors import DataValidationError
from reanalyse.exact import fit_exact
from reanalyse.pipeline.run import run_pipeline
from reanalyse.priors import load_prior
from tests.conftest import IIM, PACKAGED_DEFAULTS

CHEAP = ["ivig_acr_eular_response", "ivig_disability"]


def make_root(tmp_path: Path, *, analyses: list[str], draws: int = 300) -> Path:
    root = tmp_path / "project"
    (root / "analyses" / "defaults").mkdir(parents=True)
    for name in analyses:
        shutil.copy(IIM / "analyses" / f"{name}.toml", root / "analyses")
    text = (PACKAGED_DEFAULTS / "bayes.toml").read_text()
    text = re.sub(r"draws = \d+", f"draws = {draws}", text)
    text = re.sub(r"tune = \d+", f"tune = {draws}", text)
    (root / "analyses" / "defaults" / "bayes.toml").write_text(text)
    shutil.copytree(IIM / "data", root / "data")
    (root / "reanalyse.toml").write_text("[project]\nname = 'scratch'\n")
    return root


def log_lines(results: Path, prefix: str) -> list[str]:
    runs = (results / "run.log").read_text().split("\nrun ")
    return [ln for ln in runs[-1].splitlines() if ln.startswith(prefix)]


@pytest.fixture(scope="module")
def exact_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exact")
    root = make_root(tmp, analyses=CHEAP)
    summary = run_pipeline(root=root, results_dir=root / "results", mcmc=False, nma=False,
                           progress=False)
    return root, summary


def test_outputs_exist_and_decision_matches_engines(exact_run) -> None:
    root, _summary = exact_run
    res = root / "results"
    assert (res / "report.html").is_file() and (res / "decision.csv").is_file()
    assert (res / "reproduction.csv").is_file() and (res / "provenance.json").is_file()
    for name in CHEAP:
        folder = res / "analyses" / name
        for f in ("frequentist.json", "summary.csv", "grid.nc", "grid.csv", "forest.png",
                  "forest.svg", "tau.png", "tau.svg", "sensitivity.png", "sensitivity.svg"):
            assert (folder / f).is_file(), f
    dec = pd.read_csv(res / "decision.csv").set_index("analysis")
    acr = dec.loc["ivig_acr_eular_response"]
    # the review's published RR 1.80 (1.26 to 2.56), reproduced by MH fixed from 37/47 vs 21/48
    assert (acr["published_estimate"], acr["published_ci_low"], acr["published_ci_high"]) == (
        1.80, 1.26, 2.56)
    assert acr["freq_estimate"] == pytest.approx((37 / 47) / (21 / 48), rel=1e-12)
    # Bayesian headline (issue 14): like-for-like with the review's MH fixed-effect model, a
    # common-effect posterior under N(0, 2.82^2) on log RR (Günhan et al. 2020), k = 1
    y = math.log((37 / 47) / (21 / 48))
    se = math.sqrt(1 / 37 - 1 / 47 + 1 / 21 - 1 / 48)
    post = fit_exact(y=[y], se=[se], tau_fixed=0.0, mu_prior_mean=0.0, mu_prior_sd=2.82)
    assert acr["like_for_like_median"] == pytest.approx(math.exp(post.quantile("mu", 0.5)),
                                                        rel=1e-9)
    assert acr["p_benefit"] == pytest.approx(post.p_greater("mu", 0.0), rel=1e-9)
    assert acr["p_meaningful"] == pytest.approx(post.p_greater("mu", math.log(1.25)), rel=1e-9)
    assert acr["agrees"]
    assert acr["threshold"] == 1.25 and acr["reproduction_status"] == "reproduced"
    assert acr["review_reading"] == "benefit"


def test_decision_bayes_factors_are_the_savage_dickey_ratios(exact_run) -> None:
    from scipy import stats

    root, _ = exact_run
    acr = pd.read_csv(root / "results" / "decision.csv").set_index("analysis").loc[
        "ivig_acr_eular_response"]
    y = math.log((37 / 47) / (21 / 48))
    se = math.sqrt(1 / 37 - 1 / 47 + 1 / 21 - 1 / 48)
    post = fit_exact(y=[y], se=[se], tau_prior=load_prior("half-normal-0.5", role="tau",
                                                          scale="logRR"),
                     mu_prior_mean=0.0, mu_prior_sd=2.82)
    # BF01 for mu = 0: posterior over prior density of mu at 0 (Savage-Dickey); the default
    # effect prior is N(0, 2.82^2) since issue 14 (Günhan et al. 2020)
    want = post.pdf("mu", 0.0) / stats.norm.pdf(0.0, 0.0, 2.82)
    assert acr["bf01_mu0"] == pytest.approx(want, rel=1e-7)
    assert 0 < acr["min_bf01_mu0"] < acr["bf01_mu0"]
    report = (root / "results" / "report.html").read_text()
    assert "Bayes factors (exact engine, default priors" in report


def test_grid_has_named_dims_and_both_scenarios(exact_run) -> None:
    import xarray as xr

    root, _ = exact_run
    grid = xr.open_dataset(root / "results" / "analyses" / "ivig_disability" / "grid.nc")
    assert grid["p_meaningful"].dims == ("tau_prior", "effect_prior", "likelihood", "scenario")
    assert list(grid["scenario"].values) == ["sourced", "reconstruction"]
    assert "half-normal-0.5" in list(grid["tau_prior"].values)
    # the normal-likelihood cells are filled in both scenarios; the binomial ones are not (SMD)
    assert grid["p_meaningful"].sel(likelihood="normal").notnull().all()
    assert grid["p_meaningful"].sel(likelihood="binomial").isnull().all()
    grid.close()


def test_unchanged_rerun_recomputes_nothing(exact_run) -> None:
    root, _ = exact_run
    res = root / "results"
    before = (res / "decision.csv").read_text()
    t0 = time.perf_counter()
    summary = run_pipeline(root=root, results_dir=res, mcmc=False, nma=False, progress=False)
    assert summary.sampled == []
    assert len(log_lines(res, "unchanged ")) == len(CHEAP)
    assert (res / "decision.csv").read_text() == before
    assert time.perf_counter() - t0 < 60


def test_other_code_recomputes_what_it_wrote(tmp_path, monkeypatch) -> None:
    """Results written by another version of the package are not reused: the analyses' keys
    hold a digest of the package source (here replaced by another value)."""
    import reanalyse.pipeline.run as run_module

    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"])
    res = root / "results"
    run_pipeline(root=root, results_dir=res, mcmc=False, nma=False, progress=False)
    run_pipeline(root=root, results_dir=res, mcmc=False, nma=False, progress=False)
    assert len(log_lines(res, "unchanged ")) == 1
    monkeypatch.setattr(run_module, "code_digest", lambda *parts: "other code")
    run_pipeline(root=root, results_dir=res, mcmc=False, nma=False, progress=False)
    assert log_lines(res, "unchanged ") == []
    assert "recomputed=1 unchanged=0" in (res / "run.log").read_text().split("\nrun ")[-1]


def test_bad_input_writes_nothing(tmp_path) -> None:
    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"])
    outcomes = root / "data" / "iim2023" / "outcomes.csv"
    frame = pd.read_csv(outcomes, dtype=str, keep_default_na=False)
    frame.loc[frame.index[0], "events"] = "many"
    frame.to_csv(outcomes, index=False)
    with pytest.raises(DataValidationError) as info:
        run_pipeline(root=root, results_dir=root / "results", mcmc=False, nma=False,
                     progress=False)
    assert any(p.column == "events" and p.row == 2 for p in info.value.problems)
    assert not (root / "results").exists()


def test_cli_bad_input_exit_2_no_traceback(tmp_path) -> None:
    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"])
    (root / "analyses" / "ivig_acr_eular_response.toml").write_text(
        (root / "analyses" / "ivig_acr_eular_response.toml").read_text() + "\nbogus = 1\n")
    proc = subprocess.run([sys.executable, "-m", "reanalyse", "run", "--no-mcmc", "--no-nma",
                           "--quiet"], check=False, cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "bogus" in proc.stderr and "unknown key" in proc.stderr
    assert not (root / "results").exists()


def _run_cmd(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reanalyse", "run", "--quiet", "--no-nma",
            "--results", str(root / "results"), *extra]


@pytest.mark.integration
def test_sigkill_part_way_then_rerun_completes_identically(tmp_path) -> None:
    # the exact-engine layer only (sampling resumes through the same cache; see the next test)
    names = ["ivig_acr_eular_response", "ivig_disability", "mtx_jdm_printo_20",
             "mtx_withdrawals"]
    root = make_root(tmp_path, analyses=names)
    res = root / "results"
    cmd = _run_cmd(root, "--no-mcmc", *names)
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if any((res / "analyses").glob("*/record.json")):
            break  # one analysis is complete: kill in the middle of the others
        time.sleep(0.05)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert killed, "the run finished before it could be killed"
    done_before = {p.parent.name for p in (res / "analyses").glob("*/record.json")}
    assert 0 < len(done_before) < len(names)
    assert not (res / "decision.csv").exists()
    rerun = subprocess.run(cmd, check=False, cwd=root, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert {ln.split()[1] for ln in log_lines(res, "unchanged ")} == done_before
    # temporary files of the killed run are cleared; no half-written file has a final name
    assert list(res.rglob("*.tmp")) == []
    # an uninterrupted run elsewhere gives identical results
    clean = make_root(tmp_path / "clean", analyses=names)
    run_pipeline(root=clean, results_dir=clean / "results", mcmc=False, nma=False,
                 progress=False)
    assert (clean / "results" / "decision.csv").read_text() == (res / "decision.csv").read_text()
    for name in names:
        for f in ("grid.csv", "frequentist.json", "summary.csv"):
            assert (clean / "results" / "analyses" / name / f).read_bytes() == \
                (res / "analyses" / name / f).read_bytes()


def test_rerun_after_mcmc_samples_nothing(tmp_path) -> None:
    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"], draws=200)
    res = root / "results"
    first = run_pipeline(root=root, results_dir=res, nma=False, progress=False)
    assert first.sampled, "the first run samples"
    folder = res / "analyses" / "ivig_acr_eular_response"
    assert (folder / "posterior_default_normal.nc").is_file()
    assert (folder / "posterior_default_binomial.nc").is_file()
    sens = pd.read_csv(folder / "power_scaling.csv")
    assert set(sens["parameter"]) == {"mu", "tau"} and sens["prior"].notna().all()
    # the decision table carries the MCMC (binomial) fit's diagnosis of mu in its mcmc_ group
    # (issue 14: prior_sensitivity is now the like-for-like reading's)
    mu = sens[(sens["parameter"] == "mu") & (sens["fit"] == "default/binomial")].iloc[0]
    row = pd.read_csv(res / "decision.csv").iloc[0]
    expected = "ok" if mu["diagnosis"] == "\u2713" else mu["diagnosis"].removeprefix("potential ")
    assert row["mcmc_prior_sensitivity"].startswith(expected)
    second = run_pipeline(root=root, results_dir=res, nma=False, progress=False)
    assert second.sampled == []
    assert log_lines(res, "sampled ") == []
    # change one binomial-grid tau prior of the logRR scale: only its job is sampled again
    defaults = root / "analyses" / "defaults" / "bayes.toml"
    old = 'binomial_grid_tau = ["half-normal-1.0", "bartos-logrr-neuromuscular-tau"]'
    assert old in defaults.read_text()
    defaults.write_text(defaults.read_text().replace(old, old.replace("half-normal-1.0",
                                                                      "half-cauchy-0.5")))
    third = run_pipeline(root=root, results_dir=res, nma=False, progress=False)
    assert third.sampled == ["ivig_acr_eular_response/grid/binomial/half-cauchy-0.5"]
    assert len(third.cached) == len(first.sampled) - 1


@pytest.mark.integration
def test_dask_executor_on_a_local_cluster(tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    root = make_root(tmp_path, analyses=["ivig_disability"], draws=200)  # one model: normal
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        summary = run_pipeline(root=root, results_dir=root / "results_dask", nma=False,
                               executor="dask", scheduler=cluster.scheduler_address,
                               progress=False)
    local = run_pipeline(root=root, results_dir=root / "results_local", nma=False,
                         progress=False)
    assert summary.sampled == local.sampled == ["ivig_disability/default/normal"]
    a = pd.read_csv(root / "results_dask" / "decision.csv")
    b = pd.read_csv(root / "results_local" / "decision.csv")
    pd.testing.assert_frame_equal(a, b)


def test_report_in_headless_chromium(exact_run, tmp_path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian package 'chromium'; .ci/run "
                    "installs it)")
    root, _ = exact_run
    report = root / "results" / "report.html"
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'chrome'}", "--dump-dom",
         report.as_uri()], check=False, capture_output=True, text=True, timeout=180)
    dom = proc.stdout
    assert 'id="decision-table"' in dom
    assert 'id="reproduction-table"' in dom
    pngs = sorted((root / "results" / "analyses").rglob("*.png"))
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', dom)
    assert len(images) == len(pngs) == 3 * len(CHEAP)
    for _, data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    # self-contained: no resource is fetched (citations may mention URLs in text)
    assert not re.search(r'(src|href)="(https?:)?//', dom)
    assert "<link" not in dom and "<script" not in dom


def test_report_escapes_strings_from_data(tmp_path) -> None:
    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"])
    spec = root / "analyses" / "ivig_acr_eular_response.toml"
    spec.write_text(spec.read_text().replace('title = "', 'title = "<script>alert(1)</script> '))
    run_pipeline(root=root, results_dir=root / "results", mcmc=False, nma=False, progress=False)
    page = (root / "results" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    prov = json.loads((root / "results" / "provenance.json").read_text())
    assert "ivig_acr_eular_response" in prov["analyses"]


def _pid_job(payload):  # module level: picklable for the worker processes
    return {"pid": os.getpid(), "value": payload["value"] * 2}


def test_jobs_of_a_group_share_a_local_worker() -> None:
    from reanalyse.pipeline.executor import Job, run_jobs

    jobs = [Job(name=f"{g}{i}", fn=_pid_job, payload={"value": i}, group=g)
            for g in ("a", "b") for i in range(3)]
    done = {job.name: res for job, res in run_jobs(jobs, n_jobs=2, progress=False)}
    assert {n: r["value"] for n, r in done.items()} == {
        "a0": 0, "a1": 2, "a2": 4, "b0": 0, "b1": 2, "b2": 4}
    pids_a = {done[f"a{i}"]["pid"] for i in range(3)}
    pids_b = {done[f"b{i}"]["pid"] for i in range(3)}
    assert len(pids_a) == 1 and len(pids_b) == 1 and pids_a != pids_b
    assert os.getpid() not in pids_a | pids_b


def _slow_pid_job(payload):
    import time

    time.sleep(payload["seconds"])
    return {"pid": os.getpid(), "value": payload["value"]}


def test_a_free_lane_shares_a_long_group_once_its_first_job_is_done() -> None:
    """A group of 12 jobs and a group of 1 on two lanes: the lane done with the short group
    takes part of the long one (after its first job), so both lanes run it and every job runs
    exactly once; the same lanes then serve a second phase without new processes."""
    from reanalyse.pipeline.executor import STEAL_AT, Job, Lanes, run_jobs

    long = [Job(name=f"long{i}", fn=_slow_pid_job, payload={"seconds": 0.2, "value": i},
                group="long") for i in range(12)]
    short = [Job(name="short", fn=_slow_pid_job, payload={"seconds": 0.0, "value": -1},
                 group="short")]
    assert len(long) >= 2 * STEAL_AT
    with Lanes(2) as lanes:
        done = list(run_jobs(long + short, n_jobs=2, progress=False, lanes=lanes))
        again = list(run_jobs(short * 2, n_jobs=2, progress=False, lanes=lanes))
    assert sorted(job.name for job, _ in done) == sorted(job.name for job in long + short)
    assert sorted(res["value"] for _, res in done) == list(range(-1, 12))
    pids = {res["pid"] for job, res in done if job.group == "long"}
    assert len(pids) == 2 and os.getpid() not in pids
    # the first job of the long group ran before any other lane took a share of it
    order = [job.name for job, _ in done]
    assert order.index("long0") < min(order.index(f"long{i}") for i in range(6, 12))
    assert {res["pid"] for _, res in again} <= {res["pid"] for _, res in done}


def test_network_job_writes_league_ranks_and_figures(tmp_path) -> None:
    import io

    from reanalyse.nma.spec import load_nma_analyses
    from reanalyse.pipeline.defaults import load_defaults
    from reanalyse.pipeline.jobs import nma_job

    root = make_root(tmp_path, analyses=[], draws=300)
    shutil.copytree(IIM / "analyses" / "nma", root / "analyses" / "nma")
    defaults = load_defaults(root / "analyses" / "defaults" / "bayes.toml")
    spec = load_nma_analyses(root / "analyses" / "nma", root=root)[0]
    job = nma_job(spec, root=root, defaults=defaults, scenario="sourced")
    out = job.fn(job.payload)
    files = out["files"]
    league = pd.read_csv(io.BytesIO(files["league.csv"]))
    treatments = set(league["treatment"]) | set(league["comparator"])
    assert "placebo" in treatments and {"IVIg", "methotrexate"} <= treatments
    n = len(treatments)
    assert len(league) == n * (n - 1)  # every ordered pair, row versus column
    # each pair appears in both orientations with opposite effects
    fwd = league.set_index(["treatment", "comparator"])["median"]
    for (a, b), m in fwd.items():
        assert fwd[(b, a)] == pytest.approx(-m, abs=1e-12)
    ranks = pd.read_csv(io.BytesIO(files["rank_probabilities.csv"]), index_col=0)
    assert ranks.sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-12)
    assert ranks.sum(axis=0).to_numpy() == pytest.approx(1.0, abs=1e-12)
    for stem in ("network", "rankogram"):
        assert files[f"{stem}.png"][:8] == b"\x89PNG\r\n\x1a\n"
    # the loops of this network lie inside one four-arm trial: no UME or node-split is fitted
    assert any(line.startswith("The network has no closed loop of independent evidence: "
                               "consistency cannot be checked") for line in out["text"])
    assert "nodesplits.csv" not in files and "consistency_models.csv" not in files
    assert {"max_rhat", "min_ess_bulk", "divergences", "status"} <= set(out["diagnostics"])


def test_flagged_mcmc_cells_are_marked_in_grid_and_report(tmp_path) -> None:
    from reanalyse.analyses import load_analysis
    from reanalyse.pipeline.defaults import load_defaults
    from reanalyse.pipeline.prepare import prepare_analysis
    from reanalyse.pipeline.run import grid_dataset
    from reanalyse.report.html import analysis_section

    root = make_root(tmp_path, analyses=["ivig_acr_eular_response"])
    spec = load_analysis(root / "analyses" / "ivig_acr_eular_response.toml", root=root)
    prep = prepare_analysis(spec, defaults=load_defaults(root / "analyses" / "defaults" /
                                                         "bayes.toml"), root=root)
    cell = dict.fromkeys(["mu_median", "mu_q025", "mu_q975", "theta_new_median",
                          "theta_new_q025", "theta_new_q975", "tau_median", "p_benefit",
                          "p_meaningful", "p_new_benefit"], 0.5)
    fake = {"ivig_acr_eular_response/grid/binomial/half-normal-1.0": {"grid": [{
        "key": ["half-normal-1.0", "vague-normal-10", "binomial", "sourced"],
        "values": {**cell, "mcmc_flagged": 1.0}}]}}
    grid = grid_dataset(prep, fake)
    flag = grid["mcmc_flagged"]
    assert float(flag.sel(tau_prior="half-normal-1.0", effect_prior="vague-normal-10",
                          likelihood="binomial", scenario="sourced")) == 1.0
    assert flag.sel(likelihood="normal").isnull().all()  # exact cells: not MCMC
    html = analysis_section(root, prep, pd.Series({"bayes_median": float("nan")}),
                            flagged=["grid/binomial/half-normal-1.0: 2 divergent transition(s)"])
    assert "Flagged MCMC fit" in html and "half-normal-1.0: 2 divergent" in html
