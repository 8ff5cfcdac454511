"""Scenario files with years: validation, per-year overrides, entry years from the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pvd_optim.assemble import prepare
from pvd_optim.errors import ScenarioError
from pvd_optim.inputs import ONE_YEAR, ProgrammeInputs
from pvd_optim.scenario import load_scenario, parse_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NATIONAL = SCENARIOS / "national.yaml"


def test_a_scenario_without_years_is_one_year_labelled_2026() -> None:
    scenario = load_scenario(NATIONAL)
    assert scenario.year_numbers == (ONE_YEAR,) == (2026,)
    assert scenario.by_year(scenario.resources.funding.envelope_eur) == (25_800_000.0,)


def test_entry_years_come_from_the_signature_dates() -> None:
    """3 towns signed in 2020; 1,539 in 2021 and 58 without a date (entering in 2021, the year
    most towns signed); 42 in 2022; 4 in 2024."""
    programme = prepare(load_scenario(NATIONAL, {"years": [2020, 2021, 2022, 2023, 2024]})).inputs
    assert isinstance(programme, ProgrammeInputs)
    assert [year.n_joined for year in programme.years] == [3, 1600, 1642, 1642, 1646]
    # Cover targets and fair shares count the towns that have joined.
    assert programme.years[0].fair_share.sum() == pytest.approx(1.0)
    assert (programme.years[0].fair_share == 0).sum() >= 10


def test_every_town_from_the_first_year_or_a_given_year() -> None:
    overrides = {"years": [2020, 2021], "programme.entry": "first_year"}
    programme = prepare(load_scenario(NATIONAL, overrides)).inputs
    assert isinstance(programme, ProgrammeInputs)
    assert programme.years[0].n_joined == 1646
    late = {"years": [2020, 2021], "programme.entry_year_without_date": 2030}
    later = prepare(load_scenario(NATIONAL, late)).inputs
    assert isinstance(later, ProgrammeInputs)
    assert later.years[1].n_joined == 1600 - 58


def test_a_running_share_scales_the_year() -> None:
    overrides = {"years": [{"year": 2020, "running_share": 0.25}, 2021]}
    programme = prepare(load_scenario(NATIONAL, overrides)).inputs
    assert isinstance(programme, ProgrammeInputs)
    first, second = programme.years
    assert first.envelope_keur == pytest.approx(0.25 * second.envelope_keur)
    assert first.post_cost_keur == pytest.approx(0.25 * 45.0)
    assert np.allclose(first.capacity_days, 0.25 * second.capacity_days)
    assert first.value_per_cover_keur == pytest.approx(15.0)


def test_one_year_of_a_per_year_field_can_be_overridden() -> None:
    overrides = {"years": [2024, 2025, 2026],
                 **parse_overrides(["resources.funding.envelope_eur.2025=10e6",
                                    "resources.engineering.budget_eur.2026=1e6"])}
    scenario = load_scenario(NATIONAL, overrides)
    assert scenario.resources.funding.envelope_eur == {2024: 25.8e6, 2025: 10e6, 2026: 25.8e6}
    assert scenario.resources.engineering.budget_eur == {2024: 40.5e6, 2025: 40.5e6,
                                                         2026: 1e6}


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [({"years": [2020, 2022]}, "years must be consecutive"),
     ({"years": []}, "years is empty"),
     ({"years": [2024, 2025], "resources.funding.envelope_eur": {2024: 1}},
      "gives no value for year(s) [2025]"),
     ({"resources.funding.envelope_eur": {2025: 1}}, "names year(s) [2025] outside"),
     ({"schema_version": 1, "years": [2024]}, "years is a schema-version-2 field"),
     ({"schema_version": 3}, "schema_version"),
     ({"programme.persistence": "contract"}, "needs contract_years"),
     ({"resources.funding.horizon_saturation_years": 0.5}, "must be >= 1. Got 0.5")],
)
def test_programme_mistakes_are_one_line_errors(overrides: dict[str, object],
                                                needle: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(NATIONAL, overrides)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_the_json_schema_says_which_version_it_is() -> None:
    from pvd_optim.scenario.schema import Scenario

    schema = Scenario.model_json_schema()
    assert schema["x-pvd-optim-schema-version"] == 2
    assert "reads 1" in schema["properties"]["schema_version"]["description"]
