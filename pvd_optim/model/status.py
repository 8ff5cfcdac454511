"""Solver outcomes, normalised: the only place raw solver statuses are interpreted."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


class SolveStatus(enum.Enum):
    """What a solve established, independent of the solver used."""

    OPTIMAL = "optimal"
    """Proven optimal (within the requested MIP gap)."""
    FEASIBLE = "feasible"
    """Stopped at a limit with a feasible solution that is not proven optimal."""
    INFEASIBLE = "infeasible"
    """No solution satisfies every constraint."""
    UNBOUNDED = "unbounded"
    """The objective can grow without limit (a modelling bug for this model)."""
    NO_SOLUTION = "no_solution"
    """Stopped at a limit before finding any feasible solution."""
    ERROR = "error"
    """The solver failed."""

    @property
    def has_solution(self) -> bool:
        """Whether primal values may be read."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, eq=False)
class SolveResult:
    """One solve's outcome. ``values`` and ``duals`` are ``None`` unless available."""

    status: SolveStatus
    solver: str
    solver_version: str
    raw_status: str
    objective: float | None
    values: NDArray[np.float64] | None
    row_duals: NDArray[np.float64] | None
    mip_gap: float | None
    best_bound: float | None
    solve_seconds: float
    is_mip: bool
    notes: tuple[str, ...] = ()
    """What a planner should know about how the solve ran (threads clamped, ...)."""

    def require_values(self) -> NDArray[np.float64]:
        """The primal values; only valid when the status has a solution."""
        if not self.status.has_solution or self.values is None:
            raise RuntimeError(f"no solution values: solve status is {self.status.value}")
        return self.values
