"""``results/report.html`` from ``results/``: one self-contained page, rebuilt without refitting.

:func:`write_report` reads only what a run left in the results folder: ``provenance.json``
(the analyses in order, their specifications and priors, the run's defaults, the networks),
each analysis' ``analyses/<id>/record.json`` (its decision row, its summary-of-findings row
and the text of its section), its figures (``analyses/<id>/*.png``), ``reproduction.csv`` and
the networks' ``nma/<id>/record.json``. ``reanalyse run`` calls it at the end of a run and
``reanalyse report`` calls it alone.

The page: a table of contents linking every section; the summary-of-findings tables; the
decision table; the reproduction table; one collapsible section (``<details>``) per analysis
with its figures at their natural width; the network meta-analyses; the methods; provenance.
It holds no script and fetches nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from reanalyse.io import atomic
from reanalyse.report.decision_table import decision_table
from reanalyse.report.figures import FigureCache, figures
from reanalyse.report.format import e, number
from reanalyse.report.methods import methods
from reanalyse.report.section import FIGURES
from reanalyse.report.sof_table import sof_tables
from reanalyse.report.tables import frame_table

__all__ = ["STYLE", "ReportInputs", "read_inputs", "render_page", "write_report"]

#: the page's style sheet (also used by docs/pictures.py for the README's SoF picture)
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1320px;padding:0 1.5rem;color:#222;line-height:1.45}
table{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
thead tr:first-child th[colspan]{background:#e6ecf2;text-align:center}
.wide{overflow-x:auto;max-width:100%}
figure{margin:1rem 0} figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#555} .note{color:#555;font-size:.85rem}
details.analysis{border-top:2px solid #ddd;margin-top:1rem;padding-top:.4rem}
details.analysis>summary{font-size:1.1rem;font-weight:600;cursor:pointer}
nav.toc ol{columns:2;font-size:.9rem} nav.toc li{break-inside:avoid}
table.decision{font-size:.76rem} table.decision td:first-child{min-width:14rem}
ul.priors li{margin-bottom:.6rem} .citation{font-size:.85rem}
code{font-size:.85em}
"""


class ReportInputs:
    """What the page is built from, read from a results folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        prov_path = out / "provenance.json"
        self.provenance: dict[str, Any] = (json.loads(prov_path.read_text(encoding="utf-8"))
                                           if prov_path.is_file() else {})
        order = list(self.provenance.get("analyses", {}))
        if not order:  # no provenance: every analysis folder with a record
            order = sorted(p.parent.name for p in (out / "analyses").glob("*/record.json"))
        self.records: dict[str, dict[str, Any]] = {}
        for aid in order:
            rec = _read_json(out / "analyses" / aid / "record.json")
            if rec is not None:
                self.records[aid] = rec
        self.reproduction = _read_csv(out / "reproduction.csv")
        names = self.provenance.get("networks")
        if names is None:
            names = sorted(p.parent.name for p in (out / "nma").glob("*/record.json"))
        self.networks = {n: rec for n in names
                         if (rec := _read_json(out / "nma" / n / "record.json")) is not None}


def read_inputs(out: str | Path) -> ReportInputs:
    """The report's inputs from the results folder ``out``."""
    return ReportInputs(Path(out))


def _read_csv(path: Path) -> pd.DataFrame:
    """A table of the results folder; empty when absent or without columns (a review without
    published targets writes an empty ``reproduction.csv``)."""
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _title(rec: dict[str, Any], aid: str) -> str:
    return str((rec.get("decision") or {}).get("title") or aid)


def _analysis(out: Path, aid: str, rec: dict[str, Any], cache: FigureCache | None) -> str:
    section = str(rec.get("section", ""))
    # the anchor is inside the collapsed content: following a link to it opens the section
    # (the HTML standard's "ancestor details revealing algorithm")
    parts = [(f'<details class="analysis" id="section-{e(aid)}">'
              f'<summary>{e(_title(rec, aid))}</summary><div id="analysis-{e(aid)}">'), section]
    if "<figure" not in section:  # records of older runs embedded their figures
        parts.append(figures(out / "analyses" / aid,
                             ((stem, f"{aid}: {caption}") for stem, caption in FIGURES),
                             cache=cache))
    parts.append("</div></details>")
    return "".join(parts)


def _reproduction(repro: pd.DataFrame) -> str:
    if repro.empty:
        return ('<p class="note">No published results to reproduce: no analysis names a '
                "target in a <code>published.csv</code> beside its data.</p>")
    cols = ["id", "scenario", "status", "published_estimate", "published_ci_low",
            "published_ci_high", "ours_estimate", "ours_ci_low", "ours_ci_high", "k",
            "expected_k", "reason"]
    heads = {"id": "Published result", "scenario": "Data scenario", "status": "Status",
             "published_estimate": "Published", "published_ci_low": "95% CI low",
             "published_ci_high": "95% CI high", "ours_estimate": "Ours",
             "ours_ci_low": "Our 95% CI low", "ours_ci_high": "Our 95% CI high",
             "k": "Studies", "expected_k": "Studies in the review", "reason": "Reason"}
    return '<div class="wide">' + frame_table(
        repro[[c for c in cols if c in repro]], table_id="reproduction-table",
        digits={"k": 0, "expected_k": 0}, headers=heads) + "</div>"


def _networks(out: Path, networks: dict[str, dict[str, Any]],
              cache: FigureCache | None) -> list[str]:
    body = []
    for name, result in sorted(networks.items()):
        body.append(f'<details class="analysis" id="nma-{e(name)}" open>'
                    f"<summary>{e(result.get('title', name))}</summary>")
        for line in result.get("text", []):
            body.append(f"<p>{e(line)}</p>")
        if result.get("league_html"):  # pandas escapes every cell (escape=True)
            body.append('<div class="wide">' + result["league_html"].replace(
                '<table border="1" class="dataframe">',
                f'<table class="league" id="league-{e(name)}">') + "</div>")
        diag = result.get("diagnostics") or {}
        if diag:
            body.append(f'<p class="note">MCMC diagnostics: {e(diag.get("status", ""))}; '
                        f'max R-hat {number(diag.get("max_rhat"), 3)}, min bulk ESS '
                        f'{number(diag.get("min_ess_bulk"), 0)}, divergences '
                        f'{e(diag.get("divergences"))}.</p>')
        stems = [(Path(f).stem, f"nma/{name}: {Path(f).stem}")
                 for f in result.get("figures", [])]
        body.append(figures(out / "nma" / name, stems, cache=cache))
        body.append("</details>")
    return body


def _toc(inputs: ReportInputs) -> str:
    items = ['<li><a href="#sof">Summary of findings</a></li>',
             '<li><a href="#decision">Decision table</a></li>',
             '<li><a href="#reproduction">Reproduction of the published results</a></li>',
             '<li><a href="#analyses">Analyses</a><ol>'
             + "".join(f'<li><a href="#analysis-{e(aid)}">{e(_title(rec, aid))}</a></li>'
                       for aid, rec in inputs.records.items()) + "</ol></li>"]
    if inputs.networks:
        items.append('<li><a href="#nma">Network meta-analyses</a><ol>'
                     + "".join(f'<li><a href="#nma-{e(n)}">{e(r.get("title", n))}</a></li>'
                               for n, r in sorted(inputs.networks.items())) + "</ol></li>")
    items += ['<li><a href="#methods">Methods</a></li>',
              '<li><a href="#provenance">Provenance</a></li>']
    return '<nav class="toc" id="contents"><h2>Contents</h2><ol>' + "".join(items) + "</ol></nav>"


_DECISION_NOTE = (
    "<p>Effects on the natural scale (ratios back-transformed; MD/SMD in the review's "
    "orientation), each with its 95% interval; each analysis links to its section. Two "
    "Bayesian readings, named for what they answer. <strong>Like-for-like</strong>: the "
    "Bayesian analogue of the review's own model (common effect when it pooled fixed-effect, "
    "random effects under the default tau prior when it pooled random) under the default "
    "effect prior; the probabilities of benefit and of clinically meaningful benefit belong to "
    "it. <strong>Generalisation</strong>: random effects under the scale's empirical tau "
    "prior, the mean effect and the effect in a new trial; with one study it is carried by the "
    "tau prior. Prior sensitivity is the power-scaling diagnosis of mu ('strong prior' or "
    "'prior-data conflict': the prior shapes it, and the reading is then 'inconclusive: "
    "prior-driven'). Every column at full precision: <code>decision.csv</code>.</p>")


def render_page(inputs: ReportInputs, *, cache: FigureCache | None = None) -> str:
    """The HTML page of ``inputs``; ``cache`` keeps the compressed figures between pages."""
    out, prov = inputs.out, inputs.provenance
    findings = [rec["sof"] for rec in inputs.records.values() if rec.get("sof")]
    rows = [rec["decision"] for rec in inputs.records.values() if rec.get("decision")]
    body = [
        "<h1>reanalyse: Bayesian re-analysis report</h1>",
        f'<p class="note">{e(prov.get("created", ""))}</p>',
        _toc(inputs),
        '<h2 id="sof">Summary of findings</h2>',
        ("<p>Per comparison, as a GRADE summary-of-findings table: for binary outcomes the "
         "anticipated absolute effects per 1000 from the relative effect and its interval; for "
         "continuous outcomes the effect in the outcome's units (MD) or its size (SMD). Also "
         "as <code>summary_of_findings.csv</code>.</p>"),
        '<div class="wide">' + sof_tables(findings) + "</div>" if findings else
        '<p class="note">No summary of findings in these results.</p>',
        '<h2 id="decision">Decision table</h2>', _DECISION_NOTE,
        '<div class="wide">' + decision_table(rows) + "</div>",
        '<h2 id="reproduction">Reproduction of the published results</h2>',
        _reproduction(inputs.reproduction),
        '<h2 id="analyses">Analyses</h2>',
        '<p class="note">Each section opens on a click.</p>',
    ]
    body += [_analysis(out, aid, rec, cache) for aid, rec in inputs.records.items()]
    if inputs.networks:
        body.append('<h2 id="nma">Network meta-analyses</h2>')
        body += _networks(out, inputs.networks, cache)
    analyses = prov.get("analyses", {})
    body += ['<h2 id="methods">Methods</h2>',
             methods(analyses, prov.get("defaults") or {},
                     scenario=str(prov.get("scenario", "sourced"))),
             '<h2 id="provenance">Provenance</h2>',
             "<p>Versions: " + e(", ".join(f"{k} {v}" for k, v in
                                           prov.get("packages", {}).items())) + "</p>",
             '<div class="wide">' + frame_table(pd.DataFrame(
                 [{"analysis": k, "data sha256 (sourced)": v["data_hash"].get("sourced", ""),
                   "data sha256 (reconstruction)": v["data_hash"].get("reconstruction", "")}
                  for k, v in analyses.items()]), table_id="provenance-table") + "</div>"]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>reanalyse report</title><style>" + STYLE + "</style></head><body>"
            + "\n".join(body) + "</body></html>")


def write_report(out: str | Path) -> Path:
    """Write ``out/report.html`` from the results folder ``out`` (atomically); its path."""
    out = Path(out)
    target = out / "report.html"
    cache = FigureCache.of_results(out)
    atomic.write_text(target, render_page(read_inputs(out), cache=cache))
    cache.prune()
    return target
