"""Vectorised building blocks of the allocation rules: sharing, filling, covering in order.

Pure numpy over towns; loops run only over regions and directorates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pvd_optim.inputs import FloatArray, IntArray, ModelInputs

BoolArray = NDArray[np.bool_]


def water_fill(total: FloatArray, weights: FloatArray, caps: FloatArray) -> FloatArray:
    """Share ``total[r]`` over row ``r`` proportionally to ``weights``, capped by ``caps``.

    Row-wise exact water-filling: finds ``lam[r]`` with
    ``sum_j min(lam * w[r, j], cap[r, j]) = total[r]``, so what a capped item
    cannot take goes to the others in proportion to their weights. Items with
    zero weight get nothing; if the row's positive-weight caps sum to less
    than ``total``, every such item gets its cap and the rest stays unspent.

    Parameters
    ----------
    total:
        (R,) amounts to share, one per row.
    weights, caps:
        (R, N) non-negative weights and per-item maxima.
    """
    total = np.asarray(total, dtype=np.float64)
    weights = np.where(caps > 0, weights, 0.0)
    caps = np.where(weights > 0, caps, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(weights > 0, caps / weights, np.inf)
    # lam at which each item saturates, ascending: between two thresholds the
    # shared amount is linear in lam, so the cumulative sums locate lam exactly.
    order = np.argsort(threshold, axis=1, kind="stable")
    th = np.take_along_axis(threshold, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    c = np.take_along_axis(caps, order, axis=1)
    saturated_before = np.cumsum(c, axis=1) - c
    weight_from = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    finite = np.isfinite(th)
    with np.errstate(invalid="ignore"):
        level = np.where(finite, saturated_before + np.where(finite, th, 0.0) * weight_from,
                         np.inf)
    reached = level >= total[:, None]
    j = np.argmax(reached, axis=1)
    rows = np.arange(len(total))
    remaining_weight = weight_from[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(reached[rows, j] & (remaining_weight > 0),
                       (total - saturated_before[rows, j]) / remaining_weight, np.inf)
    lam = np.maximum(lam, 0.0)
    with np.errstate(invalid="ignore"):
        amount = np.where(weights > 0, np.minimum(lam[:, None] * weights, caps), 0.0)
    return amount


def fill_in_order(total: FloatArray, caps: FloatArray, rank: FloatArray) -> FloatArray:
    """Row-wise greedy: items in ascending ``rank`` each take their cap until ``total`` is spent.

    ``total`` (R,), ``caps`` and ``rank`` (R, N). One sort and one cumulative sum.
    """
    order = np.argsort(rank, axis=1, kind="stable")
    c = np.take_along_axis(caps, order, axis=1)
    before = np.cumsum(c, axis=1) - c
    taken = np.clip(np.asarray(total, dtype=np.float64)[:, None] - before, 0.0, c)
    out = np.empty_like(taken)
    np.put_along_axis(out, order, taken, axis=1)
    return out


def greedy_by_segment(
    order: IntArray, maxima: FloatArray, segment: IntArray, budget: FloatArray
) -> FloatArray:
    """Towns in ``order`` take ``maxima`` until their segment's ``budget`` is spent.

    ``segment`` (n,) indexes ``budget`` (a directorate's capacity; a single
    segment for the national envelope). Vectorised: one stable sort by segment
    keeps the priority order inside each segment, then one cumulative sum.
    """
    seg = segment[order]
    by_segment = order[np.argsort(seg, kind="stable")]
    m = maxima[by_segment]
    seg_sorted = segment[by_segment]
    cum = np.cumsum(m)
    start = np.r_[0, np.flatnonzero(np.diff(seg_sorted)) + 1]
    offset = np.repeat(np.r_[0.0, cum][start], np.diff(np.r_[start, len(m)]))
    before = cum - m - offset
    out = np.zeros_like(maxima)
    out[by_segment] = np.clip(budget[seg_sorted] - before, 0.0, m)
    return out


def cover_in_order(inputs: ModelInputs, order: IntArray, n_posts: int) -> BoolArray:
    """Towns covered when taken in ``order`` with ``n_posts`` posts to open.

    A town opens a post when it is the 1st, (m_g+1)th, ... town of its group g in
    the order; it is covered iff that post was opened, i.e. fewer than
    ``n_posts`` posts were opened before. Towns outside ``order`` stay uncovered.
    """
    group = inputs.group_of_town[order]
    by_group = np.argsort(group, kind="stable")  # positions in ``order``, grouped
    g_sorted = group[by_group]
    start = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    run_start = np.repeat(start, np.diff(np.r_[start, len(g_sorted)]))
    rank_sorted = np.arange(len(g_sorted)) - run_start
    rank = np.empty_like(rank_sorted)
    rank[by_group] = rank_sorted
    m = inputs.towns_per_post[group]  # m_g of each town in ``order``
    opens = rank % m == 0
    opened = opens & (np.cumsum(opens) <= n_posts)
    # Each town rides on the post opened by the town of rank floor(rank / m) * m.
    m_sorted = m[by_group]
    covered_sorted = opened[by_group][run_start + (rank_sorted // m_sorted) * m_sorted]
    covered = np.zeros(inputs.n_towns, dtype=bool)
    covered[order[by_group]] = covered_sorted
    return covered


def priority_order(*keys: FloatArray) -> IntArray:
    """Town indices sorted by ``keys`` descending, first key first, ties by town order."""
    n = len(keys[0])
    return np.lexsort((np.arange(n), *(-k for k in reversed(keys)))).astype(np.int64)
