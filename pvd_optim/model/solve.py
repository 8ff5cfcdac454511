"""Solve a ``LinearProgram`` with the chosen back end, and the follow-up solves.

Back ends are imported lazily: HiGHS for the default path and file export, PuLP
only when CBC is asked for, so neither loads when it is not used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Literal

import numpy as np

from pvd_optim.i18n.message import Plural
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.status import SolveResult
from pvd_optim.scenario.schema import SolverSection

SolverName = Literal["highs", "cbc"]

#: When set, solvers write their own log to standard error (``pvd-optim --debug``).
SOLVER_LOG: ContextVar[bool] = ContextVar("pvd_optim_solver_log", default=False)


@contextlib.contextmanager
def solver_log(enabled: bool = True) -> Iterator[None]:
    """Within the block, every solve writes the solver's log (HiGHS, CBC) to stderr."""
    token = SOLVER_LOG.set(enabled)
    try:
        yield
    finally:
        SOLVER_LOG.reset(token)


#: A follow-up solve that would start with less time than this is skipped, not started.
MIN_FOLLOW_UP_S = 1.0


class SolveBudget:
    """The wall-clock limit of a run's solving, shared by its solves in turn.

    ``solver.time_limit_s`` bounds all the solving of a run: the main solve may use
    all of it, and each follow-up solve (shadow prices, re-solves) gets what is
    left, so a run never solves for longer than the scenario allows.
    """

    def __init__(self, settings: SolverSection) -> None:
        self.settings = settings
        self.started = time.perf_counter()

    @property
    def remaining_s(self) -> float:
        """Seconds left of the limit."""
        return self.settings.time_limit_s - (time.perf_counter() - self.started)

    def follow_up(self, **changes: object) -> SolverSection | None:
        """Settings for the next follow-up, limited to what is left; ``None`` if too little."""
        left = self.remaining_s
        if left < MIN_FOLLOW_UP_S:
            return None
        return self.settings.model_copy(update={**changes, "time_limit_s": left})


def time_left(settings: SolverSection, started: float) -> SolverSection:
    """``settings`` with what is left of its time limit since ``started`` (``perf_counter``).

    One owner for the solves that share one limit in turn (a re-solve's relaxation and
    its MIP, the relaxation-first path and its MIP). The limit stays positive: a tiny
    one ends the solve at once with its time-limit status, rather than granting it more
    time than the scenario allows.
    """
    left_s = max(1e-3, settings.time_limit_s - (time.perf_counter() - started))
    return settings.model_copy(update={"time_limit_s": left_s})


def threads_to_use(requested: int) -> tuple[int, tuple[str, ...]]:
    """The threads a solve uses: the scenario's count, clamped to the cores available.

    A scenario's validity must not depend on the machine, so the schema accepts up
    to its documented maximum and the clamp happens here, with a note saying so.
    """
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    if requested <= available:
        return requested, ()
    return available, (Plural("solver.threads asks for {requested} threads; this machine has "
                              "{count} core, so the solver used {count}",
                              "solver.threads asks for {requested} threads; this machine has "
                              "{count} cores, so the solver used {count}", available,
                              requested=requested),)


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


def fix_integers(program: LinearProgram, values: np.ndarray,
                 only: np.ndarray | None = None) -> LinearProgram:
    """The LP obtained by fixing every integer column at its (rounded) solution value.

    Its duals are the shadow prices "with posts and coverage as decided". With
    ``only`` (a column mask), only the integer columns in it are fixed; the other
    integer columns stay integer (a smaller MIP).
    """
    fixed = np.round(values)
    chosen = program.integer if only is None else program.integer & only
    return dataclasses.replace(
        program,
        integer=program.integer & ~chosen,
        col_lower=np.where(chosen, fixed, program.col_lower),
        col_upper=np.where(chosen, fixed, program.col_upper),
    )


def relax_integers(program: LinearProgram) -> LinearProgram:
    """The LP relaxation: same bounds, integrality dropped."""
    return program.relaxed()


def write_model(program: LinearProgram, path: str) -> None:
    """Export the model as an MPS (``.mps``) or LP file, with readable names and its sense.

    Written by HiGHS from the program's arrays (``highs.write_model``): the columns
    and rows keep the program's order, so a solver reading the file follows the same
    search as the in-memory solve.
    """
    from pvd_optim.model import highs

    highs.write_model(program, path)


def solver_version(name: SolverName) -> str:
    """Version string of a back end's solver."""
    if name == "highs":
        from pvd_optim.model import highs

        return highs.version()
    from pvd_optim.model import pulp_backend

    return pulp_backend.cbc_version()
