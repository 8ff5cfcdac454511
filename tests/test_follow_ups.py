"""Follow-up solves started from the main solve's answer give the figures of cold solves.

The fixed-integer LP starts from the MIP's values; the gap-0 re-solves first try the
LP relaxation from the base optimum and solve the MIP only when it is fractional, the
two re-solves at once in threads (``pvd_optim.model.follow_ups``).
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from pvd_optim.families.reference import CAPACITY, ENVELOPE
from pvd_optim.model import build_program, fix_integers, follow_ups, solve
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.status import SolveStatus
from pvd_optim.model.warm import StartingPoint
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

EXACT = SolverSection(mip_gap=0.0)  # type: ignore[call-arg]
SEEDS = range(5)


def _changed(inputs):  # type: ignore[no-untyped-def]
    """The two re-solves' inputs: a wider balance band, one more post's budget."""
    return [
        dataclasses.replace(inputs, balance_tolerance=min(1.0, inputs.balance_tolerance + 0.05)),
        dataclasses.replace(inputs, engineering_budget_keur=inputs.engineering_budget_keur
                            + inputs.post_cost_keur),
    ]


def _one_integer(upper_row: float) -> LinearProgram:
    """max x subject to 2 x <= ``upper_row``, x integer in [0, 10]."""
    return LinearProgram(
        cost=np.array([1.0]), col_lower=np.array([0.0]), col_upper=np.array([10.0]),
        integer=np.array([True]), row_start=np.array([0, 1]), row_index=np.array([0]),
        row_value=np.array([2.0]), row_lower=np.array([-np.inf]),
        row_upper=np.array([upper_row]))


def _envelope_derivatives(lp: LinearProgram, step_keur: float) -> tuple[float, float]:
    """Objective gained per k EUR of envelope just above and just below its value."""
    row = lp.rows[ENVELOPE.blocks[0].name].start

    def objective(change: float) -> float:
        upper = lp.row_upper.copy()
        upper[row] += change
        result = solve(dataclasses.replace(lp, row_upper=upper), EXACT)
        assert result.objective is not None
        return result.objective

    at = objective(0.0)
    return (objective(step_keur) - at) / step_keur, (at - objective(-step_keur)) / step_keur


@pytest.mark.parametrize("seed", SEEDS)
def test_the_fixed_lp_from_the_mip_values_has_the_cold_optimum_and_valid_prices(
        seed: int) -> None:
    """Same optimum as a cold solve; the envelope's price a true marginal value.

    Where the LP is degenerate its price is not unique (a cold and a warm simplex may
    end at different optimal bases): any value between the gain of one more k EUR and
    the loss of one less is a correct price, and the one reported must be among them.
    """
    inputs = random_inputs(n_towns=30, seed=seed)
    mip = solve(build_program(inputs), EXACT)
    lp = fix_integers(build_program(inputs, tight=False), mip.require_values())
    cold = solve(lp, EXACT)
    warm = follow_ups.solve_fixed_lp(lp, EXACT, mip.require_values())
    assert warm.status is SolveStatus.OPTIMAL
    assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert warm.row_duals is not None
    price = float(lp.row_values(ENVELOPE.blocks[0].name, warm.row_duals)[0])
    above, below = _envelope_derivatives(lp, step_keur=1e-2)
    assert above - 1e-6 <= price <= below + 1e-6
    assert np.isfinite(lp.row_values(CAPACITY.blocks[0].name, warm.row_duals)).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_re_solve_from_the_base_reaches_the_cold_gap_0_optimum(seed: int) -> None:
    inputs = random_inputs(n_towns=30, seed=seed)
    base = solve(build_program(inputs), EXACT)
    for changed in _changed(inputs):
        program = build_program(changed)
        got = follow_ups.solve_exactly(program, EXACT, StartingPoint(base.require_values()))
        assert got.status is SolveStatus.OPTIMAL and got.is_mip and got.mip_gap == 0.0
        assert got.objective == pytest.approx(solve(program, EXACT).objective, rel=1e-9)
        assert follow_ups.integral(program, got.require_values())


def test_an_integral_relaxation_is_taken_without_solving_the_mip(monkeypatch) -> None:
    def no_mip(*args: object) -> None:
        raise AssertionError("the MIP was solved although its relaxation is integral")

    monkeypatch.setattr(follow_ups, "solve_from", no_mip)
    got = follow_ups.solve_exactly(_one_integer(6.0), EXACT, StartingPoint(np.array([0.0])))
    assert got.status is SolveStatus.OPTIMAL and got.objective == pytest.approx(3.0)
    assert got.is_mip and got.mip_gap == 0.0 and got.best_bound == pytest.approx(3.0)


def test_a_fractional_relaxation_falls_back_to_the_mip() -> None:
    # The relaxation reaches x = 1.5; only the MIP gives the integral optimum 1.
    got = follow_ups.solve_exactly(_one_integer(3.0), EXACT, StartingPoint(np.array([1.0])))
    assert got.status is SolveStatus.OPTIMAL and got.objective == pytest.approx(1.0)
    assert got.require_values() == pytest.approx([1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_re_solves_at_once_give_the_serial_answers_in_order(seed: int, monkeypatch) -> None:
    inputs = random_inputs(n_towns=30, seed=seed)
    start = StartingPoint(solve(build_program(inputs), EXACT).require_values())
    programs = [build_program(changed) for changed in _changed(inputs)]
    threads: list[str] = []
    exactly = follow_ups.solve_exactly

    def recording(*args):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return exactly(*args)

    monkeypatch.setattr(follow_ups, "solve_exactly", recording)
    monkeypatch.setattr(follow_ups, "concurrent_solves", lambda: 2)
    together = follow_ups.solve_relaxations(programs, [EXACT, EXACT], start)
    assert all(name.startswith("pvd-resolve") for name in threads) and len(threads) == 2
    monkeypatch.setattr(follow_ups, "concurrent_solves", lambda: 1)
    one_by_one = follow_ups.solve_relaxations(programs, [EXACT, EXACT], start)
    assert [r.objective for r in together] == pytest.approx([r.objective for r in one_by_one],
                                                            rel=1e-12)
    assert [r.objective for r in together] == pytest.approx(
        [solve(program, EXACT).objective for program in programs], rel=1e-9)
