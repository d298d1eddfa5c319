"""The report's two entry points under their first names (tests and callers import them here).

:func:`analysis_section` (:mod:`reanalyse.report.section`) writes the text of one analysis'
section; :func:`write_report` (:mod:`reanalyse.report.page`) builds ``results/report.html``
from the results folder. The modules beside this one: ``format`` (numbers for people),
``tables``, ``figures`` (compressed PNG at natural width), ``section`` and ``robustness`` (an
analysis' text), ``decision_table``, ``sof_table``, ``methods`` and ``page``.
"""

from __future__ import annotations

from reanalyse.report.format import e
from reanalyse.report.page import write_report
from reanalyse.report.section import analysis_section

__all__ = ["analysis_section", "e", "write_report"]
