"""One posterior interface for every engine: the exact posterior and MCMC draws answer the same
questions (``mean``, ``sd``, ``median``, ``quantile``, ``interval``, ``p_greater``, ``p_less``,
``summary``) about ``mu``, ``tau``, ``theta`` (per study) and ``theta_new``;
:class:`NaturalScale` reads them on the natural scale of a ratio measure."""

from reanalyse.posterior.draws import DrawsPosterior
from reanalyse.posterior.interface import PARAMETERS, Posterior
from reanalyse.posterior.natural import NaturalScale

__all__ = ["PARAMETERS", "DrawsPosterior", "NaturalScale", "Posterior"]
