"""Percentile lookup tables: the score of every reference value and gap, searched without branches.

Per indicator, a table built at fit time holds the distinct sorted reference
values, a first-level bucket index over them and the need score of every value
and of every gap between two values; a query is a few vectorised steps of a
branch-free binary search inside its bucket.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

from pvd_optim.scoring.checks import FloatArray, IndexArray

# Up to this many distinct values (count-like indicators), np.searchsorted is
# faster than the bucketed search below: short searches with few distinct answers.
_SMALL_TABLE: Final = 256
# Buckets of the first-level lookup, per distinct value (capped).
_BUCKETS_PER_VALUE: Final = 8
_MAX_BUCKETS: Final = 1 << 17


class PercentileTable(NamedTuple):
    """Precomputed percentile lookup for one indicator (see :func:`percentile_table`)."""

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


def percentile_table(ref: FloatArray, lower: bool) -> PercentileTable:
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
    return PercentileTable(
        padded, u, member, between, origin, scale, n_buckets, bucket_start, steps
    )


def count_below(table: PercentileTable, x: FloatArray) -> IndexArray:
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


def _table_for(ref: FloatArray, lower: bool, method: str) -> PercentileTable | None:
    return percentile_table(ref, lower) if method == "percentile" and ref.size else None
