"""Infeasibility explained in planner terms: the smallest relaxation that would work.

For each family of constraints a planner can change (its registry entry says how:
``pvd_optim.families``), an *elastic* copy of the model lets only that family
bend, at a cost per unit of bending, and minimises the bending. A family that
can restore feasibility alone yields one alternative fix ("raise X to at least
Y"), worded by its registry entry. For regional balance the smallest tolerance
is found by bisection on re-solves. HiGHS's irreducible infeasible subset of the
LP relaxation is added where it exists. Every solve here uses HiGHS with the
scenario's solver settings and a MIP gap of :data:`DIAGNOSIS_MIP_GAP`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from pvd_optim.families import (
    FAMILIES,
    Elastic,
    Family,
    Fix,
    FixContext,
    ToleranceSearch,
    balance_block_name,
    family,
)
from pvd_optim.families.programme import (
    COFUNDER_BUDGET,
    COFUNDER_SHARE,
    IDLE_POSTS,
    PERSISTENCE,
    SUBSIDY,
)
from pvd_optim.families.reference import COVER_MIN, ENGINEERING_BUDGET, LEAD, SHARING
from pvd_optim.inputs import ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.model.formulation import build_program
from pvd_optim.model.program import LinearProgram, pack_csr
from pvd_optim.model.solve import SolveBudget, fix_integers, solve
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.model.variables import COVERED
from pvd_optim.postprocess import extract_programme
from pvd_optim.scenario.schema import Scenario
from pvd_optim.tolerances import RELAXATION_NOISE

#: Above this many rows the irreducible infeasible subset is not computed (see diagnose).
IIS_MAX_ROWS = 5_000

#: MIP gap of the elastic solves: tight enough that the smallest bending found is the
#: smallest there is, to the precision fixes are worded in.
DIAGNOSIS_MIP_GAP = 1e-6

#: The diagnosis's own time limit, shared by all its solves, unless the scenario sets
#: ``analysis.diagnosis_time_limit_s``: this many times the main solve that proved the
#: scenario infeasible, and at least DIAGNOSIS_FLOOR_S. Proving infeasibility is fast
#: (under a second nationally) while an elastic MIP may search for minutes: without a
#: budget of its own, one elastic solve once ran to the 600 s solver limit.
DIAGNOSIS_MULTIPLE = 20.0
DIAGNOSIS_FLOOR_S = 30.0


def diagnosis_time_limit_s(scenario: Scenario, main_solve_s: float) -> float:
    """Seconds the diagnosis may spend solving (see :data:`DIAGNOSIS_MULTIPLE`)."""
    given = getattr(scenario.analysis, "diagnosis_time_limit_s", None)
    if given is not None:
        return float(given)
    return max(DIAGNOSIS_FLOOR_S, DIAGNOSIS_MULTIPLE * main_solve_s)


def diagnosable() -> tuple[Family, ...]:
    """The families the diagnosis relaxes: resources and model rules first, then targets.

    Raising a resource is what a planner tries first; lowering a target second.
    """
    relaxable = [f for f in FAMILIES if f.relax is not None]
    return tuple(sorted(relaxable, key=lambda f: f.kind == "target"))


@dataclass(frozen=True)
class Diagnosis:
    """Why a scenario is infeasible and what would make it feasible."""

    scenario_name: str
    fixes: tuple[Fix, ...]
    cannot_fix_alone: tuple[str, ...]
    iis_rows: tuple[str, ...] = ()
    lp_relaxation_infeasible: bool = False
    notes: tuple[str, ...] = field(default=())
    unknown: tuple[str, ...] = ()  # families whose elastic solve ended without an answer
    time_limit_s: float | None = None
    commitment_conflicts: tuple[str, ...] = ()  # commitments that cannot all be honoured

    def headline(self) -> str:
        """One line: the commitments that conflict, then the first fixes found."""
        if self.commitment_conflicts:
            more = len(self.commitment_conflicts) - 1
            return ("commitments cannot all be honoured: " + self.commitment_conflicts[0]
                    + (f" (and {more} more)" if more > 0 else "")
                    + (f"; or {self.fixes[0].message}" if self.fixes else ""))
        if not self.fixes:
            if self.unknown:
                return ("no single change found within the diagnosis time limit; undecided: "
                        + ", ".join(family(name).title for name in self.unknown)
                        + " (raise analysis.diagnosis_time_limit_s)")
            tried = ", ".join(f.title for f in diagnosable())
            return (f"no single change of one of these makes the scenario feasible: {tried}; "
                    "see the diagnosis")
        shown = "; or ".join(f.message for f in self.fixes[:2])
        more = len(self.fixes) - 2
        return shown + (f" (and {more} other fix{'es' if more > 1 else ''})" if more > 0 else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for ``diagnosis.json``."""
        return {
            "status": "infeasible",
            "scenario": self.scenario_name,
            "fixes": [dataclasses.asdict(f) for f in self.fixes],
            "families_that_cannot_fix_it_alone": list(self.cannot_fix_alone),
            "families_unknown_within_the_time_limit": list(self.unknown),
            "diagnosis_time_limit_s": self.time_limit_s,
            "lp_relaxation_infeasible": self.lp_relaxation_infeasible,
            "irreducible_infeasible_subset_rows": list(self.iis_rows),
            "commitment_conflicts": list(self.commitment_conflicts),
            "notes": list(self.notes),
        }

    def markdown(self) -> str:
        """Planner-readable explanation, for ``explain.md``."""
        each = ("Each of the following changes, on its own, would make it feasible (the "
                "smallest such change for that family of constraints, where proven):")
        lines = [f"# {self.scenario_name}: infeasible", ""]
        if self.commitment_conflicts:
            lines += ["No allocation satisfies every constraint of this scenario. What is "
                      "already committed cannot all be honoured:", ""]
            lines += [f"- {sentence}" for sentence in self.commitment_conflicts]
            lines += ["", each, ""]
        else:
            lines += ["No allocation satisfies every constraint of this scenario. " + each, ""]
        for fix in self.fixes:
            lines.append(f"- **{family(fix.family).title}** (`{fix.field}`): {fix.message} "
                         f"({fix.proof})")
            lines += [f"  - {d}" for d in fix.detail[:10]]
        if not self.fixes:
            lines.append("- none found: several constraints must change together.")
        if self.cannot_fix_alone:
            lines += ["", "Changing only one of these would not be enough: "
                      + ", ".join(family(name).title for name in self.cannot_fix_alone) + "."]
        if self.unknown:
            lines += ["", "Not known within the diagnosis time limit"
                      + (f" ({self.time_limit_s:g} s)" if self.time_limit_s else "")
                      + " whether changing one of these alone would be enough: "
                      + ", ".join(family(name).title for name in self.unknown)
                      + " (raise analysis.diagnosis_time_limit_s to find out)."]
        if self.iis_rows:
            lines += ["", "An irreducible infeasible set of constraints of the LP relaxation "
                      "(HiGHS): " + ", ".join(self.iis_rows[:30])
                      + (" ..." if len(self.iis_rows) > 30 else "")]
        lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


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


def _every_year(programme: ProgrammeInputs, **changes: Any) -> ProgrammeInputs:
    """The programme with the same change in every year."""
    return dataclasses.replace(programme, years=tuple(
        dataclasses.replace(year, **changes) for year in programme.years))


def _feasible(inputs: ProgrammeInputs, budget: SolveBudget) -> bool | None:
    """Whether ``inputs`` has an allocation: ``None`` when the time left did not tell."""
    settings = budget.follow_up()
    if settings is None:
        return None
    status = solve(build_program(inputs), settings).status
    if status.has_solution:
        return True
    return False if status is SolveStatus.INFEASIBLE else None


class _Undecided(Exception):
    """A solve of the diagnosis ended without an answer (a limit)."""


def _balance_fix(programme: ModelInputs | ProgrammeInputs, budget: SolveBudget,
                 search: ToleranceSearch) -> Fix | None:
    """Smallest balance tolerance (to 0.005) that makes the scenario feasible, by bisection.

    ``None`` when balance is not the answer; raises ``_Undecided`` when no probe could
    say within the time limit. A probe cut short ends the search with the smallest
    tolerance proven enough, marked not proven minimal.
    """
    programme = as_programme(programme)
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
        return Fix("balance", "balance.mode", 0.0, 0.0,
                   "switch regional balance to `soft` or `off`: no tolerance up to 1.0 is enough")
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
    return Fix("balance", search.field, inputs.balance_tolerance, needed,
               f"raise the regional balance tolerance to at least {needed:.3f} "
               f"(now {inputs.balance_tolerance})", proof=proof)


#: Row blocks that decide how many towns can be covered: posts, sharing, the covered-towns
#: balance band, and the totals they read.
_COVERAGE_ROWS = (
    *(block.name for block in (*SHARING.blocks, *ENGINEERING_BUDGET.blocks)),
    LEAD.blocks[2].name,  # lead_post: covered only where its group has a post
    balance_block_name("towns", "low"), balance_block_name("towns", "high"),
    "define_towns_region", "define_towns_total",
    # In a programme: posts and coverage that last, and no idle post; who pays for posts.
    *(block.name for block in (*PERSISTENCE.blocks, *IDLE_POSTS.blocks, *SUBSIDY.blocks,
                               *COFUNDER_SHARE.blocks, *COFUNDER_BUDGET.blocks)),
)


def _most_coverable(program: LinearProgram, budget: SolveBudget) -> np.ndarray | None:
    """A solution vector covering as many towns as posts, sharing and the towns band allow.

    This coverage-only MIP is a relaxation of the scenario (every other family is
    dropped), so its optimum bounds the coverage from above; it is small and solves
    in a second where the full elastic MIP needed tens (the bound of the latter only
    closed in HiGHS's root cut loop). ``None`` when it did not solve to optimality.
    """
    relaxation = program.keeping_rows(_COVERAGE_ROWS)
    towns = relaxation.columns[COVERED]
    cost = np.zeros(relaxation.n_cols)
    cost[towns.slice] = 1.0
    settings = budget.follow_up(mip_gap=0.0)
    if settings is None:
        return None
    result = solve(dataclasses.replace(relaxation, cost=cost), settings)
    return result.values if result.status is SolveStatus.OPTIMAL else None


def _coverage_shortcut(program: LinearProgram, budget: SolveBudget, elastic: LinearProgram
                       ) -> SolveResult | None:
    """The elastic solve of minimum coverage, proven by a relaxation and one LP.

    If the full scenario, with posts and coverage fixed at the coverage-only
    optimum, is feasible apart from the coverage target (one LP), that coverage is
    both an upper bound and achievable: the LP's slack is the smallest there is.
    ``None`` when the shortcut proves nothing (the full elastic MIP then decides).
    """
    values = _most_coverable(program, budget)
    settings = budget.follow_up()
    if values is None or settings is None:
        return None
    slack_start = np.zeros(elastic.n_cols - program.n_cols)
    result = solve(fix_integers(elastic, np.concatenate([values, slack_start])), settings)
    return result if result.status is SolveStatus.OPTIMAL else None


def _elastic_fix(relax: Elastic, programme: ProgrammeInputs, scenario: Scenario,
                 program: LinearProgram, budget: SolveBudget) -> Fix | bool | None:
    """The family's fix, ``None`` when it needs none, ``False`` when it cannot fix it alone.

    Raises ``_Undecided`` when the elastic solve ended at a limit without an answer.
    """
    present = tuple(name for name in relax.blocks
                    if name in program.rows and program.rows[name].size > 0)
    if not present:
        return None  # the family is switched off in this scenario
    settings = budget.follow_up(mip_gap=DIAGNOSIS_MIP_GAP)
    if settings is None:
        raise _Undecided
    elastic, slices = _elastic(program, present)
    shortcut = (_coverage_shortcut(program, budget, elastic)
                if relax is COVER_MIN.relax else None)
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


def diagnose(inputs: ModelInputs | ProgrammeInputs, scenario: Scenario,
             main_solve_s: float = 0.0) -> Diagnosis:
    """Explain why ``inputs`` is infeasible: one minimal fix per family that has one.

    Every solve uses HiGHS with the scenario's settings and shares the diagnosis's
    own time limit (:func:`diagnosis_time_limit_s` of ``main_solve_s``, the time the
    main solve took to prove infeasibility). A family whose solve ended at the limit
    is reported as unknown, never as one that cannot fix the scenario alone.
    """
    from pvd_optim.model import highs

    limit_s = diagnosis_time_limit_s(scenario, main_solve_s)
    budget = SolveBudget(scenario.solver.model_copy(update={
        "name": "highs", "mip_gap": DIAGNOSIS_MIP_GAP, "time_limit_s": limit_s}))
    programme = as_programme(inputs)
    program = build_program(programme)
    fixes: list[Fix] = []
    cannot: list[str] = []
    unknown: list[str] = []
    for candidate in diagnosable():
        relax = candidate.relax
        try:
            if isinstance(relax, ToleranceSearch):
                fix = _balance_fix(programme, budget, relax)
                if fix is None and programme.first.balance_mode == "hard":
                    cannot.append(candidate.name)
            else:
                assert isinstance(relax, Elastic)
                outcome = _elastic_fix(relax, programme, scenario, program, budget)
                if outcome is False:
                    cannot.append(candidate.name)
                    continue
                fix = outcome if isinstance(outcome, Fix) else None
        except _Undecided:
            unknown.append(candidate.name)
            continue
        if fix is not None:
            fixes.append(fix)
    notes: list[str] = []
    iis = None
    if program.n_rows <= IIS_MAX_ROWS and budget.remaining_s >= 1.0:
        iis = highs.irreducible_infeasible_subset(program, time_limit_s=budget.remaining_s)
        if iis is not None:
            notes.append("the irreducible subset is computed on the LP relaxation (posts and "
                         "coverage fractional)")
        elif budget.remaining_s < 1.0:
            notes.append("no irreducible infeasible subset: the diagnosis time limit ran out")
        else:
            notes.append("posts and coverage are integers: the LP relaxation is feasible, so "
                         "the conflict involves whole posts or towns")
    elif program.n_rows <= IIS_MAX_ROWS:
        notes.append("no irreducible infeasible subset: the diagnosis time limit ran out")
    else:
        notes.append(
            f"No irreducible infeasible subset is given for a model of {program.n_rows:,} "
            "constraints: at this scale the solver's subset runs to thousands of constraints "
            "and takes minutes, while the fixes above say what to change.")
    names = program.row_names()
    iis_rows = tuple(names[i] for i in iis[0]) if iis else ()
    from pvd_optim.conflicts import commitment_conflicts

    return Diagnosis(scenario.name, tuple(fixes), tuple(cannot), iis_rows, iis is not None,
                     tuple(notes), tuple(unknown), limit_s, tuple(commitment_conflicts(programme)))
