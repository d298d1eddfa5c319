"""Analysis specifications: one TOML file per analysis under ``analyses/``, validated by pydantic.

A specification names its data, the comparison, the measure and the method and model the review
used, the direction of benefit, and the clinically meaningful thresholds with their sources. Unknown
keys are errors; every problem is reported with the file and the key
(:class:`reanalyse.errors.DataValidationError`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reanalyse.analyses.root import find_root, resolve
from reanalyse.direction import orientation_of
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import analysis_scale, is_ratio

__all__ = ["AnalysisSpec", "Comparison", "Threshold", "load_analyses", "load_analysis",
           "read_spec"]

_ID = r"^[a-z0-9][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Threshold(_Strict):
    """A clinically meaningful value of the effect, on the measure's natural scale."""

    value: float
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)
    provisional: bool = False


class Comparison(_Strict):
    """A further pair of arms pooled as its own comparison (factorial or multi-arm trials)."""

    treatment: str = Field(min_length=1)
    control: str = Field(min_length=1)


class AnalysisSpec(_Strict):
    """One analysis: what to pool, how, and what counts as a meaningful effect.

    Attributes
    ----------
    id
        Identifier; equals the file name without ``.toml``.
    data, reconstruction_data
        Outcome tables, relative to the project folder: the sourced rows, and the imputed and
        back-solved rows that the ``reconstruction`` scenario adds.
    outcome, timepoint
        Rows to pool; no timepoint pools each study's only timepoint for the outcome.
    treatment, control, comparisons
        The comparison; ``comparisons`` adds further arm pairs, each pooled as a separate
        comparison (as reviews do with factorial trials).
    measure, method, model, tau2, tau_scale
        The effect measure, the pooling method and model of the review, the tau^2 estimator,
        and the scale on which a heterogeneity prior is put.
    higher_is_better
        Direction of benefit on the outcome's scale as stored in the data.
    reverse_scale
        The review reported the effect with the sign reversed (MD/SMD), so that a positive value
        favours the treatment on a scale where lower is better.
    favours
        The review's forest-plot labels, left then right, in the review's orientation (an
        imported RevMan outcome keeps its ``GRAPH_LABEL_1`` / ``GRAPH_LABEL_2``); by default
        ``Favours <treatment>`` / ``Favours <control>`` on the sides the direction of benefit
        gives (:func:`reanalyse.direction.orientation_of`).
    published, review_studies
        The id of the review's result in ``published.csv`` and the studies (or per-comparison
        units, ``Study (treatment vs control)``) the review pooled, as far as known.
    thresholds
        Clinically meaningful values with their sources; ``provisional`` when the source is a
        single study.
    """

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    data: str = Field(min_length=1)
    reconstruction_data: str | None = None
    outcome: str = Field(min_length=1)
    timepoint: str | None = None
    scale: str | None = None
    treatment: str = Field(min_length=1)
    control: str = Field(min_length=1)
    comparisons: tuple[Comparison, ...] = ()
    measure: Literal["MD", "SMD", "RR", "OR", "RD"]
    method: Literal["IV", "MH", "PETO"]
    model: Literal["fixed", "random"]
    tau2: Literal["DL", "REML", "PM"] = "DL"
    #: the review's CI for random effects: Hartung-Knapp-Sidik-Jonkman (t on k - 1; RevMan
    #: Web's "CI method" HKSJ) instead of Wald
    hksj: bool = False
    tau_scale: Literal["logRR", "logOR", "SMD", "MD", "RD"]
    higher_is_better: bool
    reverse_scale: bool = False
    favours: tuple[str, str] | None = None
    published: str | None = None
    review_studies: tuple[str, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AnalysisSpec:
        if self.method == "MH" and self.measure not in ("RR", "OR", "RD"):
            raise ValueError(f"method MH pools RR, OR or RD, not {self.measure}")
        if self.method == "PETO" and self.measure != "OR":
            raise ValueError("method PETO pools odds ratios only (measure OR)")
        if self.tau_scale != analysis_scale(self.measure):
            raise ValueError(f"tau_scale must be {analysis_scale(self.measure)} for measure "
                             f"{self.measure}, got {self.tau_scale}")
        if self.hksj and self.model != "random":
            raise ValueError("hksj applies to random effects (model = \"random\") only")
        if self.reverse_scale and self.measure not in ("MD", "SMD"):
            raise ValueError("reverse_scale applies to MD and SMD only")
        if is_ratio(self.measure):
            bad = [t.value for t in self.thresholds if t.value <= 0]
            if bad:
                raise ValueError(f"thresholds of a {self.measure} must be positive, got {bad}")
        pairs = [(self.treatment, self.control)] + [(c.treatment, c.control)
                                                     for c in self.comparisons]
        if len(set(pairs)) != len(pairs):
            raise ValueError("comparisons repeat a treatment/control pair")
        if any(t == c for t, c in pairs):
            raise ValueError("a comparison has the same treatment and control")
        orientation_of(self)  # refuses labels that contradict the direction of benefit
        return self

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (treatment, control) pair pooled: the main one first."""
        return [(self.treatment, self.control)] + [(c.treatment, c.control)
                                                   for c in self.comparisons]


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(file)"


def _rule(kind: str) -> str:
    return {"extra_forbidden": "unknown key", "missing": "missing key"}.get(kind, kind)


_Spec = TypeVar("_Spec", bound=BaseModel)


def read_spec(path: str | Path, model: type[_Spec], *, root: str | Path | None = None,  # noqa: UP047
              check_files: bool = True) -> tuple[_Spec, list[Problem]]:
    """Parse a TOML specification into ``model`` and run the checks every spec shares.

    Unreadable TOML and schema errors raise :class:`DataValidationError` at once (every schema
    problem with its key); the returned problems are the later checks (the ``id`` equals the file
    name; the ``data`` / ``reconstruction_data`` files exist), for the caller to add its own to.
    """
    path = Path(path)
    label = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError.single(file=label, rule="file", message="file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise DataValidationError.single(file=label, rule="toml", message=str(err)) from None
    try:
        spec = model.model_validate(raw)
    except ValidationError as err:
        raise DataValidationError([
            Problem(file=label, rule=_rule(e["type"]), column=_loc(e["loc"]), message=e["msg"])
            for e in err.errors()]) from None
    problems: list[Problem] = []
    spec_id = spec.id
    if spec_id != path.stem:
        problems.append(Problem(file=label, rule="id", column="id",
                                message=f"id '{spec_id}' differs from the file name '{path.stem}'"))
    if check_files:
        base = Path(root) if root is not None else find_root(path.parent)
        for key in ("data", "reconstruction_data"):
            value = getattr(spec, key, None)
            if value is not None and not resolve(value, base).is_file():
                problems.append(Problem(file=label, rule="missing data file", column=key,
                                        message=f"'{value}' does not exist under {base}"))
    return spec, problems


def load_analysis(path: str | Path, *, root: str | Path | None = None,
                  check_files: bool = True) -> AnalysisSpec:
    """Read and validate one specification.

    Parameters
    ----------
    path
        The TOML file.
    root
        Repository root against which ``data`` paths are resolved (default: found from ``path``).
    check_files
        Also require the data files to exist.

    Raises
    ------
    DataValidationError
        Every problem, each naming the file and the key.
    """
    spec, problems = read_spec(path, AnalysisSpec, root=root, check_files=check_files)
    if check_files and not problems:
        keys = {t: "treatment" for t, _ in spec.pairs} | {c: "control" for _, c in spec.pairs
                                                           if c not in {t for t, _ in spec.pairs}}
        problems += unknown_treatments(keys, files=[spec.data, spec.reconstruction_data],
                                       label=str(path), root=Path(root) if root is not None
                                       else find_root(Path(path).parent))
    if problems:
        raise DataValidationError(problems)
    return spec


def unknown_treatments(names: dict[str, str], *, files: list[str | None], label: str,
                       root: Path) -> list[Problem]:
    """One problem per treatment a specification names (``names``: treatment -> its key) that no
    row of its data ``files`` has, in ``treatment`` or ``comparator``. That is a misspelling, not
    a data gap: a result without data still finds its treatments elsewhere in the review's file."""
    from reanalyse.analyses.scenarios import read_rows

    used = [f for f in files if f]
    present: set[str] = set()
    for rel in used:
        rows = read_rows(resolve(rel, root), name=rel)
        for col in ("treatment", "comparator"):
            if col in rows.columns:
                present |= {str(v).strip() for v in rows[col]}
    present.discard("")
    return [Problem(file=label, rule="unknown treatment", column=key,
                    message=f"'{name}' appears in no row of {' or '.join(used)} (treatments "
                            f"there: {', '.join(sorted(present)) or 'none'})")
            for name, key in names.items() if name not in present]


def load_specs(folder: str | Path, *, load: Callable[..., _Spec],  # noqa: UP047
               root: str | Path | None = None) -> list[_Spec]:
    """Every ``*.toml`` specification in ``folder`` (relative to the project folder) read with
    ``load(path, root=...)``, sorted by file name; problems from all files are collected before
    raising."""
    base = Path(root) if root is not None else find_root()
    where = resolve(folder, base)
    specs: list[_Spec] = []
    problems: list[Problem] = []
    for path in sorted(where.glob("*.toml")):
        try:
            specs.append(load(path, root=base))
        except DataValidationError as err:
            problems.extend(err.problems)
    ids = [s.id for s in specs]  # type: ignore[attr-defined]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(file=str(where), rule="duplicate id", column="id",
                                message=f"id '{dup}' is used by more than one file"))
    if problems:
        raise DataValidationError(problems)
    return specs


def load_analyses(folder: str | Path = "analyses", *,
                  root: str | Path | None = None) -> list[AnalysisSpec]:
    """Every pairwise specification in ``folder`` (see :func:`load_specs`)."""
    return load_specs(folder, load=load_analysis, root=root)
