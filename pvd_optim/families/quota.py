"""The families of balance mode ``quota``: regional quotas of posts, and no idle post.

With ``balance.mode: quota`` the posts of each region (a group counted in its majority
region) are fixed by apportionment (``pvd_optim.quota_inputs``, ``docs/model.md#quota``):
family ``quota``. Posts carry no cost in the objective, so without family
``quota_idle_posts`` a quota could be met by posts that serve nobody. Without quotas
neither family adds a row: every other scenario builds the model it always did.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, Plural
from pvd_optim.inputs import ModelInputs
from pvd_optim.tolerances import RELAXATION_NOISE, ceil_whole


def _posts(count: int) -> Plural:
    return Plural("{count:,} post", "{count:,} posts", count)


def _cap_words(inputs: ModelInputs, r: int) -> Message:
    """What a region's groups can use, and whether its quota was capped there."""
    cap = int(inputs.region_post_cap[r])
    apportioned = inputs.post_quota_apportioned
    if apportioned is not None and apportioned[r] > cap:
        return Message("its groups can use {cap}, its apportioned {apportioned}",
                       cap=_posts(cap), apportioned=_posts(int(apportioned[r])))
    return Message("its groups can use {cap}", cap=_posts(cap))


def quota_fix(ctx: FixContext) -> Fix | None:
    """Word the regions whose quota bent: short of it (floor) or over it (ceiling)."""
    inputs = ctx.inputs
    quota = inputs.post_quota
    if quota is None:
        return None
    short = np.asarray(ctx.slack["quota_floor"], dtype=np.float64).ravel()
    over = np.asarray(ctx.slack["quota_ceiling"], dtype=np.float64).ravel()
    parts: list[Message] = []
    for r in np.flatnonzero(short > RELAXATION_NOISE):
        reachable = int(quota[r] - ceil_whole(short[r]))
        parts.append(Message(
            "{region}'s quota of {quota} cannot be met: at most {reachable} there fit the "
            "budget and the other rules ({caps})", region=inputs.region_names[r],
            quota=_posts(int(quota[r])), reachable=_posts(reachable),
            caps=_cap_words(inputs, int(r))))
    for r in np.flatnonzero(over > RELAXATION_NOISE):
        needed = int(quota[r] + ceil_whole(over[r]))
        parts.append(Message(
            "{region} needs at least {needed}, over its quota of {quota}, to meet the coverage "
            "and the other rules", region=inputs.region_names[r], needed=_posts(needed),
            quota=_posts(int(quota[r]))))
    if not parts:
        return None
    fewer = int(ceil_whole(short.sum()))
    more = int(ceil_whole(over.sum()))
    now = inputs.quota_posts
    needed_posts = max(1, now - fewer + more)
    if needed_posts == now:  # some regions short, as many over: the split itself is at fault
        change = Message("apportion the {now:,} posts on another basis or method", now=now)
    elif needed_posts < now:
        change = Message("lower the posts apportioned (balance.quota.posts, now {now:,}) "
                         "towards {needed:,} and re-apportion", now=now, needed=needed_posts)
    else:
        change = Message("raise the posts apportioned (balance.quota.posts, now {now:,}) "
                         "towards {needed:,} and re-apportion", now=now, needed=needed_posts)
    return Fix("quota", "balance.quota.posts", float(now), float(needed_posts),
               Message("{first}; {change}, or switch balance.mode to hard", first=parts[0],
                       change=change), tuple(parts[1:]))


def _quota_active(inputs: ModelInputs) -> bool:
    return inputs.post_quota is not None


def _quota_names(inputs: ModelInputs, region: int) -> dict[str, str]:
    """The binding quota's placeholders (its rows exist only when the scenario has quotas)."""
    quota = inputs.post_quota
    assert quota is not None, "quota rows are built only with a quota (_quota_active)"
    return {"region": inputs.region_names[region], "quota": str(int(quota[region]))}


QUOTA = Family(
    "quota", N_("regional quotas of posts"),
    "the posts of each region, a group's posts counted in its majority region, equal the "
    "region's quota: the posts apportioned on the balance basis by the scenario's method, "
    "capped at what the region's groups can use", "posts", "target",
    (RowBlock("quota_floor", "posts of a region >= its quota"),
     RowBlock("quota_ceiling", "posts of a region <= its quota",
              binding=N_("quota of posts of {region} ({quota})"),
              names=lambda inputs, r: _quota_names(inputs, r))),
    Elastic(("quota_floor", "quota_ceiling"), quota_fix),
    meaning=N_("the region's posts are fixed by its quota: it can have neither one more post "
               "nor one fewer, whatever its towns' needs"),
    active=_quota_active)

QUOTA_IDLE_POSTS = Family(
    "quota_idle_posts", N_("no idle post under quotas"),
    "with regional quotas of posts, every post of a group serves towns: m_g x posts - covered "
    "towns of the group <= m_g - 1 (its posts are ceil(covered / m_g))", "towns", "structure",
    (RowBlock("quota_idle_posts", "m_g x posts - covered towns of the group <= m_g - 1"),),
    active=_quota_active)

#: The quota families, in the order their rows appear in the model.
QUOTA_FAMILIES: tuple[Family, ...] = (QUOTA, QUOTA_IDLE_POSTS)
