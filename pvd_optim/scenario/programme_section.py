"""The scenario's programme sections: its years, how they link, and what is already committed.

A scenario without ``years`` allocates one programme year (labelled
:data:`pvd_optim.inputs.ONE_YEAR`), exactly as before. With ``years`` it allocates a
programme of consecutive calendar years: each resource may then be one value (the
same every year) or a mapping ``year -> value`` (:data:`PER_YEAR_FIELDS` in
:mod:`pvd_optim.scenario.schema`), and the ``programme`` section says how the years
link (entry of towns, persistence of posts, discounting).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from pvd_optim.i18n.message import Message
from pvd_optim.inputs import ONE_YEAR
from pvd_optim.scenario.fields import CodeText, Days, Euros, Frozen, PositiveWhole, Share

#: Earliest and latest calendar year a scenario may name: the programme started in 2020;
#: a year outside this range is a typo, not a plan.
FIRST_CALENDAR_YEAR = 2000
LAST_CALENDAR_YEAR = 2100

#: Most model years in one scenario. Each year repeats the whole one-year model (about
#: 62,000 columns and 65,000 rows nationally): 30 years is 2 million columns.
MAX_YEARS = 30

CalendarYear = Annotated[int, Field(ge=FIRST_CALENDAR_YEAR, le=LAST_CALENDAR_YEAR)]

#: A resource given for every year alike, or year by year (keys: calendar years).
PerYearEuros = Euros | dict[CalendarYear, Euros]
PerYearDays = Days | dict[CalendarYear, Days]

#: Schema versions this pvd-optim reads: 1, one-year scenarios with a pooled engineering
#: budget (pvd-optim 0.1); 2, programme years, co-funders of a post and commitments.
SCHEMA_VERSION = 2


class YearSection(Frozen):
    """One model year: its calendar year and the fraction of it the programme runs."""

    year: CalendarYear = Field(description="The calendar year.")
    running_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        1.0,
        description=(
            "Fraction of the year the programme runs (0.25 for a programme launched on 1 "
            "October, or ending in March). The year's saturations, caps, day limit, post "
            "subsidy and coverage value are that fraction of a full year's."
        ),
    )


class ProgrammeSection(Frozen):
    """How the years of a multi-year scenario link (ignored by a one-year scenario)."""

    discount_rate_share: Share = Field(
        0.0,
        description=(
            "Yearly discount rate r: year y's benefit is weighted by (1 + r)^-(y - first year), "
            "on top of its running share."
        ),
    )
    entry: Literal["signed", "first_year"] = Field(
        "signed",
        description=(
            "`signed`: a town can be covered and supported from the calendar year of its "
            "programme convention (`pvd_signed_at` in the embedded data); `first_year`: every "
            "eligible town from the first year."
        ),
    )
    entry_year_without_date: CalendarYear | None = Field(
        None,
        description=(
            "Entry year of an eligible town without a signature date (58 programme towns, and "
            "every town outside the programme). Default: the year most programme towns signed "
            "(2021 in the embedded data)."
        ),
    )
    entry_year_by_town: dict[CodeText, CalendarYear] = Field(
        default_factory=dict, description="Entry years that replace the data's (INSEE -> year)."
    )
    persistence: Literal["horizon", "contract", "off"] = Field(
        "horizon",
        description=(
            "`horizon`: a covered town stays covered and a group's posts never decrease until "
            "the last year; `contract`: a post (and a town's coverage) started in a year lasts "
            "`contract_years` years, then may end; `off`: posts may end any year."
        ),
    )
    contract_years: PositiveWhole | None = Field(
        None, description="Length of a post's contract, in years (with persistence `contract`)."
    )

    @model_validator(mode="after")
    def _contract_has_a_length(self) -> ProgrammeSection:
        if self.persistence == "contract" and self.contract_years is None:
            raise ValueError(Message("persistence `contract` needs contract_years (e.g. 3)"))
        if self.persistence != "contract" and self.contract_years is not None:
            raise ValueError(Message("contract_years applies to persistence `contract`, not "
                                     "`{persistence}`; remove it or set persistence: contract",
                                     persistence=self.persistence))
        return self


class CommitmentsSection(Frozen):
    """What is already decided: a CSV of commitments, or an earlier run's results folder."""

    csv: Path | None = Field(
        None,
        description=(
            "CSV of commitments: columns `insee` and `year` with any of `covered` (1), "
            "`funding_eur` and `days` (with `theme`); or `group`, `year` and `posts`. "
            "Committed amounts are lower bounds of the allocation. Relative to the scenario "
            "file."
        ),
    )
    results: Path | None = Field(
        None,
        description=(
            "An earlier results folder of `pvd-optim run`: its allocation is read back, "
            "re-verified and fixed in every year before `from_year`."
        ),
    )
    from_year: CalendarYear | None = Field(
        None, description="With `results`: lock every year before this one (a scenario year)."
    )

    @model_validator(mode="after")
    def _one_source(self) -> CommitmentsSection:
        if (self.csv is None) == (self.results is None):
            raise ValueError(Message("give either `csv` (a CSV of commitments) or `results` (an "
                                     "earlier results folder), not both and not neither"))
        if self.results is not None and self.from_year is None:
            raise ValueError(Message("`results` needs `from_year`: every year before it is "
                                     "locked to the earlier allocation"))
        if self.csv is not None and self.from_year is not None:
            raise ValueError(Message("`from_year` applies to `results`; a CSV names its own "
                                     "years"))
        return self


def year_list(value: Any) -> Any:
    """``years`` as written: bare calendar years become :class:`YearSection` mappings."""
    if not isinstance(value, list | tuple):
        return value
    return [{"year": item} if isinstance(item, int) and not isinstance(item, bool) else item
            for item in value]


def check_years(years: tuple[YearSection, ...]) -> tuple[YearSection, ...]:
    """Consecutive calendar years, at least one, at most :data:`MAX_YEARS`."""
    if not years:
        raise ValueError(Message("years is empty: list at least one year, or leave years out "
                                 "for a one-year scenario"))
    if len(years) > MAX_YEARS:
        raise ValueError(Message("{count} years is more than the {limit} a scenario may have "
                                 "(each year repeats the whole model)", count=len(years),
                                 limit=MAX_YEARS))
    calendar = [item.year for item in years]
    expected = list(range(calendar[0], calendar[0] + len(calendar)))
    if calendar != expected:
        raise ValueError(Message("years must be consecutive calendar years in order, e.g. "
                                 "{example}...; got {calendar}", example=str(expected[:3]),
                                 calendar=str(calendar)))
    return years


def years_in_force(data: Mapping[str, Any]) -> tuple[int, ...] | None:
    """Calendar years a plain scenario mapping puts in force (``None`` if malformed)."""
    written = data.get("years")
    if written is None:
        return (ONE_YEAR,)
    if not isinstance(written, list | tuple):
        return None
    out = []
    for item in year_list(written):
        value = item.get("year") if isinstance(item, dict) else None
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        out.append(value)
    return tuple(out)


__all__ = ["FIRST_CALENDAR_YEAR", "LAST_CALENDAR_YEAR", "MAX_YEARS", "SCHEMA_VERSION",
           "CalendarYear", "CommitmentsSection", "PerYearDays", "PerYearEuros",
           "ProgrammeSection", "YearSection", "check_years", "year_list", "years_in_force"]
