"""RevMan 5 (``.rm5``) and Cochrane data package (RevMan Web; ``.zip`` or folder) import.

Comparisons, outcomes, subgroups, study rows, analysis settings and RevMan's stored results.

>>> review = read_rm5("review.rm5")                    # doctest: +SKIP
>>> review = read_review("CD016297-dataPackage.zip")   # doctest: +SKIP
>>> outcome = review.outcome(1, 1)                     # doctest: +SKIP
>>> outcome_to_long(outcome)                           # doctest: +SKIP
"""

from reanalyse.revman.model import (
    AnalysisSettings,
    Comparison,
    DataType,
    Outcome,
    Review,
    StoredPooled,
    StoredStudy,
    StudyRow,
    Subgroup,
    SubgroupTest,
)
from reanalyse.revman.package import read_package, read_review
from reanalyse.revman.reader import decode_study_id, parse_rm5, read_rm5
from reanalyse.revman.tidy import outcome_to_long

__all__ = [
    "AnalysisSettings",
    "Comparison",
    "DataType",
    "Outcome",
    "Review",
    "StoredPooled",
    "StoredStudy",
    "StudyRow",
    "Subgroup",
    "SubgroupTest",
    "decode_study_id",
    "outcome_to_long",
    "parse_rm5",
    "read_package",
    "read_review",
    "read_rm5",
]
