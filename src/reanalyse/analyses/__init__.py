"""Analysis specifications (``analyses/*.toml``), data scenarios and the project folder."""

from reanalyse.analyses.root import PROJECT_ENV, find_project, find_root, resolve
from reanalyse.analyses.scenarios import (
    LABELS,
    SCENARIOS,
    SOURCED_LABELS,
    derivation_label,
    provenance_problems,
    read_rows,
    scenario_rows,
    select_scenario,
)
from reanalyse.analyses.spec import (
    AnalysisSpec,
    Comparison,
    Threshold,
    load_analyses,
    load_analysis,
)

__all__ = [
    "LABELS",
    "PROJECT_ENV",
    "SCENARIOS",
    "SOURCED_LABELS",
    "AnalysisSpec",
    "Comparison",
    "Threshold",
    "derivation_label",
    "find_project",
    "find_root",
    "load_analyses",
    "load_analysis",
    "provenance_problems",
    "read_rows",
    "resolve",
    "scenario_rows",
    "select_scenario",
]
