"""The scenario's ``balance.quota`` section: regional quotas of posts (balance mode ``quota``).

With ``balance.mode: quota`` the posts of each region are fixed, as whole numbers, by
an apportionment method on the balance basis (``balance.basis``); the band of
``balance.tolerance_share`` stays on funding and expert-days, and the quota replaces
it on covered towns (``docs/model.md#quota``). The figures themselves are computed in
``pvd_optim.quota_inputs``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import Frozen, PositiveWhole


class QuotaSection(Frozen):
    """How many posts are apportioned over the regions, and by which method."""

    method: Literal["hamilton", "dhondt", "sainte_lague"] = Field(
        "sainte_lague",
        description=(
            "Apportionment method of the regional quotas of posts: `hamilton` (largest "
            "remainder), `dhondt` (highest averages 1, 2, 3...) or `sainte_lague` (1, 3, 5...), "
            "on the balance basis."
        ),
    )
    posts: PositiveWhole | None = Field(
        None,
        description=(
            "Posts apportioned over the regions. Null: the posts the engineering budget pays "
            "for, floor(budget / subsidy of a post without Anah) (with co-funders, the sum of "
            "their yearly budgets), never more than all groups can use. Used with "
            "`balance.mode: quota` only."
        ),
    )


def check_quota_mode(mode: str, quota: QuotaSection) -> None:
    """A quota section written beside another mode would be silently ignored: refuse it.

    Only a section that differs from the defaults is refused: a dumped scenario writes
    every section, defaults included, and must load again.
    """
    if quota != QuotaSection.model_validate({}) and mode != "quota":
        raise ValueError(Message("balance.quota applies only with balance.mode: quota (the "
                                 "mode is {mode}); write mode: quota, or remove the quota "
                                 "section", mode=repr(mode)))


__all__ = ["QuotaSection", "check_quota_mode"]
