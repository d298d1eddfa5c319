"""The one registry of distribution families: the names TOML files, inline specs and records
use, mapped to the family classes (:mod:`reanalyse.priors.family`).

A new family is a class plus an entry in :data:`BUILT_IN` (or a :func:`register` call). Names
are looked up here only where a prior is built from text or from its record; everything else
asks the family object. The position of a family in its role's table is its numeric code in
the compile-once PyMC graph (:mod:`reanalyse.models.prior_graph`), which draws through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reanalyse.priors.effect_families import Flat, Normal, StudentT
from reanalyse.priors.family import EffectFamily, Family, TauFamily
from reanalyse.priors.tau_families import (
    HalfCauchy,
    HalfNormal,
    InverseGamma,
    LogNormal,
    LogT,
    Uniform,
)

__all__ = [
    "BUILT_IN",
    "effect_family",
    "families",
    "family_code",
    "family_from_code",
    "family_names",
    "family_problems",
    "register",
    "tau_family",
    "unregister",
]

#: The packaged families, in the order listings and inline help give them.
BUILT_IN: tuple[type[Family], ...] = (
    HalfNormal, HalfCauchy, Uniform, InverseGamma, LogNormal, LogT,
    Normal, StudentT, Flat,
)

_TABLES: dict[str, dict[str, type[Family]]] = {"tau": {}, "effect": {}}


def _role_of(family: type[Family]) -> str:
    if issubclass(family, TauFamily):
        return "tau"
    if issubclass(family, EffectFamily):
        return "effect"
    raise TypeError(f"{family!r} is neither a TauFamily nor an EffectFamily")


def register[F: type[Family]](family: F) -> F:
    """Add a family under its ``name`` (usable as a class decorator); names are unique across
    both roles."""
    if any(family.name in table for table in _TABLES.values()):
        raise ValueError(f"a prior family named {family.name!r} is already registered")
    _TABLES[_role_of(family)][family.name] = family
    return family


def unregister(family: type[Family]) -> None:
    """Remove a registered family (the packaged ones stay unless removed explicitly)."""
    table = _TABLES[_role_of(family)]
    if table.get(family.name) is not family:
        raise ValueError(f"{family!r} is not registered")
    del table[family.name]


for _family in BUILT_IN:
    register(_family)


def families(role: str) -> tuple[type[Family], ...]:
    """The registered families of ``role`` (``"tau"`` or ``"effect"``), in order."""
    return tuple(_TABLES[role].values())


def family_names(role: str) -> tuple[str, ...]:
    """The names of the registered families of ``role``."""
    return tuple(_TABLES[role])


def _lookup(name: str, role: str) -> type[Family]:
    found = _TABLES[role].get(name)
    if found is None:
        if any(name in table for table in _TABLES.values()):
            article = "an" if role == "effect" else "a"
            raise ValueError(f"family {name!r} is not {article} {role} family "
                             f"({', '.join(family_names(role))})")
        raise ValueError(f"unknown {role} family {name!r}; expected one of "
                         f"{', '.join(family_names(role))}")
    return found


def tau_family(name: str) -> type[TauFamily]:
    """The tau family class named ``name`` (``"half-normal"``); ``ValueError`` if none."""
    found = _lookup(name, "tau")
    assert issubclass(found, TauFamily)
    return found


def effect_family(name: str) -> type[EffectFamily]:
    """The effect family class named ``name`` (``"normal"``); ``ValueError`` if none."""
    found = _lookup(name, "effect")
    assert issubclass(found, EffectFamily)
    return found


def family_problems(name: str, params: Mapping[str, Any], *, stated_on: str,
                    allow_empty: bool = False) -> list[str]:
    """Every problem with a family named in text and its parameters (empty list: all good).

    Parameters
    ----------
    name
        A registered family name.
    params
        Parameter values by name.
    stated_on
        ``"tau"``, ``"tau2"`` or ``"effect"``.
    allow_empty
        Accept empty ``params`` (threshold-resolved skeptical / enthusiastic normals).
    """
    role = "effect" if stated_on == "effect" else "tau"
    try:
        family = _lookup(name, role)
    except ValueError as err:
        return [str(err)]
    problems: list[str] = []
    if issubclass(family, TauFamily) and stated_on not in family.stated_on:
        can = [f.name for f in _TABLES["tau"].values()
               if stated_on in f.stated_on]  # type: ignore[attr-defined]
        problems.append(
            f"family {name!r} cannot be stated on {stated_on}; only {', '.join(can)} can")
    if allow_empty and not params:
        return problems
    return problems + family.param_problems(params)


def family_code(family: type[Family]) -> int:
    """The family's numeric code in the PyMC graph's data (its place in its role's table)."""
    return families(_role_of(family)).index(family)


def family_from_code(role: str, *, code: float) -> type[Family]:
    """The family with this code (:func:`family_code`)."""
    return families(role)[round(float(code))]
