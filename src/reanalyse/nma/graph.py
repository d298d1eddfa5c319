"""The network graph: edges, connected components, and the loops that allow a consistency check.

A *loop* can be checked for consistency only when two independent sources of evidence meet: a
comparison A-B is *splittable* when A and B stay connected after every study that contains both A
and B is removed (Dias et al. 2010, Stat Med 29:932; the rule multinma's ``get_nodesplits`` uses).
A loop formed only by the arms of one multi-arm trial is internally consistent and cannot be
checked, and a star (every study shares one treatment) has no loop at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from reanalyse.nma.network import Network, NetworkStudy

__all__ = [
    "NetworkGraph",
    "components",
    "edges",
    "graph",
    "splittable_comparisons",
]


def _union_find(nodes: Iterable[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent = {n: n for n in nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for n in parent:
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _study_links(studies: Iterable[NetworkStudy]) -> list[tuple[str, str]]:
    out = []
    for s in studies:
        t = s.treatments
        out += [(t[0], x) for x in t[1:]]
    return out


def components(treatments: Sequence[str], studies: Iterable[NetworkStudy]) -> list[list[str]]:
    """Connected groups of treatments, each in the order of ``treatments``, largest first."""
    groups = _union_find(treatments, _study_links(studies))
    pos = {t: i for i, t in enumerate(treatments)}
    groups = [sorted(g, key=pos.__getitem__) for g in groups]
    return sorted(groups, key=lambda g: (-len(g), pos[g[0]]))


def edges(network: Network) -> pd.DataFrame:
    """One row per directly compared pair: ``treatment, comparator, studies, n_studies,
    participants`` (participants of the two arms, arm-level studies only), pairs in network
    order (``comparator`` comes first in the network)."""
    pos = {t: i for i, t in enumerate(network.treatments)}
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for s in network.studies:
        t = s.treatments
        for i in range(len(t)):
            for j in range(i + 1, len(t)):
                a, b = sorted((t[i], t[j]), key=pos.__getitem__)
                rec = rows.setdefault((a, b), {"treatment": b, "comparator": a, "studies": [],
                                               "participants": 0.0})
                rec["studies"].append(s.name)  # type: ignore[union-attr]
                if s.kind == "binary":
                    rec["participants"] += s.total[i] + s.total[j]  # type: ignore[operator]
                elif s.kind == "continuous":
                    rec["participants"] += s.n[i] + s.n[j]  # type: ignore[operator]
                else:
                    rec["participants"] = float("nan")
    out = pd.DataFrame(list(rows.values()),
                       columns=["treatment", "comparator", "studies", "participants"])
    out["n_studies"] = out["studies"].map(len)
    out["studies"] = out["studies"].map(tuple)
    return out[["treatment", "comparator", "studies", "n_studies", "participants"]]


def splittable_comparisons(network: Network) -> list[tuple[str, str]]:
    """Comparisons with both direct and independent indirect evidence, as ``(a, b)`` pairs with
    ``a`` first in the network order (Dias et al. 2010 node-splitting candidates)."""
    out = []
    for _, e in edges(network).iterrows():
        a, b = str(e["comparator"]), str(e["treatment"])
        others = [s for s in network.studies if not (a in s.treatments and b in s.treatments)]
        groups = components(network.treatments, others)
        if any(a in g and b in g for g in groups):
            out.append((a, b))
    return out


@dataclass(frozen=True)
class NetworkGraph:
    """Summary of a network's structure.

    Attributes
    ----------
    treatments
        All treatments, reference first.
    edges
        :func:`edges` table.
    components
        Connected groups of treatments (one group when the network is connected).
    splittable
        Comparisons whose consistency can be checked (node-splitting candidates).
    multi_arm_studies
        Studies with three or more arms.
    """

    treatments: tuple[str, ...]
    edges: pd.DataFrame
    components: tuple[tuple[str, ...], ...]
    splittable: tuple[tuple[str, str], ...]
    multi_arm_studies: tuple[str, ...]

    @property
    def connected(self) -> bool:
        """Whether every treatment can be reached from every other."""
        return len(self.components) == 1

    @property
    def has_loop(self) -> bool:
        """Whether some loop combines independent direct and indirect evidence."""
        return bool(self.splittable)

    @property
    def is_star(self) -> bool:
        """Whether one treatment is in every comparison (a star: no loop at all)."""
        common = None
        for _, e in self.edges.iterrows():
            pair = {e["treatment"], e["comparator"]}
            common = pair if common is None else common & pair
        return bool(common)

    @property
    def cycle_rank(self) -> int:
        """Independent closed loops of the comparison graph (edges - vertices + components)."""
        return len(self.edges) - len(self.treatments) + len(self.components)

    def consistency_statement(self) -> str:
        """Plain words on whether consistency can be checked, and why not if not."""
        if not self.connected:
            return ("The network is not connected: treatments in different components cannot "
                    "be compared, so neither effects between them nor consistency can be "
                    "estimated.")
        if self.has_loop:
            pairs = ", ".join(f"{a} vs {b}" for a, b in self.splittable)
            return (f"Consistency can be checked: direct and independent indirect evidence "
                    f"meet for {pairs} (node-splitting), and the unrelated-mean-effects model "
                    "can be compared with the consistency model.")
        if self.is_star:
            why = "the network is a star (every comparison shares one treatment), so it has no loop"
        elif self.cycle_rank == 0:
            why = "the network is a tree (no closed loop of comparisons)"
        else:
            why = ("every loop is formed by the arms of a single multi-arm trial, which is "
                   "consistent by construction")
        return (f"The network has no closed loop of independent evidence: consistency cannot "
                f"be checked ({why}). Every indirect comparison rests on the untestable "
                "assumption of transitivity.")


def graph(network: Network) -> NetworkGraph:
    """Summarise the structure of ``network``."""
    return NetworkGraph(
        treatments=network.treatments,
        edges=edges(network),
        components=tuple(tuple(g) for g in components(network.treatments, network.studies)),
        splittable=tuple(splittable_comparisons(network)),
        multi_arm_studies=tuple(s.name for s in network.studies if s.n_arms > 2),
    )
