"""README's "A five-minute tour of the CLI", every command run as written (issue 15, item 5).

The tour's shell block is taken from README.md itself and run by bash, command by command, in a
scratch copy of the repository's layout: the example project under ``examples/iim2023`` and
``../shared`` beside it (a link to the real one), so that its relative paths mean what they mean
in a clone. A command that exits non-zero fails the test, naming the command.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import IIM, REPO, SHARED

SECTION = "## A five-minute tour of the CLI"


def tour_commands() -> list[str]:
    """The tour's commands, continuation lines joined, comments and blank lines left out."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    block = text[text.index("```sh\n", start) + 6:]
    block = block[:block.index("```")]
    commands, current = [], ""
    for line in block.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1].rstrip() + " "
            continue
        commands.append(current.strip())
        current = ""
    return commands


def test_the_tour_names_real_commands_only() -> None:
    commands = tour_commands()
    assert commands[0] == "cd examples/iim2023"
    for command in commands:
        head = shlex.split(command, comments=True)[0]
        assert head in ("cd", "reanalyse"), command


@pytest.mark.integration
def test_every_command_of_the_tour_runs_as_written(tmp_path: Path) -> None:
    rm5 = SHARED / "fixtures" / "revman" / "antibiotics-for-sore-throat.rm5"
    if not rm5.exists():
        pytest.skip(f"the tour reads {rm5} (../shared/fixtures is absent)")
    repo = tmp_path / "repo"
    shutil.copytree(IIM, repo / "examples" / "iim2023",
                    ignore=lambda folder, names: [n for n in names if Path(folder).name ==
                                                  "results" and n != "README.md"])
    (tmp_path / "shared").symlink_to(SHARED.resolve(), target_is_directory=True)
    script = ["set -u"]
    for command in tour_commands():
        script.append(command)
        script.append(f"rc=$?; if [ $rc -ne 0 ]; then echo {shlex.quote('tour command failed: ' + command)}"
                      ' "(exit $rc)" >&2; exit 1; fi')
    env = {k: v for k, v in os.environ.items() if k != "REANALYSE_PROJECT"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=1500, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    # what the tour says it makes, where it says
    iim = pd.read_csv(repo / "examples" / "iim2023" / "results" / "decision.csv")
    assert set(iim["analysis"]) == {"ivig_disability", "ivig_acr_eular_response"}
    other = tmp_path / "sorethroat"
    assert (other / "reanalyse.toml").is_file()
    decision = pd.read_csv(other / "results" / "decision.csv").set_index("analysis")
    assert set(decision.index) == {"sorethroat_1_01", "sorethroat_4_01"}
    assert (other / "results" / "report.html").is_file()
    assert not (repo / "data").exists() and not (repo / "analyses").exists()
