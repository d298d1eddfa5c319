"""A network of studies: treatments, each study's arms or contrasts, and the network's graph.

:func:`build_network` turns a canonical study table (one outcome) into a :class:`Network`: the
treatments (reference first), and per study either its arms (binary: ``events, total``;
continuous: ``n, mean, sd``) or its reported contrasts (``estimate, se``). Within a study the arms
are ordered by the network's treatment order, so the study's *baseline* arm (TSD2's arm 1) is the
treatment that comes first in the network (the reference, whenever the study includes it).

Graph questions live in :mod:`reanalyse.nma.graph`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from reanalyse.data.table import KIND, ROW, StudyTable
from reanalyse.effects import contrast_effect
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import BINARY_MEASURES, MEASURES, is_ratio

__all__ = ["Network", "NetworkStudy", "StudyKind", "build_network"]

StudyKind = Literal["binary", "continuous", "contrast"]


@dataclass(frozen=True, kw_only=True)
class NetworkStudy:
    """One study of a network.

    Attributes
    ----------
    name
        Study label.
    kind
        ``binary`` or ``continuous`` (arm-level data) or ``contrast`` (reported contrasts).
    treatments
        The study's treatments in network order; ``treatments[0]`` is the study baseline.
    events, total
        Binary arms (aligned with ``treatments``).
    n, mean, sd
        Continuous arms (aligned with ``treatments``).
    contrasts
        Contrast studies: ``{(treatment, comparator): (estimate, se)}`` on the analysis scale
        (log for ratios), each pair stated once, in any orientation.
    rows
        Source rows (spreadsheet numbering) for messages.
    """

    name: str
    kind: StudyKind
    treatments: tuple[str, ...]
    events: tuple[float, ...] = ()
    total: tuple[float, ...] = ()
    n: tuple[float, ...] = ()
    mean: tuple[float, ...] = ()
    sd: tuple[float, ...] = ()
    contrasts: Mapping[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    rows: tuple[int, ...] = ()

    @property
    def n_arms(self) -> int:
        """Number of arms (treatments) in the study."""
        return len(self.treatments)

    @property
    def baseline(self) -> str:
        """The study's baseline treatment."""
        return self.treatments[0]

    @property
    def participants(self) -> float:
        """Participants randomised/analysed (NaN for contrast-only studies)."""
        if self.kind == "binary":
            return float(sum(self.total))
        if self.kind == "continuous":
            return float(sum(self.n))
        return float("nan")

    def contrast(self, treatment: str, comparator: str) -> tuple[float, float]:
        """A reported contrast ``treatment`` vs ``comparator`` (sign flipped if stated reversed)."""
        if (treatment, comparator) in self.contrasts:
            return self.contrasts[(treatment, comparator)]
        if (comparator, treatment) in self.contrasts:
            est, se = self.contrasts[(comparator, treatment)]
            return -est, se
        raise KeyError(f"study '{self.name}' reports no contrast '{treatment}' vs '{comparator}'")

    def reordered(self, order: Sequence[str]) -> NetworkStudy:
        """The same study with its arms in ``order`` (a permutation of its treatments)."""
        if sorted(order) != sorted(self.treatments):
            raise ValueError(f"{order!r} is not a permutation of {self.treatments!r}")
        idx = [self.treatments.index(t) for t in order]

        def pick(values: tuple[float, ...]) -> tuple[float, ...]:
            return tuple(values[i] for i in idx) if values else ()

        return replace(self, treatments=tuple(order), events=pick(self.events),
                       total=pick(self.total), n=pick(self.n), mean=pick(self.mean),
                       sd=pick(self.sd))


@dataclass(frozen=True, kw_only=True)
class Network:
    """Studies connected by shared treatments, for one outcome and one effect measure.

    Attributes
    ----------
    treatments
        All treatments; ``treatments[0]`` is the reference.
    measure
        ``OR``, ``RR``, ``RD``, ``MD`` or ``SMD``.
    studies
        The studies, in order of appearance.
    name
        Where the data came from (file name), for messages and provenance.
    data_hash
        SHA-256 of the source table, for provenance.
    """

    treatments: tuple[str, ...]
    measure: str
    studies: tuple[NetworkStudy, ...]
    name: str = "<network>"
    data_hash: str = ""

    @property
    def reference(self) -> str:
        """The reference treatment (basic parameters ``d`` are effects against it)."""
        return self.treatments[0]

    @property
    def log_scale(self) -> bool:
        """Whether the measure is analysed on the log scale (OR, RR)."""
        return is_ratio(self.measure)

    def index(self, treatment: str) -> int:
        """Position of ``treatment`` in :attr:`treatments`."""
        return self.treatments.index(treatment)

    def with_reference(self, reference: str) -> Network:
        """The same network with another reference (study baselines re-derived)."""
        if reference not in self.treatments:
            raise ValueError(f"'{reference}' is not a treatment of the network")
        order = (reference, *[t for t in self.treatments if t != reference])
        return _ordered(replace(self, treatments=order))

    def subset(self, studies: Sequence[str]) -> Network:
        """The network of a subset of studies (treatments kept in order, unused ones dropped)."""
        keep = [s for s in self.studies if s.name in set(studies)]
        used = {t for s in keep for t in s.treatments}
        return replace(self, studies=tuple(keep),
                       treatments=tuple(t for t in self.treatments if t in used))

    def describe(self) -> str:
        """One line: treatments, studies, arms."""
        arms = sum(s.n_arms for s in self.studies)
        multi = sum(s.n_arms > 2 for s in self.studies)
        return (f"{len(self.treatments)} treatments, {len(self.studies)} studies "
                f"({multi} multi-arm), {arms} arms; measure {self.measure}, reference "
                f"'{self.reference}'")


def _ordered(network: Network) -> Network:
    pos = {t: i for i, t in enumerate(network.treatments)}
    studies = tuple(s.reordered(sorted(s.treatments, key=pos.__getitem__))
                    for s in network.studies)
    return replace(network, studies=studies)


def build_network(
    table: StudyTable,
    *,
    measure: str,
    reference: str,
    outcome: str | None = None,
    timepoint: str | None = None,
    treatments: Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
    allow_several_timepoints: bool = True,
) -> Network:
    """Build a :class:`Network` from a validated study table.

    Parameters
    ----------
    table
        Canonical long table (arm rows and/or contrast rows).
    measure
        Effect measure: ``OR``, ``RR``, ``RD``, ``MD`` or ``SMD``. Binary arms serve OR/RR/RD,
        continuous arms MD/SMD; contrast rows must state this measure (or none).
    reference
        Reference treatment; the basic parameters ``d`` are effects against it.
    outcome, timepoint
        Rows to use (None keeps all); the table must then hold one outcome.
    treatments
        Keep only these treatments (arms of other treatments are dropped; a study left with
        fewer than two arms is dropped). None keeps all.
    rename
        Treatment names to merge, e.g. ``{"steroids alone": "placebo"}`` (a modelling decision,
        recorded by the caller).
    allow_several_timepoints
        Accept studies measured at different timepoints (each study must have one).

    Returns
    -------
    Network
        Treatments ordered reference first, then by first appearance.

    Raises
    ------
    DataValidationError
        Listing every problem: unknown reference, data that do not fit the measure, mixed
        outcomes, a study with two timepoints, a contrast study without a covariance for its
        multi-arm contrasts, fewer than two treatments.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    if outcome is not None or timepoint is not None:
        table = table.select(outcome=outcome, timepoint=timepoint)
    f = table.frame.copy()
    problems: list[Problem] = []

    def add(rule: str, message: str, row: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(file=table.name, rule=rule, message=message, row=row,
                                column=column))

    if f.empty:
        raise DataValidationError.single(file=table.name, rule="no rows",
                                         message="no rows for this outcome/timepoint")
    outcomes = list(dict.fromkeys(f["outcome"]))
    if len(outcomes) > 1:
        add("several outcomes", f"the table holds several outcomes "
            f"({', '.join(map(repr, outcomes))}); choose one")
    if rename:
        for col in ("treatment", "comparator"):
            f[col] = f[col].map(lambda t: rename.get(t, t))
    if treatments is not None:
        keep = set(treatments)
        arm_rows = f[KIND] != "contrast"
        f = f[(arm_rows & f["treatment"].isin(keep))
              | (~arm_rows & f["treatment"].isin(keep) & f["comparator"].isin(keep))]
    wanted = "binary" if measure in BINARY_MEASURES else "continuous"
    studies: list[NetworkStudy] = []
    for name, rows in f.groupby("study", sort=False):
        tps = list(dict.fromkeys(rows["timepoint"]))
        if len(tps) > 1:
            add("several timepoints", f"study '{name}' has rows at several timepoints "
                f"({', '.join(map(repr, tps))}); choose one with timepoint=",
                int(rows[ROW].iloc[0]), "timepoint")
            continue
        kinds = set(rows[KIND])
        arm_trts = list(rows.loc[rows[KIND] != "contrast", "treatment"])
        if len(set(arm_trts)) < len(arm_trts):
            add("duplicated arm", f"study '{name}' has two arms of the same treatment after "
                "renaming (merge them in the data, or do not merge the names)",
                int(rows[ROW].iloc[0]), "treatment")
            continue
        if "contrast" in kinds and len(kinds) > 1:
            add("arms and contrasts", f"study '{name}' mixes arm rows and contrast rows; keep "
                "one kind", int(rows[ROW].iloc[0]))
            continue
        if "contrast" in kinds:
            study = _contrast_study(str(name), rows, measure=measure, add=add)
        else:
            kind = next(iter(kinds))
            if kind != wanted:
                add("measure does not fit", f"{measure} needs {wanted} arms, but study "
                    f"'{name}' has {kind} arms", int(rows[ROW].iloc[0]),
                    "events" if kind == "binary" else "mean")
                continue
            study = _arm_study(str(name), rows, kind=kind)
        if study is not None and study.n_arms >= 2:
            studies.append(study)
    if not allow_several_timepoints:
        tps = list(dict.fromkeys(f["timepoint"]))
        if len(tps) > 1:
            add("several timepoints", f"the studies are measured at several timepoints "
                f"({', '.join(map(repr, tps))})")
    seen: list[str] = []
    for s in studies:
        for t in s.treatments:
            if t not in seen:
                seen.append(t)
    if reference not in seen:
        add("unknown reference", f"reference '{reference}' is not a treatment of the network "
            f"(treatments: {', '.join(seen) or 'none'})", column="treatment")
    if not problems and len(seen) < 2:
        add("too few treatments", "a network needs at least two treatments")
    if problems:
        raise DataValidationError(problems)
    order = (reference, *[t for t in seen if t != reference])
    net = Network(treatments=order, measure=measure, studies=tuple(studies), name=table.name,
                  data_hash=table.data_hash())
    return _ordered(net)


def _arm_study(name: str, rows: pd.DataFrame, *, kind: str) -> NetworkStudy:
    trts = tuple(str(t) for t in rows["treatment"])
    common = {"name": name, "treatments": trts, "rows": tuple(int(r) for r in rows[ROW])}
    if kind == "binary":
        return NetworkStudy(kind="binary", events=tuple(float(x) for x in rows["events"]),
                            total=tuple(float(x) for x in rows["total"]), **common)
    return NetworkStudy(kind="continuous", n=tuple(float(x) for x in rows["n"]),
                        mean=tuple(float(x) for x in rows["mean"]),
                        sd=tuple(float(x) for x in rows["sd"]), **common)


def _contrast_study(  # type: ignore[no-untyped-def]
    name: str, rows: pd.DataFrame, *, measure: str, add
) -> NetworkStudy | None:
    contrasts: dict[tuple[str, str], tuple[float, float]] = {}
    ok = True
    for _, row in rows.iterrows():
        stated = row["measure"] or measure
        if stated != measure:
            add("measure does not fit", f"study '{name}' reports a {stated}, but the analysis "
                f"uses {measure}", int(row[ROW]), "measure")
            ok = False
            continue
        contrasts[(str(row["treatment"]), str(row["comparator"]))] = contrast_effect(
            row, measure=measure)
    if not ok:
        return None
    trts: list[str] = []
    for a, b in contrasts:
        for t in (a, b):
            if t not in trts:
                trts.append(t)
    p = len(trts)
    pairs = {frozenset(k) for k in contrasts}
    if p > 2 and len(pairs) != p * (p - 1) // 2:
        add("multi-arm contrasts", f"study '{name}' has {p} treatments but states "
            f"{len(pairs)} of its {p * (p - 1) // 2} pairwise contrasts; a multi-arm study "
            "given as contrasts needs every pair (as R netmeta), so that the covariance of "
            "its contrasts is known", int(rows[ROW].iloc[0]), "comparator")
        return None
    return NetworkStudy(name=name, kind="contrast", treatments=tuple(trts),
                        contrasts=contrasts, rows=tuple(int(r) for r in rows[ROW]))
