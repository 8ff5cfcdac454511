"""``themes.definitions`` changes the default themes; directions default per indicator in use."""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim.cli import main
from pvd_optim.errors import ScenarioError
from pvd_optim.scenario import Scenario, load_scenario, scenario_from_dict, with_overrides
from pvd_optim.themes import DEFAULT_DIRECTIONS, DEFAULT_FRAGILITY, DEFAULT_THEMES

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_NAMES = tuple(DEFAULT_THEMES)


def _themes(definitions: dict[str, object]) -> Scenario:
    return scenario_from_dict({"themes": {"definitions": definitions}})


def test_defining_one_theme_keeps_the_other_five() -> None:
    scenario = _themes({"services": {"services_per_1000": 1.0}})
    assert scenario.theme_names == DEFAULT_NAMES
    assert scenario.themes.definitions["services"] == {"services_per_1000": 1.0}
    assert scenario.themes.definitions["habitat"] == dict(DEFAULT_THEMES["habitat"])


def test_a_new_theme_is_added_after_the_defaults() -> None:
    scenario = _themes({"culture": {"museums": 1.0}})
    assert scenario.theme_names == (*DEFAULT_NAMES, "culture")


def test_null_removes_a_theme() -> None:
    scenario = _themes({"heritage": None, "digital": None})
    assert scenario.theme_names == ("habitat", "services", "revitalisation", "mobility")


def test_removing_every_theme_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="at least one theme is needed"):
        _themes(dict.fromkeys(DEFAULT_NAMES))


def test_removing_an_undefined_theme_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="theme 'heritag' is not defined"):
        _themes({"heritag": None})


def test_an_empty_mapping_keeps_the_defaults() -> None:
    assert _themes({}).theme_names == DEFAULT_NAMES


def test_a_child_scenario_replaces_a_theme_whole(tmp_path: Path) -> None:
    parent = tmp_path / "parent.yaml"
    parent.write_text("name: p\nthemes:\n  definitions:\n    culture: {museums: 1.0, "
                      "monuments: 1.0}\n    digital: null\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\nthemes:\n  definitions:\n"
                     "    culture: {museums: 2.0}\n    heritage: null\n")
    scenario = load_scenario(child)
    assert scenario.themes.definitions["culture"] == {"museums": 2.0}
    assert scenario.theme_names == ("habitat", "services", "revitalisation", "mobility",
                                    "culture")


def test_a_dump_reads_back_with_the_same_themes() -> None:
    scenario = _themes({"heritage": None, "culture": {"museums": 1.0}})
    dumped = scenario.model_dump(mode="json")
    assert dumped["themes"]["definitions"]["heritage"] is None
    assert Scenario.model_validate(dumped).theme_names == scenario.theme_names
    changed = with_overrides(scenario, {"solver.mip_gap": 0.0})
    assert changed.theme_names == scenario.theme_names


def test_a_theme_removed_by_override() -> None:
    scenario = load_scenario(SCENARIOS / "national.yaml",
                             {"themes.definitions.heritage": None})
    assert "heritage" not in scenario.theme_names and len(scenario.theme_names) == 5
    again = with_overrides(load_scenario(SCENARIOS / "national.yaml"),
                           {"themes.definitions.digital": None})
    assert "digital" not in again.theme_names
    # The built-in direction of fibre_pct (used by digital only) goes with it.
    assert "fibre_pct" not in again.themes.directions


def test_directions_spell_out_the_built_in_table_for_the_indicators_in_use() -> None:
    scenario = scenario_from_dict({})
    used = {name for weights in DEFAULT_THEMES.values() for name in weights}
    used |= set(DEFAULT_FRAGILITY)
    assert scenario.themes.directions == {name: DEFAULT_DIRECTIONS[name] for name in used}
    assert scenario.model_dump(mode="json")["themes"]["directions"]["fibre_pct"] == "lower"


def test_a_written_direction_overrides_the_built_in_one() -> None:
    scenario = scenario_from_dict({"themes": {"directions": {"fibre_pct": "higher"}}})
    assert scenario.themes.directions["fibre_pct"] == "higher"
    assert scenario.themes.directions["housing_vacancy_pct"] == "higher"


def test_a_direction_for_an_indicator_not_in_use_is_still_refused() -> None:
    with pytest.raises(ScenarioError, match=r"directions names indicator\(s\) \['fibre_pct'\]"):
        scenario_from_dict({"themes": {"definitions": {"digital": None},
                                       "directions": {"fibre_pct": "higher"}}})
    with pytest.raises(ScenarioError, match="a misspelling"):
        scenario_from_dict({"themes": {"directions": {"fibre": "lower"}}})


def test_validate_lists_the_themes_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SCENARIOS / "toy.yaml"), "--lang", "en"]) == 0
    assert "themes: habitat, heritage\n" in capsys.readouterr().out
    assert main(["validate", str(SCENARIOS / "toy.yaml"), "--set",
                 "themes.definitions.digital={fibre_pct: 1}", "--set",
                 "themes.scores_csv=null", "--lang", "en"]) == 0
    assert "themes: habitat, heritage, digital\n" in capsys.readouterr().out
