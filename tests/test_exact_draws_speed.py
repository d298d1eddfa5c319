"""Drawing tau by inverse CDF stops at the root of the CDF's Legendre series (no polish on the
exact CDF): that root's exact CDF is within 1e-6 of the probability asked for, so the draws'
distribution is within that Kolmogorov distance of the exact posterior of tau."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_front_door import bcg_table


@pytest.mark.parametrize(("tau_prior", "effect_prior"), [
    ("half-normal:0.5", "student-t:0,0.3,3"), ("half-cauchy:0.5", "normal:0,2.82"),
    ("half-normal:0.5", "flat"), ("uniform:0,5", "flat")])
def test_series_quantiles_of_tau_are_within_1e_6_of_the_exact_cdf(
        tmp_path: Path, tau_prior: str, effect_prior: str) -> None:
    import reanalyse as ra

    post = ra.bayes(bcg_table(tmp_path), measure="RR", treatment="BCG", control="no vaccine",
                    tau_prior=tau_prior, effect_prior=effect_prior, engine="exact")
    tau = post.exact._tau
    p = np.random.default_rng(1).uniform(size=2000)
    roots = tau.quantile(p, polish=False)
    assert np.abs(tau.cdf(roots) - p).max() < 1e-6
    # the polished roots are the exact quantiles; the series' ones lie beside them
    exact = tau.quantile(p[:50])
    assert np.abs(tau.cdf(exact) - p[:50]).max() < 1e-11
    np.testing.assert_allclose(np.log(roots[:50]), np.log(exact), atol=1e-4)
