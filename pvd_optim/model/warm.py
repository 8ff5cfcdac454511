"""Solves that start from a known point: a base optimum reused by the variants of a sweep.

A sweep solves many variants of one base scenario. Each variant may start from the
base's optimum, and only from it: a start taken from whatever a process solved last
would make a variant's answer depend on the order of the work, so a sweep's tables
would differ between one process and a cluster. The start is handed to HiGHS as a
MIP start (``setSolution``: an incumbent that prunes the search from the first node).

The start is used only where it stays feasible for the variant: checked here with
HiGHS's own default feasibility tolerance, so that HiGHS is never handed an
infeasible incumbent (it would reject it, and the record would not say so).
CBC (through PuLP) solves cold: :func:`solve_from` falls back to
:func:`~pvd_optim.model.solve.solve`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from pvd_optim.inputs import FloatArray
from pvd_optim.model.highs import make_highs, run_and_read, set_start
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import solve
from pvd_optim.model.status import SolveResult
from pvd_optim.scenario.schema import SolverSection

#: HiGHS's default ``primal_feasibility_tolerance`` (absolute, on bounds and rows), the
#: test a start must pass; integrality is tested with its ``mip_feasibility_tolerance``.
START_FEASIBILITY = 1e-7
START_INTEGRALITY = 1e-6


@dataclass(frozen=True, eq=False)
class StartingPoint:
    """The base optimum a variant may start from: the value of every column."""

    values: FloatArray


def same_matrix(a: LinearProgram, b: LinearProgram) -> bool:
    """Whether ``a`` and ``b`` have the same columns, matrix, costs and integrality.

    Two such programs differ only in their bounds and right-hand sides: the one is the
    other re-solved with new bounds.
    """
    return (a.n_cols == b.n_cols and a.n_rows == b.n_rows and a.maximise == b.maximise
            and a.columns == b.columns and a.rows == b.rows
            and np.array_equal(a.integer, b.integer)
            and np.array_equal(a.row_start, b.row_start)
            and np.array_equal(a.row_index, b.row_index)
            and np.array_equal(a.row_value, b.row_value)
            and np.array_equal(a.cost, b.cost))


def with_bounds_of(base: LinearProgram, variant: LinearProgram) -> LinearProgram:
    """``base``'s model (its matrix arrays, shared) with ``variant``'s bounds."""
    return dataclasses.replace(base, col_lower=variant.col_lower, col_upper=variant.col_upper,
                               row_lower=variant.row_lower, row_upper=variant.row_upper)


def start_is_feasible(program: LinearProgram, start: StartingPoint) -> bool:
    """Whether the start satisfies ``program``'s bounds, rows and integrality."""
    values = start.values
    if len(values) != program.n_cols or not np.isfinite(values).all():
        return False
    tol = START_FEASIBILITY
    if (values < program.col_lower - tol).any() or (values > program.col_upper + tol).any():
        return False
    integer = program.integer
    if integer.any() and (np.abs(values[integer] - np.round(values[integer]))
                          > START_INTEGRALITY).any():
        return False
    activity = program.activity(values)
    return not ((activity < program.row_lower - tol).any()
                or (activity > program.row_upper + tol).any())


def solve_from(program: LinearProgram, settings: SolverSection, start: StartingPoint | None
               ) -> SolveResult:
    """Solve ``program`` starting from ``start`` where it is feasible for ``program``.

    Without a start, with an infeasible one, or with CBC, this is a cold :func:`solve`.
    """
    if start is None or settings.name != "highs" or not start_is_feasible(program, start):
        return solve(program, settings)
    h = make_highs(program, settings)
    set_start(h, start.values)
    return run_and_read(h, program, settings)


__all__ = ["StartingPoint", "same_matrix", "solve_from", "start_is_feasible", "with_bounds_of"]
