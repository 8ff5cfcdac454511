"""Regional quotas: seats apportioned by largest remainder or highest averages, then rules.

The apportionment itself is :func:`pvd_optim.apportion.apportion`, the one owner of
the methods (the model's quota mode uses it too), cross-checked against the
``apportionment`` package in the tests.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.apportion import ApportionmentMethod, apportion
from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import IntArray, ModelInputs
from pvd_optim.inputs.posts import posts_paid_whatever_mix
from pvd_optim.results import Allocation, Problem
from pvd_optim.strategies.fill import cover_in_order, priority_order, water_fill
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

__all__ = ["ApportionmentMethod", "apportion", "quotas", "regional_quotas"]


def quotas(inputs: ModelInputs, method: ApportionmentMethod,
           funding_unit_keur: float = 1.0) -> dict[str, IntArray]:
    """Regional quotas of posts and of funding units (``funding_unit_keur`` each).

    Both are apportioned by ``inputs.fair_share``: posts out of the affordable
    posts, funding units out of ``floor(envelope / unit)``.
    """
    units = floor_whole(inputs.envelope_keur / funding_unit_keur)
    return {
        "posts": apportion(inputs.fair_share, posts_paid_whatever_mix(inputs), method),
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
        raise InputError(Message(
            "The 'method' parameter of regional_quotas must be one of {methods}. Got {method} "
            "instead.", methods="{'hamilton', 'dhondt', 'sainte_lague'}", method=repr(method)))
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
