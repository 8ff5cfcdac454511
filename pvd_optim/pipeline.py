"""``optimise(scenario)``: towns -> scores -> model -> solve -> check -> ``Allocation``.

Each step is its own function so analysts can stop anywhere: ``prepare`` gives
the town table and scores, ``build`` the model, ``solve_program`` the raw
result, ``extract`` the allocation arrays.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pvd_optim.assemble import Prepared, prepare
from pvd_optim.check import AllocationArrays, check_allocation, objective_parts
from pvd_optim.errors import InfeasibleError, SolverError, VerificationError
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.formulation import LinearProgram
from pvd_optim.model.solve import SolverOptions
from pvd_optim.model.status import SolveResult
from pvd_optim.results import Allocation, ShadowPrices
from pvd_optim.scenario.schema import Scenario

log = logging.getLogger("pvd_optim")

#: Step reporter: called with a short description when a step starts.
Progress = Callable[[str], None]

OBJECTIVE_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class Run:
    """Everything one ``optimise`` call produced, for writing and explaining."""

    scenario: Scenario
    prepared: Prepared
    allocation: Allocation
    timings: dict[str, float]


def _options(scenario: Scenario, *, mip_gap: float | None = None) -> SolverOptions:
    solver = scenario.solver
    return SolverOptions(
        name=solver.name, time_limit_s=solver.time_limit_s,
        mip_gap=solver.mip_gap if mip_gap is None else mip_gap, threads=solver.threads,
        highs_options=tuple(solver.highs_options.items()),
    )


def extract(program: LinearProgram, values: np.ndarray) -> AllocationArrays:
    """Read the allocation arrays from a solution vector of ``program``."""
    return AllocationArrays(
        funding_keur=program.column("f", values).sum(axis=2),
        days=program.column("x", values).sum(axis=2),
        covered=program.column("c", values).copy(),
        posts=program.column("p", values).copy(),
    )


def clean(arrays: AllocationArrays, inputs: ModelInputs) -> AllocationArrays:
    """Solver noise removed: integers rounded (already checked within 1e-6), tiny values 0."""
    covered = arrays.covered if inputs.relax_integers else np.round(arrays.covered)
    posts = arrays.posts if inputs.relax_integers else np.round(arrays.posts)
    return AllocationArrays(
        funding_keur=np.where(np.abs(arrays.funding_keur) < 1e-9, 0.0, arrays.funding_keur),
        days=np.where(np.abs(arrays.days) < 1e-9, 0.0, arrays.days),
        covered=covered,
        posts=posts,
    )


def _balance_label(resource: str, side: str, regions: tuple[str, ...], i: int) -> str:
    return f"{resource} balance ({side}) of {regions[i]}"


def _binding(program: LinearProgram, values: np.ndarray, inputs: ModelInputs
             ) -> tuple[str, ...]:
    """National and directorate-level constraints that hold with equality."""
    activity = program.activity(values)
    out: list[str] = []
    names: dict[str, Callable[[int], str]] = {
        "envelope": lambda i: "funding envelope",
        "spend_min": lambda i: "minimum spend",
        "engineering_budget": lambda i: "engineering budget",
        "cover_min": lambda i: "minimum coverage",
        "capacity": lambda i: f"Cerema capacity of {inputs.directorate_names[i]}",
        "theme_floor": lambda i: f"theme floor of {inputs.themes[i]}",
    }
    for resource in ("funding", "days", "towns"):
        for side in ("low", "high"):
            names[f"balance_{resource}_{side}"] = functools.partial(
                _balance_label, resource, "floor" if side == "low" else "ceiling",
                inputs.region_names)
    for block_name, label in names.items():
        block = program.rows.get(block_name)
        if block is None:
            continue
        act = activity[block.slice]
        lo, up = program.row_lower[block.slice], program.row_upper[block.slice]
        bound = np.where(np.isfinite(up), up, lo)
        tight = np.abs(act - bound) <= 1e-6 * np.maximum(1.0, np.abs(bound))
        if block_name == "theme_floor" or block_name.startswith("balance"):
            # Proportional rows hold trivially (0 >= 0) when nothing of the resource is used.
            resource = "funding" if block_name == "theme_floor" else block_name.split("_")[1]
            if program.column(f"{resource}_total", values)[0] <= 1e-9:
                continue
        out.extend(label(int(i)) for i in np.flatnonzero(tight))
    return tuple(out)


def _shadow_prices(scenario: Scenario, program: LinearProgram, values: np.ndarray,
                   inputs: ModelInputs,
                   objective: float, achieved_gap: float | None) -> ShadowPrices:
    from pvd_optim.model import build_program, fix_integers, solve

    analysis = scenario.analysis
    is_mip = bool(program.integer.any())
    basis = ("LP with posts and coverage fixed at the optimum" if is_mip
             else "LP (integrality relaxed)")
    envelope = None
    capacity: dict[str, float] = {}
    if analysis.shadow_prices:
        # With posts and coverage fixed, the tightening rows only restate bounds; leaving
        # them out made this LP far cheaper at 34,875 towns (same columns, same duals of
        # the envelope and capacity rows).
        lp = fix_integers(build_program(inputs, tight=False), values) if is_mip else program
        fixed = solve(lp, _options(scenario))
        if fixed.status.has_solution and fixed.row_duals is not None:
            envelope = float(program.row_values("envelope", fixed.row_duals)[0])
            capacity = dict(zip(inputs.directorate_names,
                                program.row_values("capacity", fixed.row_duals).tolist(),
                                strict=True))
    price_of_balance = value_of_post = None
    if analysis.price_of_balance or analysis.value_of_one_more_post:
        # Differences need both solves at gap 0: one post was worth less than a 1e-4 gap.
        base: float | None = objective
        if is_mip and (achieved_gap is None or achieved_gap > 1e-9):
            again = solve(program, _options(scenario, mip_gap=0.0))
            base = again.objective if again.status.name == "OPTIMAL" else None
        def resolve(changed: ModelInputs) -> float | None:
            result = solve(build_program(changed), _options(scenario, mip_gap=0.0))
            if base is None or result.status.name != "OPTIMAL" or result.objective is None:
                return None
            return float(result.objective - base)
        if analysis.price_of_balance and inputs.balance_mode != "off":
            price_of_balance = resolve(dataclasses.replace(
                inputs, balance_tolerance=min(1.0, inputs.balance_tolerance + 0.05)))
        if analysis.value_of_one_more_post:
            value_of_post = resolve(dataclasses.replace(
                inputs,
                engineering_budget_keur=inputs.engineering_budget_keur + inputs.post_cost_keur))
    return ShadowPrices(basis, envelope, capacity, price_of_balance, value_of_post)


@dataclass(frozen=True, eq=False)
class Solved:
    """A solve turned into a verified ``Allocation`` (before shadow prices)."""

    program: LinearProgram
    result: SolveResult
    allocation: Allocation


def solve_inputs(
    inputs: ModelInputs,
    options: SolverOptions,
    *,
    program: LinearProgram | None = None,
    on_infeasible: Callable[[], InfeasibleError] | None = None,
) -> Solved:
    """Build (unless given), solve, extract and verify: the optimum of ``inputs``.

    Raises ``InfeasibleError`` (from ``on_infeasible`` when given, so callers can
    attach a diagnosis), ``SolverError`` when no allocation was found, and
    ``VerificationError`` when the checker or the recomputed objective disagree.
    """
    from pvd_optim.model import SolveStatus, build_program, solve

    program = program if program is not None else build_program(inputs)
    result = solve(program, options)
    if result.status is SolveStatus.INFEASIBLE:
        if on_infeasible is not None:
            raise on_infeasible()
        raise InfeasibleError("no allocation meets every constraint; `pvd-optim run` on the "
                              "scenario explains the smallest relaxation")
    if result.status is SolveStatus.NO_SOLUTION:
        raise SolverError(
            f"{result.solver} stopped ({result.raw_status}) after {result.solve_seconds:.1f} s "
            "before finding any allocation; raise solver.time_limit_s or simplify the scenario"
        )
    if not result.status.has_solution:
        raise SolverError(f"{result.solver} failed: {result.raw_status} ({result.status.value})")
    values = result.require_values()
    raw = extract(program, values)
    report = check_allocation(inputs, raw)
    report.raise_if_violated("solver's allocation")
    arrays = clean(raw, inputs)
    parts = objective_parts(inputs, arrays)
    assert result.objective is not None
    if result.status is SolveStatus.OPTIMAL and abs(parts["total"] - result.objective) > (
        OBJECTIVE_TOLERANCE * max(1.0, abs(result.objective))
    ):
        raise VerificationError(
            f"the objective recomputed from the allocation ({parts['total']:.6f}) differs from "
            f"the solver's ({result.objective:.6f}); this is a bug in pvd-optim, please report it"
        )
    allocation = Allocation(
        label="optimum",
        scenario_name="",
        inputs=inputs,
        arrays=arrays,
        status="relaxed" if inputs.relax_integers else result.status.value,
        objective=parts["total"],
        objective_parts=parts,
        check=report,
        solver=result.solver,
        solver_version=result.solver_version,
        mip_gap=result.mip_gap,
        solve_seconds=result.solve_seconds,
        binding=_binding(program, values, inputs),
        solver_objective=result.objective,
    )
    return Solved(program, result, allocation)


def optimise(scenario: Scenario, progress: Progress | None = None) -> Allocation:
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
    return run(scenario, progress).allocation


def run(scenario: Scenario, progress: Progress | None = None) -> Run:
    """Like :func:`optimise`, also returning the prepared data and step timings."""
    from pvd_optim.model import SolveStatus, build_program

    say = progress or (lambda message: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    say("loading and scoring towns")
    prepared = prepare(scenario)
    inputs = prepared.inputs
    lap("prepare")
    say(f"building the model for {inputs.n_towns} towns")
    program = build_program(inputs)
    lap("build")
    say(f"solving with {scenario.solver.name} ({program.n_cols} variables, "
        f"{program.n_rows} constraints)")

    def explain_infeasibility() -> InfeasibleError:
        from pvd_optim.diagnose import diagnose

        say("infeasible: diagnosing the smallest relaxation")
        diagnosis = diagnose(inputs, scenario)
        return InfeasibleError(diagnosis.headline(), diagnosis)

    solved = solve_inputs(inputs, _options(scenario), program=program,
                          on_infeasible=explain_infeasibility)
    lap("solve")
    result = solved.result
    prices = None
    if result.status is SolveStatus.OPTIMAL:
        say("computing shadow prices and re-solves")
        assert result.objective is not None
        prices = _shadow_prices(scenario, program, result.require_values(), inputs,
                                result.objective, result.mip_gap)
    lap("analysis")
    allocation = dataclasses.replace(
        solved.allocation, scenario_name=scenario.name, shadow_prices=prices,
        town_info=prepared.towns_frame())
    return Run(scenario, prepared, allocation, timings)
