"""A prior described for people (``reanalyse priors show``, ``reanalyse.priors.show``) and as a
JSON record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reanalyse.errors import DataValidationError
from reanalyse.priors._format import format_number
from reanalyse.priors.effect import EffectPrior
from reanalyse.priors.inline import is_inline_spec, parse_inline_prior
from reanalyse.priors.registry import Prior, registry
from reanalyse.priors.tau import TauPrior

__all__ = ["PriorCard", "describe", "find", "record", "show"]


def record(prior: Prior) -> dict[str, Any]:
    record = prior.to_dict()
    record["summary"] = prior.summary()
    record["description"] = prior.describe()
    return record


def _summary_line(prior: Prior) -> str:
    s = prior.summary()
    if isinstance(prior, TauPrior):
        assert s is not None
        return (
            f"median {format_number(s['median'])}; 95% interval {format_number(s['q025'])} to "
            f"{format_number(s['q975'])}; P(tau > 0.5) {format_number(s['p_tau_gt_0.5'])}; "
            f"P(tau > 1) {format_number(s['p_tau_gt_1'])}"
        )
    if s is None:
        if isinstance(prior, EffectPrior) and prior.needs_threshold:
            return "resolved at use time from the clinically meaningful threshold"
        return "improper: no median or interval"
    return (
        f"median {format_number(s['median'])}; 95% interval {format_number(s['q025'])} to "
        f"{format_number(s['q975'])}"
    )


def describe(prior: Prior, *, full: bool = True) -> str:
    """A prior in words: id, role, scale, status, distribution, implied median and 95% interval
    (and P(tau > 0.5), P(tau > 1) for a tau prior), citation; ``full`` adds source, rationale and
    the source's categories."""
    scale = ", ".join(prior.scale) + (f" (units: {prior.units})" if prior.units else "")
    lines = [f"{prior.id}  [{prior.role} | {scale} | {prior.status}]",
             f"    {prior.distribution_text()}",
             f"    {_summary_line(prior)}",
             f"    citation: {prior.citation}"]
    if not full:
        return "\n".join(lines)
    lines.append(f"    source: {prior.source or '-'}")
    lines.append(f"    rationale: {prior.rationale}")
    optional: list[tuple[str, Any]] = [("notes", prior.notes)]
    if isinstance(prior, TauPrior):
        optional += [
            ("outcome type", prior.outcome_type),
            ("comparison", prior.comparison),
            ("subfield", prior.subfield),
            ("suggested for (a suggestion, not the source's)", ", ".join(prior.suggested_for)),
        ]
    else:
        optional += [("kind", prior.kind), ("subfield", prior.subfield)]
    optional.append(("paired with", prior.paired_with))
    lines += [f"    {label}: {value}" for label, value in optional if value]
    return "\n".join(lines)



def find(name: str, *, root: str | Path | None = None) -> Prior:
    """A registry prior by id (the project's own at ``root`` included), or an inline prior
    (``half-normal:0.5``); one clear error for an unknown id or a malformed spec."""
    name = name.strip()
    where = f"prior '{name}'"
    if is_inline_spec(name):
        try:
            return parse_inline_prior(name)
        except ValueError as err:
            raise DataValidationError.single(file=where, rule="bad-inline-prior",
                                             message=str(err)) from None
    found = registry(root=root).get(name)
    if found is None:
        raise DataValidationError.single(
            file=where, rule="unknown-prior",
            message=f"no registry prior with id {name!r}; see `reanalyse priors list`")
    return found


@dataclass(frozen=True)
class PriorCard:
    """What :func:`show` returns: the prior and its description (prints as the description)."""

    prior: Prior

    @property
    def text(self) -> str:
        """The full description."""
        return describe(self.prior, full=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of ``reanalyse priors show --json``."""
        return record(self.prior)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text)}</pre>"


def show(name: str, *, root: str | Path | None = None) -> PriorCard:
    """A registry prior (or an inline one) in full: distribution, implied quantiles, citation;
    ``root``: a project folder whose own ``priors/`` extend the registry."""
    return PriorCard(find(name, root=root))
