"""Turn a RevMan 5 review into a reanalyse project: data with provenance, targets, specifications.

:func:`import_review` reads an ``.rm5`` file and writes, under the project root,

* ``data/<name>/outcomes.csv``: every study row of every importable outcome in the canonical long
  format (arm rows for dichotomous and continuous data, contrast rows for generic inverse
  variance), each with its ``source`` (the file, its SHA-256, the comparison, outcome and study)
  and ``derivation`` (``reported``; ``derived`` where RevMan analyses non-events);
* ``data/<name>/published.csv``: RevMan's stored pooled result of each outcome, the target that
  ``reanalyse reproduce`` checks;
* ``data/<name>/README.md``: what was imported and what was skipped, and why;
* ``analyses/<name>_<comparison>_<outcome>.toml``: one specification per outcome with the
  review's own measure, method, model and direction of benefit.

After that, ``reanalyse reproduce`` and ``reanalyse run`` treat the review like any other.

The direction of benefit is not stored in a RevMan file as such; it is read from the forest
plot's labels (``GRAPH_LABEL_1`` left, ``GRAPH_LABEL_2`` right): "Favours antibiotics" on the left
with antibiotics as group 1 means lower values favour the treatment. An outcome whose labels name
neither group (nor "experimental"/"control") is skipped with that reason, so nothing is guessed.
The labels themselves go into the specification's ``favours`` (unless they are RevMan's
placeholders), so every figure names the sides as the review did.
Clinically meaningful thresholds are not in the file either: each RR, OR and SMD specification
gets the generic rules of thumb of the packaged ``thresholds.toml`` (GRADE's 25% relative
change; Cohen's 0.2 / 0.5 / 0.8), labelled generic, to be replaced where the outcome has its own;
MD and RD specifications get none (an MD is in the outcome's units) and say so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reanalyse.analyses.default_thresholds import DEFAULTS_NAME, generic_thresholds
from reanalyse.analyses.root import find_root
from reanalyse.analyses.spec import Threshold
from reanalyse.errors import DataValidationError
from reanalyse.io.atomic import write_text
from reanalyse.measures import analysis_scale
from reanalyse.revman.model import Outcome, Review
from reanalyse.revman.package import read_review
from reanalyse.revman.recompute import analysis_choice, tau2_estimator
from reanalyse.revman.tidy import ROB_PREFIX, outcome_to_long

__all__ = ["ImportReport", "ImportedOutcome", "benefit_direction", "import_review"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TREATMENT_WORDS = ("experimental", "intervention", "treatment")
_CONTROL_WORDS = ("control", "placebo", "comparator")


@dataclass(frozen=True)
class ImportedOutcome:
    """One outcome of the review: imported (with its analysis id) or skipped (with the reason)."""

    outcome_id: str
    name: str
    analysis_id: str | None
    reason: str = ""

    @property
    def imported(self) -> bool:
        return self.analysis_id is not None


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_review` wrote."""

    name: str
    rm5: str
    sha256: str
    files: tuple[str, ...]
    outcomes: tuple[ImportedOutcome, ...] = field(default_factory=tuple)
    #: the project folder the files were written into
    root: Path = Path()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rm5": self.rm5, "sha256": self.sha256,
                "project": str(self.root), "files": list(self.files),
                "outcomes": [{"outcome": o.outcome_id, "name": o.name, "analysis": o.analysis_id,
                              "reason": o.reason} for o in self.outcomes]}


def _words(label: str) -> set[str]:
    """The words of a label (Unicode letters and digits: "Aβ-mAbs" is {"aβ", "mabs"}), without
    RevMan's "favours" and HTML spaces."""
    text = label.replace("&nbsp;", " ").casefold()
    return {w for w in re.split(r"[\W_]+", text) if w} - {"favours", "favors", "favour", "favor"}


def _names(label: str, group: str, generic: tuple[str, ...]) -> bool:
    """The label names the group: its words are all the group's ("Favours Aβ-mAbs" names
    "Any Aβ-mAbs"), or the group's are all in it, or it says a generic word for the side."""
    words, own = _words(label), _words(group)
    return bool(words) and (words <= own or bool(own) and own <= words
                            or any(w in words for w in generic))


def _names_other(label: str, *, g1: str, g2: str) -> bool:
    """A label that names something other than either group or any generic word ("Favours
    bapinezumab" beside groups "Any Aβ-mAbs" / "Placebo")."""
    words = _words(label)
    generic = {*_TREATMENT_WORDS, *_CONTROL_WORDS}
    return bool(words) and not (words & generic) and not _names(label, g1, ()) \
        and not _names(label, g2, ())


def benefit_direction(*, group_labels: tuple[str, str], graph_labels: tuple[str, str]
                      ) -> bool | None:
    """``higher_is_better`` read from RevMan's forest-plot labels, or None when they do not say.

    The left label (``GRAPH_LABEL_1``) names the side of values below the null line. If it names
    group 1 (or says experimental / intervention / treatment) and the right label names group 2
    (or control / placebo / comparator), lower values favour the treatment: ``False``. The mirror
    image gives ``True``. Where one label names the control and the other names neither group
    nor a generic word (one agent of a class the experimental group pools, or a misspelt agent:
    CD016297's "Favours placebo" / "Favours bapinezumab" beside "Any Aβ-mAbs" / "Placebo"), the
    other side is the treatment's.
    """
    left, right = graph_labels
    g1, g2 = group_labels
    left_t, left_c = _names(left, g1, _TREATMENT_WORDS), _names(left, g2, _CONTROL_WORDS)
    right_t, right_c = _names(right, g1, _TREATMENT_WORDS), _names(right, g2, _CONTROL_WORDS)
    left_t = left_t or (right_c and not right_t and _names_other(left, g1=g1, g2=g2))
    right_t = right_t or (left_c and not left_t and _names_other(right, g1=g1, g2=g2))
    if left_t and right_c and not left_c and not right_t:
        return False
    if left_c and right_t and not left_t and not right_c:
        return True
    return None


def _own_labels(graph_labels: tuple[str, str]) -> tuple[str, str] | None:
    """The review's forest-plot labels (left, right) for the specification's ``favours``, or
    None when they are RevMan's placeholders ("Favours [experimental]"): the arms' names say
    more."""
    if any("[" in label for label in graph_labels):
        return None
    return graph_labels


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _spec_text(**kv: Any) -> str:
    lines = []
    for key, value in kv.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{key} = [" + ", ".join(_toml_str(v) for v in value) + "]")
        else:
            lines.append(f"{key} = {_toml_str(str(value))}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what we write must parse
    return text


def _outcome_rows(outcome: Outcome, *, source: str, measure: str) -> pd.DataFrame:
    frame = outcome_to_long(outcome)
    if "subgroup" in frame.columns:
        # a study in more than one subgroup is more than one row of the analysis in RevMan
        per = frame.groupby("study")["subgroup"].nunique()
        twice = set(per[per > 1].index)
        frame["study"] = [f"{s} ({g})" if s in twice else s
                          for s, g in zip(frame["study"], frame["subgroup"], strict=True)]
    frame["outcome"] = outcome.id
    if outcome.data_type == "generic_iv":
        frame["measure"] = measure
    where = (f"{source}, comparison {outcome.comparison_no}, outcome {outcome.id} "
             f"'{outcome.name}'")
    frame["source"] = [f"{where}, study '{s}'" for s in frame["study"]]
    if "derivation" in frame.columns:
        frame["derivation"] = "derived: " + frame["derivation"].astype(str)
    else:
        frame["derivation"] = "reported"
    return frame


def _skip(outcome: Outcome, reason: str) -> ImportedOutcome:
    return ImportedOutcome(outcome_id=outcome.id, name=outcome.name, analysis_id=None,
                           reason=reason)


def _import_outcome(review: Review, outcome: Outcome, *, name: str, source: str,
                    data_rel: str, root: Path) -> tuple[ImportedOutcome, pd.DataFrame | None,
                                            dict[str, Any] | None, str | None]:
    analysis = analysis_choice(outcome)
    if analysis is None:
        return _skip(outcome, f"effect measure {outcome.settings.effect_measure!r} is not "
                     "pooled by reanalyse"), None, None, None
    if outcome.data_type not in ("dichotomous", "continuous", "generic_iv"):
        return _skip(outcome, f"{outcome.data_type} data have no arm or contrast table"), \
            None, None, None
    if not list(outcome.iter_rows()):
        return _skip(outcome, "no study rows"), None, None, None
    measure, method = analysis
    from_labels = benefit_direction(group_labels=outcome.group_labels,
                                    graph_labels=outcome.graph_labels)
    better = outcome.higher_is_better if outcome.higher_is_better is not None else from_labels
    # a package states the direction per review-level outcome (CD016297: "Cognitive function",
    # NEGATIVE, which pools ADAS-Cog, lower better, and MMSE, higher better); an analysis' own
    # forest-plot labels that say the opposite are the more specific statement
    overruled = outcome.higher_is_better is not None and from_labels is not None \
        and from_labels != outcome.higher_is_better
    if overruled:
        better = from_labels
    if better is None:
        return _skip(outcome, "the forest-plot labels "
                     f"{outcome.graph_labels[0]!r} / {outcome.graph_labels[1]!r} do not say which "
                     f"side favours {outcome.group_labels[0]!r}; write its specification by "
                     "hand with higher_is_better"), None, None, None
    try:
        rows = _outcome_rows(outcome, source=source, measure=measure)
    except DataValidationError as err:
        return _skip(outcome, "; ".join(p.message for p in err.problems)), None, None, None
    aid = f"{name}_{outcome.comparison_no}_{outcome.outcome_no:02d}"
    comparison = next(c for c in review.comparisons if c.no == outcome.comparison_no)
    treatment, control = outcome.group_labels
    st = outcome.stored
    has_total = (st is not None and st.estimable is not False
                 and st.effect_size is not None and st.ci_start is not None
                 and st.ci_end is not None
                 and all(math.isfinite(x) for x in (st.effect_size, st.ci_start, st.ci_end))
                 and (not outcome.subgroups or outcome.settings.totals == "YES"))
    published = None
    n_rows = len(list(outcome.iter_rows()))
    split = ""
    if st is not None and st.studies is not None and int(st.studies) != n_rows:
        split = (f"; studies = the outcome's {n_rows} study rows, as pooled (RevMan's STUDIES = "
                 f"{int(st.studies)} counts a study split across subgroups once)")
    if has_total and st is not None:
        participants = (st.total_1 or 0) + (st.total_2 or 0)
        published = {
            "id": aid, "comparison": comparison.name, "treatment": treatment,
            "control": control, "outcome": outcome.id, "measure": measure,
            "estimate": st.effect_size, "ci_low": st.ci_start, "ci_high": st.ci_end,
            "studies": n_rows, "participants": int(participants) or "",
            "certainty": "", "model": "random" if outcome.settings.random else "fixed",
            "source": f"{source}, comparison {outcome.comparison_no}, outcome {outcome.id}: "
                      "RevMan's stored total (EFFECT_SIZE, CI_START, CI_END, STUDIES, TOTAL_1 + "
                      "TOTAL_2)",
            "note": f"{method} {'random' if outcome.settings.random else 'fixed'} as set in the "
                    "file" + split}
    studies = list(dict.fromkeys(rows["study"]))
    thresholds = generic_thresholds(root=root, measure=measure, higher_is_better=better)
    said = (f"Generic thresholds for {measure} from reanalyse's {DEFAULTS_NAME} (rules of thumb, "
            "not outcome-specific): replace them where the outcome has its own."
            if thresholds else "No clinically meaningful thresholds are in the file: add "
            "[[thresholds]] with their sources.")
    labels = (f"the forest-plot labels {outcome.graph_labels[0]!r} (left) / "
              f"{outcome.graph_labels[1]!r} (right)")
    if overruled:
        where_direction = (f"direction of benefit read from {labels}, which contradict the "
                           "package's study-data.json for the review-level outcome "
                           f"({'higher' if outcome.higher_is_better else 'lower'} is better "
                           "there): the analysis' own labels are the more specific")
    elif outcome.higher_is_better is not None:
        where_direction = "direction of benefit from the package's study-data.json"
    else:
        where_direction = f"direction of benefit read from {labels}"
    hksj = outcome.settings.random and outcome.settings.ci_method == "HKSJ"
    hksj_note = ("; RevMan's interval is HKSJ (t on k - 1), its P value the Wald z test's"
                 if hksj else "") + "."
    spec = _spec_text(
        id=aid, title=f"{comparison.name}: {outcome.name}", data=data_rel, outcome=outcome.id,
        treatment=treatment, control=control, measure=measure, method=method,
        model="random" if outcome.settings.random else "fixed",
        tau2=tau2_estimator(outcome, method=method)[0],
        hksj=True if hksj else None,
        tau_scale=analysis_scale(measure), higher_is_better=better,
        favours=_own_labels(outcome.graph_labels),
        published=aid if published else None, review_studies=studies,
        notes=f"Imported from {source}, outcome {outcome.id}; {where_direction}"
              f"{hksj_note} {said}") + _thresholds_text(thresholds)
    return (ImportedOutcome(outcome_id=outcome.id, name=outcome.name, analysis_id=aid),
            rows, published, spec)


def _thresholds_text(thresholds: list[Threshold]) -> str:
    text = "".join(
        f"\n[[thresholds]]\nvalue = {t.value!r}\nlabel = {_toml_str(t.label)}\n"
        f"source = {_toml_str(t.source)}\nprovisional = {'true' if t.provisional else 'false'}\n"
        for t in thresholds)
    tomllib.loads(text)  # what we write must parse
    return text


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


def import_review(*, rm5: str | Path, name: str, root: str | Path | None = None,
                  overwrite: bool = False) -> ImportReport:
    """Write the project files for the RevMan 5 review ``rm5`` under ``root`` (see the module).

    Parameters
    ----------
    rm5
        The ``.rm5`` file, or a Cochrane data package (``.zip`` or folder).
    name
        Short name of the review (lower case, digits and ``_``): the data folder
        ``data/<name>/`` and the prefix of the analysis ids.
    root
        The project folder (default: the one holding the working folder, found by its
        ``reanalyse.toml``); files are written into it and nowhere else.
    overwrite
        Replace files a previous import wrote; otherwise existing files are an error.

    Raises
    ------
    DataValidationError
        A bad name, existing files (without ``overwrite``), or nothing importable; nothing is
        written then.
    """
    base = Path(root) if root is not None else find_root()
    path = Path(rm5)
    if not _NAME.match(name):
        raise DataValidationError.single(file=str(path), rule="name", message=(
            f"name {name!r} must start with a letter and hold only a-z, 0-9 and _"))
    review = read_review(path)
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(x for x in path.rglob("*") if x.is_file()):
            h.update(f.relative_to(path).as_posix().encode() + b"\0" + f.read_bytes())
        digest = h.hexdigest()
    else:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    kind = "RevMan 5 file" if review.revman_version is None or not \
        review.revman_version.startswith("data package") else f"Cochrane {review.revman_version}"
    source = (f"{review.title or 'RevMan review'}, {kind} {path.name} "
              f"(SHA-256 {digest[:16]})")
    data_rel = f"data/{name}/outcomes.csv"
    results, frames, published, specs = [], [], [], {}
    for outcome in review.outcomes:
        res, rows, pub, spec = _import_outcome(review, outcome, name=name, source=source,
                                               data_rel=data_rel, root=base)
        results.append(res)
        if res.imported:
            frames.append(rows)
            if pub:
                published.append(pub)
            specs[f"analyses/{res.analysis_id}.toml"] = spec
    if not frames:
        raise DataValidationError.single(file=str(path), rule="nothing to import", message=(
            "no outcome could be imported: " + "; ".join(f"{r.outcome_id}: {r.reason}"
                                                         for r in results)))
    data = pd.concat(frames, ignore_index=True)
    first = ["study", "treatment", "comparator", "outcome", "subgroup", "n", "mean", "sd",
             "events", "total", "estimate", "se", "measure", "source", "derivation"]
    # the rows' risk-of-bias judgements (RoB 2 columns of a data package) stay on each row,
    # for later sensitivity analyses by risk of bias
    rob = [c for c in data.columns if c.startswith(ROB_PREFIX)]
    data = data[[c for c in first if c in data.columns] + rob]
    files = {data_rel: _csv(data), f"data/{name}/published.csv": _csv(pd.DataFrame(published)),
             f"data/{name}/README.md": _readme(review, path, digest, results)} | specs
    existing = [rel for rel in files if (base / rel).exists()]
    if existing and not overwrite:
        raise DataValidationError.single(file=str(base), rule="exists", message=(
            "would overwrite " + ", ".join(existing) + " (use --overwrite)"))
    for rel, text in files.items():
        write_text(base / rel, text)
    return ImportReport(name=name, rm5=str(path), sha256=digest, files=tuple(files),
                        outcomes=tuple(results), root=base)


def _readme(review: Review, path: Path, digest: str, results: list[ImportedOutcome]) -> str:
    ok = [r for r in results if r.imported]
    skipped = [r for r in results if not r.imported]
    lines = [f"# {review.title or path.stem}", "",
             f"Imported by `reanalyse revman --import` from the RevMan 5 file `{path.name}` "
             f"(SHA-256 `{digest}`, RevMan {review.revman_version or 'version not stated'}"
             + (f", DOI {review.doi}" if review.doi else "") + ").", "",
             ("- `outcomes.csv`: the study rows exactly as stored in the file (`reported`); "
              "where RevMan analyses non-events, events = total - events (`derived`)."),
             "- `published.csv`: RevMan's stored pooled result of each outcome (the targets).",
             ("- `../../analyses/` holds one specification per imported outcome; the direction "
              "of benefit is read from the forest-plot labels; RR, OR and SMD analyses carry "
              "the generic clinically meaningful thresholds of "
              "the packaged `thresholds.toml` (rules of thumb, to be replaced where an "
              "outcome has its own), MD and RD analyses none yet."), "",
             f"Imported: {len(ok)} outcomes. Skipped: {len(skipped)}.", ""]
    if skipped:
        lines += ["| outcome | name | why skipped |", "|---|---|---|"]
        lines += [f"| {r.outcome_id} | {r.name} | {r.reason} |" for r in skipped]
        lines.append("")
    return "\n".join(lines)
