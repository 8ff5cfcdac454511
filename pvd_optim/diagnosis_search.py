"""The solves behind a diagnosis: elastic copies, cheaper proofs first, the balance search.

For each family of constraints a planner can change, an *elastic* copy of the
model lets only that family bend, at a cost per unit of bending, and minimises the
bending (:func:`_elastic_fix`); for regional balance the smallest tolerance is
found by bisection on re-solves (:func:`_balance_fix`). Before any elastic MIP,
cheaper arguments decide what they can, each a proof and not a guess:

- a *coverage conflict* (:func:`_coverage_conflict`): when posts, sharing and the
  towns band alone cannot cover the towns the target demands (one small MIP), no
  family outside those rows can make the scenario feasible alone;
- coverage and the engineering budget take their least bending from a small
  relaxation, confirmed by one LP of the full model (:func:`_coverage_shortcut`,
  :func:`_posts_shortcut`);
- an elastic copy whose LP relaxation is infeasible is infeasible.

Measured on the shipped infeasible example: 27 s of elastic MIPs before, a few
seconds now, with the same fixes. Every solve uses HiGHS with the scenario's
solver settings within the diagnosis's time budget (``pvd_optim.diagnose``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, NamedTuple

import numpy as np

from pvd_optim.families import (
    FAMILIES,
    Elastic,
    Family,
    Fix,
    FixContext,
    ToleranceSearch,
    balance_block_name,
)
from pvd_optim.families.programme import (
    COFUNDER_BUDGET,
    COFUNDER_SHARE,
    IDLE_POSTS,
    PERSISTENCE,
    SUBSIDY,
)
from pvd_optim.families.reference import (
    BALANCE,
    COVER_MIN,
    ENGINEERING_BUDGET,
    LEAD,
    SHARING,
)
from pvd_optim.inputs import ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.model.formulation import build_program
from pvd_optim.model.program import LinearProgram, pack_csr
from pvd_optim.model.solve import SolveBudget, fix_integers, solve
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.model.variables import COVERED, defining_rows_name, region_use_name, total_name
from pvd_optim.postprocess import extract, extract_programme  # noqa: F401  (extract: tests)
from pvd_optim.scenario.schema import Scenario
from pvd_optim.tolerances import RELAXATION_NOISE

#: MIP gap of the elastic solves: tight enough that the smallest bending found is the
#: smallest there is, to the precision fixes are worded in.
DIAGNOSIS_MIP_GAP = 1e-6


def diagnosable() -> tuple[Family, ...]:
    """The families the diagnosis relaxes: resources and model rules first, then targets.

    Raising a resource is what a planner tries first; lowering a target second.
    """
    relaxable = [f for f in FAMILIES if f.relax is not None]
    return tuple(sorted(relaxable, key=lambda f: f.kind == "target"))


def _elastic(program: LinearProgram, blocks: tuple[str, ...]
             ) -> tuple[LinearProgram, dict[str, slice]]:
    """A copy of ``program`` whose rows in ``blocks`` may bend at unit cost; benefit removed."""
    new_rows, new_cols, new_vals = [], [], []
    slices: dict[str, slice] = {}
    start = program.n_cols
    for name in blocks:
        block = program.rows[name]
        idx = block.indices
        # A <= row gets "- s" (its right-hand side rises by s), a >= row gets "+ s".
        new_rows.append(idx)
        new_cols.append(start + np.arange(block.size))
        new_vals.append(np.where(np.isfinite(program.row_upper[idx]), -1.0, 1.0))
        slices[name] = slice(start, start + block.size)
        start += block.size
    added = start - program.n_cols
    row_start, row_index, row_value = pack_csr(
        np.concatenate([program.row_of_entry, *new_rows]),
        np.concatenate([program.row_index, *new_cols]),
        np.concatenate([program.row_value, *new_vals]), program.n_rows)
    elastic = dataclasses.replace(
        program,
        cost=np.concatenate([np.zeros(program.n_cols), -np.ones(added)]),
        col_lower=np.concatenate([program.col_lower, np.zeros(added)]),
        col_upper=np.concatenate([program.col_upper, np.full(added, np.inf)]),
        integer=np.concatenate([program.integer, np.zeros(added, dtype=bool)]),
        row_start=row_start, row_index=row_index, row_value=row_value, maximise=True,
    )
    return elastic, slices


def _relaxation_infeasible(program: LinearProgram, budget: SolveBudget) -> bool | None:
    """Whether the LP relaxation of ``program`` is infeasible (``None``: no time to tell).

    An infeasible relaxation proves the MIP infeasible, in a fraction of the time
    HiGHS needs to prove it on the MIP itself (measured nationally, on a loaded
    machine: about 1 s against 2.5-5 s per elastic copy).
    """
    settings = budget.follow_up()
    if settings is None:
        return None
    status = solve(program.relaxed(), settings).status
    if status is SolveStatus.INFEASIBLE:
        return True
    return False if status.has_solution else None


def _every_year(programme: ProgrammeInputs, **changes: Any) -> ProgrammeInputs:
    """The programme with the same change in every year."""
    return dataclasses.replace(programme, years=tuple(
        dataclasses.replace(year, **changes) for year in programme.years))


def _feasible(inputs: ProgrammeInputs, budget: SolveBudget) -> bool | None:
    """Whether ``inputs`` has an allocation: ``None`` when the time left did not tell.

    The LP relaxation answers "no" cheaply where it can; otherwise the MIP is solved
    for feasibility alone (a zero objective: its first allocation ends the search).
    """
    program = build_program(inputs)
    if _relaxation_infeasible(program, budget):
        return False
    settings = budget.follow_up()
    if settings is None:
        return None
    status = solve(dataclasses.replace(program, cost=np.zeros(program.n_cols)), settings).status
    if status.has_solution:
        return True
    return False if status is SolveStatus.INFEASIBLE else None


class _Undecided(Exception):
    """A solve of the diagnosis ended without an answer (a limit)."""


def _balance_fix(inputs: ModelInputs | ProgrammeInputs, budget: SolveBudget,
                 tolerance: ToleranceSearch) -> Fix | None:
    """Smallest balance tolerance (to 0.005) that makes the scenario feasible, by bisection.

    ``None`` when balance is not the answer; raises ``_Undecided`` when no probe could
    say within the time limit. A probe cut short ends the search with the smallest
    tolerance proven enough, marked not proven minimal.
    """
    programme = as_programme(inputs)
    inputs = programme.first
    if inputs.balance_mode != "hard":
        return None
    without = _feasible(_every_year(programme, balance_mode="off"), budget)
    if without is None:
        raise _Undecided
    if not without:
        return None
    low, high = inputs.balance_tolerance, 1.0
    widest = _feasible(_every_year(programme, balance_tolerance=high), budget)
    if widest is None:
        raise _Undecided
    if not widest:
        return Fix(BALANCE.name, tolerance.no_tolerance_field, 0.0, 0.0, tolerance.no_tolerance)
    proof: Literal["proven minimal", "not proven minimal"] = "proven minimal"
    while high - low > 0.005:
        mid = (low + high) / 2
        found = _feasible(_every_year(programme, balance_tolerance=mid), budget)
        if found is None:
            proof = "not proven minimal"
            break
        if found:
            high = mid
        else:
            low = mid
    needed = float(np.ceil(high * 1000) / 1000)
    return Fix(BALANCE.name, tolerance.field, inputs.balance_tolerance, needed,
               tolerance.raise_to(needed, inputs.balance_tolerance), proof=proof)


#: Row blocks that decide how many towns can be covered: posts, sharing, the covered-towns
#: balance band, and the totals they read.
_COVERAGE_ROWS = (
    *(block.name for block in (*SHARING.blocks, *ENGINEERING_BUDGET.blocks)),
    LEAD.blocks[2].name,  # lead_post: covered only where its group has a post
    balance_block_name("towns", "low"), balance_block_name("towns", "high"),
    defining_rows_name(region_use_name("towns")), defining_rows_name(total_name("towns")),
    # In a programme: posts and coverage that last, and no idle post; who pays for posts.
    *(block.name for block in (*PERSISTENCE.blocks, *IDLE_POSTS.blocks, *SUBSIDY.blocks,
                               *COFUNDER_SHARE.blocks, *COFUNDER_BUDGET.blocks)),
)
_COVER_TARGET = COVER_MIN.blocks[0].name


def _most_coverable(program: LinearProgram, budget: SolveBudget, dropped: frozenset[str] = (
        frozenset())) -> np.ndarray | None:
    """A solution vector covering as many towns as posts, sharing and the towns band allow.

    This coverage-only MIP is a relaxation of the scenario (every other family is
    dropped, and the ``dropped`` blocks too), so its optimum bounds the coverage from
    above; it is small and solves in a second where the full elastic MIP needed tens
    (the bound of the latter only closed in HiGHS's root cut loop). ``None`` when it
    did not solve to optimality.
    """
    relaxation = program.keeping_rows([name for name in _COVERAGE_ROWS if name not in dropped])
    towns = relaxation.columns[COVERED]
    cost = np.zeros(relaxation.n_cols)
    cost[towns.slice] = 1.0
    settings = budget.follow_up(mip_gap=0.0)
    if settings is None:
        return None
    result = solve(dataclasses.replace(relaxation, cost=cost), settings)
    return result.values if result.status is SolveStatus.OPTIMAL else None


def _coverage_conflict(program: LinearProgram, budget: SolveBudget, most: np.ndarray | None
                       ) -> frozenset[str]:
    """Row blocks of a relaxation proven infeasible: the coverage rows, if ``most`` falls short.

    When the most coverable allocation (``most``, of :func:`_most_coverable`) covers
    fewer towns than the coverage target demands, posts, sharing, the towns band and
    the target alone are infeasible: no family outside these rows can make the
    scenario feasible alone, and none needs a solve of its own to prove it. The towns
    band is left out when the coverage still falls short without it. Empty when
    nothing is proven this way.
    """
    if most is None or _COVER_TARGET not in program.rows:
        return frozenset()
    lower = float(program.row_values(_COVER_TARGET, program.row_lower).sum())

    def short(values: np.ndarray) -> bool:
        reached = float(program.row_values(_COVER_TARGET, program.activity(values)).sum())
        return reached < lower - RELAXATION_NOISE * max(1.0, lower)

    if not short(most):
        return frozenset()
    conflict = {name for name in (*_COVERAGE_ROWS, _COVER_TARGET) if name in program.rows}
    band = frozenset(block.name for block in BALANCE.blocks) & conflict
    without_band = _most_coverable(program, budget, band) if band else None
    if without_band is not None and short(without_band):
        conflict -= band
    return frozenset(conflict)


def _fixed_lp(elastic: LinearProgram, values: np.ndarray, budget: SolveBudget
              ) -> SolveResult | None:
    """The elastic copy with posts and coverage fixed at ``values``, if solved to optimality.

    Only the integer columns of the coverage rows are fixed (posts and coverage, every
    year): the coverage-only relaxation that gives ``values`` decides them and nothing
    else. Other integer columns (Cerema's collective events and seats) stay free, so
    this is one LP, or a small MIP with collective actions: fixing those too, at values
    the relaxation never looked at, made it infeasible, and the full elastic MIP then
    took 19 s of a 26 s national diagnosis instead of 1 s.
    """
    settings = budget.follow_up(mip_gap=0.0)
    if settings is None:
        return None
    values = np.concatenate([values, np.zeros(elastic.n_cols - len(values))])
    decided = np.zeros(elastic.n_cols, dtype=bool)
    decided[elastic.keeping_rows(_COVERAGE_ROWS).row_index] = True
    result = solve(fix_integers(elastic, values, only=decided), settings)
    return result if result.status is SolveStatus.OPTIMAL else None


def _coverage_shortcut(program: LinearProgram, budget: SolveBudget, elastic: LinearProgram,
                       most: np.ndarray | None) -> SolveResult | None:
    """The elastic solve of minimum coverage, proven by a relaxation and one LP.

    If the full scenario, with posts and coverage fixed at the coverage-only
    optimum ``most``, is feasible apart from the coverage target (one LP), that
    coverage is both an upper bound and achievable: the LP's slack is the smallest
    there is. ``None`` when the shortcut proves nothing (the full elastic MIP then
    decides).
    """
    return None if most is None else _fixed_lp(elastic, most, budget)


def _posts_shortcut(elastic: LinearProgram, budget: SolveBudget, slices: dict[str, slice]
                    ) -> SolveResult | None:
    """The elastic solve of the engineering budget, proven by a relaxation and one LP.

    The same argument as :func:`_coverage_shortcut`: the elastic copy restricted to
    the coverage rows and the coverage target is a relaxation, so its least bending
    of the budget bounds the true one from below; if the full elastic copy, with
    posts and coverage fixed there, bends the budget by as little (one LP), that
    bending is the smallest there is. ``None`` when the shortcut proves nothing.
    """
    settings = budget.follow_up(mip_gap=0.0)
    if settings is None:
        return None
    bound = solve(elastic.keeping_rows((*_COVERAGE_ROWS, _COVER_TARGET)), settings)
    if bound.status is not SolveStatus.OPTIMAL or bound.objective is None:
        return None
    result = _fixed_lp(elastic, bound.require_values(), budget)
    if result is None:
        return None
    least = -bound.objective
    found = float(sum(result.require_values()[s].sum() for s in slices.values()))
    return result if found <= least + RELAXATION_NOISE * max(1.0, least) else None


def _elastic_fix(relax: Elastic, programme: ProgrammeInputs, scenario: Scenario,
                 program: LinearProgram, budget: SolveBudget, most: np.ndarray | None
                 ) -> Fix | bool | None:
    """The family's fix, ``None`` when it needs none, ``False`` when it cannot fix it alone.

    Cheapest proof first: a relaxation and one LP for coverage and the engineering
    budget, then the elastic copy's LP relaxation (infeasible: the family cannot fix
    the scenario alone), then the elastic MIP itself. Raises ``_Undecided`` when the
    solves ended at a limit without an answer.
    """
    present = tuple(name for name in relax.blocks
                    if name in program.rows and program.rows[name].size > 0)
    if not present:
        return None  # the family is switched off in this scenario
    if budget.follow_up() is None:
        raise _Undecided
    elastic, slices = _elastic(program, present)
    shortcut = None
    if relax is COVER_MIN.relax:
        shortcut = _coverage_shortcut(program, budget, elastic, most)
    elif relax is ENGINEERING_BUDGET.relax:
        shortcut = _posts_shortcut(elastic, budget, slices)
    if shortcut is None and _relaxation_infeasible(elastic, budget):
        return False
    settings = budget.follow_up(mip_gap=DIAGNOSIS_MIP_GAP)
    if shortcut is None and settings is None:
        raise _Undecided
    result = shortcut or solve(elastic, settings)
    if result.status is SolveStatus.INFEASIBLE:
        return False
    if not result.status.has_solution:
        raise _Undecided
    values = result.require_values()
    slack = {name: values[s] for name, s in slices.items()}
    if sum(float(v.sum()) for v in slack.values()) <= RELAXATION_NOISE:
        return None
    arrays = extract_programme(program, values[:program.n_cols], programme)
    context = FixContext(programme.first, scenario, slack, arrays.years[0], programme, arrays)
    fix = relax.fix(context)
    if fix is not None and result.status is not SolveStatus.OPTIMAL:
        fix = dataclasses.replace(fix, proof="not proven minimal")
    return fix


def _outside(candidate: Family, conflict: frozenset[str], programme: ProgrammeInputs,
             program: LinearProgram) -> bool:
    """Whether ``candidate`` is in the model and relaxes no row of the proven conflict."""
    if isinstance(candidate.relax, ToleranceSearch):
        if programme.first.balance_mode != "hard":
            return False  # the search reports nothing for soft or absent balance
        blocks: tuple[str, ...] = tuple(block.name for block in candidate.blocks)
    else:
        assert isinstance(candidate.relax, Elastic)
        blocks = candidate.relax.blocks
    present = [name for name in blocks if name in program.rows and program.rows[name].size > 0]
    return bool(conflict) and bool(present) and not conflict.intersection(present)



class Search(NamedTuple):
    """What the searches found: fixes, families that cannot fix it alone, undecided ones."""

    fixes: tuple[Fix, ...]
    cannot_fix_alone: tuple[str, ...]
    unknown: tuple[str, ...]


def search(inputs: ModelInputs | ProgrammeInputs, scenario: Scenario, program: LinearProgram,
           budget: SolveBudget) -> Search:
    """One search per family a planner can change, cheapest proofs first, within ``budget``.

    A family whose solves ended at the limit is reported as unknown, never as one
    that cannot fix the scenario alone.
    """
    programme = as_programme(inputs)
    fixes: list[Fix] = []
    cannot: list[str] = []
    unknown: list[str] = []
    most = _most_coverable(program, budget)  # shared by the conflict and coverage's shortcut
    conflict = _coverage_conflict(program, budget, most)
    for candidate in diagnosable():
        relax = candidate.relax
        if _outside(candidate, conflict, programme, program):
            cannot.append(candidate.name)
            continue
        try:
            if isinstance(relax, ToleranceSearch):
                fix = _balance_fix(programme, budget, relax)
                if fix is None and programme.first.balance_mode == "hard":
                    cannot.append(candidate.name)
            else:
                assert isinstance(relax, Elastic)
                outcome = _elastic_fix(relax, programme, scenario, program, budget, most)
                if outcome is False:
                    cannot.append(candidate.name)
                    continue
                fix = outcome if isinstance(outcome, Fix) else None
        except _Undecided:
            unknown.append(candidate.name)
            continue
        if fix is not None:
            fixes.append(fix)
    return Search(tuple(fixes), tuple(cannot), tuple(unknown))
