"""One vocabulary across the command line (issue 15, items 3 and 4).

Every subcommand's ``--json`` is one object whose keys mean the same everywhere: ``estimate``,
``ci_low``, ``ci_high`` on the natural scale, ``te`` and ``se`` on the analysis scale,
``median``/``q025``/``q975`` only for posteriors, a t statistic ``t`` and a z statistic ``z``.
``--direction``, the Mantel-Haenszel default of ``pool`` and ``nma --consistency`` are checked
against hand calculations and R netmeta's published output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reanalyse.cli import main
from reanalyse.measures import is_ratio
from tests.conftest import IIM
from tests.nma_reference_data import (
    NETMETA_SENN_DETACHED,
    NETMETA_SENN_PSCORE,
    NETMETA_SENN_Q,
    senn2013_frame,
)

OUTCOMES = IIM / "data" / "iim2023" / "outcomes.csv"
ACR = ["--outcome", "acr_eular_response", "--timepoint", "week 16", "--treatment", "IVIg",
       "--control", "placebo"]
SORE_THROAT = Path("/work/shared/fixtures/revman/antibiotics-for-sore-throat.rm5")
#: ProDERM 2022, ACR/EULAR response at week 16: 37/47 IVIg, 21/48 placebo (data/iim2023)
ACR_RR = (37 / 47) / (21 / 48)
#: spellings of the shared concepts that must not appear in any --json
FORBIDDEN = {"est_low", "est_high", "ci_lower", "ci_upper", "effect_size",
             "ci_start", "ci_end", "lo", "hi", "lcl", "ucl"}
POSTERIOR_ONLY = {"median", "q025", "q975"}


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, dict), f"{argv[0]} --json is not one object"
    return out


def _dicts(node: Any, measure: str | None = None, key: str = ""
           ) -> Iterator[tuple[dict[str, Any], str | None, str]]:
    """Every dict in a JSON tree with the measure in force there (inherited from above) and the
    key it sits under."""
    if isinstance(node, dict):
        if isinstance(node.get("measure"), str):
            measure = node["measure"]
        yield node, measure, key
        for k, v in node.items():
            yield from _dicts(v, measure, k)
    elif isinstance(node, list):
        for v in node:
            yield from _dicts(v, measure, key)


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_vocabulary(out: dict[str, Any], *, posterior: bool) -> int:
    """Assert the shared keys; return how many estimate/te pairs were checked numerically."""
    pairs = 0
    for d, measure, key in _dicts(out):
        assert not FORBIDDEN & set(d), f"old spelling {FORBIDDEN & set(d)} in {sorted(d)}"
        if not posterior:
            assert not POSTERIOR_ONLY & set(d), f"posterior keys in a frequentist result: {d}"
        if {"ci_low", "ci_high"} <= set(d) and "estimate" in d and key != "difference":
            lo, est, hi = d["ci_low"], d["estimate"], d["ci_high"]
            if all(_num(v) for v in (lo, est, hi)):
                assert lo <= est <= hi, d
        if "se" in d and d.get("se") is not None:
            assert "te" in d, f"se without te: {sorted(d)}"
        if "estimate" in d and _num(d.get("estimate")) and _num(d.get("te")) and measure:
            natural = math.exp(d["te"]) if is_ratio(measure) else d["te"]
            assert d["estimate"] == pytest.approx(natural, rel=1e-6, abs=1e-9), (measure, d)
            pairs += 1
    return pairs


# --------------------------------------------------------------------------- every --json

def test_pool_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "pool", str(OUTCOMES), "--measure", "RR", *ACR, "--json")
    assert out["method"] == "MH"  # binary data: Mantel-Haenszel by default, as RevMan
    assert out["estimate"] == pytest.approx(ACR_RR, rel=1e-12)
    assert "z" in out and "t" not in out
    assert check_vocabulary(out, posterior=False) >= 2


def test_pool_hksj_calls_its_statistic_t(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    path = tmp_path / "senn.csv"
    frame = senn2013_frame()
    frame[(frame["treatment"] == "rosi") & (frame["comparator"] == "plac")].to_csv(path,
                                                                                  index=False)
    out = _json(capsys, "pool", str(path), "--measure", "MD", "--treatment", "rosi",
                "--control", "plac", "--model", "random", "--hksj", "--json")
    assert "t" in out and "p_t" in out and "z" not in out and "p_z" not in out
    # HKSJ: t = te / se on k - 1 = 5 df (six rosi-plac trials in Senn2013)
    assert out["k"] == 6
    assert out["t"] == pytest.approx(out["te"] / out["se"], rel=1e-12)
    from scipy import stats
    assert out["p_t"] == pytest.approx(2 * stats.t.sf(abs(out["t"]), 5), rel=1e-9)
    check_vocabulary(out, posterior=False)


def test_bayes_exact_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "bayes", str(OUTCOMES), "--measure", "RR", *ACR, "--engine", "exact",
                "--tau-prior", "half-normal-0.5", "--effect-prior", "normal:0,10", "--json")
    assert set(out["mu"]) >= POSTERIOR_ONLY and "estimate" not in out["mu"]
    check_vocabulary(out, posterior=True)


def test_nma_frequentist_json(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    out = _json(capsys, "nma", str(path), "--measure", "MD", "--reference", "plac",
                "--frequentist", "--direction", "lower", "--consistency", "--json")
    assert {"te", "se", "estimate", "ci_low", "ci_high", "z"} <= set(out["d"]["rosi"])
    assert check_vocabulary(out, posterior=False) >= 9 + 90


def test_reproduce_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, "reproduce", "--project", str(IIM), "--json")
    assert out["scenario"] == "sourced" and len(out["results"]) >= 1
    check_vocabulary(out, posterior=False)


def test_revman_json(capsys: pytest.CaptureFixture[str]) -> None:
    if not SORE_THROAT.is_file():
        pytest.skip(f"{SORE_THROAT} not present")
    out = _json(capsys, "revman", str(SORE_THROAT), "--json")
    first = out["outcomes"][0]["results"][0]
    # ours beside RevMan's, under the same keys
    assert first["estimate"] == pytest.approx(first["revman"]["estimate"], rel=1e-6)
    assert check_vocabulary(out, posterior=False) > 10


def test_priors_json(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _json(capsys, "priors", "show", "turner2015-marginal", "--json")
    assert shown["id"] == "turner2015-marginal"
    listed = _json(capsys, "priors", "list", "--role", "tau", "--json")
    assert "turner2015-marginal" in {p["id"] for p in listed["priors"]}
    check_vocabulary(shown, posterior=True)
    check_vocabulary(listed, posterior=True)


# --------------------------------------------------------------------------- --direction

@pytest.mark.parametrize("direction, favoured, side", [("higher", "IVIg", "right"),
                                                        ("lower", "placebo", "left")])
def test_pool_direction(capsys: pytest.CaptureFixture[str], direction: str, favoured: str,
                        side: str) -> None:
    """RR 1.80 (more responders with IVIg) favours IVIg when more response is better, and
    placebo when it is to be avoided."""
    out = _json(capsys, "pool", str(OUTCOMES), "--measure", "RR", *ACR, "--direction",
                direction, "--json")
    assert out["direction"]["direction"] == direction
    assert out["direction"]["favours"] == favoured
    assert out["direction"]["treatment_side"] == side
    assert main(["pool", str(OUTCOMES), "--measure", "RR", *ACR, "--direction", direction]) == 0
    assert f"The pooled estimate favours {favoured}." in capsys.readouterr().out


def test_bayes_direction_is_the_posterior_mass_on_the_benefit_side(
        capsys: pytest.CaptureFixture[str]) -> None:
    import reanalyse as ra

    post = ra.bayes(ra.read_table(OUTCOMES), measure="RR", treatment="IVIg", control="placebo",
                    outcome="acr_eular_response", timepoint="week 16",
                    tau_prior="half-normal-0.5", effect_prior="normal:0,10", engine="exact")
    p_up = post.p_greater("mu", 1.0)
    base = ["bayes", str(OUTCOMES), "--measure", "RR", *ACR, "--engine", "exact",
            "--tau-prior", "half-normal-0.5", "--effect-prior", "normal:0,10", "--json"]
    higher = _json(capsys, *base, "--direction", "higher")["direction"]
    lower = _json(capsys, *base, "--direction", "lower")["direction"]
    assert higher["p_benefit"] == pytest.approx(p_up, abs=1e-12)
    assert lower["p_benefit"] == pytest.approx(1 - p_up, abs=1e-9)
    assert 0.5 < higher["p_benefit_theta_new"] < higher["p_benefit"]  # a new study: wider


def test_nma_direction_reverses_the_p_scores(capsys: pytest.CaptureFixture[str],
                                             tmp_path) -> None:
    """netmeta's P-scores of Senn2013 with lower HbA1c better (random effects); with higher
    better each P-score is 1 minus it (Phi(-x) = 1 - Phi(x))."""
    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    base = ["nma", str(path), "--measure", "MD", "--reference", "plac", "--frequentist",
            "--json"]
    lower = _json(capsys, *base, "--direction", "lower")["p_score"]
    higher = _json(capsys, *base, "--direction", "higher")["p_score"]
    for t, (_common, random) in NETMETA_SENN_PSCORE.items():
        assert lower[t] == pytest.approx(random, abs=1e-8)
        assert higher[t] == pytest.approx(1 - random, abs=1e-8)


def test_old_spellings_still_work_with_a_deprecation_line(
        capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    assert main(["nma", str(path), "--measure", "MD", "--reference", "plac", "--engine",
                 "frequentist", "--lower-is-better", "--fixed-effect", "--json"]) == 0
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["direction"] == "lower" and out["model"] == "fixed"
    for old in ("--engine frequentist", "--lower-is-better", "--fixed-effect"):
        assert f"{old} is deprecated" in cap.err


# --------------------------------------------------------------------------- MH default

def test_pool_defaults_to_mantel_haenszel_for_binary_data(capsys: pytest.CaptureFixture[str],
                                                          tmp_path) -> None:
    """Two trials where MH and IV differ: RR_MH = sum(a n2 / N) / sum(c n1 / N) (Greenland and
    Robins 1985), worked here by hand."""
    rows = [("S1", "drug", 10, 50), ("S1", "placebo", 20, 50),
            ("S2", "drug", 30, 100), ("S2", "placebo", 30, 60)]
    pd.DataFrame([{"study": s, "treatment": t, "outcome": "death", "timepoint": "1 year",
                   "events": e, "total": n, "source": "test", "derivation": "reported"}
                  for s, t, e, n in rows]).to_csv(tmp_path / "d.csv", index=False)
    out = _json(capsys, "pool", str(tmp_path / "d.csv"), "--measure", "RR", "--treatment",
                "drug", "--control", "placebo", "--json")
    num = 10 * 50 / 100 + 30 * 60 / 160
    den = 20 * 50 / 100 + 30 * 100 / 160
    assert out["method"] == "MH"
    assert out["estimate"] == pytest.approx(num / den, rel=1e-12)
    iv = _json(capsys, "pool", str(tmp_path / "d.csv"), "--measure", "RR", "--treatment",
               "drug", "--control", "placebo", "--method", "IV", "--json")
    assert abs(iv["estimate"] - num / den) > 1e-3  # the default is not IV


# --------------------------------------------------------------------------- --consistency

def test_nma_consistency_frequentist_equals_netmeta_decomp_design(
        capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    """Senn2013: netmeta's decomp.design() as published (tests/nma_reference_data.py), to the
    printed digits."""
    path = tmp_path / "senn.csv"
    senn2013_frame().to_csv(path, index=False)
    out = _json(capsys, "nma", str(path), "--measure", "MD", "--reference", "plac",
                "--frequentist", "--direction", "lower", "--consistency", "--json")
    c = out["consistency"]
    assert c["checkable"]
    q = {r["source"]: r for r in c["q_decomposition"]}
    for source, (value, df, p) in NETMETA_SENN_Q.items():
        assert q[source]["q"] == pytest.approx(value, abs=0.005)
        assert q[source]["df"] == df
        if p is not None:
            assert q[source]["p"] == pytest.approx(p, abs=0.00005)
    detached = {frozenset(r["design"].split(":")): r for r in c["between_designs_detached"]}
    for design, (value, df, p) in NETMETA_SENN_DETACHED.items():
        assert detached[design]["q"] == pytest.approx(value, abs=0.005)
        assert detached[design]["df"] == df
    assert main(["nma", str(path), "--measure", "MD", "--reference", "plac", "--frequentist",
                 "--direction", "lower", "--consistency"]) == 0
    text = capsys.readouterr().out
    assert "between designs  22.53  7   0.0021" in text and "{" not in text


def _triangle(tmp_path: Path) -> tuple[Path, float, float]:
    """Three two-arm trials B:A, C:A, C:B; the loop's inconsistency w = y_CB - (y_CA - y_BA)
    with variance V = v_BA + v_CA + v_CB (Bucher et al. 1997)."""
    rows = [("T1", "B", "A", 0.50, 0.20), ("T2", "C", "A", 0.30, 0.25),
            ("T3", "C", "B", 0.40, 0.30)]
    pd.DataFrame([{"study": s, "treatment": t, "comparator": c, "estimate": y, "se": se,
                   "measure": "MD", "outcome": "score"} for s, t, c, y, se in rows]
                 ).to_csv(tmp_path / "tri.csv", index=False)
    w = 0.40 - (0.30 - 0.50)
    v = 0.20 ** 2 + 0.25 ** 2 + 0.30 ** 2
    return tmp_path / "tri.csv", w, v


def test_nma_consistency_on_a_triangle_is_bucher(capsys: pytest.CaptureFixture[str],
                                                  tmp_path) -> None:
    """One loop, one study per design: all of Q is between designs, Q = w^2 / V on 1 df."""
    path, w, v = _triangle(tmp_path)
    out = _json(capsys, "nma", str(path), "--measure", "MD", "--reference", "A",
                "--frequentist", "--model", "fixed", "--consistency", "--json")
    q = {r["source"]: r for r in out["consistency"]["q_decomposition"]}
    assert q["between designs"]["q"] == pytest.approx(w ** 2 / v, rel=1e-10)
    assert q["between designs"]["df"] == 1 and q["within designs"]["q"] == pytest.approx(0)


def test_nma_consistency_without_a_loop_says_so(capsys: pytest.CaptureFixture[str],
                                                tmp_path) -> None:
    path, _, _ = _triangle(tmp_path)
    star = pd.read_csv(path).iloc[:2]
    star.to_csv(path, index=False)
    out = _json(capsys, "nma", str(path), "--measure", "MD", "--reference", "A",
                "--frequentist", "--consistency", "--json")
    assert out["consistency"]["checkable"] is False
    assert out["consistency"]["statement"].startswith(
        "The network has no closed loop of independent evidence: consistency cannot be checked")


@pytest.mark.slow
def test_nma_consistency_bayesian_node_split_is_bucher(capsys: pytest.CaptureFixture[str],
                                                       tmp_path) -> None:
    """Fixed effect, vague priors: each node-split's omega has the likelihood's mean w (or -w,
    by the orientation of the split) and SD sqrt(V), within Monte Carlo error."""
    path, w, v = _triangle(tmp_path)
    out = _json(capsys, "nma", str(path), "--measure", "MD", "--reference", "A",
                "--model", "fixed", "--effect-prior", "normal:0,100", "--consistency",
                "--draws", "1000", "--tune", "1000", "--chains", "2", "--seed", "5",
                "--direction", "higher", "--json")
    c = out["consistency"]
    assert c["checkable"] and {m["model"] for m in c["models"]} == {"consistency", "ume"}
    assert c["nodesplits"]
    for r in c["nodesplits"]:
        assert abs(r["omega_mean"]) == pytest.approx(w, abs=0.05)
        assert r["omega_sd"] == pytest.approx(math.sqrt(v), rel=0.1)
