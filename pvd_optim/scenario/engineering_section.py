"""The scenario's engineering section: project-lead posts, their subsidy and who pays it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.cofunders_section import CofunderSection, SubsidyRule, check_cofunders
from pvd_optim.scenario.fields import Frozen, PositiveEuros, Share
from pvd_optim.scenario.programme_section import PerYearEuros
from pvd_optim.scenario.towns_per_post import (
    GROUP_SIZE,
    LARGEST_GROUPED_CANDIDACY,
    IntArray,
    TownsCount,
    TownsPerPost,
    towns_per_post_of,
)

#: JSON Schema of a per-year amount: its bound stated once, for the single value and for
#: each year's value alike (``minimum`` applies to numbers only).
PER_YEAR_SCHEMA: dict[str, Any] = {"minimum": 0.0}


#: The pooled budget and subsidy of a scenario that gives neither (nor co-funders): about
#: 900 posts x 45,000 EUR, the programme's figures (docs/model.md#defaults).
DEFAULT_POOLED_BUDGET_EUR = 40_500_000.0
DEFAULT_SUBSIDY_PER_POST_EUR = 45_000.0


class EngineeringSection(Frozen):
    """Co-funded project-lead posts: who pays for them, and how towns share them.

    Two ways to say who pays. **Co-funders** (schema version 2): a post's charged cost
    (``cost_per_post_eur``), the subsidy rule (75 % of the cost, at most 45,000 EUR, or
    55,000 EUR with Anah) and each co-funder's rate, cap per post and yearly budget.
    **A pooled budget** (version 1, still read): ``budget_eur``, all co-funders' budgets
    together, and ``subsidy_per_post_eur``, the subsidy itself (or, with
    ``cost_per_post_eur``, the subsidy rule gives it). ``budget_eur`` and
    ``subsidy_per_post_eur`` cannot be given beside ``cofunders``.
    """

    budget_eur: PerYearEuros | None = Field(
        None, json_schema_extra=PER_YEAR_SCHEMA,
        description=(
            "Pooled engineering budget E of the year (one value, or year -> value): all "
            "co-funders' budgets together. Without co-funders, null means 40,500,000 EUR "
            "(about 900 posts x 45,000 EUR). Replaced by `cofunders` (their budgets); not "
            "given with them."
        ),
    )
    subsidy_per_post_eur: PositiveEuros | None = Field(
        None,
        description=(
            "Yearly subsidy per post, as a figure (null: 45,000 EUR, the 75 % co-funding "
            "cap). Replaced by `cost_per_post_eur` and the subsidy rule: min(75 % x cost, "
            "45,000 EUR); not given with it."
        ),
    )
    cost_per_post_eur: PositiveEuros | None = Field(
        None,
        description=(
            "A post's charged annual cost; its subsidy is then min(subsidy_share x cost, "
            "subsidy_cap_eur) (subsidy_cap_with_anah_eur with Anah), and the local share, "
            "cost - subsidy (at least 25 %), is reported."
        ),
    )
    subsidy: SubsidyRule = Field(
        default_factory=SubsidyRule,  # type: ignore[arg-type]
        description="The programme's subsidy rule (75 % of the cost, 45,000 / 55,000 EUR caps).",
    )
    cofunders: dict[str, CofunderSection] | None = Field(
        None,
        description=(
            "The co-funders of a post (key -> rate, cap per post, yearly budget), in the order "
            "they pay; replaces budget_eur. Requires cost_per_post_eur."
        ),
    )
    habitat_operation_csv: Path | None = Field(
        None,
        description=(
            "CSV of towns running a habitat operation (columns `insee`, `habitat_operation` "
            "1 or 0): the posts of their groups may be co-funded by Anah (55,000 EUR cap). "
            "None embedded: without it no post is. Relative to the scenario file."
        ),
    )
    towns_per_post: TownsPerPost = Field(
        3,
        description=(
            "At most this many towns share one post (m), the same for every group; or "
            "`group_size`: a group's own number of towns, capped at towns_per_post_cap "
            "(m_g = min(|g|, cap))."
        ),
    )
    towns_per_post_cap: TownsCount | None = Field(
        None,
        description=(
            "With towns_per_post: group_size, the most towns one post serves (null: "
            f"{LARGEST_GROUPED_CANDIDACY}, the programme's largest grouped candidacy)."
        ),
    )
    grouping: Literal["intercommunality", "candidacy"] = Field(
        "intercommunality",
        description=(
            "Towns that may share a post: the same intercommunality, or the same official 2021 "
            "grouped candidacy (a town without one forms its own group)."
        ),
    )
    cover_min_share: Share = Field(
        0.9, description="Minimum share of eligible towns covered by a project lead."
    )

    @field_validator("cofunders")
    @classmethod
    def _funders(cls, value: dict[str, CofunderSection] | None
                 ) -> dict[str, CofunderSection] | None:
        return None if value is None else check_cofunders(value)

    @field_validator("towns_per_post_cap")
    @classmethod
    def _cap_only_with_group_size(cls, value: int | None, info: ValidationInfo) -> int | None:
        # towns_per_post is declared before the cap, so it is validated first (absent from
        # info.data when it was wrong: that error is then the one reported).
        limit = info.data.get("towns_per_post", GROUP_SIZE)
        if value is not None and limit != GROUP_SIZE:
            raise ValueError(Message(
                "applies only with towns_per_post: group_size (towns_per_post is {limit}, "
                "already one limit for every group); remove it or write towns_per_post: "
                "group_size", limit=str(limit)))
        return value

    def towns_per_post_of(self, group_size: IntArray) -> IntArray:
        """(G,) m_g, the most towns one post of each group serves, from its size ``|g|``.

        The one owner of the rule: a flat limit, or the group's own size capped.
        """
        return towns_per_post_of(self.towns_per_post, self.towns_per_post_cap, group_size)

    @model_validator(mode="after")
    def _one_owner_of_the_subsidy(self) -> EngineeringSection:
        if self.cofunders is not None:
            if self.budget_eur is not None:
                raise ValueError(Message(
                    "budget_eur (a pooled budget) cannot be given with cofunders: their budgets "
                    "replace it (resources.engineering.cofunders.<key>.budget_eur)"))
            if self.cost_per_post_eur is None:
                raise ValueError(Message("cofunders need cost_per_post_eur, a post's charged "
                                         "annual cost: each co-funder's rate applies to it"))
        if self.subsidy_per_post_eur is not None and self.cost_per_post_eur is not None:
            raise ValueError(Message("subsidy_per_post_eur is replaced by cost_per_post_eur and "
                                     "the subsidy rule (min(75 % x cost, 45,000 EUR)); give only "
                                     "cost_per_post_eur"))
        return self

    @property
    def cofunded(self) -> bool:
        """Whether co-funders (rather than a pooled budget) pay for posts."""
        return self.cofunders is not None

    @property
    def pooled_budget_eur(self) -> float | dict[int, float]:
        """The pooled budget (its default when not given); 0 with co-funders."""
        if self.cofunders is not None:
            return 0.0
        return DEFAULT_POOLED_BUDGET_EUR if self.budget_eur is None else self.budget_eur

    def subsidy_eur(self, with_anah: bool = False) -> float:
        """A post's yearly subsidy (full year): the rule's, or the pooled budget's figure."""
        if self.cost_per_post_eur is None:
            return (DEFAULT_SUBSIDY_PER_POST_EUR if self.subsidy_per_post_eur is None
                    else self.subsidy_per_post_eur)
        return self.subsidy.subsidy_eur(self.cost_per_post_eur, with_anah)
