"""The front door (``import reanalyse as ra``): the README's "From Python" section, run as written
from a wheel installed outside the repository, checked against the CLI and against metafor."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tests.conftest import REPO
from tests.reference_data import BCG

README = REPO / "README.md"


def readme_python() -> str:
    """The first ``python`` block of the README's "From Python" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## From Python"):]
    section = section[:section.index("\n## ", 1)]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def bcg_table(tmp_path: Path):  # type: ignore[no-untyped-def]
    import pandas as pd

    import reanalyse as ra

    rows = [{"study": s, "treatment": arm, "outcome": "tuberculosis", "events": e, "total": n,
             "source": "Colditz et al. 1994, JAMA 271:698-702, Table 1", "derivation": "reported"}
            for s, e1, n1, e2, n2 in BCG for arm, e, n in (("BCG", e1, n1), ("no vaccine", e2, n2))]
    path = tmp_path / "bcg.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return ra.read_table(path)


def test_readme_trials_are_the_reference_bcg_data() -> None:
    import ast

    code = readme_python()
    literal = code[code.index("trials = ") + len("trials = "):code.index("source =")]
    assert ast.literal_eval(literal.strip()) == BCG


# --------------------------------------------------------------------------- against metafor
def test_pool_reads_like_metafor_rma_reml_on_bcg(tmp_path: Path) -> None:
    import reanalyse as ra

    res = ra.pool(bcg_table(tmp_path), measure="RR", method="IV", model="random", tau2="REML",
                  treatment="BCG", control="no vaccine")
    # metafor docs/reference/rma.uni.html example, dat.bcg, escalc("RR"), rma(yi, vi) (REML):
    # estimate -0.7145, se 0.1798, ci.lb -1.0669, ci.ub -0.3622; tau^2 0.3132 (the RoBMA
    # vignette's print of the same fit, cited in reference_data.BCG_QP); 4 printed decimals
    assert res.te == pytest.approx(-0.7145, abs=5e-5)
    assert res.se == pytest.approx(0.1798, abs=5e-5)
    assert math.log(res.ci_low) == pytest.approx(-1.0669, abs=5e-5)
    assert math.log(res.ci_high) == pytest.approx(-0.3622, abs=5e-5)
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    text = repr(res)
    assert "Total (13 studies): 0.49 [0.34, 0.70]" in text
    assert "Tau² = 0.313 (REML)" in text and "BCG vs no vaccine" in text
    assert res._repr_html_().startswith("<pre>")


def test_binary_pool_defaults_to_mantel_haenszel_as_revman(tmp_path: Path) -> None:
    import reanalyse as ra

    res = ra.pool(bcg_table(tmp_path), measure="RR", treatment="BCG", control="no vaccine")
    # metafor test_misc_metan_vs_rma.mh_with_dat.bcg.r: rma.mh(measure="RR") log RR -0.4537
    assert res.method == "MH"
    assert res.te == pytest.approx(-0.4537, abs=5e-5)


def test_default_method_pools_a_contrast_row_by_inverse_variance(tmp_path: Path) -> None:
    """RevMan's default for binary data is MH, which needs arm counts; with a study given only as
    a contrast the default falls back to inverse variance (with a note), as the pipeline does,
    where an explicit ``method="MH"`` is refused."""
    import pandas as pd

    import reanalyse as ra
    from reanalyse.errors import DataValidationError

    study, a, n1, c, n2 = BCG[0]
    rr, se = (a / n1) / (c / n2), math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    rows = [{"study": study, "treatment": "BCG", "comparator": "no vaccine", "estimate": rr,
             "se": se, "measure": "RR"}]
    rows += [{"study": s, "treatment": arm, "events": e, "total": n}
             for s, e1, n1_, e2, n2_ in BCG[1:]
             for arm, e, n in (("BCG", e1, n1_), ("no vaccine", e2, n2_))]
    table = ra.read_table(pd.DataFrame(rows))
    res = ra.pool(table, measure="RR", treatment="BCG", control="no vaccine")
    # the same 13 studies by inverse variance, fixed effect: metafor/Stata metan log RR -0.4303
    assert res.method == "IV"
    assert res.te == pytest.approx(-0.4303, abs=5e-5)
    assert any("contrast" in n for n in res.notes) and "Note: MH needs arm counts" in repr(res)
    with pytest.raises(DataValidationError, match="report only a contrast"):
        ra.pool(table, measure="RR", method="MH", treatment="BCG", control="no vaccine")


def test_a_threshold_on_the_side_of_harm_is_refused_by_the_grid(tmp_path: Path) -> None:
    import reanalyse as ra

    common = {"measure": "RR", "treatment": "BCG", "control": "no vaccine",
              "tau_priors": ["half-normal:0.5"], "effect_priors": ["normal:0,2.82"]}
    table = bcg_table(tmp_path)
    # fewer cases of tuberculosis is better: benefit is RR < 1, so RR 1.25 is a harm threshold
    with pytest.raises(ValueError, match="not on the side of benefit"):
        ra.sensitivity_grid(table, higher_is_better=False, threshold=1.25, **common)
    with pytest.raises(ValueError, match="not on the side of benefit"):
        ra.sensitivity_grid(table, higher_is_better=True, threshold=0.8, **common)
    grid = ra.sensitivity_grid(table, higher_is_better=False, threshold=0.8, **common)
    brute = _brute_force_p_mu_below(math.log(0.8), tau_scale=0.5, mu_sd=2.82)
    assert float(grid["p_meaningful"].squeeze()) == pytest.approx(brute, abs=1e-7)


def test_thresholds_and_probabilities_are_on_the_natural_scale(tmp_path: Path) -> None:
    import reanalyse as ra

    table = bcg_table(tmp_path)
    # common effect with a flat prior on mu: the posterior of log RR is N(te, se^2) with the
    # inverse-variance fixed-effect te and se (metafor/Stata metan: te -0.4303, z -10.6247)
    post = ra.bayes(table, measure="RR", treatment="BCG", control="no vaccine",
                    tau_prior=None, effect_prior="flat", model="fixed", engine="exact")
    te, se = -0.4303, -0.4303 / -10.6247
    expected = stats.norm.cdf((math.log(0.65) - te) / se)  # P(RR < 0.65), a hand calculation
    assert post.p_less("mu", 0.65) == pytest.approx(expected, abs=2e-3)
    assert post.p_greater("mu", 0.65) == pytest.approx(1 - expected, abs=2e-3)
    assert post.median("mu") == pytest.approx(math.exp(te), abs=5e-4)
    lo, hi = post.interval("mu")
    assert (lo, hi) == pytest.approx((math.exp(te - 1.959964 * se),
                                      math.exp(te + 1.959964 * se)), abs=5e-4)
    # the mean of a log-normal: exp(te + se^2 / 2), not exp(te)
    assert post.mean("mu") == pytest.approx(math.exp(te + se**2 / 2), rel=1e-3)
    with pytest.raises(ValueError, match="must be positive"):
        post.p_less("mu", -0.2)


def test_exact_datatree_draws_agree_with_the_exact_posterior(tmp_path: Path) -> None:
    import xarray as xr

    import reanalyse as ra

    post = ra.bayes(bcg_table(tmp_path), measure="RR", treatment="BCG", control="no vaccine",
                    tau_prior="half-normal:0.5", effect_prior="normal:0,2.82", engine="exact")
    n = 20000
    tree = post.to_datatree(draws=n, random_seed=7)
    assert isinstance(tree, xr.DataTree)
    assert tree.attrs["data_sha256"] == post.attrs["data_sha256"]
    draws = tree["posterior"]
    assert draws["theta"].dims == ("chain", "draw", "study")
    assert list(draws["study"].values) == [b[0] for b in BCG]
    for name in ("mu", "tau", "theta_new"):
        x = np.asarray(draws[name].values).ravel()
        exact_mean = post.mean(name, scale="analysis")
        exact_sd = post.sd(name, scale="analysis")
        # independent draws: the Monte Carlo SE of the mean is sd / sqrt(n); allow 4 of them
        assert abs(x.mean() - exact_mean) < 4 * exact_sd / math.sqrt(n), name
    i = 3  # Hart & Sutherland: theta draws follow its exact shrunken posterior
    x = np.asarray(draws["theta"].values)[..., i].ravel()
    assert abs(np.mean(x < post.median("theta", study=i, scale="analysis")) - 0.5) < 4 * 0.5 / \
        math.sqrt(n)


def test_results_plot_themselves_on_a_given_axes(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import reanalyse as ra

    table = bcg_table(tmp_path)
    fig, (left, right) = plt.subplots(1, 2)
    res = ra.pool(table, measure="RR", treatment="BCG", control="no vaccine")
    assert res.plot_forest(ax=left) is left
    post = ra.bayes(table, measure="RR", treatment="BCG", control="no vaccine",
                    tau_prior="half-normal:0.5", effect_prior="normal:0,2.82")
    assert post.plot_forest(ax=right) is right
    assert right.get_xscale() == "log"
    # the table beside the graph names every study and the predictive row
    labels = [t.get_text() for t in right.texts]
    assert "Aronson 1948" in labels
    assert "New trial (median, 95% predictive interval)" in labels
    plt.close(fig)


def test_importing_reanalyse_leaves_the_matplotlib_backend_alone() -> None:
    code = ("import matplotlib, reanalyse, reanalyse.plots, reanalyse.pipeline.figures, "
            "reanalyse.nma.plots; print(matplotlib.rcParams._get_backend_or_none())")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "None"


def test_priors_show_is_the_clis_description() -> None:
    import reanalyse as ra

    card = ra.priors.show("turner2015-marginal")
    text = repr(card)
    assert text.startswith("turner2015-marginal  [tau | logOR | published]")
    assert "median 0.278" in text and "Turner et al. 2015" in text
    with pytest.raises(ra.DataValidationError, match="no registry prior"):
        ra.priors.show("no-such-prior")


# --------------------------------------------------------------------------- installed wheel
_COMPARE = '''
import json, runpy
ns = runpy.run_path("readme.py")
res, post, grid = ns["res"], ns["post"], ns["grid"]
print("RESULT" + json.dumps({
    "file": __import__("reanalyse").__file__,
    "te": res.te, "se": res.se, "tau2": res.tau2, "ci_low": res.ci_low, "ci_high": res.ci_high,
    "mu_median": post.median("mu", scale="analysis"),
    "mu_q025": post.quantile("mu", 0.025, scale="analysis"),
    "mu_q975": post.quantile("mu", 0.975, scale="analysis"),
    "tau_median": post.median("tau"),
    "p_less_08": post.p_less("mu", 0.8),
    "grid_cell": float(grid["p_meaningful"].sel(tau_prior="half-normal:0.5",
                                                effect_prior="normal:0,2.82")),
}))
'''


def _brute_force_p_mu_below(t: float, *, tau_scale: float, mu_sd: float) -> float:
    """P(mu < t | BCG) under tau ~ HN(tau_scale), mu ~ N(0, mu_sd^2), y_i ~ N(mu, v_i + tau^2):
    scipy's quad over mu inside quad over tau, with the log RRs and variances of the 2x2 tables
    (1/a - 1/n1 + 1/c - 1/n2; no zero cells)."""
    from scipy import integrate

    a, n1, c, n2 = (np.array([row[j] for row in BCG], dtype=float) for j in (1, 2, 3, 4))
    y = np.log(a / n1) - np.log(c / n2)
    v = 1 / a - 1 / n1 + 1 / c - 1 / n2

    def joint(mu: float, tau: float) -> float:
        return float(np.exp(stats.halfnorm.logpdf(tau, scale=tau_scale)
                            + stats.norm.logpdf(mu, 0.0, mu_sd)
                            + stats.norm.logpdf(y, mu, np.sqrt(v + tau**2)).sum() + 20.0))

    opts = {"epsabs": 0.0, "epsrel": 1e-10, "limit": 200}

    def mass(upper: float) -> float:
        return integrate.quad(lambda tau: integrate.quad(lambda m: joint(m, tau), -5.0, upper,
                                                         **opts)[0], 0.0, 5.0, **opts)[0]

    return mass(t) / mass(5.0)


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtualenv holding the built wheel (not editable); the dependencies come from the
    test environment's site-packages through a path file, the package itself only from the
    wheel."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(REPO)], check=True, capture_output=True)
    (wheel,) = wheels.glob("reanalyse-*.whl")
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run([str(python), "-c", where], capture_output=True, text=True, check=True)
    deps = sysconfig.get_path("purelib")
    (Path(site.stdout.strip()) / "test-dependencies.pth").write_text(deps + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
    return venv


@pytest.mark.integration
def test_readme_from_python_runs_from_an_installed_wheel_and_equals_the_cli(tmp_path) -> None:
    venv = _fresh_venv(tmp_path)
    work = tmp_path / "elsewhere"  # an empty folder outside the repository
    work.mkdir()
    (work / "readme.py").write_text(readme_python())
    (work / "compare.py").write_text(textwrap.dedent(_COMPARE))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "REANALYSE_PROJECT", "REANALYSE_PRIORS_DIR",
                        "REANALYSE_MODELS_DIR")}
    env["MPLBACKEND"] = "Agg"
    run = subprocess.run([str(venv / "bin" / "python"), "compare.py"], cwd=work, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("RESULT"))
    got = json.loads(line[len("RESULT"):])
    assert Path(got["file"]).is_relative_to(venv), got["file"]  # the wheel, not the checkout
    assert "Total (13 studies): 0.49 [0.34, 0.70]" in run.stdout
    cli = venv / "bin" / "reanalyse"
    pooled = json.loads(subprocess.run(
        [str(cli), "pool", "bcg.csv", "--measure", "RR", "--method", "IV", "--model", "random",
         "--tau2", "REML", "--treatment", "BCG", "--control", "no vaccine", "--json"],
        cwd=work, env=env, capture_output=True, text=True, check=True).stdout)
    for key in ("te", "se", "tau2", "ci_low", "ci_high"):
        assert got[key] == pytest.approx(pooled[key], abs=1e-12, rel=1e-12), key
    fitted = json.loads(subprocess.run(
        [str(cli), "bayes", "bcg.csv", "--measure", "RR", "--treatment", "BCG", "--control",
         "no vaccine", "--tau-prior", "half-normal:0.5", "--effect-prior", "normal:0,2.82",
         "--engine", "exact", "--threshold", "0.8", "--json"],
        cwd=work, env=env, capture_output=True, text=True, check=True).stdout)
    assert got["mu_median"] == pytest.approx(fitted["mu"]["median"], abs=1e-12)
    assert got["mu_q025"] == pytest.approx(fitted["mu"]["q025"], abs=1e-12)
    assert got["mu_q975"] == pytest.approx(fitted["mu"]["q975"], abs=1e-12)
    assert got["tau_median"] == pytest.approx(fitted["tau"]["median"], abs=1e-12)
    assert got["p_less_08"] == pytest.approx(fitted["p_less"]["0.8"], abs=1e-12)
    # P(RR < 0.8) by a brute-force double integral over (mu, tau), for ra.bayes and for the
    # grid's cell under the same priors
    brute = _brute_force_p_mu_below(math.log(0.8), tau_scale=0.5, mu_sd=2.82)
    assert got["p_less_08"] == pytest.approx(brute, abs=1e-7)
    assert got["grid_cell"] == pytest.approx(brute, abs=1e-7)
    shown = subprocess.run([str(cli), "priors", "show", "turner2015-marginal"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert "Turner et al. 2015" in shown


def test_exact_draws_follow_a_student_t_effect_prior(tmp_path: Path) -> None:
    """Under a Student-t prior on mu the exact posterior is a mixture over (tau, lambda); the
    joint draws must follow it (its exact mean and quantiles, within Monte Carlo error)."""
    import reanalyse as ra

    post = ra.bayes(bcg_table(tmp_path), measure="RR", treatment="BCG", control="no vaccine",
                    tau_prior="half-normal:0.5", effect_prior="student-t:0,0.3,3",
                    engine="exact")
    n = 20000
    draws = post.to_datatree(draws=n, random_seed=11)["posterior"]
    for name in ("mu", "theta_new"):
        x = np.asarray(draws[name].values).ravel()
        sd = post.sd(name, scale="analysis")
        assert abs(x.mean() - post.mean(name, scale="analysis")) < 4 * sd / math.sqrt(n)
        q = post.quantile(name, 0.9, scale="analysis")
        # the share of draws below the exact 90% quantile: binomial SE sqrt(0.09 / n)
        assert abs(np.mean(x < q) - 0.9) < 4 * math.sqrt(0.09 / n)
