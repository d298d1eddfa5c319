"""Read a RevMan 5 review (``.rm5``, XML) into :mod:`reanalyse.revman.model` dataclasses.

Entry points: :func:`read_rm5` (a path) and :func:`parse_rm5` (bytes). Bad input of any kind raises
:class:`~reanalyse.errors.DataValidationError` carrying every problem found; for XML a problem's
``row`` is the line of the offending element's start tag and its ``column`` names the element and
attribute (``DICH_DATA/@EVENTS_1``).

Where the element and attribute names come from
-----------------------------------------------
Dichotomous outcomes are read from a real RevMan 5.2 file (the Cochrane review "Antibiotics for sore
throat", ``../shared/fixtures/revman``): ``DICH_OUTCOME`` > ``DICH_SUBGROUP`` > ``DICH_DATA`` and
their attributes. Continuous, generic inverse variance and O-E-and-variance outcomes are not in that
file; their names were learnt from the RevMan 5 importer of the R package *meta*
(guido-s/meta, ``R/read.rm5.R`` and its helper ``extract_outcomes`` in the package's internal
functions; ``R/metacr.R`` for their meaning), which reads ``<TYPE>_OUTCOME`` / ``<TYPE>_SUBGROUP`` /
``<TYPE>_DATA`` for TYPE in DICH, CONT, IV, IPD with ``MEAN_1``, ``SD_1``, ``TOTAL_1``, ``MEAN_2``,
``SD_2``, ``TOTAL_2`` (continuous), ``EFFECT_SIZE`` and ``SE`` (generic IV), ``O_E`` and ``VAR``
(O-E and variance), an ``EFFECT_MEASURE`` child element instead of the attribute for IV and IPD
outcomes, and the ``LOG_DATA`` and ``SWAP_EVENTS`` outcome attributes; and from the RevMan 5 User
Guide ("Analysis details": "Swap event and non-event", "Entered data are on log scale (generic
inverse variance only)"). Those three types are implemented from that documentation and tested on
synthetic files only.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TypeVar

from reanalyse.errors import DataValidationError, Problem
from reanalyse.revman._xml import Node, XmlSyntaxError, parse_xml
from reanalyse.revman.model import (
    AnalysisSettings,
    Comparison,
    DataType,
    Outcome,
    Review,
    StoredPooled,
    StoredStudy,
    StudyRow,
    Subgroup,
    SubgroupTest,
)

__all__ = ["decode_study_id", "parse_rm5", "read_rm5"]

T = TypeVar("T")

# Element-name prefix -> data type.
_DATA_TYPES: dict[str, DataType] = {
    "DICH": "dichotomous",
    "CONT": "continuous",
    "IV": "generic_iv",
    "IPD": "o_e_variance",
}
# Effect measures and methods RevMan 5 offers per data type (RevMan 5 User Guide, "Outcomes";
# the codes are those written in the files: RR/OR/RD/PETO_OR, MD/SMD, MH/IV/PETO). Generic IV and
# O-E outcomes name their measure in free text, so only dichotomous and continuous are checked.
_MEASURES = {"DICH": {"RR", "OR", "RD", "PETO_OR"}, "CONT": {"MD", "SMD"}}
_METHODS = {"DICH": {"MH", "IV", "PETO"}, "CONT": {"IV"}}
_DEFAULT_METHOD = {"IV": "IV", "IPD": "PETO", "CONT": "IV"}

# RevMan's defaults for labels it always writes (User Guide, "Outcome properties").
_DEFAULT_GROUP_LABELS = ("Experimental", "Control")
_DEFAULT_GRAPH_LABELS = ("Favours [experimental]", "Favours [control]")

_STORED_POOLED_ATTRS = {
    "effect_size": "EFFECT_SIZE",
    "ci_start": "CI_START",
    "ci_end": "CI_END",
    "log_effect_size": "LOG_EFFECT_SIZE",
    "log_ci_start": "LOG_CI_START",
    "log_ci_end": "LOG_CI_END",
    "tau2": "TAU2",
    "i2": "I2",
    "chi2": "CHI2",
    "df": "DF",
    "p_chi2": "P_CHI2",
    "z": "Z",
    "p_z": "P_Z",
    "q": "Q",
    "p_q": "P_Q",
    "i2_q": "I2_Q",
    "studies": "STUDIES",
    "total_1": "TOTAL_1",
    "total_2": "TOTAL_2",
    "events_1": "EVENTS_1",
    "events_2": "EVENTS_2",
    "weight": "WEIGHT",
}
_STORED_STUDY_ATTRS = {
    "effect_size": "EFFECT_SIZE",
    "ci_start": "CI_START",
    "ci_end": "CI_END",
    "se": "SE",
    "var": "VAR",
    "weight": "WEIGHT",
    "log_effect_size": "LOG_EFFECT_SIZE",
    "log_ci_start": "LOG_CI_START",
    "log_ci_end": "LOG_CI_END",
    "o_e": "O_E",
}

# RevMan writes decimals like "0.68", "2.25E-12", and "NaN", "Infinity", "-Infinity".
# (Python's float() alone would also accept "1_0", " 1 ", "inf", "nan"...)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:NaN|Infinity)")
_MAX_EXACT = 2.0**53
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decode_study_id(study_id: str) -> str:
    """Display name from a RevMan study ID: ``STD-Brink-1951`` -> "Brink 1951".

    RevMan builds IDs from the name: "STD-" prefix, spaces as "-", and characters not allowed in an
    XML ID escaped as ``_xHHHH_`` (hex code point), e.g. ``STD-El_x002d_Daher-1991`` -> "El-Daher
    1991". Used when a study row's STUDY_ID has no STUDY element with a NAME.
    """
    name = study_id.removeprefix("STD-")
    name = name.replace("-", " ")
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name)


def read_rm5(path: str | Path) -> Review:
    """Read a RevMan 5 ``.rm5`` file.

    Raises :class:`DataValidationError` with every problem found when the file cannot be read, is
    not well-formed XML (one problem, with the parser's line), is not a RevMan review, or holds
    missing, non-numeric or impossible values (each a problem naming element, attribute and line).
    """
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataValidationError.single(
            file=file,
            rule="unreadable-file",
            message=f"cannot read the file: {exc.strerror or exc}",
        ) from None
    return parse_rm5(data, file=file)


def parse_rm5(data: bytes | str, *, file: str = "<rm5>") -> Review:
    """Parse the bytes (or text) of a RevMan 5 file; see :func:`read_rm5`."""
    if isinstance(data, str):
        # The declaration's encoding no longer applies to text already decoded.
        data = re.sub(r"^(\s*<\?xml[^>]*?)\s+encoding=(['\"])[^'\"]*\2", r"\1", data, count=1)
        raw = data.encode("utf-8")
    else:
        raw = data
    try:
        root = parse_xml(raw)
    except XmlSyntaxError as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line is not None else ""
        raise DataValidationError.single(
            file=file, rule="malformed-xml", row=exc.line, message=exc.message + where
        ) from None
    return _ReviewReader(file).read(root)


class _ReviewReader:
    """Walks the tree, collecting problems instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    # -- problems and attribute access ------------------------------------------------------

    def problem(self, node: Node, attr: str | None, rule: str, message: str) -> None:
        column = f"{node.tag}/@{attr}" if attr else node.tag
        self.problems.append(
            Problem(file=self.file, row=node.line, column=column, rule=rule, message=message)
        )

    def text_attr(self, node: Node, attr: str, what: str, *, required: bool = True) -> str | None:
        """The stripped value; None (and a problem when required) if missing or blank."""
        value = node.attrib.get(attr)
        if value is None or not value.strip():
            if required:
                state = "is missing" if value is None else "is empty"
                self.problem(node, attr, "missing-attribute", f"{what}: attribute {attr} {state}")
            return None
        return value.strip()

    def number(
        self,
        node: Node,
        attr: str,
        what: str,
        *,
        required: bool = False,
        finite: bool = False,
        nonnegative: bool = False,
    ) -> float | None:
        """A decimal attribute; None when absent (a problem if required) or invalid (a problem)."""
        if not required and not (node.attrib.get(attr) or "").strip():
            # Absent, or empty: RevMan leaves its own results empty where it computed none
            # (Fleiss 1993, CMP-001.02: an SMD analysis with EFFECT_SIZE="" and CI_START="").
            return None
        raw = self.text_attr(node, attr, what, required=True)
        if raw is None:
            return None
        if not _NUMBER.fullmatch(raw):
            self.problem(node, attr, "non-numeric", f"{what}: {attr}={raw!r} is not a number")
            return None
        value = float(raw)
        if finite and not math.isfinite(value):
            message = f"{what}: {attr}={raw!r} must be a finite number"
            self.problem(node, attr, "non-finite", message)
            return None
        if nonnegative and value < 0:
            self.problem(node, attr, "negative-value", f"{what}: {attr}={raw} must not be negative")
            return None
        return value

    def integer(
        self, node: Node, attr: str, what: str, *, required: bool = False, count: bool = False
    ) -> int | None:
        """A whole-number attribute ("12" or "12.0"); with ``count``, also not negative."""
        value = self.number(node, attr, what, required=required)
        if value is None:
            return None
        raw = node.attrib[attr].strip()
        if not math.isfinite(value) or value != int(value):
            message = f"{what}: {attr}={raw!r} must be a whole number"
            self.problem(node, attr, "non-integer", message)
            return None
        if count and value < 0:
            self.problem(node, attr, "negative-count", f"{what}: {attr}={raw} must not be negative")
            return None
        if abs(value) >= _MAX_EXACT:  # beyond what a float (or an int64 column) holds exactly
            self.problem(node, attr, "out-of-range", f"{what}: {attr}={raw} is implausibly large")
            return None
        return int(value)

    def yes_no(self, node: Node, attr: str, what: str, default: T) -> bool | T:
        """YES/NO attribute; ``default`` when absent or invalid (invalid is a problem)."""
        raw = node.attrib.get(attr)
        if raw is None:
            return default
        if raw.strip().upper() == "YES":
            return True
        if raw.strip().upper() == "NO":
            return False
        self.problem(node, attr, "invalid-value", f"{what}: {attr}={raw!r} must be YES or NO")
        return default

    def ci_level(self, node: Node, attr: str, what: str) -> float:
        """CI_STUDY / CI_TOTAL in percent -> level; 0.95 (RevMan's default) when absent."""
        if attr not in node.attrib:
            return 0.95
        value = self.number(node, attr, what, finite=True)
        if value is None:
            return math.nan
        if not 0 < value < 100:
            message = f"{what}: {attr}={value:g} is not a confidence level in %"
            self.problem(node, attr, "invalid-value", message)
            return math.nan
        return value / 100

    # -- the document -------------------------------------------------------------------------

    def read(self, root: Node) -> Review:
        if root.tag != "COCHRANE_REVIEW":
            self.problem(
                root,
                None,
                "not-revman",
                f"root element is <{root.tag}>, not <COCHRANE_REVIEW>: not a RevMan 5 review",
            )
            raise DataValidationError(self.problems)

        cover = root.find("COVER_SHEET")
        title_node = cover.find("TITLE") if cover is not None else None
        title = title_node.text() if title_node is not None else ""
        doi = (root.attrib.get("DOI") or "").strip() or None
        version = (root.attrib.get("REVMAN_SUB_VERSION") or "").strip() or (
            root.attrib.get("REVMAN_VERSION") or ""
        ).strip() or None

        studies = self.read_studies(root)
        comparisons: list[Comparison] = []
        analyses = root.find("ANALYSES_AND_DATA")
        if analyses is not None:
            seen: dict[int, Node] = {}
            for node in analyses.findall("COMPARISON"):
                comparison = self.read_comparison(node, studies)
                if comparison.no is not None:
                    if comparison.no in seen:
                        self.problem(
                            node,
                            "NO",
                            "duplicate-number",
                            f"COMPARISON {comparison.id}: number {comparison.no} is also used "
                            f"by the comparison on line {seen[comparison.no].line}",
                        )
                    seen[comparison.no] = node
                comparisons.append(comparison)

        if self.problems:
            raise DataValidationError(self.problems)
        return Review(
            title=title,
            doi=doi,
            revman_version=version,
            comparisons=tuple(comparisons),
            studies=studies,
        )

    def read_studies(self, root: Node) -> dict[str, str]:
        """Study ID -> display name, from every STUDY under STUDIES_AND_REFERENCES/STUDIES."""
        studies: dict[str, str] = {}
        refs = root.find("STUDIES_AND_REFERENCES")
        container = refs.find("STUDIES") if refs is not None else None
        if container is None:
            return studies
        for node in container.iter("STUDY"):
            sid = (node.attrib.get("ID") or "").strip()
            if not sid:
                continue  # a study without ID cannot be referred to by any data row
            name = (node.attrib.get("NAME") or "").strip()
            studies[sid] = name or decode_study_id(sid)
        return studies

    def read_comparison(self, node: Node, studies: dict[str, str]) -> Comparison:
        cid = self.text_attr(node, "ID", "COMPARISON") or "?"
        what = f"COMPARISON {cid}"
        no = self.integer(node, "NO", what, required=True)
        name_node = node.find("NAME")
        name = name_node.text() if name_node is not None else ""
        outcomes: list[Outcome] = []
        seen: dict[int, Node] = {}
        for child in node.children:
            prefix, _, kind = child.tag.partition("_")
            if kind != "OUTCOME" or prefix not in _DATA_TYPES:
                continue  # e.g. OTHER_OUTCOME (free-text tables: nothing to analyse)
            outcome = self.read_outcome(child, prefix, no, studies)
            if outcome.outcome_no is not None:
                if outcome.outcome_no in seen:
                    self.problem(
                        child,
                        "NO",
                        "duplicate-number",
                        f"{child.tag} {outcome.id}: number {outcome.outcome_no} is also used by "
                        f"the outcome on line {seen[outcome.outcome_no].line}",
                    )
                seen[outcome.outcome_no] = child
            outcomes.append(outcome)
        return Comparison(
            no=no,  # type: ignore[arg-type]  # None only when a problem was reported
            id=cid,
            name=name,
            outcomes=tuple(outcomes),
            line=node.line,
        )

    def read_outcome(
        self, node: Node, prefix: str, comparison_no: int | None, studies: dict[str, str]
    ) -> Outcome:
        oid = self.text_attr(node, "ID", node.tag) or "?"
        what = f"{node.tag} {oid}"
        no = self.integer(node, "NO", what, required=True)

        def child_text(tag: str, default: str) -> str:
            child = node.find(tag)
            text = child.text() if child is not None else ""
            return text or default

        name = child_text("NAME", "")
        group_labels = (
            child_text("GROUP_LABEL_1", _DEFAULT_GROUP_LABELS[0]),
            child_text("GROUP_LABEL_2", _DEFAULT_GROUP_LABELS[1]),
        )
        graph_labels = (
            child_text("GRAPH_LABEL_1", _DEFAULT_GRAPH_LABELS[0]),
            child_text("GRAPH_LABEL_2", _DEFAULT_GRAPH_LABELS[1]),
        )

        subgroup_nodes = node.findall(f"{prefix}_SUBGROUP")
        settings = self.read_settings(node, prefix, what, has_subgroups=bool(subgroup_nodes))
        stored = self.read_stored_pooled(node, what)
        rows = self.read_rows(node, prefix, what, studies)
        subgroups = tuple(self.read_subgroup(s, prefix, oid, studies) for s in subgroup_nodes)

        subgroup_test = None
        if settings.subgroups and subgroups:
            counted = sum(1 for sg in subgroups if _subgroup_is_estimable(sg))
            subgroup_test = SubgroupTest(
                q=stored.q if stored else None,
                p_q=stored.p_q if stored else None,
                i2_q=stored.i2_q if stored else None,
                df=max(counted - 1, 0),
            )

        return Outcome(
            comparison_no=comparison_no,  # type: ignore[arg-type]
            outcome_no=no,  # type: ignore[arg-type]
            id=oid,
            name=name,
            data_type=_DATA_TYPES[prefix],
            settings=settings,
            group_labels=group_labels,
            graph_labels=graph_labels,
            stored=stored,
            subgroups=subgroups,
            rows=rows,
            subgroup_test=subgroup_test,
            estimable=self.yes_no(node, "ESTIMABLE", what, None),
            line=node.line,
        )

    def read_settings(
        self, node: Node, prefix: str, what: str, *, has_subgroups: bool
    ) -> AnalysisSettings:
        # Effect measure: an attribute for DICH/CONT; for IV and IPD RevMan may write it as a child
        # element holding the measure's name (meta's importer reads both).
        measure = self.text_attr(node, "EFFECT_MEASURE", what, required=False)
        if measure is None:
            child = node.find("EFFECT_MEASURE")
            measure = child.text() if child is not None else None
        if not measure:
            self.problem(
                node,
                "EFFECT_MEASURE",
                "missing-attribute",
                f"{what}: no effect measure (attribute or element EFFECT_MEASURE)",
            )
            measure = ""
        elif prefix in _MEASURES and measure not in _MEASURES[prefix]:
            allowed = ", ".join(sorted(_MEASURES[prefix]))
            self.problem(
                node,
                "EFFECT_MEASURE",
                "measure-data-type",
                f"{what}: effect measure {measure!r} does not fit {_DATA_TYPES[prefix]} data "
                f"(expected one of {allowed})",
            )

        method = self.text_attr(node, "METHOD", what, required=prefix == "DICH")
        if method is None:
            method = _DEFAULT_METHOD.get(prefix, "")
        elif prefix in _METHODS and method not in _METHODS[prefix]:
            allowed = ", ".join(sorted(_METHODS[prefix]))
            self.problem(
                node,
                "METHOD",
                "measure-data-type",
                f"{what}: method {method!r} is not available for {_DATA_TYPES[prefix]} data "
                f"(expected one of {allowed})",
            )
        peto_mismatch = (method == "PETO") != (measure == "PETO_OR")
        if prefix == "DICH" and peto_mismatch and measure in _MEASURES["DICH"]:
            self.problem(
                node,
                "METHOD",
                "measure-data-type",
                f"{what}: method {method!r} does not go with effect measure {measure!r} "
                "(the Peto method goes with PETO_OR only)",
            )

        random = self.yes_no(node, "RANDOM", what, None)
        if random is None:
            # O-E outcomes may omit RANDOM (fixed effect; meta's importer assumes "NO").
            if "RANDOM" not in node.attrib and prefix != "IPD":
                message = f"{what}: attribute RANDOM is missing"
                self.problem(node, "RANDOM", "missing-attribute", message)
            random = False

        totals = self.text_attr(node, "TOTALS", what, required=False) or "YES"
        if totals not in ("YES", "SUB", "NO"):
            self.problem(
                node, "TOTALS", "invalid-value", f"{what}: TOTALS={totals!r} must be YES, SUB or NO"
            )
        log_data = self.yes_no(node, "LOG_DATA", what, None) if prefix == "IV" else None
        return AnalysisSettings(
            effect_measure=measure,
            method=method,
            random=random,
            ci_study=self.ci_level(node, "CI_STUDY", what),
            ci_total=self.ci_level(node, "CI_TOTAL", what),
            swap_events=self.yes_no(node, "SWAP_EVENTS", what, False),
            totals=totals,
            subgroups=self.yes_no(node, "SUBGROUPS", what, has_subgroups),
            subgroup_test=self.yes_no(node, "SUBGROUP_TEST", what, True),
            log_data=log_data,
        )

    def read_stored_pooled(self, node: Node, what: str) -> StoredPooled | None:
        values = {
            field: self.number(node, attr, what) for field, attr in _STORED_POOLED_ATTRS.items()
        }
        estimable = self.yes_no(node, "ESTIMABLE", what, None)
        if estimable is None and all(v is None for v in values.values()):
            return None
        return StoredPooled(**values, estimable=estimable)

    def read_subgroup(
        self, node: Node, prefix: str, outcome_id: str, studies: dict[str, str]
    ) -> Subgroup:
        sid = self.text_attr(node, "ID", f"{node.tag} in outcome {outcome_id}") or "?"
        what = f"{node.tag} {sid}"
        no = self.integer(node, "NO", what, required=True)
        name_node = node.find("NAME")
        return Subgroup(
            no=no,  # type: ignore[arg-type]
            id=sid,
            name=name_node.text() if name_node is not None else "",
            stored=self.read_stored_pooled(node, what),
            rows=self.read_rows(node, prefix, what, studies),
            line=node.line,
        )

    def read_rows(
        self, parent: Node, prefix: str, parent_what: str, studies: dict[str, str]
    ) -> tuple[StudyRow, ...]:
        """The parent's data rows in file order, each kept apart by its position.

        Real reviews enter one study more than once in an analysis (a multi-arm trial once per
        comparison, a study split by a footnoted group: benzodiazepines-vs-pregabalin-gad.rm5
        has 44 such rows, fluoride-toothpastes-CD007868.rm5 8), and RevMan pools each row. Only
        rows that contradict each other are refused: the same study with the same ``ORDER``
        (RevMan's number of a data entry) holding different data. ``ORDER`` alone does not
        identify a row (vitamin-d-liver-CD011564.rm5 repeats it across subgroups and studies).
        """
        rows: list[StudyRow] = []
        seen: dict[tuple[str, int | None], StudyRow] = {}
        for node in parent.findall(f"{prefix}_DATA"):
            row = self.read_row(node, prefix, parent_what, studies)
            if row is None:
                continue
            key = (row.study_id, row.order)
            first = seen.get(key)
            changed = ", ".join(
                f"{name.upper()} {a} vs {b}"
                for name, (a, b) in _data_pairs(first, row).items()
                if not _same(a, b)
            ) if row.order is not None and first is not None else ""
            if changed:
                self.problem(
                    node,
                    "STUDY_ID",
                    "contradicting-rows",
                    f"{node.tag} in {parent_what}: study {row.study_id} (ORDER {row.order}) "
                    f"contradicts its row on line {first.line}: {changed}",
                )
            seen.setdefault(key, row)
            rows.append(row)
        return tuple(rows)

    def read_row(
        self, node: Node, prefix: str, parent_what: str, studies: dict[str, str]
    ) -> StudyRow | None:
        study_id = self.text_attr(node, "STUDY_ID", f"{node.tag} in {parent_what}")
        if study_id is None:
            return None
        what = f"{node.tag} of study {study_id} in {parent_what}"
        values: dict[str, object] = {}

        def count(attr: str, required: bool = True) -> int | None:
            return self.integer(node, attr, what, required=required, count=True)

        if prefix == "DICH" or prefix == "IPD":
            required = prefix == "DICH"
            values.update(
                events_1=count("EVENTS_1", required),
                total_1=count("TOTAL_1", required),
                events_2=count("EVENTS_2", required),
                total_2=count("TOTAL_2", required),
            )
            for arm in ("1", "2"):
                events, total = values[f"events_{arm}"], values[f"total_{arm}"]
                if isinstance(events, int) and isinstance(total, int) and events > total:
                    self.problem(
                        node,
                        f"EVENTS_{arm}",
                        "events-exceed-total",
                        f"{what}: EVENTS_{arm}={events} exceeds TOTAL_{arm}={total}",
                    )
        elif prefix == "CONT":
            for arm in ("1", "2"):
                values[f"mean_{arm}"] = self.number(
                    node, f"MEAN_{arm}", what, required=True, finite=True
                )
                values[f"sd_{arm}"] = self.number(
                    node, f"SD_{arm}", what, required=True, finite=True, nonnegative=True
                )
                values[f"total_{arm}"] = count(f"TOTAL_{arm}")
        elif prefix == "IV":
            values["estimate"] = self.number(node, "EFFECT_SIZE", what, required=True)
            values["se"] = self.number(node, "SE", what, required=True, nonnegative=True)
            values["total_1"] = count("TOTAL_1", False)  # display only, when entered
            values["total_2"] = count("TOTAL_2", False)
        if prefix == "IPD":
            values["o_e"] = self.number(node, "O_E", what, required=True, finite=True)
            values["var"] = self.number(
                node, "VAR", what, required=True, finite=True, nonnegative=True
            )

        # RevMan's own results; attributes already read as data are not parsed (or reported) twice.
        already = {"EFFECT_SIZE": "estimate", "SE": "se"} if prefix == "IV" else {}
        if prefix == "IPD":
            already = {"O_E": "o_e", "VAR": "var"}
        stored: dict[str, float | None] = {}
        for field, attr in _STORED_STUDY_ATTRS.items():
            if attr in already:
                stored[field] = values[already[attr]]  # type: ignore[assignment]
            else:
                stored[field] = self.number(node, attr, what)
        estimable = self.yes_no(node, "ESTIMABLE", what, None)

        return StudyRow(
            study_id=study_id,
            study=studies.get(study_id) or decode_study_id(study_id),
            order=self.integer(node, "ORDER", what),
            estimable=estimable,
            stored=StoredStudy(**stored, estimable=estimable),
            line=node.line,
            **values,  # type: ignore[arg-type]
        )


_DATA_FIELDS = ("events_1", "total_1", "events_2", "total_2", "mean_1", "sd_1", "mean_2", "sd_2",
                "estimate", "se", "o_e", "var")


def _data_pairs(a: StudyRow, b: StudyRow) -> dict[str, tuple[object, object]]:
    """The data the review authors entered on two rows (not RevMan's results, nor position)."""
    return {name: (getattr(a, name), getattr(b, name)) for name in _DATA_FIELDS}


def _same(a: object, b: object) -> bool:
    both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return a == b or both_nan


def _subgroup_is_estimable(sg: Subgroup) -> bool:
    if sg.stored is not None and sg.stored.estimable is not None:
        return sg.stored.estimable
    return any(row.estimable is not False for row in sg.rows)

