"""Warnings of the numerical libraries as notes of a result, not raw text on the terminal.

A scipy ``IntegrationWarning`` or a numpy ``RuntimeWarning`` raised while a result is computed
says something about that result; :func:`warnings_as_notes` collects them (once each, with the
category and where they came from) so that the caller puts them in the result's notes and the
run's log, and logs each at INFO on the ``reanalyse`` logger.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

__all__ = ["warnings_as_notes"]

logger = logging.getLogger("reanalyse")


@contextlib.contextmanager
def warnings_as_notes() -> Iterator[list[str]]:
    """Collect the warnings raised in the block into the yielded list (filled on exit), as the
    warning filters in force select them.

    Examples
    --------
    >>> import warnings
    >>> with warnings_as_notes() as notes:
    ...     warnings.warn("the integral is probably divergent", RuntimeWarning, stacklevel=1)
    >>> notes[0].startswith("RuntimeWarning: the integral is probably divergent")
    True
    """
    notes: list[str] = []
    # the filters in force decide what counts (a library's DeprecationWarning stays hidden);
    # catch_warnings resets the once-per-location registries, so each block sees its own
    with warnings.catch_warnings(record=True) as caught:
        try:
            yield notes
        finally:
            found = [f"{w.category.__name__}: {str(w.message).strip()} "
                     f"({Path(w.filename).name}:{w.lineno})" for w in caught]
            notes.extend(dict.fromkeys(found))
            for note in notes:
                logger.info("%s", note)
