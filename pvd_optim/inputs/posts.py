"""How many posts a year's budgets pay for: the one owner of that count.

Two questions have two answers, both owned here:

* :func:`posts_paid_whatever_mix` - the most posts the budgets pay for *whatever* mix
  of posts with and without Anah they turn out to be: what a rule may open before it
  knows which groups get them (the allocation strategies), and what regional quotas
  apportion (every apportioned post must be payable, wherever it lands);
* :func:`most_posts_bound` - an upper bound on the posts any allocation can pay for:
  what a diagnosis may use to prove that coverage is out of reach.

Pooled budget: ``floor(budget / subsidy)`` for both. With co-funders, ``P`` posts of
one kind ``k`` (subsidy ``s_k``) are payable exactly when the co-funders can share
``P s_k`` within their caps per post ``c_fk`` and budgets ``B_f``, that is when
``sum_f min(P c_fk, B_f) >= P s_k`` (one commodity, one capacity per funder). The
left side over ``P`` does not grow with ``P``, so the largest such ``P`` is found by
bisection. The feasible mixes ``(P_0, P_1)`` form a convex set containing the origin,
so if both pure mixes of ``P`` posts are payable, every mix of ``P`` posts is.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.inputs.year import ModelInputs
from pvd_optim.tolerances import CHECK_RELATIVE, PAYABLE_RELATIVE, floor_whole

__all__ = ["most_posts_bound", "posts_paid_whatever_mix"]


def _kinds(inputs: ModelInputs) -> list[int]:
    """The kinds of post this year can have: without Anah, and with it if a group runs it."""
    return [0, 1] if inputs.group_anah.any() else [0]


def _payable(inputs: ModelInputs, posts: int, kind: int) -> bool:
    """Whether the co-funders can share the subsidies of ``posts`` posts of ``kind``."""
    if posts == 0:
        return True
    subsidy = inputs.post_subsidy_keur[kind] * posts
    shares = np.minimum(inputs.funder_share_cap_keur[:, kind] * posts,
                        inputs.funder_budget_keur)
    return bool(shares.sum() >= subsidy * (1 - PAYABLE_RELATIVE))


def posts_paid_whatever_mix(inputs: ModelInputs) -> int:
    """The most posts the budgets pay for whatever their mix, at most what groups can use."""
    most = int(inputs.max_posts.sum())
    if not inputs.cofunded:
        return int(min(floor_whole(inputs.engineering_budget_keur / inputs.post_cost_keur),
                       most))

    def fits(posts: int) -> bool:
        return all(_payable(inputs, posts, kind) for kind in _kinds(inputs))

    low, high = 0, most  # fits(low) always; find the largest that fits
    if fits(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def most_posts_bound(inputs: ModelInputs) -> int:
    """An upper bound on the posts the year's budgets pay for, whatever the allocation.

    Pooled: the budget over the subsidy. Co-funders: their budgets over the cheapest
    subsidy they can pay in full, and none if their shares per post reach no subsidy.
    Not capped at what groups can use (a caller compares it with its own count).
    """
    if not inputs.cofunded:
        return floor_whole(inputs.engineering_budget_keur / inputs.post_cost_keur)
    per_post = inputs.funder_share_cap_keur.sum(axis=0)  # (2,) most paid per post
    subsidy = inputs.post_subsidy_keur
    payable = [k for k in _kinds(inputs) if per_post[k] >= subsidy[k] * (1 - CHECK_RELATIVE)]
    if not payable:
        return 0
    cheapest = min(subsidy[k] for k in payable)
    return floor_whole(inputs.funder_budget_keur.sum() / cheapest) if cheapest > 0 else 10**9
