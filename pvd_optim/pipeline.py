"""``optimise(scenario)``: towns -> scores -> model -> solve -> check -> ``Allocation``.

This module orchestrates only; each step is its own function elsewhere, so
analysts can stop anywhere: ``assemble.prepare`` gives the town table, scores
and model inputs, ``model.build_program`` the model, ``model.solve`` the raw
result, ``postprocess`` reads, cleans and explains it, ``check`` verifies it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pvd_optim.assemble import Prepared, prepare
from pvd_optim.check import CheckReport, check_allocation
from pvd_optim.data.commitments import Commitments
from pvd_optim.errors import InfeasibleError, ScenarioError, SolverError, VerificationError
from pvd_optim.families import Binding
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import ProgrammeArrays
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.postprocess import binding, clean_programme, extract_programme, shadow_prices
from pvd_optim.results import Allocation, Problem, ShadowPrices
from pvd_optim.scenario.schema import Scenario
from pvd_optim.tolerances import CHECK_RELATIVE

if TYPE_CHECKING:
    from pvd_optim.model.warm import StartingPoint

#: Step reporter: called with a short description when a step starts.
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Run:
    """Everything one ``optimise`` call produced, for writing and explaining."""

    scenario: Scenario
    prepared: Prepared
    allocation: Allocation
    timings: dict[str, float]


@dataclass(frozen=True, eq=False)
class Solved:
    """One solve turned into verified allocation arrays."""

    program: LinearProgram
    result: SolveResult
    arrays: ProgrammeArrays  # every year's, cleaned of solver noise, checked
    check: CheckReport
    binding: tuple[Binding, ...]

    def allocation(self, problem: Problem, label: str = "optimum",
                   prices: ShadowPrices | None = None, notes: tuple[str, ...] = ()
                   ) -> Allocation:
        """The complete ``Allocation`` of this solve (``notes``: what the follow-ups said)."""
        result = self.result
        allocation = Allocation.of(
            problem, label, self.arrays,
            "relaxed" if problem.programme.first.relax_integers else result.status.value,
            self.check,
            solver=result.solver, solver_version=result.solver_version, mip_gap=result.mip_gap,
            solve_seconds=result.solve_seconds, binding=self.binding,
            solver_objective=result.objective, shadow_prices=prices,
            notes=(*result.notes, *notes))
        objective = result.objective
        assert objective is not None
        if result.status is SolveStatus.OPTIMAL and abs(allocation.objective - objective) > (
                CHECK_RELATIVE * max(1.0, abs(objective))):
            raise VerificationError(Message(
                "the objective recomputed from the allocation ({recomputed:.6f}) differs from "
                "the solver's ({solver:.6f}); this is a bug in pvd-optim, please report it",
                recomputed=allocation.objective, solver=objective))
        return allocation


def solve_problem(
    problem: Problem,
    *,
    program: LinearProgram | None = None,
    on_infeasible: Callable[[SolveResult], InfeasibleError] | None = None,
    start: StartingPoint | None = None,
    exactly: bool = False,
) -> Solved:
    """Build (unless given), solve with the problem's solver settings, extract and verify.

    ``start``: a base optimum to start from where it is feasible (a sweep's variants,
    :mod:`pvd_optim.model.warm`). ``exactly``: a solve at gap 0 that tries the LP
    relaxation and one branching before the MIP
    (:func:`pvd_optim.model.follow_ups.solve_exactly`, as the run's re-solves).

    Raises ``InfeasibleError`` (from ``on_infeasible(result)`` when given, so callers can
    attach a diagnosis), ``SolverError`` when no allocation was found, and
    ``VerificationError`` when the checker disagrees with the solver.
    """
    from pvd_optim.model import build_program, solve

    programme = problem.programme
    program = program if program is not None else build_program(programme)
    if exactly:
        from pvd_optim.model.follow_ups import solve_exactly

        result = solve_exactly(program, problem.solver, start)
    elif programme.n_years > 1:
        from pvd_optim.model.relaxation_first import solve_relaxation_first

        # A programme of several years from its LP relaxation first (issue 12, item 8);
        # a start serves only if the MIP has to be solved.
        result = solve_relaxation_first(program, problem.solver, programme, start=start)
    elif start is None:
        result = solve(program, problem.solver)
    else:
        from pvd_optim.model.warm import solve_from

        result = solve_from(program, problem.solver, start)
    if result.status is SolveStatus.INFEASIBLE:
        if on_infeasible is not None:
            raise on_infeasible(result)
        raise InfeasibleError(Message("no allocation meets every constraint; `pvd-optim run` "
                                      "on the scenario explains the smallest relaxation"))
    if result.status is SolveStatus.NO_SOLUTION:
        raise SolverError(Message(
            "{solver} stopped ({status}) after {seconds:.1f} s before finding any allocation; "
            "raise solver.time_limit_s or simplify the scenario", solver=result.solver,
            status=result.raw_status, seconds=result.solve_seconds))
    if result.status is SolveStatus.UNBOUNDED:
        raise VerificationError(Message(
            "{solver} reports the model unbounded ({status}): every resource is bounded, so "
            "this is a bug in pvd-optim; please report it with the scenario",
            solver=result.solver, status=result.raw_status))
    if not result.status.has_solution:
        raise SolverError(Message(
            "{solver} could not solve this model ({status}): most often numbers far outside "
            "the range it handles (huge amounts, tiny slopes or values); check the scenario's "
            "extreme figures, or try solver.name: cbc, and report it with the scenario if the "
            "figures are ordinary", solver=result.solver, status=result.raw_status))
    values = result.require_values()
    raw = extract_programme(program, values, programme)
    report = check_allocation(programme, raw)
    report.raise_if_violated("solver's allocation")
    return Solved(program, result, clean_programme(raw, programme), report,
                  binding(program, values, programme))


def check_solver_settings(scenario: Scenario) -> None:
    """Refuse, with its file and line, a solver setting the solver would refuse later."""
    if scenario.solver.name != "highs":
        return
    from pvd_optim.model.highs import option_problems

    for name, problem in option_problems(scenario.solver.highs_options):
        raise ScenarioError(problem, **scenario.located(f"solver.highs_options.{name}"))


def problem_of(scenario: Scenario, prepared: Prepared) -> Problem:
    """The allocation problem a scenario poses, with its towns prepared."""
    return Problem(prepared.inputs, scenario.name, scenario.solver, prepared.towns_frame())


def optimise(scenario: Scenario, progress: Progress | None = None,
             commitments: Commitments | None = None) -> Allocation:
    """Solve ``scenario`` and return its verified, explained optimal allocation.

    Raises
    ------
    InfeasibleError
        No allocation meets every constraint; ``error.diagnosis`` says which
        relaxation would make it feasible.
    SolverError
        The solver stopped at a limit before finding any allocation, or failed.
    VerificationError
        The independent checker rejected the solution (a bug, never a result).
    """
    return run(scenario, progress, commitments).allocation


def run(scenario: Scenario, progress: Progress | None = None,
        commitments: Commitments | None = None) -> Run:
    """Like :func:`optimise`, also returning the prepared data and step timings.

    ``commitments``: those of an earlier results folder, read and verified by
    ``pvd_optim.output.commitments_from_results`` (``pvd_optim.optimise`` and
    ``pvd-optim run`` do so for a scenario that names one); a CSV of commitments the
    scenario names is read here.
    """
    from pvd_optim.model import build_program
    from pvd_optim.model.solve import SolveBudget
    from pvd_optim.quota_inputs import capped_regions

    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    check_solver_settings(scenario)
    # Step names are catalogue messages: the command line shows them in the run's language.
    say(N_("loading and scoring towns"))
    prepared = prepare(scenario, commitments)
    problem = problem_of(scenario, prepared)
    programme = problem.programme
    lap("prepare")
    quota_caps = tuple(capped_regions(programme.first))  # the run says so, and notes it
    for line in quota_caps:
        say(line)
    towns, calendar = programme.first.n_towns, programme.calendar
    say(Message("building the model for {towns} towns over {years} years ({first}-{last})",
                towns=towns, years=programme.n_years, first=calendar[0], last=calendar[-1])
        if programme.n_years > 1 else
        Message("building the model for {towns} towns", towns=towns))
    program = build_program(programme)
    lap("build")
    say(Message("solving with {solver} ({variables} variables, {constraints} constraints)",
                solver=scenario.solver.name, variables=program.n_cols,
                constraints=program.n_rows))

    def explain_infeasibility(result: SolveResult) -> InfeasibleError:
        from pvd_optim.diagnose import diagnose

        say(N_("infeasible: diagnosing the smallest relaxation"))
        diagnosis = diagnose(programme, scenario, main_solve_s=result.solve_seconds)
        return InfeasibleError(diagnosis.headline(), diagnosis)

    budget = SolveBudget(scenario.solver)
    solved = solve_problem(problem, program=program, on_infeasible=explain_infeasibility)
    lap("solve")
    result = solved.result
    prices: ShadowPrices | None = None
    notes: tuple[str, ...] = quota_caps
    if result.status is SolveStatus.OPTIMAL:
        say(N_("computing shadow prices and re-solves"))
        assert result.objective is not None
        prices, follow_up_notes = shadow_prices(problem, scenario.analysis, program,
                                                result.require_values(), result.objective,
                                                result.mip_gap, budget)
        notes = (*notes, *follow_up_notes)
    lap("analysis")
    return Run(scenario, prepared, solved.allocation(problem, prices=prices, notes=notes),
               timings)
