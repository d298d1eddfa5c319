"""The contents of a RevMan 5 review's ``ANALYSES_AND_DATA``, as frozen dataclasses.

Names follow the XML: ``_1`` is group 1 (experimental, ``GROUP_LABEL_1``), ``_2`` is group 2
(control, ``GROUP_LABEL_2``). Numbers RevMan computed and stored in the file ("stored") are kept
apart from the data entered by the review authors, so that a recomputation can be compared with
them.

Two facts about the stored numbers worth knowing before comparing with them:

* ``log_effect_size``, ``log_ci_start`` and ``log_ci_end`` are **base-10** logarithms of the
  natural-scale values (RevMan uses them to draw the forest plot), not natural logs: for Brink 1951
  in the sore-throat file, EFFECT_SIZE = 0.6594 and LOG_EFFECT_SIZE = -0.18086 = log10(0.6594).
* ``weight`` is a percentage (the study weights of an analysis sum to 100).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "AnalysisSettings",
    "Comparison",
    "DataType",
    "Outcome",
    "Review",
    "StoredPooled",
    "StoredStudy",
    "StudyRow",
    "Subgroup",
    "SubgroupTest",
]

DataType = Literal["dichotomous", "continuous", "generic_iv", "o_e_variance"]

# Names RevMan 5 uses for generic-inverse-variance effect measures (free text in the file), mapped
# to codes; the spellings are those meta::em2sm recognises (guido-s/meta, R/meta-internal.R).
_MEASURE_CODES = {
    "RR": "RR",
    "OR": "OR",
    "RD": "RD",
    "MD": "MD",
    "SMD": "SMD",
    "PETO_OR": "PETO_OR",
    "HR": "HR",
    "risk ratio": "RR",
    "odds ratio": "OR",
    "odds ratio (non-event)": "OR",
    "peto odds ratio": "PETO_OR",
    "risk difference": "RD",
    "mean difference": "MD",
    "standardized mean difference": "SMD",
    "standardised mean difference": "SMD",
    "std. mean difference": "SMD",
    "hazard ratio": "HR",
    # RevMan Web's names (data packages, "Effect measure" column).
    "risk ratio (rr)": "RR",
    "odds ratio (or)": "OR",
    "ratio of geometric means": "RoGM",
}


@dataclass(frozen=True, kw_only=True)
class AnalysisSettings:
    """An outcome's analysis options, mapped from the ``*_OUTCOME`` attributes.

    * ``effect_measure``: ``EFFECT_MEASURE`` as written in the file: RR, OR, RD, PETO_OR
      (dichotomous), MD, SMD (continuous); for generic inverse variance the file's own name
      (attribute or ``EFFECT_MEASURE`` child element, e.g. "Odds Ratio", "Hazard Ratio").
    * ``method``: ``METHOD``: MH, IV or PETO (continuous and generic IV are always IV).
    * ``random``: ``RANDOM="YES"`` (random effects, DerSimonian-Laird) or fixed effect.
    * ``ci_study``, ``ci_total``: ``CI_STUDY``/``CI_TOTAL`` as levels (95 -> 0.95).
    * ``swap_events``: ``SWAP_EVENTS="YES"``: RevMan analyses non-events (total - events).
    * ``totals``: ``TOTALS`` as written: "YES" (totals and subtotals), "SUB" (subtotals only),
      "NO" (no totals).
    * ``subgroups``: ``SUBGROUPS="YES"``; ``subgroup_test``: ``SUBGROUP_TEST="YES"``.
    * ``log_data``: generic IV only, ``LOG_DATA="YES"``: the entered estimates are logs of ratios
      (RevMan back-transforms them for display); None for other data types.
    * ``tau2_method``, ``ci_method``, ``prediction_interval``: RevMan Web's per-analysis choices
      (data packages 2.x: "Heterogeneity estimator" DL or REML, "CI method" Wald or HKSJ,
      "Prediction interval"); RevMan 5 has DerSimonian-Laird, Wald and no prediction interval,
      the defaults.
    """

    effect_measure: str
    method: str
    random: bool
    ci_study: float
    ci_total: float
    swap_events: bool
    totals: str
    subgroups: bool
    subgroup_test: bool
    log_data: bool | None = None
    tau2_method: str = "DL"
    ci_method: str = "Wald"
    prediction_interval: bool = False

    @property
    def effect_measure_code(self) -> str | None:
        """RR, OR, RD, PETO_OR, MD, SMD or HR when the measure is recognised, else None."""
        key = self.effect_measure.strip()
        return _MEASURE_CODES.get(key) or _MEASURE_CODES.get(key.lower())


@dataclass(frozen=True, kw_only=True)
class StoredPooled:
    """RevMan's own pooled result for an outcome or subgroup (None where the file has no value).

    Attribute names are those of the XML in lower case. ``q``, ``p_q`` and ``i2_q`` at outcome level
    are the test for subgroup differences (see :class:`SubgroupTest`); ``chi2``, ``df``, ``p_chi2``
    and ``i2`` the heterogeneity within the analysis. "NaN", "Infinity" and "-Infinity" in the file
    become float nan/inf. ``t``, ``pi_start``/``pi_end`` and ``tau2_ci_start``/``tau2_ci_end`` come
    from RevMan Web data packages only ("Effect T" of an HKSJ analysis, the prediction interval and
    the interval for tau^2).
    """

    effect_size: float | None = None
    ci_start: float | None = None
    ci_end: float | None = None
    log_effect_size: float | None = None
    log_ci_start: float | None = None
    log_ci_end: float | None = None
    tau2: float | None = None
    i2: float | None = None
    chi2: float | None = None
    df: float | None = None
    p_chi2: float | None = None
    z: float | None = None
    p_z: float | None = None
    q: float | None = None
    p_q: float | None = None
    i2_q: float | None = None
    studies: float | None = None
    total_1: float | None = None
    total_2: float | None = None
    events_1: float | None = None
    events_2: float | None = None
    weight: float | None = None
    estimable: bool | None = None
    t: float | None = None
    pi_start: float | None = None
    pi_end: float | None = None
    tau2_ci_start: float | None = None
    tau2_ci_end: float | None = None


@dataclass(frozen=True, kw_only=True)
class StoredStudy:
    """RevMan's own study-level result on a ``*_DATA`` row (None where the file has no value)."""

    effect_size: float | None = None
    ci_start: float | None = None
    ci_end: float | None = None
    se: float | None = None
    var: float | None = None
    weight: float | None = None
    log_effect_size: float | None = None
    log_ci_start: float | None = None
    log_ci_end: float | None = None
    o_e: float | None = None
    estimable: bool | None = None


@dataclass(frozen=True, kw_only=True)
class SubgroupTest:
    """RevMan's stored test for subgroup differences (outcome-level ``Q``, ``P_Q``, ``I2_Q``).

    RevMan does not store the test's degrees of freedom; ``df`` is derived here as the number of
    estimable subgroups minus one (this reproduces the stored ``P_Q`` from ``Q``; see the tests).
    """

    q: float | None
    p_q: float | None
    i2_q: float | None
    df: int


@dataclass(frozen=True, kw_only=True)
class StudyRow:
    """One study's data in one analysis (``DICH_DATA``, ``CONT_DATA``, ``IV_DATA`` or ``IPD_DATA``).

    Only the fields of the row's data type are set; the others are None. ``events_*`` are as
    entered, *not* swapped when the outcome has ``SWAP_EVENTS="YES"`` (the long table applies it).
    Generic IV: ``estimate`` is ``EFFECT_SIZE`` and ``se`` is ``SE``: for ratios the estimate is on
    the natural scale and the SE on the log scale, whether or not the data were entered as logs
    (RevMan 5 writes the entered log in ``ESTIMATE`` and its antilog in ``EFFECT_SIZE``:
    bisphosphonates-myeloma-CD003188.rm5, Belch 1991, ESTIMATE 0.4608, EFFECT_SIZE 1.5853; a data
    package's ``GIV Mean`` is the log and is read as its antilog); see ``outcome_to_long``.
    A study may have more than one row in an analysis (a multi-arm trial entered once per
    comparison); rows are kept apart by their position.
    """

    study_id: str
    study: str
    order: int | None = None
    estimable: bool | None = None
    events_1: int | None = None
    total_1: int | None = None
    events_2: int | None = None
    total_2: int | None = None
    mean_1: float | None = None
    sd_1: float | None = None
    mean_2: float | None = None
    sd_2: float | None = None
    estimate: float | None = None
    se: float | None = None
    o_e: float | None = None
    var: float | None = None
    #: risk-of-bias judgements on this row (a RevMan Web data package's RoB 2 columns):
    #: (domain, judgement) pairs, e.g. ("Overall bias", "Some concerns")
    risk_of_bias: tuple[tuple[str, str], ...] = ()
    stored: StoredStudy = field(default_factory=StoredStudy)
    line: int | None = field(default=None, compare=False)

    @property
    def has_zero_cell(self) -> bool:
        """Dichotomous: a zero cell in the 2x2 table (no events, or all events, in an arm)."""
        if None in (self.events_1, self.total_1, self.events_2, self.total_2):
            return False
        return (
            self.events_1 == 0
            or self.events_2 == 0
            or self.events_1 == self.total_1
            or self.events_2 == self.total_2
        )


@dataclass(frozen=True, kw_only=True)
class Subgroup:
    """A ``*_SUBGROUP`` of an outcome, with its stored pooled result and its study rows."""

    no: int
    id: str
    name: str
    stored: StoredPooled | None
    rows: tuple[StudyRow, ...]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A ``DICH_OUTCOME``, ``CONT_OUTCOME``, ``IV_OUTCOME`` or ``IPD_OUTCOME`` (one analysis).

    ``rows`` holds the study rows directly under the outcome, and is empty when the outcome has
    subgroups (their rows are in ``subgroups``); ``iter_rows`` walks both. ``estimable`` is the
    outcome's ``ESTIMABLE`` attribute (None when the file does not say). ``higher_is_better`` is
    the direction of benefit where the source states it (a RevMan Web data package's
    ``study-data.json``: POSITIVE or NEGATIVE), else None (RevMan 5 files: the importer reads it
    from the forest-plot labels).
    """

    comparison_no: int
    outcome_no: int
    id: str
    name: str
    data_type: DataType
    settings: AnalysisSettings
    group_labels: tuple[str, str]
    graph_labels: tuple[str, str]
    stored: StoredPooled | None
    subgroups: tuple[Subgroup, ...]
    rows: tuple[StudyRow, ...]
    subgroup_test: SubgroupTest | None
    estimable: bool | None
    line: int | None = field(default=None, compare=False)
    higher_is_better: bool | None = None

    def iter_rows(self) -> Iterator[tuple[Subgroup | None, StudyRow]]:
        """Every study row with its subgroup (None for rows directly under the outcome)."""
        for row in self.rows:
            yield None, row
        for sg in self.subgroups:
            for row in sg.rows:
                yield sg, row


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A ``COMPARISON`` with its outcomes in file order."""

    no: int
    id: str
    name: str
    outcomes: tuple[Outcome, ...]
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class Review:
    """A RevMan 5 review: title, DOI, RevMan version, comparisons, and study id -> display name.

    ``printed_decimals``: the decimal places the file rounds its numbers to (a version-1 data
    package prints 6); None when it writes them in full (RevMan 5 files, 2.x packages).
    """

    title: str
    doi: str | None
    revman_version: str | None
    comparisons: tuple[Comparison, ...]
    studies: Mapping[str, str]
    printed_decimals: int | None = None

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """All outcomes of all comparisons, in file order."""
        return tuple(o for c in self.comparisons for o in c.outcomes)

    def outcome(self, comparison_no: int, outcome_no: int) -> Outcome:
        """The outcome numbered ``comparison_no.outcome_no``; KeyError if absent."""
        for o in self.outcomes:
            if o.comparison_no == comparison_no and o.outcome_no == outcome_no:
                return o
        raise KeyError(f"no outcome {comparison_no}.{outcome_no}")
