"""The front door: a prior by registry id or inline spec, checked against role and scale."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

from reanalyse.errors import DataValidationError, Problem
from reanalyse.priors.effect import EffectPrior
from reanalyse.priors.inline import inline_forms_text, is_inline_spec, parse_inline_prior
from reanalyse.priors.registry import registry
from reanalyse.priors.scales import parse_analysis_scale, scale_matches
from reanalyse.priors.tau import TauPrior

__all__ = ["PriorScaleMismatchError", "load_prior"]


class PriorScaleMismatchError(DataValidationError):
    """A prior built for one effect scale was requested for another without an explicit override."""


def _where(spec: str) -> str:
    return f"prior '{spec}'"


def load_prior(
    spec: str,
    *,
    role: Literal["tau", "effect"],
    scale: str,
    allow_scale_mismatch: bool = False,
    root: str | Path | None = None,
) -> TauPrior | EffectPrior:
    """Look up a registry prior or parse an inline one, for a given role and analysis scale.

    Parameters
    ----------
    spec
        A registry id (``turner2015-marginal``, ``half-normal-0.5``, ``skeptical``) or an inline
        prior (``half-normal:0.5``, ``half-cauchy:1``, ``uniform:0,5``,
        ``lognormal-tau2:-2.56,1.74``, ``lognormal-tau:MU,SIGMA``, ``log-t-tau2:LOC,SCALE,DF``,
        ``inverse-gamma:SHAPE,SCALE``, ``normal:0,10``, ``student-t:LOC,SCALE,DF``, ``flat``).
    role
        ``"tau"`` or ``"effect"``: the prior must be of this role.
    scale
        The analysis scale: ``logOR``, ``logRR``, ``SMD``, ``MD`` (optionally ``MD:<units>``) or
        ``RD``. Registry priors built for another scale are refused. Inline priors suit any scale.
    allow_scale_mismatch
        Use a prior on a scale it was not built for; the result records ``scale_override=True``.
    root
        A project folder: its own ``priors/*.toml`` extend the registry.

    Returns
    -------
    TauPrior or EffectPrior
        Recording ``requested_scale`` and ``scale_override`` in its ``to_dict()``. A skeptical
        or enthusiastic effect prior still needs ``resolve(threshold=...)``.

    Raises
    ------
    PriorScaleMismatchError
        The prior was built for another scale and no override was given.
    reanalyse.errors.DataValidationError
        Unknown id, malformed inline spec, wrong role or unknown scale.
    """
    if role not in ("tau", "effect"):
        raise ValueError(f"role must be 'tau' or 'effect', got {role!r}")
    where = _where(spec)
    try:
        requested = parse_analysis_scale(scale)
    except ValueError as err:
        raise DataValidationError.single(
            file=where, rule="unknown-scale", message=str(err)
        ) from None

    if is_inline_spec(spec):
        try:
            prior = parse_inline_prior(spec)
        except ValueError as err:
            raise DataValidationError.single(
                file=where, rule="bad-inline-prior", message=str(err)
            ) from None
    else:
        entries = registry(root=root)
        found = entries.get(spec.strip())
        if found is None:
            close = difflib.get_close_matches(spec, list(entries), n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise DataValidationError.single(
                file=where,
                rule="unknown-prior",
                message=f"no registry prior with id {spec!r} (see `reanalyse priors list`), "
                f"and not an inline prior ({inline_forms_text()}).{hint}",
            )
        prior = found

    if prior.role != role:
        raise DataValidationError.single(
            file=where,
            rule="role-mismatch",
            message=f"{prior.id!r} is a {prior.role} prior, but a {role} prior was asked for",
        )

    if scale_matches(prior.scale, requested):
        return prior.with_request(requested_scale=str(requested), scale_override=False)
    built_for = ", ".join(prior.scale)
    if prior.units:
        built_for += f" (units: {prior.units})"
    if not allow_scale_mismatch:
        raise PriorScaleMismatchError(
            [
                Problem(
                    file=where,
                    rule="scale-mismatch",
                    message=f"prior {prior.id!r} was built for {built_for}, not for the requested "
                    f"scale {requested}; choose a prior built for {requested}, or pass "
                    "allow_scale_mismatch=True to use it anyway (the override is recorded)",
                )
            ]
        )
    return prior.with_request(requested_scale=str(requested), scale_override=True)
