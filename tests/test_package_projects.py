"""Cochrane data packages (versions 1 and 2) import as projects, reproduce and run (issue 17).

CD016297 (../shared/fixtures/cochrane-data-package/CD016297-v2.zip): every one of its 84
analyses imports (its forest-plot labels name a class of agents, "Favours Aβ-mAbs", beside the
group "Any Aβ-mAbs", or one agent of it), each with the settings RevMan Web recorded (REML,
HKSJ intervals), and every published result is reproduced at 2 dp. The direction of benefit of
the MMSE analyses comes from their own labels, where the package's study-data.json gives one
direction (NEGATIVE) for the review-level outcome "Cognitive function" that pools ADAS-Cog
(lower better) and MMSE (higher better).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED

PACKAGES = SHARED / "fixtures" / "cochrane-data-package"
V1 = PACKAGES / "fleiss1993-v1.zip"
V2 = PACKAGES / "CD016297-v2.zip"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REANALYSE_PROJECT"}
    return subprocess.run([sys.executable, "-m", "reanalyse", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def _imported(tmp_path: Path, package: Path, name: str) -> Path:
    if not package.exists():
        pytest.skip(f"fixture {package} is absent (../shared/fixtures)")
    assert cli(tmp_path, "init", name).returncode == 0
    root = tmp_path / name
    done = cli(root, "revman", str(package), "--import", name, "--json")
    assert done.returncode == 0, done.stderr
    return root


def test_v2_every_analysis_imports_reproduces_and_runs(tmp_path: Path) -> None:
    root = _imported(tmp_path, V2, "cd016297")
    specs = {p.stem: tomllib.loads(p.read_text(encoding="utf-8"))
             for p in (root / "analyses").glob("cd016297_*.toml")}
    assert len(specs) == 84
    # analysis 1.1: SMD, REML, HKSJ as RevMan Web recorded it (the package's overall estimates)
    first = specs["cd016297_1_01"]
    assert (first["measure"], first["model"], first["tau2"], first.get("hksj")) == \
        ("SMD", "random", "REML", True)
    # MMSE: higher is better; its labels put placebo on the left
    mmse = [s for s in specs.values() if "MMSE" in s["title"]]
    assert mmse and all(s["higher_is_better"] for s in mmse)
    assert all(s["favours"][0] == "Favours placebo" for s in mmse)
    assert any("contradict the package's study-data.json" in s["notes"] for s in mmse)
    done = cli(root, "reproduce", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]
    assert rows and {r["status"] for r in rows} == {"reproduced"}
    # 1.1 as published: SMD -0.11 (-0.16 to -0.06) (issue 17's CD016297 numbers)
    one = next(r for r in rows if r["id"] == "cd016297_1_01")
    assert (round(one["ours"]["estimate"], 2), round(one["ours"]["ci_low"], 2),
            round(one["ours"]["ci_high"], 2)) == (-0.11, -0.16, -0.06)
    done = cli(root, "run", "cd016297_1_01", "cd016297_13_01", "--no-mcmc", "--no-nma",
               "--quiet")
    assert done.returncode == 0, done.stderr
    decision = pd.read_csv(root / "results" / "decision.csv").set_index("analysis")
    assert decision.loc["cd016297_1_01", "reproduction_status"] == "reproduced"
    assert (root / "results" / "report.html").is_file()


def test_v1_package_imports_reproduces_and_runs(tmp_path: Path) -> None:
    root = _imported(tmp_path, V1, "fleiss")
    assert list((root / "analyses").glob("fleiss_*.toml"))
    done = cli(root, "reproduce", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]
    assert rows and {r["status"] for r in rows} == {"reproduced"}
    done = cli(root, "run", "--no-mcmc", "--no-nma", "--quiet")
    assert done.returncode == 0, done.stderr
    assert (root / "results" / "report.html").is_file()
