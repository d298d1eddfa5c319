"""Summary of findings (issue 16, item 2): absolute effects per 1000 checked by hand.

IVIg vs placebo, ACR/EULAR response at week 16: ProDERM 2022, 37/47 vs 21/48
(data/iim2023/outcomes.csv); the review's RR 1.80 (1.26 to 2.56) (data/iim2023/published.csv,
Raaphorst et al. 2023, Main results). Control risk 21/48 = 0.4375, 437.5 per 1000, shown 438;
with IVIg 0.4375 x 1.80 = 0.7875 (788 per 1000), interval 0.4375 x 1.26 = 0.55125 (551) to
0.4375 x 2.56 = 1.12, bounded at 1000.
"""

from __future__ import annotations

import csv

import pytest

from reanalyse.analyses import load_analysis
from reanalyse.pipeline.defaults import load_defaults
from reanalyse.pipeline.prepare import prepare_analysis
from reanalyse.sof import absolute_risk, finding, smd_size
from tests.conftest import IIM, PACKAGED_DEFAULTS


def _published(aid: str) -> dict[str, str]:
    with (IIM / "data" / "iim2023" / "published.csv").open(encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["id"] == aid)


def _finding(aid: str):  # type: ignore[no-untyped-def]
    spec = load_analysis(IIM / "analyses" / f"{aid}.toml", root=IIM)
    prep = prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS / "bayes.toml"),
                            root=IIM, grid=False)
    main = prep.main
    pub = _published(aid)
    return finding(spec=spec, effects=main.effects, pooled=main.review,
                   published={k: float(pub[k]) for k in ("estimate", "ci_low", "ci_high")}
                   | {"certainty": pub["certainty"]},
                   bayes=prep.like_for_like.summary, threshold=prep.primary)


def test_acr_eular_absolute_effects_per_1000_by_hand() -> None:
    f = _finding("ivig_acr_eular_response")
    assert f.control_per_1000 == 438  # 21/48 = 437.5
    assert f.treatment_per_1000 == 788  # 437.5 x 1.80 = 787.5
    assert f.treatment_low_per_1000 == 551  # 437.5 x 1.26 = 551.25
    assert f.treatment_high_per_1000 == 1000  # 437.5 x 2.56 = 1120, a risk is at most 1000
    assert (f.participants, f.studies) == (95, 1)  # 47 + 48; published.csv: 1 study, 95
    assert f.relative == "RR 1.80 (1.26 to 2.56)"
    assert "control-group risk" in f.control_source
    # the like-for-like posterior is the review's model (common effect) under N(0, 2.82^2) on
    # log RR: by hand, y = log((37/47)/(21/48)) = 0.58745, se = sqrt(1/37 - 1/47 + 1/21 - 1/48)
    # = 0.18038, posterior mean (the median) y / (1 + se^2 / 2.82^2) = 0.58506, RR 1.7951,
    # risk 437.5 x 1.7951 = 785.4 per 1000
    assert f.bayes_per_1000 == 785
    assert f.p_meaningful is not None and 0.0 <= f.p_meaningful <= 1.0
    assert "1.25" in f.threshold


def test_a_continuous_smd_reads_with_its_size() -> None:
    f = _finding("ivig_disability")
    # published SMD 0.86 (0.51 to 1.21), the review's orientation (positive favours IVIg)
    assert f.continuous_effect.startswith("SMD 0.86 higher (0.51 to 1.21)")
    assert "a large effect" in f.continuous_effect
    assert f.control_per_1000 is None


@pytest.mark.parametrize(("measure", "cr", "effect", "expected"), [
    ("RR", 0.2, 0.5, 0.1),
    ("OR", 0.2, 2.0, 0.4 / 1.2),  # 2 x 0.2 / (1 - 0.2 + 2 x 0.2)
    ("RD", 0.3, -0.1, 0.2),
    ("RR", 0.6, 2.0, 1.0),  # bounded
    ("RD", 0.05, -0.1, 0.0),  # bounded
])
def test_absolute_risk_formulas(measure: str, cr: float, effect: float, expected: float) -> None:
    assert absolute_risk(control_risk=cr, effect=effect, measure=measure) == \
        pytest.approx(expected, rel=1e-12)


def test_smd_rule_of_thumb() -> None:
    assert [smd_size(x) for x in (0.1, -0.2, 0.49, 0.5, -0.79, 0.8)] == \
        ["trivial", "small", "small", "moderate", "moderate", "large"]


def test_no_control_events_gives_no_absolute_effect_from_the_ratio() -> None:
    """IVIg discontinuation for adverse events, 3/52 vs 0/48 (data/iim2023/outcomes.csv; no
    published target): the control risk is 0/48 = 0, so RR x 0 would claim 0 per 1000 with
    IVIg whatever the RR; the row says the absolute effect is not estimable instead, and
    keeps the relative effect: the MH RR with RevMan's 0.5 correction, by hand
    (3.5/52.5)/(0.5/48.5) = 6.467, the interval reaching 122 as issue 14 quotes the review's."""
    aid = "ivig_discontinuation_adverse_events"
    spec = load_analysis(IIM / "analyses" / f"{aid}.toml", root=IIM)
    prep = prepare_analysis(spec, defaults=load_defaults(PACKAGED_DEFAULTS / "bayes.toml"),
                            root=IIM, grid=False)
    f = finding(spec=spec, effects=prep.main.effects, pooled=prep.main.review,
                bayes=prep.like_for_like.summary, threshold=prep.primary)
    assert f.control_per_1000 == 0
    assert f.treatment_per_1000 is None and f.bayes_per_1000 is None
    assert "no events with control" in f.absolute_note
    assert f.relative == "RR 6.47 (0.34 to 122.13)"
