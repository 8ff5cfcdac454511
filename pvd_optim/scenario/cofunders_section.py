"""Who co-funds a project-lead post: the subsidy rule and the co-funders' shares and budgets.

A post's subsidy is ``min(subsidy_share x its charged cost, cap)``, the cap being
``subsidy_cap_eur`` (45,000 EUR) or, for a post whose towns run a habitat
operation that Anah co-funds, ``subsidy_cap_with_anah_eur`` (55,000 EUR):
:meth:`SubsidyRule.subsidy_eur` is the one owner of that figure. Each co-funder
pays at most its ``rate_share`` of the charged cost and its ``cap_per_post_eur`` per
post, within its yearly budget; the ``residual`` funder (the State, FNADT) pays what
the others do not. Figures: ``docs/model.md#co-funders``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import Euros, Frozen, Share
from pvd_optim.scenario.programme_section import PerYearEuros

#: A co-funder's key: lower-case letters, digits and underscores (it names table columns).
COFUNDER_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


class CofunderSection(Frozen):
    """One co-funder of project-lead posts."""

    name: str = Field(description="Name shown in results (e.g. 'Banque des Territoires').")
    rate_share: Share = Field(description="At most this share of a post's charged cost.")
    cap_per_post_eur: Euros = Field(description="At most this much per post and full year.")
    budget_eur: PerYearEuros = Field(
        json_schema_extra={"minimum": 0.0},
        description="Its yearly budget for posts (one value, or year -> value; full years).")
    posts: Literal["all", "habitat_operation"] = Field(
        "all",
        description=(
            "`all` posts, or only posts whose group has a town running a habitat operation "
            "(Anah; towns from `resources.engineering.habitat_operation_csv`)."
        ),
    )
    residual: bool = Field(
        False,
        description=(
            "The funder that pays what the others do not (the State, FNADT): in the reported "
            "split, every other co-funder pays as much as its rate, cap and budget allow first, "
            "in the order listed."
        ),
    )


class SubsidyRule(Frozen):
    """The programme's rule for a post's subsidy, all co-funders together."""

    subsidy_share: Share = Field(
        0.75, description="Subsidy as a share of the post's charged annual cost (75 %).")
    subsidy_cap_eur: Euros = Field(45_000, description="Cap of a post's yearly subsidy.")
    subsidy_cap_with_anah_eur: Euros = Field(
        55_000, description="Cap of the yearly subsidy of a post Anah co-funds.")

    def subsidy_eur(self, cost_eur: float, with_anah: bool) -> float:
        """A post's yearly subsidy: min(share x charged cost, the cap of its kind)."""
        cap = self.subsidy_cap_with_anah_eur if with_anah else self.subsidy_cap_eur
        return min(self.subsidy_share * cost_eur, cap)


def check_cofunders(cofunders: dict[str, CofunderSection]) -> dict[str, CofunderSection]:
    """Keys usable as column names, at most one residual funder, at least one funder."""
    if not cofunders:
        raise ValueError(Message("cofunders is empty: list at least one co-funder, or remove "
                                 "it to use the pooled budget_eur"))
    for key in cofunders:
        if not COFUNDER_KEY.fullmatch(key):
            raise ValueError(Message("co-funder key {key} must be lower-case letters, digits "
                                     "and underscores, starting with a letter (e.g. "
                                     "banque_des_territoires)", key=repr(key)))
    residual = [key for key, funder in cofunders.items() if funder.residual]
    if len(residual) > 1:
        raise ValueError(Message("only one co-funder can be the residual one; {residual} are",
                                 residual=str(residual)))
    return cofunders


__all__ = ["COFUNDER_KEY", "CofunderSection", "SubsidyRule", "check_cofunders"]
