"""Rows of the quota families (``pvd_optim.families.quota``): balance mode ``quota``."""

from __future__ import annotations

import numpy as np

from pvd_optim.families import define_rows
from pvd_optim.families.quota import QUOTA, QUOTA_IDLE_POSTS
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import Variables


@define_rows(QUOTA)
def define_quota(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """Posts of region r (groups of majority region r) >= and <= its quota q_r.

    Two one-sided blocks rather than one equality, so that the diagnosis can let a
    region fall short of its quota (floor) or pass it (ceiling), and say which.
    """
    floor, ceiling = QUOTA.blocks
    if inputs.post_quota is None:
        for spec, sense in ((floor, ">="), (ceiling, "<=")):
            b.add_rows(spec, (0,), ("region",), [], sense=sense, rhs=0.0)
        return
    R = inputs.n_regions
    quota = inputs.post_quota.astype(np.float64)
    terms: list[Term] = [(inputs.region_of_group, v.p.indices, 1.0)]
    b.add_rows(floor, (R,), ("region",), terms, sense=">=", rhs=quota)
    b.add_rows(ceiling, (R,), ("region",), terms, sense="<=", rhs=quota)


@define_rows(QUOTA_IDLE_POSTS)
def define_quota_idle_posts(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                            ) -> None:
    """m_g p[g] - sum_{t in g} c[t] <= m_g - 1: a group's posts are ceil(covered / m_g).

    Posts carry no cost, so quotas alone would be met by posts that cover nobody.
    With the sharing rows (covered <= m_g p) an integer p is then exactly
    ceil(covered / m_g). It implies the programme's weaker ``idle_posts`` (p <= covered)
    for m_g >= 1; quota mode is for one-year scenarios, where that family has no rows.
    """
    spec = QUOTA_IDLE_POSTS.blocks[0]
    if inputs.post_quota is None:
        b.add_rows(spec, (0,), ("group",), [], sense="<=", rhs=0.0)
        return
    G, m = inputs.n_groups, inputs.towns_per_post.astype(np.float64)
    b.add_rows(spec, (G,), ("group",),
               [(np.arange(G), v.p.indices, m), (inputs.group_of_town, v.c.indices, -1.0)],
               sense="<=", rhs=m - 1.0)
