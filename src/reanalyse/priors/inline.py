"""Inline priors as short strings: ``half-normal:0.5``, ``lognormal-tau2:-2.56,1.74``, ``flat``."""

from __future__ import annotations

import math
from collections.abc import Mapping

from reanalyse.priors.effect import EffectPrior
from reanalyse.priors.families import families, family_problems
from reanalyse.priors.family import Family, TauFamily
from reanalyse.priors.scales import ANY_SCALE
from reanalyse.priors.tau import TauPrior

__all__ = ["build_prior", "inline_forms", "is_inline_spec", "parse_inline_prior"]


def _heads(family: type[Family]) -> dict[str, str]:
    """Inline heads of a family -> the parameter its numbers are stated on: its name, or
    ``NAME-tau`` and ``NAME-tau2`` for a tau family that may be stated on tau^2."""
    if not issubclass(family, TauFamily):
        return {family.name: "effect"}
    if len(family.stated_on) == 1:
        return {family.name: family.stated_on[0]}
    return {f"{family.name}-{on}": on for on in family.stated_on}


def inline_forms() -> dict[str, tuple[type[Family], str]]:
    """Inline head -> (family, parameter the numbers are stated on), for every registered
    family (:func:`_heads`)."""
    return {head: (family, on) for family in (*families("tau"), *families("effect"))
            for head, on in _heads(family).items()}


_INLINE_CITATION = "user-specified inline prior"
_INLINE_RATIONALE = "Given by the user as an inline prior; no registry citation."


def inline_forms_text() -> str:
    """The accepted inline forms, for error messages and help."""
    forms = []
    for head, (family, _) in inline_forms().items():
        names = family.param_names()
        forms.append(f"{head}:{','.join(names)}" if names else head)
    return ", ".join(forms)


def is_inline_spec(spec: str) -> bool:
    """Whether ``spec`` is written inline (registry ids never contain ':')."""
    return ":" in spec


def parse_inline_prior(spec: str) -> TauPrior | EffectPrior:
    """Build a prior from an inline spec.

    Parameters
    ----------
    spec
        ``half-normal:SCALE``, ``half-cauchy:SCALE``, ``uniform:LOWER,UPPER``,
        ``inverse-gamma:SHAPE,SCALE``, ``lognormal-tau:MU,SIGMA``, ``lognormal-tau2:MU,SIGMA``
        (log tau^2 ~ N(MU, SIGMA^2)), ``log-t-tau:LOCATION,SCALE,DF``, ``log-t-tau2:...``,
        ``normal:MEAN,SD``, ``student-t:LOCATION,SCALE,DF`` or ``flat``.

    Returns
    -------
    TauPrior or EffectPrior
        With ``origin="inline"``, scale ``("any",)`` and status ``user``.

    Raises
    ------
    ValueError
        Naming the spec and what is wrong with it.
    """
    text = "".join(spec.split())
    head, _, body = text.partition(":")
    head = head.lower()
    forms = inline_forms()
    if head not in forms:
        raise ValueError(
            f"unknown inline prior {spec!r}; inline forms are {inline_forms_text()}"
        )
    family, stated_on = forms[head]
    names = family.param_names()
    parts = [part for part in body.split(",")] if body else []
    if len(parts) != len(names):
        expected = f"{head}:{','.join(names)}" if names else head
        raise ValueError(
            f"inline prior {spec!r} needs {len(names)} number(s): {expected}"
        )
    values: dict[str, float] = {}
    for name, part in zip(names, parts, strict=True):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"inline prior {spec!r}: {name} {part!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"inline prior {spec!r}: {name} must be finite")
        values[name] = value
    return build_prior(family, values, stated_on=stated_on, name=text)


def _head(family: type[Family], stated_on: str) -> str:
    for head, on in _heads(family).items():
        if on == stated_on:
            return head
    raise ValueError(f"no prior family {family.name!r} stated on {stated_on!r}")


def build_prior(family: type[Family], params: Mapping[str, float], *, stated_on: str,
                name: str | None = None) -> TauPrior | EffectPrior:
    """A user prior built directly from its family and parameters (no registry citation).

    ``stated_on`` is ``tau`` or ``tau2`` for a tau family, ``effect`` for an effect family. The
    id is the inline spec that would build the same prior (``half-normal:0.5``), unless
    ``name`` gives one. ``TauPrior.half_normal(0.5)`` and the other named constructors call
    this; :func:`parse_inline_prior` does too, after reading the numbers from the string.
    """
    values = {k: float(v) for k, v in params.items()}
    names = family.param_names()
    if set(values) != set(names):
        raise ValueError(f"a {family.name} prior takes {', '.join(names) or 'no parameters'}, "
                         f"got {', '.join(values) or 'none'}")
    label = name or (_head(family, stated_on) + (
        ":" + ",".join(repr(values[n]) for n in names) if names else ""))
    problems = family_problems(family.name, values, stated_on=stated_on)
    if problems:
        raise ValueError(f"prior {label!r}: " + "; ".join(problems))
    common = {"id": label, "family": family.name, "params": values, "scale": (ANY_SCALE,),
              "citation": _INLINE_CITATION, "rationale": _INLINE_RATIONALE, "origin": "inline"}
    if family.role == "effect":
        return EffectPrior(kind="user", **common)  # type: ignore[arg-type]
    return TauPrior(stated_on=stated_on, **common)  # type: ignore[arg-type]
