"""Per-indicator normalisation to ``[0, 1]`` need, fitted on a reference population.

:class:`Normaliser` fits each indicator on a reference (by default every
commune), so that a town's normalised value depends only on its own raw value
and the reference, never on which other towns are scored; :func:`normalise`
does the same for one indicator. An indicator given a *target* level is scored
against that level instead (:func:`target_need`), which needs no reference.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.scoring.checks import (
    DIRECTIONS,
    NORMALISATION_METHODS,
    FloatArray,
    as_float_array,
    as_matrix,
    check_choice,
    check_clip,
)
from pvd_optim.scoring.percentile import (
    PercentileTable,
    own_percentiles,
    percentile_scores,
    percentile_table,
)
from pvd_optim.scoring.settings import fit_settings
from pvd_optim.scoring.targets import TARGET, check_targets, target_need
from pvd_optim.themes import Direction

__all__ = ["Normaliser", "normalise"]

_T = TypeVar("_T")

# Normal-consistent scale factors: IQR / 1.349 and MAD * 1.4826 estimate the
# standard deviation of a normal sample, so ``clip=3`` means "3 sigma".
_IQR_TO_SIGMA: Final = 1.349
_MAD_TO_SIGMA: Final = 1.4826

# Below this many rows, thread start-up costs more than it saves.
_PARALLEL_MIN_ROWS: Final = 5_000
_MAX_WORKERS: Final = 4


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _forget_pool() -> None:
    # A forked child inherits the pool object but not its threads: start afresh.
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _shared_pool(workers: int) -> ThreadPoolExecutor:
    """One pool for the process: starting threads on every call cost more than some columns."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pvd-scoring")
        return _POOL


def map_blocks(func: Callable[[int], _T], count: int, n_rows: int) -> list[_T]:
    """``[func(j) for j in range(count)]``, on a few threads for large inputs.

    Sorting, searching and the weighted sums release the GIL and dominate the
    cost at national scale (35,000 communes), so indicators (or row blocks) run
    in parallel. ``func`` must not call ``map_blocks`` itself (one shared pool).
    The calling thread works too, and each worker takes the next index when done
    (indicators differ several-fold in cost): one pool task per extra worker
    rather than one per index.
    """
    workers = min(count, os.cpu_count() or 1, _MAX_WORKERS)
    if workers < 2 or n_rows < _PARALLEL_MIN_ROWS:
        return [func(j) for j in range(count)]
    results: list[_T | None] = [None] * count
    indices = itertools.count()  # next() is atomic under the GIL

    def work() -> None:
        while (j := next(indices)) < count:
            results[j] = func(j)

    pool = _shared_pool(min(os.cpu_count() or 1, _MAX_WORKERS))
    helpers = [pool.submit(work) for _ in range(workers - 1)]
    try:
        work()
    finally:
        for helper in helpers:
            helper.result()  # waits, and raises what a helper raised
    return results  # type: ignore[return-value]  # every index was filled


_map_columns = map_blocks


def _fit_column(column: FloatArray, method: str) -> tuple[FloatArray, float, float]:
    """Sorted finite reference values, plus (centre, scale) used by minmax/robust_z."""
    # A contiguous 1-D copy sorts much faster than sorting an (n x p) array down its columns.
    ref = np.sort(column[~np.isnan(column)])
    m = ref.size
    if m == 0:
        return ref, np.nan, np.nan
    if method == "minmax":
        return ref, float(ref[0]), float(ref[-1] - ref[0])
    if method == "robust_z":
        q1, med, q3 = np.quantile(ref, [0.25, 0.5, 0.75])
        scale = (q3 - q1) / _IQR_TO_SIGMA
        if scale <= 0:
            # Count-like indicators (brownfields, museums) are mostly 0: the IQR
            # collapses, so fall back to the MAD, then to the standard deviation.
            scale = float(np.median(np.abs(ref - med))) * _MAD_TO_SIGMA
        if scale <= 0:
            scale = float(np.std(ref))
        # A spread below the smallest normal float is numerical dust, not information:
        # dividing by it gives meaningless z-scores, so treat the column as constant.
        if scale < np.finfo(np.float64).tiny:
            scale = 0.0
        return ref, float(med), float(scale)
    return ref, np.nan, np.nan


def _table_for(ref: FloatArray, lower: bool, method: str) -> PercentileTable | None:
    return percentile_table(ref, lower) if method == "percentile" and ref.size else None


def _transform_column(
    x: FloatArray,
    ref: FloatArray,
    table: PercentileTable | None,
    centre: float,
    scale: float,
    method: str,
    lower: bool,
    clip: float,
) -> FloatArray:
    missing = np.isnan(x)
    if ref.size == 0:
        return np.full(x.shape, np.nan)
    if table is not None:
        # NaN queries may land anywhere; they are reset to NaN below.
        out = percentile_scores(table, x)
    else:
        if scale > 0:  # minmax (scale = range) or robust_z
            # A value too far out for a tiny scale overflows to +-inf: clipped to 0 or 1
            # below, which is where it belongs, so the overflow is not worth a warning.
            with np.errstate(over="ignore"):
                z = (x - centre) / scale
            out = z if method == "minmax" else (z + clip) / (2.0 * clip)
        else:
            # Constant reference: no information, so neutral at the constant and
            # saturated on either side (consistent with the percentile method).
            out = 0.5 + 0.5 * np.sign(x - centre)
        out = np.clip(out, 0.0, 1.0)
        if lower:
            out = 1.0 - out
    out[missing] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class Normaliser:
    """Per-indicator normalisation fitted on a reference population.

    Build with :meth:`fit`; apply with :meth:`transform` to any rows (the
    reference itself or a subset), so that a commune's normalised value depends
    only on its own raw value and the reference, never on which other rows are
    being scored.

    Attributes
    ----------
    indicators:
        Indicator names, in matrix column order.
    directions:
        ``"higher"`` or ``"lower"`` per indicator (which end means more need).
    method:
        One of :data:`NORMALISATION_METHODS`: the normalisation of every indicator
        without a target.
    clip:
        ``k`` of ``robust_z``: z-scores are clipped at ``±k`` then mapped
        linearly to ``[0, 1]``.
    references:
        Per indicator, the sorted non-missing reference values (own contiguous arrays).
    centres, scales:
        Per indicator: ``minmax`` minimum and range; ``robust_z`` median and
        robust scale (IQR/1.349, else MAD*1.4826, else standard deviation);
        NaN for ``percentile`` and for indicators with a target.
    targets:
        Indicator -> target level, for the indicators scored against a target
        (:func:`target_need`) rather than by ``method``; see :attr:`methods`.
    """

    indicators: tuple[str, ...]
    directions: tuple[Direction, ...]
    method: str
    clip: float
    references: tuple[FloatArray, ...]
    centres: FloatArray
    scales: FloatArray
    targets: Mapping[str, float] = field(default_factory=dict)
    # Percentile lookup tables derived from ``references`` and ``directions``
    # (None for other methods or indicators without data).
    _tables: tuple[PercentileTable | None, ...] = field(repr=False, default=())

    def __post_init__(self) -> None:
        if not self._tables:
            tables = tuple(
                _table_for(r, d == "lower", m)
                for r, d, m in zip(self.references, self.directions, self.methods, strict=True)
            )
            object.__setattr__(self, "_tables", tables)

    @property
    def methods(self) -> tuple[str, ...]:
        """Each indicator's normalisation: :data:`TARGET` where it has a target, else ``method``."""
        return tuple(TARGET if n in self.targets else self.method for n in self.indicators)

    @classmethod
    def fit(
        cls,
        matrix: npt.ArrayLike,
        indicators: Sequence[str],
        *,
        directions: Mapping[str, str] | None = None,
        method: str = "percentile",
        clip: float = 3.0,
        targets: Mapping[str, float] | None = None,
    ) -> Normaliser:
        """Fit on ``matrix`` (reference rows x indicators; NaN = missing, ignored).

        ``directions`` maps each indicator to ``"higher"``/``"lower"``; it
        defaults to :data:`DEFAULT_DIRECTIONS` and must cover every indicator.
        ``targets`` maps some indicators to a target level (finite, > 0): those are
        scored by :func:`target_need`, the others by ``method``. None (the default)
        means no target: the built-in ones (:data:`~pvd_optim.themes.DEFAULT_TARGETS`)
        are applied by the commune-table entry, ``pvd_optim.scoring_frame.score_table``.
        """
        names, dirs, levels, clip = fit_settings(indicators, directions, method, clip, targets)
        arr = np.asfortranarray(as_matrix(matrix, len(names), "Normaliser.fit"))

        def fit_one(j: int) -> tuple[FloatArray, float, float, PercentileTable | None]:
            method_j = TARGET if names[j] in levels else method
            ref, centre, scale = _fit_column(arr[:, j], method_j)
            ref.setflags(write=False)
            return ref, centre, scale, _table_for(ref, dirs[j] == "lower", method_j)

        fitted = _map_columns(fit_one, len(names), arr.shape[0])
        refs = tuple(f[0] for f in fitted)
        centres = np.array([f[1] for f in fitted], dtype=np.float64)
        scales = np.array([f[2] for f in fitted], dtype=np.float64)
        centres.setflags(write=False)
        scales.setflags(write=False)
        tables = tuple(f[3] for f in fitted)
        return cls(names, tuple(dirs), method, clip, refs, centres, scales, levels,
                   _tables=tables)

    def select(self, indicators: Sequence[str]) -> Normaliser:
        """The same fitted normalisation restricted to (and reordered as) ``indicators``."""
        idx = []
        for name in indicators:
            if name not in self.indicators:
                raise InputError(
                    Message("The normaliser was not fitted on indicator {name}; refit it on "
                            "every indicator the themes and fragility weights use.",
                            name=repr(name)),
                    field=name,
                )
            idx.append(self.indicators.index(name))
        return Normaliser(
            tuple(self.indicators[i] for i in idx),
            tuple(self.directions[i] for i in idx),
            self.method,
            self.clip,
            tuple(self.references[i] for i in idx),
            self.centres[idx],
            self.scales[idx],
            {n: t for n, t in self.targets.items() if n in indicators},
            _tables=tuple(self._tables[i] for i in idx),
        )

    @property
    def reference_sizes(self) -> dict[str, int]:
        """Number of reference communes with data, per indicator."""
        return {n: int(r.size) for n, r in zip(self.indicators, self.references, strict=True)}

    def transform(self, matrix: npt.ArrayLike) -> FloatArray:
        """Normalised need in ``[0, 1]`` (1 = most need), shaped like ``matrix``; NaN stays NaN."""
        arr = np.asfortranarray(as_matrix(matrix, len(self.indicators), "Normaliser.transform"))
        out = np.empty(arr.shape, dtype=np.float64, order="F")
        self.transform_into(arr, out)
        return out

    def transform_into(self, arr: FloatArray, out: FloatArray) -> None:
        """:meth:`transform` into ``out``: of ``arr``'s shape, with contiguous columns.

        ``arr`` is a checked matrix (:func:`~pvd_optim.scoring.checks.as_matrix`).
        """

        def transform_one(j: int) -> None:
            target = self.targets.get(self.indicators[j])
            if target is not None:
                out[:, j] = target_need(arr[:, j], target, self.directions[j] == "lower")
                return
            out[:, j] = _transform_column(
                arr[:, j],
                self.references[j],
                self._tables[j],
                float(self.centres[j]),
                float(self.scales[j]),
                self.method,
                self.directions[j] == "lower",
                self.clip,
            )

        _map_columns(transform_one, len(self.indicators), arr.shape[0])


def normalise_on_itself(
    arr: FloatArray,
    names: tuple[str, ...],
    dirs: Sequence[Direction],
    method: str,
    clip: float,
    levels: Mapping[str, float],
    out: FloatArray,
) -> None:
    """Into ``out``: ``Normaliser.fit(arr, ...).transform(arr)`` in one pass per column.

    ``arr`` is a checked matrix (:func:`~pvd_optim.scoring.checks.as_matrix`) and the
    settings come from :func:`fit_settings`. Fitting on the very rows it scores,
    every value is a member of its percentile reference, so no score of a gap
    between values is ever looked up (:func:`own_percentiles`). The same floats;
    ``out`` has ``arr``'s shape, with contiguous columns (Fortran order).
    """

    def normalise_one(j: int) -> None:
        column = np.ascontiguousarray(arr[:, j])
        lower = dirs[j] == "lower"
        target = levels.get(names[j])
        if target is not None:
            out[:, j] = target_need(column, target, lower)
        elif method == "percentile":
            own_percentiles(column, lower, out[:, j])
        else:
            ref, centre, scale = _fit_column(column, method)
            out[:, j] = _transform_column(column, ref, None, centre, scale, method, lower, clip)

    _map_columns(normalise_one, arr.shape[1], arr.shape[0])


def normalise(
    values: npt.ArrayLike,
    *,
    method: str = "percentile",
    direction: str = "higher",
    reference: npt.ArrayLike | None = None,
    clip: float = 3.0,
    target: float | None = None,
) -> FloatArray:
    """Normalise one indicator to ``[0, 1]`` need (1 = most need); NaN stays NaN.

    Parameters
    ----------
    values:
        1-D raw values to score.
    method:
        ``"minmax"``: ``(x - min) / (max - min)``. ``"percentile"``:
        ``(rank - 1) / (m - 1)`` with the average rank for ties (a constant
        column scores 0.5). ``"robust_z"``: ``(x - median) / scale`` clipped at
        ``±clip`` and mapped linearly to ``[0, 1]``. A constant reference gives
        0.5 at its value (below 0, above 1) for every method.
    direction:
        ``"higher"`` if a larger value means more need, else ``"lower"``.
    reference:
        Values to fit on (NaN ignored); defaults to ``values`` themselves.
        Values outside the reference range are clipped to 0 or 1.
    clip:
        ``k`` of ``robust_z``.
    target:
        A target level (finite, > 0): need is then the distance from it over it
        (:func:`target_need`), and ``method``, ``reference`` and ``clip`` play no part.
    """
    check_choice("method", "normalise", NORMALISATION_METHODS, method)
    check_choice("direction", "normalise", DIRECTIONS, direction)
    clip = check_clip(clip, "normalise")
    if target is not None:
        try:
            check_targets({"x": target}, ("x",), "normalise")
        except InputError:
            raise InputError(
                Message("The 'target' parameter of normalise must be a finite number > 0 (need "
                        "is the distance from the target over the target). Got {target} instead.",
                        target=repr(target))
            ) from None
    x = as_matrix(np.ravel(as_float_array(values, "values", "normalise")), 1, "normalise")[:, 0]
    ref_in = x if reference is None else np.ravel(
        as_float_array(reference, "reference", "normalise"))
    norm = Normaliser.fit(
        ref_in[:, None], ("x",), directions={"x": direction}, method=method, clip=clip,
        targets=None if target is None else {"x": target},
    )
    return norm.transform(x[:, None])[:, 0]
