"""The one domain error for bad input, and the problems it collects.

Every loader and validator in reanalyse collects *all* problems it finds before raising, so that a
methodologist fixes a file in one pass. Each problem names the file, the row (spreadsheet numbering:
the header is row 1, the first data row is row 2), the column and the rule broken.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DataValidationError", "Problem"]


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One violated rule in one place of an input file."""

    file: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: [{self.rule}] {self.message}"


class DataValidationError(ValueError):
    """Raised when input breaks one or more rules; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("DataValidationError needs at least one problem")
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))

    @classmethod
    def single(
        cls,
        *,
        file: str,
        rule: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
    ) -> DataValidationError:
        """Build an error holding one problem."""
        return cls([Problem(file=file, rule=rule, message=message, row=row, column=column)])

    @property
    def lines(self) -> Sequence[str]:
        """One printable line per problem."""
        return [str(p) for p in self.problems]
