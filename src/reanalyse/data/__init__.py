"""Study data: the canonical tidy table, its columns, loading and validation."""

from reanalyse.data.columns import ALL_COLUMNS, NUMERIC_COLUMNS, TEXT_COLUMNS, RowKind
from reanalyse.data.table import StudyTable, load_table

__all__ = ["ALL_COLUMNS", "NUMERIC_COLUMNS", "TEXT_COLUMNS", "RowKind", "StudyTable", "load_table"]
