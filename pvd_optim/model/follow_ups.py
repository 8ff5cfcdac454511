"""The follow-up solves of a run, each started from what the main solve found.

After the main MIP, a run solves (``pvd_optim.postprocess.shadow_prices``):

- the LP with posts and coverage fixed at the optimum, for the shadow prices. The
  MIP's values are a point of that LP (up to rounding of the integer columns), so
  HiGHS is handed them as a start and runs crossover from them to an optimal basis
  instead of a simplex from scratch: 0.16 s against 2.6 s at 1,646 towns, the same
  duals (``benchmarks/README.md``, issue 16);
- the re-solves at MIP gap 0 of the price of balance (a wider band) and of one more post
  (a bigger budget), and the gap-0 base they are compared with. With the tightening
  rows, the LP relaxation of this model is often integral already: HiGHS solved the
  national MIP at its root node, without a cut or a branch, and spent most of its time
  in presolve and root set-up. So each of these solves first solves the LP relaxation,
  started from the base optimum (crossover, under a second at 1,646 towns); when its
  optimum is integral it *is* the MIP's optimum (an integral point attaining the bound
  of every integral point), and the MIP is not solved at all. Otherwise the MIP is
  solved from the base optimum as a MIP start (each change only relaxes the base, so
  the base optimum is feasible; :func:`pvd_optim.model.warm.solve_from` checks it).
  The re-solves do not depend on each other: HiGHS solves them at once, each in its
  own thread with its own ``Highs`` instance (HiGHS gives every calling thread its own
  task scheduler, and releases the GIL while it solves).

CBC (through PuLP) solves every follow-up cold and one after the other.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import solve
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.model.warm import START_INTEGRALITY, StartingPoint, solve_from
from pvd_optim.scenario.schema import SolverSection


def solve_fixed_lp(lp: LinearProgram, settings: SolverSection, values: np.ndarray
                   ) -> SolveResult:
    """Solve the fixed-integer LP ``lp`` starting from the MIP's ``values``.

    ``lp`` has the MIP's columns (``fix_integers`` of the program without its
    tightening rows), so ``values`` is a point of it; HiGHS crosses over from it to
    an optimal basis. The start only decides where the simplex begins: the LP's
    optimum and the duals read from it are those of a cold solve.
    """
    if settings.name != "highs" or lp.integer.any() or len(values) != lp.n_cols:
        return solve(lp, settings)
    return solve_lp_from(lp, settings, values)


def solve_lp_from(lp: LinearProgram, settings: SolverSection, values: np.ndarray
                  ) -> SolveResult:
    """Solve the LP ``lp`` (HiGHS) starting from ``values``: crossover, then simplex."""
    from pvd_optim.model.highs import make_highs, run_and_read, set_start

    h = make_highs(lp, settings)
    set_start(h, np.clip(values, lp.col_lower, lp.col_upper))
    return run_and_read(h, lp, settings)


def integral(program: LinearProgram, values: np.ndarray) -> bool:
    """Whether every integer column of ``program`` is integral in ``values``.

    The test is HiGHS's own for a MIP solution (``mip_feasibility_tolerance``, the
    tolerance a MIP start must meet too).
    """
    columns = values[program.integer]
    return bool((np.abs(columns - np.round(columns)) <= START_INTEGRALITY).all())


def solve_exactly(program: LinearProgram, settings: SolverSection, start: StartingPoint
                  ) -> SolveResult:
    """The MIP ``program`` at ``settings``'s gap, through its LP relaxation when integral.

    The relaxation's optimum bounds every integral point; when it is integral itself
    (within HiGHS's integrality tolerance) it is the MIP's optimum at gap 0 and is
    returned as such. Otherwise the MIP is solved from ``start`` with what is left of
    ``settings.time_limit_s``. CBC, and an LP ``program``, go straight to their solve.
    """
    if settings.name != "highs" or not program.integer.any():
        return solve_from(program, settings, start)
    started = time.perf_counter()
    relaxation = solve_lp_from(program.relaxed(), settings, start.values)
    if (relaxation.status is SolveStatus.OPTIMAL and relaxation.values is not None
            and integral(program, relaxation.values)):
        return dataclasses.replace(relaxation, is_mip=True, mip_gap=0.0, row_duals=None,
                                   best_bound=relaxation.objective)
    # A time limit must stay positive; a tiny one ends the MIP at once, with its status.
    left_s = max(1e-3, settings.time_limit_s - (time.perf_counter() - started))
    result = solve_from(program, settings.model_copy(update={"time_limit_s": left_s}), start)
    return dataclasses.replace(result, solve_seconds=time.perf_counter() - started)


def concurrent_solves() -> int:
    """How many re-solves run at once: one per core this process may use, at most two."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(2, cores))


def solve_relaxations(programs: Sequence[LinearProgram], settings: Sequence[SolverSection],
                      start: StartingPoint) -> list[SolveResult]:
    """Solve each program (a relaxation of the base) exactly from the base optimum ``start``.

    Each goes through :func:`solve_exactly`; ``settings[i]`` goes with ``programs[i]``.
    With HiGHS single-threaded solves and more than one core, the solves run at once in
    threads (each its own ``Highs``); otherwise one after the other. Results come back
    in the order of ``programs``.
    """
    jobs = list(zip(programs, settings, strict=True))
    parallel = (len(jobs) > 1 and concurrent_solves() > 1
                and all(s.name == "highs" and s.threads == 1 for _, s in jobs))
    if not parallel:
        return [solve_exactly(program, s, start) for program, s in jobs]
    with ThreadPoolExecutor(max_workers=concurrent_solves(),
                            thread_name_prefix="pvd-resolve") as pool:
        # Each solve runs in a copy of this context, so ``--debug``'s solver log follows it.
        futures = [pool.submit(contextvars.copy_context().run, solve_exactly, program, s,
                               start)
                   for program, s in jobs]
        return [future.result() for future in futures]


__all__ = ["concurrent_solves", "integral", "solve_exactly", "solve_fixed_lp", "solve_lp_from",
           "solve_relaxations"]
