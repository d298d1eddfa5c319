"""The text of one analysis' section: frequentist and Bayesian numbers, notes, robustness.

:func:`analysis_section` writes it from the prepared analysis and its decision row when the
pipeline writes the analysis; the section is kept in the analysis' ``record.json``, and the
page (:mod:`reanalyse.report.page`) wraps it in a collapsible section with its figures, so
``reanalyse report`` rebuilds the page without the prepared analysis. Probabilities print as
:func:`reanalyse.report.format.probability` ("> 0.999"), Bayes factors with 3 significant
digits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reanalyse.direction import orientation_of
from reanalyse.report.format import bayes_factor, e, effect, probability
from reanalyse.report.format import number as _num
from reanalyse.report.robustness import robustness
from reanalyse.report.tables import frame_table

if TYPE_CHECKING:
    from reanalyse.pipeline.prepare import PreparedAnalysis
    from reanalyse.pooling import PooledResult

__all__ = ["FIGURES", "analysis_section"]

#: The figures of an analysis (file stem, caption after the analysis id), in page order.
FIGURES = (("forest", "forest plot"), ("tau", "tau prior and posterior"),
           ("sensitivity", "prior sensitivity"), ("funnel", "contour-enhanced funnel plot"))


def _heterogeneity_limits(r: PooledResult) -> str:
    """' (95% CI a% to b%); tau² 95% CI c to d (Q-profile)' for the frequentist line."""
    ci = r.heterogeneity_ci
    if ci is None:
        return ""
    pct = f"{round(ci.level * 100)}%"
    text = ""
    if math.isfinite(ci.i2_low):
        text += f" ({pct} CI {_num(ci.i2_low, 0)}% to {_num(ci.i2_high, 0)}%)"
    return text + f"; tau² {pct} CI {_num(ci.tau2_low, 3)} to {_num(ci.tau2_high, 3)} (Q-profile)"


def analysis_section(out: Path, prep: PreparedAnalysis, decision_row: pd.Series, *,
                     flagged: Sequence[str] = ()) -> str:
    """The HTML text of one analysis (its figures are added by the page); ``flagged`` lists
    MCMC fits that failed their diagnostics after the retries (their grid cells carry
    ``mcmc_flagged = 1``)."""
    spec = prep.spec
    shown = orientation_of(spec)
    folder = out / "analyses" / spec.id
    parts = [(f"<p><code>{e(spec.id)}</code>: {e(spec.treatment)} vs {e(spec.control)}, outcome "
             f"<code>{e(spec.outcome)}</code>, {e(spec.measure)}; the review's method "
             f"{e(spec.method)} {e(spec.model)}.</p>"),
             f'<p class="orientation">Orientation: {e(shown.sentence(outcome=spec.outcome))}</p>']
    main = prep.main
    if main.review is not None and main.review.estimable:
        r = main.review
        est, lo, hi = shown.shown_estimate(r.estimate, r.ci_low, r.ci_high)
        parts.append(f"<p>Frequentist ({e(r.method)}, {e(r.model)}), {r.k} "
                     f"stud{'y' if r.k == 1 else 'ies'}: {effect(est)} "
                     f"({effect(lo)} to {effect(hi)}); I² {_num(r.i2, 0)}%"
                     f"{_heterogeneity_limits(r)}.</p>")
    parts += _readings(prep, decision_row)
    bf = prep.bayes_factors
    if bf is not None and math.isfinite(bf.min_bf01_mu0):
        text = (f"<p>Bayes factors (exact engine, default priors; BF01 above 1 favours the "
                f"hypothesis): no effect (mu = 0) {bayes_factor(bf.bf01_mu0)}, at least "
                f"{bayes_factor(bf.min_bf01_mu0)} whatever the effect prior (the minimum Bayes "
                "factor; a vague effect prior inflates the actual one)")
        if math.isfinite(bf.bf01_tau0):
            text += f"; no heterogeneity (tau = 0) {bayes_factor(bf.bf01_tau0)}"
        parts.append(text + ".</p>")
    leaning = str(decision_row.get("prior_sensitivity", "") or "")
    if leaning.startswith(("strong prior", "prior-data conflict")):
        meaning = ("the default priors, more than the data, shape this posterior"
                   if leaning.startswith("strong prior") else
                   "the default priors and the data pull mu in different directions")
        parts.append(f'<p class="note"><strong>Prior-sensitive headline</strong>: the '
                     f"power-scaling diagnosis of mu is '{e(leaning)}': {meaning}; read it "
                     "beside the sensitivity grid.</p>")
    if main.rows.unusable:
        parts.append('<p class="note">Not usable here: ' + e("; ".join(main.rows.unusable))
                     + "</p>")
    for note in prep.notes:
        parts.append(f'<p class="note">{e(note)}</p>')
    for fit in flagged:
        parts.append(f'<p class="note"><strong>Flagged MCMC fit</strong> (kept, marked '
                     f'mcmc_flagged in the grid): {e(fit)}</p>')
    if prep.tipping:
        tips = []
        for tp in prep.tipping:
            if tp.scale is not None:
                tips.append(f"P(meaningful benefit) crosses {tp.level} at a half-normal tau "
                            f"scale of {tp.scale:.3g}")
            else:
                side = "below" if tp.below else "above"
                tips.append(f"P(meaningful benefit) stays {side} {tp.level} for half-normal "
                            f"scales {tp.scan_min:.3g} to {tp.scan_max:.3g}")
        parts.append('<p class="note">Tipping points: ' + e("; ".join(tips)) + ".</p>")
    parts += robustness(prep, decision_row)
    sens = folder / "power_scaling.csv"
    if sens.is_file():
        parts.append("<p>Power-scaling sensitivity (priorsense's diagnostic from the log_prior "
                     "and log_likelihood groups, no refit; values above 0.05 flag "
                     "sensitivity):</p>")
        parts.append(frame_table(pd.read_csv(sens), table_id=f"psense-{spec.id}",
                            digits={"prior": 3, "likelihood": 3}))
    return "".join(parts)


def _value(row: pd.Series, key: str) -> Any:
    value = row.get(key, float("nan"))
    return float("nan") if value is None else value


def _readings(prep: PreparedAnalysis, row: pd.Series) -> list[str]:
    """The two Bayesian readings, each named with its fit (model, likelihood, priors), the MCMC
    check, and what the skeptical and enthusiastic priors encode on the natural scale."""
    parts = []
    def finite(key: str) -> bool:
        v = _value(row, key)
        return isinstance(v, (int, float)) and math.isfinite(v)

    if finite("like_for_like_median"):
        parts.append(
            "<p><strong>Like-for-like with the review</strong> (the Bayesian analogue of the "
            f"review's own model: {e(row.get('like_for_like_model', ''))}; effect prior "
            f"<code>{e(row.get('effect_prior', ''))}</code>): median "
            f"{effect(_value(row, 'like_for_like_median'))} (95% CrI "
            f"{effect(_value(row, 'like_for_like_q025'))} to "
            f"{effect(_value(row, 'like_for_like_q975'))}); P(benefit) "
            f"{probability(_value(row, 'p_benefit'))}; P(clinically meaningful benefit) "
            f"{probability(_value(row, 'p_meaningful'))}; power-scaling diagnosis of mu: "
            f"{e(row.get('prior_sensitivity', ''))}; reading "
            f"<strong>{e(row.get('like_for_like_reading', ''))}</strong> (the review: "
            f"{e(row.get('review_reading', ''))}).</p>")
    if finite("random_effects_median"):
        text = (
            "<p><strong>Generalisation</strong> (random effects under the empirical tau prior "
            f"<code>{e(row.get('random_effects_tau_prior', ''))}</code>: "
            f"{e(row.get('random_effects_model', ''))}): mu median "
            f"{effect(_value(row, 'random_effects_median'))} (95% CrI "
            f"{effect(_value(row, 'random_effects_q025'))} to "
            f"{effect(_value(row, 'random_effects_q975'))}); the effect in a new trial, "
            f"theta_new, {effect(_value(row, 'theta_new_median'))} (95% CrI "
            f"{effect(_value(row, 'theta_new_q025'))} to {effect(_value(row, 'theta_new_q975'))}), "
            f"P(a new trial shows benefit) {probability(_value(row, 'p_new_benefit'))}; "
            f"power-scaling diagnosis of mu: "
            f"{e(row.get('random_effects_prior_sensitivity', ''))}; reading "
            f"<strong>{e(row.get('random_effects_reading', ''))}</strong>.")
        if prep.main.k == 1:
            text += (" With one study, tau is not informed by the data: this reading is "
                     "carried by the tau prior, and theta_new, not mu, is its quantity of "
                     "interest.")
        parts.append(text + "</p>")
    if finite("mcmc_median"):
        parts.append(
            f'<p class="note">MCMC check ({e(row.get("mcmc_model", ""))}; effect prior '
            f"<code>{e(row.get('effect_prior', ''))}</code>): median "
            f"{effect(_value(row, 'mcmc_median'))} (95% CrI {effect(_value(row, 'mcmc_q025'))} "
            f"to {effect(_value(row, 'mcmc_q975'))}); sampler diagnostics "
            f"{e(row.get('mcmc_diagnostics', ''))}; power-scaling diagnosis of mu "
            f"{e(row.get('mcmc_prior_sensitivity', ''))}. Not a reading: it shows what the "
            "likelihood of the arm counts changes.</p>")
    described = [_threshold_prior_text(prep, p.prior) for p in prep.effect_priors
                 if getattr(p.prior, "kind", "") in ("skeptical", "enthusiastic")]
    if described:
        parts.append('<p class="note">Skeptical and enthusiastic priors (Spiegelhalter, '
                     "Freedman &amp; Parmar 1994, J R Stat Soc A 157:357-416), centred with the "
                     "primary clinically meaningful threshold: "
                     + "; ".join(e(d) for d in described) + ".</p>")
    return parts


def _threshold_prior_text(prep: PreparedAnalysis, prior: Any) -> str:
    """What a resolved skeptical / enthusiastic prior encodes, on the natural scale."""
    from reanalyse.measures import is_ratio

    ratio = is_ratio(prep.spec.measure)
    back = math.exp if ratio else (lambda x: x)
    lo, hi = prior.interval(0.95)
    t = prior.threshold
    name = prep.spec.measure if ratio else f"{prep.spec.measure} (analysis scale)"
    share = "5%"
    if prior.kind == "skeptical":
        return (f"skeptical: {name} median {back(0.0):.3g}, 95% prior interval "
                f"{back(lo):.3g} to {back(hi):.3g}; an effect at least as large as "
                f"{back(t):.3g} has prior probability {share} (doubt that the treatment "
                "reaches the clinically meaningful effect)")
    return (f"enthusiastic: {name} median {back(t):.3g}, 95% prior interval "
            f"{back(lo):.3g} to {back(hi):.3g}; no effect or an effect in the other direction "
            f"(beyond {back(0.0):.3g}) has prior probability {share} (belief that the "
            "treatment reaches the clinically meaningful effect)")
