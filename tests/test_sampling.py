"""reanalyse.sampling: compile once, swap data, same seed same draws, diagnostics and flags."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest
import xarray as xr

from reanalyse.results import data_hash, provenance_attrs, read_json_attr
from reanalyse.sampling import (
    Diagnostics,
    ModelCache,
    SamplerSettings,
    attempt_seed,
    compile_model,
    diagnose,
    normalise_seed,
    sample_checked,
)

FAST = SamplerSettings(draws=500, tune=500, chains=2, target_accept=0.9,
                       retry_target_accepts=(0.95,), ess_threshold=200)


def _marginal_model() -> pm.Model:
    with pm.Model() as model:
        y = pm.Data("y", np.array([0.1, 0.3, -0.2]))
        se = pm.Data("se", np.array([0.2, 0.3, 0.4]))
        scale = pm.Data("tau_scale", 0.5)
        mu = pm.Normal("mu", 0.0, 4.0)
        tau = pm.HalfNormal("tau", scale)
        pm.Normal("y_obs", mu, pt.sqrt(se**2 + tau**2), observed=y)
    return model


@pytest.fixture(scope="module")
def compiled():
    return compile_model(_marginal_model(), key="test-marginal", backend="jax")


def test_settings_validate_and_serialise() -> None:
    s = SamplerSettings()
    assert (s.draws, s.tune, s.chains, s.target_accept) == (1000, 1000, 4, 0.9)
    assert s.retry_target_accepts == (0.95, 0.99)
    assert json.loads(s.to_json())["retry_target_accepts"] == [0.95, 0.99]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.draws = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="target acceptances"):
        SamplerSettings(target_accept=1.2)
    with pytest.raises(ValueError, match="draws"):
        SamplerSettings(draws=0)


def test_seeds() -> None:
    assert normalise_seed(5) == 5
    assert attempt_seed(5, 0) == 5
    assert attempt_seed(5, 1) == attempt_seed(5, 1) != attempt_seed(5, 2)
    with pytest.raises(TypeError):
        normalise_seed(1.5)  # type: ignore[arg-type]
    assert normalise_seed(np.random.default_rng(1)) == normalise_seed(np.random.default_rng(1))


def test_compiled_model_knows_its_data(compiled) -> None:
    assert set(compiled.data_names) == {"y", "se", "tau_scale"}
    assert compiled.free_var_names == ("mu", "tau")
    with pytest.raises(KeyError, match="unknown data container"):
        compiled.with_data(nope=1.0)
    with pytest.raises(ValueError, match="rank"):
        compiled.with_data(y=1.0)


def test_same_seed_same_draws_and_data_swap_without_recompiling(compiled) -> None:
    data = {"y": np.array([0.5, 0.1, 0.2, 0.9, -0.1]), "se": np.full(5, 0.3), "tau_scale": 1.0}
    dt1, d1 = sample_checked(compiled, data=data, settings=FAST, random_seed=11)
    dt2, _ = sample_checked(compiled, data=data, settings=FAST, random_seed=11)
    dt3, _ = sample_checked(compiled, data=data, settings=FAST, random_seed=12)
    assert isinstance(dt1, xr.DataTree)
    np.testing.assert_array_equal(dt1["posterior"]["mu"].values, dt2["posterior"]["mu"].values)
    assert not np.array_equal(dt1["posterior"]["mu"].values, dt3["posterior"]["mu"].values)
    assert dt1["posterior"]["mu"].shape == (FAST.chains, d1.attempts[-1]["draws"])
    assert isinstance(d1, Diagnostics)
    assert d1.attempts and d1.attempts[0]["target_accept"] == 0.9
    assert compiled.data_value("y").shape == (3,)  # the cached model is unchanged
    # five studies moved the posterior mean towards their mean (0.32) and away from 0.07
    assert float(dt1["posterior"]["mu"].mean()) > 0.15


@pytest.mark.integration
def test_the_numba_backend_samples_the_same_posterior(compiled) -> None:
    """nutpie's own sampler (numba) and the XLA program (JAX) draw from one posterior: their
    means of mu and tau agree within four combined Monte Carlo standard errors."""
    import arviz_stats

    numba = compile_model(_marginal_model(), backend="numba")
    assert numba.backend == "numba"
    settings = dataclasses.replace(FAST, draws=2000)
    a, da = sample_checked(compiled, settings=settings, random_seed=21)
    b, db = sample_checked(numba, settings=settings, random_seed=21)
    assert da.ok and db.ok
    assert b["sample_stats"].attrs["inference_library"] == "nutpie"
    assert a["sample_stats"].attrs["inference_library"] == "blackjax"
    for name in ("mu", "tau"):
        mcse = [float(arviz_stats.mcse(x["posterior"].to_dataset()[[name]],
                                       sample_dims=["chain", "draw"], method="mean")[name])
                for x in (a, b)]
        diff = float(a["posterior"][name].mean()) - float(b["posterior"][name].mean())
        assert abs(diff) <= 4 * np.hypot(*mcse), (name, diff, mcse)


def test_a_failing_run_is_retried_then_flagged(compiled) -> None:
    impossible = dataclasses.replace(FAST, ess_threshold=1e9, retry_draws_factor=1)
    dt, diag = sample_checked(compiled, settings=impossible, random_seed=3)
    assert diag.status == "flagged" and not diag.ok
    assert [a["target_accept"] for a in diag.attempts] == [0.9, 0.95]
    assert any("flagged" in m for m in diag.messages)
    assert "ess_bulk" in diag.failed_checks
    assert dt["sample_stats"].attrs["attempt"] == 2
    assert diag.to_dict()["status"] == "flagged"


def test_diagnose_counts_divergences_and_skips_constants() -> None:
    rng = np.random.default_rng(0)
    post = xr.Dataset({"a": (("chain", "draw"), rng.normal(size=(4, 500))),
                       "c": (("chain", "draw"), np.zeros((4, 500)))})
    div = np.zeros((4, 500), dtype=bool)
    div[0, 3] = True
    dt = xr.DataTree.from_dict({"posterior": post,
                                "sample_stats": xr.Dataset({"diverging": (("chain", "draw"),
                                                                          div)})})
    diag = diagnose(dt, settings=SamplerSettings(ess_threshold=100))
    assert diag.divergences == 1 and diag.status == "flagged"
    assert diag.failed_checks == ("divergences",)
    assert any("constant" in m for m in diag.messages)
    # a chain stuck elsewhere gives a large R-hat
    bad = post.copy()
    bad["a"] = bad["a"] + xr.DataArray(np.array([0, 0, 0, 5.0]), dims="chain")
    d2 = diagnose(xr.DataTree.from_dict({"posterior": bad}), var_names=["a"])
    assert d2.max_rhat > 1.5 and "rhat" in d2.failed_checks


def test_model_cache_compiles_once() -> None:
    cache = ModelCache()
    calls = []

    def build() -> pm.Model:
        calls.append(1)
        with pm.Model() as m:
            x = pm.Data("x", np.zeros(2))
            mu = pm.Normal("mu", 0, 1)
            pm.Normal("o", mu, 1, observed=x)
        return m

    a = cache.get("k", build=build)
    b = cache.get("k", build=build)
    assert a is b and len(calls) == 1 and "k" in cache and len(cache) == 1


def test_provenance_attrs_are_netcdf_ready() -> None:
    attrs = provenance_attrs(data_hash=data_hash({"y": [1.0, 2.0]}), spec={"model": "normal"},
                             priors={"tau": {"id": "half-normal-0.5", "scale_override": False}},
                             seed=4, settings=SamplerSettings())
    assert all(isinstance(v, str | int | float) for v in attrs.values())
    assert attrs["random_seed"] == 4 and attrs["prior_ids"] == "half-normal-0.5"
    versions = read_json_attr(attrs, "package_versions")
    for pkg in ("pymc", "pytensor", "arviz", "nutpie", "numpy"):
        assert versions[pkg] != "not installed"
        assert attrs[f"{pkg}_version"] == versions[pkg]
    assert read_json_attr(attrs, "sampler_settings")["draws"] == 1000
    assert attrs["ci_prob"] == 0.95 and attrs["ci_kind"] == "eti"
    assert len(attrs["data_sha256"]) == 64


# ----------------------------------------------------------------- the per-machine compile cache
def test_cache_folder_env_then_xdg_then_home(monkeypatch, tmp_path) -> None:
    from reanalyse.sampling.cache import CACHE_ENV, cache_dir, jax_cache_dir

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"
    assert jax_cache_dir().parent == tmp_path / "mine"
    monkeypatch.delenv(CACHE_ENV)
    assert cache_dir() == tmp_path / "xdg" / "reanalyse"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "reanalyse"


def test_cache_folder_is_keyed_on_package_versions(monkeypatch) -> None:
    from reanalyse.sampling import cache

    before = cache.jax_cache_dir()
    for name in ("jax", "pytensor", "pymc", "nutpie"):
        monkeypatch.setattr(cache, "_version", lambda n, name=name: "0.0" if n == name
                            else cache.version(n))
        assert cache.jax_cache_dir() != before, name
    monkeypatch.undo()
    assert cache.jax_cache_dir() == before


def test_backend_is_chosen_by_argument_or_environment(monkeypatch, compiled) -> None:
    from reanalyse.sampling.compile import BACKEND_ENV, default_backend, set_default_backend

    assert compiled.backend == "jax" and compiled.used_data_names == {"y", "se", "tau_scale"}
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert default_backend() == "jax"
    set_default_backend("numba")
    try:
        assert default_backend() == "numba"
        monkeypatch.setenv(BACKEND_ENV, "jax")
        assert default_backend() == "jax"  # the environment wins
    finally:
        set_default_backend("jax")
    monkeypatch.setenv(BACKEND_ENV, "stan")
    with pytest.raises(ValueError, match="jax' or 'numba"):
        default_backend()
    with pytest.raises(ValueError, match="jax' or 'numba"):
        compile_model(_marginal_model(), backend="stan")  # type: ignore[arg-type]


_SAMPLE_IN_A_NEW_PROCESS = """
import numpy as np, pymc as pm, pytensor.tensor as pt
from reanalyse.sampling import SamplerSettings, compile_model, sample_checked
with pm.Model() as model:
    y = pm.Data("y", np.array([0.1, 0.3, -0.2]))
    mu = pm.Normal("mu", 0.0, 4.0)
    tau = pm.HalfNormal("tau", 0.5)
    pm.Normal("y_obs", mu, pt.sqrt(0.09 + tau**2), observed=y)
settings = SamplerSettings(draws=200, tune=200, chains=2, ess_threshold=0)
dt, _ = sample_checked(compile_model(model, backend="jax"), settings=settings, random_seed=3)
print(repr(dt["posterior"]["mu"].values[:, :5].tolist()))
"""


@pytest.mark.integration
def test_a_corrupt_cache_entry_is_rebuilt_not_trusted(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from reanalyse.sampling.cache import CACHE_ENV

    env = {**os.environ, CACHE_ENV: str(tmp_path)}

    def new_process() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", _SAMPLE_IN_A_NEW_PROCESS], env=env,
                              capture_output=True, text=True, check=True, timeout=300)

    first = new_process()
    programs = sorted(tmp_path.glob("jax-*/programs/*.jaxexport"))
    assert len(programs) == 1, "the first process kept no exported sampler"
    compiled = sorted(tmp_path.glob("jax-*/jit_call-*"))  # XLA's code for the sampler
    assert compiled, "the first process kept no compiled XLA program"
    for path in [*programs, *compiled]:
        path.write_bytes(b"not an executable")
    second = new_process()
    assert second.stdout == first.stdout  # the same draws
    assert "rebuilt the unreadable compiled sampler" in second.stderr
    assert "rebuilt the unreadable compile-cache entries" in second.stderr
    assert all(not p.exists() or p.read_bytes() != b"not an executable"
               for p in [*programs, *compiled])
    third = new_process()  # writes the entries again, and reads nothing bad
    assert third.stdout == first.stdout and "unreadable" not in third.stderr
    assert all(p.exists() for p in programs)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()
                and p.read_bytes() == b"not an executable"]


def test_log_density_over_all_draws_equals_pymc_draw_by_draw() -> None:
    """LogDensity evaluates every draw in one call; PyMC's compute_log_likelihood and
    compute_log_prior go draw by draw. Same values, including -inf where a draw breaks a
    parameter's bounds (a negative scale) and a log prior that no draw changes (a constant's)."""
    from reanalyse.sampling import LogDensity

    with pm.Model(coords={"study": ["a", "b", "c"]}) as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        sigma = pm.Normal("sigma", 1.0, 1.0)  # a scale that may go negative: a bounds check
        pm.Normal("y", mu, sigma, observed=np.array([0.1, -0.3, 0.5]), dims="study")
    rng = np.random.default_rng(7)
    mu_draws = rng.normal(size=(2, 5))
    sigma_draws = np.abs(rng.normal(1.0, 0.3, size=(2, 5)))
    sigma_draws[1, 2] = -0.5
    posterior = xr.Dataset({"mu": (("chain", "draw"), mu_draws),
                            "sigma": (("chain", "draw"), sigma_draws)},
                           coords={"chain": [0, 1], "draw": np.arange(5)})
    density = LogDensity(model)
    ours = density.evaluate(posterior, kind="likelihood")
    idata = xr.DataTree.from_dict({"posterior": posterior})
    ref = pm.stats.compute_log_likelihood(idata, model=model, extend_inferencedata=False,
                                          progressbar=False)
    assert ours["y"].dims == ("chain", "draw", "study")
    assert list(ours["study"].values) == ["a", "b", "c"]
    assert np.isneginf(ours["y"].values[1, 2]).all()
    np.testing.assert_array_equal(np.isfinite(ours["y"].values), np.isfinite(ref["y"].values))
    finite = np.isfinite(ref["y"].values)
    np.testing.assert_allclose(ours["y"].values[finite], ref["y"].values[finite], rtol=1e-12)
    prior = density.evaluate(posterior, kind="prior")
    ref_prior = pm.stats.compute_log_prior(idata, model=model, extend_inferencedata=False,
                                           progressbar=False)
    for name in ("mu", "sigma"):
        np.testing.assert_allclose(prior[name].values, ref_prior[name].values, rtol=1e-12)
