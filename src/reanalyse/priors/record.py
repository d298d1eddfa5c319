"""What every prior carries besides its distribution: its provenance and how it is being used.

:class:`PriorRecord` holds the fields a tau prior and an effect prior share (id, family and
parameters as the source states them, the scales it was built for, citation, rationale, status,
where it was loaded from and the scale it is used on), the copy that records that use, and the
JSON-ready provenance record. The two prior classes add their own fields and distributions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

__all__ = ["PriorRecord", "require_model_context"]


@dataclass(frozen=True, kw_only=True)
class PriorRecord:
    """The shared, descriptive part of a prior (see :class:`reanalyse.priors.TauPrior`)."""

    role: ClassVar[str]

    id: str
    family: str
    params: Mapping[str, float]
    scale: tuple[str, ...]
    citation: str
    rationale: str
    source: str = ""
    status: str = "user"
    units: str | None = None
    notes: str | None = None
    subfield: str | None = None
    paired_with: str | None = None
    origin: Literal["registry", "inline"] = "registry"
    requested_scale: str | None = None
    scale_override: bool = False

    def with_request(self, *, requested_scale: str, scale_override: bool) -> Self:
        """A copy recording the analysis scale it is used on and whether that is an override."""
        return dataclasses.replace(
            self, requested_scale=requested_scale, scale_override=scale_override
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record for provenance: the role, every field as given, then what the
        subclass derives from them (:meth:`_derived_record`)."""
        out: dict[str, Any] = {"role": self.role}
        for f in dataclasses.fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return {**out, **self._derived_record()}

    def _derived_record(self) -> dict[str, Any]:
        """Values derived from the fields that belong in the record (none by default)."""
        return {}


def require_model_context(owner: str, name: str) -> None:
    """Raise ``RuntimeError`` unless called inside a ``with pm.Model():`` block."""
    import pymc as pm

    try:
        pm.modelcontext(None)
    except TypeError as err:
        raise RuntimeError(
            f"{owner}.to_pymc({name!r}) must be called inside a `with pm.Model():` block"
        ) from err
