"""Load and validate a study-data table (CSV file or DataFrame) into a :class:`StudyTable`.

Validation collects every problem before raising :class:`~reanalyse.errors.DataValidationError`;
each problem names the file, the row (spreadsheet numbering: header = row 1), the column and the
rule. Rules: missing column, non-numeric value, n <= 0, sd <= 0, events < 0 or > total, total <= 0,
se <= 0, a CI that does not contain its estimate, a non-positive ratio, a duplicated study-arm, a
study with a single arm, and a row whose kind (continuous arm, binary arm, contrast) cannot be told.
Whether a measure fits the data is checked when an analysis asks for one
(:func:`reanalyse.effects.study_effects`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reanalyse.data.columns import ALL_COLUMNS, NUMERIC_COLUMNS, REQUIRED, TEXT_COLUMNS
from reanalyse.errors import DataValidationError, Problem
from reanalyse.measures import MEASURES, is_ratio

__all__ = ["StudyTable", "load_table", "row_kinds"]

#: Name of the column holding each row's spreadsheet row number in the source.
ROW = "row"
KIND = "kind"
#: Bookkeeping columns a caller may add to a DataFrame (as ``reanalyse.analyses`` does for rows
#: picked from several files) so that problems name each row's own file and row number.
SOURCE_FILE, SOURCE_ROW = "_file", "_row"
_POSITION = "_position"
_INTEGER_COLUMNS = ("events", "total")


@dataclass(frozen=True)
class StudyTable:
    """A validated study-data table in canonical form.

    Attributes
    ----------
    frame
        One row per arm or contrast with the canonical columns (text columns as strings, empty
        string for absent; numeric columns as float, NaN for absent), plus ``kind`` (continuous,
        binary, contrast) and ``row`` (the row number in the source, header = 1).
    name
        Where the table came from (a file path, or a name given by the caller).
    """

    frame: pd.DataFrame
    name: str = "<table>"
    _hash: str = field(default="", repr=False, compare=False)
    #: the frame's columns as numpy arrays, filled by validation (and on first use)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def column(self, name: str) -> np.ndarray:
        """The column ``name`` as a numpy array (text as objects, numbers as float), kept for
        the next call: pandas' per-column cost dominated on tables of a few rows."""
        values = self._columns.get(name)
        if values is None:
            values = self.frame[name].to_numpy()
            self._columns[name] = values
        return values

    def select(
        self,
        *,
        outcome: str | None = None,
        timepoint: str | None = None,
        studies: Iterable[str] | None = None,
        subgroup: str | None = None,
    ) -> StudyTable:
        """Rows for one outcome / timepoint / subgroup / set of studies (None keeps all)."""
        f = self.frame
        mask = pd.Series(True, index=f.index)
        for col, val in (("outcome", outcome), ("timepoint", timepoint), ("subgroup", subgroup)):
            if val is not None:
                mask &= f[col] == val
        if studies is not None:
            mask &= f["study"].isin(list(studies))
        keep = mask.to_numpy(dtype=bool)
        return StudyTable(frame=f.loc[keep].reset_index(drop=True), name=self.name,
                          _columns={c: v[keep] for c, v in self._columns.items()})

    @property
    def outcomes(self) -> list[str]:
        """The distinct outcomes, in order of appearance."""
        return list(dict.fromkeys(self.frame["outcome"]))

    @property
    def studies(self) -> list[str]:
        """The distinct studies, in order of appearance."""
        return list(dict.fromkeys(self.frame["study"]))

    @property
    def treatments(self) -> list[str]:
        """Every treatment named as an arm or in a contrast, in order of appearance."""
        names = list(self.frame["treatment"])
        names += [c for c in self.frame["comparator"] if c]
        return list(dict.fromkeys(names))

    def data_hash(self) -> str:
        """SHA-256 of the canonical frame's content (for provenance)."""
        import hashlib

        cols = [c for c in ALL_COLUMNS if c in self.frame.columns]
        payload = self.frame[cols].to_csv(index=False).encode()
        return hashlib.sha256(payload).hexdigest()


def load_table(source: str | Path | pd.DataFrame, *, name: str | None = None) -> StudyTable:
    """Read and validate a study-data table.

    Parameters
    ----------
    source
        Path of a CSV file, or a DataFrame with the canonical column names.
    name
        How problems refer to the table (default: the file path, or ``<table>``).

    Returns
    -------
    StudyTable

    Raises
    ------
    DataValidationError
        Listing every problem found, each with file, row, column and rule.
    """
    if isinstance(source, pd.DataFrame):
        label = name or "<table>"
        raw = pd.DataFrame({i: _column_text(source.iloc[:, i].to_numpy(dtype=object))
                            for i in range(source.shape[1])})
        raw.columns = [str(c).strip() for c in source.columns]
    else:
        path = Path(source)
        label = name or str(source)
        raw = _read_csv(path, label)
    return _validate(raw, label)


def _column_text(values: np.ndarray) -> np.ndarray:
    """A DataFrame column as the text a CSV file would hold (empty for missing), whole."""
    return np.where(pd.isna(values), "", values.astype(str)).astype(object)


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    if not path.exists():
        raise DataValidationError.single(file=label, rule="file", message="file not found")
    if path.is_dir():
        raise DataValidationError.single(file=label, rule="file", message="is a directory")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataValidationError.single(
            file=label, rule="encoding", message=f"not UTF-8 text ({err.reason} at byte {err.start})"
        ) from None
    if not text.strip():
        raise DataValidationError.single(file=label, rule="file", message="the file is empty")
    import io

    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError) as err:
        raise DataValidationError.single(
            file=label, rule="csv", message=f"not a readable CSV table: {err}"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def row_kinds(filled: Callable[[str], np.ndarray]) -> np.ndarray:
    """The kind of each row from which of its cells are filled (``filled(column)`` is a boolean
    array): ``contrast`` with an estimate, else ``binary`` with events or a total, else
    ``continuous`` with a mean, SD or n, else ``""`` (no data). The one rule, for validated
    tables and for the raw rows an analysis picks from its files."""
    is_contrast = filled("estimate")
    is_binary = ~is_contrast & (filled("events") | filled("total"))
    is_cont = ~is_contrast & ~is_binary & (filled("mean") | filled("sd") | filled("n"))
    return np.where(is_contrast, "contrast",
                    np.where(is_binary, "binary", np.where(is_cont, "continuous", ""))
                    ).astype(object)


def _validate(raw: pd.DataFrame, label: str) -> StudyTable:
    problems: list[Problem] = []
    n_rows = len(raw)
    # rows picked from files by reanalyse.analyses carry their file and row: problems name those
    if {SOURCE_FILE, SOURCE_ROW} <= set(raw.columns):
        files = raw[SOURCE_FILE].astype(str).tolist()
        rows = pd.to_numeric(raw[SOURCE_ROW]).astype(int).to_numpy()
    else:
        files = [label] * n_rows
        rows = np.arange(2, n_rows + 2)

    def add(rule: str, message: str, at: int | None = None, column: str | None = None) -> None:
        """One problem; ``at`` is the row's position in ``raw`` (None: the whole table)."""
        problems.append(Problem(file=label if at is None else files[at], rule=rule,
                                message=message, row=None if at is None else int(rows[at]),
                                column=column))

    dupes = [c for c in raw.columns if list(raw.columns).count(c) > 1]
    if dupes:
        for c in dict.fromkeys(dupes):
            add("duplicate column", f"column '{c}' appears more than once", column=c)
        raise DataValidationError(problems)

    for col in ("study", "treatment"):
        if col not in raw.columns:
            add("missing column", f"required column '{col}' is absent", column=col)
    has_data_cols = any(c in raw.columns for c in ("mean", "events", "estimate", "n", "total"))
    if not has_data_cols:
        add(
            "missing column",
            "no data columns: a table needs (n, mean, sd) for continuous arms, (events, total) "
            "for binary arms, or (comparator, estimate, se or ci_low/ci_high) for contrasts",
        )
    if problems:
        raise DataValidationError(problems)
    if raw.empty:
        raise DataValidationError.single(file=label, rule="empty", message="the table has no rows")

    # columns as numpy arrays (the tables are small: pandas' per-operation cost dominated)
    text = {col: (np.char.strip(raw[col].to_numpy(dtype=str)) if col in raw.columns
                  else np.full(n_rows, "", dtype=object)).astype(object)
            for col in TEXT_COLUMNS}
    num: dict[str, np.ndarray] = {c: np.full(n_rows, np.nan) for c in NUMERIC_COLUMNS}
    bad_cells = {c: np.zeros(n_rows, dtype=bool) for c in NUMERIC_COLUMNS}
    given = [c for c in NUMERIC_COLUMNS if c in raw.columns]
    if given:
        # every numeric column parsed in one call. pandas' parser takes plain ASCII decimals
        # only (Python's float() would also take "1_000" and non-ASCII digits); inf and nan
        # are refused as not finite
        values = np.char.strip(np.stack([raw[c].to_numpy(dtype=str) for c in given]))
        flat = values.ravel()
        parsed = pd.to_numeric(pd.Series(flat, dtype=object).where(flat != ""),
                               errors="coerce").to_numpy(dtype=np.float64, copy=True)
        parsed = parsed.reshape(values.shape)
        bad = (values != "") & ~np.isfinite(parsed)
        parsed[bad] = np.nan
        for j, col in enumerate(given):
            for i in np.flatnonzero(bad[j]):
                add("non-numeric", f"'{values[j, i]}' is not a finite number", int(i), col)
            num[col] = parsed[j]
            # which cells were present but bad, so that "missing" is not reported twice
            bad_cells[col] = bad[j]

    def present(col: str) -> np.ndarray:
        return ~np.isnan(num[col]) | bad_cells[col]

    kind = row_kinds(present)

    for i, _, rule, message, column in sorted(_row_problems(raw, kind, num, text, present)):
        add(rule, message, i, column)

    columns = {**text, **{c: num[c] for c in NUMERIC_COLUMNS}, KIND: kind, ROW: rows}
    _check_structure(columns, add)
    problems.sort(key=lambda p: (p.file, p.row or 0))
    if problems:
        raise DataValidationError(problems)
    return StudyTable(frame=pd.DataFrame(columns), name=label, _columns=columns)


def _row_problems(raw: pd.DataFrame, kind: np.ndarray, num: dict[str, np.ndarray],
                  text: dict[str, np.ndarray],
                  present) -> list[tuple[int, int, str, str, str | None]]:  # type: ignore[no-untyped-def]
    """Every per-row problem as ``(position, order within the row, rule, message, column)``.

    Each rule is checked on whole columns; sorting by position and order lists them row by row
    in the order a reader meets them (names, the row's kind, missing values, then values).
    """
    out: list[tuple[int, int, str, str, str | None]] = []
    seq = iter(range(1_000_000))

    def each(mask: object, rule: str, message, column: str | None) -> None:  # type: ignore[no-untyped-def]
        order = next(seq)
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            out.append((int(i), order, rule, message(int(i)) if callable(message) else message,
                        column))

    k = kind
    cont, binary, contrast = k == "continuous", k == "binary", k == "contrast"
    each(text["study"] == "", "missing value", "study is empty", "study")
    each(text["treatment"] == "", "missing value", "treatment is empty", "treatment")
    each(k == "", "row kind", "no data in this row: fill (n, mean, sd), (events, total) or "
         "(estimate with se or ci_low/ci_high)", None)
    for row_kind, mask in (("continuous", cont), ("binary", binary), ("contrast", contrast)):
        for col in REQUIRED[row_kind]:
            if col in ("study", "treatment"):
                continue
            lacking = (text[col] == "") if col in TEXT_COLUMNS else ~present(col)
            rule = "missing column" if col not in raw.columns else "missing value"
            each(mask & lacking, rule, f"a {row_kind} row needs '{col}'", col)

    v = {c: np.asarray(num[c], dtype=float) for c in NUMERIC_COLUMNS}
    ok = {c: ~np.isnan(x) for c, x in v.items()}

    def g(col: str):  # type: ignore[no-untyped-def]
        return lambda i: f"{v[col][i]:g}"

    with np.errstate(invalid="ignore"):
        each(cont & ok["n"] & (v["n"] <= 0), "n <= 0",
             lambda i: f"n must be positive, got {g('n')(i)}", "n")
        each(cont & ok["sd"] & (v["sd"] <= 0), "sd <= 0",
             lambda i: f"sd must be positive, got {g('sd')(i)}", "sd")
        for col in _INTEGER_COLUMNS:
            each(binary & ok[col] & (v[col] != np.round(v[col])), "not a count",
                 lambda i, c=col: f"{c} must be a whole number, got {g(c)(i)}", col)
        each(binary & ok["total"] & (v["total"] <= 0), "total <= 0",
             lambda i: f"total must be positive, got {g('total')(i)}", "total")
        each(binary & ok["events"] & (v["events"] < 0), "events < 0",
             lambda i: f"events must not be negative, got {g('events')(i)}", "events")
        each(binary & ok["events"] & ok["total"] & (v["events"] > v["total"]), "events > total",
             lambda i: f"events ({g('events')(i)}) exceed total ({g('total')(i)})", "events")
        measure = text["measure"]
        known = np.isin(measure, list(MEASURES))
        each(contrast & (measure != "") & ~known, "unknown measure",
             lambda i: f"measure '{measure[i]}' is not one of {', '.join(MEASURES)}", "measure")
        comparator, treatment = text["comparator"], text["treatment"]
        each(contrast & (comparator != "") & (comparator == treatment), "self-comparison",
             "treatment and comparator are the same", "comparator")
        has_se, has_lo, has_hi = ok["se"], ok["ci_low"], ok["ci_high"]
        lacking_ci = contrast & ~has_se & ~(has_lo & has_hi)
        for missing, mask in (("ci_high", has_lo), ("ci_low", ~has_lo & has_hi),
                              ("se", ~has_lo & ~has_hi)):
            each(lacking_ci & mask, "missing value",
                 "a contrast needs se, or both ci_low and ci_high", missing)
        each(contrast & has_se & (v["se"] <= 0), "se <= 0",
             lambda i: f"se must be positive, got {g('se')(i)}", "se")
        ratio = np.array([is_ratio(m) for m in measure], dtype=bool)
        for col in ("estimate", "ci_low", "ci_high"):
            each(contrast & ratio & ok[col] & (v[col] <= 0), "ratio <= 0",
                 lambda i, c=col: f"a {measure[i]} must be positive on the natural scale, "
                 f"got {g(c)(i)}", col)
        lvl = v["ci_level"]
        each(contrast & ok["ci_level"] & ~(((lvl > 0) & (lvl < 1)) | ((lvl > 1) & (lvl < 100))),
             "ci level", lambda i: f"ci_level must be a probability (0.95) or a percent (95), "
             f"got {g('ci_level')(i)}", "ci_level")
        both = contrast & has_lo & has_hi & ok["estimate"]
        lo, hi, est = v["ci_low"], v["ci_high"], v["estimate"]
        each(both & (lo >= hi), "CI order",
             lambda i: f"ci_low ({g('ci_low')(i)}) must be below ci_high ({g('ci_high')(i)})",
             "ci_low")
        each(both & (lo < hi) & ~((lo <= est) & (est <= hi)), "CI excludes estimate",
             lambda i: f"the CI {g('ci_low')(i)} to {g('ci_high')(i)} does not contain the "
             f"estimate {g('estimate')(i)}", "estimate")
    return out


def _check_structure(columns: dict[str, np.ndarray], add) -> None:  # type: ignore[no-untyped-def]
    """Duplicated arms or contrasts, single-arm studies and studies mixing arm kinds, over the
    rows with data (plain Python over them: a dictionary per rule is what pandas' groupby
    would build, at a fraction of its per-call cost)."""
    place = ("outcome", "timepoint", "subgroup")
    keep = np.flatnonzero(columns[KIND] != "")
    cols = {c: columns[c][keep].tolist() for c in ("study", "treatment", "comparator", *place,
                                                   KIND, ROW)}
    cols[_POSITION] = keep.tolist()
    n = keep.size

    def where(i: int) -> str:
        bits = [f"{c} '{cols[c][i]}'" for c in place if cols[c][i]]
        return f" for {', '.join(bits)}" if bits else ""

    first_arm: dict[tuple[object, ...], int] = {}
    seen_contrast: set[tuple[object, ...]] = set()
    groups: dict[tuple[object, ...], list[int]] = {}
    for i in range(n):
        spot = tuple(cols[c][i] for c in place)
        if cols[KIND][i] == "contrast":
            key = (cols["study"][i], cols["treatment"][i], cols["comparator"][i], *spot)
            if key in seen_contrast:
                add("duplicated contrast", f"study '{cols['study'][i]}' has the contrast "
                    f"'{cols['treatment'][i]}' vs '{cols['comparator'][i]}' twice{where(i)}",
                    int(cols[_POSITION][i]), "comparator")
            seen_contrast.add(key)
            continue
        key = (cols["study"][i], cols["treatment"][i], *spot)
        if key in first_arm:
            add("duplicated study-arm", f"study '{cols['study'][i]}' has arm "
                f"'{cols['treatment'][i]}' twice{where(i)} (first at row "
                f"{cols[ROW][first_arm[key]]})", int(cols[_POSITION][i]), "treatment")
        else:
            first_arm[key] = i
        groups.setdefault((cols["study"][i], *spot), []).append(i)
    for members in groups.values():
        i = members[0]
        if len({cols["treatment"][j] for j in members}) < 2:
            add("single arm", f"study '{cols['study'][i]}' has only the arm "
                f"'{cols['treatment'][i]}'{where(i)}; a comparison needs two arms (or give a "
                "contrast row instead)", int(cols[_POSITION][i]), "study")
        if len({cols[KIND][j] for j in members}) > 1:
            add("mixed arm kinds", f"study '{cols['study'][i]}' mixes continuous and binary "
                f"arms{where(i)}", int(cols[_POSITION][i]), "study")
