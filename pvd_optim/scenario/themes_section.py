"""The ``themes`` section: which indicators make each theme's need, and the fragility index.

A scenario's ``themes.definitions`` changes the built-in themes
(``pvd_optim.themes.DEFAULT_THEMES``) rather than replacing them all: a theme it
defines replaces that theme, ``theme: null`` removes one, and the other default
themes stay. The validated section holds the themes in force; dumped, it writes
each removed default theme as ``null`` so that the dump reads back the same.
``themes.targets`` works the same way over ``pvd_optim.themes.DEFAULT_TARGETS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_serializer,
    field_validator,
)

from pvd_optim.i18n.message import Message
from pvd_optim.scenario.fields import Frozen, NonNegative, Number
from pvd_optim.themes import (
    DEFAULT_DIRECTIONS,
    DEFAULT_FRAGILITY,
    DEFAULT_TARGETS,
    DEFAULT_THEMES,
)


def merge_theme_definitions(written: Mapping[Any, Any]) -> dict[Any, Any]:
    """The themes in force: the defaults, changed by the themes a scenario writes.

    A theme given weights replaces the default theme of that name (or is added after
    the defaults); a theme given ``None`` (``heritage: null``) is removed. Removing a
    theme that is not defined, or every theme, is a ``ValueError``. Weights are not
    validated here (the schema does that, with their location).
    """
    merged: dict[Any, Any] = {theme: dict(weights) for theme, weights in DEFAULT_THEMES.items()}
    for theme, weights in written.items():
        if weights is not None:
            merged[theme] = weights
        elif theme in merged:
            del merged[theme]
        else:
            raise ValueError(Message(
                "theme {theme} is not defined, so `null` removes nothing; default themes: "
                "{defaults}", theme=repr(theme), defaults=str(list(DEFAULT_THEMES))))
    if not merged:
        raise ValueError(Message(
            "at least one theme is needed: this removes every theme; keep one, or define one "
            "(theme: {{indicator: weight}})"))
    return merged


def themes_in_force(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Theme names a plain scenario mapping (as read from YAML) puts in force, or ``None``.

    ``None`` when the ``themes`` section is malformed: validation will say why.
    """
    section = data.get("themes", {})
    written = section.get("definitions", {}) if isinstance(section, dict) else None
    if not isinstance(written, dict):
        return None
    try:
        return tuple(str(theme) for theme in merge_theme_definitions(written))
    except ValueError:
        return None


def _indicators_in_use(definitions: Mapping[str, Mapping[str, float]],
                       fragility: Mapping[str, float]) -> dict[str, None]:
    """Every indicator a theme or the fragility index weights, in order of first use."""
    used: dict[str, None] = {}
    for weights in definitions.values():
        used.update(dict.fromkeys(weights))
    used.update(dict.fromkeys(fragility))
    return used


def _target_above_zero(level: float) -> float:
    if level <= 0:
        raise ValueError(Message(
            "a target must be > 0. Got {level:g} instead: need is the distance from the target "
            "over the target, so a target of 0 or less gives it no scale; leave an indicator "
            "whose natural level is 0 to `normalisation` (remove its target with `null`)",
            level=level))
    return level


#: A target level: a finite number > 0, in the indicator's own unit.
TargetLevel = Annotated[Number, AfterValidator(_target_above_zero),
                        WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]

_WEIGHTS_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": {"type": "number", "minimum": 0},
}


class ThemesSection(Frozen):
    """How indicators become need scores per theme, and the fragility index."""

    normalisation: Literal["percentile", "minmax", "robust_z"] = Field(
        "percentile",
        description=(
            "Normalisation to [0, 1] over all communes of every indicator without a target "
            "(see `targets`)."
        ),
    )
    nan_policy: Literal["renormalise", "neutral", "raise"] = Field(
        "renormalise",
        description=(
            "Missing indicator values: `renormalise` re-weights the indicators a town has; "
            "`neutral` counts them as 0.5; `raise` stops with an error."
        ),
    )
    definitions: Annotated[
        dict[str, dict[str, NonNegative]],
        WithJsonSchema({"type": "object", "additionalProperties": {
            "anyOf": [_WEIGHTS_SCHEMA, {"type": "null"}]}}),
    ] = Field(
        default_factory=lambda: {t: dict(w) for t, w in DEFAULT_THEMES.items()},
        description=(
            "Theme name -> {indicator: weight}; weights are relative within a theme. Changes "
            "the default themes (habitat, services, heritage, revitalisation, mobility, "
            "digital): a theme written here replaces that theme or adds one, `theme: null` "
            "removes one, the others stay."
        ),
    )
    fragility: dict[str, NonNegative] = Field(
        default_factory=lambda: dict(DEFAULT_FRAGILITY),
        description="Indicator weights of the composite fragility index.",
    )
    # After `definitions` and `fragility`: its default depends on the indicators they use.
    directions: dict[str, Literal["higher", "lower"]] = Field(
        default_factory=dict,
        description=(
            "Whether higher values of an indicator mean more need (`higher`) or less "
            "(`lower`). Defaults to the built-in direction of every indicator in use; entries "
            "written here override it."
        ),
    )
    # After `definitions` and `fragility`, like `directions`.
    targets: dict[str, TargetLevel | None] = Field(
        default_factory=dict,
        description=(
            "Indicator -> target level, in the indicator's unit (percent for `_pct`: 100 = "
            "100 %). An indicator with a target is scored by its distance from it over the "
            "target, not by `normalisation`: (target - value) / target for a `lower` indicator "
            "(a shortfall), (value - target) / target for a `higher` one (full need at twice "
            "the target), clipped to [0, 1]. Defaults to the built-in target of every "
            "indicator in use that has one (fibre_pct: 100); entries written here change or add "
            "one, `indicator: null` removes a built-in one."
        ),
    )
    scores_csv: Path | None = Field(
        None,
        description=(
            "A planner's own scores replacing the computed ones for the communes it lists: "
            "columns `insee`, `fragility` and `need_<theme>` per theme, in [0, 1]. Relative "
            "paths are resolved against the scenario file."
        ),
    )

    @field_validator("definitions", mode="before")
    @classmethod
    def _change_the_defaults(cls, value: Any) -> Any:
        return merge_theme_definitions(value) if isinstance(value, dict) else value

    @field_validator("definitions")
    @classmethod
    def _weights_count(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for theme, weights in value.items():
            if not weights or sum(weights.values()) <= 0:
                raise ValueError(Message("theme {theme} needs at least one indicator with "
                                         "weight > 0", theme=repr(theme)))
        return value

    @field_validator("directions")
    @classmethod
    def _directions_in_use(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if "definitions" not in info.data or "fragility" not in info.data:
            return value  # their own errors are reported
        used = _indicators_in_use(info.data["definitions"], info.data["fragility"])
        # A direction for an indicator no theme uses is a misspelling, unless it is the
        # built-in one (as in a dumped scenario whose themes were changed afterwards).
        unused = sorted(name for name, direction in value.items()
                        if name not in used and DEFAULT_DIRECTIONS.get(name) != direction)
        if unused:
            raise ValueError(Message(
                "directions names indicator(s) {unused} that no theme nor the fragility index "
                "uses (a misspelling?); indicators in use: {used}", unused=str(unused),
                used=str(sorted(used))))
        return {name: value[name] if name in value else DEFAULT_DIRECTIONS[name]
                for name in used if name in value or name in DEFAULT_DIRECTIONS}

    @field_validator("targets")
    @classmethod
    def _targets_in_use(cls, value: dict[str, float | None], info: ValidationInfo
                        ) -> dict[str, float | None]:
        if "definitions" not in info.data or "fragility" not in info.data:
            return value  # their own errors are reported
        used = _indicators_in_use(info.data["definitions"], info.data["fragility"])
        # As for directions: an entry for an indicator nothing uses is a misspelling, unless
        # it restates or removes a built-in target (a dump whose themes changed afterwards).
        unused = sorted(name for name, level in value.items() if name not in used
                        and not (name in DEFAULT_TARGETS
                                 and level in (None, DEFAULT_TARGETS[name])))
        if unused:
            raise ValueError(Message(
                "targets names indicator(s) {unused} that no theme nor the fragility index "
                "uses (a misspelling?); indicators in use: {used}", unused=str(unused),
                used=str(sorted(used))))
        nothing = sorted(name for name, level in value.items()
                         if level is None and name not in DEFAULT_TARGETS)
        if nothing:
            raise ValueError(Message(
                "indicator(s) {nothing} have no built-in target, so `null` removes nothing; "
                "built-in targets: {targets}", nothing=str(nothing),
                targets=str(dict(DEFAULT_TARGETS))))
        # The targets in force, spelled out: every indicator in use with a built-in or a
        # written target, `None` where a built-in one is removed (so a dump reads back).
        return {name: value[name] if name in value else DEFAULT_TARGETS[name]
                for name in used if name in value or name in DEFAULT_TARGETS}

    @field_serializer("definitions")
    def _removed_as_null(self, value: dict[str, dict[str, float]]
                         ) -> dict[str, dict[str, float] | None]:
        removed: dict[str, dict[str, float] | None] = dict.fromkeys(
            (t for t in DEFAULT_THEMES if t not in value), None)
        return {**value, **removed}
