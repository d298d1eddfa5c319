"""RevMan analyses as reanalyse's canonical tidy long tables (one row per study x arm)."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from reanalyse.errors import DataValidationError
from reanalyse.revman.model import Outcome, StudyRow, Subgroup

__all__ = ["outcome_to_long"]

SWAP_DERIVATION = "non-events analysed: events = total - events (RevMan SWAP_EVENTS=YES)"


def outcome_to_long(outcome: Outcome, subgroup: Subgroup | int | None = None) -> pd.DataFrame:
    """The outcome's study data (or one subgroup's) as a tidy long table.

    Columns, by data type (arm 1 = experimental = ``GROUP_LABEL_1``, arm 2 = control =
    ``GROUP_LABEL_2``; ``study`` is the display name):

    * dichotomous: ``study, treatment, events, total`` (two rows per study);
    * continuous: ``study, treatment, n, mean, sd`` (two rows per study);
    * generic inverse variance: ``study, treatment, comparator, estimate, se`` (one row per
      study: treatment = group 1, comparator = group 2). ``estimate`` is RevMan's ``EFFECT_SIZE``
      and ``se`` its ``SE``. For ratio measures entered on the log scale (``LOG_DATA="YES"``)
      RevMan stores ``EFFECT_SIZE`` back-transformed to the ratio scale while ``SE`` stays the
      standard error of the log ratio (meta::metacr takes ``log(EFFECT_SIZE)`` in that case):
      so ``estimate`` is on the natural scale, as the project's contrast tables want, and ``se``
      on the analysis (log) scale. ``df.attrs["log_data"]`` carries the flag.

    A ``subgroup`` column (the subgroup's name) is added when the rows come from subgroups.
    A study with more than one row in one subgroup (a multi-arm trial entered once per
    comparison) is one study per row here, named by its position among them: "Feltner 2003 (1)",
    "Feltner 2003 (2)"; the rows stay apart, as RevMan pools them.

    ``SWAP_EVENTS="YES"`` (RevMan's "Swap event and non-event" option) makes RevMan analyse
    non-events; the table applies it, ``events = total - events``, as meta::metacr does for such
    outcomes (``metabin(n.e - event.e, n.e, n.c - event.c, n.c)``), and says so in a
    ``derivation`` column. The raw counts stay on the :class:`StudyRow`.

    ``df.attrs`` records the outcome id, data type, effect measure and swap/log flags.
    Raises :class:`DataValidationError` for O-E-and-variance outcomes (no arm-level table).
    """
    if subgroup is None:
        pairs = list(outcome.iter_rows())
    else:
        if isinstance(subgroup, int):
            matches = [sg for sg in outcome.subgroups if sg.no == subgroup]
            if not matches:
                raise KeyError(f"outcome {outcome.id} has no subgroup {subgroup}")
            subgroup = matches[0]
        pairs = [(subgroup, row) for row in subgroup.rows]
    with_subgroup = any(sg is not None for sg, _ in pairs)
    labels = _row_labels(pairs)
    label_1, label_2 = outcome.group_labels
    swap = outcome.data_type == "dichotomous" and outcome.settings.swap_events

    records: list[dict[str, object]] = []
    if outcome.data_type == "dichotomous":
        columns = ["study", "treatment", "events", "total"]
        for (sg, row), name in zip(pairs, labels, strict=True):
            for label, events, total in (
                (label_1, row.events_1, row.total_1),
                (label_2, row.events_2, row.total_2),
            ):
                if swap and events is not None and total is not None:
                    events = total - events
                counts = {"events": events, "total": total}
                records.append(_base(name, sg, label, with_subgroup) | counts | _rob(row))
        dtypes = {"events": "int64", "total": "int64"}
    elif outcome.data_type == "continuous":
        columns = ["study", "treatment", "n", "mean", "sd"]
        for (sg, row), name in zip(pairs, labels, strict=True):
            for label, n, mean, sd in (
                (label_1, row.total_1, row.mean_1, row.sd_1),
                (label_2, row.total_2, row.mean_2, row.sd_2),
            ):
                summary = {"n": n, "mean": mean, "sd": sd}
                records.append(_base(name, sg, label, with_subgroup) | summary | _rob(row))
        dtypes = {"n": "int64", "mean": "float64", "sd": "float64"}
    elif outcome.data_type == "generic_iv":
        columns = ["study", "treatment", "comparator", "estimate", "se"]
        for (sg, row), name in zip(pairs, labels, strict=True):
            records.append(
                _base(name, sg, label_1, with_subgroup)
                | {"comparator": label_2, "estimate": row.estimate, "se": row.se} | _rob(row)
            )
        dtypes = {"estimate": "float64", "se": "float64"}
    else:
        raise DataValidationError.single(
            file=outcome.id,
            rule="unsupported-data-type",
            message=f"outcome {outcome.id} holds {outcome.data_type} data, which has no arm-level "
            "or estimate/SE table here",
        )

    if with_subgroup:
        columns.append("subgroup")
    columns += list(dict.fromkeys(k for rec in records for k in rec if k.startswith(ROB_PREFIX)))
    if swap:
        columns.append("derivation")
        for rec in records:
            rec["derivation"] = SWAP_DERIVATION
    frame = pd.DataFrame.from_records(records, columns=columns)
    for col in (c for c in columns if c.startswith(ROB_PREFIX)):
        frame[col] = frame[col].fillna("")  # no judgement on this row
    numeric = {k: v for k, v in dtypes.items() if not frame[k].isna().any()}
    text = {k: "str" for k in columns if k not in dtypes}  # pandas' string dtype, even when empty
    frame = frame.astype(numeric | text)
    frame.attrs.update(
        outcome_id=outcome.id,
        data_type=outcome.data_type,
        effect_measure=outcome.settings.effect_measure,
        swap_events=swap,
        log_data=outcome.settings.log_data,
    )
    return frame


#: The prefix of the risk-of-bias columns: ``rob_<domain>`` ("rob_overall_bias").
ROB_PREFIX = "rob_"


def rob_column(domain: str) -> str:
    """The long table's column of a risk-of-bias domain: "Overall bias" -> "rob_overall_bias"."""
    return ROB_PREFIX + "_".join(re.findall(r"[a-z0-9]+", domain.casefold()))


def _rob(row: StudyRow) -> dict[str, object]:
    """The row's risk-of-bias judgements (RoB 2, from a data package), one column per domain."""
    return {rob_column(domain): judgement for domain, judgement in row.risk_of_bias}


def _row_labels(pairs: list[tuple[Subgroup | None, StudyRow]]) -> list[str]:
    """Each row's study name, numbered by position where a study has several rows in a
    subgroup."""
    keys = [(sg.no if sg is not None else None, row.study) for sg, row in pairs]
    total = Counter(keys)
    seen: Counter[tuple[int | None, str]] = Counter()
    labels = []
    for key in keys:
        seen[key] += 1
        labels.append(key[1] if total[key] == 1 else f"{key[1]} ({seen[key]})")
    return labels


def _base(
    study: str, sg: Subgroup | None, treatment: str, with_subgroup: bool
) -> dict[str, object]:
    base: dict[str, object] = {"study": study, "treatment": treatment}
    if with_subgroup:
        base["subgroup"] = sg.name if sg is not None else None
    return base
