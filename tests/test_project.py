"""A review is a project in a folder of its own, found by its reanalyse.toml (issue 15, item 1).

`reanalyse init` makes one anywhere; every command finds it from the working folder upward or
takes `--project DIR`; without one a command says how to make one, in one line, with exit 2;
`revman --import` writes into the project it is given and nowhere else; reanalyse.toml's
[defaults.*] override the packaged defaults key by key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reanalyse.errors import DataValidationError
from reanalyse.pipeline.defaults import project_defaults
from reanalyse.project import init_project, read_project
from tests.conftest import REPO, RM5_FIXTURE
from tests.test_readme_walkthrough import walkthrough_files


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``reanalyse ARGS`` as a user types it in ``cwd`` (no project named by the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "REANALYSE_PROJECT"}
    return subprocess.run([sys.executable, "-m", "reanalyse", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_init_then_reproduce_and_run_in_a_folder_outside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "reviews" / "printo"
    assert not root.resolve().is_relative_to(REPO)
    made = cli(tmp_path, "init", "reviews/printo", "--title", "Methotrexate in JDM")
    assert made.returncode == 0, made.stderr
    for folder in ("data", "analyses", "priors", "results"):
        assert (root / folder).is_dir()
    project = read_project(root)
    assert (project.name, project.title) == ("printo", "Methotrexate in JDM")
    for rel, content in walkthrough_files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    # found from a folder below the project's, by its reanalyse.toml
    done = cli(root / "data" / "printo", "reproduce", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["results"]
    assert row["id"] == "printo_mtx" and row["status"] == "reproduced"
    # Ruperto 2016, 33/46 vs 24/47: MH RR 1.405 (1.006 to 1.961), worked in iim-trials.md
    assert round(row["ours"]["estimate"], 3) == 1.405
    done = cli(root / "analyses", "run", "--no-mcmc", "--no-nma", "--quiet")
    assert done.returncode == 0, done.stderr
    decision = pd.read_csv(root / "results" / "decision.csv").set_index("analysis")
    assert decision.loc["printo_mtx", "freq_estimate"] == pytest.approx(33 / 46 / (24 / 47))
    assert (root / "results" / "report.html").is_file()
    # named from elsewhere, before or after the command
    for args in (("--project", str(root), "reproduce"), ("reproduce", "--project", str(root))):
        done = cli(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert "printo_mtx" in done.stdout and "reproduced" in done.stdout


def test_a_command_outside_any_project_says_how_to_make_one(tmp_path: Path) -> None:
    for args in (("run",), ("reproduce",)):
        done = cli(tmp_path, *args)
        assert done.returncode == 2
        line = _one_line(done.stderr)
        assert "no reanalyse.toml" in line and "reanalyse init DIR" in line
    assert not (tmp_path / "results").exists()
    done = cli(tmp_path, "run", "--project", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "is not a reanalyse project" in _one_line(done.stderr)


def test_init_refuses_an_existing_project_and_a_bad_name(tmp_path: Path) -> None:
    assert cli(tmp_path, "init", "a").returncode == 0
    before = (tmp_path / "a" / "reanalyse.toml").read_bytes()
    again = cli(tmp_path, "init", "a")
    assert again.returncode == 2 and "already a reanalyse project" in again.stderr
    assert (tmp_path / "a" / "reanalyse.toml").read_bytes() == before
    bad = cli(tmp_path, "init", "b", "--name", "9 lives")
    assert bad.returncode == 2 and "is not a project name" in bad.stderr
    assert not (tmp_path / "b").exists()


def test_reanalyse_toml_defaults_override_the_packaged_ones_key_by_key(tmp_path: Path) -> None:
    root = init_project(path=tmp_path / "p").root
    packaged = project_defaults(root=root)
    assert packaged.sampler.draws == 1000  # src/reanalyse/assets/defaults/bayes.toml
    (root / "reanalyse.toml").write_text(
        '[project]\nname = "p"\n\n[defaults.bayes.sampler]\ndraws = 2000\n\n'
        '[defaults.bayes.scale.logRR]\ndefault_tau = "half-normal-1.0"\n')
    own = project_defaults(root=root)
    assert own.sampler.draws == 2000 and own.sampler.tune == packaged.sampler.tune
    assert own.for_scale("logRR").default_tau == "half-normal-1.0"
    assert own.for_scale("logRR").grid_tau == packaged.for_scale("logRR").grid_tau
    (root / "reanalyse.toml").write_text(
        '[project]\nname = "p"\nowner = "me"\n[defaults.bayes.sampler]\ndraws = -1\n'
        '[defaults.prior]\nx = 1\n')
    with pytest.raises(DataValidationError) as err:
        project_defaults(root=root)
    cols = {p.column for p in err.value.problems}
    assert {"project.owner", "defaults.prior"} <= cols
    (root / "reanalyse.toml").write_text('[project]\nname = "p"\n[defaults.bayes.sampler]\n'
                                         'draws = -1\n')
    with pytest.raises(DataValidationError) as err:
        project_defaults(root=root)
    (problem,) = err.value.problems
    assert problem.column == "sampler.draws" and "reanalyse.toml" in problem.file


def test_revman_import_writes_into_the_project_it_is_given(tmp_path: Path) -> None:
    if not RM5_FIXTURE.exists():
        pytest.skip(f"RevMan fixture not found at {RM5_FIXTURE} (../shared/fixtures is absent)")
    root = init_project(path=tmp_path / "sorethroat").root
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = cli(elsewhere, "revman", str(RM5_FIXTURE), "--import", "sorethroat")
    assert outside.returncode == 2 and "reanalyse init DIR" in _one_line(outside.stderr)
    done = cli(elsewhere, "revman", str(RM5_FIXTURE), "--import", "sorethroat",
               "--project", str(root), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["project"] == str(root)
    assert (root / "data" / "sorethroat" / "outcomes.csv").is_file()
    assert list((root / "analyses").glob("sorethroat_*.toml"))
    assert not any(elsewhere.iterdir())  # nothing written where the command was typed
