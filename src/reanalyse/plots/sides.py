"""The two labelled sides of an effect axis ("Favours IVIg" | "Favours placebo")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.axes import Axes

if TYPE_CHECKING:
    from reanalyse.direction import Orientation

__all__ = ["label_sides"]


def label_sides(ax: Axes, orientation: Orientation, *, null: float,
                fontsize: float = 8.0) -> None:
    """Write the orientation's two labels under the x axis, ending at (left) and starting from
    (right) the null line ``null`` (data coordinates), with arrows pointing outwards."""
    trans = ax.get_xaxis_transform()
    ax.annotate(f"\u2190 {orientation.left_label}", xy=(null, 0.0), xycoords=trans,
                xytext=(-4, -20), textcoords="offset points", ha="right", va="top",
                fontsize=fontsize, gid="favours-left", annotation_clip=False)
    ax.annotate(f"{orientation.right_label} \u2192", xy=(null, 0.0), xycoords=trans,
                xytext=(4, -20), textcoords="offset points", ha="left", va="top",
                fontsize=fontsize, gid="favours-right", annotation_clip=False)

