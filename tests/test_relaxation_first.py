"""A programme solved from its LP relaxation first (``pvd_optim.model.relaxation_first``).

The small programmes are three years of 15 random towns, two towns a post, 8 towns
joined in the first year, posts lasting to the end of the horizon; the engineering
budget decides how fractional the relaxation is (155 k EUR a year: far from integral,
225 k EUR: a few fractional towns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pvd_optim.model.formulation import build_program
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.relaxation_first import (
    ROUNDED_STATUS,
    round_relaxation,
    solve_relaxation_first,
)
from pvd_optim.model.solve import solve
from pvd_optim.model.status import SolveStatus
from pvd_optim.model.warm import StartingPoint, start_is_feasible
from pvd_optim.scenario.schema import SolverSection
from tests.programme_factories import random_programme

GAP = 1e-3


def _programme(seed: int, budget_keur: float) -> Any:
    return random_programme(
        3, seed=seed, n_towns=15, programme={"persistence": "horizon"},
        engineering_budget_keur=budget_keur, towns_per_post=2, cover_min_share=0.3,
        balance_mode="off", per_year=[{"joined": np.arange(15) < 8}, {}, {}])


def _settings(gap: float) -> SolverSection:
    return SolverSection(mip_gap=gap)  # type: ignore[call-arg]


def _fractional(program: LinearProgram) -> int:
    values = solve(program.relaxed(), _settings(0.0)).require_values()
    return int((program.integer & (np.abs(values - np.round(values)) > 1e-6)).sum())


def test_a_rounded_relaxation_is_kept_when_its_bound_proves_the_gap() -> None:
    programme = _programme(seed=1, budget_keur=225.0)
    program = build_program(programme)
    exact = solve(program, _settings(0.0))
    assert _fractional(program) > 0  # the rounding has work to do
    result = solve_relaxation_first(program, _settings(GAP), programme)
    assert result.raw_status == ROUNDED_STATUS and result.status is SolveStatus.OPTIMAL
    assert result.is_mip and result.row_duals is None
    assert exact.objective is not None and result.objective is not None
    assert result.best_bound is not None and result.mip_gap is not None
    # The bound is the relaxation's: never below the optimum; the gap is the one proven.
    assert result.best_bound >= exact.objective - 1e-6
    assert result.objective >= exact.objective * (1 - GAP) - 1e-6
    assert result.mip_gap == pytest.approx(
        (result.best_bound - result.objective) / abs(result.objective), abs=1e-12)
    assert start_is_feasible(program, StartingPoint(result.require_values()))


def test_the_mip_decides_when_the_rounded_relaxation_is_too_far() -> None:
    programme = _programme(seed=0, budget_keur=155.0)  # relaxation 9.8 % above the optimum
    program = build_program(programme)
    exact = solve(program, _settings(0.0))
    result = solve_relaxation_first(program, _settings(GAP), programme)
    assert result.raw_status != ROUNDED_STATUS and result.status is SolveStatus.OPTIMAL
    assert exact.objective is not None and result.objective is not None
    assert result.objective >= exact.objective * (1 - GAP) - 1e-6


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("budget_keur", [155.0, 225.0])
def test_relaxation_first_is_within_the_gap_of_the_optimum(seed: int, budget_keur: float
                                                           ) -> None:
    programme = _programme(seed, budget_keur)
    program = build_program(programme)
    exact = solve(program, _settings(0.0))
    if exact.status is SolveStatus.INFEASIBLE:
        pytest.skip("this random programme has no allocation")
    result = solve_relaxation_first(program, _settings(GAP), programme)
    assert exact.objective is not None and result.objective is not None
    assert exact.objective * (1 - GAP) - 1e-6 <= result.objective <= exact.objective + 1e-6
    assert start_is_feasible(program, StartingPoint(result.require_values()))


def test_rounding_keeps_the_covered_count_and_coverage_lasting() -> None:
    """Two towns of a group half covered: the one covered more over the horizon gets it."""
    programme = _programme(seed=1, budget_keur=225.0)
    program = build_program(programme)
    values = solve(program, _settings(0.0)).require_values().copy()
    c = program.columns["c"]
    cover = values[c.slice].reshape(c.shape)
    group = programme.first.group_of_town
    g = next(g for g in np.unique(group)
             if (cover[1:, group == g] == 1).any() and (cover[1:, group == g] == 0).any())
    towns = np.flatnonzero(group == g)
    on = next(t for t in towns if cover[1, t] == 1 and cover[0, t] == 0)
    off = next(t for t in towns if cover[2, t] == 0)
    cover[1, [on, off]] = 0.5  # the relaxation splits year 1's town between the two
    values[c.slice] = cover.ravel()
    rounded = round_relaxation(program, programme, values)
    assert rounded is not None
    again = rounded[c.slice].reshape(c.shape)
    assert again[1, on] == 1 and again[1, off] == 0  # `on` is covered in year 2 as well
    assert (np.diff(again, axis=0) >= 0).all()  # coverage lasts


def test_a_fractional_post_is_not_rounded() -> None:
    programme = _programme(seed=1, budget_keur=225.0)
    program = build_program(programme)
    values = solve(program, _settings(0.0)).require_values().copy()
    values[program.columns["p"].start] += 0.5
    assert round_relaxation(program, programme, values) is None


def test_one_year_is_solved_as_before() -> None:
    programme = random_programme(1, seed=3)
    program = build_program(programme)
    result = solve_relaxation_first(program, _settings(0.0), programme)
    assert result.raw_status != ROUNDED_STATUS
    assert result.objective == pytest.approx(solve(program, _settings(0.0)).objective)


def test_the_mip_after_the_relaxation_gets_only_what_is_left_of_the_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The relaxation and the MIP share ``solver.time_limit_s`` (``model.solve.time_left``).

    A limit spent by the time the MIP starts leaves it 1e-3 s, so it stops at once with
    its time-limit status; it used to get a floor of 1 s beyond the scenario's limit.
    """
    import pvd_optim.model.relaxation_first as relaxation_first

    limits: list[float] = []
    real_solve_from = relaxation_first.solve_from

    def recording(program: LinearProgram, settings: SolverSection, start: Any) -> Any:
        limits.append(settings.time_limit_s)
        return real_solve_from(program, settings, start)

    monkeypatch.setattr(relaxation_first, "solve_from", recording)
    programme = _programme(seed=0, budget_keur=155.0)
    settings = SolverSection(mip_gap=GAP, time_limit_s=1e-6)  # type: ignore[call-arg]
    result = solve_relaxation_first(build_program(programme), settings, programme)
    assert limits == [1e-3]
    assert result.status is not SolveStatus.OPTIMAL
