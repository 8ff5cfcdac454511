"""The shipped programme scenarios say what docs/model.md says, without solving them.

Their solves take minutes nationally (the README gives the commands and times); here
the figures they are built from: the years and running shares, who enters when (3 towns
signed in 2020, 1,539 in 2021, 42 in 2022, 4 in 2024, 58 without a date, which enter in
2021), the co-funders' budgets, and the extension's lock on the programme run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim.assemble import prepare
from pvd_optim.errors import ScenarioError
from pvd_optim.output.commitments import resolve_commitments
from pvd_optim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_the_programme_runs_seven_years_with_towns_entering_as_they_signed() -> None:
    programme = prepare(load_scenario(SCENARIOS / "programme-2020-2026.yaml")).programme
    assert programme.calendar == tuple(range(2020, 2027))
    assert [y.running_share for y in programme.years] == [0.25, 1, 1, 1, 1, 1, 0.25]
    assert [y.n_joined for y in programme.years] == [3, 1600, 1642, 1642, 1646, 1646, 1646]
    assert programme.persistence == "horizon"
    first_full = programme.years[1]
    assert first_full.funder_names == ("Banque des Territoires", "State (FNADT)")
    assert first_full.funder_budget_keur.tolist() == [7_500.0, 33_000.0]
    assert first_full.post_cost_keur == pytest.approx(45.0)  # min(75 % x 60,000, 45,000)
    # 2020 runs a quarter: a quarter of each budget and of a post's subsidy.
    assert programme.years[0].funder_budget_keur.tolist() == [1_875.0, 8_250.0]


def test_the_extension_locks_the_programme_run_it_names(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "extension-2026-2028.yaml")
    assert scenario.year_numbers == tuple(range(2020, 2029))
    assert scenario.commitments is not None and scenario.commitments.from_year == 2026
    assert scenario.commitments.results == (SCENARIOS / "../results/programme-2020-2026")
    assert scenario.programme.persistence == "off"
    moved = scenario.model_copy(update={"commitments": scenario.commitments.model_copy(
        update={"results": tmp_path / "not-run-yet"})})
    with pytest.raises(ScenarioError, match="no results folder"):
        resolve_commitments(moved)
