"""The self-contained HTML report (figures embedded; nothing fetched from the network)."""

from reanalyse.report.html import write_report

__all__ = ["write_report"]
