"""One direction of benefit per analysis: the forest plot's sides and signs, read from its SVG.

References: the review's published results (``data/iim2023/published.csv``), the review's own
statement of its orientation (ivig_disability: "positive value favours IVIg"), what the outcomes
are (fewer withdrawals, more responders are better), and the RevMan file's own forest-plot labels
(``GRAPH_LABEL_1`` is drawn left) and stored pooled result.
"""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

from reanalyse.analyses import load_analyses, load_analysis
from reanalyse.direction import orientation, orientation_of
from tests.conftest import IIM, PACKAGED_DEFAULTS, empty_project

_SVG = "{http://www.w3.org/2000/svg}"


def _published(aid: str) -> dict[str, float]:
    with (IIM / "data" / "iim2023" / "published.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["id"] == aid)
    return {k: float(row[k]) for k in ("estimate", "ci_low", "ci_high")}


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


class ForestSVG:
    """What the SVG of a forest plot shows: its texts with their anchors, the null line, the
    pooled diamonds, and the x axis' map from pixels to values (from the tick labels)."""

    def __init__(self, path: Path, *, log: bool) -> None:
        root = ET.parse(path).getroot()
        self.log = log
        self.texts: list[tuple[str, float, str]] = []
        for t in root.iter(f"{_SVG}text"):
            anchor = re.search(r"text-anchor:\s*(\w+)", t.get("style", ""))
            self.texts.append(("".join(t.itertext()), float(t.get("x", "nan")),
                               anchor.group(1) if anchor else "start"))
        groups = {g.get("id"): g for g in root.iter(f"{_SVG}g") if g.get("id")}
        self.null_x = self._xs(groups["null-line"])[0]
        self.diamonds = {gid: self._xs(groups[gid]) for gid in ("pooled-estimate", "bayes-mu")
                         if gid in groups}
        ticks = []
        for gid, g in groups.items():
            if re.fullmatch(r"xtick_\d+", gid or ""):
                for t in g.iter(f"{_SVG}text"):
                    ticks.append((float(t.get("x", "nan")), _number("".join(t.itertext()))))
        px, val = np.array(ticks).T
        self._fit = np.polyfit(px, np.log(val) if log else val, 1)

    @staticmethod
    def _xs(group: ET.Element) -> list[float]:
        path = next(group.iter(f"{_SVG}path")).get("d", "")
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path)]
        return nums[0::2]

    def value(self, x: float) -> float:
        v = float(np.polyval(self._fit, x))
        return math.exp(v) if self.log else v

    def side_of(self, label: str) -> str:
        """Which side of the null line the text containing ``label`` stands on."""
        found = [(x, anchor) for text, x, anchor in self.texts if label in text]
        assert len(found) == 1, f"{label!r} appears {len(found)} times in {self.texts}"
        x, anchor = found[0]
        if anchor == "end":
            assert x <= self.null_x
            return "left"
        assert anchor == "start" and x >= self.null_x
        return "right"

    def diamond(self, gid: str = "pooled-estimate") -> tuple[float, float, float]:
        """(estimate, low, high) of a diamond drawn as (low, estimate, high, estimate)."""
        lo, est, hi, _ = self.diamonds[gid][:4]
        return self.value(est), self.value(lo), self.value(hi)

    def side_of_diamond(self, gid: str = "pooled-estimate") -> str:
        return "left" if self.diamonds[gid][1] < self.null_x else "right"


def _prep(spec: Any, *, root: Path, scenario: str = "sourced") -> Any:
    from reanalyse.pipeline.defaults import load_defaults
    from reanalyse.pipeline.prepare import prepare_analysis

    return prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS / "bayes.toml"),
                            root=root, scenario=scenario, grid=False)


def _forest_svg(prep: Any, folder: Path) -> ForestSVG:
    """The forest plot as the pipeline draws and saves it."""
    from reanalyse.pipeline.figures import forest_figure
    from reanalyse.plots import save_figure

    fig = forest_figure(prep)
    assert fig is not None
    save_figure(fig, folder / "forest")
    return ForestSVG(folder / "forest.svg", log=prep.spec.measure in ("RR", "OR"))


@pytest.fixture(autouse=True)
def _agg() -> None:
    matplotlib.use("Agg")


# (analysis, scenario whose pooled result is the review's, side where IVIg is favoured, why)
IIM_CASES = [
    ("ivig_withdrawals", "sourced", "left", "RR below 1: fewer withdrawals with IVIg"),
    ("ivig_acr_eular_response", "sourced", "right", "RR above 1: more responders with IVIg"),
    ("ivig_disability", "reconstruction", "right",
     "the review reports the SMD so that a positive value favours IVIg"),
]


@pytest.mark.parametrize(("aid", "scenario", "ivig_side", "why"), IIM_CASES)
def test_forest_plot_names_the_side_that_favours_ivig(aid: str, scenario: str, ivig_side: str,
                                                      why: str, tmp_path: Path) -> None:
    spec = load_analysis(IIM / "analyses" / f"{aid}.toml", root=IIM)
    svg = _forest_svg(_prep(spec, root=IIM, scenario=scenario), tmp_path)
    other = "left" if ivig_side == "right" else "right"
    assert svg.side_of("Favours IVIg") == ivig_side, why
    assert svg.side_of("Favours placebo") == other
    pub = _published(aid)
    est, lo, hi = svg.diamond()
    # the diamond stands where the review's table puts it, in the review's orientation
    assert est == pytest.approx(pub["estimate"], abs=0.01)
    if aid != "ivig_withdrawals":  # the sourced data hold one of the review's three trials
        assert (lo, hi) == pytest.approx((pub["ci_low"], pub["ci_high"]), abs=0.01)
    null = 1.0 if spec.measure == "RR" else 0.0
    if pub["ci_low"] > null or pub["ci_high"] < null:
        side = "right" if pub["estimate"] > null else "left"
        assert svg.side_of_diamond() == side
        assert svg.side_of_diamond("bayes-mu") == side
    if aid == "ivig_disability":
        # the review's +0.86, drawn on the side of 'Favours IVIg' (the data store -0.86)
        assert est > 0 and svg.side_of_diamond() == ivig_side


def test_imported_revman_forest_plot_keeps_the_files_labels_and_sides(
        rm5_path: Path, tmp_path: Path) -> None:
    from reanalyse.revman import read_rm5
    from reanalyse.revman.importer import import_review

    root = empty_project(tmp_path)
    import_review(rm5=rm5_path, name="sorethroat", root=root)
    outcome = next(o for o in read_rm5(rm5_path).outcomes
                   if o.comparison_no == 1 and o.outcome_no == 1)
    left, right = outcome.graph_labels  # GRAPH_LABEL_1 is drawn left of the null line
    assert (left, right) == ("Favours antibiotics", "Favours placebo")
    spec = next(s for s in load_analyses(root=root) if s.id == "sorethroat_1_01")
    assert spec.favours == (left, right)
    svg = _forest_svg(_prep(spec, root=root), tmp_path)
    assert svg.side_of(left) == "left" and svg.side_of(right) == "right"
    st = outcome.stored
    assert st is not None and st.effect_size is not None
    est, lo, hi = svg.diamond()
    assert est == pytest.approx(st.effect_size, abs=0.01)
    assert (lo, hi) == pytest.approx((st.ci_start, st.ci_end), abs=0.01)
    assert svg.side_of_diamond() == svg.side_of_diamond("bayes-mu") == "left"


def test_funnel_plot_of_the_imported_outcome_labels_its_sides(rm5_path: Path,
                                                              tmp_path: Path) -> None:
    from reanalyse.plots import plot_funnel, save_figure
    from reanalyse.revman import read_rm5

    outcome = next(o for o in read_rm5(rm5_path).outcomes
                   if o.comparison_no == 1 and o.outcome_no == 1)
    rows = [r.stored for _, r in outcome.iter_rows()
            if r.stored.se and r.stored.effect_size and r.stored.estimable is not False]
    te = np.log([float(r.effect_size) for r in rows])  # type: ignore[arg-type]
    se = np.array([float(r.se) for r in rows])  # type: ignore[arg-type]
    o = orientation(measure="RR", treatment="Antibiotics", control="Placebo",
                    higher_is_better=False, favours=outcome.graph_labels)
    fig = plot_funnel(te=te, se=se, pooled_te=float(np.log(outcome.stored.effect_size)),  # type: ignore[union-attr]
                      log_scale=True, measure="RR", title="1.1", orientation=o)
    save_figure(fig, tmp_path / "funnel")
    root = ET.parse(tmp_path / "funnel.svg").getroot()
    texts = {"".join(t.itertext()): re.search(r"text-anchor:\s*(\w+)", t.get("style", ""))
             for t in root.iter(f"{_SVG}text")}
    anchor = {k.strip("\u2190\u2192 "): v.group(1) if v else "start" for k, v in texts.items()}
    assert anchor["Favours antibiotics"] == "end" and anchor["Favours placebo"] == "start"


def test_orientation_decides_sides_labels_and_the_sign_once() -> None:
    withdrawals = orientation_of(load_analysis(IIM / "analyses" / "ivig_withdrawals.toml",
                                               root=IIM))
    assert withdrawals.treatment_side == "left" and withdrawals.sign == 1
    assert (withdrawals.left_label, withdrawals.right_label) == ("Favours IVIg",
                                                                 "Favours placebo")
    assert withdrawals.sentence(outcome="withdrawals").startswith(
        "Lower RR favours IVIg (fewer withdrawals with IVIg)")
    disability = orientation_of(load_analysis(IIM / "analyses" / "ivig_disability.toml",
                                              root=IIM))
    # the data store -0.86 (-1.21 to -0.51); the review reports +0.86 (0.51 to 1.21)
    assert disability.shown_estimate(-0.86, -1.21, -0.51) == (0.86, 0.51, 1.21)
    assert disability.treatment_side == "right" and disability.treatment_label == "Favours IVIg"
    assert "sign reversed" in disability.sentence()
    assert disability.shown_side("left") == "right"
    with pytest.raises(ValueError, match="contradict"):
        orientation(measure="RR", treatment="Antibiotics", control="Placebo",
                    higher_is_better=True, favours=("Favours antibiotics", "Favours placebo"))
    with pytest.raises(ValueError, match="reversed"):
        orientation(measure="RR", treatment="a", control="b", higher_is_better=True,
                    reverse_scale=True)


def test_pooled_result_plot_claims_sides_only_when_told(tmp_path: Path) -> None:
    import reanalyse as ra
    from tests.test_front_door import bcg_table

    res = ra.pool(bcg_table(tmp_path), measure="RR", treatment="BCG", control="no vaccine")
    plain = [t.get_text() for t in res.plot_forest().texts]
    assert not any("Favours" in t for t in plain)
    # fewer tuberculosis cases with BCG: RR below 1, on the left, favours BCG
    ax = res.plot_forest(higher_is_better=False)
    texts = {t.get_text(): t.get_horizontalalignment() for t in ax.texts}
    assert texts["\u2190 Favours BCG"] == "right"  # ends at the null line, on its left
    assert texts["Favours no vaccine \u2192"] == "left"


def test_report_states_each_orientation_and_reports_the_review_sign(tmp_path: Path) -> None:
    from reanalyse.report.html import analysis_section

    spec = load_analysis(IIM / "analyses" / "ivig_disability.toml", root=IIM)
    prep = _prep(spec, root=IIM, scenario="reconstruction")
    html = analysis_section(tmp_path, prep, pd.Series({"bayes_median": float("nan")}))
    pub = _published("ivig_disability")
    assert "Orientation: Higher SMD favours IVIg" in html
    assert f"{pub['estimate']:.2f} ({pub['ci_low']:.2f} to {pub['ci_high']:.2f})" in html
