"""The effect table: the per-study effects of one comparison, typed and vectorised.

One :class:`EffectTable` holds, along the dimension ``study``, each study's label, subgroup,
kind (``binary`` or ``continuous`` arms, or a ``contrast``), effect ``te`` and ``se`` on the
analysis scale (log for ratios), whether it is estimable and why not, the source rows it came
from and whether RevMan's zero-cell correction entered its effect; and, for arm-level data, the
arms it came from (:class:`BinaryArms` or :class:`ContinuousArms`, dims ``study`` x ``arm``).
The measure, the treatment and control names and the CI level of the study intervals are fields,
not attributes of a frame. It is built by :func:`reanalyse.effects.study_effects` (from a study
table) or :func:`reanalyse.effects.effect_table` (from arrays, as the RevMan recomputation does)
and taken by pooling, the small-study tests, trim and fill, influence, the models and the
pipeline. :meth:`EffectTable.to_frame` is the tidy table for display; :meth:`~EffectTable.to_xarray`
the labelled Dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from reanalyse.conversions import normalise_level
from reanalyse.effects.sizes import CORRECTION
from reanalyse.measures import MEASURES, is_ratio

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ARMS", "BinaryArms", "ContinuousArms", "EffectTable", "StudyIndex"]

#: The arm dimension: arm 1 is the treatment (experimental) arm, arm 2 the control, as in RevMan.
ARMS: tuple[str, str] = ("treatment", "control")

#: What :meth:`EffectTable.select` takes: a boolean mask, integer positions or a slice.
StudyIndex = NDArray[np.bool_] | NDArray[np.integer] | Sequence[int] | Sequence[bool] | slice

Array = NDArray[np.float64]


def _frozen(values: ArrayLike, dtype: Any) -> np.ndarray:
    out = np.array(values, dtype=dtype)
    out.setflags(write=False)
    return out


def _index(where: StudyIndex) -> Any:
    return where if isinstance(where, slice) else np.asarray(where)


@dataclass(frozen=True, eq=False)
class _Arms:
    """Arm data: each field an array of shape (study, 2), NaN for a study given as a contrast."""

    KIND: ClassVar[str] = ""

    def __post_init__(self) -> None:
        shapes = set()
        for f in fields(self):
            arr = _frozen(getattr(self, f.name), float)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(f"{type(self).__name__}.{f.name} must have shape (study, 2), "
                                 f"got {arr.shape}")
            shapes.add(arr.shape)
            object.__setattr__(self, f.name, arr)
        if len(shapes) > 1:
            raise ValueError(f"{type(self).__name__}: fields of different shapes {shapes}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))

    def __len__(self) -> int:
        return int(getattr(self, self.names[0]).shape[0])

    def select(self, where: StudyIndex) -> Any:
        """The arms of the selected studies."""
        idx = _index(where)
        return type(self)(*(getattr(self, n)[idx] for n in self.names))

    def columns(self) -> dict[str, Array]:
        """``{field}_1`` and ``{field}_2`` per field (``events_1, events_2, total_1, ...``)."""
        return {f"{n}_{arm + 1}": getattr(self, n)[:, arm] for n in self.names for arm in (0, 1)}

    def complete(self) -> NDArray[np.bool_]:
        """True for studies with every arm value present."""
        return np.all([np.isfinite(getattr(self, n)).all(axis=1) for n in self.names], axis=0)


@dataclass(frozen=True, eq=False)
class BinaryArms(_Arms):
    """Events and totals per study (rows) and arm (columns: treatment, control)."""

    KIND: ClassVar[str] = "binary"
    events: Array
    total: Array

    def cells(self) -> dict[str, Array]:
        """The 2x2 margins as the pooling functions take them: ``events_1, total_1, events_2,
        total_2``."""
        return {"events_1": self.events[:, 0], "total_1": self.total[:, 0],
                "events_2": self.events[:, 1], "total_2": self.total[:, 1]}


@dataclass(frozen=True, eq=False)
class ContinuousArms(_Arms):
    """Participants, means and SDs per study (rows) and arm (columns: treatment, control)."""

    KIND: ClassVar[str] = "continuous"
    n: Array
    mean: Array
    sd: Array


@dataclass(frozen=True, kw_only=True, eq=False)
class EffectTable:
    """The per-study effects of one comparison (see the module text).

    Arrays run along ``study``: ``study`` (labels), ``subgroup`` (``""`` when none), ``kind``,
    ``te`` and ``se`` (analysis scale), ``estimable``, ``reason`` (why not estimable, ``""``
    otherwise), ``rows`` (tuples of source row numbers) and ``corrected`` (the zero-cell
    correction ``correction`` was added to the study's cells for its effect). ``arms`` holds the
    arm data of arm-level studies (NaN for contrast studies), or ``None`` when no study has arms.
    ``level`` is the CI level of the study intervals.
    """

    measure: str
    study: NDArray[np.object_]
    te: Array
    se: Array
    estimable: NDArray[np.bool_]
    subgroup: NDArray[np.object_]
    kind: NDArray[np.object_]
    reason: NDArray[np.object_]
    rows: NDArray[np.object_]
    corrected: NDArray[np.bool_]
    arms: BinaryArms | ContinuousArms | None = None
    correction: float = CORRECTION
    level: float = 0.95
    treatment: str | None = None
    control: str | None = None

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got "
                             f"{self.measure!r}")
        k = len(np.asarray(self.study))
        conv = {"study": object, "subgroup": object, "kind": object, "reason": object,
                "te": float, "se": float, "estimable": bool, "corrected": bool}
        for name, dtype in conv.items():
            arr = _frozen(getattr(self, name), dtype)
            if arr.shape != (k,):
                raise ValueError(f"EffectTable.{name} must have shape ({k},), got {arr.shape}")
            object.__setattr__(self, name, arr)
        rows = np.empty(k, dtype=object)
        rows[:] = [tuple(int(r) for r in x) for x in self.rows]
        rows.setflags(write=False)
        object.__setattr__(self, "rows", rows)
        if self.arms is not None and len(self.arms) != k:
            raise ValueError(f"EffectTable.arms has {len(self.arms)} studies, not {k}")
        object.__setattr__(self, "level", normalise_level(self.level))

    @classmethod
    def from_estimates(
        cls, *, study: Sequence[str] | ArrayLike, te: ArrayLike, se: ArrayLike, measure: str,
        subgroup: Sequence[str] | ArrayLike | None = None, level: float = 0.95,
        treatment: str | None = None, control: str | None = None,
    ) -> EffectTable:
        """A table of contrasts given as estimates and SEs on the analysis scale (log for
        ratios); a study is estimable when both are finite and the SE positive."""
        te_a = np.asarray(te, dtype=float).reshape(-1)
        se_a = np.asarray(se, dtype=float).reshape(-1)
        k = te_a.size
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(te_a) & np.isfinite(se_a) & (se_a > 0)
        return cls(measure=measure, study=[str(s) for s in np.asarray(study, dtype=object)],
                   te=te_a, se=se_a, estimable=ok,
                   subgroup=[""] * k if subgroup is None else [str(s) for s in subgroup],
                   kind=["contrast"] * k,
                   reason=np.where(ok, "", "no finite estimate and SE").astype(object),
                   rows=[()] * k, corrected=np.zeros(k, dtype=bool), level=level,
                   treatment=treatment, control=control)

    # ----------------------------------------------------------------------------- shape

    def __len__(self) -> int:
        return int(self.study.shape[0])

    @property
    def log_scale(self) -> bool:
        """Whether ``te`` is on the log scale (ratio measures)."""
        return is_ratio(self.measure)

    @property
    def is_binary_arms(self) -> bool:
        """Every study has binary arm counts (what MH, Peto, Peters and Harbord need)."""
        return (isinstance(self.arms, BinaryArms) and bool(np.all(self.kind == "binary"))
                and bool(np.all(self.arms.complete())))

    @property
    def is_continuous_arms(self) -> bool:
        """Every study has continuous arm data (n, mean, SD)."""
        return isinstance(self.arms, ContinuousArms) and bool(np.all(self.kind == "continuous"))

    @property
    def has_contrasts(self) -> bool:
        """Some study is given only as a contrast (estimate and SE)."""
        return bool(np.any(self.kind == "contrast"))

    def binary_cells(self) -> dict[str, Array]:
        """``events_1, total_1, events_2, total_2`` of every study (NaN for contrasts).

        Raises
        ------
        ValueError
            When no study has binary arm counts.
        """
        arms = self.arms if isinstance(self.arms, BinaryArms) else None
        if arms is None:
            raise ValueError("these studies have no binary arm counts (contrasts or continuous "
                             "data only)")
        return arms.cells()

    def participants(self) -> Array:
        """Participants per study (the sum of the arm totals; NaN for contrasts)."""
        if isinstance(self.arms, BinaryArms):
            return self.arms.total.sum(axis=1)
        if isinstance(self.arms, ContinuousArms):
            return self.arms.n.sum(axis=1)
        return np.full(len(self), np.nan)

    def subgroups(self) -> list[str]:
        """The non-empty subgroup labels in order of appearance."""
        return [s for s in dict.fromkeys(self.subgroup.tolist()) if s]

    # ----------------------------------------------------------------------------- selection

    def select(self, where: StudyIndex) -> EffectTable:
        """The studies at ``where`` (a boolean mask, integer positions or a slice), every
        array kept aligned."""
        idx = _index(where)
        if not isinstance(idx, slice) and idx.dtype == bool and idx.shape != (len(self),):
            raise ValueError(f"a mask of {idx.shape} for {len(self)} studies")
        arrays = {n: getattr(self, n)[idx] for n in
                  ("study", "te", "se", "estimable", "subgroup", "kind", "reason", "rows",
                   "corrected")}
        arms = self.arms.select(idx) if self.arms is not None else None
        return replace(self, arms=arms, **arrays)

    def estimable_only(self) -> EffectTable:
        """The estimable studies."""
        return self.select(self.estimable)

    def without(self, i: int) -> EffectTable:
        """Every study but the one at position ``i``."""
        return self.select(np.arange(len(self)) != i)

    # ----------------------------------------------------------------------------- views

    def to_frame(self) -> pd.DataFrame:
        """The tidy table for display and reports: ``study, subgroup, kind, rows``, the arm
        columns when there are arms (``events_1, events_2, total_1, total_2`` or ``n_1, n_2,
        mean_1, mean_2, sd_1, sd_2``), then ``te, se, estimable, reason``."""
        cols: dict[str, Any] = {"study": self.study, "subgroup": self.subgroup,
                                "kind": self.kind, "rows": list(self.rows)}
        if self.arms is not None:
            cols.update(self.arms.columns())
        cols.update(te=self.te, se=self.se, estimable=self.estimable, reason=self.reason)
        return pd.DataFrame(cols)

    def to_xarray(self) -> xr.Dataset:
        """A Dataset with dim ``study`` (coords: the study labels, and ``subgroup`` along it)
        holding ``te, se, estimable, corrected, kind, reason``; with arms also dim ``arm``
        (coord ``treatment, control``, and ``arm_name``: the treatments' names) holding the arm
        fields. Attributes: ``measure``, ``level``, ``correction`` and the arms' names."""
        import xarray as xr

        data: dict[str, Any] = {n: ("study", np.asarray(getattr(self, n))) for n in
                                ("te", "se", "estimable", "corrected")}
        data.update(kind=("study", self.kind.astype(str)), reason=("study", self.reason.astype(str)))
        coords: dict[str, Any] = {"study": self.study.astype(str),
                                  "subgroup": ("study", self.subgroup.astype(str))}
        if self.arms is not None:
            for name in self.arms.names:
                data[name] = (("study", "arm"), np.asarray(getattr(self.arms, name)))
            coords["arm"] = list(ARMS)
            coords["arm_name"] = ("arm", [self.treatment or ARMS[0], self.control or ARMS[1]])
        attrs = {"measure": self.measure, "level": self.level, "correction": self.correction,
                 "treatment": self.treatment or "", "control": self.control or ""}
        return xr.Dataset(data, coords=coords, attrs=attrs)
