"""Percentile lookup tables: the score of every reference value and gap, searched without branches.

Per indicator, a table built at fit time holds the distinct sorted reference
values, a first-level bucket index over them and the need score of every value
and of every gap between two values, interleaved: with ``l`` distinct values
below a query, the query scores ``scores[2 l + 1]`` if it equals the next value
and ``scores[2 l]`` otherwise. A query is a few vectorised steps of a
branch-free binary search inside its bucket. A column scored against itself
(:func:`own_percentiles`, the national fit) needs only the member scores.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

from pvd_optim.scoring.checks import FloatArray, IndexArray

# Buckets of the first-level lookup, per distinct value, capped: measured on all
# communes, larger indexes (2^16-2^17 entries, 0.5-1 MB each) cost more in fresh
# memory pages at every fit than the one or two search steps they save. Below the
# cap, 32 per value (not 8) leaves at most one value per bucket on the counts of
# monuments and brownfields: a direct lookup instead of two search steps.
_BUCKETS_PER_VALUE: Final = 32
_MAX_BUCKETS: Final = 1 << 14
# From this many search steps on, also try buckets on the square root of
# (x - min), kept when they need fewer steps: skewed indicators (surfaces,
# populations) crowd the first linear buckets (10 steps on brownfield surfaces,
# 4 on square roots). One square root costs a fraction of one step.
_TRY_SQRT_FROM_STEPS: Final = 3


class PercentileTable(NamedTuple):
    """Precomputed percentile lookup for one indicator (see :func:`percentile_table`)."""

    padded: FloatArray  # distinct sorted values, then +inf padding for the search
    size: int  # number of distinct values
    scores: FloatArray  # [2 i]: i distinct values below, none equal; [2 i + 1]: equal to the i-th
    origin: float  # bucket of x: clip(f(x - origin) * scale, 0, n_buckets - 1), truncated
    scale: float
    n_buckets: int
    sqrt: bool  # f is the square root (of max(x - origin, 0)), else the identity
    bucket_start: IndexArray  # distinct values in buckets before b (n_buckets + 1 entries)
    bucket_value: FloatArray  # padded[bucket_start[b]]: the first value at or after bucket b
    steps: int  # binary-search steps inside the fullest bucket


def _bucket(x: FloatArray, origin: float, scale: float, n_buckets: int, sqrt: bool
            ) -> IndexArray:
    # Each operation is correctly rounded hence monotone (IEEE 754 subtraction,
    # multiplication and square root), so the bucket is monotone in x: all values
    # of earlier buckets are < x, of later ones > x. fmin/fmax send NaN to the
    # last bucket (the linear path) or the first (the square root path) without a
    # cast warning; once in [0, n_buckets - 1] truncation is the floor. Overflow (a
    # query far outside the reference) gives +-inf, which the clipping handles.
    if n_buckets == 1:
        return np.zeros(x.shape, dtype=np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        t = np.subtract(x, origin)
        if sqrt:
            np.fmax(t, 0.0, out=t)
            np.sqrt(t, out=t)
        np.multiply(t, scale, out=t)
    np.fmin(t, n_buckets - 1, out=t)
    if not sqrt:
        np.fmax(t, 0.0, out=t)
    return t.astype(np.intp)


def _bucket_index(values: FloatArray, sqrt: bool) -> tuple[float, int, IndexArray, int]:
    """Scale, bucket count, bucket starts and search steps of an index over distinct values.

    The steps are those of a binary search that finds any position inside the
    fullest bucket.
    """
    u = values.size
    n_buckets = min(_BUCKETS_PER_VALUE * u, _MAX_BUCKETS)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        span = values[-1] - values[0]
        scale = float(np.divide(n_buckets, np.sqrt(span) if sqrt else span))
    if not 0 < scale < np.inf:  # span overflows or underflows: one bucket
        return 0.0, 1, np.array([0, u], dtype=np.intp), u.bit_length()
    bucket_start = np.zeros(n_buckets + 1, dtype=np.intp)
    per_bucket = np.bincount(_bucket(values, float(values[0]), scale, n_buckets, sqrt),
                             minlength=n_buckets)
    np.cumsum(per_bucket, out=bucket_start[1:])
    return scale, n_buckets, bucket_start, int(per_bucket.max()).bit_length()


def _distinct_starts(ref: FloatArray) -> IndexArray:
    """Where each run of equal values starts in the sorted ``ref``: the ``<`` count of each."""
    new_value = np.not_equal(ref[1:], ref[:-1])
    starts = np.empty(int(np.count_nonzero(new_value)) + 1, dtype=np.intp)
    starts[0] = 0
    np.add(np.flatnonzero(new_value), 1, out=starts[1:])
    return starts


def _rank_terms(starts: IndexArray, m: int) -> tuple[FloatArray, float, float]:
    """The ``<`` count of every distinct value then ``m``, and the score's shift and denominator."""
    below = np.append(starts, m).astype(np.float64)
    return below, (1.0 if m > 1 else 0.0), (2.0 * (m - 1) if m > 1 else 2.0)


def _member_scores(starts: IndexArray, m: int, lower: bool) -> FloatArray:
    """The need score of each distinct value: ``(rank - 1) / (m - 1)``, average rank for ties."""
    below, shift, denom = _rank_terms(starts, m)
    member = np.clip((below[:-1] + below[1:] - shift) / denom, 0.0, 1.0)
    return 1.0 - member if lower else member


def _gap_scores(starts: IndexArray, m: int, lower: bool) -> FloatArray:
    """The need score of a value in each gap: below the first distinct value, between, above."""
    below, shift, denom = _rank_terms(starts, m)
    between = np.array([0.0, 1.0]) if m == 1 else np.clip((2.0 * below - shift) / denom, 0.0, 1.0)
    return 1.0 - between if lower else between


def _bucket_choice(values: FloatArray) -> tuple[float, int, bool, IndexArray, int]:
    """Scale, bucket count, square root or not, bucket starts and search steps over values."""
    if values.size == 1:
        return 0.0, 1, False, np.array([0, 1], dtype=np.intp), 1
    scale, n_buckets, bucket_start, steps = _bucket_index(values, sqrt=False)
    if steps >= _TRY_SQRT_FROM_STEPS:
        root = _bucket_index(values, sqrt=True)
        if root[3] < steps:
            return root[0], root[1], True, root[2], root[3]
    return scale, n_buckets, False, bucket_start, steps


def percentile_table(ref: FloatArray, lower: bool) -> PercentileTable:
    """Scores of every distinct reference value, and of every gap between them.

    ``ref`` is the sorted, non-empty reference without NaN. With ``left``/``right``
    the number of reference values ``<`` / ``<=`` x, the score is
    ``(left + right - 1) / (2 (m - 1))``: for a reference member that is
    ``(rank - 1) / (m - 1)`` with the average rank among ties (a constant column
    gives 0.5); a value between two reference values falls halfway between their
    ranks; outside the reference it clips to 0 or 1. With a single reference
    value: below 0, equal 0.5, above 1.
    """
    starts = _distinct_starts(ref)
    values = ref[starts]
    member, between = _member_scores(starts, ref.size, lower), _gap_scores(starts, ref.size, lower)
    u = values.size
    scores = np.empty(2 * u + 1)
    scores[0::2] = between
    scores[1::2] = member
    scale, n_buckets, sqrt, bucket_start, steps = _bucket_choice(values)
    padded = np.full(u + (1 << steps), np.inf)
    padded[:u] = values
    bucket_value = padded[bucket_start[:-1]]
    for array in (padded, scores, bucket_start, bucket_value):
        array.setflags(write=False)
    return PercentileTable(padded, u, scores, float(values[0]), scale, n_buckets, sqrt,
                           bucket_start, bucket_value, steps)


def percentile_scores(table: PercentileTable, x: FloatArray) -> FloatArray:
    """The need score of each ``x`` against the table's reference (NaN queries: anything).

    A first-level bucket lookup (arithmetic) narrows each query to a few
    candidates, then a branch-free binary search runs on all queries at once:
    on real indicators 1-4 vectorised steps instead of ``log2(size)`` per query,
    several times faster than ``np.searchsorted`` on unsorted queries, whose
    per-query branches mispredict (even on tables of a few dozen values).
    """
    bucket = _bucket(x, table.origin, table.scale, table.n_buckets, table.sqrt)
    start = table.bucket_start.take(bucket)
    if table.steps == 1:
        # At most one value v per bucket (the common case): v's bucket is x's, so
        # v < x gives one more value below and v == x the member score, read from
        # the bucket's first value without a second lookup.
        first = table.bucket_value.take(bucket)
        below = np.less(first, x).view(np.uint8)
        below += np.less_equal(first, x).view(np.uint8)
        code = np.add(start, start)
        code += below
        return table.scores.take(code)
    idx = _search(table.padded, table.steps, start, x)
    hit = np.equal(table.padded.take(idx), x)
    code = np.add(idx, idx)
    code += hit
    return table.scores.take(code)


def _search(padded: FloatArray, steps: int, idx: IndexArray, x: FloatArray) -> IndexArray:
    """From each bucket's first index, in place: the first padded value ``>= x`` in the bucket."""
    found = np.empty(x.shape)
    hit = np.empty(x.shape, dtype=bool)
    probe = np.empty(x.shape, dtype=np.intp)
    step = steps - 1
    while step >= 0:
        # padded[2^step - 1:] is a view: taking idx from it reads padded[idx + 2^step - 1]
        # (in range thanks to the padding, so mode="clip" clips nothing and skips a copy).
        np.take(padded[(1 << step) - 1:], idx, out=found, mode="clip")
        np.less(found, x, out=hit)
        np.copyto(probe, hit)
        np.left_shift(probe, step, out=probe)
        idx += probe
        step -= 1
    return idx


def own_percentiles(x: FloatArray, lower: bool, out: FloatArray) -> None:
    """Into ``out``: the percentile need of each ``x`` against the non-missing ``x`` themselves.

    The same floats as ``percentile_scores(percentile_table(ref, lower), x)`` with
    ``ref`` the sorted non-missing ``x``, NaN where ``x`` is NaN, at a fraction of
    the cost when a reference is scored against itself (the national fit): every
    query is a member, so it scores ``member[l]`` for its ``l`` distinct values
    below, never a gap. Where no bucket holds two values (most indicators) ``l``
    follows from the query's bucket alone, otherwise from the bucket search.
    (Measured slower on the national table: reading ``l`` off the rows' sorted
    places, as ``np.argsort`` of floats or ``np.sort`` of 64-bit keys holding the
    row index cost several times ``np.sort``; and counting values per bucket
    instead of sorting, which only pays on a few indicators.)
    """
    missing = np.isnan(x)
    n_missing = int(np.count_nonzero(missing))
    if n_missing == x.size:
        out.fill(np.nan)
        return
    ref = np.sort(x)[: x.size - n_missing]  # NaN sorts last
    starts = _distinct_starts(ref)
    values = ref[starts]
    member = _member_scores(starts, ref.size, lower)
    scale, n_buckets, sqrt, bucket_start, steps = _bucket_choice(values)
    bucket = _bucket(x, float(values[0]), scale, n_buckets, sqrt)
    if steps == 1:
        # Each member's bucket holds its value alone: score by bucket. Empty buckets
        # (clipped to the last value) are only reached by NaN queries, reset below.
        by_bucket = member.take(bucket_start[:-1], mode="clip")
        np.take(by_bucket, bucket, out=out, mode="clip")
    else:
        padded = np.full(values.size + (1 << steps), np.inf)
        padded[: values.size] = values
        # NaN queries search too (and stop anywhere in their bucket): reset below.
        idx = _search(padded, steps, bucket_start.take(bucket), x)
        np.take(member, idx, out=out, mode="clip")
    if n_missing:
        out[missing] = np.nan
