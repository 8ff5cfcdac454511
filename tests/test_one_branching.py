"""One branching settles a fractional relaxation exactly, or hands the MIP a better start.

``pvd_optim.model.follow_ups.one_branching``: the two children of a fractional integer
column hold every integral point between them, so an integral child that no other child
can beat is the MIP's optimum. Each toy's optimum is derived by hand in its docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from pvd_optim.model import follow_ups
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.status import SolveStatus
from pvd_optim.model.warm import StartingPoint
from pvd_optim.scenario.schema import SolverSection

EXACT = SolverSection(mip_gap=0.0)  # type: ignore[call-arg]


def _binaries(cost: list[float], row: list[float], upper_row: float) -> LinearProgram:
    """max ``cost . x`` subject to ``row . x <= upper_row``, x binary."""
    n = len(cost)
    return LinearProgram(
        cost=np.array(cost), col_lower=np.zeros(n), col_upper=np.ones(n),
        integer=np.ones(n, dtype=bool), row_start=np.array([0, n]),
        row_index=np.arange(n), row_value=np.array(row), row_lower=np.array([-np.inf]),
        row_upper=np.array([upper_row]))


def _no_mip(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_mip(*args: object) -> None:
        raise AssertionError("the MIP was solved although one branching settles it")

    monkeypatch.setattr(follow_ups, "solve_from", no_mip)


def test_an_infeasible_child_leaves_the_other_child_optimal(monkeypatch) -> None:
    """max x, 2 x <= 3, x integer in [0, 10]: relaxation x = 1.5.

    Children: x <= 1 gives x = 1 (integral); x >= 2 is infeasible (4 > 3). So 1 is
    the optimum, with no MIP.
    """
    _no_mip(monkeypatch)
    program = LinearProgram(
        cost=np.array([1.0]), col_lower=np.array([0.0]), col_upper=np.array([10.0]),
        integer=np.array([True]), row_start=np.array([0, 1]), row_index=np.array([0]),
        row_value=np.array([2.0]), row_lower=np.array([-np.inf]), row_upper=np.array([3.0]))
    got = follow_ups.solve_exactly(program, EXACT, StartingPoint(np.array([0.0])))
    assert got.status is SolveStatus.OPTIMAL and got.is_mip and got.mip_gap == 0.0
    assert got.objective == pytest.approx(1.0) and got.best_bound == pytest.approx(1.0)
    assert got.require_values() == pytest.approx([1.0])


def test_a_fractional_child_no_better_than_the_integral_one_is_pruned(monkeypatch) -> None:
    """max 3 x + y, 2 x + 2 y <= 3, x, y binary: relaxation x = 1, y = 0.5 (3.5).

    Branch on y. y = 0: x = 1, objective 3, integral. y = 1: x = 0.5, objective 2.5,
    fractional, but no point of that child beats 2.5 < 3. So 3 (x = 1, y = 0) is the
    optimum, with no MIP.
    """
    _no_mip(monkeypatch)
    program = _binaries([3.0, 1.0], [2.0, 2.0], 3.0)
    got = follow_ups.solve_exactly(program, EXACT, StartingPoint(np.zeros(2)))
    assert got.status is SolveStatus.OPTIMAL and got.is_mip and got.mip_gap == 0.0
    assert got.objective == pytest.approx(3.0)
    assert got.require_values() == pytest.approx([1.0, 0.0])


def test_a_fractional_child_that_may_be_better_falls_back_to_the_mip_from_the_better_start(
        monkeypatch) -> None:
    """max x + y, 2 x + 2 y <= 3, x, y binary: relaxation x + y = 1.5 (one at 0.5).

    Branch on the fractional one, say y. y = 0: x = 1, objective 1, integral. y = 1:
    x = 0.5, objective 1.5, fractional and above 1: the branching proves nothing, and
    the MIP (optimum 1) is solved from the integral child (objective 1), better than
    the start given (0).
    """
    starts: list[float] = []
    solve_from = follow_ups.solve_from

    def recording(program, settings, start):  # type: ignore[no-untyped-def]
        starts.append(float(program.cost @ start.values))
        return solve_from(program, settings, start)

    monkeypatch.setattr(follow_ups, "solve_from", recording)
    program = _binaries([1.0, 1.0], [2.0, 2.0], 3.0)
    got = follow_ups.solve_exactly(program, EXACT, StartingPoint(np.zeros(2)))
    assert got.status is SolveStatus.OPTIMAL and got.objective == pytest.approx(1.0)
    assert starts == [pytest.approx(1.0)]


def test_the_branching_column_is_the_most_fractional() -> None:
    program = _binaries([1.0, 1.0, 1.0], [1.0, 1.0, 1.0], 3.0)
    assert follow_ups.branching_column(program, np.array([0.9, 0.4, 0.2])) == 1
    assert follow_ups.branching_column(program, np.array([1.0, 0.0, 1.0])) is None


@pytest.mark.parametrize("at_once", [1, 2])
def test_children_one_after_the_other_or_at_once_give_the_same_answer(
        at_once: int, monkeypatch) -> None:
    monkeypatch.setattr(follow_ups, "concurrent_solves", lambda: at_once)
    program = _binaries([3.0, 1.0], [2.0, 2.0], 3.0)
    branching = follow_ups.one_branching(program, EXACT, StartingPoint(np.zeros(2)),
                                         np.array([1.0, 0.5]))
    assert branching.optimum is not None and branching.optimum.objective == pytest.approx(3.0)
