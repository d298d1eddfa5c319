"""Forest plot as RevMan 5 and metafor draw it, from a pooled result.

Left of the graph, the table (:mod:`reanalyse.plots.forest_rows`): per study the arm data, the
weight and the effect with its CI as text; subgroup blocks with subtotals; the total with the
heterogeneity line, the test for the overall effect and the test for subgroup differences. In
the graph: squares sized by weight with their CIs, diamonds for subtotals and the total, the null
line, clinically meaningful thresholds, and, given a :class:`BayesianBlock`, the shrunken study
estimates, the posterior of mu and the predictive interval for a new trial, each in the legend
with the fit named. Ratios on a log axis labelled on the natural scale
(:mod:`reanalyse.plots.ratio_axis`); "Favours ..." under the axis on the sides the
:class:`reanalyse.direction.Orientation` gives.

The Axes is the graph; the table is drawn beside it (left of the Axes, in points), so a plot
on a given ``ax`` needs room on its left, which ``bbox_inches="tight"`` keeps when saving.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from reanalyse.plots.forest_bayes import BayesianBlock
from reanalyse.plots.forest_rows import Column, Row, forest_columns, forest_rows
from reanalyse.plots.ratio_axis import ratio_span, ratio_ticks
from reanalyse.plots.sides import label_sides

if TYPE_CHECKING:
    from reanalyse.direction import Orientation
    from reanalyse.pooling import PooledResult
    from reanalyse.thresholds import ScaledThreshold

__all__ = ["BayesianBlock", "plot_forest"]

FONT = 10.0  # points: legible when the figure is shown 700 px wide
_ROW = 1.45 * FONT  # points per row
_GAP = 12.0  # points between columns
_GRAPH = 240.0  # points: width of the graph
_BAYES = "tab:blue"
_THRESHOLD = "tab:green"
_MIN_TABLE = 330.0  # points: headings and notes wrap at the table's width, at least this
_HEADER_ROWS = 3.7  # rows above the first line: group names and column headings


def _width(text: str, *, size: float = FONT, bold: bool = False) -> float:
    """Width of ``text`` in points (the longest of its lines)."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return max((text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]
                for line in text.split("\n")), default=0.0)


def _spanning(row: Row) -> bool:
    return row.kind in ("heading", "note")


def _wrapped(rows: list[Row], width: float) -> list[Row]:
    """The rows with every heading or note longer than ``width`` points broken into lines
    (rows) at spaces."""
    out: list[Row] = []
    for row in rows:
        text = row.cells.get("study", "")
        if not _spanning(row) or _width(text, bold=row.kind == "heading") <= width:
            out.append(row)
            continue
        line = ""
        for word in text.split(" "):
            trial = f"{line} {word}".strip()
            if line and _width(trial, bold=row.kind == "heading") > width:
                out.append(replace(row, cells={"study": line}))
                line = "    " + word
            else:
                line = trial if not line.startswith("    ") else f"{line} {word}"
        out.append(replace(row, cells={"study": line}))
    return out


def _columns_width(columns: list[Column], rows: list[Row]) -> float:
    _, total = _layout(columns, [r for r in rows if not _spanning(r)])
    return total - _GAP


def _layout(columns: list[Column], rows: list[Row]) -> tuple[dict[str, float], float]:
    """Each column's anchor (points from the graph's left edge; negative) and the table width."""
    widths = []
    for col in columns:
        widths.append(max([_width(col.heading, bold=True)]
                          + [_width(r.cells.get(col.key, ""),
                                    bold=r.kind in ("total", "subtotal"))
                             for r in rows if not (_spanning(r) and col.key == "study")]))
    # group headings (an arm's name) span their columns
    groups: dict[str, float] = {}
    for col, w in zip(columns, widths, strict=True):
        if col.group:
            groups[col.group] = groups.get(col.group, -_GAP) + w + _GAP
    for g, span in groups.items():
        members = [i for i, c in enumerate(columns) if c.group == g]
        short = _width(g, bold=True) - span
        if short > 0:
            widths[members[0]] += short
    spans = max([_width(r.cells.get("study", ""), bold=r.kind == "heading")
                 for r in rows if _spanning(r)], default=0.0)
    rest = sum(widths[1:]) + _GAP * (len(columns) - 1)
    widths[0] = max(widths[0], spans - rest)
    total = sum(widths) + _GAP * len(columns)
    anchors: dict[str, float] = {}
    x = -total
    for col, w in zip(columns, widths, strict=True):
        anchors[col.key] = x if col.align == "left" else x + w
        x += w + _GAP
    return anchors, total


def _text_at(ax: Axes, x_points: float, y: float, text: str, **kw: object) -> None:
    base = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    trans = transforms.offset_copy(base, fig=ax.figure, x=x_points, units="points")
    ax.text(0.0, y, text, transform=trans, **{"va": "center", "fontsize": FONT, **kw},
            clip_on=False)


def _clipped_line(ax: Axes, lo: float, hi: float, y: float, *, xlim: tuple[float, float],
                  **kw: object) -> None:
    """An interval, cut at the axis limits with an arrowhead where it runs beyond them."""
    a, b = max(lo, xlim[0]), min(hi, xlim[1])
    if a >= b:
        return
    ax.plot([a, b], [y, y], solid_capstyle="butt", **kw)  # type: ignore[arg-type]
    colour = kw.get("color", "black")
    if lo < xlim[0]:
        ax.plot([a], [y], marker="<", color=colour, ms=5, clip_on=False)
    if hi > xlim[1]:
        ax.plot([b], [y], marker=">", color=colour, ms=5, clip_on=False)


def _diamond(ax: Axes, est: float, lo: float, hi: float, y: float, *, gid: str | None,
             **kw: object) -> None:
    # vertices (low, estimate, high, estimate): the order tests read from the SVG
    ax.add_patch(Polygon([(lo, y), (est, y - 0.32), (hi, y), (est, y + 0.32)], closed=True,
                         gid=gid, **kw))  # type: ignore[arg-type]


def _xlim(pooled: PooledResult, drawn: list[float], null: float) -> tuple[float, float]:
    if pooled.log_scale:
        h = ratio_span(drawn)
        return 1.0 / h, h
    finite = [abs(v - null) for v in drawn if math.isfinite(v)] or [1.0]
    half = float(np.max(finite)) * 1.1
    return null - half, null + half


def plot_forest(
    *,
    pooled: PooledResult,
    bayes: BayesianBlock | None = None,
    orientation: Orientation | None = None,
    thresholds: Sequence[ScaledThreshold] = (),
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw the forest plot of ``pooled`` (and of ``bayes``) and return the graph's Axes.

    Parameters
    ----------
    pooled
        The frequentist result (:func:`reanalyse.pool`; with subgroups, drawn in blocks).
    bayes
        The Bayesian block: shrunken study estimates, the posterior of mu, the predictive
        interval for a new trial, named in the legend.
    orientation
        The direction of benefit (:func:`reanalyse.direction.orientation_of`): values are drawn
        in the review's orientation and "Favours ..." stands under the axis on each side;
        without it the plot makes no claim about the sides.
    thresholds
        Clinically meaningful thresholds (:func:`reanalyse.thresholds.analysis_thresholds`),
        drawn as dotted lines, labelled with their value and listed in the legend.
    title
        Written above the table.
    ax
        The Axes of the graph (the table is drawn to its left); default a new figure sized for
        the rows.

    Returns
    -------
    matplotlib.axes.Axes
        The graph. Its SVG ids: ``null-line``, ``pooled-estimate`` (the total's diamond),
        ``subtotal-<i>``, ``bayes-mu``, ``predictive-interval``, ``favours-left``,
        ``favours-right``.
    """
    ratio = pooled.log_scale
    columns = forest_columns(pooled)
    rows = forest_rows(pooled, orientation=orientation)
    if bayes is not None:
        rows += bayes.rows(ratio=ratio, orientation=orientation)
    rows = _wrapped(rows, max(_columns_width(columns, rows), _MIN_TABLE))
    anchors, table_width = _layout(columns, rows)
    n = len(rows)
    own = ax is None
    if ax is None:
        legend_rows = 2 + (bayes is not None) * 3 + len(thresholds)
        height = (n + _HEADER_ROWS) * _ROW
        bottom = 48.0 + legend_rows * 1.3 * FONT
        top = 3.6 * FONT if title else 6.0
        left, right = table_width + 8.0, 16.0
        fig = plt.figure(figsize=((left + _GRAPH + right) / 72, (height + bottom + top) / 72))
        w, h = left + _GRAPH + right, height + bottom + top
        ax = fig.add_axes((left / w, bottom / h, _GRAPH / w, height / h))
    null = 1.0 if ratio else 0.0
    shown = [r.interval for r in rows if r.interval is not None]
    th_values = [float(np.exp(t.t) if ratio else t.t) for t in thresholds]
    th_shown = [orientation.shown(v) if orientation is not None else v for v in th_values]
    drawn = [v for iv in shown for v in iv[1:] if math.isfinite(v)] + th_shown + [null]
    xlim = _xlim(pooled, drawn, null)
    if ratio:
        ax.set_xscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(n - 0.2, -_HEADER_ROWS)
    max_w = max([r.weight for r in rows if r.kind == "study"] or [1.0]) or 1.0
    for y, row in enumerate(rows):
        bold = {"fontweight": "bold"} if row.kind in ("total", "subtotal", "heading") else {}
        for col in columns:
            text = row.cells.get(col.key, "")
            if not text:
                continue
            x = anchors[col.key]
            if _spanning(row) and col.key == "study":
                x, align = -table_width, "left"
            else:
                align = col.align
            size = {"fontsize": FONT - 1} if row.kind == "note" else {}
            _text_at(ax, x, y, text, ha=align, **bold, **size)  # type: ignore[arg-type]
        if row.interval is None:
            continue
        est, lo, hi = row.interval
        if row.kind == "study":
            _clipped_line(ax, lo, hi, y, xlim=xlim, color="black", lw=1.0)
            side = 4.0 + 6.0 * math.sqrt(max(row.weight, 0.0) / max_w)
            if xlim[0] <= est <= xlim[1]:
                ax.plot([est], [y], "s", color="black", ms=side)
            if bayes is not None and row.study is not None:
                sh = bayes.shrunken(row.study, ratio=ratio, orientation=orientation)
                if sh is not None:
                    med, slo, shi = sh
                    _clipped_line(ax, slo, shi, y + 0.42, xlim=xlim, color=_BAYES, lw=1.0)
                    if xlim[0] <= med <= xlim[1]:
                        ax.plot([med], [y + 0.42], "o", color=_BAYES, ms=4)
        elif row.kind in ("total", "subtotal"):
            _diamond(ax, est, lo, hi, y, gid=row.gid, color="black")
        elif row.kind == "bayes-mu":
            _diamond(ax, est, lo, hi, y, gid=row.gid, color=_BAYES)
        elif row.kind == "predictive":
            _clipped_line(ax, lo, hi, y, xlim=xlim, color=_BAYES, lw=4.0, alpha=0.45,
                          gid=row.gid)
    # the column headings: group names over their columns, then the column names
    for col in columns:
        _text_at(ax, anchors[col.key], -0.75, col.heading, ha=col.align, fontweight="bold",
                 va="bottom", multialignment=col.align)
    for group in dict.fromkeys(c.group for c in columns if c.group):
        keys = [c.key for c in columns if c.group == group]
        _text_at(ax, anchors[keys[-1]], -3.0, group, ha="right", fontweight="bold")
    effect = next(c for c in columns if c.key == "effect")
    ax.text(0.5, -1.5, effect.heading, transform=transforms.blended_transform_factory(
        ax.transAxes, ax.transData), ha="center", va="bottom", fontsize=FONT,
        fontweight="bold")
    if title:
        lines = _wrapped([Row("heading", {"study": title})], table_width + _GRAPH)
        _text_at(ax, -table_width, -_HEADER_ROWS - 0.4,
                 "\n".join(r.cells["study"].strip() for r in lines), ha="left",
                 fontweight="bold", va="bottom")
    # the null line and the thresholds run through the rows, not the headings
    ax.plot([null, null], [n - 0.2, -0.2], color="grey", lw=0.8, gid="null-line")
    for v, t in zip(th_shown, thresholds, strict=True):
        ax.plot([v, v], [n - 0.2, -0.2], color=_THRESHOLD, lw=1.0, ls=":")
        # each label on the far side of its line from the null, so neighbours do not meet
        ax.text(v, -0.25, f" {t.value:g} ", ha="left" if v > null else "right", va="bottom",
                fontsize=FONT - 1, color=_THRESHOLD)
    _axis(ax, ratio=ratio, xlim=xlim)
    if orientation is not None:
        label_sides(ax, orientation, null=null, fontsize=FONT - 1)
        if orientation.reversed:
            ax.set_xlabel(f"{pooled.measure} (sign reversed as the review reports it)",
                          labelpad=20, fontsize=FONT - 1)
    _legend(ax, pooled=pooled, bayes=bayes, thresholds=thresholds, left=table_width)
    if own:
        ax.figure.set_dpi(110)
    return ax


def _axis(ax: Axes, *, ratio: bool, xlim: tuple[float, float]) -> None:
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_major_locator(NullLocator())
    if ratio:
        ax.xaxis.set_major_locator(FixedLocator(ratio_ticks(low=xlim[0], high=xlim[1])))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", labelsize=FONT - 1)


def _legend(ax: Axes, *, pooled: PooledResult, bayes: BayesianBlock | None,
            thresholds: Sequence[ScaledThreshold], left: float) -> None:
    """The legend under the axis, from ``left`` points left of the graph (the table's edge)."""
    handles = [Line2D([], [], color="black", marker="s", lw=1.0, ms=6,
                      label="Study estimate and 95% CI (square sized by weight)"),
               Line2D([], [], color="black", marker="D", lw=0, ms=7,
                      label="Pooled estimate and 95% CI (diamond)")]
    if bayes is not None:
        mu, new = bayes.legend_names()
        handles += [Line2D([], [], color=_BAYES, marker="o", lw=1.0, ms=4,
                           label=f"Shrunken study estimate, 95% CrI ({mu})"),
                    Line2D([], [], color=_BAYES, marker="D", lw=0, ms=7,
                           label=f"Posterior of mu, median and 95% CrI ({mu})")]
        if bayes.show_predictive:
            handles.append(Line2D([], [], color=_BAYES, lw=4.0, alpha=0.45,
                                  label=f"95% predictive interval for a new trial ({new})"))
    for t in thresholds:
        handles.append(Line2D([], [], color=_THRESHOLD, lw=1.0, ls=":",
                              label=f"{pooled.measure} {t.value:g}: {t.label}"))
    below = transforms.offset_copy(ax.transAxes, fig=ax.figure, x=-left, y=-36,
                                   units="points")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0),
              bbox_transform=below, fontsize=FONT - 1, frameon=False, handlelength=2.2)
