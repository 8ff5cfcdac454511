"""Regional quotas: seats apportioned by largest remainder or highest averages, then rules.

The apportionment itself (:func:`apportion`) is cross-checked against the
``apportionment`` package in the tests.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.inputs import FloatArray, IntArray, ModelInputs
from pvd_optim.results import Allocation, Problem
from pvd_optim.strategies.fill import affordable_posts, cover_in_order, priority_order, water_fill
from pvd_optim.strategies.rules import (
    PROMISES,
    as_problem,
    finish,
    share_by_directorate,
    split_themes,
    theme_weights,
    town_maxima,
)
from pvd_optim.tolerances import floor_whole

ApportionmentMethod = Literal["hamilton", "dhondt", "sainte_lague"]


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
        raise InputError(
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
        raise InputError(
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
    units = floor_whole(inputs.envelope_keur / funding_unit_keur)
    return {
        "posts": apportion(inputs.fair_share, affordable_posts(inputs), method),
        "funding_units": apportion(inputs.fair_share, units, method),
    }


def regional_quotas(problem: Problem | ModelInputs, method: ApportionmentMethod = "hamilton",
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
    problem = as_problem(problem)
    inputs = problem.one_year
    label = f"quota_{method}"
    if label not in PROMISES:
        raise InputError(
            "The 'method' parameter of regional_quotas must be one of "
            f"{{'hamilton', 'dhondt', 'sainte_lague'}}. Got {method!r} instead."
        )
    quota = quotas(inputs, method, funding_unit_keur)
    total_need = inputs.need.sum(axis=1)
    order = priority_order(total_need, inputs.fragility)
    weights = theme_weights(inputs, by_need=True)
    covered = np.zeros(inputs.n_towns, dtype=bool)
    region_in_order = inputs.region_of_town[order]
    for r in range(inputs.n_regions):
        covered |= cover_in_order(inputs, order[region_in_order == r], int(quota["posts"][r]))
    max_funding, max_days = town_maxima(inputs, covered, weights)
    funding = np.zeros(inputs.n_towns)
    for r in range(inputs.n_regions):
        mine = np.flatnonzero(inputs.region_of_town == r)
        budget = np.array([quota["funding_units"][r] * funding_unit_keur])
        funding[mine] = water_fill(budget, (total_need * covered)[None, mine],
                                   max_funding[None, mine])[0]
    # Quotas are whole units of the floored envelope: their sum never exceeds it.
    days = share_by_directorate(inputs, total_need * covered, max_days)
    f, x = split_themes(inputs, funding, days, weights, greedy=False)
    return finish(problem, label, covered, f, x)
