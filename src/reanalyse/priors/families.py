"""Distribution families of the registry, their parameters and the checks on them."""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "EFFECT_FAMILIES",
    "FAMILY_PARAMS",
    "POSITIVE_PARAMS",
    "TAU2_FAMILIES",
    "TAU_FAMILIES",
    "param_problems",
]

TAU_FAMILIES: tuple[str, ...] = (
    "half-normal",
    "half-cauchy",
    "uniform",
    "inverse-gamma",
    "lognormal",
    "log-t",
)
EFFECT_FAMILIES: tuple[str, ...] = ("normal", "student-t", "flat")

#: Families that may be stated on tau^2 (log-scale families, converted exactly to tau).
TAU2_FAMILIES: tuple[str, ...] = ("lognormal", "log-t")

#: The parameters of each family, in the order inline specs give them.
FAMILY_PARAMS: dict[str, tuple[str, ...]] = {
    "half-normal": ("scale",),
    "half-cauchy": ("scale",),
    "uniform": ("lower", "upper"),
    "inverse-gamma": ("shape", "scale"),
    "lognormal": ("mu", "sigma"),
    "log-t": ("location", "scale", "df"),
    "normal": ("mean", "sd"),
    "student-t": ("location", "scale", "df"),
    "flat": (),
}

#: Parameters that must be strictly positive.
POSITIVE_PARAMS: frozenset[str] = frozenset({"scale", "sigma", "sd", "df", "shape"})


def param_problems(
    family: str,
    params: Mapping[str, float],
    *,
    stated_on: str,
    allow_empty: bool = False,
) -> list[str]:
    """List every problem with a family's parameters (empty list: all good).

    Parameters
    ----------
    family
        A name from :data:`TAU_FAMILIES` or :data:`EFFECT_FAMILIES`.
    params
        Parameter values by name.
    stated_on
        ``"tau"``, ``"tau2"`` or ``"effect"``.
    allow_empty
        Accept empty ``params`` (threshold-resolved skeptical / enthusiastic normals).
    """
    if family not in FAMILY_PARAMS:
        return [f"unknown family {family!r}; expected one of {', '.join(FAMILY_PARAMS)}"]
    problems: list[str] = []
    if stated_on == "effect" and family not in EFFECT_FAMILIES:
        problems.append(f"family {family!r} is not an effect family ({', '.join(EFFECT_FAMILIES)})")
    if stated_on in ("tau", "tau2") and family not in TAU_FAMILIES:
        problems.append(f"family {family!r} is not a tau family ({', '.join(TAU_FAMILIES)})")
    if stated_on == "tau2" and family not in TAU2_FAMILIES:
        problems.append(
            f"family {family!r} cannot be stated on tau2; only {', '.join(TAU2_FAMILIES)} can"
        )
    if allow_empty and not params:
        return problems
    expected = FAMILY_PARAMS[family]
    missing = [name for name in expected if name not in params]
    unexpected = [name for name in params if name not in expected]
    if missing:
        problems.append(f"{family} needs parameter(s) {', '.join(missing)}")
    if unexpected:
        allowed = ", ".join(expected) if expected else "none"
        problems.append(
            f"{family} takes no parameter(s) {', '.join(unexpected)} (allowed: {allowed})"
        )
    for name in expected:
        if name not in params:
            continue
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"parameter {name} must be a number, got {value!r}")
        elif not math.isfinite(value):
            problems.append(f"parameter {name} must be finite, got {value!r}")
        elif name in POSITIVE_PARAMS and value <= 0:
            problems.append(f"parameter {name} must be > 0, got {value!r}")
    if family == "uniform" and not missing:
        lower, upper = params["lower"], params["upper"]
        if isinstance(lower, (int, float)) and isinstance(upper, (int, float)):
            if lower < 0:
                problems.append(f"uniform lower bound must be >= 0 for tau, got {lower!r}")
            if not upper > lower:
                problems.append(f"uniform needs lower < upper, got {lower!r}, {upper!r}")
    return problems
