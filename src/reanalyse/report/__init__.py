"""The self-contained HTML report: :func:`write_report` rebuilds ``results/report.html`` from a
results folder (``reanalyse run`` and ``reanalyse report`` call it)."""

from reanalyse.report.page import write_report

__all__ = ["write_report"]
