"""Vectorised need scoring: indicators -> normalised need -> theme scores -> fragility.

The pipeline works on plain arrays so that it is independent of pandas and of
the solver:

1. an *indicator matrix* ``(n communes x p indicators)``, float64, NaN = missing;
2. per-indicator *normalisation* to ``[0, 1]`` where 1 means most need, fitted
   on a *reference population* (by default every commune passed in) so that a
   town's score does not depend on which other towns happen to be eligible;
3. *theme need scores* ``(n x K)``: non-negative weighted means of normalised
   indicators, with an explicit policy for missing values;
4. a *fragility* composite ``(n,)``: one more weighted mean, over its own
   indicator weights (:data:`DEFAULT_FRAGILITY`).

Everything is column-wise numpy: the only Python loops run over indicators or
themes (a few dozen at most), never over communes. Percentiles are looked up in
per-indicator tables built at fit time (distinct sorted values, a bucket index
and the score of every value and gap), with a vectorised branch-free search;
at national scale indicators are processed on a few threads (numpy releases
the GIL). Results are bit-for-bit identical whichever rows are scored.

Typical use::

    scores = score_towns(matrix, indicator_names)        # fit on all 34,969 communes
    need_of_eligible = scores.need[eligible_mask]

or, to score new rows against a frozen reference::

    normaliser = Normaliser.fit(reference_matrix, indicator_names)
    scores = score_towns(other_matrix, indicator_names, normaliser=normaliser)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from pvd_optim.errors import InputError
from pvd_optim.themes import (
    DEFAULT_DIRECTIONS,
    DEFAULT_FRAGILITY,
    DEFAULT_THEMES,
    THEME_RATIONALE,
    Direction,
)

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_FRAGILITY",
    "DEFAULT_THEMES",
    "DIRECTIONS",
    "NAN_POLICIES",
    "NEUTRAL",
    "NORMALISATION_METHODS",
    "THEME_RATIONALE",
    "Normaliser",
    "Scores",
    "normalise",
    "score_towns",
    "validate_weights",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]
_T = TypeVar("_T")

NORMALISATION_METHODS: Final = ("minmax", "percentile", "robust_z")
NAN_POLICIES: Final = ("renormalise", "neutral", "raise")
DIRECTIONS: Final = ("higher", "lower")

#: Score given to a missing normalised value under ``nan_policy="neutral"``, and
#: to a theme whose indicators are *all* missing under ``"renormalise"`` (such
#: towns have ``coverage == 0`` so that reports can flag them).
NEUTRAL: Final = 0.5

# Normal-consistent scale factors: IQR / 1.349 and MAD * 1.4826 estimate the
# standard deviation of a normal sample, so ``clip=3`` means "3 sigma".
_IQR_TO_SIGMA: Final = 1.349
_MAD_TO_SIGMA: Final = 1.4826


# --------------------------------------------------------------------------- validation


def _choice_error(param: str, func: str, allowed: Sequence[str], got: object) -> InputError:
    options = "{" + ", ".join(repr(a) for a in allowed) + "}"
    return InputError(
        f"The '{param}' parameter of {func} must be one of {options}. Got {got!r} instead."
    )


def _check_choice(param: str, func: str, allowed: Sequence[str], got: object) -> None:
    if not isinstance(got, str) or got not in allowed:
        raise _choice_error(param, func, allowed, got)


def _check_clip(clip: object, func: str) -> float:
    if (
        isinstance(clip, bool)
        or not isinstance(clip, int | float | np.floating | np.integer)
        or not np.isfinite(clip)
        or clip <= 0
    ):
        raise InputError(
            f"The 'clip' parameter of {func} must be a finite number > 0. Got {clip!r} instead."
        )
    return float(clip)


def validate_weights(
    name: str,
    weights: Mapping[str, float],
    known: Sequence[str] | Mapping[str, object],
) -> dict[str, float]:
    """Check one weight mapping (a theme or the fragility composite) and return it as floats.

    Weights must be finite and non-negative, not all zero, and name indicators
    in ``known``. Error messages name the theme (``name``) and the indicator.

    Raises
    ------
    InputError
        On any violation; ``field`` is ``"<name>.<indicator>"`` when one indicator is at fault.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise InputError(
            f"Theme {name!r} must map at least one indicator to a weight. Got {weights!r} instead.",
            field=name,
        )
    out: dict[str, float] = {}
    for indicator, weight in weights.items():
        if indicator not in known:
            raise InputError(
                f"Theme {name!r} uses unknown indicator {indicator!r}; known indicators: "
                f"{', '.join(sorted(known))}.",
                field=f"{name}.{indicator}",
            )
        if isinstance(weight, bool) or not isinstance(weight, int | float | np.number):
            raise InputError(
                f"Theme {name!r}: the weight of {indicator!r} must be a number. "
                f"Got {weight!r} instead.",
                field=f"{name}.{indicator}",
            )
        w = float(weight)
        if not np.isfinite(w) or w < 0:
            raise InputError(
                f"Theme {name!r}: the weight of {indicator!r} must be finite and >= 0. "
                f"Got {weight!r} instead.",
                field=f"{name}.{indicator}",
            )
        out[indicator] = w
    if sum(out.values()) <= 0:
        raise InputError(
            f"Theme {name!r}: at least one weight must be > 0 (all are zero).", field=name
        )
    return out


def _as_matrix(matrix: npt.ArrayLike, n_indicators: int, func: str) -> FloatArray:
    arr = np.asarray(matrix, dtype=np.float64)
    if arr.ndim == 1 and n_indicators == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != n_indicators:
        raise InputError(
            f"The 'matrix' parameter of {func} must have shape (n_communes, {n_indicators}) "
            f"to match the indicator names. Got shape {arr.shape} instead."
        )
    if np.isinf(arr).any():
        col = int(np.flatnonzero(np.isinf(arr).any(axis=0))[0])
        raise InputError(
            f"The 'matrix' parameter of {func} contains infinite values in column {col}; "
            "use NaN for missing values."
        )
    return arr


# --------------------------------------------------------------------------- normalisation

# Below this many rows, thread start-up costs more than it saves.
_PARALLEL_MIN_ROWS: Final = 5_000
_MAX_WORKERS: Final = 4


def _map_columns(func: Callable[[int], _T], count: int, n_rows: int) -> list[_T]:
    """``[func(j) for j in range(count)]``, on a few threads for large inputs.

    Sorting and ``searchsorted`` release the GIL and dominate the cost at
    national scale (35,000 communes), so indicators run in parallel.
    """
    workers = min(count, os.cpu_count() or 1, _MAX_WORKERS)
    if workers < 2 or n_rows < _PARALLEL_MIN_ROWS:
        return [func(j) for j in range(count)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, range(count)))


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


# Up to this many distinct values (count-like indicators), np.searchsorted is
# faster than the bucketed search below: short searches with few distinct answers.
_SMALL_TABLE: Final = 256
# Buckets of the first-level lookup, per distinct value (capped).
_BUCKETS_PER_VALUE: Final = 8
_MAX_BUCKETS: Final = 1 << 17


class _PercentileTable(NamedTuple):
    """Precomputed percentile lookup for one indicator (see :func:`_percentile_table`)."""

    padded: FloatArray  # distinct sorted values, then +inf padding for the search
    size: int  # number of distinct values
    member: FloatArray  # need score of a value equal to the i-th distinct value
    between: FloatArray  # need score of a value with i distinct values below it
    origin: float  # bucket of x: clip(floor((x - origin) * scale), 0, n_buckets - 1)
    scale: float
    n_buckets: int
    bucket_start: IndexArray  # distinct values in buckets before b (n_buckets + 1 entries)
    steps: int  # binary-search steps inside the fullest bucket


def _bucket(x: FloatArray, origin: float, scale: float, n_buckets: int) -> IndexArray:
    # Each operation is correctly rounded hence monotone, so the bucket is
    # monotone in x: all values of earlier buckets are < x, of later ones > x.
    # fmin/fmax send NaN to the last bucket without a cast warning.
    t = np.subtract(x, origin)
    np.multiply(t, scale, out=t)
    np.floor(t, out=t)
    np.fmin(t, n_buckets - 1, out=t)
    np.fmax(t, 0, out=t)
    return t.astype(np.intp)


def _percentile_table(ref: FloatArray, lower: bool) -> _PercentileTable:
    """Scores of every distinct reference value, and of every gap between them.

    With ``left``/``right`` the number of reference values ``<`` / ``<=`` x,
    the score is ``(left + right - 1) / (2 (m - 1))``: for a reference member
    that is ``(rank - 1) / (m - 1)`` with the average rank among ties (a constant
    column gives 0.5); a value between two reference values falls halfway
    between their ranks; outside the reference it clips to 0 or 1. With a
    single reference value: below 0, equal 0.5, above 1.
    """
    m = ref.size
    starts = np.flatnonzero(np.concatenate(([True], ref[1:] != ref[:-1])))
    values = ref[starts]
    below = np.append(starts, m).astype(np.float64)  # values < the i-th distinct one
    denom = 2.0 * (m - 1) if m > 1 else 2.0
    shift = 1.0 if m > 1 else 0.0
    member = np.clip((below[:-1] + below[1:] - shift) / denom, 0.0, 1.0)
    between = np.clip((2.0 * below - shift) / denom, 0.0, 1.0)
    if m == 1:
        between = np.array([0.0, 1.0])
    if lower:
        member, between = 1.0 - member, 1.0 - between
    u = values.size
    origin, scale, n_buckets, steps = float(values[0]), 0.0, 1, 0
    bucket_start = np.array([0, u], dtype=np.intp)
    if u > max(_SMALL_TABLE, 1):
        n_buckets = min(_BUCKETS_PER_VALUE * u, _MAX_BUCKETS)
        with np.errstate(over="ignore", divide="ignore"):
            scale = float(np.divide(n_buckets, values[-1] - values[0]))
        if not 0 < scale < np.inf:  # span overflows or underflows: one bucket
            n_buckets, scale = 1, 0.0
        per_bucket = np.bincount(_bucket(values, origin, scale, n_buckets), minlength=n_buckets)
        bucket_start = np.concatenate(([0], np.cumsum(per_bucket)))
        steps = int(np.diff(bucket_start).max()).bit_length()
    padded = np.full(u + (1 << steps), np.inf)
    padded[:u] = values
    return _PercentileTable(
        padded, u, member, between, origin, scale, n_buckets, bucket_start, steps
    )


def _count_below(table: _PercentileTable, x: FloatArray) -> IndexArray:
    """How many distinct reference values are ``< x``, for each ``x`` (NaN: anything).

    A first-level bucket lookup (arithmetic) narrows each query to a few
    candidates, then a branch-free binary search runs on all queries at once.
    On real indicators that is 1-4 vectorised steps instead of ``log2(size)``
    per query, several times faster than ``np.searchsorted`` on unsorted queries,
    whose per-query branches mispredict.
    """
    if table.steps == 0:
        return np.searchsorted(table.padded[: table.size], x, side="left")
    idx = table.bucket_start[_bucket(x, table.origin, table.scale, table.n_buckets)]
    probe = np.empty(x.shape, dtype=np.intp)
    values = np.empty(x.shape, dtype=np.float64)
    hit = np.empty(x.shape, dtype=bool)
    step = 1 << (table.steps - 1)
    while step:
        np.add(idx, step - 1, out=probe)
        np.take(table.padded, probe, out=values)
        np.less(values, x, out=hit)
        np.multiply(hit, step, out=probe)
        idx += probe
        step >>= 1
    return idx


def _table_for(ref: FloatArray, lower: bool, method: str) -> _PercentileTable | None:
    return _percentile_table(ref, lower) if method == "percentile" and ref.size else None


def _transform_column(
    x: FloatArray,
    ref: FloatArray,
    table: _PercentileTable | None,
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
        idx = _count_below(table, x)
        # NaN queries may land anywhere; they are reset to NaN below.
        np.minimum(idx, table.size, out=idx)
        inside = np.minimum(idx, table.size - 1)
        out = np.where(table.padded[inside] == x, table.member[inside], table.between[idx])
    else:
        if scale > 0:  # minmax (scale = range) or robust_z
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
        One of :data:`NORMALISATION_METHODS`.
    clip:
        ``k`` of ``robust_z``: z-scores are clipped at ``±k`` then mapped
        linearly to ``[0, 1]``.
    references:
        Per indicator, the sorted non-missing reference values (own contiguous arrays).
    centres, scales:
        Per indicator: ``minmax`` minimum and range; ``robust_z`` median and
        robust scale (IQR/1.349, else MAD*1.4826, else standard deviation);
        NaN for ``percentile``.
    """

    indicators: tuple[str, ...]
    directions: tuple[Direction, ...]
    method: str
    clip: float
    references: tuple[FloatArray, ...]
    centres: FloatArray
    scales: FloatArray
    # Percentile lookup tables derived from ``references`` and ``directions``
    # (None for other methods or indicators without data).
    _tables: tuple[_PercentileTable | None, ...] = field(repr=False, default=())

    def __post_init__(self) -> None:
        if not self._tables:
            tables = tuple(
                _table_for(r, d == "lower", self.method)
                for r, d in zip(self.references, self.directions, strict=True)
            )
            object.__setattr__(self, "_tables", tables)

    @classmethod
    def fit(
        cls,
        matrix: npt.ArrayLike,
        indicators: Sequence[str],
        *,
        directions: Mapping[str, str] | None = None,
        method: str = "percentile",
        clip: float = 3.0,
    ) -> Normaliser:
        """Fit on ``matrix`` (reference rows x indicators; NaN = missing, ignored).

        ``directions`` maps each indicator to ``"higher"``/``"lower"``; it
        defaults to :data:`DEFAULT_DIRECTIONS` and must cover every indicator.
        """
        _check_choice("method", "Normaliser.fit", NORMALISATION_METHODS, method)
        clip = _check_clip(clip, "Normaliser.fit")
        names = tuple(indicators)
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise InputError(f"Duplicate indicator names: {', '.join(dupes)}.", field="indicators")
        dirs_map = DEFAULT_DIRECTIONS if directions is None else directions
        dirs: list[Direction] = []
        for name in names:
            d = dirs_map.get(name)
            if d is None:
                raise InputError(
                    f"Indicator {name!r} has no direction; pass directions={{{name!r}: "
                    "'higher' or 'lower'}} ('higher' = a larger value means more need).",
                    field=name,
                )
            if d not in DIRECTIONS:
                raise _choice_error(f"directions[{name!r}]", "Normaliser.fit", DIRECTIONS, d)
            dirs.append("higher" if d == "higher" else "lower")
        arr = np.asfortranarray(_as_matrix(matrix, len(names), "Normaliser.fit"))

        def fit_one(j: int) -> tuple[FloatArray, float, float, _PercentileTable | None]:
            ref, centre, scale = _fit_column(arr[:, j], method)
            ref.setflags(write=False)
            return ref, centre, scale, _table_for(ref, dirs[j] == "lower", method)

        fitted = _map_columns(fit_one, len(names), arr.shape[0])
        refs = tuple(f[0] for f in fitted)
        centres = np.array([f[1] for f in fitted], dtype=np.float64)
        scales = np.array([f[2] for f in fitted], dtype=np.float64)
        centres.setflags(write=False)
        scales.setflags(write=False)
        tables = tuple(f[3] for f in fitted)
        return cls(names, tuple(dirs), method, clip, refs, centres, scales, tables)

    def select(self, indicators: Sequence[str]) -> Normaliser:
        """The same fitted normalisation restricted to (and reordered as) ``indicators``."""
        idx = []
        for name in indicators:
            if name not in self.indicators:
                raise InputError(
                    f"The normaliser was not fitted on indicator {name!r}; refit it on every "
                    "indicator the themes and fragility weights use.",
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
            tuple(self._tables[i] for i in idx),
        )

    @property
    def reference_sizes(self) -> dict[str, int]:
        """Number of reference communes with data, per indicator."""
        return {n: int(r.size) for n, r in zip(self.indicators, self.references, strict=True)}

    def transform(self, matrix: npt.ArrayLike) -> FloatArray:
        """Normalised need in ``[0, 1]`` (1 = most need), shaped like ``matrix``; NaN stays NaN."""
        arr = np.asfortranarray(_as_matrix(matrix, len(self.indicators), "Normaliser.transform"))
        out = np.empty(arr.shape, dtype=np.float64, order="F")

        def transform_one(j: int) -> None:
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
        return out


def normalise(
    values: npt.ArrayLike,
    *,
    method: str = "percentile",
    direction: str = "higher",
    reference: npt.ArrayLike | None = None,
    clip: float = 3.0,
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
    """
    _check_choice("method", "normalise", NORMALISATION_METHODS, method)
    _check_choice("direction", "normalise", DIRECTIONS, direction)
    clip = _check_clip(clip, "normalise")
    x = _as_matrix(np.ravel(np.asarray(values, dtype=np.float64)), 1, "normalise")[:, 0]
    ref_in = x if reference is None else np.ravel(np.asarray(reference, dtype=np.float64))
    norm = Normaliser.fit(
        ref_in[:, None], ("x",), directions={"x": direction}, method=method, clip=clip
    )
    return norm.transform(x[:, None])[:, 0]


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, eq=False)
class Scores:
    """Result of :func:`score_towns`; row ``i`` of every array is the ``i``-th scored commune.

    Attributes
    ----------
    need:
        ``(n, K)`` theme need scores in ``[0, 1]``, columns in ``themes`` order.
    fragility:
        ``(n,)`` fragility composite in ``[0, 1]``.
    themes:
        Theme names, the column order of ``need`` and ``coverage``.
    coverage:
        ``(n, K)`` share in ``[0, 1]`` of each theme's weight whose indicator is
        known for the commune (1 = complete data). Under ``"renormalise"``, a
        theme with coverage 0 got the :data:`NEUTRAL` fallback: flag it.
    fragility_coverage:
        ``(n,)`` the same for the fragility composite.
    normalised:
        ``(n, p)`` per-indicator normalised need (NaN where missing), for
        explaining scores; columns in ``indicators`` order.
    indicators:
        Names of the normalised indicators (those with a weight somewhere).
    method, nan_policy:
        The settings used.
    """

    need: FloatArray
    fragility: FloatArray
    themes: tuple[str, ...]
    coverage: FloatArray
    fragility_coverage: FloatArray
    normalised: FloatArray
    indicators: tuple[str, ...]
    method: str
    nan_policy: str

    def theme(self, name: str) -> FloatArray:
        """The need column of theme ``name``."""
        if name not in self.themes:
            raise _choice_error("name", "Scores.theme", self.themes, name)
        return self.need[:, self.themes.index(name)]

    @property
    def fallback(self) -> BoolArray:
        """``(n, K)`` True where a theme had no data at all (score is the neutral fallback)."""
        return self.coverage <= 0.0


def score_towns(
    matrix: npt.ArrayLike,
    indicators: Sequence[str],
    *,
    themes: Mapping[str, Mapping[str, float]] = DEFAULT_THEMES,
    fragility: Mapping[str, float] = DEFAULT_FRAGILITY,
    directions: Mapping[str, str] | None = None,
    method: str = "percentile",
    nan_policy: str = "renormalise",
    clip: float = 3.0,
    normaliser: Normaliser | None = None,
    rows: npt.ArrayLike | None = None,
) -> Scores:
    """Score communes: per-theme need and a fragility composite, all in ``[0, 1]``.

    Parameters
    ----------
    matrix:
        ``(n, p)`` raw indicator values (float, NaN = missing); extra columns
        that no theme uses are ignored.
    indicators:
        The ``p`` column names of ``matrix``.
    themes:
        Theme name -> {indicator: non-negative weight}; each theme score is the
        weighted mean of its normalised indicators.
    fragility:
        {indicator: non-negative weight} of the fragility composite.
    directions:
        Indicator -> ``"higher"``/``"lower"``; defaults to :data:`DEFAULT_DIRECTIONS`.
        Ignored when ``normaliser`` is given (it carries its own).
    method:
        Normalisation, one of :data:`NORMALISATION_METHODS`; ignored when ``normaliser`` is given.
    nan_policy:
        ``"renormalise"``: a missing indicator is dropped from that commune's
        weighted mean and the others re-weighted; a theme with no data at all
        scores :data:`NEUTRAL` (coverage 0). ``"neutral"``: a missing
        normalised value counts as :data:`NEUTRAL`. ``"raise"``: any missing
        value of a weighted indicator among the scored rows raises
        :class:`~pvd_optim.errors.InputError` naming it.
    clip:
        ``k`` of the ``robust_z`` method.
    normaliser:
        A fitted :class:`Normaliser` (reference population) to score against.
        By default one is fitted on *all* rows of ``matrix``, so scores do not
        depend on ``rows``.
    rows:
        Optional boolean mask or integer indices of the rows to score (after fitting).

    Returns
    -------
    Scores
    """
    _check_choice("nan_policy", "score_towns", NAN_POLICIES, nan_policy)
    names = tuple(indicators)
    arr = _as_matrix(matrix, len(names), "score_towns")
    known = {n: None for n in names}
    if not isinstance(themes, Mapping) or not themes:
        raise InputError(
            "The 'themes' parameter of score_towns must map at least one theme name to "
            f"{{indicator: weight}}. Got {themes!r} instead.",
            field="themes",
        )
    groups = [(str(t), validate_weights(str(t), w, known)) for t, w in themes.items()]
    frag = validate_weights("fragility", fragility, known)

    used = tuple(n for n in names if any(n in w for _, w in groups) or n in frag)
    used_cols = [names.index(n) for n in used]

    # One contiguous column per indicator (Fortran order) for sorting and searching.
    used_arr = np.asfortranarray(arr if used_cols == list(range(len(names))) else arr[:, used_cols])
    if normaliser is None:
        fitted = Normaliser.fit(used_arr, used, directions=directions, method=method, clip=clip)
    else:
        fitted = normaliser.select(used)
    norm = fitted.transform(used_arr if rows is None else used_arr[np.asarray(rows)])
    present = ~np.isnan(norm)

    all_groups = [*groups, ("fragility", frag)]

    if nan_policy == "raise":
        needed = np.array([any(w.get(n, 0.0) > 0 for _, w in all_groups) for n in used])
        lacking = (~present).sum(axis=0)
        for j in np.flatnonzero(needed & (lacking > 0)):
            where = [g for g, w in all_groups if w.get(used[j], 0.0) > 0]
            raise InputError(
                f"Indicator {used[j]!r} (used by {', '.join(where)}) is missing for "
                f"{int(lacking[j])} of {norm.shape[0]} communes; choose nan_policy="
                "'renormalise' or 'neutral', or supply the data.",
                field=used[j],
            )

    # Column-by-column updates rather than a BLAS matrix product: each town's
    # result then depends only on its own row (bit-for-bit identical whichever
    # subset is scored), and with ~30 non-zero weights it is as fast. Fortran
    # order keeps every column contiguous.
    n = norm.shape[0]
    fill = NEUTRAL if nan_policy == "neutral" else 0.0
    num = np.zeros((n, len(all_groups)), order="F")
    known_weight = np.zeros((n, len(all_groups)), order="F")
    term = np.empty(n)
    for col, indicator in enumerate(used):
        targets = [(k, w[indicator]) for k, (_, w) in enumerate(all_groups) if w.get(indicator)]
        mask = present[:, col]
        complete = bool(mask.all())
        values = norm[:, col] if complete else np.where(mask, norm[:, col], fill)
        for k, weight in targets:
            np.add(num[:, k], np.multiply(values, weight, out=term), out=num[:, k])
            if complete:  # same sum, in the same order, as adding weight * True
                known_weight[:, k] += weight
            else:
                np.add(
                    known_weight[:, k], np.multiply(mask, weight, out=term), out=known_weight[:, k]
                )
    totals = np.array([sum(w.values()) for _, w in all_groups])
    if nan_policy == "neutral":
        combined = np.divide(num, totals, out=num)
    else:
        # (np.where on these Fortran-ordered arrays was 3x slower than this.)
        combined = np.divide(
            num, known_weight, out=np.full_like(num, NEUTRAL), where=known_weight > 0
        )
    coverage = np.divide(known_weight, totals, out=known_weight)
    # Rounding in the weighted sums can overshoot [0, 1] by an ulp.
    np.clip(combined, 0.0, 1.0, out=combined)
    np.clip(coverage, 0.0, 1.0, out=coverage)

    for arr_out in (combined, coverage, norm):
        arr_out.setflags(write=False)
    k = len(groups)
    return Scores(
        need=combined[:, :k],
        fragility=combined[:, k],
        themes=tuple(t for t, _ in groups),
        coverage=coverage[:, :k],
        fragility_coverage=coverage[:, k],
        normalised=norm,
        indicators=used,
        method=fitted.method,
        nan_policy=nan_policy,
    )
