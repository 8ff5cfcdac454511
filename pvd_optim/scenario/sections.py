"""The scenario's sections other than ``themes``: data, eligibility, resources, balance,
benefit, solver and analysis.

Money is in euros (fields end in ``_eur``; the model layer converts to k EUR), shares
are fractions in [0, 1] (``_share``), expert time is in days (``_days``).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.engineering_section import PER_YEAR_SCHEMA, EngineeringSection
from pvd_optim.scenario.fields import (
    MAX_BENEFIT_SEGMENTS,
    MAX_SOLVER_THREADS,
    MAX_TIME_LIMIT_S,
    CodeText,
    Days,
    Euros,
    Frozen,
    NonNegative,
    Penalty,
    Positive,
    PositiveWhole,
    Share,
    Slope,
    Whole,
    check_insee_codes,
)
from pvd_optim.scenario.fields import _real as real_number
from pvd_optim.scenario.prefects_section import PrefectsSection
from pvd_optim.scenario.programme_section import CalendarYear, PerYearDays, PerYearEuros
from pvd_optim.scenario.quota_section import QuotaSection, check_quota_mode

#: A cap over the horizon in full years of a theme's saturation: at least one year (a
#: smaller cap would bind within a single year, which the yearly saturation already caps).
HorizonYears = Annotated[float, Field(ge=1.0, allow_inf_nan=False), BeforeValidator(real_number)]


class DataSection(Frozen):
    """Where town indicators come from."""

    planner_indicators: tuple[Path, ...] = Field(
        default=(),
        description=(
            "CSV files keyed by INSEE code (column `insee`) that add or override indicator "
            "columns of the embedded table. Relative paths are resolved against the scenario file."
        ),
    )
    imputation: Literal["none", "department_median"] = Field(
        default="none",
        description=(
            "How missing indicator values are filled before scoring: `none` leaves them to the "
            "scoring NaN policy; `department_median` fills them with the department (then region, "
            "then national) median and flags each filled cell."
        ),
    )


class RulesSection(Frozen):
    """Parameters of the rule-based eligibility (the programme's 2019 criteria)."""

    max_population: Whole = Field(20_000, gt=0, description="Towns must have fewer inhabitants.")
    min_population: Whole = Field(0, ge=0, description="Towns must have at least this many.")
    excluded_epci_types: tuple[Literal["CC", "CA", "CU", "METRO", "MET69"], ...] = Field(
        ("METRO", "CU", "MET69"),
        description="Intercommunality types that mark large urban poles, excluded.",
    )
    exclude_acv: bool = Field(True, description="Exclude Action Cœur de Ville towns.")
    top_n_in_epci: PositiveWhole | None = Field(
        5,
        description=(
            "Centrality: a town must be among the N most populous communes of its "
            "intercommunality (null disables)."
        ),
    )
    min_facility_types: Whole = Field(
        4, ge=0, description="Centrality: at least this many kinds of everyday facility."
    )
    require_secondary_school: bool = Field(
        True, description="Centrality: at least one collège or lycée."
    )
    min_services_per_1000: NonNegative = Field(
        2.5, description="Centrality: at least this many facilities per 1,000 inhabitants."
    )
    fragility_threshold: Share = Field(
        0.35, description="Towns must have a fragility index at or above this value."
    )

    @model_validator(mode="after")
    def _population_range(self) -> RulesSection:
        if self.min_population >= self.max_population:
            raise ValueError(Message(
                "min_population ({minimum:,}) must be below max_population ({maximum:,}): no "
                "town can satisfy both", minimum=self.min_population,
                maximum=self.max_population))
        return self


class EligibilitySection(Frozen):
    """Which towns compete for the resources."""

    mode: Literal["official", "rules", "all", "listed"] = Field(
        "official",
        description=(
            "`official`: the 1,646 programme towns; `rules`: the programme's criteria computed "
            "from the data; `all`: every commune of the 18 regions (a what-if); `listed`: "
            "exactly the towns in `include`."
        ),
    )
    rules: RulesSection = Field(
        default_factory=RulesSection,  # type: ignore[arg-type]
        description="Criteria of mode `rules` (the programme's 2019 criteria).",
    )
    include: tuple[str, ...] = Field((), description="INSEE codes added to the eligible set.")
    exclude: tuple[str, ...] = Field((), description="INSEE codes removed from the eligible set.")

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _codes_are_text(cls, value: Any, info: Any) -> Any:
        return check_insee_codes(f"eligibility.{info.field_name}", value)

    @model_validator(mode="after")
    def _lists_agree(self) -> EligibilitySection:
        both = sorted(set(self.include) & set(self.exclude))
        if both:
            raise ValueError(Message(
                "INSEE code(s) {codes} are both in include and in exclude; keep each code in one "
                "list only", codes=str(both[:5])))
        if self.mode == "listed" and not self.include:
            raise ValueError(Message(
                "mode `listed` makes exactly the towns of `include` eligible, but include is "
                "empty; list INSEE codes in eligibility.include or choose another mode"))
        return self


class FundingSection(Frozen):
    """Banque des Territoires funding for engineering and studies (each programme year)."""

    envelope_eur: PerYearEuros = Field(
        25_800_000, json_schema_extra=PER_YEAR_SCHEMA,
        description=(
            "Funding envelope F for the year (one value, or year -> value in a scenario with "
            "`years`; a partly run year's envelope is its own). Default: 85 M EUR studies + "
            "70 M EUR technical assistance over 6 years."
        ),
    )
    cap_per_town_eur: Euros = Field(300_000, description="Absolute cap per town (cap_abs).")
    cap_per_inhabitant_eur: Euros = Field(
        60, description="Cap per inhabitant; a town's cap is the smaller of the two."
    )
    saturation_per_theme_eur: Euros | dict[str, Euros] = Field(
        40_000,
        description=(
            "Amount per town and theme beyond which funding brings no more benefit (uf); one "
            "value for all themes or a mapping theme -> value."
        ),
    )
    min_per_covered_town_eur: Euros = Field(
        0,
        description="Minimum funding of each town with a project lead (f_min), capped by its cap.",
    )
    spend_min_share: Share = Field(
        0.95, description="Minimum share of the envelope that must be committed."
    )
    spend_min_scope: Literal["year", "horizon"] = Field(
        "year",
        description=(
            "`year`: the minimum share of each year's envelope is spent that year; `horizon`: "
            "of the whole horizon's envelope over the horizon (scenarios with `years`)."
        ),
    )
    carry_over_share: Share = Field(
        0.0,
        description=(
            "Unspent funding a year may carry into the next, at most this share of the "
            "year's envelope (0: none). Scenarios with `years`."
        ),
    )
    horizon_saturation_years: HorizonYears | None = Field(
        None,
        description=(
            "Cap on funding to a town and theme over the whole horizon, in full years of the "
            "theme's saturation (e.g. 3: at most 3 x 40,000 EUR over the years); null: none."
        ),
    )
    prefects: PrefectsSection | None = Field(
        None,
        description=(
            "Part of the envelope held by the prefects per département, with its floor and "
            "ceiling (docs/model.md#prefects-envelopes); null: none."
        ),
    )


class ExpertiseSection(Frozen):
    """Cerema expert-days, limited per territorial directorate."""

    capacity_days: PerYearDays = Field(
        20_000, json_schema_extra=PER_YEAR_SCHEMA,
        description=(
            "Total expert-days for individual missions in the year (one value, or year -> "
            "value), split over directorates pro rata eligible towns unless "
            "`capacity_days_by_directorate` is given."
        ),
    )
    capacity_days_by_directorate: dict[str, Days] | None = Field(
        None,
        description=(
            "Explicit capacity per directorate name (overrides the split); in a scenario with "
            "`years`, each year's (scaled by its running share)."
        ),
    )
    directorate_by_department: dict[CodeText, str] = Field(
        default_factory=dict,
        description="Overrides of the embedded department -> directorate map (code -> name).",
    )
    saturation_per_theme_days: Days | dict[str, Days] = Field(
        10, description="Days per town and theme beyond which expertise brings no benefit (ux)."
    )
    max_days_per_town: Days = Field(40, description="At most this many days per town.")
    horizon_saturation_years: HorizonYears | None = Field(
        None,
        description=(
            "Cap on expert-days to a town and theme over the whole horizon, in full years of "
            "the theme's saturation; null: none."
        ),
    )


class ResourcesSection(Frozen):
    """The three scarce resources."""

    funding: FundingSection = Field(
        default_factory=FundingSection,  # type: ignore[arg-type]
        description="Banque des Territoires funding for engineering and studies.",
    )
    expertise: ExpertiseSection = Field(
        default_factory=ExpertiseSection,  # type: ignore[arg-type]
        description="Cerema expert-days, limited per territorial directorate.",
    )
    engineering: EngineeringSection = Field(
        default_factory=EngineeringSection,  # type: ignore[arg-type]
        description="Co-funded project-lead posts.",
    )


class PenaltiesSection(Frozen):
    """Soft-balance penalties, in objective units per unit of deviation over the fair share."""

    funding_per_keur: Penalty = Field(1.0, description="lambda_f: per k EUR outside the band.")
    days: Penalty = Field(
        1.0, description="lambda_x, as a multiple of an expert-day's value, per day outside."
    )
    towns: Penalty = Field(
        1.0, description="lambda_c, as a multiple of a covered town's value, per town outside."
    )


class BalanceSection(Frozen):
    """Regional balance: each region's use of each resource stays near its fair share."""

    basis: Literal["towns", "population", "need"] = Field(
        "towns", description="Fair share proportional to eligible towns, population or total need."
    )
    tolerance_share: Share = Field(0.15, description="Relative band delta around the fair share.")
    mode: Literal["hard", "soft", "off", "quota"] = Field(
        "hard", description=(
            "`hard` constraints, `soft` penalised slacks, `off`, or `quota`: each region's "
            "posts fixed by apportionment (`balance.quota`), the hard band kept on funding "
            "and days and replaced by the quota on covered towns."
        ),
    )
    scope: Literal["year", "horizon"] = Field(
        "year",
        description=(
            "`year`: each year balanced on its own, fair shares over the towns that have "
            "joined by then; `horizon`: the sums over the years balanced once (scenarios with "
            "`years`)."
        ),
    )
    penalties: PenaltiesSection = Field(
        default_factory=PenaltiesSection,  # type: ignore[arg-type]
        description="Penalties of mode `soft`, per unit outside the band.",
    )
    quota: QuotaSection = Field(
        default_factory=QuotaSection,  # type: ignore[arg-type]
        description="Regional quotas of posts of mode `quota` (method, posts apportioned).",
    )

    @model_validator(mode="after")
    def _quota_only_in_quota_mode(self) -> BalanceSection:
        check_quota_mode(self.mode, self.quota)
        return self


class BenefitSection(Frozen):
    """The concave benefit curve and the euro-equivalent values of non-money resources."""

    segment_widths_share: tuple[Positive, ...] = Field(
        (0.25, 0.25, 0.5), max_length=MAX_BENEFIT_SEGMENTS,
        description="Widths of the curve's segments, fractions summing to 1.",
    )
    slopes: tuple[Slope, ...] = Field(
        (1.0, 0.6, 0.3), max_length=MAX_BENEFIT_SEGMENTS,
        description="Marginal benefit of each segment, strictly decreasing.",
    )
    value_per_day_eur: Euros = Field(1_000, description="v_day: EUR per expert-day.")
    value_per_covered_town_eur: Euros = Field(
        60_000, description="v_cover: EUR per town-year covered by a project lead."
    )

    @model_validator(mode="after")
    def _curve_is_concave(self) -> BenefitSection:
        widths, slopes = self.segment_widths_share, self.slopes
        if len(widths) != len(slopes):
            raise ValueError(Message(
                "segment_widths_share has {widths} values but slopes has {slopes}: give one slope "
                "per segment", widths=len(widths), slopes=len(slopes)))
        if not math.isclose(sum(widths), 1.0, abs_tol=1e-9):
            raise ValueError(Message("segment_widths_share must sum to 1, got {total:g}",
                                     total=sum(widths)))
        if any(b >= a for a, b in itertools.pairwise(slopes)):
            raise ValueError(Message("slopes must be strictly decreasing, got {slopes}",
                                     slopes=str(list(slopes))))
        return self


#: HiGHS options chosen by measurement on this model (benchmarks/README.md).
MEASURED_HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_root_reduced_cost": False,
}


class SolverSection(Frozen):
    """Which solver and how hard it tries."""

    name: Literal["highs", "cbc"] = Field("highs", description="HiGHS in memory, or CBC via PuLP.")
    time_limit_s: Positive = Field(
        600, le=MAX_TIME_LIMIT_S, description="Wall-clock limit per solve, seconds."
    )
    mip_gap: Share = Field(1e-4, description="Relative MIP gap at which a solve counts as optimal.")
    threads: Whole = Field(
        1,
        ge=1,
        le=MAX_SOLVER_THREADS,
        description=(
            "Solver threads, at most 64 (fewer are used if the machine has fewer cores). 2 "
            "threads gave no gain on the national MIP here; HiGHS keeps the thread count of "
            "the first solve in a process."
        ),
    )
    relax_integers: bool = Field(
        False, description="Solve the LP relaxation (posts and coverage fractional), labelled so."
    )
    highs_options: dict[str, bool | int | float | str] = Field(
        default_factory=lambda: dict(MEASURED_HIGHS_OPTIONS),
        description=(
            "Extra HiGHS options (name -> value), applied after the ones above. The default "
            "turns off root reduced-cost heuristics, measured to cost most of the MIP time on "
            "this model (benchmarks/README.md)."
        ),
    )


class AnalysisSection(Frozen):
    """Explanations computed after the main solve (each costs extra solves)."""

    shadow_prices: bool = Field(True, description="Duals of the envelope and capacities.")
    price_of_balance: bool = Field(
        True, description="Objective gained if the balance tolerance widened by 0.05 (re-solve)."
    )
    price_of_quota: bool = Field(
        True,
        description=(
            "With balance.mode: quota, the objective lost against the hard band on covered "
            "towns instead of the quotas of posts (re-solve)."
        ),
    )
    value_of_one_more_post: bool = Field(
        True,
        description=(
            "Objective gained with one more post's subsidy in the pooled budget, or in each "
            "co-funder's budget in turn, every year from `budget_value_from_year` on "
            "(re-solves)."
        ),
    )
    budget_value_from_year: CalendarYear | None = Field(
        None,
        description=(
            "First year of the extra post's subsidy in the re-solves above; null: the first "
            "year not locked by commitments."
        ),
    )
