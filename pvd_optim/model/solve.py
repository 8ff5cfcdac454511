"""Solve a ``LinearProgram`` with the chosen back end, and the follow-up solves.

Back ends are imported lazily: HiGHS for the default path, PuLP only when CBC
or an export is asked for, so neither loads when it is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pvd_optim.model.formulation import LinearProgram
from pvd_optim.model.status import SolveResult

SolverName = Literal["highs", "cbc"]


@dataclass(frozen=True)
class SolverOptions:
    """Back-end-neutral solver settings."""

    name: SolverName = "highs"
    time_limit_s: float = 600.0
    mip_gap: float = 1e-4
    threads: int = 1
    highs_options: tuple[tuple[str, bool | int | float | str], ...] = (
        ("mip_heuristic_run_root_reduced_cost", False),
    )


def solve(program: LinearProgram, options: SolverOptions | None = None) -> SolveResult:
    """Solve ``program`` with ``options.name`` and return the normalised result."""
    options = options or SolverOptions()
    if options.name == "highs":
        from pvd_optim.model import highs

        return highs.solve(
            program,
            highs.HighsSettings(
                time_limit_s=options.time_limit_s, mip_gap=options.mip_gap,
                threads=options.threads, extra_options=options.highs_options,
            ),
        )
    if options.name == "cbc":
        from pvd_optim.model import pulp_backend

        return pulp_backend.solve(
            program,
            pulp_backend.CbcSettings(
                time_limit_s=options.time_limit_s, mip_gap=options.mip_gap,
                threads=options.threads,
            ),
        )
    raise ValueError(
        f"The 'name' parameter of SolverOptions must be one of {{'highs', 'cbc'}}. "
        f"Got {options.name!r} instead."
    )


def fix_integers(program: LinearProgram, values: np.ndarray) -> LinearProgram:
    """The LP obtained by fixing every integer column at its (rounded) solution value.

    Its duals are the shadow prices "with posts and coverage as decided".
    """
    fixed = np.where(program.integer, np.round(values), np.nan)
    lower = np.where(program.integer, fixed, program.col_lower)
    upper = np.where(program.integer, fixed, program.col_upper)
    return program.with_column_bounds(lower, upper, integer=False)


def relax_integers(program: LinearProgram) -> LinearProgram:
    """The LP relaxation: same bounds, integrality dropped."""
    return program.with_column_bounds(program.col_lower, program.col_upper, integer=False)


def write_model(program: LinearProgram, path: str) -> None:
    """Export the model as an LP or MPS file (by extension), through PuLP."""
    from pvd_optim.model import pulp_backend

    pulp_backend.write_model(program, path)


def solver_version(name: SolverName) -> str:
    """Version string of a back end's solver."""
    if name == "highs":
        from pvd_optim.model import highs

        return highs.version()
    from pvd_optim.model import pulp_backend

    return pulp_backend.cbc_version()
