"""The methods of the report, written out: models, priors with their full citations, and per
analysis the data scenario, the review's model, the priors used and the unit-information SD
where it scales a prior.

From ``provenance.json`` (each analysis' specification and resolved priors, as the registry
records them, and the run's defaults), so ``reanalyse report`` rebuilds it without refitting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reanalyse.report.format import e, finite
from reanalyse.report.tables import Cell, html_table

__all__ = ["distribution_text", "methods"]

_FAMILY = {"half-normal": "half-normal", "half-cauchy": "half-Cauchy", "uniform": "uniform",
           "inverse-gamma": "inverse-gamma", "lognormal": "log-normal", "log-t": "log-t",
           "normal": "normal", "student-t": "Student-t", "flat": "flat (improper uniform)"}


def _params(params: Mapping[str, Any] | None) -> str:
    if not params:
        return ""
    return ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in params.items() if v is not None)


def distribution_text(prior: Mapping[str, Any]) -> str:
    """'half-normal (scale 0.5) on tau', 'log-normal (mu -2.56, sigma 1.74) on tau², that is
    ... on tau': a prior in words from its record."""
    family = _FAMILY.get(str(prior.get("family", "")), str(prior.get("family", "")))
    stated = str(prior.get("stated_on") or ("mu" if prior.get("role") == "effect" else "tau"))
    params = _params(prior.get("params"))
    text = f"{family} ({params})" if params else family
    text += " on tau²" if stated == "tau2" else " on tau" if prior.get("role") == "tau" \
        else " on mu"
    on_tau = _params(prior.get("params_on_tau"))
    if stated == "tau2" and on_tau:
        text += f" (on tau: {on_tau})"
    if prior.get("kind") in ("skeptical", "enthusiastic") and finite(prior.get("threshold")):
        text += f", centred with the threshold {float(prior['threshold']):.3g} (analysis scale)"
    return text


#: The rule behind the ``uisd-half-normal:F`` tau priors of mean differences (not a registry
#: entry: each is resolved per analysis from its data; ``pipeline.defaults``).
UISD_CITATION = ("Röver C, Bender R, Dias S, Schmid CH, Schmidli H, Sturtz S, Weber S, Friede T "
                 "(2021). On weakly informative prior distributions for the heterogeneity "
                 "parameter in Bayesian random-effects meta-analysis. Research Synthesis Methods "
                 "12(4):448-474 (the unit-information SD, as bayesmeta's uisd()); the factor F "
                 "is reanalyse's derivation (bayes.toml: HN(0.5) on log-OR is 1/8 of the log-OR "
                 "UISD of 4)")


def _resolved(prior: Mapping[str, Any]) -> str:
    return str(prior.get("resolved") or distribution_text(prior))


def _priors(analyses: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every prior the analyses used, by the id the defaults name (``uisd-half-normal:F``, not
    its resolved scale), with its uses and its form in each analysis."""
    seen: dict[str, dict[str, Any]] = {}
    for aid, prov in analyses.items():
        uses = [("default tau prior", prov.get("default_tau")),
                ("default effect prior", prov.get("default_effect")),
                ("generalisation tau prior", prov.get("generalisation_tau")),
                *(("sensitivity grid", p) for p in prov.get("grid_tau") or []),
                *(("sensitivity grid", p) for p in prov.get("grid_effect") or [])]
        for use, prior in uses:
            if not prior:
                continue
            pid = str(prior.get("id_requested") or prior.get("id"))
            entry = seen.setdefault(pid, {"prior": prior, "uses": {}, "forms": {}})
            if aid not in entry["uses"].setdefault(use, []):
                entry["uses"][use].append(aid)
            entry["forms"][aid] = _resolved(prior)
    return dict(sorted(seen.items()))


def _prior_item(pid: str, entry: Mapping[str, Any]) -> str:
    """One prior of the list: its distribution (or, when it depends on the analysis, its rule
    and its form per analysis), uses, rationale, notes, status and full citation."""
    prior = entry["prior"]
    forms: dict[str, str] = entry["forms"]
    uses = "; ".join(f"{use}: {len(aids)} analys{'is' if len(aids) == 1 else 'es'}"
                     for use, aids in entry["uses"].items())
    uisd = pid.startswith("uisd-")
    if len(set(forms.values())) == 1 and not uisd:
        what = e(distribution_text(prior))
    else:
        if uisd:
            rule = f"half-normal on tau with scale {pid.split(':', 1)[-1]} x the analysis' UISD"
        elif prior.get("kind") in ("skeptical", "enthusiastic"):
            rule = "normal on mu centred with the analysis' primary clinically meaningful threshold"
        else:
            rule = f"{_FAMILY.get(str(prior.get('family')), prior.get('family'))}"
        what = (f"{e(rule)}; per analysis:<details class=\"forms\"><summary>{len(forms)} "
                "analyses</summary><ul>" + "".join(f"<li>{e(aid)}: {e(text)}</li>"
                                                   for aid, text in forms.items())
                + "</ul></details>")
    citation = UISD_CITATION if uisd else (prior.get("citation") or "no citation recorded")
    extra = "".join(f" {e(prior.get(k))}" for k in ("rationale", "notes")
                    if prior.get(k) and not uisd)
    status = f" Status: {e(prior.get('status'))}." if prior.get("status") and not uisd else ""
    source = (f' <span class="note">Source: {e(prior.get("source"))}</span>'
              if prior.get("source") and not uisd else "")
    return (f'<li id="prior-{e(pid)}"><code>{e(pid)}</code>: {what}. Used as {e(uses)}.'
            f'{extra}{status}<br><span class="citation">{e(citation)}</span>{source}</li>')


def _uisd_text(prov: Mapping[str, Any]) -> str:
    """The UISD of an analysis whose priors it scales (the uisd-half-normal priors of mean
    differences), else blank."""
    if not finite(prov.get("uisd")):
        return ""
    scaled = [p for p in (prov.get("default_tau"), prov.get("generalisation_tau"),
                          *(prov.get("grid_tau") or []))
              if p and str(p.get("id_requested", "")).startswith("uisd-")]
    if not scaled:
        return ""
    return f"{float(prov['uisd']):.3g}"


def _requested(prior: Mapping[str, Any] | None) -> str:
    return str((prior or {}).get("id_requested") or (prior or {}).get("id") or "")


def _analysis_rows(analyses: Mapping[str, Mapping[str, Any]], scenario: str) -> list[list[Cell]]:
    rows = []
    for aid, prov in analyses.items():
        spec = prov.get("spec") or {}
        model = (f"{spec.get('method', '')} {spec.get('model', '')}, {spec.get('measure', '')}"
                 + (" (HKSJ)" if spec.get("hksj") else ""))
        tau, eff, gen = (_requested(prov.get(k)) for k in ("default_tau", "default_effect",
                                                             "generalisation_tau"))
        grid = (f"{len(prov.get('grid_tau') or [])} tau x {len(prov.get('grid_effect') or [])}"
                " effect priors")
        rows.append([Cell(f'<a href="#analysis-{e(aid)}">{e(aid)}</a>'), Cell(e(scenario)),
                     Cell(e(model)), Cell(f"<code>{e(eff)}</code>; tau <code>{e(tau)}</code>"
                                          if eff else ""),
                     Cell(f"<code>{e(gen)}</code>" if gen else ""), Cell(e(grid)),
                     Cell(e(_uisd_text(prov)), numeric=True)])
    return rows


def methods(analyses: Mapping[str, Mapping[str, Any]], defaults: Mapping[str, Any], *,
            scenario: str) -> str:
    """The methods text: ``analyses`` is ``provenance.json``'s ``analyses`` (per analysis its
    specification and resolved priors), ``defaults`` its ``defaults`` (the sampler settings)."""
    s = defaults.get("sampler") or {}
    text = [
        ("<p>Frequentist results recompute each analysis with the review's method as RevMan 5 "
        "does (Mantel-Haenszel with the 0.5 zero-cell correction inside the sums for binary "
        "outcomes; inverse variance with Hedges' adjusted g for SMD; DerSimonian-Laird for "
        "random effects), beside the review's published result.</p>"),
        ("<p>Bayesian results use the normal-normal hierarchical model on the study estimates "
        "(y<sub>i</sub> ~ N(theta<sub>i</sub>, se<sub>i</sub>²), theta<sub>i</sub> ~ N(mu, "
        "tau²); marginally y<sub>i</sub> ~ N(mu, se<sub>i</sub>² + tau²)), computed exactly "
        "by numerical integration over tau (as the R package bayesmeta) and checked by MCMC "
        "(PyMC with nutpie), and, for binary outcomes with arm counts, the exact binomial "
        "likelihood by MCMC. Two readings: <strong>like-for-like</strong>, the Bayesian "
        "analogue of the review's own model (a common effect, tau = 0, when the review pooled "
        "fixed-effect; random effects under the default tau prior when it pooled random "
        "effects) under the default effect prior; and the <strong>generalisation</strong>, "
        "random effects under the scale's empirical tau prior, with the effect in a new trial "
        "(theta_new). The sensitivity grid repeats the exact computation for every tau prior "
        "and effect prior below, in both data scenarios.</p>"),
        (f"<p>MCMC: {e(s.get('chains', ''))} chains of {e(s.get('draws', ''))} draws after "
         f"{e(s.get('tune', ''))} tuning steps, target acceptance "
         f"{e(s.get('target_accept', ''))}, seed {e(s.get('seed', ''))}; a run with R-hat "
         "above 1.01, bulk or tail ESS below 400, or any divergence is retried at higher "
         "target acceptance and flagged if it still fails. Power-scaling sensitivity "
         "(priorsense) says whether the prior or the likelihood shapes the posterior of mu."
         "</p>"),
        (f"<p>Data scenario of the headline results: <strong>{e(scenario)}</strong> "
         "('sourced': the rows reported or derived from reported numbers; 'reconstruction' "
         "adds imputed and back-solved rows). P(clinically meaningful benefit) uses each "
         "analysis' benefit threshold of smallest magnitude, with its source in the analysis' "
         "section. For mean differences the tau priors <code>uisd-half-normal:F</code> are "
         "half-normal with scale F x UISD, the analysis' unit-information SD (bayesmeta "
         "<code>uisd()</code>: sqrt(sum n<sub>i</sub> / sum se<sub>i</sub><sup>-2</sup>); "
         "Röver et al. 2021, Res Synth Methods 12:448-474), shown per analysis below.</p>"),
        "<h3 id=\"methods-analyses\">Per analysis</h3>",
        html_table(("Analysis", "Data scenario", "The review's model",
                    "Like-for-like priors", "Generalisation tau prior", "Sensitivity grid",
                    "UISD"), _analysis_rows(analyses, scenario), table_id="methods-table"),
        "<h3 id=\"methods-priors\">Priors</h3>",
    ]
    items = [_prior_item(pid, entry) for pid, entry in _priors(analyses).items()]
    text.append('<ul class="priors">' + "".join(items) + "</ul>")
    return "".join(text)
