"""HTML tables of the report: from cells already written as HTML, or from a data frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from reanalyse.report.format import e, number

__all__ = ["Cell", "frame_table", "html_table"]


@dataclass(frozen=True)
class Cell:
    """One table cell: its HTML (escaped by the caller), whether it is a number (right
    aligned), and how many columns it spans."""

    html: str
    numeric: bool = False
    span: int = 1

    def td(self) -> str:
        """The ``<td>`` element."""
        attrs = ' class="num"' if self.numeric else ""
        if self.span > 1:
            attrs += f' colspan="{self.span}"'
        return f"<td{attrs}>{self.html}</td>"


def html_table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, table_id: str,
               groups: Sequence[tuple[str, int]] = (), css_class: str = "") -> str:
    """A table with plain-text ``headers`` (escaped here), an optional first header row of
    column ``groups`` (name, number of columns), and rows of :class:`Cell`."""
    head = ""
    if groups:
        head += "<tr>" + "".join(f'<th colspan="{n}" scope="colgroup">{e(name)}</th>'
                                 for name, n in groups) + "</tr>"
    head += "<tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in headers) + "</tr>"
    body = "".join("<tr>" + "".join(c.td() for c in row) + "</tr>" for row in rows)
    cls = f' class="{e(css_class)}"' if css_class else ""
    return (f'<table id="{e(table_id)}"{cls}><thead>{head}</thead><tbody>{body}</tbody>'
            "</table>")


def frame_table(frame: pd.DataFrame, *, table_id: str, digits: dict[str, int] | None = None,
                headers: dict[str, str] | None = None) -> str:
    """A data frame as a table: numbers right aligned with ``digits`` decimals per column
    (default 2), column names replaced by ``headers`` where given."""
    digits = digits or {}
    headers = headers or {}
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(Cell(number(v, digits.get(c, 2)), numeric=True))
            else:
                cells.append(Cell(e(v)))
        rows.append(cells)
    return html_table([headers.get(c, c) for c in frame.columns], rows, table_id=table_id)
