"""Allocation rules to compare: the optimum and simple baselines a planner might use.

Every rule is a function ``(inputs: ModelInputs, **params) -> Allocation``; all
return the same verified :class:`~pvd_optim.results.Allocation`, labelled with
the rule's name, so that ``pvd_optim.analysis`` can measure them side by side.

The heuristics share one skeleton (vectorised numpy, loops only over regions
and directorates):

1. **Coverage.** Towns are taken one by one in the rule's priority order; a
   town is covered when its group already has a post with a free slot (a post
   serves up to ``m`` towns) or when one more post is still affordable. Once
   the engineering budget is spent, later towns are covered only if they fill a
   free slot. Posts per group are then reported as ``ceil(covered / m)``.
2. **Funding per town.** The envelope is shared over covered towns (equally, pro
   rata, or neediest first) with a per-town maximum: the town's cap, and never
   more than its themes can absorb below saturation. Whatever a capped town
   cannot take is redistributed to the others ("water-filling").
3. **Days per town.** Each Cerema directorate's capacity is shared over the
   covered towns it serves the same way, with ``X_town`` and the theme
   saturations as per-town maxima.
4. **Themes.** A town's amount is split over its themes proportionally to need
   (equally for ``equal_split``; neediest theme first for ``greedy_by_need``),
   capped by saturation, leftovers redistributed over the other themes.

So every heuristic respects, by construction, the families in
:data:`COMMON_FAMILIES` and promises exactly those (see :data:`PROMISES`). Demand
rules (minimum spend and coverage, town floors), theme floors and regional
balance are not guaranteed by any simple rule: they are not checked, and
``pvd_optim.analysis.constraint_violations`` reports how far each rule misses
them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pvd_optim.check import ALL_FAMILIES, AllocationArrays, check_allocation, objective_parts
from pvd_optim.inputs import FloatArray, IntArray, ModelInputs
from pvd_optim.results import Allocation

ApportionmentMethod = Literal["hamilton", "dhondt", "sainte_lague"]
BoolArray = NDArray[np.bool_]

#: Families every rule here respects by construction.
COMMON_FAMILIES: tuple[str, ...] = (
    "bounds",
    "integrality",
    "envelope",
    "capacity",
    "engineering_budget",
    "sharing",
    "lead",
)

#: The constraint families each strategy promises (and is checked on).
PROMISES: dict[str, tuple[str, ...]] = {
    "optimum": ALL_FAMILIES,
    "equal_split": COMMON_FAMILIES,
    "pro_rata_population": COMMON_FAMILIES,
    "pro_rata_need": COMMON_FAMILIES,
    "greedy_by_need": COMMON_FAMILIES,
    "quota_hamilton": COMMON_FAMILIES,
    "quota_dhondt": COMMON_FAMILIES,
    "quota_sainte_lague": COMMON_FAMILIES,
}

#: Status of an allocation produced by a rule rather than by the solver.
HEURISTIC = "heuristic"


# ---- the optimum --------------------------------------------------------------------------


def optimum(
    inputs: ModelInputs,
    solver: Literal["highs", "cbc"] = "highs",
    mip_gap: float = 1e-4,
    time_limit_s: float = 600.0,
) -> Allocation:
    """The model's optimum (no shadow prices), checked on every constraint family.

    Raises
    ------
    InfeasibleError
        No allocation meets every constraint (run ``pvd-optim run`` for the diagnosis).
    SolverError
        The solver stopped before finding an allocation, or failed.
    VerificationError
        The checker rejected the solver's allocation (a bug).
    """
    from pvd_optim.model import SolverOptions
    from pvd_optim.pipeline import solve_inputs

    options = SolverOptions(name=solver, mip_gap=mip_gap, time_limit_s=time_limit_s)
    return solve_inputs(inputs, options).allocation


# ---- vectorised building blocks ------------------------------------------------------------


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

    A town opens a post when it is the 1st, (m+1)th, ... town of its group in
    the order; it is covered iff that post was opened, i.e. fewer than
    ``n_posts`` posts were opened before. Towns outside ``order`` stay uncovered.
    """
    m = inputs.towns_per_post
    group = inputs.group_of_town[order]
    by_group = np.argsort(group, kind="stable")  # positions in ``order``, grouped
    g_sorted = group[by_group]
    start = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    run_start = np.repeat(start, np.diff(np.r_[start, len(g_sorted)]))
    rank_sorted = np.arange(len(g_sorted)) - run_start
    rank = np.empty_like(rank_sorted)
    rank[by_group] = rank_sorted
    opens = rank % m == 0
    opened = opens & (np.cumsum(opens) <= n_posts)
    # Each town rides on the post opened by the town of rank floor(rank / m) * m.
    covered_sorted = opened[by_group][run_start + (rank_sorted // m) * m]
    covered = np.zeros(inputs.n_towns, dtype=bool)
    covered[order[by_group]] = covered_sorted
    return covered


def affordable_posts(inputs: ModelInputs) -> int:
    """Posts the engineering budget pays for (never more than all groups can use)."""
    budget_posts = math.floor(inputs.engineering_budget_keur / inputs.post_cost_keur + 1e-9)
    return int(min(budget_posts, int(inputs.max_posts.sum())))


def priority_order(*keys: FloatArray) -> IntArray:
    """Town indices sorted by ``keys`` descending, first key first, ties by town order."""
    n = len(keys[0])
    return np.lexsort((np.arange(n), *(-k for k in reversed(keys)))).astype(np.int64)


def _theme_weights(inputs: ModelInputs, by_need: bool) -> FloatArray:
    """(n, K) theme weights: need (a town with no need anywhere: equal), or equal."""
    if not by_need:
        return np.ones_like(inputs.need)
    none = inputs.need.sum(axis=1) <= 0
    return np.where(none[:, None], 1.0, inputs.need)


def _town_maxima(inputs: ModelInputs, covered: BoolArray, weights: FloatArray
                 ) -> tuple[FloatArray, FloatArray]:
    """Most funding and days a town can take: its caps, and what its themes absorb.

    Only themes with positive weight receive anything, so only their
    saturations count; uncovered towns take nothing (no project lead).
    """
    absorbs = weights > 0
    funding = np.minimum(inputs.cap_keur, (absorbs * inputs.saturation_keur).sum(axis=1))
    days = np.minimum(inputs.max_days_per_town, (absorbs * inputs.saturation_days).sum(axis=1))
    return funding * covered, days * covered


def _share_by_directorate(inputs: ModelInputs, weights: FloatArray, maxima: FloatArray
                          ) -> FloatArray:
    """Each directorate's capacity shared over its towns by weight (water-filling)."""
    days = np.zeros(inputs.n_towns)
    for d in range(inputs.n_directorates):
        mine = np.flatnonzero(inputs.directorate_of_town == d)
        if mine.size:
            days[mine] = water_fill(inputs.capacity_days[d:d + 1], weights[None, mine],
                                    maxima[None, mine])[0]
    return days


def _split_themes(inputs: ModelInputs, funding: FloatArray, days: FloatArray,
                  weights: FloatArray, greedy: bool) -> tuple[FloatArray, FloatArray]:
    """Split each town's funding and days over themes, capped by saturation."""
    uf = np.broadcast_to(inputs.saturation_keur, weights.shape)
    ux = np.broadcast_to(inputs.saturation_days, weights.shape)
    if greedy:
        # Neediest theme first; themes with zero weight never receive anything.
        rank = -weights
        return (fill_in_order(funding, np.where(weights > 0, uf, 0.0), rank),
                fill_in_order(days, np.where(weights > 0, ux, 0.0), rank))
    return water_fill(funding, weights, uf), water_fill(days, weights, ux)


def _finish(inputs: ModelInputs, label: str, covered: BoolArray, funding_keur: FloatArray,
            days: FloatArray) -> Allocation:
    """Posts from coverage, objective recomputed, promised families checked."""
    covered_f = covered.astype(np.float64)
    per_group = np.bincount(inputs.group_of_town, weights=covered_f, minlength=inputs.n_groups)
    posts = np.ceil(per_group / inputs.towns_per_post - 1e-9)
    arrays = AllocationArrays(funding_keur=funding_keur, days=days, covered=covered_f,
                              posts=posts)
    report = check_allocation(inputs, arrays, PROMISES[label])
    report.raise_if_violated(f"{label} allocation")
    parts = objective_parts(inputs, arrays)
    return Allocation(label=label, scenario_name="", inputs=inputs, arrays=arrays,
                      status=HEURISTIC, objective=parts["total"], objective_parts=parts,
                      check=report)


def _pro_rata(inputs: ModelInputs, label: str, covered: BoolArray, town_weight: FloatArray,
              by_need: bool) -> Allocation:
    """Envelope and capacities shared over covered towns by ``town_weight``."""
    weights = _theme_weights(inputs, by_need)
    max_funding, max_days = _town_maxima(inputs, covered, weights)
    town_weight = town_weight * covered
    funding = water_fill(np.array([inputs.envelope_keur]), town_weight[None, :],
                         max_funding[None, :])[0]
    days = _share_by_directorate(inputs, town_weight, max_days)
    f, x = _split_themes(inputs, funding, days, weights, greedy=False)
    return _finish(inputs, label, covered, f, x)


# ---- baseline rules ------------------------------------------------------------------------


def equal_split(inputs: ModelInputs) -> Allocation:
    """Every covered town gets the same funding and days, spread equally over themes.

    Coverage: most fragile towns first (the programme's own selection
    criterion). Funding: the envelope in equal parts, a town capped below the
    equal part leaving the rest to the others; days likewise per directorate.
    No targeting by need at all: the baseline that shows what targeting buys.
    """
    covered = cover_in_order(inputs, priority_order(inputs.fragility), affordable_posts(inputs))
    return _pro_rata(inputs, "equal_split", covered, np.ones(inputs.n_towns), by_need=False)


def pro_rata_population(inputs: ModelInputs) -> Allocation:
    """Funding and days pro rata population; most populous towns covered first.

    Themes split by need. A per-inhabitant rule, as many grant schemes use.
    """
    covered = cover_in_order(inputs, priority_order(inputs.population, inputs.fragility),
                             affordable_posts(inputs))
    return _pro_rata(inputs, "pro_rata_population", covered, inputs.population, by_need=True)


def pro_rata_need(inputs: ModelInputs) -> Allocation:
    """Funding and days pro rata a town's total need; neediest towns covered first.

    Themes split by need; ties in need broken by fragility.
    """
    total_need = inputs.need.sum(axis=1)
    covered = cover_in_order(inputs, priority_order(total_need, inputs.fragility),
                             affordable_posts(inputs))
    return _pro_rata(inputs, "pro_rata_need", covered, total_need, by_need=True)


def greedy_by_need(inputs: ModelInputs) -> Allocation:
    """Neediest towns first, each funded to its maximum, until resources run out.

    Towns in order of mean need (ties: fragility): covered while posts last,
    then each covered town in that order takes all it can absorb (its cap, its
    themes' saturation) until the envelope is spent, and likewise for each
    directorate's days. Within a town, its neediest theme is filled first.
    """
    order = priority_order(inputs.need.mean(axis=1), inputs.fragility)
    covered = cover_in_order(inputs, order, affordable_posts(inputs))
    weights = _theme_weights(inputs, by_need=True)
    max_funding, max_days = _town_maxima(inputs, covered, weights)
    funding = greedy_by_segment(order, max_funding, np.zeros(inputs.n_towns, dtype=np.int64),
                                np.array([inputs.envelope_keur]))
    days = greedy_by_segment(order, max_days, inputs.directorate_of_town, inputs.capacity_days)
    f, x = _split_themes(inputs, funding, days, weights, greedy=True)
    return _finish(inputs, "greedy_by_need", covered, f, x)


# ---- regional quotas -----------------------------------------------------------------------


def apportion(votes: FloatArray, seats: int, method: ApportionmentMethod) -> IntArray:
    """Apportion ``seats`` over parties with ``votes`` (non-negative, not all zero).

    ``hamilton``: largest remainder (Hare quota); ``dhondt``: highest averages
    with divisors 1, 2, 3...; ``sainte_lague``: divisors 1, 3, 5... Ties go to
    the party listed first. Divisor methods look only at a window of
    ``2R + 6`` candidate seats around each party's exact quota ``q``: with
    divisors ``j + c`` (``c`` in [0.5, 1]) a party's result lies within
    ``q +- (R + 1)``, so the window holds every seat that can change hands and
    the cost does not grow with ``seats`` (funding units run to tens of thousands).
    """
    votes = np.asarray(votes, dtype=np.float64)
    if seats < 0 or votes.ndim != 1 or (votes < 0).any() or votes.sum() <= 0:
        raise ValueError(
            "The 'votes' and 'seats' parameters of apportion must be non-negative weights "
            f"(not all zero) and a non-negative seat count. Got {votes!r}, {seats} instead."
        )
    n = len(votes)
    index = np.arange(n)
    # Same arithmetic as the textbook (and the `apportionment` package): equal
    # inputs give bit-identical quotas, so ties are recognised as ties.
    quota = (votes * seats) / np.sum(votes)
    if method == "hamilton":
        counts = np.trunc(quota).astype(np.int64)
        left = seats - int(counts.sum())
        remainder = quota - counts
        counts[np.lexsort((index, -remainder))[:left]] += 1
        return counts
    if method == "dhondt":
        def divisor(j: IntArray) -> IntArray:
            return j + 1
    elif method == "sainte_lague":
        def divisor(j: IntArray) -> IntArray:
            return 2 * j + 1
    else:
        raise ValueError(
            "The 'method' parameter of apportion must be one of "
            f"{{'hamilton', 'dhondt', 'sainte_lague'}}. Got {method!r} instead."
        )
    width = 2 * n + 6
    base = np.maximum(0, np.floor(quota).astype(np.int64) - (n + 2))
    base = np.where(votes > 0, base, 0)
    j = base[:, None] + np.arange(width)[None, :]
    averages = votes[:, None] / divisor(j)
    averages[votes == 0] = -np.inf  # no seat without votes
    left = seats - int(base.sum())
    flat = np.lexsort((np.repeat(index, width), -averages.ravel()))[:left]
    return base + np.bincount(flat // width, minlength=n).astype(np.int64)


def quotas(inputs: ModelInputs, method: ApportionmentMethod,
           funding_unit_keur: float = 1.0) -> dict[str, IntArray]:
    """Regional quotas of posts and of funding units (``funding_unit_keur`` each).

    Both are apportioned by ``inputs.fair_share``: posts out of the affordable
    posts, funding units out of ``floor(envelope / unit)``.
    """
    units = math.floor(inputs.envelope_keur / funding_unit_keur + 1e-9)
    return {
        "posts": apportion(inputs.fair_share, affordable_posts(inputs), method),
        "funding_units": apportion(inputs.fair_share, units, method),
    }


def regional_quotas(inputs: ModelInputs, method: ApportionmentMethod = "hamilton",
                    funding_unit_keur: float = 1.0) -> Allocation:
    """Posts and funding apportioned over regions by fair share, then by need inside each.

    Each region's post quota covers its towns in order of total need (ties:
    fragility); a group spread over two regions opens posts on each side, so
    it never uses more posts than the quotas. Each region's funding quota
    (``funding_unit_keur`` units) is shared over its covered towns pro rata
    need; a quota a region cannot absorb stays unspent (a quota is a ceiling).
    Days: each directorate's capacity pro rata need, as in ``pro_rata_need``.
    Labelled ``quota_<method>``.
    """
    label = f"quota_{method}"
    if label not in PROMISES:
        raise ValueError(
            "The 'method' parameter of regional_quotas must be one of "
            f"{{'hamilton', 'dhondt', 'sainte_lague'}}. Got {method!r} instead."
        )
    quota = quotas(inputs, method, funding_unit_keur)
    total_need = inputs.need.sum(axis=1)
    order = priority_order(total_need, inputs.fragility)
    weights = _theme_weights(inputs, by_need=True)
    covered = np.zeros(inputs.n_towns, dtype=bool)
    region_in_order = inputs.region_of_town[order]
    for r in range(inputs.n_regions):
        covered |= cover_in_order(inputs, order[region_in_order == r], int(quota["posts"][r]))
    max_funding, max_days = _town_maxima(inputs, covered, weights)
    funding = np.zeros(inputs.n_towns)
    for r in range(inputs.n_regions):
        mine = np.flatnonzero(inputs.region_of_town == r)
        budget = np.array([quota["funding_units"][r] * funding_unit_keur])
        funding[mine] = water_fill(budget, (total_need * covered)[None, mine],
                                   max_funding[None, mine])[0]
    # Quotas are whole units of the floored envelope: their sum never exceeds it.
    days = _share_by_directorate(inputs, total_need * covered, max_days)
    f, x = _split_themes(inputs, funding, days, weights, greedy=False)
    return _finish(inputs, label, covered, f, x)


# ---- registry ------------------------------------------------------------------------------

#: Every strategy by name, each callable with the inputs alone.
STRATEGIES: dict[str, Callable[[ModelInputs], Allocation]] = {
    "optimum": optimum,
    "equal_split": equal_split,
    "pro_rata_population": pro_rata_population,
    "pro_rata_need": pro_rata_need,
    "greedy_by_need": greedy_by_need,
    "quota_hamilton": partial(regional_quotas, method="hamilton"),
    "quota_dhondt": partial(regional_quotas, method="dhondt"),
    "quota_sainte_lague": partial(regional_quotas, method="sainte_lague"),
}


def run_strategies(inputs: ModelInputs, names: Sequence[str] | None = None
                   ) -> list[Allocation]:
    """Run the named strategies (all, in registry order, by default) on ``inputs``."""
    chosen = list(STRATEGIES) if names is None else list(names)
    unknown = [name for name in chosen if name not in STRATEGIES]
    if unknown:
        raise ValueError(
            f"The 'names' parameter of run_strategies must list strategies among "
            f"{sorted(STRATEGIES)}. Got unknown {unknown} instead."
        )
    return [STRATEGIES[name](inputs) for name in chosen]
