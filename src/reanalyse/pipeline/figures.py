"""The figures of one pairwise analysis: forest plot, tau prior vs posterior, sensitivity, and
the contour-enhanced funnel plot from :data:`reanalyse.small_study.MIN_STUDIES` studies on."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from reanalyse.direction import orientation_of
from reanalyse.measures import is_ratio, on_natural_scale
from reanalyse.pipeline.prepare import PreparedAnalysis
from reanalyse.pipeline.readings import Reading
from reanalyse.plots import (
    BayesianBlock,
    plot_forest,
    plot_funnel,
    plot_sensitivity,
    plot_tau,
    save_figure,
)
from reanalyse.pooling import inverse_variance
from reanalyse.small_study import MIN_STUDIES

__all__ = ["FIGURES", "forest_figure", "write_analysis_figures"]

#: Figure stems written per analysis (each as .png and .svg; funnel only with enough studies).
FIGURES = ("forest", "tau", "sensitivity", "funnel")


def _back(x: Any, ratio: bool) -> Any:
    return on_natural_scale(x, ratio=ratio)


def _priors(reading: Reading) -> str:
    tau = f", tau prior {reading.tau_prior}" if reading.tau_prior else ""
    return f"effect prior {reading.effect_prior}{tau}"


def _short_citation(citation: str) -> str:
    """The authors and year of a citation ('Bartoš F, ..., Wagenmakers E-J (2023)'): its text
    up to the first closing parenthesis, or its first 90 characters."""
    head = citation.split(")", 1)[0] + ")" if ")" in citation[:200] else citation[:90]
    return head.strip()


def forest_figure(prep: PreparedAnalysis) -> Figure | None:
    """The forest plot of the analysis (the review's method; the Bayesian block of the
    readings), in the review's orientation with its sides labelled and its thresholds drawn;
    None without estimable studies."""
    spec = prep.spec
    main = prep.main
    if main.review is None or main.k == 0:
        return None
    # the figures show the fits the text and the decision table report, named in the legend:
    # mu and the shrunken study effects of the like-for-like reading, theta_new of the
    # generalisation reading (pipeline.readings)
    l4l, gen = prep.like_for_like, prep.random_effects
    bayes = None
    if l4l is not None:
        bayes = BayesianBlock(
            posterior=l4l.posterior, name="like-for-like", model=l4l.model,
            prior=_priors(l4l), predictive=gen.posterior if gen is not None else None,
            predictive_name="generalisation" if gen is not None else "",
            predictive_model=gen.model if gen is not None else "",
            predictive_prior=_priors(gen) if gen is not None else "",
            show_predictive=gen is not None)
    return plot_forest(pooled=main.review, bayes=bayes, orientation=orientation_of(spec),
                       thresholds=prep.thresholds, title=spec.title).figure


def write_analysis_figures(folder: Path, prep: PreparedAnalysis,
                           mcmc: dict[str, dict[str, Any]]) -> list[Path]:
    """Write the analysis' figures under ``folder``; return the paths written."""
    from reanalyse.pipeline.run import grid_dataset

    spec = prep.spec
    ratio = is_ratio(spec.measure)
    shown = orientation_of(spec)
    main = prep.main
    written: list[Path] = []
    fig = forest_figure(prep)
    if fig is None:
        return written
    gen = prep.random_effects
    written += save_figure(fig, folder / "forest")
    if gen is not None and prep.generalisation_tau is not None:
        ex = gen.posterior
        prior = prep.generalisation_tau.prior
        hi = float(max(prior.ppf(0.99), ex.quantile("tau", 0.995)))  # type: ignore[union-attr]
        if not math.isfinite(hi) or hi <= 0:
            hi = 2.0
        grid = np.linspace(hi / 400, hi, 400)
        fig = plot_tau(tau=grid, prior_pdf=np.exp(prior.logpdf(grid)),  # type: ignore[union-attr]
                       posterior_pdf=np.asarray(ex.pdf("tau", grid)),
                       title=f"{spec.title}: tau (generalisation reading: random effects, "
                             f"normal likelihood, exact engine)",
                       prior_label=prep.generalisation_tau.id,
                       prior_source=_short_citation(getattr(prior, "citation", "")),
                       note="one study: the data hardly inform tau, and its posterior stays "
                            "close to the prior" if main.k == 1 else "")
        written += save_figure(fig, folder / "tau")
    if prep.tau_priors and prep.effect_priors:
        ds = grid_dataset(prep, mcmc)
        fig = plot_sensitivity(ds, scenario=prep.scenario,
                               title=f"{spec.title}: P(clinically meaningful benefit)"
                               if prep.primary else f"{spec.title}: P(benefit)",
                               variable="p_meaningful" if prep.primary else "p_benefit",
                               orientation=shown)
        written += save_figure(fig, folder / "sensitivity")
    if main.k >= MIN_STUDIES:
        y, se = main.y_se()
        tests = ""
        if prep.small_study is not None and not prep.small_study.empty:
            done = prep.small_study[prep.small_study["p"].notna()]
            tests = "; ".join(f"{r.test} p = {r.p:.3f}" for r in done.itertuples())
        filled: dict[str, Any] = {}
        tf = prep.trim_fill_fits.get("L0")
        if tf is not None:
            filled = {"filled_te": tf.filled_effects["te"].to_numpy(),
                      "filled_se": tf.filled_effects["se"].to_numpy(),
                      "filled_label": f"filled by trim and fill (L0, k0 = {tf.k0}, "
                                      f"{shown.shown_side(tf.side)})"}
        fig = plot_funnel(te=y, se=se, pooled_te=inverse_variance(te=y, se=se).te,
                          log_scale=ratio, measure=spec.measure,
                          title=f"{spec.title}: funnel plot", tests=tests, **filled,
                          orientation=shown)
        written += save_figure(fig, folder / "funnel")
    return written
