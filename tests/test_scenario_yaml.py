"""Scenario YAML is read as a planner writes it: decimal numbers, words as words, no tags.

PyYAML alone is YAML 1.1 (``040`` is 32, ``1:30`` is 90, ``off`` is false); the
loader's own resolver is tested here value by value, with the rules for tags,
aliases and the line lookup. The refusals as command-line errors are in
``tests/test_bad_inputs.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from pvd_optim.errors import ScenarioError
from pvd_optim.scenario import load_scenario, parse_overrides, scenario_from_dict
from pvd_optim.scenario.fields import Numeral
from pvd_optim.scenario.yaml_reader import read_scenario_yaml, read_value

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25800000", 25_800_000), ("25_800_000", 25_800_000), ("-5", -5), ("+3", 3), ("0", 0),
        ("1_000", 1_000), ("546_600_000", 546_600_000),
        ("2.58e7", 2.58e7), ("30e6", 30e6), ("1.0e-4", 1e-4), ("0.15", 0.15), (".5", 0.5),
        ("5.", 5.0), ("-0.1", -0.1), ("1_000.5", 1000.5), ("1E3", 1000.0),
        (".inf", math.inf), ("-.inf", -math.inf), ("+.Inf", math.inf),
    ],
)
def test_decimal_numbers_are_numbers(text: str, expected: float) -> None:
    value = read_value(text, field="x")
    assert value == expected
    assert type(value) is type(expected)


def test_nan_is_a_number_for_validation_to_refuse() -> None:
    value = read_value(".nan", field="x")
    assert isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    "text",
    ["040", "01033", "007", "00.5", "0x1F", "0o17", "0b101", "1:30", "1:30:00", "-1:30",
     "1,5", "25,800,000", "25_800_00", "2_5", "1.2.3"],
)
def test_other_number_forms_stay_text_marked_as_numerals(text: str) -> None:
    """YAML 1.1 would read these as 32, 539, 31, 90, ...: here they are never numbers."""
    value = read_value(text, field="x")
    assert isinstance(value, Numeral)
    assert value == text


@pytest.mark.parametrize("text", ["off", "no", "yes", "on", "y", "n", "Off", "NO", "2A004",
                                  "2024-01-01", "hard", "1st", "x1"])
def test_words_are_text(text: str) -> None:
    value = read_value(text, field="x")
    assert type(value) is str and value == text


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False),
    ("FALSE", False), ("null", None), ("~", None), ("Null", None),
])
def test_true_false_and_null(text: str, expected: Any) -> None:
    assert read_value(text, field="x") is expected


def test_quoted_values_are_always_text() -> None:
    assert read_value("['01033', \"040\", 'off', '25800000']", field="x") == [
        "01033", "040", "off", "25800000"]
    assert not any(isinstance(v, Numeral) for v in read_value("['01033']", field="x"))


def test_unquoted_yes_no_words_in_text_fields(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: no\ndescription: 1:30\nbalance:\n  mode: off\n"
                    "solver:\n  relax_integers: yes\n")
    scenario = load_scenario(path)
    assert scenario.name == "no" and scenario.description == "1:30"
    assert scenario.balance.mode == "off"
    # A yes-or-no field still reads the yes/no words as a person means them.
    assert scenario.solver.relax_integers is True


def test_numerals_become_plain_text_in_the_scenario(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: 007\n")
    scenario = load_scenario(path)
    assert scenario.name == "007" and type(scenario.name) is str


def test_toy_balance_mode_is_written_unquoted() -> None:
    assert "mode: off" in (SCENARIOS / "toy.yaml").read_text()
    assert load_scenario(SCENARIOS / "toy.yaml").balance.mode == "off"


def test_numbers_read_as_written_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("resources:\n  funding:\n    envelope_eur: 2.58e7\n  expertise:\n"
                    "    capacity_days: 20_000\n    max_days_per_town: 40\n")
    scenario = load_scenario(path)
    assert scenario.resources.funding.envelope_eur == 25_800_000
    assert scenario.resources.expertise.capacity_days == 20_000
    assert scenario.resources.expertise.max_days_per_town == 40


@pytest.mark.parametrize(
    ("item", "expected"),
    [("resources.funding.envelope_eur=30e6", 30e6),
     ("resources.funding.envelope_eur=25_800_000", 25_800_000),
     ("balance.mode=off", "off"), ("eligibility.include=['01033']", ["01033"])],
)
def test_overrides_read_like_the_file(item: str, expected: Any) -> None:
    (_key, value), = parse_overrides([item]).items()
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [({"solver": {"threads": True}}, "solver.threads: must be a whole number. Got True"),
     ({"resources": {"funding": {"envelope_eur": "25800000"}}},
      "write the number without quotes"),
     ({"balance": {"tolerance_share": False}}, "must be a number. Got False")],
)
def test_numbers_from_python_are_numbers_too(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ScenarioError, match=None) as info:
        scenario_from_dict(data)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!python/tuple [1, 2]",
     "!!python/object/apply:os.system ['true']", "!foo x", "! x", "{!k a: 1}",
     "[a, !!int '1']", "{a: [b, !!str c]}", "!!timestamp 2001-12-14", "!!str text",
     "!<tag:yaml.org,2002:str> x", "? !!python/name:os.system\n: 1"],
)
def test_every_tag_is_refused(text: str) -> None:
    with pytest.raises(ScenarioError, match=r"YAML tag .* is not allowed"):
        read_value(text, field="x")


def test_merge_keys_still_merge(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nbalance: &b {mode: soft, tolerance_share: 0.2}\n")
    assert read_value("{<<: {a: 1}, b: 2}", field="x") == {"a": 1, "b": 2}
    assert load_scenario(path).balance.mode == "soft"


def test_line_lookup_visits_a_shared_value_once(tmp_path: Path) -> None:
    """An aliased value keeps the lines of its first use; later uses are not walked again."""
    path = tmp_path / "s.yaml"
    path.write_text("first: &shared\n  inner:\n    deep: 1\nsecond: *shared\nthird: *shared\n")
    lines = read_scenario_yaml(path).lines
    assert lines[("first", "inner", "deep")] == (str(path), 3)
    assert lines[("second",)] == (str(path), 4)
    assert lines[("third",)] == (str(path), 5)
    assert ("second", "inner") not in lines and ("third", "inner", "deep") not in lines


def test_aliases_within_the_limit_are_read(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nresources:\n  funding:\n    saturation_per_theme_eur: &sat\n"
                    "      habitat: 40_000\n      services: 40_000\n      heritage: 80_000\n"
                    "      revitalisation: 40_000\n      mobility: 40_000\n"
                    "      digital: 40_000\n  expertise:\n    saturation_per_theme_days: 10\n")
    scenario = load_scenario(path)
    assert scenario.resources.funding.saturation_per_theme_eur["heritage"] == 80_000


def test_a_override_value_over_the_size_limit_is_refused() -> None:
    with pytest.raises(ScenarioError, match="longer than the 1,048,576-byte limit"):
        read_value("x" * ((1 << 20) + 1), field="description")
