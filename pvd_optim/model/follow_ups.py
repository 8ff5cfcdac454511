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
  of every integral point), and the MIP is not solved at all. When it is fractional,
  one branching on its most fractional integer column comes next (:func:`one_branching`):
  two LPs, one with the column rounded down, one rounded up, which between them hold
  every integral point. If one child is integral and no other child could hold a
  better point, that child is the MIP's optimum, proven as a branch-and-bound proves
  it, with no tolerance of its own. With Cerema's collective actions on, national's
  gap-0 base is such a case (two single-town groups share the last post 0.439 / 0.561;
  both children are integral): 1 s of LPs against 5.4 s for the MIP, which spent
  1.4 s in presolve and the rest in its root LP and a restart after fixing 99.9 % of
  the integer columns by reduced cost. Otherwise the MIP is solved, from the better of
  the base optimum and an integral child as a MIP start (each change only relaxes the
  base, so the base optimum is feasible; :func:`pvd_optim.model.warm.solve_from`
  checks it).
  The re-solves do not depend on each other: HiGHS solves them at once, each in its
  own thread with its own ``Highs`` instance (HiGHS gives every calling thread its own
  task scheduler, and releases the GIL while it solves); so are a branching's two
  children, unless the branching itself runs in one of those threads.

CBC (through PuLP) solves every follow-up cold and one after the other.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import solve, time_left
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


def solve_exactly(program: LinearProgram, settings: SolverSection,
                  start: StartingPoint | None) -> SolveResult:
    """The MIP ``program`` at ``settings``'s gap, through its LP relaxation where it settles it.

    The relaxation's optimum bounds every integral point; when it is integral itself
    (within HiGHS's integrality tolerance) it is the MIP's optimum at gap 0 and is
    returned as such. When it is fractional, :func:`one_branching` may settle the MIP
    with two more LPs. Otherwise the MIP is solved, from ``start`` or a better integral
    point the branching found, with what is left of ``settings.time_limit_s``. CBC, and
    an LP ``program``, go straight to their solve. Without a ``start`` (a town's
    counterfactual read back from a results folder has no column values) the relaxation
    is solved cold and its optimum starts the branching.
    """
    if settings.name != "highs" or not program.integer.any():
        return solve_from(program, settings, start)
    started = time.perf_counter()
    relaxation = (solve(program.relaxed(), settings) if start is None
                  else solve_lp_from(program.relaxed(), settings, start.values))
    if (relaxation.status is SolveStatus.OPTIMAL and relaxation.values is not None
            and integral(program, relaxation.values)):
        return _as_mip_optimum(relaxation, started)
    mip_start = start
    if relaxation.status is SolveStatus.OPTIMAL and relaxation.values is not None:
        branching = one_branching(program, time_left(settings, started),
                                  start or StartingPoint(relaxation.values), relaxation.values)
        if branching.optimum is not None:
            return _as_mip_optimum(branching.optimum, started)
        if branching.best is not None and branching.best.values is not None and (
                start is None or _better(program, branching.best.objective,
                                         float(program.cost @ start.values))):
            mip_start = StartingPoint(branching.best.values)
    result = solve_from(program, time_left(settings, started), mip_start)
    return dataclasses.replace(result, solve_seconds=time.perf_counter() - started)


def _as_mip_optimum(lp_result: SolveResult, started: float) -> SolveResult:
    """An LP's integral optimum reported as the MIP's optimum at gap 0."""
    return dataclasses.replace(lp_result, is_mip=True, mip_gap=0.0, row_duals=None,
                               best_bound=lp_result.objective,
                               solve_seconds=time.perf_counter() - started)


def _better(program: LinearProgram, a: float | None, b: float | None) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` in ``program``'s sense."""
    if a is None or b is None:
        return a is not None
    return a > b if program.maximise else a < b


@dataclass(frozen=True)
class Branching:
    """What one branching found: ``optimum`` when it proved one, ``best`` integral child."""

    optimum: SolveResult | None
    best: SolveResult | None


def branching_column(program: LinearProgram, values: np.ndarray) -> int | None:
    """The most fractional integer column of ``values`` (the first of equals), if any."""
    integer = np.flatnonzero(program.integer)
    distance = np.abs(values[integer] - np.round(values[integer]))
    if not integer.size or distance.max() <= START_INTEGRALITY:
        return None
    fraction = values[integer] - np.floor(values[integer])
    return int(integer[np.argmin(np.abs(fraction - 0.5))])


def one_branching(program: LinearProgram, settings: SolverSection, start: StartingPoint,
                  relaxed_values: np.ndarray) -> Branching:
    """Try to settle the MIP ``program`` by branching once on the relaxation's optimum.

    ``relaxed_values`` is an optimum of the LP relaxation with a fractional integer
    column ``j``, of value ``v``. Every integral point has ``x_j <= floor(v)`` or
    ``x_j >= ceil(v)``, so it is a point of one of the two children: the relaxation with
    ``j``'s upper bound ``floor(v)``, or with its lower bound ``ceil(v)``. Each child's
    LP optimum bounds the integral points it holds. So when a child's optimum is
    integral, and the other child is infeasible, integral, or bounded by no better than
    the best integral child, the best integral child is optimal among all integral
    points: the MIP's optimum at gap 0, by the same proof as a branch-and-bound's, with
    no tolerance beyond HiGHS's own (integrality within ``mip_feasibility_tolerance``).
    Otherwise ``optimum`` is ``None`` and ``best`` the best integral child (a MIP start).
    Both children start from ``start`` (clipped to their bounds) and run at once where
    :func:`solve_relaxations` would run re-solves at once.
    """
    column = branching_column(program, relaxed_values)
    if column is None:
        return Branching(None, None)
    relaxed = program.relaxed()
    below, above = relaxed.col_upper.copy(), relaxed.col_lower.copy()
    below[column] = np.floor(relaxed_values[column])
    above[column] = np.ceil(relaxed_values[column])
    children = [dataclasses.replace(relaxed, col_upper=below),
                dataclasses.replace(relaxed, col_lower=above)]
    if _NESTED.get() or not _may_run_at_once([settings, settings]):
        # One after the other, the second gets what the first left of the time limit.
        began = time.perf_counter()
        results = [solve_lp_from(child, time_left(settings, began), start.values)
                   for child in children]
    else:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pvd-branch") as pool:
            futures = [pool.submit(contextvars.copy_context().run, _nested, solve_lp_from,
                                   child, settings, start.values) for child in children]
            results = [future.result() for future in futures]
    best: SolveResult | None = None
    open_bounds: list[float | None] = []
    for result in results:
        if result.status is SolveStatus.INFEASIBLE:
            continue
        if (result.status is SolveStatus.OPTIMAL and result.values is not None
                and integral(program, result.values)):
            if best is None or _better(program, result.objective, best.objective):
                best = result
        else:
            # Fractional, or not solved to optimality: an unknown bound is no bound.
            open_bounds.append(result.objective if result.status is SolveStatus.OPTIMAL
                               else None)
    if best is None or any(bound is None or _better(program, bound, best.objective)
                           for bound in open_bounds):
        return Branching(None, best)
    return Branching(best, best)


def concurrent_solves() -> int:
    """How many re-solves run at once: one per core this process may use, at most two."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    return max(1, min(2, cores))


#: Set in the threads of :func:`solve_relaxations`: a solve there runs its branching's
#: children one after the other, so that no more solves run at once than there are cores.
_NESTED: contextvars.ContextVar[bool] = contextvars.ContextVar("pvd_optim_nested_solve",
                                                               default=False)


def _nested(solve_one: Callable[..., SolveResult], *args: object) -> SolveResult:
    """``solve_one(*args)`` marked as running in a thread of concurrent solves."""
    _NESTED.set(True)
    return solve_one(*args)


def _may_run_at_once(settings: Sequence[SolverSection]) -> bool:
    """Whether solves with these settings may run at once: HiGHS, one thread each, cores."""
    return concurrent_solves() > 1 and all(s.name == "highs" and s.threads == 1
                                           for s in settings)


def solve_relaxations(programs: Sequence[LinearProgram], settings: Sequence[SolverSection],
                      start: StartingPoint) -> list[SolveResult]:
    """Solve each program (a relaxation of the base) exactly from the base optimum ``start``.

    Each goes through :func:`solve_exactly`; ``settings[i]`` goes with ``programs[i]``.
    With HiGHS single-threaded solves and more than one core, the solves run at once in
    threads (each its own ``Highs``); otherwise one after the other. Results come back
    in the order of ``programs``.
    """
    jobs = list(zip(programs, settings, strict=True))
    if not (len(jobs) > 1 and _may_run_at_once([s for _, s in jobs])):
        return [solve_exactly(program, s, start) for program, s in jobs]
    with ThreadPoolExecutor(max_workers=concurrent_solves(),
                            thread_name_prefix="pvd-resolve") as pool:
        # Each solve runs in a copy of this context, so ``--debug``'s solver log follows it.
        futures = [pool.submit(contextvars.copy_context().run, _nested, solve_exactly,
                               program, s, start)
                   for program, s in jobs]
        return [future.result() for future in futures]


__all__ = ["Branching", "branching_column", "concurrent_solves", "integral", "one_branching",
           "solve_exactly", "solve_fixed_lp", "solve_lp_from", "solve_relaxations"]
