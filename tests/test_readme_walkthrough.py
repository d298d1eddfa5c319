"""README's "Your own review, from a CSV" section, run as written in a scratch project.

The section's three files are taken from README.md itself (the path in backticks before each
fenced block), so an edit that breaks the walkthrough fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import IIM, REPO, empty_project

SECTION = "## Your own review, from a CSV"
BLOCK = re.compile(r"`((?:data|analyses)/[^`]+)`:.*?```\w*\n(.*?)```", re.DOTALL)


def walkthrough_files() -> dict[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start:text.index("\n## ", start + len(SECTION))]
    return dict(BLOCK.findall(section))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = empty_project(tmp_path, name="printo")
    for rel, content in walkthrough_files().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    return root


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REANALYSE_PROJECT": str(root)}
    return subprocess.run([sys.executable, "-m", "reanalyse", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_readme_names_the_three_files() -> None:
    assert set(walkthrough_files()) == {"data/printo/outcomes.csv", "data/printo/published.csv",
                                        "analyses/printo_mtx.toml"}


def test_walkthrough_reproduces_and_runs(project: Path) -> None:
    done = cli(project, "reproduce", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["results"]
    assert row["id"] == "printo_mtx" and row["status"] == "reproduced"
    # Ruperto 2016, 33/46 vs 24/47: MH RR 1.405 (1.006 to 1.961), worked in iim-trials.md
    ours = row["ours"]
    assert (round(ours["estimate"], 3), round(ours["ci_low"], 3), round(ours["ci_high"], 3)) \
        == (1.405, 1.006, 1.961)
    done = cli(project, "run", "printo_mtx", "--no-mcmc", "--no-nma", "--quiet")
    assert done.returncode == 0, done.stderr
    decision = pd.read_csv(project / "results" / "decision.csv").set_index("analysis")
    assert decision.loc["printo_mtx", "reproduction_status"] == "reproduced"
    assert decision.loc["printo_mtx", "freq_estimate"] == pytest.approx(33 / 46 / (24 / 47))
    assert (project / "results" / "report.html").is_file()


def test_bad_published_numbers_are_listed_with_exit_2(project: Path) -> None:
    pub = project / "data" / "printo" / "published.csv"
    pub.write_text(pub.read_text().replace("1.01,1.96,1,", "1.01,high,1.5,"))
    done = cli(project, "reproduce")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "row 2, column 'ci_high'" in done.stderr and "got 'high'" in done.stderr
    assert "row 2, column 'studies'" in done.stderr and "whole number" in done.stderr


def test_a_misspelt_treatment_is_refused_not_pooled_as_no_data(project: Path) -> None:
    spec = project / "analyses" / "printo_mtx.toml"
    spec.write_text(spec.read_text().replace('treatment = "methotrexate"',
                                             'treatment = "methotrexat"'))
    done = cli(project, "run", "--no-mcmc", "--no-nma", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "column 'treatment': [unknown treatment] 'methotrexat' appears in no row of " \
           "data/printo/outcomes.csv (treatments there: methotrexate, prednisone)" in done.stderr
    assert not (project / "results").exists()


def test_a_network_naming_an_absent_agent_is_refused(project: Path) -> None:
    (project / "analyses" / "nma").mkdir()
    text = (IIM / "analyses" / "nma" / "withdrawals.toml").read_text()
    text = text.replace('data = "data/iim2023/outcomes.csv"', 'data = "data/printo/outcomes.csv"')
    text = text.replace('reconstruction_data = "data/iim2023/reconstruction.csv"\n', "")
    (project / "analyses" / "nma" / "withdrawals.toml").write_text(text)
    done = cli(project, "run", "--no-mcmc", "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for name, key in (("placebo", "reference"), ("IVIg", "agents"), ("azathioprine", "agents")):
        assert f"column '{key}': [unknown treatment] '{name}' appears in no row" in done.stderr
    assert "'methotrexate' appears in no row" not in done.stderr  # it is in the file


def test_the_tours_first_pooling_command_runs_and_gives_the_reviews_result() -> None:
    """The README tour's first `reanalyse pool` line, as written, on the IIM data: the review's
    IVIg ACR/EULAR response, RR 1.80 (1.26 to 2.56), fixed-effect MH (data/iim2023/published.csv,
    row ivig_acr_eular_response; Raaphorst et al. 2023, Main results)."""
    import shlex

    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("reanalyse pool data/iim2023/outcomes.csv")
    command = text[start:text.index("\n", text.index("--treatment", start))]
    argv = shlex.split(command.replace("\\\n", " "))
    cli = Path(sys.executable).parent / "reanalyse"
    run = subprocess.run([str(cli), *argv[1:]], cwd=IIM, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert "Total (1 study): 1.80 [1.26, 2.56]" in run.stdout
