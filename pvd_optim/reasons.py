"""Why an eligible town got no project lead, read from the solution alone (no re-solve).

Each uncovered town is put in the first category that applies, in this order:

1. ``region_at_band_top``: hard regional balance, and its region already has as
   many covered towns as its band allows (the upper edge holds within tolerance);
2. ``region_quota_used``: regional quotas of posts (balance mode ``quota``), covering
   it needs one more post in its group, and its group's majority region already has
   the posts of its quota;
3. ``no_post_left``: covering it needs one more post (its group has no post, or
   its group's posts already serve ``m_g`` towns each, its own limit) and the
   engineering budget cannot pay for one more;
4. ``less_valuable``: a post or a free slot was available, and the model still
   preferred other uses: covering this town (its fragility-weighted coverage value
   and the funding its cap and needs can absorb) brought less than what it would
   have displaced. Its fragility's rank among the covered towns is given.

These are necessary readings of the optimum, not a counterfactual re-solve: the
town page's "cost of covering it" (a re-solve) measures the last category. In a
programme of several years, the towns are those without a project lead in its last
year, read on that year (with balance over the horizon, the first category is not
read: no year has a band of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from pvd_optim.check import band_limits
from pvd_optim.i18n import N_
from pvd_optim.tolerances import allowed_excess

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

Reason = Literal["region_at_band_top", "region_quota_used", "no_post_left", "less_valuable"]

#: Planner wording of each reason (English source; translated in the catalogues).
REASON_WORDS: dict[str, str] = {
    "region_at_band_top": N_("its region already has the most covered towns the regional "
                             "balance allows"),
    "region_quota_used": N_("covering it needs one more post, and its region already has "
                            "the posts of its quota"),
    "no_post_left": N_("covering it needs one more post, and the engineering budget pays for "
                       "no more"),
    "less_valuable": N_("a post was available, but covering it would have brought less than "
                        "what it displaced"),
}


@dataclass(frozen=True)
class Uncovered:
    """One uncovered town and the reason read from the solution."""

    insee: str
    name: str
    region: str
    reason: Reason
    fragility: float
    fragility_rank_share: float  # share of covered towns less fragile than this one


def uncovered_towns(a: Allocation) -> list[Uncovered]:
    """Every eligible town without a project lead (in the last year), with its reason."""
    inp, arr = a.years_inputs[-1], a.years_arrays[-1]
    covered = arr.covered > 0.5
    if covered.all():
        return []
    at_top = np.zeros(inp.n_regions, dtype=bool)
    per_year_band = len(a.years_inputs) == 1 or a.full_programme.balance_scope == "year"
    # Quota mode has no band on covered towns (docs/model.md#quota).
    if inp.balance_mode == "hard" and per_year_band and inp.post_quota is None:
        _, high = band_limits(inp, arr)
        used = arr.used_by_region(inp)[2]
        at_top = used >= high[2] - allowed_excess(high[2])
    posts = inp.posts_needed(arr.covered)
    covered_in_group = np.bincount(inp.group_of_town, weights=arr.covered,
                                   minlength=inp.n_groups)
    group_full = covered_in_group >= posts * inp.towns_per_post - 0.5
    quota_used = np.zeros(inp.n_groups, dtype=bool)  # the group's region has its quota
    if inp.post_quota is not None:
        quota_used = (inp.posts_by_region(posts) >= inp.post_quota - 0.5)[inp.region_of_group]
    # With co-funders, what their budgets have left, all together.
    budget = float(inp.funder_budget_keur.sum()) if inp.cofunded else inp.engineering_budget_keur
    spent = (float((inp.subsidy_of_group * posts).sum()) if inp.group_anah.any()
             else posts.sum() * inp.post_cost_keur)
    budget_left = budget - spent
    no_post_affordable = budget_left < inp.post_cost_keur - float(allowed_excess(budget))
    covered_fragility = np.sort(inp.fragility[covered])
    out = []
    for t in np.flatnonzero(~covered):
        region = int(inp.region_of_town[t])
        reason: Reason
        if at_top[region]:
            reason = "region_at_band_top"
        elif quota_used[inp.group_of_town[t]] and group_full[inp.group_of_town[t]]:
            reason = "region_quota_used"
        elif no_post_affordable and group_full[inp.group_of_town[t]]:
            reason = "no_post_left"
        else:
            reason = "less_valuable"
        below = np.searchsorted(covered_fragility, inp.fragility[t], side="left")
        out.append(Uncovered(
            inp.town_codes[t], inp.town_names[t], inp.region_names[region], reason,
            float(inp.fragility[t]),
            float(below / len(covered_fragility)) if len(covered_fragility) else 0.0))
    return out
