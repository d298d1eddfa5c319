"""Write a figure as PNG and SVG, atomically, and close it."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from reanalyse.io.atomic import atomic_path

__all__ = ["save_figure"]


def save_figure(fig: Figure, stem: str | Path, *, dpi: int = 110) -> list[Path]:
    """Save ``fig`` to ``stem.png`` and ``stem.svg``; return the paths."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    out = []
    for ext in ("png", "svg"):
        target = stem.with_suffix(f".{ext}")
        # SVG text stays text (searchable, and readable by tests), not glyph paths; a fixed
        # salt makes the SVG's element ids, random by default, the same at every run
        with atomic_path(target) as tmp, plt.rc_context({"svg.fonttype": "none",
                                                         "svg.hashsalt": "reanalyse"}):
            fig.savefig(tmp, format=ext, dpi=dpi, bbox_inches="tight",
                        metadata={"Date": None} if ext == "svg" else None)
        out.append(target)
    plt.close(fig)
    return out
