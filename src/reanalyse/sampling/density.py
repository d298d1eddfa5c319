"""Pointwise log densities of a PyMC model at posterior draws, compiled once per structure.

:meth:`LogDensity.evaluate` computes what ``pm.stats.compute_log_likelihood`` (``kind=
"likelihood"``: the observed variables) and ``pm.stats.compute_log_prior`` (``kind="prior"``:
free variables) compute, the same way: the model with its value transforms removed
(``remove_value_transforms``), ``Model.logp(vars, sum=False)``, labelled with the model's
dims as PyMC's ``apply_function_over_dataset`` labels them. Two differences. When it compiles:
PyMC's functions compile a new PyTensor function on every call, this one compiles once per
(kind, variables) and then takes new values of the model's ``pm.Data`` containers (data and
prior hyperparameters) and coordinates, as the nutpie-compiled model does
(:meth:`reanalyse.sampling.CompiledModel.with_data`). How it evaluates: PyMC calls the function
once per draw (8,000 Python calls for 4 x 2,000 draws, about 0.06 s a fit); here the graph is
vectorised over the draws (PyTensor's ``vectorize_graph``) and called once with every draw;
when a draw breaks a parameter's bounds (which the batched check reports for all draws at
once) it falls back to PyMC's draw-by-draw function, which gives that draw -inf. Tests check
both give the same groups.

:meth:`LogDensity.likelihood_at` evaluates the observed variables' log density with some
model variables fixed at given values (``pm.do``): a plug-in or saturated deviance from the
model's own likelihood.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

__all__ = ["LogDensity"]

SAMPLE_DIMS = ("chain", "draw")


class LogDensity:
    """Log densities of one PyMC model, compiled on first use and reused with new data.

    Parameters
    ----------
    model
        The PyMC model (its ``pm.Data`` containers hold data and priors).

    Examples
    --------
    >>> density = LogDensity(pm_model)                                           # doctest: +SKIP
    >>> density.evaluate(idata["posterior"], kind="likelihood")                  # doctest: +SKIP
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._untransformed: Any = None
        self._functions: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- posterior draws
    def evaluate(
        self,
        posterior: xr.Dataset | xr.DataTree,
        *,
        kind: Literal["likelihood", "prior"],
        var_names: Sequence[str] | None = None,
        coords: Mapping[str, Sequence[Any]] | None = None,
        data: Mapping[str, ArrayLike] | None = None,
    ) -> xr.Dataset:
        """Elementwise log density of ``var_names`` at every draw of ``posterior``.

        Parameters
        ----------
        posterior
            The draws of (at least) every free variable, dims ``(chain, draw, ...)``.
        kind
            ``"likelihood"`` (default variables: every observed one) or ``"prior"`` (every
            free one).
        var_names
            The variables; their dims come from the model.
        coords
            Coordinate values of this fit (e.g. the ``study`` labels); a dim whose length is a
            shared variable of the model takes the new length.
        data
            New values of ``pm.Data`` containers (default: those the model holds).

        Returns
        -------
        xarray.Dataset
            One variable per name, dims ``(chain, draw, *model dims)``.
        """
        from pymc.backends.arviz import apply_function_over_dataset
        from pymc.logprob.utils import ParameterValueError

        if kind not in ("likelihood", "prior"):
            raise ValueError(f"kind must be 'likelihood' or 'prior', got {kind!r}")
        with self._lock:
            umodel = self._umodel()
            targets = list(umodel.observed_RVs if kind == "likelihood" else umodel.free_RVs)
            names = (tuple(rv.name for rv in targets) if var_names is None
                     else tuple(var_names))
            unknown = [n for n in names if umodel.named_vars.get(n) not in targets]
            if unknown:
                raise ValueError(f"{', '.join(unknown)}: not "
                                 f"{'observed' if kind == 'likelihood' else 'free'} variables "
                                 "of the model")
            key = (kind, names)
            fn = self._functions.get(key)
            if fn is None:
                fn = self._functions[key] = self._batched(umodel, names)
            self._set(umodel, data=data, coords=coords)
            out_coords, dims = self._coords_and_dims(umodel, coords)
            ds = posterior.to_dataset() if isinstance(posterior, xr.DataTree) else posterior
            free = [rv.name for rv in umodel.free_RVs]
            ds = ds[free].astype({name: umodel.rvs_to_values[umodel[name]].type.dtype
                                  for name in free}, copy=False)
            if fn[0] == "batched":
                try:
                    return self._over_draws(fn[1], ds, free=free, names=names, dims=dims,
                                            coords=out_coords)
                except ParameterValueError:
                    # a draw outside a parameter's bounds: PyMC gives that draw -inf, which
                    # only its draw-by-draw function does (the batched check fails them all)
                    point = (*key, "point")  # for this call only: the next fit is batched
                    if point not in self._functions:
                        self._functions[point] = ("point", self._point(umodel, names))
                    fn = self._functions[point]
            return apply_function_over_dataset(fn[1], ds, output_var_names=list(names),
                                               sample_dims=SAMPLE_DIMS, dims=dims,
                                               coords=out_coords, progressbar=False)

    @staticmethod
    def _point(umodel: Any, names: tuple[str, ...]) -> Any:
        """PyMC's own function of one draw (a dict of the free variables' values)."""
        return umodel.compile_fn(inputs=umodel.value_vars,
                                 outs=umodel.logp(vars=[umodel[n] for n in names], sum=False),
                                 on_unused_input="ignore")

    @staticmethod
    def _batched(umodel: Any, names: tuple[str, ...]) -> tuple[str, Any]:
        """The log densities of ``names`` as one function of every draw at once (its inputs
        the free variables' values with a leading draw dim), else PyMC's point function."""
        import pytensor
        import pytensor.tensor as pt
        from pytensor.graph.replace import vectorize_graph

        outs = umodel.logp(vars=[umodel[n] for n in names], sum=False)
        values = list(umodel.value_vars)
        try:
            batched = [pt.tensor(dtype=v.type.dtype, shape=(None, *v.type.shape), name=v.name)
                       for v in values]
            vectorised = vectorize_graph(outs, replace=dict(zip(values, batched, strict=True)))
            # the parameter checks stay checks (raising ParameterValueError, see evaluate)
            fn = pytensor.function(batched, vectorised, on_unused_input="ignore")
        except NotImplementedError:  # pragma: no cover - an Op without a batched form
            return "point", LogDensity._point(umodel, names)
        # an output no free variable reaches keeps its shape: it is broadcast over the draws
        drawn = tuple(v.type.ndim > o.type.ndim for v, o in zip(vectorised, outs, strict=True))
        return "batched", (fn, drawn)

    @staticmethod
    def _over_draws(batched: tuple[Any, tuple[bool, ...]], ds: xr.Dataset, *, free: list[str],
                    names: tuple[str, ...], dims: Mapping[str, Any],
                    coords: Mapping[str, Any]) -> xr.Dataset:
        """``fn`` at every (chain, draw) of ``ds``, labelled as PyMC labels its groups."""
        import pymc
        from arviz_base import dict_to_dataset

        fn, drawn = batched
        shape = tuple(ds.sizes[d] for d in SAMPLE_DIMS)
        n = int(np.prod(shape))
        drawn_values = [ds[name].transpose(*SAMPLE_DIMS, ...).values for name in free]
        flat = [v.reshape(n, *v.shape[len(SAMPLE_DIMS):]) for v in drawn_values]
        outs = fn(*flat)
        values = {}
        for name, out, by_draw in zip(names, outs, drawn, strict=True):
            out = np.asarray(out) if by_draw else np.repeat(np.asarray(out)[None], n, axis=0)
            values[name] = out.reshape(*shape, *out.shape[1:])
        return dict_to_dataset(values, inference_library=pymc, dims=dims,
                               coords={**coords, **{d: ds[d].values for d in SAMPLE_DIMS}},
                               sample_dims=list(SAMPLE_DIMS), skip_event_dims=True)

    # ----------------------------------------------------------------- fixed values
    def likelihood_at(
        self,
        values: Mapping[str, ArrayLike],
        *,
        data: Mapping[str, ArrayLike] | None = None,
    ) -> dict[str, np.ndarray]:
        """Pointwise log density of every observed variable with the model variables named in
        ``values`` fixed there (``pm.do``; e.g. each observation's mean parameter at its
        posterior mean, or at the data themselves for the saturated model).

        Raises
        ------
        pytensor.graph.fg.MissingInputError
            If an observed variable still depends on a free variable.
        """
        import pymc as pm

        key = ("do", tuple(sorted(values)))
        with self._lock:
            entry = self._functions.get(key)
            if entry is None:
                intervened = pm.do(self.model, {name: np.asarray(v, dtype=float)
                                                for name, v in values.items()})
                observed = list(intervened.observed_RVs)
                fn = intervened.compile_fn(inputs=[], outs=intervened.logp(vars=observed,
                                                                          sum=False))
                entry = (intervened, fn, [rv.name for rv in observed])
                self._functions[key] = entry
            intervened, fn, names = entry
            self._set(intervened, data={**(data or {}), **values}, coords=None)
            return {name: np.asarray(v) for name, v in zip(names, fn({}), strict=True)}

    # ----------------------------------------------------------------- helpers
    def _umodel(self) -> Any:
        if self._untransformed is None:
            from pymc.model.transform.conditioning import remove_value_transforms

            self._untransformed = remove_value_transforms(self.model)
        return self._untransformed

    @staticmethod
    def _set(model: Any, *, data: Mapping[str, ArrayLike] | None,
             coords: Mapping[str, Sequence[Any]] | None) -> None:
        from pytensor.compile.sharedvalue import SharedVariable

        for name, value in (data or {}).items():
            var = model.named_vars.get(name)
            if isinstance(var, SharedVariable):
                var.set_value(np.asarray(value, dtype=var.type.dtype))
        for dim, labels in (coords or {}).items():
            length = model.dim_lengths.get(dim)
            if isinstance(length, SharedVariable):
                length.set_value(np.asarray(len(labels), dtype=length.type.dtype))

    @staticmethod
    def _coords_and_dims(model: Any, coords: Mapping[str, Sequence[Any]] | None
                         ) -> tuple[dict[str, Any], dict[str, Any]]:
        from pymc.backends.arviz import coords_and_dims_for_inferencedata

        model_coords, dims = coords_and_dims_for_inferencedata(model)
        return {**model_coords, **{k: list(v) for k, v in (coords or {}).items()}}, dims
