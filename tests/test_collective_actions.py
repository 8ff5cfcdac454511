"""Collective actions: the checker catches a wrong matrix or allocation, folders round-trip,
scenario errors are one line, the outputs show the trade-off."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.check import check_allocation
from pvd_optim.errors import InputError, ScenarioError
from pvd_optim.inputs import collective_days_by_directorate
from pvd_optim.model import build_program, solve
from pvd_optim.output import read_results, write_allocation
from pvd_optim.postprocess import clean, extract
from pvd_optim.scenario.schema import SolverSection
from tests.results_folders import copy_folder, rewrite_state, state_members
from tests.test_collective_toy import TRAINING, toy

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
#: The toy of tests/test_toy.py with collective actions in its one region (Grand Est), need
#: from its habitat theme, and room in Cerema Est for one day and one cohort (26 days).
TOY_COLLECTIVE = {"collective_actions.enabled": True,
                  "collective_actions.benefit_theme": "habitat",
                  "resources.expertise.capacity_days": 40}


def _violated(inputs, arrays, family: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.item for v in check_allocation(inputs, arrays, [family]).violations]


def test_a_matrix_without_the_cohorts_days_is_caught_by_the_checker() -> None:
    """Capacity rows built without the events' days let a cohort and 5 missions share 5 days."""
    inputs = toy(5.0, collective_minimum=np.array([0.0, 1.0]), collective_max_count=np.array(
        [0.0, 1.0]))
    program = build_program(toy(10.0, collective_minimum=np.array([0.0, 1.0]),
                                collective_max_count=np.array([0.0, 1.0])))
    # The capacity row as a wrong builder would write it: capacity 5 and no events' days.
    capacity = program.rows["capacity"].slice
    events = program.columns["collective_events"]
    entries = np.isin(np.arange(program.row_index.size), np.flatnonzero(
        (program.row_of_entry >= capacity.start) & (program.row_of_entry < capacity.stop)
        & (program.row_index >= events.start) & (program.row_index < events.start + events.size)))
    row_upper = program.row_upper.copy()
    row_upper[capacity] = 5.0
    wrong = dataclasses.replace(program, row_value=np.where(entries, 0.0, program.row_value),
                                row_upper=row_upper)
    result = solve(wrong, SolverSection(mip_gap=0.0))
    arrays = clean(extract(wrong, result.require_values()), inputs)
    assert arrays.collective_events[:, TRAINING].tolist() == [1.0, 1.0]
    assert arrays.days.sum() == pytest.approx(5.0)
    assert _violated(inputs, arrays, "capacity") == ["Cerema Toy"]
    assert collective_days_by_directorate(inputs, arrays).tolist() == [10.0]


@pytest.mark.parametrize(("damage", "family", "item"), [
    ("fractional cohort", "collective_counts", "Bretagne/training_path"),
    ("too many cohorts", "collective_counts", "Bretagne/training_path"),
    ("half a town", "collective_counts", "29002/training_path"),
    ("no seat", "collective_attendance", "Corse/training_path"),
    ("no project lead", "collective_attendance", "2A000/awareness_day"),
    ("below the commitment", "collective_minimum", "Corse/training_path"),
])
def test_a_damaged_allocation_fails_its_check(damage: str, family: str, item: str) -> None:
    inputs = toy(10.0, collective_minimum=np.array([0.0, 1.0]))
    result = solve(build_program(inputs), SolverSection(mip_gap=0.0))
    arrays = clean(extract(build_program(inputs), result.require_values()), inputs)
    assert check_allocation(inputs, arrays).ok
    events, attendance = arrays.collective_events.copy(), arrays.attendance.copy()
    covered = arrays.covered.copy()
    if damage == "fractional cohort":
        events[1, TRAINING] = 1.5
    elif damage == "too many cohorts":
        events[1, TRAINING] = 3.0
    elif damage == "half a town":
        attendance[2, TRAINING] = 0.5
    elif damage == "no seat":  # a fourth town in Corse's cohort of 3 seats: none is left
        inputs = dataclasses.replace(inputs, collective_seats=np.array([10.0, 1.0]))
    elif damage == "no project lead":
        attendance[0, 0] = 1.0
        covered[0] = 0.0
        inputs = dataclasses.replace(inputs, collective_max_count=np.array([1.0, 2.0]))
        events[0, 0] = 1.0
    elif damage == "below the commitment":
        events[0, TRAINING] = 0.0
    damaged = dataclasses.replace(arrays, collective_events=events, attendance=attendance,
                                  covered=covered)
    assert item in _violated(inputs, damaged, family)


@pytest.fixture(scope="module")
def collective_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    scenario = load_scenario(TOY, TOY_COLLECTIVE)
    allocation = optimise(scenario)
    return allocation, write_allocation(allocation, scenario,
                                        tmp_path_factory.mktemp("collective") / "toy")


def test_a_folder_with_collective_actions_reads_back_and_is_rechecked(
        collective_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    allocation, out = collective_run
    again = read_results(out).allocation
    assert again.objective == allocation.objective
    assert again.objective_parts["collective_value"] == pytest.approx(
        (3.0 + 0.5 - 0.25) * (0.8 + 0.4 + 0.9))
    assert again.by_collective.equals(allocation.by_collective)
    damaged = copy_folder(out, tmp_path / "damaged")
    members = state_members(damaged)
    attendance = members["arrays.attendance"].copy()
    attendance[0, 1] = 0.5
    rewrite_state(damaged, arrays__attendance=attendance)
    with pytest.raises(InputError, match="collective_counts"):
        read_results(damaged)


def test_the_outputs_show_the_trade_off(collective_run) -> None:  # type: ignore[no-untyped-def]
    allocation, out = collective_run
    table = (out / "allocation_collective.csv").read_text().splitlines()
    assert table[0].split(",")[:6] == ["year", "region_code", "region_name", "directorate",
                                       "action", "events"]
    assert "lp_break_even_value_per_town_eur" in table[0]
    directorate = allocation.by_directorate.loc["Cerema Est"]
    assert directorate["collective_days"] == pytest.approx(26.0)  # one day and one cohort
    assert directorate["days_used"] == pytest.approx(
        directorate["individual_days"] + directorate["collective_days"])
    assert directorate["days_used"] == pytest.approx(directorate["capacity_days"])
    assert allocation.by_town["attends_training_path"].tolist() == [1.0, 1.0, 1.0]


def test_the_break_even_value_prices_a_cohort_at_the_capacity_dual() -> None:
    """One more cohort that only t4 (need 0.6) could join, at a capacity price of 0.5 k EUR-eq a
    day: it pays from 5 days x 0.5 / 0.6 per town at need 1."""
    from pvd_optim.allocation_tables import break_even_keur

    inputs = toy(10.0)
    open_towns = np.array([False, False, False, False, True])
    value = break_even_keur(inputs, TRAINING, 0.5, events=0.0, attending=0.0,
                            open_towns=open_towns, actions_of_town=np.zeros(5))
    assert value == pytest.approx(5 * 0.5 / 0.6)
    # A town that already attends another action pays the further-action discount.
    value = break_even_keur(inputs, TRAINING, 0.5, events=0.0, attending=0.0,
                            open_towns=open_towns, actions_of_town=np.ones(5))
    assert value == pytest.approx((5 * 0.5 + 1.5 * 0.6) / 0.6)
    # No town left to take: no break-even.
    assert np.isnan(break_even_keur(inputs, TRAINING, 0.5, events=0.0, attending=0.0,
                                    open_towns=np.zeros(5, dtype=bool),
                                    actions_of_town=np.zeros(5)))


@pytest.mark.parametrize(("changes", "message"), [
    ({"collective_actions.benefit_theme": "tourism"},
     "benefit_theme 'tourism' is not a theme of the scenario"),
    ({"collective_actions.minimum_scope": "year",
      "collective_actions.training_path.minimum_per_region": 3},
     "training_path.minimum_per_region (3) exceeds max_per_region_year (2)"),
    ({"collective_actions.awareness_day.seats": 0}, "awareness_day.seats"),
])
def test_a_wrong_collective_field_is_a_one_line_error(changes: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        from pvd_optim.assemble import prepare

        prepare(load_scenario(TOY, {"collective_actions.enabled": True, **changes}))
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_explain_has_a_line_per_region(collective_run) -> None:  # type: ignore[no-untyped-def]
    from pvd_optim import i18n
    from pvd_optim.explain import explain_markdown

    allocation, _ = collective_run
    text = explain_markdown(allocation, i18n.translator("en"))
    assert "## Cerema's collective actions" in text
    assert "| 2026 | Grand Est | Cerema Est | 1 | 3 | 1 | 3 | 26 | none left to train |" in text


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_two_years_give_one_training_path_per_town(solver: str) -> None:
    """The toy over 2025-2026: the commitment over the horizon is one day and one cohort in
    all, each town trained once; the days and the cohort may fall in either year."""
    allocation = optimise(load_scenario(TOY, {**TOY_COLLECTIVE, "years": [2025, 2026],
                                              "solver.name": solver}))
    table = allocation.by_collective
    assert table.groupby("action")["events"].sum().to_dict() == {"awareness_day": 1.0,
                                                                 "training_path": 1.0}
    trained = allocation.by_town.groupby(level=0)["attends_training_path"].sum()
    assert trained.tolist() == [1.0, 1.0, 1.0]
    assert allocation.objective_parts["collective_value"] == pytest.approx(
        (3.0 + 0.5 - 0.25) * (0.8 + 0.4 + 0.9))
    assert (table["events"] >= 0).all() and not np.signbit(table["events"]).any()


def test_a_commitment_beyond_the_capacity_is_diagnosed_in_planner_terms() -> None:
    """The toy's 10 days cannot pay the commitment's day (6) and cohort (20) in Grand Est."""
    from pvd_optim.errors import InfeasibleError

    with pytest.raises(InfeasibleError) as caught:
        optimise(load_scenario(TOY, {**TOY_COLLECTIVE, "resources.expertise.capacity_days": 10}))
    text = str(caught.value)
    assert "raise Cerema capacity by 16 expert-days in all, to at least 26" in text
    assert ("lower the minimum of training paths per region to at most 0 (now 1): the training "
            "paths of Grand Est need 20 trainer-days; Cerema Est has 10 in all") in text


@pytest.mark.parametrize(("regions", "count"), [("mainland", 13), ("all", 18)])
def test_the_thirteen_mainland_regions_or_every_region(regions: str, count: int) -> None:
    from pvd_optim.assemble import prepare

    national = Path(__file__).resolve().parents[1] / "scenarios" / "national.yaml"
    first = prepare(load_scenario(national, {"collective_actions.regions": regions})
                    ).programme.first
    assert first.n_collective_regions == count
    names = {first.region_names[r]: first.directorate_names[d]
             for r, d in zip(first.collective_region, first.collective_directorate,
                             strict=True)}
    assert names["Corse"] == "Cerema Méditerranée"  # the directorate of all its towns
    assert ("La Réunion" in names) == (regions == "all")


def test_the_comparison_report_shows_collective_actions_per_region(
        collective_run) -> None:  # type: ignore[no-untyped-def]
    from pvd_optim.report import Comparison
    from pvd_optim.report.html import render_html

    with_actions, _ = collective_run
    without = dataclasses.replace(optimise(load_scenario(TOY)), label="without")
    comparison = Comparison([with_actions, without])
    table = comparison.tables()["collective_actions"]
    assert set(table["label"]) == {with_actions.label}
    assert table.groupby("action")["events"].sum().to_dict() == {"awareness_day": 1.0,
                                                                 "training_path": 1.0}
    page = render_html(comparison, lang="en")
    section = page[page.index('<section id="collective">'):]
    assert "Training cohorts" in section and "Grand Est" in section and "1 (3)" in section


def test_explain_benefit_counts_the_collective_value(collective_run) -> None:  # type: ignore[no-untyped-def]
    """The benefit section lists the collective actions' value: its parts add up to the
    benefit, and the benefit (no penalty here) is the objective."""
    import re

    from pvd_optim import i18n
    from pvd_optim.explain import explain_markdown

    allocation, _ = collective_run
    parts = allocation.objective_parts
    assert parts["collective_value"] > 0
    text = explain_markdown(allocation, i18n.translator("en"))
    benefit = float(re.search(r"- Benefit: ([\d,.]+)", text).group(1).replace(",", ""))
    listed = [float(v.replace(",", "")) for v in re.findall(r"  - of [^\n]*: ([\d,.]+)\n", text)]
    assert len(listed) == 4 and sum(listed) == pytest.approx(benefit, abs=0.2)
    assert benefit == pytest.approx(allocation.objective, abs=0.05)
    assert "of Cerema's collective actions" in text
