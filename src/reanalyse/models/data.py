"""The data a Bayesian pairwise model takes: study estimates, or arm-level binary counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.effects import EffectTable
from reanalyse.measures import MEASURES, analysis_scale
from reanalyse.results.provenance import data_hash

__all__ = ["ArmData", "ContrastData"]


def _labels(study: Sequence[str] | None, k: int) -> tuple[str, ...]:
    labels = tuple(str(s) for s in study) if study is not None else tuple(
        f"study {i + 1}" for i in range(k))
    if len(labels) != k:
        raise ValueError(f"{len(labels)} study labels for {k} studies")
    if len(set(labels)) != k:
        raise ValueError("study labels must be unique")
    return labels


class _StudyArrays:
    """What both data kinds share: read-only arrays, study labels, measure and a content hash."""

    study: tuple[str, ...]
    measure: str
    _hash: str

    def _seal(self, arrays: dict[str, NDArray[Any]], *, study: Sequence[str] | None,
              measure: str) -> None:
        """Freeze and set the arrays, then the labels, measure and hash of their values."""
        for name, arr in arrays.items():
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "study", _labels(study, next(iter(arrays.values())).size))
        object.__setattr__(self, "measure", measure)
        object.__setattr__(self, "_hash", data_hash({**arrays, "study": list(self.study),
                                                     "measure": measure}))

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.study)

    @property
    def scale(self) -> str:
        """The analysis scale (``logOR``, ``logRR``, ``MD``, ...)."""
        return analysis_scale(self.measure)

    @property
    def sha256(self) -> str:
        """SHA-256 of the values, labels and measure."""
        return self._hash

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record: labels, every array, measure and scale."""
        arrays = {f.name: getattr(self, f.name).tolist() for f in fields(self)  # type: ignore[arg-type]
                  if isinstance(getattr(self, f.name), np.ndarray)}
        return {"study": list(self.study), **arrays, "measure": self.measure,
                "scale": self.scale}


@dataclass(frozen=True, kw_only=True, eq=False)
class ContrastData(_StudyArrays):
    """Study estimates ``y`` with standard errors ``se`` on the analysis scale (log for ratios).

    Parameters
    ----------
    y, se
        One value per study; ``se > 0`` and finite.
    study
        Study labels (the ``study`` coordinate); default ``study 1``...
    measure
        ``OR``, ``RR``, ``RD``, ``MD`` or ``SMD``; ``y`` is on ``log`` scale for OR/RR.
    """

    y: NDArray[np.float64]
    se: NDArray[np.float64]
    study: tuple[str, ...] = ()
    measure: str = "MD"
    _hash: str = field(default="", init=False, repr=False, compare=False)

    def __init__(self, *, y: ArrayLike, se: ArrayLike, study: Sequence[str] | None = None,
                 measure: str = "MD") -> None:
        y_arr = np.asarray(y, dtype=float).reshape(-1)
        se_arr = np.asarray(se, dtype=float).reshape(-1)
        problems = []
        if y_arr.size == 0:
            problems.append("no studies")
        if y_arr.shape != se_arr.shape:
            problems.append(f"{y_arr.size} estimates but {se_arr.size} standard errors")
        elif not (np.all(np.isfinite(y_arr)) and np.all(np.isfinite(se_arr))
                  and np.all(se_arr > 0)):
            problems.append("estimates must be finite and standard errors finite and > 0")
        if measure not in MEASURES:
            problems.append(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
        if problems:
            raise ValueError("ContrastData: " + "; ".join(problems))
        self._seal({"y": y_arr, "se": se_arr}, study=study, measure=measure)

    @classmethod
    def from_effects(cls, effects: EffectTable, *, measure: str | None = None) -> ContrastData:
        """The estimable studies of an effect table (``measure`` defaults to the table's)."""
        est = effects.estimable_only()
        if not len(est):
            raise ValueError("no estimable study (every study lacks a finite estimate and SE)")
        return cls(y=est.te, se=est.se, study=[str(s) for s in est.study],
                   measure=effects.measure if measure is None else measure)


@dataclass(frozen=True, kw_only=True, eq=False)
class ArmData(_StudyArrays):
    """Arm-level binary counts: arm 1 = treatment, arm 2 = control (as in RevMan).

    Parameters
    ----------
    events_1, total_1, events_2, total_2
        Non-negative integers with ``0 <= events <= total`` and ``total >= 1``.
    study
        Study labels.
    measure
        ``OR`` or ``RR``.
    """

    events_1: NDArray[np.int64]
    total_1: NDArray[np.int64]
    events_2: NDArray[np.int64]
    total_2: NDArray[np.int64]
    study: tuple[str, ...] = ()
    measure: str = "OR"
    _hash: str = field(default="", init=False, repr=False, compare=False)

    def __init__(self, *, events_1: ArrayLike, total_1: ArrayLike, events_2: ArrayLike,
                 total_2: ArrayLike, study: Sequence[str] | None = None,
                 measure: str = "OR") -> None:
        arrays = {}
        problems = []
        for name, value in (("events_1", events_1), ("total_1", total_1),
                            ("events_2", events_2), ("total_2", total_2)):
            raw = np.asarray(value, dtype=float).reshape(-1)
            if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)) or np.any(raw < 0):
                problems.append(f"{name} must hold non-negative whole numbers")
            arrays[name] = np.round(np.nan_to_num(raw)).astype(np.int64)
        sizes = {a.size for a in arrays.values()}
        if len(sizes) != 1 or 0 in sizes:
            problems.append("events and totals must have the same, non-zero length")
        elif not problems:
            for arm in ("1", "2"):
                e, n = arrays[f"events_{arm}"], arrays[f"total_{arm}"]
                if np.any(n < 1) or np.any(e > n):
                    problems.append(f"arm {arm}: need total >= 1 and events <= total")
        if measure not in ("OR", "RR"):
            problems.append(f"binomial models serve OR and RR, not {measure!r}")
        if problems:
            raise ValueError("ArmData: " + "; ".join(problems))
        self._seal(arrays, study=study, measure=measure)

    @classmethod
    def from_effects(cls, effects: EffectTable, *, measure: str | None = None) -> ArmData:
        """The binary arm counts of an effect table (``measure`` defaults to the table's).

        Every study with arm counts enters (double-zero studies too: the binomial likelihood
        handles them without corrections). Studies given only as contrasts cannot.
        """
        if effects.arms is None or effects.arms.KIND != "binary":
            raise ValueError("the binomial models need arm-level counts; these studies are "
                             "contrasts (estimate and SE) only: use the normal model")
        contrasts = effects.study[effects.kind != "binary"]
        if len(contrasts):
            raise ValueError("the binomial models need arm-level counts for every study; "
                             f"given as contrasts only: {', '.join(map(str, contrasts))}")
        return cls(**effects.binary_cells(), study=[str(s) for s in effects.study],
                   measure=effects.measure if measure is None else measure)
