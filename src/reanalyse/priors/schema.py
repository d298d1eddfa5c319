"""The schema of one ``[[prior]]`` entry in ``priors/*.toml`` and the checks across its fields.

Pydantic checks keys and types (unknown keys are errors); :func:`entry_problems` then checks the
rules that tie fields together. Both return messages, so that a loader reports every problem.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reanalyse.priors.effect import THRESHOLD_FAMILY
from reanalyse.priors.families import effect_family, family_names, family_problems
from reanalyse.priors.scales import ANY_SCALE, EFFECT_SCALES

__all__ = ["ENTRY_ID_PATTERN", "RegistryEntry", "entry_problems"]

#: Registry ids: lower case letters, digits, '.', '-'; never ':' (that marks an inline spec).
ENTRY_ID_PATTERN = r"^[a-z0-9][a-z0-9.\-]*$"

NonEmptyLine = Annotated[str, StringConstraints(min_length=1, pattern=r"^[^\n]*\S[^\n]*$")]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class RegistryEntry(BaseModel):
    """One prior as written in a registry file (see ``priors/README.md``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN)]
    role: Literal["tau", "effect"]
    parameter: Literal["tau", "tau2", "effect"]
    family: str  # a name of the family registry (reanalyse.priors.families), checked below
    params: dict[str, float]
    scale: list[str] = Field(min_length=1)
    units: NonEmptyLine | None = None
    kind: Literal["vague", "empirical", "skeptical", "enthusiastic", "user"] | None = None
    status: Literal["published", "derived", "convention", "unverified"]
    citation: NonEmptyText
    source: NonEmptyText
    rationale: NonEmptyLine
    notes: NonEmptyText | None = None
    outcome_type: NonEmptyLine | None = None
    comparison: NonEmptyLine | None = None
    subfield: NonEmptyLine | None = None
    suggested_for: list[NonEmptyLine] = Field(default_factory=list)
    paired_with: Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN)] | None = None


def entry_problems(entry: RegistryEntry) -> list[tuple[str, str, str]]:
    """Cross-field problems of a structurally valid entry.

    Returns
    -------
    list of (rule, key, message)
    """
    out: list[tuple[str, str, str]] = []
    if entry.role == "tau" and entry.parameter not in ("tau", "tau2"):
        out.append(("role-parameter", "parameter", "a tau prior is stated on 'tau' or 'tau2'"))
    if entry.role == "effect" and entry.parameter != "effect":
        out.append(("role-parameter", "parameter", "an effect prior is stated on 'effect'"))
    families = family_names(entry.role)
    known = entry.family in families
    if not known:
        out.append(
            ("family-role", "family",
             f"{entry.family!r} is not a {entry.role} family ({', '.join(families)})")
        )
    threshold_kind = entry.kind in ("skeptical", "enthusiastic")
    if known:
        for message in family_problems(
            entry.family, entry.params, stated_on=entry.parameter, allow_empty=threshold_kind
        ):
            out.append(("params", "params", message))
    if entry.role == "effect" and entry.kind is None:
        out.append(("missing-kind", "kind", "an effect prior needs kind"))
    if entry.role == "tau" and entry.kind is not None:
        out.append(("kind-on-tau", "kind", "kind applies to effect priors only"))
    if threshold_kind and (entry.family != THRESHOLD_FAMILY.name or entry.params):
        out.append(
            ("threshold-prior", "params",
             (f"a {entry.kind} prior is a {THRESHOLD_FAMILY.name} with empty params "
              "(resolved from a threshold)"))
        )
    needs_params = (entry.role == "effect" and known and not threshold_kind
                    and bool(effect_family(entry.family).param_names()))
    if needs_params and not entry.params:
        out.append(("params", "params", f"{entry.family} needs parameters"))
    allowed = (*EFFECT_SCALES, ANY_SCALE)
    for name in entry.scale:
        if name not in allowed:
            out.append(("unknown-scale", "scale",
                        f"unknown scale {name!r}; expected one of {', '.join(allowed)}"))
    if len(set(entry.scale)) != len(entry.scale):
        out.append(("duplicate-scale", "scale", "a scale is listed twice"))
    if ANY_SCALE in entry.scale and len(entry.scale) > 1:
        out.append(("any-scale", "scale", "'any' must stand alone"))
    if "MD" in entry.scale and entry.units is None:
        out.append(("md-units", "units", "an MD prior must name its units"))
    if "MD" not in entry.scale and entry.units is not None:
        out.append(("md-units", "units", "units apply to MD priors only"))
    if entry.paired_with == entry.id:
        out.append(("paired-with", "paired_with", "a prior cannot be paired with itself"))
    return out
