"""One direction of benefit per analysis: which side of a figure favours the treatment, what the
sides are called, and the review's orientation of the effect.

An effect on the analysis scale is the treatment arm minus (or over) the control arm, in the
direction the data are stored. Two facts of an analysis decide how it is shown:

* ``higher_is_better`` (the outcome, as stored): with it, an effect above the null favours the
  treatment or the control;
* ``reverse_scale`` (MD/SMD only): the review reported the effect with its sign reversed, so that
  a positive value favours the treatment on a scale where lower is better.

:class:`Orientation` holds both and is the one place the reversal is written: :meth:`shown`
maps values of the data's orientation to the review's (the displayed one, used by every figure
and table), :meth:`shown_interval` swaps the limits with the sign. On the displayed axis, the
treatment is favoured on the left (values below the null) or on the right; the two sides carry
the review's own labels (RevMan's ``GRAPH_LABEL_1`` left, ``GRAPH_LABEL_2`` right, when the
specification keeps them as ``favours``) or ``Favours <treatment>`` / ``Favours <control>``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from reanalyse.conversions import benefit_sign
from reanalyse.measures import is_ratio

__all__ = ["Orientation", "Side", "orientation", "orientation_of"]

Side = Literal["left", "right"]
_T = TypeVar("_T")


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def _mentions(label: str, name: str) -> bool:
    return _words(name).strip() != "" and f" {_words(name).strip()} " in _words(label)


@dataclass(frozen=True)
class Orientation:
    """How one analysis is oriented and labelled in every figure and table.

    Attributes
    ----------
    measure
        The effect measure (RR, OR, RD, MD, SMD).
    treatment, control
        The compared arms (treatment first: the effect is treatment minus / over control).
    higher_is_better
        Direction of benefit on the outcome's scale as the data store it.
    reversed
        The review shows the effect with its sign reversed (MD/SMD only).
    left_label, right_label
        The labels of the displayed axis' two sides (values below / above the null).
    """

    measure: str
    treatment: str
    control: str
    higher_is_better: bool
    reversed: bool
    left_label: str
    right_label: str

    def __post_init__(self) -> None:
        if self.reversed and is_ratio(self.measure):
            raise ValueError(f"a {self.measure} cannot be shown with its sign reversed")
        if not self.left_label.strip() or not self.right_label.strip():
            raise ValueError("both sides of the axis need a label")

    @property
    def sign(self) -> int:
        """-1 when the review reverses the sign of the effect, else +1."""
        return -1 if self.reversed else 1

    @property
    def benefit_sign(self) -> int:
        """+1 if an effect above the null favours the treatment in the data's orientation."""
        return benefit_sign(higher_is_better=self.higher_is_better)

    @property
    def shown_benefit_sign(self) -> int:
        """+1 if an effect above the null favours the treatment as shown (review's orientation)."""
        return self.benefit_sign * self.sign

    @property
    def treatment_side(self) -> Side:
        """The side of the displayed axis where the treatment is favoured."""
        return "right" if self.shown_benefit_sign > 0 else "left"

    @property
    def treatment_label(self) -> str:
        """The label of the side that favours the treatment."""
        return self.right_label if self.treatment_side == "right" else self.left_label

    @property
    def control_label(self) -> str:
        """The label of the side that favours the control."""
        return self.left_label if self.treatment_side == "right" else self.right_label

    @property
    def null(self) -> float:
        """No effect on the natural scale: 1 for ratios, 0 otherwise."""
        return 1.0 if is_ratio(self.measure) else 0.0

    def favoured(self, effect: float) -> str | None:
        """The arm an effect on the analysis scale (data's orientation) favours: the treatment,
        the control, or ``None`` at the null (0 on the analysis scale) or for NaN."""
        side = self.benefit_sign * float(effect)
        if math.isnan(side) or side == 0:
            return None
        return self.treatment if side > 0 else self.control

    def shown(self, value: _T) -> _T:
        """``value`` (a number or an array, data's orientation, natural or analysis scale) in the
        review's orientation. Ratios are never reversed, so either scale is right."""
        return value if self.sign > 0 else -value  # type: ignore[operator]

    def shown_interval(self, low: _T, high: _T) -> tuple[_T, _T]:
        """The interval (``low``, ``high``) in the review's orientation, limits in order."""
        if self.sign > 0:
            return low, high
        return -high, -low  # type: ignore[operator]

    def shown_estimate(self, estimate: _T, low: _T, high: _T) -> tuple[_T, _T, _T]:
        """(estimate, low, high) in the review's orientation."""
        lo, hi = self.shown_interval(low, high)
        return self.shown(estimate), lo, hi

    def shown_side(self, side: str) -> str:
        """A side ("left"/"right") of the data's axis, on the displayed one."""
        if self.sign > 0:
            return side
        return {"left": "right", "right": "left"}.get(side, side)

    def sentence(self, *, outcome: str | None = None) -> str:
        """The orientation in words, e.g. "Lower RR favours IVIg (fewer withdrawals); ...".

        ``outcome`` names the outcome (events of a ratio measure) for the parenthesis.
        """
        m, null = self.measure, f"{self.null:g}"
        lower = self.treatment_side == "left"
        what = ""
        if outcome and is_ratio(m):
            what = f" ({'more' if self.higher_is_better else 'fewer'} "
            what += f"{outcome.replace('_', ' ')} with {self.treatment})"
        text = (f"{'Lower' if lower else 'Higher'} {m} favours {self.treatment}{what}: "
                f"values {'below' if lower else 'above'} {null} are drawn on the "
                f"{self.treatment_side}, labelled '{self.treatment_label}', and "
                f"'{self.control_label}' on the other side.")
        if self.reversed:
            text += (f" The review reports the {m} with its sign reversed (on the data's own "
                     f"scale {'higher' if self.higher_is_better else 'lower'} is better); "
                     "figures and tables here use the review's orientation.")
        return text


def orientation(*, measure: str, treatment: str, control: str, higher_is_better: bool,
                reverse_scale: bool = False,
                favours: tuple[str, str] | None = None) -> Orientation:
    """The one decision of which side favours the treatment.

    Parameters
    ----------
    measure, treatment, control
        The effect measure and the compared arms.
    higher_is_better
        Direction of benefit on the outcome's scale as the data store it.
    reverse_scale
        The review reports the (MD/SMD) effect with its sign reversed.
    favours
        The review's own axis labels, left then right, in the review's orientation (RevMan's
        ``GRAPH_LABEL_1``, ``GRAPH_LABEL_2``); default ``Favours <treatment>`` on the side that
        favours the treatment and ``Favours <control>`` on the other. A pair whose treatment
        side names the control and not the treatment contradicts ``higher_is_better`` and is
        refused.
    """
    shown_up = benefit_sign(higher_is_better=higher_is_better) * (-1 if reverse_scale else 1) > 0
    if favours is None:
        t, c = f"Favours {treatment}", f"Favours {control}"
        left, right = (c, t) if shown_up else (t, c)
    else:
        left, right = favours
        t_label, c_label = (right, left) if shown_up else (left, right)
        if ((_mentions(t_label, control) and not _mentions(t_label, treatment))
                or (_mentions(c_label, treatment) and not _mentions(c_label, control))):
            raise ValueError(
                f"the axis labels {left!r} (left) / {right!r} (right) contradict the direction "
                f"of benefit: {treatment} is favoured on the {'right' if shown_up else 'left'}")
    return Orientation(measure=measure, treatment=treatment, control=control,
                       higher_is_better=higher_is_better, reversed=reverse_scale,
                       left_label=left, right_label=right)


def orientation_of(spec: Any) -> Orientation:
    """The :func:`orientation` of an analysis specification (anything with ``measure``,
    ``treatment``, ``control``, ``higher_is_better`` and optionally ``reverse_scale`` and
    ``favours``)."""
    favours = getattr(spec, "favours", None)
    return orientation(measure=spec.measure, treatment=spec.treatment, control=spec.control,
                       higher_is_better=spec.higher_is_better,
                       reverse_scale=bool(getattr(spec, "reverse_scale", False)),
                       favours=tuple(favours) if favours is not None else None)
