"""The scenario schema: every knob a planner can turn, validated once, then frozen.

Money is in euros in scenario files (fields end in ``_eur``); the model layer
converts to k EUR internally. Shares are fractions in [0, 1] (``_share``),
expert time is in days (``_days``). Defaults are the programme's published
figures where one exists and documented assumptions elsewhere. The sections
are in :mod:`pvd_optim.scenario.sections` and
:mod:`pvd_optim.scenario.themes_section`; their field types and fixed limits in
:mod:`pvd_optim.scenario.fields`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from pvd_optim.i18n.message import Message, joined
from pvd_optim.inputs import ONE_YEAR
from pvd_optim.scenario.collective_section import CollectiveSection
from pvd_optim.scenario.convention_section import ConventionSection, unknown_themes
from pvd_optim.scenario.engineering_section import EngineeringSection
from pvd_optim.scenario.fields import MAX_PLAUSIBLE_DAYS, MAX_PLAUSIBLE_EUR, Frozen, Share
from pvd_optim.scenario.output_section import OutputSection
from pvd_optim.scenario.programme_section import (
    SCHEMA_VERSION,
    CommitmentsSection,
    ProgrammeSection,
    YearSection,
    check_years,
    year_list,
)
from pvd_optim.scenario.sections import (
    MEASURED_HIGHS_OPTIONS,
    AnalysisSection,
    BalanceSection,
    BenefitSection,
    DataSection,
    EligibilitySection,
    ExpertiseSection,
    FundingSection,
    PenaltiesSection,
    ResourcesSection,
    RulesSection,
    SolverSection,
)
from pvd_optim.scenario.themes_section import ThemesSection

__all__ = [
    "MAX_PLAUSIBLE_DAYS", "MAX_PLAUSIBLE_EUR", "MEASURED_HIGHS_OPTIONS", "PER_THEME_FIELDS",
    "PER_YEAR_FIELDS",
    "AnalysisSection", "BalanceSection", "BenefitSection", "DataSection", "EligibilitySection",
    "EngineeringSection", "ExpertiseSection", "FundingSection", "PenaltiesSection",
    "ResourcesSection", "RulesSection", "Scenario", "SolverSection", "ThemesSection",
    "field_default",
]

#: The "one value or a mapping theme -> value" fields, as dotted paths. An override of one
#: theme (``--set theme_floors_share.heritage=0.2``) expands a single value to its
#: per-theme mapping first. ``tests/test_scenario_overrides.py`` checks this list against
#: the schema, so a new such field cannot be forgotten.
PER_THEME_FIELDS: tuple[tuple[str, ...], ...] = (
    ("theme_floors_share",),
    ("resources", "funding", "saturation_per_theme_eur"),
    ("resources", "expertise", "saturation_per_theme_days"),
)

#: The "one value or a mapping year -> value" fields, as dotted paths. An override of one
#: year (``--set resources.funding.envelope_eur.2027=30e6``) expands a single value to its
#: per-year mapping over the scenario's years first. A mapping must give every year.
PER_YEAR_FIELDS: tuple[tuple[str, ...], ...] = (
    ("resources", "funding", "envelope_eur"),
    ("resources", "expertise", "capacity_days"),
    ("resources", "engineering", "budget_eur"),
)

#: The per-year field of each co-funder (``*``: any co-funder's key), for overrides.
PER_YEAR_FUNDER_FIELD: tuple[str, ...] = ("resources", "engineering", "cofunders", "*",
                                          "budget_eur")

#: Fields a version-1 scenario (pvd-optim 0.1: one year, pooled budget) cannot hold.
VERSION_2_FIELDS: tuple[str, ...] = ("years", "programme", "commitments")
VERSION_2_ENGINEERING_FIELDS: tuple[str, ...] = ("cost_per_post_eur", "cofunders", "subsidy",
                                                 "habitat_operation_csv")


class Scenario(Frozen):
    """A complete, validated allocation scenario (one programme year, or several)."""

    model_config = ConfigDict(json_schema_extra={"x-pvd-optim-schema-version": SCHEMA_VERSION})

    schema_version: Literal[1, 2] | None = Field(
        None,
        description=(
            f"The scenario schema version the file is written for; this pvd-optim reads 1 "
            f"(one programme year, pooled engineering budget) and {SCHEMA_VERSION} (adds "
            "`years`, `programme`, `commitments` and the co-funders of a post). Omitted: "
            f"{SCHEMA_VERSION}."
        ),
    )
    name: str = Field("scenario", description="Short name used in reports.")
    description: str = Field("", description="What this scenario is about.")
    data: DataSection = Field(
        default_factory=DataSection, description="Where town indicators come from."
    )
    eligibility: EligibilitySection = Field(
        default_factory=EligibilitySection,  # type: ignore[arg-type]
        description="Which towns compete for the resources.",
    )
    themes: ThemesSection = Field(
        default_factory=ThemesSection,  # type: ignore[arg-type]
        description="How indicators become need scores per theme, and the fragility index.",
    )
    resources: ResourcesSection = Field(
        default_factory=ResourcesSection,
        description="The three scarce resources: funding, expertise, engineering posts.",
    )
    balance: BalanceSection = Field(
        default_factory=BalanceSection,  # type: ignore[arg-type]
        description="Regional balance of each resource around each region's fair share.",
    )
    theme_floors_share: dict[str, Share] | Share = Field(
        0.08,
        description="Minimum share of allocated funding per theme; one value or theme -> share.",
    )
    benefit: BenefitSection = Field(
        default_factory=BenefitSection,  # type: ignore[arg-type]
        description="The concave benefit curve and the values of expertise and coverage.",
    )
    solver: SolverSection = Field(
        default_factory=SolverSection,  # type: ignore[arg-type]
        description="Which solver and how hard it tries.",
    )
    analysis: AnalysisSection = Field(
        default_factory=AnalysisSection,  # type: ignore[arg-type]
        description="Explanations computed after the main solve (each costs extra solves).",
    )
    years: tuple[YearSection, ...] | None = Field(
        None,
        description=(
            "The programme's model years: consecutive calendar years, each a year number or "
            "{year, running_share}. Omitted: one programme year (labelled "
            f"{ONE_YEAR}), as in a version-1 scenario."
        ),
    )
    programme: ProgrammeSection = Field(
        default_factory=ProgrammeSection,  # type: ignore[arg-type]
        description="How the years link: entry of towns, persistence of posts, discount.",
    )
    commitments: CommitmentsSection | None = Field(
        None, description="What is already decided: a CSV, or an earlier results folder."
    )
    collective_actions: CollectiveSection = Field(
        default_factory=CollectiveSection,  # type: ignore[arg-type]
        description="Cerema's collective actions per region (awareness days, training paths).",
    )
    output: OutputSection = Field(
        default_factory=OutputSection,  # type: ignore[arg-type]
        description="How the outputs are written for people (not part of the content hash).",
    )
    convention: ConventionSection = Field(
        default_factory=ConventionSection,  # type: ignore[arg-type]
        description="How a town's ORT convention is used: eligibility, priority, preconditions.",
    )
    # Set by the loader, never written in a file: left out of dumps and of the JSON Schema.
    source: SkipJsonSchema[Path | None] = Field(
        None, description="The file this scenario was read from (set by the loader).", exclude=True
    )
    # A sweep's definition, read and validated by pvd_optim.sweep; a single run ignores it.
    sweep: SkipJsonSchema[dict[str, Any] | None] = Field(None, exclude=True)

    @field_validator("years", mode="before")
    @classmethod
    def _bare_years(cls, value: Any) -> Any:
        return year_list(value)

    @field_validator("years")
    @classmethod
    def _years_follow(cls, value: tuple[YearSection, ...] | None
                      ) -> tuple[YearSection, ...] | None:
        return None if value is None else check_years(value)

    @model_validator(mode="after")
    def _years_are_consistent(self) -> Scenario:
        years = set(self.year_numbers)
        problems: list[str] = []
        for path in self.per_year_paths():
            value = self._value(path)
            if isinstance(value, dict):
                unknown = sorted(set(value) - years)
                missing = sorted(years - set(value))
                if unknown:
                    problems.append(Message(
                        "{field} names year(s) {unknown} outside the scenario's years {span}",
                        field=".".join(path), unknown=str(unknown),
                        span=_span(self.year_numbers)))
                if missing:
                    problems.append(Message(
                        "{field} gives no value for year(s) {missing}; give every year, or one "
                        "value for all", field=".".join(path), missing=str(missing)))
        if self.schema_version == 1:
            written = [name for name in VERSION_2_FIELDS if name in self.model_fields_set] + [
                f"resources.engineering.{name}" for name in VERSION_2_ENGINEERING_FIELDS
                if name in self.resources.engineering.model_fields_set]
            if written:
                problems.append(Message(
                    "{field} is a schema-version-{version} field; write schema_version: "
                    "{version} (or leave it out)", field=written[0], version=SCHEMA_VERSION))
        if problems:
            raise ValueError(joined(problems))
        return self

    @model_validator(mode="after")
    def _themes_are_consistent(self) -> Scenario:
        themes = set(self.themes.definitions)
        problems: list[str] = []
        for path in PER_THEME_FIELDS:
            value = self._value(path)
            if isinstance(value, dict):
                unknown = sorted(set(value) - themes)
                if unknown:
                    problems.append(Message("{field} names unknown theme(s) {unknown}; known: "
                                            "{known}", field=".".join(path), unknown=str(unknown),
                                            known=str(sorted(themes))))
        convention_problem = unknown_themes(self.convention, themes)
        if convention_problem:
            problems.append(convention_problem)
        floors = self.floor_by_theme()
        if sum(floors.values()) > 1 + 1e-9:
            each: str = ""
            if not isinstance(self.theme_floors_share, dict):
                each = Message(" ({share:g} for each of {count} themes; at most {most:g} each)",
                               share=self.theme_floors_share, count=len(floors),
                               most=math.floor(1000 / len(floors)) / 1000)
            problems.append(Message(
                "theme_floors_share sum to {total:g} > 1{each}: no allocation can meet them; "
                "lower some floors", total=sum(floors.values()), each=each))
        if problems:
            raise ValueError(joined(problems))
        return self

    def _value(self, path: tuple[str, ...]) -> Any:
        node: Any = self
        for part in path:
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node

    def per_year_paths(self) -> tuple[tuple[str, ...], ...]:
        """Every per-year field of this scenario, co-funders' budgets included."""
        funders = self.resources.engineering.cofunders or {}
        prefects = self.resources.funding.prefects
        return (*PER_YEAR_FIELDS, *(("resources", "engineering", "cofunders", key,
                                     "budget_eur") for key in funders),
                *((("resources", "funding", "prefects", "reserve_eur"),)
                  if prefects is not None and prefects.reserve_eur is not None else ()))

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

    @property
    def year_numbers(self) -> tuple[int, ...]:
        """The calendar years of the model, in order (one year without ``years``)."""
        return (ONE_YEAR,) if self.years is None else tuple(item.year for item in self.years)

    @property
    def running_shares(self) -> tuple[float, ...]:
        """The fraction of each model year that the programme runs."""
        return (1.0,) if self.years is None else tuple(item.running_share
                                                         for item in self.years)

    def by_year(self, value: float | dict[int, float]) -> tuple[float, ...]:
        """A per-year field's value for each model year, in order."""
        if isinstance(value, dict):
            return tuple(float(value[year]) for year in self.year_numbers)
        return (float(value),) * len(self.year_numbers)

    def floor_by_theme(self) -> dict[str, float]:
        """Minimum funding share per theme, one entry per theme."""
        value = self.theme_floors_share
        if isinstance(value, dict):
            return {k: float(value.get(k, 0.0)) for k in self.theme_names}
        return dict.fromkeys(self.theme_names, float(value))


def _span(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def section_model(path: tuple[str, ...]) -> type[BaseModel] | None:
    """The section model holding the last part of ``path`` (``Scenario`` at the top), if any."""
    model: type[BaseModel] = Scenario
    for part in path[:-1]:
        info = model.model_fields.get(part)
        annotation = getattr(info, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def field_default(path: tuple[str, ...]) -> Any:
    """The default of the field at dotted ``path`` (``None`` if it has none or is unknown)."""
    model = section_model(path)
    info = model.model_fields.get(path[-1]) if model is not None and path else None
    if info is None:
        return None
    return info.get_default(call_default_factory=True)
