"""Every outcome and subgroup of a real RevMan 5 file, recomputed, equals RevMan's stored numbers.

The file is the Cochrane review "Antibiotics for sore throat" (RevMan 5.2.11), read where it lies
in ../shared/fixtures/revman/ (see its SOURCE.md): 21 dichotomous outcomes, RR, Mantel-Haenszel,
DerSimonian-Laird random effects, 10 with subgroups, one not estimable. RevMan computed and stored
every pooled estimate, CI, tau^2, I^2, Chi^2, Z, and each study's effect, CI and weight; ours must
equal them within 1e-6 relative (1e-9 absolute near zero). RevMan's stored p-values come from its
own numerical routine and agree with exact tail areas to about 1e-5 relative; they are held to
1e-4 relative.
"""

from __future__ import annotations

import json
import math
from functools import cache

import pytest

from reanalyse.cli import main
from reanalyse.revman import read_rm5
from reanalyse.revman.recompute import recompute_outcome
from tests.conftest import RM5_FIXTURE

OUTCOME_IDS = [f"CMP-00{c}.0{o}" for c, n in ((1, 7), (2, 4), (3, 2), (4, 8))
               for o in range(1, n + 1)]


@cache
def _review():  # type: ignore[no-untyped-def]
    return read_rm5(RM5_FIXTURE)


@pytest.mark.parametrize("outcome_id", OUTCOME_IDS)
def test_outcome_equals_revman(rm5_path, outcome_id: str) -> None:
    outcome = next(o for o in _review().outcomes if o.id == outcome_id)
    check = recompute_outcome(outcome)
    bad = check.differences[~check.differences["ok"]]
    assert bad.empty, f"{outcome_id}: differs from RevMan:\n{bad.to_string()}"
    fields = set(check.differences["field"])
    if outcome.stored is not None and outcome.stored.estimable:
        # the comparison really covered the quantities the acceptance names
        assert {"estimate", "ci_low", "ci_high", "tau2", "i2", "q", "z", "weight"} <= fields
        assert check.max_relative_difference <= 1e-6


def test_walks_all_21_outcomes_and_finds_the_one_not_estimable(rm5_path) -> None:
    review = _review()
    assert [o.id for o in review.outcomes] == OUTCOME_IDS
    not_estimable = [o.id for o in review.outcomes if not recompute_outcome(o).result.estimable]
    assert not_estimable == ["CMP-002.04"]
    assert review.outcome(2, 4).stored.estimable is False


def test_subgroup_differences_match_revman(rm5_path) -> None:
    # outcome 1.3 (antipyretics vs none): RevMan stores Q = 0.5655977690228615, I2_Q = 0 and
    # P_Q = 0.452013681727095 for its test for subgroup differences
    check = recompute_outcome(_review().outcome(1, 3))
    test = check.result.subgroup_test
    assert test.df == 1
    assert test.q == pytest.approx(0.5655977690228615, rel=1e-9)
    assert test.p == pytest.approx(0.452013681727095, rel=1e-5)
    assert test.i2 == 0.0


def test_zero_cell_study_with_correction(rm5_path) -> None:
    # A study row with a zero cell: RevMan's stored effect is the 0.5-corrected RR.
    review = _review()
    zero_rows = [(o, r) for o in review.outcomes for _, r in o.iter_rows()
                 if r.has_zero_cell and r.stored.estimable]
    assert zero_rows, "the fixture has zero-cell rows"
    o, r = zero_rows[0]
    a, n1, c, n2 = r.events_1 + 0.5, r.total_1 + 1, r.events_2 + 0.5, r.total_2 + 1
    hand = (a / n1) / (c / n2)
    assert r.stored.effect_size == pytest.approx(hand, rel=1e-12)
    check = recompute_outcome(o)
    ours = check.result.studies
    assert ours.loc[ours["study"] == r.study, "estimate"].iloc[0] == pytest.approx(hand, rel=1e-12)


def test_cli_revman_json(rm5_path, capsys) -> None:
    assert main(["revman", str(rm5_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["outcomes"]) == 21
    first = out["outcomes"][0]["results"][0]
    assert first["comparison_no"] == 1 and first["outcome_no"] == 1
    assert first["subgroup_no"] is None
    for key in ("estimate", "ci_low", "ci_high", "log_scale", "te", "se", "z", "p_z", "q", "df",
                "p_q", "i2", "tau2", "k", "pi_low", "pi_high", "studies", "revman"):
        assert key in first
    assert math.isclose(first["estimate"], first["revman"]["estimate"], rel_tol=1e-9)
    assert {"study", "te", "se", "estimate", "ci_low", "ci_high", "weight"} <= set(
        first["studies"][0])
    sub = [r for o in out["outcomes"] for r in o["results"] if r["subgroup_no"] is not None]
    assert sub and all(r["revman"] is not None for r in sub)


def test_cli_revman_text(rm5_path, capsys) -> None:
    assert main(["revman", str(rm5_path)]) == 0
    text = capsys.readouterr().out
    assert "0.68 [0.59, 0.79]" in text  # outcome 1.1, as RevMan prints it
    assert "not estimable" in text
