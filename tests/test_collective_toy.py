"""Cerema's collective actions on a toy small enough to solve by hand, on HiGHS and CBC.

Five towns, one theme (revitalisation), one Cerema directorate for both regions:

    town  region    need   (fragility 0: coverage is worth nothing; every town has its own
    t0    Corse     1.0     post, and the budget pays all five, so a town is covered
    t1    Corse     0.5     whenever attending needs it)
    t2    Bretagne  0.8
    t3    Bretagne  0.8
    t4    Bretagne  0.6

No funding (envelope 0). Individual expert-days: saturation 10 days per town, two
segments of 5 days at slopes 1.0 and 0.5, worth 1 k EUR-eq per day at need 1: the best
day is t0's first segment, 1.0 k EUR-eq a day for 5 days, then t2's and t3's (0.8).

A training cohort: 3 seats, 5 expert-days, worth 3 k EUR-eq per trained town at need 1.
An awareness day: 10 seats, 2 expert-days, worth 2 k EUR-eq at need 1. Each action beyond
a town's first is worth 1.5 k EUR-eq x need less.

1. Capacity 5 days, training only (no awareness day, no minimum): either 5 individual
   days to t0 (5 x 1.0 = 5.0), or one cohort in Bretagne (3 x (0.8 + 0.8 + 0.6) = 6.6), or
   one in Corse (3 x 1.5 = 4.5, two towns only). Optimum 6.6: the cohort in Bretagne, no
   individual day.
2. Capacity 4 days: a cohort (5 days) does not fit: 4 days to t0, 4.0.
3. Capacity 10 days and the commitment, one training path per region: both cohorts, all
   10 days: 4.5 + 6.6 = 11.1.
4. Capacity 100 days, one of each action at most per region, no minimum: every town
   attends both actions of its region, and its second is worth 1.5 x need less:
   collective value (3 + 2 - 1.5) x (1.0 + 0.5 + 0.8 + 0.8 + 0.6) = 3.5 x 3.7 = 12.95
   (18.5 without the discount); 100 - 2 x 5 - 2 x 2 = 86 days remain, more than the
   towns' 5 x 10 = 50 days of saturation: expertise (5 x 1.0 + 5 x 0.5) x 3.7 = 27.75.
   Optimum 40.7.
5. Corse's days balance: capacity 15 days, a cohort in each region (the commitment),
   hard balance of days within 15 % of the fair shares 0.4 and 0.6: the 5 individual days
   left are split about 2 and 3 (Corse within [0.34, 0.46] x 5 days of individual
   missions): the cohorts' 10 days are regional by construction and are not in the
   balance (counted, Corse's 5 + 2 would be 47 % of 15 days, outside its band).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from pvd_optim.check import check_allocation, objective_parts
from pvd_optim.inputs import ModelInputs, collective_days_by_directorate
from pvd_optim.model import build_program, solve
from pvd_optim.postprocess import clean, extract
from pvd_optim.scenario.schema import SolverSection

AWARENESS, TRAINING = 0, 1


def toy(capacity_days: float, **changes: Any) -> ModelInputs:
    """The toy of the module docstring, with ``capacity_days`` and ``changes``."""
    need = np.array([[1.0], [0.5], [0.8], [0.8], [0.6]])
    n = len(need)
    inputs = ModelInputs(
        town_codes=tuple(f"2A{i:03d}" if i < 2 else f"29{i:03d}" for i in range(n)),
        town_names=tuple(f"t{i}" for i in range(n)),
        population=np.full(n, 3_000.0),
        themes=("revitalisation",),
        need=need,
        fragility=np.zeros(n),
        region_of_town=np.array([0, 0, 1, 1, 1]),
        region_codes=("94", "53"),
        region_names=("Corse", "Bretagne"),
        directorate_of_town=np.zeros(n, dtype=np.int64),
        directorate_names=("Cerema Toy",),
        group_of_town=np.arange(n),
        group_labels=tuple(f"G{i}" for i in range(n)),
        envelope_keur=0.0, cap_keur=np.zeros(n), saturation_keur=np.array([40.0]),
        min_per_town_keur=0.0, spend_min_share=0.0,
        capacity_days=np.array([capacity_days]), saturation_days=np.array([10.0]),
        max_days_per_town=10.0,
        post_cost_keur=45.0, engineering_budget_keur=45.0 * n, towns_per_post=1,
        cover_min_share=0.0,
        segment_widths=np.array([0.5, 0.5]), slopes=np.array([1.0, 0.5]),
        value_per_day_keur=1.0, value_per_cover_keur=60.0,
        balance_mode="off", balance_tolerance=0.15, fair_share=np.array([0.4, 0.6]),
        penalty_funding=1.0, penalty_days=1.0, penalty_towns=60.0,
        theme_floor=np.zeros(1),
        collective_region=np.array([0, 1]), collective_directorate=np.array([0, 0]),
        collective_seats=np.array([10.0, 3.0]), collective_days=np.array([2.0, 5.0]),
        collective_value_keur=np.array([2.0, 3.0]),
        collective_max_count=np.array([0.0, 2.0]), collective_minimum=np.array([0.0, 0.0]),
        collective_need=need[:, 0].copy(), collective_further_discount_keur=1.5,
    )
    return dataclasses.replace(inputs, **changes)


def solved(inputs: ModelInputs, solver: str):  # type: ignore[no-untyped-def]
    result = solve(build_program(inputs), SolverSection(name=solver, mip_gap=0.0))
    assert result.status.name == "OPTIMAL"
    arrays = clean(extract(build_program(inputs), result.require_values()), inputs)
    report = check_allocation(inputs, arrays)
    assert report.ok, report.violations
    return arrays, objective_parts(inputs, arrays), result.objective


SOLVERS = pytest.mark.parametrize("solver", ["highs", "cbc"])


@SOLVERS
def test_the_capacity_buys_one_cohort_rather_than_individual_days(solver: str) -> None:
    arrays, parts, objective = solved(toy(5.0), solver)
    assert objective == pytest.approx(6.6) and parts["total"] == pytest.approx(6.6)
    assert parts["collective_value"] == pytest.approx(6.6)
    assert parts["expertise_benefit"] == pytest.approx(0.0)
    assert arrays.collective_events.tolist() == [[0.0, 0.0], [0.0, 1.0]]
    assert arrays.attendance[:, TRAINING].tolist() == [0, 0, 1, 1, 1]
    assert arrays.covered[2:].tolist() == [1, 1, 1]  # attending needs a project lead
    assert arrays.days.sum() == pytest.approx(0.0)


@SOLVERS
def test_a_cohort_that_does_not_fit_leaves_the_days_to_missions(solver: str) -> None:
    arrays, parts, _ = solved(toy(4.0), solver)
    assert parts["total"] == pytest.approx(4.0)
    assert parts["collective_value"] == pytest.approx(0.0)
    assert arrays.collective_events.sum() == 0
    assert arrays.days[0, 0] == pytest.approx(4.0)


@SOLVERS
def test_the_commitment_gives_each_region_its_training_path(solver: str) -> None:
    inputs = toy(10.0, collective_minimum=np.array([0.0, 1.0]))
    arrays, parts, _ = solved(inputs, solver)
    assert parts["total"] == pytest.approx(4.5 + 6.6)
    assert arrays.collective_events[:, TRAINING].tolist() == [1.0, 1.0]
    assert collective_days_by_directorate(inputs, arrays).tolist() == [10.0]


@SOLVERS
def test_a_second_action_is_worth_less(solver: str) -> None:
    inputs = toy(100.0, collective_max_count=np.array([1.0, 1.0]))
    arrays, parts, _ = solved(inputs, solver)
    assert parts["collective_value"] == pytest.approx(3.5 * 3.7)
    assert parts["expertise_benefit"] == pytest.approx(7.5 * 3.7)
    assert parts["total"] == pytest.approx(40.7)
    assert arrays.attendance.tolist() == [[1, 1]] * 5


@SOLVERS
def test_collective_days_are_not_in_corses_days_balance(solver: str) -> None:
    inputs = toy(15.0, collective_minimum=np.array([0.0, 1.0]), balance_mode="hard")
    arrays, _, _ = solved(inputs, solver)
    assert arrays.collective_events[:, TRAINING].tolist() == [1.0, 1.0]
    individual = arrays.used_by_region(inputs)[1]  # the balance's days: missions only
    assert individual.sum() == pytest.approx(5.0)
    assert 0.34 * 5 - 1e-6 <= individual[0] <= 0.46 * 5 + 1e-6  # Corse in its band
    # Counted with its cohort, Corse would use 5 + individual days: out of its band.
    assert (5.0 + individual[0]) / 15.0 > 0.46


def test_the_commitment_beyond_the_capacity_is_infeasible_and_worded() -> None:
    from pvd_optim.families.collective import COLLECTIVE_MINIMUM

    inputs = toy(5.0, collective_minimum=np.array([0.0, 1.0]))
    assert solve(build_program(inputs), SolverSection(mip_gap=0.0)).status.name == "INFEASIBLE"
    assert COLLECTIVE_MINIMUM.relax is not None
