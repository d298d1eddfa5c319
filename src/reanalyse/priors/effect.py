"""A prior on the pooled effect mu, including threshold-resolved skeptical / enthusiastic priors."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reanalyse.priors._format import format_number
from reanalyse.priors.effect_families import Flat, Normal, StudentT
from reanalyse.priors.families import effect_family, family_problems
from reanalyse.priors.family import EffectFamily
from reanalyse.priors.record import PriorRecord, require_model_context

if TYPE_CHECKING:  # pragma: no cover
    from pytensor.tensor.variable import TensorVariable

    from reanalyse.exact import MuPriorArgs

__all__ = ["SKEPTICAL_TAIL_PROBABILITY", "EffectKind", "EffectPrior"]

EffectKind = Literal["vague", "empirical", "skeptical", "enthusiastic", "user"]

#: Prior probability a skeptical prior puts beyond the clinically meaningful threshold.
SKEPTICAL_TAIL_PROBABILITY = 0.05

#: Kinds whose numbers come from a threshold supplied at use time.
THRESHOLD_KINDS: frozenset[str] = frozenset({"skeptical", "enthusiastic"})

#: The family of skeptical / enthusiastic priors (its mean and SD come from the threshold).
THRESHOLD_FAMILY: type[Normal] = Normal


@dataclass(frozen=True, kw_only=True)
class EffectPrior(PriorRecord):
    """A prior on the pooled effect (``normal``, ``student-t`` or the improper ``flat``).

    Parameters
    ----------
    id
        Registry id, or the inline spec for an inline prior.
    family
        The name of a registered effect family (:mod:`reanalyse.priors.families`): ``normal``
        (``mean``, ``sd``), ``student-t`` (``location``, ``scale``, ``df``) or ``flat``. The
        distribution itself is :attr:`distribution`, a family object.
    params
        Parameters as the source gives them; empty for an unresolved skeptical / enthusiastic prior.
    kind
        ``vague``, ``empirical``, ``skeptical``, ``enthusiastic`` or ``user``.
    scale
        Effect scales the prior was built for (``("any",)`` for a generic prior).
    citation, rationale, source, status
        As for :class:`reanalyse.priors.TauPrior`.
    threshold
        The clinically meaningful threshold a skeptical / enthusiastic prior was resolved with.
    """

    role: ClassVar[Literal["effect"]] = "effect"

    kind: EffectKind
    threshold: float | None = None
    _family: type[EffectFamily] = field(init=False, repr=False, compare=False)
    _distribution: EffectFamily | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems = family_problems(
            self.family,
            self.params,
            stated_on="effect",
            allow_empty=self.kind in THRESHOLD_KINDS,
        )
        if problems:
            raise ValueError(f"effect prior {self.id!r}: " + "; ".join(problems))
        family = effect_family(self.family)
        if self.kind in THRESHOLD_KINDS and family is not THRESHOLD_FAMILY:
            raise ValueError(f"effect prior {self.id!r}: a {self.kind} prior must be "
                             f"{THRESHOLD_FAMILY.name}, got {self.family!r}")
        object.__setattr__(
            self, "params", MappingProxyType({k: float(v) for k, v in self.params.items()})
        )
        object.__setattr__(self, "scale", tuple(self.scale))
        object.__setattr__(self, "_family", family)
        object.__setattr__(self, "_distribution",
                           None if self.needs_threshold else family.from_params(self.params))

    # ----------------------------------------------------------------- resolution
    @property
    def needs_threshold(self) -> bool:
        """True for a skeptical / enthusiastic prior not yet resolved with a threshold."""
        return self.kind in THRESHOLD_KINDS and not self.params

    def resolve(self, *, threshold: float) -> EffectPrior:
        """The concrete normal prior for a clinically meaningful ``threshold``.

        Parameters
        ----------
        threshold
            On the analysis scale (e.g. ``log(0.75)`` for RR 0.75); non-zero and finite.

        Returns
        -------
        EffectPrior
            Skeptical: N(0, sd) with sd = |threshold| / z_0.95, so that the prior probability
            beyond the threshold (in its direction) is exactly 5%. Enthusiastic: N(threshold, sd)
            with the same sd.

        Raises
        ------
        ValueError
            If the prior is not skeptical / enthusiastic, or the threshold is zero or not finite.
        """
        if self.kind not in THRESHOLD_KINDS:
            raise ValueError(
                f"effect prior {self.id!r} is {self.kind}, not skeptical or enthusiastic; "
                "it takes no threshold"
            )
        if not math.isfinite(threshold) or threshold == 0:
            raise ValueError(f"threshold must be finite and non-zero, got {threshold!r}")
        from scipy import stats  # here: a slow import, not always needed

        sd = abs(threshold) / float(stats.norm.ppf(1 - SKEPTICAL_TAIL_PROBABILITY))
        mean = 0.0 if self.kind == "skeptical" else float(threshold)
        return dataclasses.replace(
            self, params=THRESHOLD_FAMILY(mean=mean, sd=sd).params, threshold=float(threshold)
        )

    @classmethod
    def normal(cls, mean: float, sd: float) -> EffectPrior:
        """Normal prior on the pooled effect (analysis scale: log for ratios)."""
        return cls._user(Normal, mean=mean, sd=sd)

    @classmethod
    def student_t(cls, location: float, scale: float, df: float) -> EffectPrior:
        """Student-t prior on the pooled effect."""
        return cls._user(StudentT, location=location, scale=scale, df=df)

    @classmethod
    def flat(cls) -> EffectPrior:
        """The improper flat prior on the pooled effect."""
        return cls._user(Flat)

    @classmethod
    def _user(cls, family: type[EffectFamily], **params: float) -> EffectPrior:
        from reanalyse.priors.inline import build_prior

        prior = build_prior(family, params, stated_on="effect")
        assert isinstance(prior, cls)
        return prior

    def _require_concrete(self, what: str) -> EffectFamily:
        if self._distribution is None:
            raise ValueError(
                f"effect prior {self.id!r} ({self.kind}) needs resolve(threshold=...) before {what}"
            )
        return self._distribution

    # ----------------------------------------------------------------- distribution
    @property
    def distribution(self) -> EffectFamily:
        """The distribution of the effect: a family object (``ValueError`` while a threshold
        is needed)."""
        return self._require_concrete("its distribution")

    @property
    def proper(self) -> bool:
        """False for an improper prior (flat): no probabilities, quantiles or prior draws."""
        return self._family.proper

    def _moments(self) -> tuple[float | None, float] | None:
        if self._distribution is None or not self.proper:
            return None
        return self._distribution.moments()

    @property
    def mean(self) -> float | None:
        """Prior mean (``None`` for flat or unresolved priors, or a t with df <= 1)."""
        moments = self._moments()
        return None if moments is None else moments[0]

    @property
    def sd(self) -> float | None:
        """Prior SD (``None`` for flat or unresolved priors; ``inf`` for a t with df <= 2)."""
        moments = self._moments()
        return None if moments is None else moments[1]

    def logpdf(self, effect: ArrayLike) -> NDArray[np.float64]:
        """Log prior density (0 everywhere for the improper flat prior, as PyMC's ``Flat``)."""
        return self._require_concrete("logpdf").logpdf(effect)

    def interval(self, prob: float = 0.95) -> tuple[float, float]:
        """Central prior interval (``(-inf, inf)`` for flat)."""
        dist = self._require_concrete("interval")
        if not 0 < prob < 1:
            raise ValueError(f"prob must be in (0, 1), got {prob!r}")
        if not self.proper:
            return (-math.inf, math.inf)
        lower, upper = dist.ppf([(1 - prob) / 2, (1 + prob) / 2])
        return (float(lower), float(upper))

    def p_greater(self, t: ArrayLike) -> NDArray[np.float64]:
        """Prior P(effect > t) (undefined for flat)."""
        return self._require_concrete("p_greater").sf(t)

    def summary(self) -> dict[str, float] | None:
        """Median and 95% interval; ``None`` for a flat prior or while a threshold is needed."""
        if self._distribution is None or not self.proper:
            return None
        q025, q975 = self.interval(0.95)
        return {"median": float(self._distribution.ppf(0.5)), "q025": q025, "q975": q975}

    # ----------------------------------------------------------------- exact engine
    def exact_mu_prior(self) -> MuPriorArgs:
        """The prior on mu as the exact engine takes it: the keywords of
        :func:`reanalyse.exact.fit_exact` and :func:`reanalyse.exact.bayes_factors`.

        The one place that refuses an effect prior the exact engine cannot integrate; the
        mapping itself is the family's (:meth:`reanalyse.priors.family.EffectFamily.exact_mu_prior`):
        normal -> mean and sd; Student-t -> location, scale and df (integrated exactly as a
        scale mixture of normals, never replaced by a normal); flat -> no sd.

        Raises
        ------
        ValueError
            For a skeptical / enthusiastic prior not yet resolved with a threshold, or a family
            the exact engine cannot integrate.
        """
        args = self._require_concrete("the exact engine").exact_mu_prior()
        if args is None:
            raise ValueError(f"the exact engine cannot integrate a {self.family} effect prior "
                             f"({self.id}); use --engine mcmc")
        return args

    # ----------------------------------------------------------------- PyMC
    def to_pymc(self, name: str = "mu") -> TensorVariable:
        """Create the PyMC random variable for the effect in the current ``pm.Model`` context."""
        dist = self._require_concrete("to_pymc")
        require_model_context("EffectPrior", name)
        return dist.to_pymc(name)

    # ----------------------------------------------------------------- records and text
    def distribution_text(self) -> str:
        """The family and parameters, or the resolution rule while a threshold is needed."""
        if self.needs_threshold:
            if self.kind == "skeptical":
                return "normal(mean=0, sd=|T|/1.645) on the effect, T = threshold given at use"
            return "normal(mean=T, sd=|T|/1.645) on the effect, T = threshold given at use"
        return f"{self._family.describe_params(self.params)} on the effect"

    def describe(self) -> str:
        """One line: the distribution and, when concrete and proper, its 95% interval."""
        s = self.summary()
        text = f"{self.id}: {self.distribution_text()}"
        if s is None:
            return text
        return (
            f"{text}; median {format_number(s['median'])}, "
            f"95% interval {format_number(s['q025'])} to {format_number(s['q975'])}"
        )
