"""The scenario schema: every knob a planner can turn, validated once, then frozen.

Money is in euros in scenario files (fields end in ``_eur``); the model layer
converts to k EUR internally. Shares are fractions in [0, 1] (``_share``),
expert time is in days (``_days``). Defaults are the programme's published
figures where one exists and documented assumptions elsewhere (see
``docs`` in the README and ``../shared/design/model.md``).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from pvd_optim.codes import INSEE_CODE
from pvd_optim.themes import DEFAULT_FRAGILITY, DEFAULT_THEMES

#: Above these, an amount is a typo (extra zeros), not a plan: the whole programme is
#: about 1 bn EUR and 100,000 expert-days over six years.
MAX_PLAUSIBLE_EUR = 1e11
MAX_PLAUSIBLE_DAYS = 1e7



def _plausible_eur(value: float) -> float:
    if value > MAX_PLAUSIBLE_EUR:
        raise ValueError(
            f"{value:,.0f} EUR is more than {MAX_PLAUSIBLE_EUR:,.0f} EUR: probably a typo "
            "(extra zeros?); amounts are in euros"
        )
    return value


def _plausible_days(value: float) -> float:
    if value > MAX_PLAUSIBLE_DAYS:
        raise ValueError(
            f"{value:,.0f} days is more than {MAX_PLAUSIBLE_DAYS:,.0f} expert-days: probably a "
            "typo (extra zeros?)"
        )
    return value


Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Euros = Annotated[float, Field(ge=0.0, allow_inf_nan=False), AfterValidator(_plausible_eur)]
PositiveEuros = Annotated[float, Field(gt=0.0, allow_inf_nan=False),
                          AfterValidator(_plausible_eur)]
Days = Annotated[float, Field(ge=0.0, allow_inf_nan=False), AfterValidator(_plausible_days)]


def _check_insee_codes(label: str, value: Any) -> Any:
    """Reject unquoted (numeric), malformed and repeated INSEE codes with a precise hint."""
    if not isinstance(value, list | tuple):
        return value  # the type check reports it
    seen: set[str] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str):
            raise ValueError(
                f"INSEE code {item!r} must be quoted text, e.g. ['01033', '2A004']: unquoted, "
                "YAML reads a code as a number and loses its leading zero"
            )
        if not INSEE_CODE.fullmatch(item):
            raise ValueError(
                f"malformed INSEE code {item!r}: expected 5 characters, digits or 2A/2B then "
                "3 digits (e.g. '01033', '2A004')"
            )
        if item in seen:
            raise ValueError(f"INSEE code {item!r} is listed twice in {label}; keep one")
        seen.add(item)
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class DataSection(_Frozen):
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


class RulesSection(_Frozen):
    """Parameters of the rule-based eligibility (the programme's 2019 criteria)."""

    max_population: int = Field(20_000, gt=0, description="Towns must have fewer inhabitants.")
    min_population: int = Field(0, ge=0, description="Towns must have at least this many.")
    excluded_epci_types: tuple[Literal["CC", "CA", "CU", "METRO", "MET69"], ...] = Field(
        ("METRO", "CU", "MET69"),
        description="Intercommunality types that mark large urban poles, excluded.",
    )
    exclude_acv: bool = Field(True, description="Exclude Action Cœur de Ville towns.")
    top_n_in_epci: int | None = Field(
        5,
        ge=1,
        description=(
            "Centrality: a town must be among the N most populous communes of its "
            "intercommunality (null disables)."
        ),
    )
    min_facility_types: int = Field(
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
            raise ValueError(
                f"min_population ({self.min_population:,}) must be below max_population "
                f"({self.max_population:,}): no town can satisfy both"
            )
        return self


class EligibilitySection(_Frozen):
    """Which towns compete for the resources."""

    mode: Literal["official", "rules", "all", "listed"] = Field(
        "official",
        description=(
            "`official`: the 1,646 programme towns; `rules`: the programme's criteria computed "
            "from the data; `all`: every commune of the 18 regions (a what-if); `listed`: "
            "exactly the towns in `include`."
        ),
    )
    rules: RulesSection = Field(default_factory=RulesSection)  # type: ignore[arg-type]
    include: tuple[str, ...] = Field((), description="INSEE codes added to the eligible set.")
    exclude: tuple[str, ...] = Field((), description="INSEE codes removed from the eligible set.")

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _codes_are_text(cls, value: Any, info: Any) -> Any:
        return _check_insee_codes(f"eligibility.{info.field_name}", value)

    @model_validator(mode="after")
    def _lists_agree(self) -> EligibilitySection:
        both = sorted(set(self.include) & set(self.exclude))
        if both:
            raise ValueError(
                f"INSEE code(s) {both[:5]} are both in include and in exclude; keep each code "
                "in one list only"
            )
        if self.mode == "listed" and not self.include:
            raise ValueError(
                "mode `listed` makes exactly the towns of `include` eligible, but include is "
                "empty; list INSEE codes in eligibility.include or choose another mode"
            )
        return self


def _default_themes() -> dict[str, dict[str, float]]:
    return {theme: dict(weights) for theme, weights in DEFAULT_THEMES.items()}


class ThemesSection(_Frozen):
    """How indicators become need scores per theme, and the fragility index."""

    normalisation: Literal["percentile", "minmax", "robust_z"] = Field(
        "percentile", description="Per-indicator normalisation to [0, 1] over all communes."
    )
    nan_policy: Literal["renormalise", "neutral", "raise"] = Field(
        "renormalise",
        description=(
            "Missing indicator values: `renormalise` re-weights the indicators a town has; "
            "`neutral` counts them as 0.5; `raise` stops with an error."
        ),
    )
    directions: dict[str, Literal["higher", "lower"]] = Field(
        default_factory=dict,
        description="Per-indicator override of whether higher values mean more need.",
    )
    definitions: dict[str, dict[str, NonNegative]] = Field(
        default_factory=_default_themes,
        description="Theme name -> {indicator: weight}. Weights are relative within a theme.",
    )
    fragility: dict[str, NonNegative] = Field(
        default_factory=lambda: dict(DEFAULT_FRAGILITY),
        description="Indicator weights of the composite fragility index.",
    )
    scores_csv: Path | None = Field(
        None,
        description=(
            "A planner's own scores replacing the computed ones for the communes it lists: "
            "columns `insee`, `fragility` and `need_<theme>` per theme, in [0, 1]. Relative "
            "paths are resolved against the scenario file."
        ),
    )

    @field_validator("definitions")
    @classmethod
    def _at_least_one_theme(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        if not value:
            raise ValueError("at least one theme is needed")
        for theme, weights in value.items():
            if not weights or sum(weights.values()) <= 0:
                raise ValueError(f"theme {theme!r} needs at least one indicator with weight > 0")
        return value

    @model_validator(mode="after")
    def _directions_are_used(self) -> ThemesSection:
        used = {name for weights in self.definitions.values() for name in weights}
        used |= set(self.fragility)
        unused = sorted(set(self.directions) - used)
        if unused:
            raise ValueError(
                f"directions names indicator(s) {unused} that no theme nor the fragility index "
                "uses (a misspelling?); indicators in use: "
                f"{sorted(used)}"
            )
        return self


class FundingSection(_Frozen):
    """Banque des Territoires funding for engineering and studies (one programme year)."""

    envelope_eur: Euros = Field(
        25_800_000,
        description=(
            "Funding envelope F for the year. Default: 85 M EUR studies + 70 M EUR technical "
            "assistance over 6 years."
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


class ExpertiseSection(_Frozen):
    """Cerema expert-days, limited per territorial directorate."""

    capacity_days: Days = Field(
        20_000,
        description=(
            "Total expert-days for individual missions, split over directorates pro rata "
            "eligible towns unless `capacity_days_by_directorate` is given."
        ),
    )
    capacity_days_by_directorate: dict[str, Days] | None = Field(
        None, description="Explicit capacity per directorate name (overrides the split)."
    )
    directorate_by_department: dict[str, str] = Field(
        default_factory=dict,
        description="Overrides of the embedded department -> directorate map (code -> name).",
    )
    saturation_per_theme_days: Days | dict[str, Days] = Field(
        10, description="Days per town and theme beyond which expertise brings no benefit (ux)."
    )
    max_days_per_town: Days = Field(40, description="At most this many days per town.")


class EngineeringSection(_Frozen):
    """Co-funded project-lead posts."""

    budget_eur: Euros = Field(
        40_500_000, description="Engineering budget E: about 900 posts x 45,000 EUR."
    )
    subsidy_per_post_eur: PositiveEuros = Field(
        45_000, description="Yearly subsidy per post: 75 % of cost, capped at 45,000 EUR."
    )
    towns_per_post: int = Field(3, ge=1, description="At most this many towns share one post (m).")
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


class ResourcesSection(_Frozen):
    """The three scarce resources."""

    funding: FundingSection = Field(default_factory=FundingSection)  # type: ignore[arg-type]
    expertise: ExpertiseSection = Field(default_factory=ExpertiseSection)  # type: ignore[arg-type]
    engineering: EngineeringSection = Field(
        default_factory=EngineeringSection  # type: ignore[arg-type]
    )


class PenaltiesSection(_Frozen):
    """Soft-balance penalties, in objective units per unit of deviation over the fair share."""

    funding_per_keur: Positive = Field(1.0, description="lambda_f: per k EUR outside the band.")
    days: Positive = Field(
        1.0, description="lambda_x, as a multiple of an expert-day's value, per day outside."
    )
    towns: Positive = Field(
        1.0, description="lambda_c, as a multiple of a covered town's value, per town outside."
    )


class BalanceSection(_Frozen):
    """Regional balance: each region's use of each resource stays near its fair share."""

    basis: Literal["towns", "population", "need"] = Field(
        "towns", description="Fair share proportional to eligible towns, population or total need."
    )
    tolerance_share: Share = Field(0.15, description="Relative band delta around the fair share.")
    mode: Literal["hard", "soft", "off"] = Field(
        "hard", description="`hard` constraints, `soft` penalised slacks, or `off`."
    )
    penalties: PenaltiesSection = Field(default_factory=PenaltiesSection)  # type: ignore[arg-type]


class BenefitSection(_Frozen):
    """The concave benefit curve and the euro-equivalent values of non-money resources."""

    segment_widths_share: tuple[Positive, ...] = Field(
        (0.25, 0.25, 0.5), description="Widths of the curve's segments, fractions summing to 1."
    )
    slopes: tuple[Positive, ...] = Field(
        (1.0, 0.6, 0.3), description="Marginal benefit of each segment, strictly decreasing."
    )
    value_per_day_eur: Euros = Field(1_000, description="v_day: EUR per expert-day.")
    value_per_covered_town_eur: Euros = Field(
        60_000, description="v_cover: EUR per town-year covered by a project lead."
    )

    @model_validator(mode="after")
    def _curve_is_concave(self) -> BenefitSection:
        widths, slopes = self.segment_widths_share, self.slopes
        if len(widths) != len(slopes):
            raise ValueError(
                f"segment_widths_share has {len(widths)} values but slopes has {len(slopes)}: "
                "give one slope per segment"
            )
        if not math.isclose(sum(widths), 1.0, abs_tol=1e-9):
            raise ValueError(f"segment_widths_share must sum to 1, got {sum(widths):g}")
        if any(b >= a for a, b in itertools.pairwise(slopes)):
            raise ValueError(f"slopes must be strictly decreasing, got {list(slopes)}")
        return self


#: HiGHS options chosen by measurement on this model (benchmarks/README.md).
MEASURED_HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_root_reduced_cost": False,
}


class SolverSection(_Frozen):
    """Which solver and how hard it tries."""

    name: Literal["highs", "cbc"] = Field("highs", description="HiGHS in memory, or CBC via PuLP.")
    time_limit_s: Positive = Field(600, description="Wall-clock limit per solve, seconds.")
    mip_gap: Share = Field(1e-4, description="Relative MIP gap at which a solve counts as optimal.")
    threads: int = Field(
        1,
        ge=1,
        description=(
            "Solver threads. 2 threads gave no gain on the national MIP here; HiGHS keeps the "
            "thread count of the first solve in a process."
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


class AnalysisSection(_Frozen):
    """Explanations computed after the main solve (each costs extra solves)."""

    shadow_prices: bool = Field(True, description="Duals of the envelope and capacities.")
    price_of_balance: bool = Field(
        True, description="Objective gained if the balance tolerance widened by 0.05 (re-solve)."
    )
    value_of_one_more_post: bool = Field(
        True, description="Objective gained with one more post's budget (re-solve)."
    )


class Scenario(_Frozen):
    """A complete, validated allocation scenario (one programme year)."""

    name: str = Field("scenario", description="Short name used in reports.")
    description: str = Field("", description="What this scenario is about.")
    data: DataSection = Field(default_factory=DataSection)
    eligibility: EligibilitySection = Field(
        default_factory=EligibilitySection  # type: ignore[arg-type]
    )
    themes: ThemesSection = Field(default_factory=ThemesSection)  # type: ignore[arg-type]
    resources: ResourcesSection = Field(default_factory=ResourcesSection)
    balance: BalanceSection = Field(default_factory=BalanceSection)  # type: ignore[arg-type]
    theme_floors_share: dict[str, Share] | Share = Field(
        0.08,
        description="Minimum share of allocated funding per theme; one value or theme -> share.",
    )
    benefit: BenefitSection = Field(default_factory=BenefitSection)  # type: ignore[arg-type]
    solver: SolverSection = Field(default_factory=SolverSection)  # type: ignore[arg-type]
    analysis: AnalysisSection = Field(default_factory=AnalysisSection)  # type: ignore[arg-type]
    source: Path | None = Field(
        None, description="The file this scenario was read from (set by the loader).", exclude=True
    )

    @model_validator(mode="after")
    def _themes_are_consistent(self) -> Scenario:
        themes = set(self.themes.definitions)
        problems: list[str] = []
        for label, value in (
            ("theme_floors_share", self.theme_floors_share),
            ("resources.funding.saturation_per_theme_eur",
             self.resources.funding.saturation_per_theme_eur),
            ("resources.expertise.saturation_per_theme_days",
             self.resources.expertise.saturation_per_theme_days),
        ):
            if isinstance(value, dict):
                unknown = sorted(set(value) - themes)
                if unknown:
                    problems.append(
                        f"{label} names unknown theme(s) {unknown}; known: {sorted(themes)}"
                    )
        floors = self.floor_by_theme()
        if sum(floors.values()) > 1 + 1e-9:
            each = ""
            if not isinstance(self.theme_floors_share, dict):
                each = (f" ({self.theme_floors_share:g} for each of {len(floors)} themes; at most "
                        f"{math.floor(1000 / len(floors)) / 1000:g} each)")
            problems.append(
                f"theme_floors_share sum to {sum(floors.values()):g} > 1{each}: no allocation "
                "can meet them; lower some floors"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Where each field was written (file, line), recorded by the loader so that errors
    # found later (unknown indicators, towns, directorates) can still point at a line.
    _field_lines: dict[tuple[str, ...], tuple[str, int]] = PrivateAttr(default_factory=dict)

    def located(self, field: str) -> dict[str, Any]:
        """``file``, ``line`` and ``field`` keywords of an error about dotted ``field``."""
        path = tuple(field.split("."))
        for cut in range(len(path), 0, -1):
            if path[:cut] in self._field_lines:
                file, line = self._field_lines[path[:cut]]
                return {"file": file, "line": line, "field": field}
        return {"file": self.source, "line": None, "field": field}

    @property
    def theme_names(self) -> tuple[str, ...]:
        """Theme names in their declared order."""
        return tuple(self.themes.definitions)

    def floor_by_theme(self) -> dict[str, float]:
        """Minimum funding share per theme, one entry per theme."""
        value = self.theme_floors_share
        if isinstance(value, dict):
            return {k: float(value.get(k, 0.0)) for k in self.theme_names}
        return dict.fromkeys(self.theme_names, float(value))
