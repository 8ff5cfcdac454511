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
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, model_validator
from pydantic.json_schema import SkipJsonSchema

from pvd_optim.scenario.fields import MAX_PLAUSIBLE_DAYS, MAX_PLAUSIBLE_EUR, Frozen, Share
from pvd_optim.scenario.sections import (
    MEASURED_HIGHS_OPTIONS,
    AnalysisSection,
    BalanceSection,
    BenefitSection,
    DataSection,
    EligibilitySection,
    EngineeringSection,
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


class Scenario(Frozen):
    """A complete, validated allocation scenario (one programme year)."""

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
    # Set by the loader, never written in a file: left out of dumps and of the JSON Schema.
    source: SkipJsonSchema[Path | None] = Field(
        None, description="The file this scenario was read from (set by the loader).", exclude=True
    )
    # A sweep's definition, read and validated by pvd_optim.sweep; a single run ignores it.
    sweep: SkipJsonSchema[dict[str, Any] | None] = Field(None, exclude=True)

    @model_validator(mode="after")
    def _themes_are_consistent(self) -> Scenario:
        themes = set(self.themes.definitions)
        problems: list[str] = []
        for path in PER_THEME_FIELDS:
            value = self._value(path)
            if isinstance(value, dict):
                unknown = sorted(set(value) - themes)
                if unknown:
                    problems.append(f"{'.'.join(path)} names unknown theme(s) {unknown}; "
                                    f"known: {sorted(themes)}")
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

    def _value(self, path: tuple[str, ...]) -> Any:
        node: Any = self
        for part in path:
            node = getattr(node, part)
        return node

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
