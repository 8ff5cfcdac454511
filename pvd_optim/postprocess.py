"""After a solve: read the allocation, clean solver noise, word what binds, price the limits.

Everything here reads a solved ``LinearProgram`` by the names of its blocks, on
the program that was actually solved (the fixed-integer LP of the shadow
prices has its own row blocks), and turns raw values into planner terms. The
pipeline only orchestrates.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pvd_optim.families import FAMILIES, Binding
from pvd_optim.families.reference import CAPACITY, ENVELOPE
from pvd_optim.inputs import AllocationArrays, ModelInputs
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import SolveBudget
from pvd_optim.model.status import SolveResult
from pvd_optim.model.variables import COVERED, DAYS, FUNDING, POSTS, total_name
from pvd_optim.results import Problem, ShadowPrices
from pvd_optim.scenario.schema import AnalysisSection, SolverSection
from pvd_optim.tolerances import EXACT_GAP, NOISE, allowed_excess


def extract(program: LinearProgram, values: np.ndarray) -> AllocationArrays:
    """Read the allocation arrays from a solution vector of ``program``."""
    return AllocationArrays(
        funding_keur=program.column(FUNDING, values).sum(axis=2),
        days=program.column(DAYS, values).sum(axis=2),
        covered=program.column(COVERED, values).copy(),
        posts=program.column(POSTS, values).copy(),
    )


def clean(arrays: AllocationArrays, inputs: ModelInputs) -> AllocationArrays:
    """Solver noise removed: integers rounded (already checked within tolerance), tiny values 0."""
    covered = arrays.covered if inputs.relax_integers else np.round(arrays.covered)
    posts = arrays.posts if inputs.relax_integers else np.round(arrays.posts)
    return AllocationArrays(
        funding_keur=np.where(np.abs(arrays.funding_keur) < NOISE, 0.0, arrays.funding_keur),
        days=np.where(np.abs(arrays.days) < NOISE, 0.0, arrays.days),
        covered=covered,
        posts=posts,
    )


def binding(program: LinearProgram, values: np.ndarray, inputs: ModelInputs
            ) -> tuple[Binding, ...]:
    """The constraints a planner controls that hold with equality, in planner words.

    Every row block with a planner wording in the registry is read on
    ``program`` (the program ``values`` solve); a block absent from it belongs
    to a family the scenario switched off. Proportional rows (balance bands,
    theme floors) hold trivially when nothing of their resource is allocated,
    and are then not reported.
    """
    activity = program.activity(values)
    out: list[Binding] = []
    for family in FAMILIES:
        for block in family.blocks:
            if block.binding is None or block.name not in program.rows:
                continue
            rows = program.rows[block.name].slice
            lower, upper = program.row_lower[rows], program.row_upper[rows]
            bound = np.where(np.isfinite(upper), upper, lower)
            tight = np.abs(activity[rows] - bound) <= allowed_excess(bound)
            if block.proportional_to is not None and (
                    program.column(total_name(block.proportional_to), values)[0] <= NOISE):
                continue
            out.extend(Binding(family.name, block.binding(inputs, int(i)))
                       for i in np.flatnonzero(tight))
    return tuple(out)


def shadow_prices(problem: Problem, analysis: AnalysisSection, program: LinearProgram,
                  values: np.ndarray, objective: float, achieved_gap: float | None,
                  budget: SolveBudget) -> tuple[ShadowPrices, tuple[str, ...]]:
    """Marginal values at the optimum (``docs/model.md``, shadow prices and re-solves).

    The envelope's and each directorate's prices are the duals of the LP with
    posts and coverage fixed at the optimum; the price of balance (tolerance
    + 0.05) and the value of one more post are re-solves at MIP gap 0 against a
    gap-0 base, because one post was worth less than a 1e-4 gap. Every solve
    here gets what is left of the run's time limit (``budget``); one that cannot
    run or finish in it leaves its figure out, with a note saying so.
    """
    from pvd_optim.model import build_program, fix_integers, solve

    inputs = problem.inputs
    notes: list[str] = []

    def settings_for(what: str, **changes: object) -> SolverSection | None:
        settings = budget.follow_up(**changes)
        if settings is None:
            notes.append(f"{what} not computed: the solver time limit "
                         f"({budget.settings.time_limit_s:g} s) was used up before it")
        return settings

    def finished(what: str, result: SolveResult, *, optimal: bool) -> bool:
        if result.status.name == "OPTIMAL" or (not optimal and result.status.has_solution):
            return True
        notes.append(f"{what} not computed: its solve ended {result.status.value} "
                     f"({result.raw_status})")
        return False

    is_mip = bool(program.integer.any())
    basis = ("LP with posts and coverage fixed at the optimum" if is_mip
             else "LP (integrality relaxed)")
    envelope = None
    capacity: dict[str, float] = {}
    if analysis.shadow_prices and (settings := settings_for("shadow prices")) is not None:
        # With posts and coverage fixed, the perspective rows only restate bounds; leaving
        # them out made this LP far cheaper at 34,875 towns (same columns, same duals of
        # the envelope and capacity rows).
        lp = fix_integers(build_program(inputs, tight=False), values) if is_mip else program
        fixed = solve(lp, settings)
        if finished("shadow prices", fixed, optimal=False) and fixed.row_duals is not None:
            envelope = float(lp.row_values(ENVELOPE.blocks[0].name, fixed.row_duals)[0])
            capacity = dict(zip(inputs.directorate_names,
                                lp.row_values(CAPACITY.blocks[0].name, fixed.row_duals).tolist(),
                                strict=True))
    price_of_balance = value_of_post = None
    wanted = {"price of balance": analysis.price_of_balance and inputs.balance_mode != "off",
              "value of one more post": analysis.value_of_one_more_post}
    if any(wanted.values()):
        base: float | None = objective
        if is_mip and (achieved_gap is None or achieved_gap > EXACT_GAP):
            # Differences need both solves at gap 0: one post was worth less than a 1e-4 gap.
            base = None
            if (exact := settings_for("the gap-0 base of the re-solves", mip_gap=0.0)):
                again = solve(program, exact)
                if finished("the gap-0 base of the re-solves", again, optimal=True):
                    base = again.objective

        def resolve(what: str, changed: ModelInputs) -> float | None:
            if base is None or (exact := settings_for(what, mip_gap=0.0)) is None:
                return None
            result = solve(build_program(changed), exact)
            if not finished(what, result, optimal=True) or result.objective is None:
                return None
            return float(result.objective - base)

        if wanted["price of balance"]:
            price_of_balance = resolve("price of balance", dataclasses.replace(
                inputs, balance_tolerance=min(1.0, inputs.balance_tolerance + 0.05)))
        if wanted["value of one more post"]:
            value_of_post = resolve("value of one more post", dataclasses.replace(
                inputs,
                engineering_budget_keur=inputs.engineering_budget_keur + inputs.post_cost_keur))
    return (ShadowPrices(basis, envelope, capacity, price_of_balance, value_of_post),
            tuple(notes))
