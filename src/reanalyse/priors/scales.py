"""Effect scales a prior can be built for, and how a requested analysis scale matches them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ANY_SCALE",
    "EFFECT_SCALES",
    "AnalysisScale",
    "parse_analysis_scale",
    "scale_matches",
]

#: Concrete effect scales (analysis scales). ``MD`` may carry units: ``"MD:MMT-8 points"``.
EFFECT_SCALES: tuple[str, ...] = ("logOR", "logRR", "SMD", "MD", "RD")

#: The scale label of a prior that suits every analysis scale.
ANY_SCALE = "any"

_ALIASES: dict[str, str] = {
    "logor": "logOR",
    "log-or": "logOR",
    "or": "logOR",
    "logrr": "logRR",
    "log-rr": "logRR",
    "rr": "logRR",
    "smd": "SMD",
    "md": "MD",
    "rd": "RD",
}


@dataclass(frozen=True, kw_only=True)
class AnalysisScale:
    """The effect scale of an analysis; ``units`` only for a mean difference."""

    name: str
    units: str | None = None

    def __str__(self) -> str:
        return f"{self.name}:{self.units}" if self.units else self.name


def parse_analysis_scale(text: str) -> AnalysisScale:
    """Parse a requested analysis scale.

    Parameters
    ----------
    text
        ``logOR``, ``logRR``, ``SMD``, ``MD``, ``MD:<units>`` or ``RD``, case-insensitive;
        ``OR`` and ``RR`` are accepted as aliases of ``logOR`` and ``logRR`` (analyses run on
        the log scale).

    Returns
    -------
    AnalysisScale

    Raises
    ------
    ValueError
        For an unknown scale, for ``any`` (an analysis has one concrete scale) or for units on a
        scale other than MD.
    """
    head, sep, units = text.strip().partition(":")
    name = _ALIASES.get(head.strip().lower())
    if name is None:
        raise ValueError(
            f"unknown effect scale {text!r}; expected one of {', '.join(EFFECT_SCALES)} "
            "(MD may name units as 'MD:<units>')"
        )
    units = units.strip()
    if sep and name != "MD":
        raise ValueError(f"only an MD scale takes units, got {text!r}")
    if sep and not units:
        raise ValueError(f"empty units in {text!r}; write 'MD' or 'MD:<units>'")
    return AnalysisScale(name=name, units=units or None)


def scale_matches(prior_scales: Sequence[str], requested: AnalysisScale) -> bool:
    """Whether a prior built for ``prior_scales`` suits an analysis on ``requested``.

    ``any`` matches everything; an ``MD`` prior matches any MD analysis whatever the units.
    """
    return ANY_SCALE in prior_scales or requested.name in prior_scales
