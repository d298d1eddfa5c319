"""The tipping-point scan reweights one rule in log(tau) for every half-normal scale; its
probabilities must equal the exact engine's own adaptive fit under each prior."""

from __future__ import annotations

import numpy as np
import pytest

from reanalyse.exact import fit_exact
from reanalyse.exact.fit import study_data
from reanalyse.exact.prior_scan import TauPriorScan
from reanalyse.priors import TauPrior

DATA = {
    "three log ORs": (np.array([-0.62, -0.15, -1.10]), np.array([0.35, 0.28, 0.52])),
    "one study": (np.array([0.4]), np.array([0.25])),
    "heterogeneous": (np.array([0.0, 0.0, 0.0, 3.0]), np.array([0.1, 0.1, 0.1, 0.5])),
    "precise SMDs": (np.array([0.31, 0.12, 0.45, 0.20, 0.05]),
                     np.array([0.05, 0.07, 0.06, 0.04, 0.09])),
}
MU_PRIORS = {
    "normal": {"mu_prior_mean": 0.0, "mu_prior_sd": 2.82},
    "flat": {},
    "student-t": {"mu_prior_mean": 0.0, "mu_prior_sd": 0.5, "mu_prior_df": 3.0},
}
SCALES = np.geomspace(0.01, 2.0, 7)


@pytest.mark.parametrize("data_name", list(DATA))
@pytest.mark.parametrize("mu_name", list(MU_PRIORS))
def test_scan_probabilities_equal_fresh_exact_fits(data_name: str, mu_name: str) -> None:
    y, se = DATA[data_name]
    mu = MU_PRIORS[mu_name]
    scan = TauPriorScan(study_data(y=y, se=se, **mu),
                        tau_min=min(0.01, float(se.min())) * np.exp(-25.0), tau_max=20.0)
    for s in SCALES:
        prior = TauPrior.half_normal(float(s))
        post = fit_exact(y=y, se=se, tau_prior=prior, **mu)
        for t in (0.0, 0.2, -0.5):
            assert scan.p_greater(prior, t) == pytest.approx(post.p_greater("mu", t), abs=1e-9)
            assert scan.p_less(prior, t) == pytest.approx(post.p_less("mu", t), abs=1e-9)


def test_the_scan_refuses_an_empty_range() -> None:
    y, se = DATA["one study"]
    with pytest.raises(ValueError, match="tau_min < tau_max"):
        TauPriorScan(study_data(y=y, se=se), tau_min=1.0, tau_max=0.5)
