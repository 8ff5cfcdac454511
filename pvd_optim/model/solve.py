"""Solve a ``LinearProgram`` with the chosen back end, and the follow-up solves.

Back ends are imported lazily: HiGHS for the default path, PuLP only when CBC
or an export is asked for, so neither loads when it is not used.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from pvd_optim.model.program import LinearProgram
from pvd_optim.model.status import SolveResult
from pvd_optim.scenario.schema import SolverSection

SolverName = Literal["highs", "cbc"]


def solve(program: LinearProgram, settings: SolverSection | None = None) -> SolveResult:
    """Solve ``program`` with ``settings.name`` and return the normalised result.

    ``settings`` is the scenario's ``solver`` section, the one owner of every
    solver default (``SolverSection()`` when not given); follow-up solves pass a
    copy with their own changes (``settings.model_copy(update={"mip_gap": 0.0})``).
    """
    settings = settings or SolverSection()  # type: ignore[call-arg]
    if settings.name == "highs":
        from pvd_optim.model import highs

        return highs.solve(program, settings)
    from pvd_optim.model import pulp_backend

    return pulp_backend.solve(program, settings)


def fix_integers(program: LinearProgram, values: np.ndarray) -> LinearProgram:
    """The LP obtained by fixing every integer column at its (rounded) solution value.

    Its duals are the shadow prices "with posts and coverage as decided".
    """
    fixed = np.round(values)
    return dataclasses.replace(
        program.relaxed(),
        col_lower=np.where(program.integer, fixed, program.col_lower),
        col_upper=np.where(program.integer, fixed, program.col_upper),
    )


def relax_integers(program: LinearProgram) -> LinearProgram:
    """The LP relaxation: same bounds, integrality dropped."""
    return program.relaxed()


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
