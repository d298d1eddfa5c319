"""Shared test fixtures: where the reference material lies, and the slow and integration
switches."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The IIM review's project folder (its data/, analyses/ and results/). Tests refer to the IIM
#: project only through this name.
IIM = REPO / "examples" / "iim2023"
#: ../shared beside the clone (present in CI); tests that need it skip with the reason if absent.
SHARED = REPO.parent / "shared"
RM5_FIXTURE = SHARED / "fixtures" / "revman" / "antibiotics-for-sore-throat.rm5"
#: The analysis defaults that ship inside the package.
PACKAGED_DEFAULTS = REPO / "src" / "reanalyse" / "assets" / "defaults"


def empty_project(tmp_path: Path, *, name: str = "another-review") -> Path:
    """A scratch project with no analyses and no data (the packaged priors and Bayesian
    defaults apply): what a methodologist starts another review from."""
    root = tmp_path / "project"
    (root / "analyses").mkdir(parents=True)
    (root / "reanalyse.toml").write_text(f"[project]\nname = '{name}'\n")
    return root


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the slow MCMC sampling tests")
    parser.addoption("--run-integration", action="store_true", default=False,
                     help="also run the integration tests: whole commands in new processes, "
                     "the README's tour, a Dask cluster, a wheel in a new venv (CI runs them)")


#: marker -> (command-line switch, reason shown when skipped)
_OPT_IN = {
    "slow": ("--run-slow", "slow MCMC test; run with --run-slow"),
    "integration": ("--run-integration",
                    "integration test (new processes); run with --run-integration, as CI does"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for marker, (option, reason) in _OPT_IN.items():
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def rm5_path() -> Path:
    if not RM5_FIXTURE.exists():
        pytest.skip(f"RevMan fixture not found at {RM5_FIXTURE} (../shared/fixtures is absent)")
    return RM5_FIXTURE
