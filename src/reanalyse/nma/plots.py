"""Network graph and rankogram (matplotlib); both return the Figure and never show it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from reanalyse.nma.graph import edges
from reanalyse.nma.network import Network

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from reanalyse.nma.fit import NMAFit

__all__ = ["plot_network", "plot_rankogram"]


def plot_network(network: Network, *, title: str | None = None) -> Figure:
    """Treatments on a circle; edge width proportional to the number of studies comparing the
    pair (labelled), node size to the participants randomised to the treatment (arm-level data;
    equal sizes when unknown); each multi-arm trial a shaded polygon joining its arms, named in
    the legend (its comparisons are correlated: one trial, not several).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    trts = list(network.treatments)
    n = len(trts)
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    xy = {t: (math.cos(a), math.sin(a)) for t, a in zip(trts, angle, strict=True)}
    size = dict.fromkeys(trts, 0.0)
    for s in network.studies:
        per = s.total if s.kind == "binary" else s.n if s.kind == "continuous" else ()
        for t, k in zip(s.treatments, per, strict=False):
            size[t] += k
    biggest = max(size.values()) or 1.0
    fig = Figure(figsize=(6.0, 6.0))
    ax = fig.add_subplot()
    e = edges(network)
    wmax = max(e["n_studies"].max(), 1) if len(e) else 1
    for _, row in e.iterrows():
        (x0, y0), (x1, y1) = xy[row["treatment"]], xy[row["comparator"]]
        ax.plot([x0, x1], [y0, y1], color="0.35", lw=1.0 + 5.0 * row["n_studies"] / wmax,
                zorder=1)
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, str(row["n_studies"]), fontsize=8,
                ha="center", va="center", bbox={"fc": "white", "ec": "none", "pad": 0.5})
    multi = [st for st in network.studies if len(st.treatments) > 2]
    for i, st in enumerate(multi):
        from matplotlib.patches import Polygon

        arms = sorted(st.treatments, key=trts.index)  # around the circle: a simple polygon
        ax.add_patch(Polygon([xy[t] for t in arms], closed=True, fc=f"C{2 + i % 8}",
                             ec=f"C{2 + i % 8}", alpha=0.18, lw=1.5, ls="--", zorder=0,
                             label=f"{st.name}: {len(arms)}-arm trial"))
    for t in trts:
        x, y = xy[t]
        s = 200.0 + 1200.0 * (size[t] / biggest if biggest else 0.5)
        ax.scatter([x], [y], s=s, color="C0" if t != network.reference else "C1", zorder=2)
        ax.annotate(t, (x, y), xytext=(0, 14 + math.sqrt(s) / 2), textcoords="offset points",
                    ha="center", fontsize=9)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"{len(network.studies)} studies, {n} treatments "
                 f"(reference {network.reference}); edge labels = studies")
    if multi:
        ax.legend(loc="lower center", fontsize=8, frameon=False)
    return fig


def plot_rankogram(fit: NMAFit, *, cumulative: bool = False, title: str | None = None
                   ) -> Figure:
    """Rank probabilities (rank 1 = most beneficial, direction from the analysis) per treatment,
    with SUCRA in the legend; ``cumulative=True`` draws the cumulative ranking curves;
    ``title`` names the outcome (above the direction of benefit).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    probs = fit.rank_probabilities()
    sucra = fit.sucra()
    ranks = np.asarray(probs.columns, dtype=int)
    fig = Figure(figsize=(7.6, 4.4))  # about 800 px at the pipeline's 110 dpi
    ax = fig.add_subplot()
    for t, row in probs.iterrows():
        y = np.cumsum(row.to_numpy()) if cumulative else row.to_numpy()
        ax.plot(ranks, y, marker="o", label=f"{t} (SUCRA {sucra[t]:.2f})")
    ax.set_xticks(ranks)
    ax.set_xlabel("rank (1 = most beneficial)")
    ax.set_ylabel("cumulative probability" if cumulative else "probability")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{title}\n{fit.benefit_text()}" if title else fit.benefit_text(),
                 fontsize=9 if title else 8)
    ax.legend(fontsize=8, frameon=False)
    return fig
