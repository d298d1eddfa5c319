"""Study effects exactly as RevMan 5 computes them, and the effect table that carries them.

Conventions (Deeks & Higgins 2010, *Statistical algorithms in Review Manager 5*; Cochrane Handbook
5.1 sections 9.4.4 and 16.9.3; cross-checked with R meta's ``settings.meta("RevMan5")``):

- MD: ``m1 - m2`` with the unpooled SE ``sqrt(sd1^2/n1 + sd2^2/n2)``.
- SMD: Hedges' adjusted g, ``g = J (m1 - m2) / s_pooled`` with the approximate
  ``J = 1 - 3/(4N - 9)`` and ``var = N/(n1 n2) + g^2 / (2 (N - 3.94))``.
- RR, OR: log scale; a study with a zero cell has 0.5 added to each of its four cells (so each
  arm's total grows by 1); a study with no events in either arm, or with events in every
  participant of both arms, is not estimable.
- RD: the estimate from the raw counts; its variance ``p1 q1/n1 + p2 q2/n2`` from the
  0.5-corrected cells when a cell is zero (so that 0/10 vs 0/10 gives RD 0 with a finite SE).
  Double-zero studies are kept.

Arm 1 is the treatment (experimental) arm, arm 2 the control arm, as in RevMan.

Modules: ``sizes`` (the formulas, on arrays), ``table`` (:class:`EffectTable` and its arm data),
``build`` (:func:`study_effects` from a study table, :func:`effect_table` from arrays).
"""

from reanalyse.effects.build import contrast_effect, effect_table, study_effects
from reanalyse.effects.sizes import (
    CORRECTION,
    EffectSizes,
    binary_effect,
    double_zero,
    mean_difference,
    peto_components,
    standardised_mean_difference,
    zero_cell,
)
from reanalyse.effects.table import ARMS, BinaryArms, ContinuousArms, EffectTable, StudyIndex

__all__ = [
    "ARMS",
    "CORRECTION",
    "BinaryArms",
    "ContinuousArms",
    "EffectSizes",
    "EffectTable",
    "StudyIndex",
    "binary_effect",
    "contrast_effect",
    "double_zero",
    "effect_table",
    "mean_difference",
    "peto_components",
    "standardised_mean_difference",
    "study_effects",
    "zero_cell",
]
