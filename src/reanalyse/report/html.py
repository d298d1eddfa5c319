"""Build ``results/report.html``: one self-contained page.

Sections: the decision table, the reproduction table, one section per analysis (figures,
frequentist and Bayesian numbers, notes), the network meta-analyses, methods generated from the
specifications and priors, and provenance. Every string that comes from data or specifications is
escaped with :func:`html.escape`; figures are embedded as base64 data URIs.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reanalyse.direction import Orientation, orientation_of
from reanalyse.io import atomic

if TYPE_CHECKING:
    from reanalyse.pipeline.defaults import BayesDefaults
    from reanalyse.pipeline.prepare import PreparedAnalysis
    from reanalyse.pooling import PooledResult

__all__ = ["write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;max-width:1200px;
color:#222}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:.5rem 1rem .5rem 0} figure img{max-width:560px}
figcaption{font-size:.8rem;color:#555} .note{color:#555;font-size:.85rem}
section.analysis{border-top:2px solid #ddd;margin-top:2rem;padding-top:.5rem}
code{font-size:.85em}
"""


def e(value: Any) -> str:
    """Escape anything for HTML text."""
    return html.escape("" if value is None else str(value), quote=True)


def _num(x: Any, digits: int = 2) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if isinstance(x, float) and not math.isfinite(x):
            return ""
        return f"{x:.{digits}f}"
    return e(x)


def _table(frame: pd.DataFrame, *, table_id: str, digits: dict[str, int] | None = None,
           group_row: str = "") -> str:
    """An HTML table; ``group_row`` is an optional first header row (column groups)."""
    digits = digits or {}
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for c in frame.columns:
            v = r[c]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(v, digits.get(c, 2))}</td>')
            else:
                cells.append(f"<td>{e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    groups = f"<tr>{group_row}</tr>" if group_row else ""
    return (f'<table id="{e(table_id)}"><thead>{groups}<tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _img(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{e(caption)}</figcaption></figure>")


def _figures(folder: Path, stems: Iterable[tuple[str, str]]) -> str:
    out = [_img(folder / f"{stem}.png", caption) for stem, caption in stems
           if (folder / f"{stem}.png").is_file()]
    return "".join(out)


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
    """The HTML section of one analysis (figures embedded); ``flagged`` lists MCMC fits that
    failed their diagnostics after the retries (their grid cells carry ``mcmc_flagged = 1``)."""
    spec = prep.spec
    shown = orientation_of(spec)
    folder = out / "analyses" / spec.id
    parts = [f'<section class="analysis" id="analysis-{e(spec.id)}"><h3>{e(spec.title)}</h3>',
             (f"<p><code>{e(spec.id)}</code>: {e(spec.treatment)} vs {e(spec.control)}, outcome "
             f"<code>{e(spec.outcome)}</code>, {e(spec.measure)}; the review's method "
             f"{e(spec.method)} {e(spec.model)}.</p>"),
             f'<p class="orientation">Orientation: {e(shown.sentence(outcome=spec.outcome))}</p>']
    main = prep.main
    if main.review is not None and main.review.estimable:
        r = main.review
        est, lo, hi = shown.shown_estimate(r.estimate, r.ci_low, r.ci_high)
        parts.append(f"<p>Frequentist ({e(r.method)}, {e(r.model)}), {r.k} "
                     f"stud{'y' if r.k == 1 else 'ies'}: {_num(est)} "
                     f"({_num(lo)} to {_num(hi)}); I² {_num(r.i2, 0)}%"
                     f"{_heterogeneity_limits(r)}.</p>")
    parts += _readings(prep, decision_row)
    bf = prep.bayes_factors
    if bf is not None and math.isfinite(bf.min_bf01_mu0):
        text = (f"<p>Bayes factors (exact engine, default priors; BF01 above 1 favours the "
                f"hypothesis): no effect (mu = 0) {_num(bf.bf01_mu0, 3)}, at least "
                f"{_num(bf.min_bf01_mu0, 3)} whatever the effect prior (the minimum Bayes "
                "factor; a vague effect prior inflates the actual one)")
        if math.isfinite(bf.bf01_tau0):
            text += f"; no heterogeneity (tau = 0) {_num(bf.bf01_tau0, 3)}"
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
    parts += _robustness(prep, decision_row)
    sens = folder / "power_scaling.csv"
    if sens.is_file():
        parts.append("<p>Power-scaling sensitivity (priorsense's diagnostic from the log_prior "
                     "and log_likelihood groups, no refit; values above 0.05 flag "
                     "sensitivity):</p>")
        parts.append(_table(pd.read_csv(sens), table_id=f"psense-{spec.id}",
                            digits={"prior": 3, "likelihood": 3}))
    parts.append(_figures(folder, (("forest", f"{spec.id}: forest plot"),
                                   ("tau", f"{spec.id}: tau prior and posterior"),
                                   ("sensitivity", f"{spec.id}: prior sensitivity"),
                                   ("funnel", f"{spec.id}: contour-enhanced funnel plot"))))
    parts.append("</section>")
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
            f"{_num(_value(row, 'like_for_like_median'))} (95% CrI "
            f"{_num(_value(row, 'like_for_like_q025'))} to "
            f"{_num(_value(row, 'like_for_like_q975'))}); P(benefit) "
            f"{_num(_value(row, 'p_benefit'), 3)}; P(clinically meaningful benefit) "
            f"{_num(_value(row, 'p_meaningful'), 3)}; power-scaling diagnosis of mu: "
            f"{e(row.get('prior_sensitivity', ''))}; reading "
            f"<strong>{e(row.get('like_for_like_reading', ''))}</strong> (the review: "
            f"{e(row.get('review_reading', ''))}).</p>")
    if finite("random_effects_median"):
        text = (
            "<p><strong>Generalisation</strong> (random effects under the empirical tau prior "
            f"<code>{e(row.get('random_effects_tau_prior', ''))}</code>: "
            f"{e(row.get('random_effects_model', ''))}): mu median "
            f"{_num(_value(row, 'random_effects_median'))} (95% CrI "
            f"{_num(_value(row, 'random_effects_q025'))} to "
            f"{_num(_value(row, 'random_effects_q975'))}); the effect in a new trial, "
            f"theta_new, {_num(_value(row, 'theta_new_median'))} (95% CrI "
            f"{_num(_value(row, 'theta_new_q025'))} to {_num(_value(row, 'theta_new_q975'))}), "
            f"P(a new trial shows benefit) {_num(_value(row, 'p_new_benefit'), 3)}; "
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
            f"{_num(_value(row, 'mcmc_median'))} (95% CrI {_num(_value(row, 'mcmc_q025'))} "
            f"to {_num(_value(row, 'mcmc_q975'))}); sampler diagnostics "
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


def _reproduction(repro: pd.DataFrame) -> str:
    if repro.empty:
        return ('<p class="note">No published results to reproduce: no analysis names a '
                "target in a <code>published.csv</code> beside its data.</p>")
    return _table(repro[["id", "scenario", "status", "published_estimate", "published_ci_low",
                         "published_ci_high", "ours_estimate", "ours_ci_low", "ours_ci_high",
                         "k", "expected_k", "reason"]], table_id="reproduction-table",
                  digits={"k": 0, "expected_k": 0})


def _in_review_orientation(frame: pd.DataFrame, shown: Orientation,
                           triplets: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """``frame`` with each (estimate, low, high) column triplet in the review's orientation."""
    if shown.sign > 0:
        return frame
    frame = frame.copy()
    for est, lo, hi in triplets:
        if est in frame:
            frame[est], frame[lo], frame[hi] = shown.shown_estimate(frame[est], frame[lo],
                                                                    frame[hi])
    if "side" in frame:
        frame["side"] = [shown.shown_side(v) if isinstance(v, str) else v for v in frame["side"]]
    return frame


def _robustness(prep: PreparedAnalysis, decision_row: pd.Series) -> list[str]:
    """Leave-one-out table, the small-study tests (or why they were not done) and trim and
    fill, effects in the review's orientation."""
    parts = []
    shown = orientation_of(prep.spec)
    infl = prep.influence
    if infl is not None:
        infl = _in_review_orientation(infl, shown, (("estimate", "ci_low", "ci_high"),
                                                    ("bayes_median", "bayes_q025",
                                                     "bayes_q975")))
    if infl is not None and not infl.empty:
        changes = str(decision_row.get("omission_changes", "") or "")
        parts.append("<p>Leave-one-out (each study omitted in turn; frequentist with the "
                     "review's method, Bayesian by the exact engine under the default priors; "
                     f"natural scale). Omissions that change a reading: {e(changes)}.</p>")
        cols = ["omitted", "k", "estimate", "ci_low", "ci_high", "i2", "freq_reading",
                "bayes_median", "bayes_q025", "bayes_q975", "p_benefit", "p_meaningful",
                "bayes_reading"]
        if "rstudent" in infl and infl["rstudent"].notna().any():
            cols += ["rstudent", "cook_d", "hat", "influential"]
            flagged = str(decision_row.get("influential_studies", "") or "")
            parts.append("<p>Case diagnostics of each study (inverse variance with the review's "
                         "model, as metafor's <code>influence</code>): studentised deleted "
                         "residual, Cook's distance and hat value; marked influential by "
                         f"metafor's rule: {e(flagged)}.</p>")
        parts.append(_table(infl[cols], table_id=f"influence-{prep.spec.id}",
                            digits={"k": 0, "i2": 0, "p_benefit": 3, "p_meaningful": 3,
                                    "rstudent": 2, "cook_d": 3, "hat": 3}))
    small = prep.small_study
    if small is not None and not small.empty:
        done = small[small["p"].notna()]
        if done.empty:
            parts.append('<p class="note">Small-study effects: '
                         + e(str(small["note"].iloc[0])) + ".</p>")
        else:
            parts.append("<p>Small-study effects (funnel-plot asymmetry; a small p suggests "
                         "asymmetry, which has other causes than publication bias):</p>")
            parts.append(_table(small[["test", "k", "bias", "se", "statistic", "df", "p",
                                       "note"]],
                                table_id=f"small-study-{prep.spec.id}",
                                digits={"k": 0, "df": 0, "bias": 3, "se": 3, "statistic": 3,
                                        "p": 4}))
    tf = prep.trim_fill
    if tf is not None:
        tf = _in_review_orientation(tf, shown, (("estimate", "ci_low", "ci_high"),
                                                ("filled_estimate", "filled_ci_low",
                                                 "filled_ci_high")))
    if tf is not None and not tf.empty and tf["k0"].notna().any():
        parts.append("<p>Trim and fill (Duval and Tweedie; inverse variance with the review's "
                     "model; a sensitivity analysis, not a correction: asymmetry has other causes "
                     "than missing studies). <code>side</code> is where studies were imputed, "
                     "<code>k0</code> how many.</p>")
        parts.append(_table(tf[["estimator", "side", "k", "k0", "se_k0", "p_k0", "estimate",
                                "ci_low", "ci_high", "filled_estimate", "filled_ci_low",
                                "filled_ci_high"]],
                            table_id=f"trim-fill-{prep.spec.id}",
                            digits={"k": 0, "k0": 0, "se_k0": 2, "p_k0": 4}))
    return parts


def _methods(analyses: dict[str, dict[str, Any]], defaults: BayesDefaults) -> str:
    seen: dict[str, dict[str, Any]] = {}
    for prov in analyses.values():
        for d in [prov.get("default_tau"), prov.get("default_effect"),
                  prov.get("generalisation_tau"),
                  *prov.get("grid_tau", []), *prov.get("grid_effect", [])]:
            if d:
                seen.setdefault(str(d.get("id_requested", d.get("id"))), d)
    rows = pd.DataFrame([{"prior": k, "role": v.get("role", ""), "family": v.get("family", ""),
                          "parameters": v.get("params_on_tau") or v.get("params", ""),
                          "citation": v.get("citation", ""), "resolved": v.get("resolved", "")}
                         for k, v in sorted(seen.items())])
    s = defaults.sampler
    text = (
        "<p>Frequentist results recompute each analysis with the review's method as RevMan 5 "
        "does (Mantel-Haenszel with the 0.5 zero-cell correction inside the sums for binary "
        "outcomes; inverse variance with Hedges' adjusted g for SMD; DerSimonian-Laird for "
        "random effects). Bayesian results use the normal-normal random-effects model on the "
        "study estimates (marginal likelihood y_i ~ N(mu, se_i² + tau²), study effects drawn "
        "from their conditional posterior) computed exactly by numerical integration "
        "(as bayesmeta) and by MCMC (PyMC with nutpie), and for binary outcomes the exact "
        "binomial likelihood by MCMC. Priors per effect scale come from "
        "the Bayesian defaults (<code>bayes.toml</code>); each is listed below with its citation. "
        f"MCMC: {s.chains} chains of {s.draws} draws after {s.tune} tuning steps, target "
        f"acceptance {s.target_accept}, seed {s.seed}; a run with R-hat above 1.01, bulk or "
        "tail ESS below 400, or any divergence is retried at higher target acceptance and "
        "flagged if it still fails. P(clinically meaningful benefit) uses each analysis' "
        "benefit threshold of smallest magnitude (its source is in the decision table). "
        "The headline data scenario is 'sourced' (reported and derived rows only) unless the "
        "run chose 'reconstruction' (adds imputed and back-solved rows).</p>")
    return text + _table(rows, table_id="priors-table")


def write_report(out: Path, *, sections: Sequence[str], decision: pd.DataFrame,
                 repro: pd.DataFrame, provenance: dict[str, Any],
                 nma: dict[str, dict[str, Any]], defaults: BayesDefaults) -> Path:
    """Write ``out/report.html`` atomically and return its path."""
    groups = {
        "review": ["analysis", "measure", "k", "published_estimate", "published_ci_low",
                   "published_ci_high", "reproduction_status", "freq_estimate", "freq_ci_low",
                   "freq_ci_high", "review_reading"],
        "like-for-like with the review": [
            "like_for_like_model", "like_for_like_median", "like_for_like_q025",
            "like_for_like_q975", "p_benefit", "p_meaningful", "prior_sensitivity",
            "like_for_like_reading", "agrees"],
        "generalisation (random effects, empirical tau prior)": [
            "random_effects_tau_prior", "random_effects_median", "random_effects_q025",
            "random_effects_q975", "theta_new_q025", "theta_new_q975", "p_new_benefit",
            "random_effects_prior_sensitivity", "random_effects_reading"],
        "sensitivity grid and MCMC check": ["grid_median_min", "grid_median_max", "threshold", "threshold_label",
                 "mcmc_diagnostics"],
    }
    show = decision[[c for cols in groups.values() for c in cols]]
    group_row = "".join(f'<th colspan="{len(cols)}">{e(name)}</th>'
                        for name, cols in groups.items())
    body = [
        "<h1>reanalyse: Bayesian re-analysis report</h1>",
        f'<p class="note">{e(provenance.get("created", ""))}</p>',
        '<h2 id="decision">Decision table</h2>',
        ("<p>Effects on the natural scale (ratios back-transformed; MD/SMD in the review's "
        "orientation). Two Bayesian readings, named for what they answer. "
        "<strong>Like-for-like with the review</strong>: the Bayesian analogue of the review's "
        "own model (common effect when it pooled fixed-effect, random effects under the default "
        "tau prior when it pooled random) under the default effect prior; P(benefit), "
        "P(clinically meaningful benefit) and <code>agrees</code> belong to it. "
        "<strong>Generalisation</strong>: random effects under the scale's empirical tau prior, "
        "mu and theta_new (the effect in a new trial); p_new_benefit is the predictive "
        "probability that a new trial shows benefit; with one study it is carried by the tau "
        "prior. prior_sensitivity is the power-scaling diagnosis of mu ('strong prior / weak "
        "likelihood' or 'prior-data conflict': the prior shapes it, and the reading is then "
        "'inconclusive: prior-driven'). Full table: <code>decision.csv</code>.</p>"),
        _table(show, table_id="decision-table", group_row=group_row,
               digits={"p_benefit": 3, "p_meaningful": 3, "p_new_benefit": 3, "k": 0}),
        '<h2 id="reproduction">Reproduction of the published results</h2>',
        _reproduction(repro),
        '<h2 id="analyses">Analyses</h2>',
    ]
    body.extend(sections)
    if nma:
        body.append('<h2 id="nma">Network meta-analyses</h2>')
        for name, result in sorted(nma.items()):
            folder = out / "nma" / name.split("/", 1)[1]
            body.append(f"<h3>{e(result.get('title', name))}</h3>")
            for line in result.get("text", []):
                body.append(f"<p>{e(line)}</p>")
            if result.get("league_html"):
                # pandas escapes every cell (escape=True)
                body.append(result["league_html"].replace(
                    '<table border="1" class="dataframe">',
                    f'<table class="league" id="league-{e(name.split("/", 1)[1])}">'))
            diag = result.get("diagnostics") or {}
            if diag:
                body.append(f'<p class="note">MCMC diagnostics: {e(diag.get("status", ""))}; '
                            f'max R-hat {_num(diag.get("max_rhat"), 3)}, min bulk ESS '
                            f'{_num(diag.get("min_ess_bulk"), 0)}, divergences '
                            f'{e(diag.get("divergences"))}.</p>')
            stems = [(Path(f).stem, f"{name}: {Path(f).stem}")
                     for f in result.get("figures", [])]
            body.append(_figures(folder, stems))
    body += ['<h2 id="methods">Methods</h2>', _methods(provenance.get("analyses", {}), defaults),
             '<h2 id="provenance">Provenance</h2>',
             "<p>Versions: " + e(", ".join(f"{k} {v}" for k, v in
                                           provenance.get("packages", {}).items())) + "</p>",
             _table(pd.DataFrame([{"analysis": k, "data sha256 (sourced)": v["data_hash"].get(
                 "sourced", ""), "data sha256 (reconstruction)": v["data_hash"].get(
                 "reconstruction", "")} for k, v in provenance.get("analyses", {}).items()]),
                 table_id="provenance-table")]
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<title>reanalyse report</title><style>" + _CSS + "</style></head><body>"
            + "\n".join(body) + "</body></html>")
    target = out / "report.html"
    atomic.write_text(target, page)
    return target
