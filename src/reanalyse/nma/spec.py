"""Network meta-analysis specifications: ``analyses/nma/*.toml`` (no code), validated by pydantic.

A specification names the data (sourced rows, and the reconstruction rows of the
``reconstruction`` scenario), the outcome, the measure and reference, the direction of benefit,
the priors (registry ids or inline specs), clinically meaningful thresholds with their sources,
and the agents whose comparison motivates the network. Unknown keys are errors. Format:
``analyses/nma/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from reanalyse.analyses.root import find_root, resolve
from reanalyse.analyses.scenarios import scenario_rows
from reanalyse.analyses.spec import Threshold, load_specs, read_spec, unknown_treatments
from reanalyse.data import StudyTable, load_table
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import analysis_scale, is_ratio, threshold_on_analysis_scale
from reanalyse.nma.model import NMASpec
from reanalyse.nma.network import Network, build_network
from reanalyse.priors import EffectPrior, TauPrior, load_prior

__all__ = ["NMAAnalysis", "Threshold", "load_nma_analyses", "load_nma_analysis"]

_ID = r"^[a-z0-9][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class NMAAnalysis(_Strict):
    """One network meta-analysis of one outcome.

    Attributes
    ----------
    id, title
        Identifier (the file name) and one line for people.
    data, reconstruction_data, scenario
        Outcome tables relative to the project folder, and the default data scenario
        (``sourced`` or ``reconstruction``).
    outcome, timepoint
        Rows to use; no timepoint takes each study's only timepoint for the outcome.
    measure, reference
        Effect measure and reference treatment.
    agents
        The treatments whose comparison motivates the network (reported first).
    treatments, rename
        Keep only these treatments (default all); merge treatment names (a modelling decision).
    higher_is_better
        Direction of benefit on the outcome as stored.
    trt_effects, tau_prior, effect_prior, baseline_sd
        The Bayesian model and its priors (registry ids or inline specs).
    thresholds
        Clinically meaningful values with their sources.
    """

    #: the project folder the specification was read from (its data paths are relative to it)
    _root: Path | None = PrivateAttr(default=None)

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    data: str = Field(min_length=1)
    reconstruction_data: str | None = None
    scenario: Literal["sourced", "reconstruction"] = "sourced"
    outcome: str = Field(min_length=1)
    timepoint: str | None = None
    scale: str | None = None
    measure: Literal["OR", "RR", "MD", "SMD", "RD"]
    reference: str = Field(min_length=1)
    agents: tuple[str, ...] = ()
    treatments: tuple[str, ...] | None = None
    rename: dict[str, str] = Field(default_factory=dict)
    higher_is_better: bool
    trt_effects: Literal["random", "fixed"] = "random"
    tau_prior: str | None = None
    effect_prior: str = Field(min_length=1)
    baseline_sd: float = 100.0
    thresholds: tuple[Threshold, ...] = ()
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> NMAAnalysis:
        if self.trt_effects == "random" and not self.tau_prior:
            raise ValueError("a random-effects analysis needs tau_prior")
        if is_ratio(self.measure) and any(t.value <= 0 for t in self.thresholds):
            raise ValueError(f"thresholds of a {self.measure} must be positive")
        if self.scenario == "reconstruction" and not self.reconstruction_data:
            raise ValueError("scenario 'reconstruction' needs reconstruction_data")
        return self

    @property
    def analysis_scale(self) -> str:
        """``logRR``, ``logOR``, ``MD``, ``SMD`` or ``RD``."""
        return analysis_scale(self.measure)

    def threshold_on_analysis_scale(self, t: Threshold) -> float:
        """A threshold's value on the analysis scale (log for ratios)."""
        return threshold_on_analysis_scale(t.value, measure=self.measure)

    def table(self, *, scenario: str | None = None, root: str | Path | None = None) -> StudyTable:
        """The rows of the chosen scenario as a validated study table."""
        base = Path(root) if root is not None else (self._root or find_root())
        sc = scenario or self.scenario
        paths = [resolve(self.data, base)]
        if sc == "reconstruction":
            if not self.reconstruction_data:
                raise ValueError(f"{self.id}: no reconstruction_data for scenario {sc!r}")
            paths.append(resolve(self.reconstruction_data, base))
        rows = scenario_rows(paths, sc)
        rows = rows.drop(columns=[c for c in ("_file", "_row") if c in rows.columns])
        return load_table(rows, name=f"{self.id} ({sc})")

    def network(self, *, scenario: str | None = None, root: str | Path | None = None) -> Network:
        """The network of this analysis."""
        return build_network(self.table(scenario=scenario, root=root), measure=self.measure,
                             reference=self.reference, outcome=self.outcome,
                             timepoint=self.timepoint, treatments=self.treatments,
                             rename=self.rename or None)

    def priors(self) -> tuple[EffectPrior, TauPrior | None]:
        """The effect and tau priors, checked against the analysis scale."""
        eff = load_prior(self.effect_prior, role="effect", scale=self.analysis_scale)
        tau = (load_prior(self.tau_prior, role="tau", scale=self.analysis_scale)
               if self.tau_prior else None)
        return eff, tau  # type: ignore[return-value]

    def nma_spec(self) -> NMASpec:
        """The Bayesian model of this analysis."""
        eff, tau = self.priors()
        return NMASpec(effect_prior=eff, tau_prior=tau, trt_effects=self.trt_effects,
                       baseline_sd=self.baseline_sd)


def load_nma_analysis(path: str | Path, *, root: str | Path | None = None,
                      check_files: bool = True) -> NMAAnalysis:
    """Read and validate one ``analyses/nma/*.toml`` specification.

    Raises
    ------
    DataValidationError
        Every problem, each naming the file and the key.
    """
    label = str(path)
    spec, problems = read_spec(path, NMAAnalysis, root=root, check_files=check_files)
    if check_files and not problems:
        names = {spec.reference: "reference"} | {a: "agents" for a in spec.agents
                                                 if a != spec.reference}
        problems += unknown_treatments(names, files=[spec.data, spec.reconstruction_data],
                                       label=label, root=Path(root) if root is not None
                                       else find_root(Path(path).parent))
    try:
        spec.priors()
    except DataValidationError as err:
        problems += [Problem(file=label, rule=p.rule, column="priors", message=p.message)
                     for p in err.problems]
    if problems:
        raise DataValidationError(problems)
    spec._root = Path(root) if root is not None else find_root(Path(path).parent)
    return spec


def load_nma_analyses(folder: str | Path = "analyses/nma", *,
                      root: str | Path | None = None) -> list[NMAAnalysis]:
    """Every network specification in ``folder`` (see :func:`reanalyse.analyses.spec.load_specs`)."""
    return load_specs(folder, load=load_nma_analysis, root=root)
