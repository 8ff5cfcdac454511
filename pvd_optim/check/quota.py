"""Checks of the quota families (``pvd_optim.families.quota``), from their definition."""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector
from pvd_optim.families import verify
from pvd_optim.families.quota import QUOTA, QUOTA_IDLE_POSTS
from pvd_optim.inputs import AllocationArrays, ModelInputs


def _majority_region(inputs: ModelInputs) -> np.ndarray:
    """(G,) the region holding most of each group's towns (ties: the first region).

    Counted here from the towns themselves, not read from ``region_of_group``.
    """
    region = np.empty(inputs.n_groups, dtype=np.int64)
    for g in range(inputs.n_groups):
        towns = inputs.region_of_town[inputs.group_of_town == g]
        counts = np.bincount(towns, minlength=inputs.n_regions)
        region[g] = int(np.flatnonzero(counts == counts.max())[0])
    return region


@verify(QUOTA)
def check_quota(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Each region's posts (its majority groups') equal its quota, and the quota is capped."""
    quota = inputs.post_quota
    if quota is None:
        return
    region = _majority_region(inputs)
    labels = list(inputs.region_names)
    posts = np.array([a.posts[region == r].sum() for r in range(inputs.n_regions)])
    out.check(labels, posts, ">=", quota.astype(np.float64))
    out.check(labels, posts, "<=", quota.astype(np.float64))
    usable = np.array([inputs.max_posts[region == r].sum() for r in range(inputs.n_regions)])
    out.check([f"{name}/cap" for name in labels], quota.astype(np.float64), "<=",
              usable.astype(np.float64))


@verify(QUOTA_IDLE_POSTS)
def check_quota_idle_posts(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Under quotas, no idle post: a group's posts are at most ceil(covered / m_g)."""
    if inputs.post_quota is None:
        return
    covered = np.array([a.covered[inputs.group_of_town == g].sum()
                        for g in range(inputs.n_groups)])
    m = inputs.towns_per_post.astype(np.float64)
    out.check(list(inputs.group_labels), m * a.posts - covered, "<=", m - 1.0)
