"""The model layer on generated problems: back ends agree, the checker is independent."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pvd_optim.check import AllocationArrays, check_allocation, objective_parts
from pvd_optim.model import SolveStatus, build_program, fix_integers, solve
from pvd_optim.postprocess import extract
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode", ["hard", "soft", "off"])
def test_highs_and_cbc_agree_at_gap_zero(seed: int, mode: str) -> None:
    inputs = random_inputs(n_towns=15, seed=seed, balance_mode=mode, balance_tolerance=0.3)
    program = build_program(inputs)
    highs = solve(program, SolverSection(name="highs", mip_gap=0.0))
    cbc = solve(program, SolverSection(name="cbc", mip_gap=0.0))
    assert highs.status is cbc.status is SolveStatus.OPTIMAL
    assert highs.objective == pytest.approx(cbc.objective, rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_tight_rows_do_not_change_the_optimum(seed: int) -> None:
    inputs = random_inputs(n_towns=20, n_groups=4, seed=seed)
    tight = solve(build_program(inputs, tight=True), SolverSection(mip_gap=0.0))
    loose = solve(build_program(inputs, tight=False), SolverSection(mip_gap=0.0))
    assert tight.objective == pytest.approx(loose.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_solutions_pass_the_checker_and_objective_is_recomputed(seed: int) -> None:
    inputs = random_inputs(n_towns=25, seed=seed, min_per_town_keur=5.0)
    program = build_program(inputs)
    result = solve(program, SolverSection(mip_gap=0.0))
    arrays = extract(program, result.require_values())
    assert check_allocation(inputs, arrays).ok
    assert objective_parts(inputs, arrays)["total"] == pytest.approx(result.objective, rel=1e-7)


def test_checker_names_each_violated_constraint() -> None:
    inputs = random_inputs(n_towns=6, n_groups=3)
    n, k = inputs.n_towns, inputs.n_themes
    arrays = AllocationArrays(
        funding_keur=np.full((n, k), 30.0),  # 540 k > envelope of 240 k
        days=np.zeros((n, k)),
        covered=np.zeros(n),  # funding without a project lead
        posts=np.zeros(inputs.n_groups),
    )
    report = check_allocation(inputs, arrays, ["envelope", "lead", "bounds"])
    families = {v.family for v in report.violations}
    assert families == {"envelope", "lead"}
    assert any(v.item == "10000" for v in report.violations if v.family == "lead")
    with pytest.raises(AssertionError, match="independent checker rejected"):
        report.raise_if_violated()


def test_checker_is_independent_of_the_matrix() -> None:
    """A wrong coefficient in the matrix yields a solution the checker rejects."""
    inputs = random_inputs(n_towns=10)
    program = build_program(inputs)
    envelope_row = program.rows["envelope"].start
    bad_upper = program.row_upper.copy()
    bad_upper[envelope_row] *= 2  # the matrix now allows twice the envelope
    broken = dataclasses.replace(program, row_upper=bad_upper)
    result = solve(broken, SolverSection(mip_gap=0.0))
    arrays = extract(broken, result.require_values())
    report = check_allocation(inputs, arrays)
    assert [v.family for v in report.violations] == ["envelope"]


def test_shadow_prices_equal_finite_differences() -> None:
    inputs = random_inputs(n_towns=30, n_groups=10, seed=1)
    program = build_program(inputs)
    mip = solve(program, SolverSection(mip_gap=0.0))
    fixed = solve(fix_integers(program, mip.require_values()))
    envelope_price = program.row_values("envelope", fixed.row_duals)[0]
    bumped = dataclasses.replace(inputs, envelope_keur=inputs.envelope_keur + 1.0)
    again = solve(fix_integers(build_program(bumped), mip.require_values()))
    assert envelope_price == pytest.approx(again.objective - fixed.objective, abs=1e-6)
    cbc = solve(fix_integers(program, mip.require_values()), SolverSection(name="cbc"))
    assert program.row_values("envelope", cbc.row_duals)[0] == pytest.approx(envelope_price)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_without_solution_is_not_reported_as_a_result(solver: str) -> None:
    # A microsecond is less than either solver needs to read the model: no solution, ever.
    inputs = random_inputs(n_towns=30)
    result = solve(build_program(inputs), SolverSection(name=solver, time_limit_s=1e-6))
    assert result.status is SolveStatus.NO_SOLUTION
    assert result.values is None and result.objective is None
    with pytest.raises(RuntimeError, match="no solution values"):
        result.require_values()


def test_pulp_export_writes_the_same_model(tmp_path) -> None:
    from pvd_optim.model.solve import write_model

    program = build_program(random_inputs(n_towns=5))
    write_model(program, str(tmp_path / "model.mps"))
    write_model(program, str(tmp_path / "model.lp"))
    text = (tmp_path / "model.lp").read_text()
    assert "envelope" in text and "capacity_0" in text
    assert (tmp_path / "model.mps").stat().st_size > 0


def test_keeping_rows_keeps_every_named_block_given_as_a_generator() -> None:
    """The names are read once: a generator used to keep the first block only."""
    program = build_program(random_inputs(n_towns=30))
    names = list(program.rows)[:3]
    from_generator = program.keeping_rows(name for name in names)
    assert list(from_generator.rows) == names
    assert from_generator.n_rows == program.keeping_rows(names).n_rows
