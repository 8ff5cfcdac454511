"""One theme of a "one value or a mapping" field can be overridden when the file gives one value."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pvd_optim.cli import main
from pvd_optim.scenario import Scenario, load_scenario, parse_overrides, with_overrides
from pvd_optim.scenario.schema import PER_THEME_FIELDS, PER_YEAR_FIELDS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NATIONAL = SCENARIOS / "national.yaml"
THEMES = ("habitat", "services", "heritage", "revitalisation", "mobility", "digital")


def _single_or_mapping_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()
                              ) -> set[tuple[str, ...]]:
    """Every field of the schema typed "a value or a mapping of values"."""
    found: set[tuple[str, ...]] = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= _single_or_mapping_fields(annotation, (*prefix, name))
            continue
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            arms = typing.get_args(annotation)
            if any(typing.get_origin(a) is dict for a in arms) and any(
                    a is float or typing.get_origin(a) is typing.Annotated for a in arms):
                found.add((*prefix, name))
    return found


def test_every_single_or_mapping_field_is_listed() -> None:
    # Per theme and per year: each such field is listed in exactly one of the two.
    assert set(PER_THEME_FIELDS) | set(PER_YEAR_FIELDS) == _single_or_mapping_fields(Scenario)
    assert not set(PER_THEME_FIELDS) & set(PER_YEAR_FIELDS)
    assert len(PER_THEME_FIELDS) == 3
    assert len(PER_YEAR_FIELDS) == 3


@pytest.mark.parametrize(
    ("dotted", "value", "single"),
    [("theme_floors_share", 0.2, 0.08),
     ("resources.funding.saturation_per_theme_eur", 80_000, 40_000),
     ("resources.expertise.saturation_per_theme_days", 20, 10)],
)
def test_one_theme_over_a_single_value(dotted: str, value: float, single: float) -> None:
    scenario = load_scenario(NATIONAL, parse_overrides([f"{dotted}.heritage={value}"]))
    got: Any = scenario
    for part in dotted.split("."):
        got = getattr(got, part)
    assert got == {**dict.fromkeys(THEMES, single), "heritage": value}
    # The same through the Python API, on the validated scenario.
    again: Any = with_overrides(load_scenario(NATIONAL), {f"{dotted}.heritage": value})
    for part in dotted.split("."):
        again = getattr(again, part)
    assert again == got


def test_a_default_single_value_is_expanded_too(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: t\n")
    scenario = load_scenario(path, {"resources.expertise.saturation_per_theme_days.habitat": 5})
    assert scenario.resources.expertise.saturation_per_theme_days == {
        **dict.fromkeys(THEMES, 10.0), "habitat": 5}


def test_expansion_follows_the_themes_the_other_overrides_leave() -> None:
    scenario = load_scenario(NATIONAL, parse_overrides([
        "theme_floors_share.heritage=0.2", "themes.definitions.digital=null",
        "themes.definitions.culture={museums: 1}"]))
    assert scenario.theme_floors_share == {
        "habitat": 0.08, "services": 0.08, "heritage": 0.2, "revitalisation": 0.08,
        "mobility": 0.08, "culture": 0.08}


def test_a_mapping_in_the_file_changes_only_the_theme_named() -> None:
    scenario = load_scenario(SCENARIOS / "heritage-priority.yaml",
                             {"theme_floors_share.digital": 0.06})
    assert scenario.floor_by_theme() == {"habitat": 0.08, "services": 0.08, "heritage": 0.25,
                                         "revitalisation": 0.08, "mobility": 0.05,
                                         "digital": 0.06}


def test_the_command_line_accepts_one_theme(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-q", str(NATIONAL), "--set",
                 "theme_floors_share.heritage=0.2"]) == 0
    assert capsys.readouterr().err == ""


def test_an_unknown_theme_is_still_refused() -> None:
    from pvd_optim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"names unknown theme\(s\) \['culture'\]"):
        load_scenario(NATIONAL, {"theme_floors_share.culture": 0.1})
