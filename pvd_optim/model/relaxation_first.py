"""A programme of several years solved from its LP relaxation first (issue 12, item 8).

Measured on the seven national years (``benchmarks/README.md``, "Programme years"): the
LP relaxation is already integral but for a handful of coverage columns (10 of 17,661
integer columns, two towns of one group in each year from 2022) and its bound is within
5e-9 of the integer optimum; HiGHS's MIP nonetheless takes minutes, because after the
root LP it runs its cut loop and then waits for its analytic-centre computation (an
interior-point solve of the whole model, unconditional in HiGHS 1.15) before central
rounding finds the incumbent that closes the gap.

So a programme is solved here as:

1. the LP relaxation (its optimum is a valid bound on the integer optimum);
2. the relaxation rounded (:func:`round_relaxation`): posts as they are (they must be
   whole), and in each group and year the covered count the relaxation gives, the
   fractional towns ranked by how much the relaxation covers them;
3. the LP with every integer column fixed at the rounded values (funding, days, carried
   funding and the co-funders' split re-optimised).

If that allocation is within the scenario's MIP gap of the relaxation's bound it is
returned: it is feasible (the fixed LP is the model with bounds tightened) and its gap
is proven by the bound, exactly as HiGHS would prove it. Otherwise (the rounding is
infeasible or too far) the MIP is solved by HiGHS, starting from the rounded allocation
when it is feasible (:func:`pvd_optim.model.warm.solve_from`). A one-year model, CBC and
the LP relaxation (``solver.relax_integers``) are solved as before.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from pvd_optim.inputs import FloatArray, ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.model.highs import make_highs, run_and_read
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import fix_integers, time_left
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.model.warm import START_INTEGRALITY, StartingPoint, solve_from
from pvd_optim.scenario.schema import SolverSection

#: What this path says it did, in the result's raw status (the solver's own word first).
ROUNDED_STATUS = "Optimal (LP relaxation rounded; gap proven by the relaxation's bound)"


def _whole(values: FloatArray) -> np.ndarray:
    return np.abs(values - np.round(values)) <= START_INTEGRALITY


def round_relaxation(program: LinearProgram, programme: ProgrammeInputs,
                     relaxed: FloatArray) -> FloatArray | None:
    """The relaxation ``relaxed`` with its coverage rounded, or ``None`` if it cannot be.

    Posts (``p``) and any other integer column must already be whole (``None``
    otherwise: rounding posts would move budgets). Coverage ``c[y, t]``: a whole value
    stays; in each group and year the towns with a fractional value share what the
    relaxation covers there, ``round(sum of c over the group) - whole ones``, given to
    the fractional towns the relaxation covers most over the horizon (ties: the larger
    objective coefficient, then the lower index). With persistence over the horizon a
    town covered in a year stays covered after it. Whether the result is feasible is the
    fixed LP's to say.
    """
    if "c" not in program.columns or "p" not in program.columns:
        return None
    c_block = program.columns["c"]
    others = program.integer.copy()
    others[c_block.slice] = False
    if not _whole(relaxed[others]).all():
        return None
    first = programme.first
    Y, n = programme.n_years, first.n_towns
    c = relaxed[c_block.slice].reshape(Y, n).copy()
    fractional = ~_whole(c)
    rounded = np.where(fractional, 0.0, np.round(c))
    if fractional.any():
        cost = program.cost[c_block.slice].reshape(Y, n)
        # Rank: most covered over the horizon first, then the larger value, then index.
        order = np.lexsort((np.arange(n), -cost.sum(axis=0), -c.sum(axis=0)))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        group = first.group_of_town
        for y in range(Y):
            for g in np.unique(group[fractional[y]]):
                towns = np.flatnonzero(group == g)
                share = int(np.round(c[y, towns].sum()) - rounded[y, towns].sum())
                candidates = towns[fractional[y, towns]]
                chosen = candidates[np.argsort(rank[candidates])][:max(share, 0)]
                rounded[y, chosen] = 1.0
    if programme.persistence == "horizon":
        rounded = np.maximum.accumulate(rounded, axis=0)
    values = relaxed.copy()
    values[program.integer] = np.round(values[program.integer])
    values[c_block.slice] = rounded.ravel()
    return values


def solve_relaxation_first(program: LinearProgram, settings: SolverSection,
                           inputs: ModelInputs | ProgrammeInputs, *,
                           start: StartingPoint | None = None,
                           timing: dict[str, float] | None = None) -> SolveResult:
    """Solve ``program`` (the MIP built from ``inputs``) from its LP relaxation; see the module.

    ``start``: a known allocation (a sweep's base optimum) for HiGHS to start from if
    the MIP has to be solved and the rounded relaxation is not feasible. ``timing``
    (optional) receives the seconds of the relaxation and of the fixed LP. The same
    program always takes the same path, with or without a start, so a sweep's variant
    gives what a run of the same scenario gives.
    """
    programme = as_programme(inputs)
    if (programme.n_years < 2 or settings.name != "highs" or not program.integer.any()):
        return solve_from(program, settings, start)
    started = time.perf_counter()
    timing = {} if timing is None else timing

    def mip(start: StartingPoint | None = start) -> SolveResult:
        """HiGHS on the MIP with the time left, its seconds counted from the start."""
        result = solve_from(program, time_left(settings, started), start)
        return dataclasses.replace(result, solve_seconds=time.perf_counter() - started)

    relaxed = program.relaxed()
    h = make_highs(relaxed, settings)
    relaxation = run_and_read(h, relaxed, settings)
    if relaxation.status is not SolveStatus.OPTIMAL or relaxation.objective is None:
        return mip()  # the MIP says why (infeasible, a time limit)
    bound = relaxation.objective
    rounded = round_relaxation(program, programme, relaxation.require_values())
    if rounded is None:
        return mip()
    # The fixed LP from the relaxation's optimal basis: only the rounded columns move
    # (0.8 s against 32 s for the relaxation at seven national years), under the
    # scenario's time limit.
    fixed_program = fix_integers(program, rounded)
    at = np.flatnonzero(program.integer)
    h.changeColsBounds(len(at), at, fixed_program.col_lower[at], fixed_program.col_upper[at])
    fixed = run_and_read(h, fixed_program, settings)
    timing.update(relaxation=relaxation.solve_seconds, fixed=fixed.solve_seconds)
    if fixed.status is not SolveStatus.OPTIMAL or fixed.objective is None:
        return mip()  # the rounding is infeasible: HiGHS searches from scratch
    gap = (bound - fixed.objective) / max(abs(fixed.objective), 1e-10)
    if gap <= settings.mip_gap:
        return dataclasses.replace(
            fixed, raw_status=ROUNDED_STATUS, row_duals=None, mip_gap=max(gap, 0.0),
            best_bound=bound, is_mip=True, solve_seconds=time.perf_counter() - started)
    return mip(StartingPoint(fixed.require_values()))


__all__ = ["ROUNDED_STATUS", "round_relaxation", "solve_relaxation_first"]
