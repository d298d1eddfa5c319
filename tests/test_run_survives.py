"""Runs that survive (issue 15): one run at a time per results folder, Ctrl-C, unwritable
results, a run of named analyses, file modes, an unreachable scheduler.

Each run is a ``reanalyse run --no-mcmc --no-nma`` subprocess on a scratch project holding
copies of three IIM analyses and the IIM data (a few seconds per run); the reference is one
uninterrupted run of the three, made once.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import IIM

NAMES = ["ivig_acr_eular_response", "ivig_disability", "mtx_withdrawals"]
#: the outputs a resumed run must reproduce byte for byte (report.html and provenance.json
#: carry the time of the run)
COMPARED = ("decision.csv", "reproduction.csv")


def make_project(folder: Path, names: list[str] = NAMES) -> Path:
    (folder / "analyses").mkdir(parents=True)
    for name in names:
        shutil.copy(IIM / "analyses" / f"{name}.toml", folder / "analyses")
    shutil.copytree(IIM / "data", folder / "data")
    (folder / "reanalyse.toml").write_text("[project]\nname = 'scratch'\n")
    return folder


def command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "reanalyse", "run", "--no-mcmc", "--no-nma", *extra]


def run(root: Path, *extra: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*extra), cwd=root, capture_output=True, text=True,
                          timeout=600, check=False,
                          preexec_fn=None if umask is None else (lambda: os.umask(umask)))


def outputs(results: Path) -> dict[str, bytes]:
    """Every file of the analyses' folders and the shared tables, by relative path."""
    files = [*results.glob("analyses/*/*"), *(results / n for n in COMPARED)]
    return {str(f.relative_to(results)): f.read_bytes() for f in files if f.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run of the three analyses, under umask 022."""
    root = make_project(tmp_path_factory.mktemp("reference") / "project")
    proc = run(root, umask=0o022)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root, outputs(root / "results"), proc


def test_outputs_follow_the_umask(reference) -> None:
    root, _, _ = reference
    results = root / "results"
    files = [p for p in results.rglob("*") if p.is_file()]
    assert len(files) > 30
    modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert modes == {"0o644"}, modes  # 0666 less 022, as open() makes them (not mkstemp's 0600)
    folders = {oct(stat.S_IMODE(p.stat().st_mode)) for p in results.rglob("*") if p.is_dir()}
    assert folders == {"0o755"}, folders


def test_progress_is_plain_lines_off_a_terminal(reference) -> None:
    _, _, proc = reference
    assert "\r" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("reanalyse run: project ")
    assert "reanalyse: exact engine: 3 tasks" in lines
    assert sum(ln.startswith("reanalyse: writing ") for ln in lines) == 3


def test_first_line_within_a_second(tmp_path) -> None:
    root = make_project(tmp_path / "project", names=NAMES[:1])
    start = time.monotonic()
    proc = subprocess.Popen(command(), cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()
    elapsed = time.monotonic() - start
    proc.kill()
    proc.wait()
    assert first.startswith("reanalyse run: project ")
    assert elapsed < 1.0, elapsed


def test_named_run_keeps_the_other_analyses(reference) -> None:
    root, before, _ = reference
    results = root / "results"
    proc = run(root, "--force", NAMES[1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "analyses=1 recomputed=1" in (results / "run.log").read_text().split("\nrun ")[-1]
    decision = pd.read_csv(results / "decision.csv")
    assert list(decision["analysis"]) == NAMES  # not only the one that ran
    for name in COMPARED:  # the other rows as they were, this one recomputed identically
        assert (results / name).read_bytes() == before[name], name
    report = (results / "report.html").read_text()
    assert all(f'id="analysis-{name}"' in report for name in NAMES)


@pytest.mark.integration
def test_a_second_run_is_refused_or_waits(tmp_path) -> None:
    root = make_project(tmp_path / "project", names=NAMES[:2])
    results = root / "results"
    results.mkdir()
    (results / ".lock").write_text("999999999 2020-01-01T00:00:00+00:00\n")  # a dead run's
    first = subprocess.Popen(command(), cwd=root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (results / ".lock").read_text().startswith(f"{first.pid} "):
        assert time.monotonic() < deadline and first.poll() is None, "the stale lock was kept"
        time.sleep(0.05)
    # the first run is held (stopped, still alive) while it holds the lock, so that the
    # second and third runs meet it however fast it would otherwise finish
    os.kill(first.pid, signal.SIGSTOP)
    waiting = None
    try:
        refused = run(root)
        assert first.poll() is None, "the first run ended before the second was tried"
        assert refused.returncode == 2
        assert refused.stderr.splitlines()[1:] == [
            f"reanalyse: another run (pid {first.pid}, started "
            + (results / ".lock").read_text().split()[1] + f") is writing {results}; wait for "
            "it or run again with --wait"]
        waiting = subprocess.Popen(command("--wait"), cwd=root, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(waiting.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while not any(ln.startswith("reanalyse: waiting for the run") for ln in lines):
            assert time.monotonic() < deadline and waiting.poll() is None, "".join(lines)
            time.sleep(0.05)
    except BaseException:
        if waiting is not None:  # not left running behind a failed test
            waiting.kill()
        raise
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=300) == 0
    assert waiting.wait(timeout=300) == 0, "".join(lines)[-2000:]
    reader.join(timeout=10)
    assert any(ln.startswith(f"reanalyse: waiting for the run (pid {first.pid}")
               for ln in lines), "".join(lines)
    # the runs wrote one after the other: each run's log block is complete before the next
    log = (results / "run.log").read_text()
    blocks = [b for b in log.split("\n") if b.startswith(("run ", "done "))]
    assert [b.split()[0] for b in blocks] == ["run", "done", "run", "done"]
    assert "recomputed=0 unchanged=2" in log.split("\nrun ")[-1]


@pytest.mark.integration
def test_sigint_stops_fast_and_the_rerun_resumes_identically(reference, tmp_path) -> None:
    _, expected, _ = reference
    root = make_project(tmp_path / "project")
    results = root / "results"
    # a new session, signalled as a whole, as a terminal's Ctrl-C signals its process group
    proc = subprocess.Popen(command("--jobs", "2"), cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stderr:  # one analysis written, the others under way in the workers
        seen.append(line)
        if line.startswith("reanalyse: writing 1/3 "):
            break
    assert proc.poll() is None, "".join(seen)
    os.killpg(proc.pid, signal.SIGINT)
    start = time.monotonic()
    rest = proc.stderr.read()
    code = proc.wait(timeout=30)
    elapsed = time.monotonic() - start
    assert code == 130, rest
    assert elapsed < 2.0, elapsed
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert rest.splitlines() == [
        "reanalyse: interrupted; complete results are kept (a rerun resumes from them)"]
    assert list(results.rglob("*.tmp")) == []  # only complete files
    done = {p.parent.name for p in results.glob("analyses/*/record.json")}
    assert 1 <= len(done) < len(NAMES)
    resumed = run(root)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"recomputed={len(NAMES) - len(done)} unchanged={len(done)}" in (
        results / "run.log").read_text()
    got = outputs(results)
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []


def test_unwritable_results_is_one_line_exit_2(tmp_path) -> None:
    root = make_project(tmp_path / "project", names=NAMES[:1])
    (root / "results" / "decision.csv").mkdir(parents=True)  # in the way of the table
    proc = run(root, "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"reanalyse: {root / 'results' / 'decision.csv'}: Is a directory"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_results_is_one_line_exit_2(tmp_path) -> None:
    root = make_project(tmp_path / "project", names=NAMES[:1])
    (root / "results").mkdir()
    (root / "results").chmod(0o555)
    try:
        proc = run(root, "--quiet")
    finally:
        (root / "results").chmod(0o755)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"reanalyse: {root / 'results' / '.lock'}: Permission denied"]


def test_unreachable_scheduler_is_one_line_within_10_s(tmp_path) -> None:
    pytest.importorskip("distributed")
    root = make_project(tmp_path / "project", names=NAMES[:1])
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "reanalyse", "run", "--quiet", "--no-nma",
                           "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"],
                          cwd=root, capture_output=True, text=True, timeout=60, check=False)
    assert time.monotonic() - start < 10
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        ("reanalyse: no Dask scheduler answered at tcp://127.0.0.1:9 within 5 s (start one "
         "with `dask scheduler`, or run with --executor local)")]
    assert not (root / "results").exists()


def _warns(payload: dict) -> dict:
    import warnings

    from scipy.integrate import IntegrationWarning

    warnings.warn("The maximum number of subdivisions (50) has been achieved.",
                  IntegrationWarning, stacklevel=1)
    return {"value": payload["x"]}


def test_task_warnings_come_back_as_notes_not_on_the_terminal(capfd) -> None:
    from reanalyse.pipeline.executor import Job, run_jobs

    [(_job, result)] = list(run_jobs([Job(name="w", fn=_warns, payload={"x": 1})],
                                    progress=False))
    line = _warns.__code__.co_firstlineno + 5  # the warnings.warn call
    assert result == {"value": 1, "warnings": [
        ("IntegrationWarning: The maximum number of subdivisions (50) has been achieved. "
        f"(test_run_survives.py:{line})")]}
    assert capfd.readouterr().err == ""


def test_pipeline_warnings_go_to_the_notes_and_the_log(tmp_path, monkeypatch, capfd) -> None:
    import json

    from reanalyse.pipeline import prepare
    from reanalyse.pipeline.run import run_pipeline

    original = prepare.prepare_analysis

    def noisy(*args, **kwargs):
        _warns({"x": 0})
        return original(*args, **kwargs)

    monkeypatch.setattr(prepare, "prepare_analysis", noisy)
    root = make_project(tmp_path / "project", names=NAMES[:1])
    run_pipeline(root=root, mcmc=False, nma=False, progress=False)
    note = "IntegrationWarning: The maximum number of subdivisions (50) has been achieved."
    log = (root / "results" / "run.log").read_text()
    assert f"warning prepare/{NAMES[0]}: {note}" in log
    prov = json.loads((root / "results" / "provenance.json").read_text())
    assert any(n.startswith(note) for n in prov["analyses"][NAMES[0]]["notes"])
    assert "IntegrationWarning" not in capfd.readouterr().err


def test_a_bar_on_a_terminal_lines_otherwise() -> None:
    import io

    from reanalyse.pipeline.progress import progress_for

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream in (io.StringIO(), Terminal()):
        bar = progress_for(total=2, description="sampling", stream=stream)
        bar.advance("a/default/normal")
        bar.advance("b/default/normal")
        bar.close()
        text = stream.getvalue()
        if isinstance(stream, Terminal):
            assert "\r" in text and "sampling: 100%" in text
        else:
            assert [ln.rsplit(" (", 1)[0] for ln in text.splitlines()] == [
                "reanalyse: sampling: 2 tasks", "reanalyse: sampling 1/2 a/default/normal",
                "reanalyse: sampling 2/2 b/default/normal"]
