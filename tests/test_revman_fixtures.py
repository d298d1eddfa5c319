"""Issue 17, item 4: every real Cochrane file, every outcome and subgroup, against RevMan's numbers.

One test per fixture file (../shared/fixtures/revman and ../shared/fixtures/cochrane-data-package,
read where they lie; SOURCE.md there says where each comes from). For every outcome and subgroup
our pooled estimate, CI, tau², I², Chi², Z (or T), P and each study's effect, CI and weight are set
beside the numbers RevMan stored in the file: each must agree within 1e-6 relative (P values
1e-4, RevMan's own tail areas), or within the precision the file prints (a version-1 package: 6
decimals), or be listed with the named convention that explains it. The counts of rows each
convention explains are pinned, so that a convention cannot silently swallow more rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from reanalyse.cli import main
from reanalyse.revman import read_review
from reanalyse.revman.conventions import CONVENTIONS
from reanalyse.revman.recompute import OutcomeCheck, recompute_review
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures"


@dataclass(frozen=True)
class Expected:
    """What walking the file must find: outcomes, compared rows, rows explained per convention."""

    path: Path
    outcomes: int
    compared: int
    explained: dict[str, int]


CASES = [
    Expected(FIXTURES / "revman" / "antibiotics-for-sore-throat.rm5", 21, 1138, {}),
    # 44 rows of a study already in the analysis (multi-arm trials); 11 analyses without data
    Expected(FIXTURES / "revman" / "benzodiazepines-vs-pregabalin-gad.rm5", 26, 478, {}),
    # hazard ratios (generic IV, log data); subgroup 1.5.2 of one study, stored I² = 100
    Expected(FIXTURES / "revman" / "bisphosphonates-myeloma-CD003188.rm5", 19, 1243,
             {"single-study-heterogeneity": 1}),
    # empty SE and WEIGHT on continuous rows
    Expected(FIXTURES / "revman" / "fleiss1993.rm5", 2, 38, {}),
    # 19 analyses TOTALS="SUB", one "NO"; one study twice in a subgroup
    Expected(FIXTURES / "revman" / "fluoride-toothpastes-CD007868.rm5", 41, 1039,
             {"totals-not-computed": 25}),
    Expected(FIXTURES / "revman" / "vitamin-d-liver-CD011564.rm5", 33, 1449,
             {"totals-not-computed": 1}),
    Expected(FIXTURES / "cochrane-data-package" / "fleiss1993-v1.zip", 2, 38, {}),
    # REML and HKSJ; ratio of geometric means on GIV Mean (log scale)
    Expected(FIXTURES / "cochrane-data-package" / "CD016297-v2.zip", 84, 4040,
             {"reml-stopping": 17}),
]


@cache
def _checks(path: Path) -> tuple[OutcomeCheck, ...]:
    return tuple(recompute_review(read_review(path)))


def _present(case: Expected) -> Path:
    if not case.path.exists():
        pytest.skip(f"fixture {case.path} is absent (../shared/fixtures is not beside the clone)")
    return case.path


@pytest.mark.parametrize("case", CASES, ids=[c.path.name for c in CASES])
def test_every_outcome_and_subgroup_equals_revman_or_is_explained(case: Expected) -> None:
    checks = _checks(_present(case))
    assert len(checks) == case.outcomes
    failing = [f"{c.outcome.id} {r.level} {r.study} {r.field}: ours {r.ours!r}, "
               f"RevMan {r.revman!r}" for c in checks for r in c.failing.itertuples()]
    assert not failing, "\n".join(failing)
    assert all(c.result is not None or c.note == "no study rows" for c in checks), \
        [c.note for c in checks if c.result is None]
    explained = Counter(n for c in checks for n in c.explained["convention"])
    assert dict(explained) == case.explained
    assert set(explained) <= set(CONVENTIONS)
    assert sum(len(c.differences) for c in checks) == case.compared


@pytest.mark.parametrize("case", CASES, ids=[c.path.name for c in CASES])
def test_the_walk_covers_every_stored_number(case: Expected) -> None:
    """Each estimable stored result is compared on the quantities the acceptance names."""
    for c in _checks(_present(case)):
        o, d = c.outcome, c.differences
        levels = []
        # RevMan leaves empty what it did not compute (fleiss1993.rm5 1.2: EFFECT_SIZE=""): not
        # compared, recomputed by us
        if o.settings.totals == "YES" and o.stored is not None and o.stored.estimable \
                and o.stored.effect_size is not None:
            levels.append(("overall", o.stored))
        levels += [(f"subgroup {sg.no}", sg.stored) for sg in o.subgroups
                   if sg.stored is not None and sg.stored.estimable is not False
                   and sg.stored.effect_size is not None]
        for level, stored in levels:
            fields = set(d.loc[d["level"] == level, "field"])
            wanted = {"estimate", "ci_low", "ci_high", "i2", "q"}
            if o.settings.random and stored.tau2 is not None:
                wanted.add("tau2")
            assert wanted <= fields, (o.id, level, wanted - fields)
            # Z, or under HKSJ RevMan Web's T (none printed for one study: T = 0)
            assert {"z", "t"} & fields or (stored.z is None and not stored.t), (o.id, level)
        rows = [r for _, r in o.iter_rows() if r.stored.estimable is not False
                and r.stored.effect_size is not None]
        if c.result is not None:
            studies = d[(d["study"] != "") & (d["field"] == "estimate")]
            assert len(studies) == len(rows), (o.id, len(studies), len(rows))


@pytest.mark.parametrize("case", [c for c in CASES if c.explained],
                         ids=[c.path.name for c in CASES if c.explained])
def test_the_cli_prints_every_explained_row(case: Expected,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _present(case)
    assert main(["revman", str(path)]) == 0
    out = capsys.readouterr().out
    for name, count in case.explained.items():
        assert f"{name}: {count} rows" in out
        assert CONVENTIONS[name].text[:40] in out
    listed = [line for line in out.splitlines() if line.startswith("  explained ")]
    assert len(listed) == sum(case.explained.values())


BENZO = CASES[1]


def test_a_study_with_two_rows_is_two_studies_in_the_long_table() -> None:
    from reanalyse.revman import outcome_to_long

    path = _present(BENZO)
    outcome = read_review(path).outcome(1, 1)
    frame = outcome_to_long(outcome)
    feltner = frame[frame["study"].str.startswith("Feltner 2003")]
    # the file's two Feltner 2003 rows: EVENTS_1 18 / 17, TOTAL_2 61 / 69 (lines 2377, 2378)
    assert list(feltner["study"].unique()) == ["Feltner 2003 (1)", "Feltner 2003 (2)"]
    assert list(feltner["events"]) == [18, 36, 17, 36]
    assert list(feltner["total"]) == [34, 61, 34, 69]
    assert frame.groupby(["study", "treatment"]).size().max() == 1
