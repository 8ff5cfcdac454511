"""The regional quotas of posts of balance mode ``quota``: apportioned, then capped.

The number apportioned is a constant, never a model variable: ``balance.quota.posts``,
or the posts the engineering budget pays for, ``floor(budget / subsidy)``: the pooled
budget, or with co-funders the sum of their yearly budgets, over the subsidy of a post
without Anah (a post Anah co-funds costs more; where quotas are met by such posts the
budget rows say whether they are affordable). Never more posts than all groups can
use. They are apportioned over the regions on the balance basis (``fair_share``) by
:func:`pvd_optim.apportion.apportion`; a group counts in its majority region
(``ModelInputs.region_of_group``). A region whose quota exceeds what its groups can
use (``region_post_cap``) is capped there, and the run says so
(:func:`capped_regions`); the posts it cannot use are not handed to other regions,
which would change the method's result (``docs/model.md#quota``).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from pvd_optim.apportion import ApportionmentMethod, apportion
from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message, Plural
from pvd_optim.inputs import ModelInputs
from pvd_optim.inputs.posts import posts_paid_whatever_mix
from pvd_optim.scenario.schema import Scenario


def band_mode(scenario: Scenario) -> Literal["hard", "soft", "off"]:
    """The model's balance band: quota mode keeps the hard band on funding and days."""
    mode = scenario.balance.mode
    return "hard" if mode == "quota" else mode


def posts_to_apportion(scenario: Scenario, inputs: ModelInputs) -> int:
    """The posts shared by quotas: the scenario's figure, or those the budgets pay for.

    The budgets' count holds whatever mix of posts with and without Anah the quotas
    lead to (:func:`pvd_optim.inputs.posts.posts_paid_whatever_mix`): every apportioned
    post must be payable wherever it lands.

    A figure over what all groups can use is an error rather than silently lowered.
    """
    given = scenario.balance.quota.posts
    most = int(inputs.max_posts.sum())
    if given is not None:
        if given > most:
            raise ScenarioError(Message(
                "{given:,} posts to apportion, but all groups together can use at most {most:,} "
                "(ceil(towns of the group / towns per post), summed); lower it to {most:,} or "
                "less", given=given, most=most), **scenario.located("balance.quota.posts"))
        return given
    return posts_paid_whatever_mix(inputs)


def with_post_quota(scenario: Scenario, inputs: ModelInputs) -> ModelInputs:
    """``inputs`` with the quotas of posts of ``balance.mode: quota`` (unchanged otherwise)."""
    balance = scenario.balance
    if balance.mode != "quota":
        return inputs
    if scenario.years is not None and len(scenario.years) > 1:
        raise ScenarioError(Message(
            "balance.mode: quota applies to one-year scenarios: quotas of posts are fixed for "
            "one year's budget; remove `years`, or use balance.mode: hard"),
            **scenario.located("balance.mode"))
    return with_quota_of(inputs, posts_to_apportion(scenario, inputs), balance.quota.method)


def with_quota_of(inputs: ModelInputs, posts: int, method: ApportionmentMethod) -> ModelInputs:
    """``inputs`` with ``posts`` apportioned over its regions by ``method``, then capped.

    The basis is ``inputs.fair_share`` (the balance basis); each region's quota is
    capped at what its groups can use (``region_post_cap``).
    """
    apportioned = apportion(inputs.fair_share, posts, method)
    return dataclasses.replace(
        inputs, post_quota=np.minimum(apportioned, inputs.region_post_cap),
        post_quota_apportioned=apportioned, quota_method=method, quota_posts=posts)


def capped_regions(inputs: ModelInputs) -> list[Message]:
    """One planner sentence per region whose quota was capped at what its groups can use."""
    if inputs.post_quota is None or inputs.post_quota_apportioned is None:
        return []
    out = []
    for r in np.flatnonzero(inputs.post_quota_apportioned > inputs.post_quota):
        apportioned, cap = int(inputs.post_quota_apportioned[r]), int(inputs.post_quota[r])
        spare = apportioned - cap
        out.append(Message(
            "{region}'s quota of {apportioned:,} posts is capped at {cap:,}: its groups can use "
            "no more ({spare})", region=inputs.region_names[r], apportioned=apportioned,
            cap=cap, spare=Plural("{count:,} post of the quota goes to no other region",
                                  "{count:,} posts of the quota go to no other region", spare)))
    return out


__all__ = ["band_mode", "capped_regions", "posts_to_apportion", "with_post_quota",
           "with_quota_of"]
