"""Tests of `reanalyse priors list` and `reanalyse priors show`, run in-process."""

from __future__ import annotations

import json

import pytest

from reanalyse import cli


@pytest.fixture(autouse=True)
def only_priors_command(monkeypatch):
    # Other subcommands are developed in parallel; build the parser with this one only.
    monkeypatch.setattr(cli, "COMMANDS", ("priors",))


def test_priors_is_a_registered_command():
    import importlib.util

    source = importlib.util.find_spec("reanalyse.cli").origin
    with open(source, encoding="utf-8") as handle:
        assert '"priors",' in handle.read()


def test_show_prints_implied_quantities_and_citation(capsys):
    assert cli.main(["priors", "show", "half-normal-0.5"]) == 0
    out = capsys.readouterr().out
    assert "median 0.337" in out  # 0.5 * 0.6745
    assert "95% interval 0.0157 to 1.12" in out
    assert "P(tau > 0.5) 0.317" in out and "P(tau > 1) 0.0455" in out
    assert "Röver 2020" in out and "rationale:" in out


def test_show_tau2_prior_names_both_parameterisations(capsys):
    assert cli.main(["priors", "show", "turner2015-marginal"]) == 0
    out = capsys.readouterr().out
    assert "lognormal(mu=-2.56, sigma=1.74) on tau^2" in out
    assert "lognormal(mu=-1.28, sigma=0.87) on tau" in out
    assert "median 0.278" in out  # priors.md b1: marginal median tau 0.278


def test_show_json(capsys):
    assert cli.main(["priors", "show", "turner2015-pharm-placebo-adverse-events", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["params"] == {"mu": -1.87, "sigma": 1.52}
    assert record["summary"]["median"] == pytest.approx(0.393, abs=5e-4)  # priors.md b1
    assert record["summary"]["p_tau_gt_1"] == pytest.approx(0.109, abs=5e-4)
    assert "Table IV" in record["citation"]


def test_show_inline_prior(capsys):
    assert cli.main(["priors", "show", "half-cauchy:1", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["origin"] == "inline"
    assert record["summary"]["median"] == pytest.approx(1.0)


def test_show_threshold_prior_explains_resolution(capsys):
    assert cli.main(["priors", "show", "skeptical"]) == 0
    assert "resolved at use time" in capsys.readouterr().out


def test_list_filters_by_role_and_scale(capsys):
    assert cli.main(["priors", "list", "--role", "tau", "--scale", "logRR", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)["priors"]
    ids = {r["id"] for r in records}
    assert "bartos-logrr-neuromuscular-tau" in ids
    assert "turner2015-marginal" not in ids and "rhodes2015-marginal" not in ids
    assert all(r["role"] == "tau" for r in records)
    for r in records:
        assert set(r["summary"]) == {"median", "q025", "q975", "p_tau_gt_0.5", "p_tau_gt_1"}


def test_list_text_shows_every_prior_with_citation(capsys):
    assert cli.main(["priors", "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("citation: ") == out.count("]\n")  # one citation per listed prior
    assert "rhodes2015-marginal" in out and "vague-logor" in out


def test_unknown_prior_and_scale_exit_2_with_one_line_per_problem(capsys):
    assert cli.main(["priors", "show", "no-such-prior"]) == 2
    err = capsys.readouterr().err
    assert "no-such-prior" in err and "unknown-prior" in err
    assert cli.main(["priors", "list", "--scale", "logHR"]) == 2
    assert "unknown effect scale" in capsys.readouterr().err
    assert cli.main(["priors", "show", "half-normal:-1"]) == 2
    assert "must be > 0" in capsys.readouterr().err


def test_show_and_list_take_a_projects_own_priors(tmp_path, capsys):
    (tmp_path / "reanalyse.toml").write_text("[project]\nname = 'team'\n")
    own = tmp_path / "priors"
    own.mkdir()
    (own / "team.toml").write_text('''[[prior]]
id = "team-half-cauchy-0.5"
role = "tau"
parameter = "tau"
family = "half-cauchy"
params = { scale = 0.5 }
scale = ["logOR"]
status = "published"
citation = "Röver 2020, J Stat Softw 93(6), section 2.2"
source = "cran/bayesmeta inst/doc/Roever2020-bayesmeta.pdf section 2.2"
rationale = "The review team's sensitivity prior."
''', encoding="utf-8")
    assert cli.main(["priors", "show", "team-half-cauchy-0.5", "--project", str(tmp_path),
                     "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    # half-Cauchy(0.5): median 0.5 * tan(pi / 4) = 0.5
    assert shown["id"] == "team-half-cauchy-0.5"
    assert shown["summary"]["median"] == pytest.approx(0.5, rel=1e-9)
    assert cli.main(["priors", "list", "--role", "tau", "--project", str(tmp_path),
                     "--json"]) == 0
    assert "team-half-cauchy-0.5" in {p["id"] for p in json.loads(capsys.readouterr().out)["priors"]}
