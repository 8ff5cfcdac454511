"""After a solve: read the allocation, clean solver noise, word what binds, price the limits.

Everything here reads a solved ``LinearProgram`` by the names of its blocks, on
the program that was actually solved (the fixed-integer LP of the shadow
prices has its own row blocks), and turns raw values into planner terms. The
pipeline only orchestrates.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pvd_optim.families import FAMILIES, Binding
from pvd_optim.families.reference import CAPACITY, ENVELOPE
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import (
    AllocationArrays,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
    keur_to_eur,
)
from pvd_optim.model.builder import YEAR_AXIS
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import SolveBudget
from pvd_optim.model.status import SolveResult
from pvd_optim.model.variables import (
    ATTENDANCE,
    CARRY,
    COFUNDING,
    COVERED,
    DAYS,
    EVENTS,
    FUNDING,
    POSTS,
    total_name,
)
from pvd_optim.results import Problem, ShadowPrices
from pvd_optim.scenario.schema import AnalysisSection, SolverSection
from pvd_optim.tolerances import EXACT_GAP, NOISE, RELAXATION_NOISE, allowed_excess


def extract(program: LinearProgram, values: np.ndarray) -> AllocationArrays:
    """Read the allocation arrays from a solution vector of a one-year ``program``."""
    split = (program.column(COFUNDING, values).copy() if COFUNDING in program.columns
             else np.zeros((2, 0)))
    arrays = AllocationArrays(
        funding_keur=program.column(FUNDING, values).sum(axis=2),
        days=program.column(DAYS, values).sum(axis=2),
        covered=program.column(COVERED, values).copy(),
        posts=program.column(POSTS, values).copy(),
        cofunding_keur=split,
    )
    if EVENTS not in program.columns:
        return arrays
    return dataclasses.replace(arrays,
                               collective_events=program.column(EVENTS, values).copy(),
                               attendance=program.column(ATTENDANCE, values).copy())


def extract_programme(program: LinearProgram, values: np.ndarray,
                      programme: ProgrammeInputs) -> ProgrammeArrays:
    """Read every year's allocation arrays from a solution vector of ``program``."""
    count = programme.n_years
    if count == 1:
        return ProgrammeArrays((extract(program, values),))
    funding = program.column(FUNDING, values).sum(axis=3)
    days = program.column(DAYS, values).sum(axis=3)
    covered = program.column(COVERED, values)
    posts = program.column(POSTS, values)
    carry = (program.column(CARRY, values) if CARRY in program.columns
             else np.zeros(count - 1))
    split = (program.column(COFUNDING, values) if COFUNDING in program.columns
             else np.zeros((count, 2, 0)))
    arrays = ProgrammeArrays(tuple(
        AllocationArrays(funding[y], days[y], covered[y].copy(), posts[y].copy(),
                         carry_in_keur=float(carry[y - 1]) if y > 0 else 0.0,
                         carry_out_keur=float(carry[y]) if y < count - 1 else 0.0,
                         cofunding_keur=split[y].copy())
        for y in range(count)))
    if EVENTS not in program.columns:
        return arrays
    events, attendance = program.column(EVENTS, values), program.column(ATTENDANCE, values)
    return ProgrammeArrays(tuple(
        dataclasses.replace(year, collective_events=events[y].copy(),
                            attendance=attendance[y].copy())
        for y, year in enumerate(arrays.years)))


def _clean_year(arrays: AllocationArrays, inputs: ModelInputs) -> AllocationArrays:
    covered = arrays.covered if inputs.relax_integers else np.round(arrays.covered)
    posts = arrays.posts if inputs.relax_integers else np.round(arrays.posts)
    return AllocationArrays(
        funding_keur=np.where(np.abs(arrays.funding_keur) < NOISE, 0.0, arrays.funding_keur),
        days=np.where(np.abs(arrays.days) < NOISE, 0.0, arrays.days),
        covered=covered,
        posts=posts,
        carry_in_keur=0.0 if abs(arrays.carry_in_keur) < NOISE else arrays.carry_in_keur,
        carry_out_keur=0.0 if abs(arrays.carry_out_keur) < NOISE else arrays.carry_out_keur,
        cofunding_keur=np.where(np.abs(arrays.cofunding_keur) < NOISE, 0.0,
                                arrays.cofunding_keur),
        # + 0.0: a solver's -1e-12 rounds to -0.0, which a table would show as "-0".
        collective_events=(arrays.collective_events if inputs.relax_integers
                           else np.round(arrays.collective_events) + 0.0),
        attendance=(arrays.attendance if inputs.relax_integers
                    else np.round(arrays.attendance) + 0.0),
    )


def clean(arrays: AllocationArrays, inputs: ModelInputs) -> AllocationArrays:
    """Solver noise removed: integers rounded (already checked within tolerance), tiny values 0."""
    return _clean_year(arrays, inputs)


def clean_programme(arrays: ProgrammeArrays, programme: ProgrammeInputs) -> ProgrammeArrays:
    """Every year's allocation cleaned of solver noise (:func:`clean`), posts as reported.

    In a programme of several years, or with co-funders, posts carry no cost in the
    objective, so a solver may keep a spare post: each year's posts become those its
    coverage needs (``ModelInputs.posts_needed``) and, with co-funders, their subsidies
    are split in the reported order (:func:`pvd_optim.model.cofunding.reported_split`).
    The result is checked again; if it did not hold (a contract still running, say),
    the solver's posts stay.
    """
    cleaned = ProgrammeArrays(tuple(_clean_year(year_arrays, year) for year_arrays, year
                                    in zip(arrays.years, programme.years, strict=True)))
    if programme.first.relax_integers or not (programme.n_years > 1
                                              or programme.first.cofunded):
        return cleaned
    from pvd_optim.check import check_allocation
    from pvd_optim.model.cofunding import reported_split

    years = []
    for year, year_arrays in zip(programme.years, cleaned.years, strict=True):
        posts = year.posts_needed(year_arrays.covered)
        split = year_arrays.cofunding_keur
        if year.cofunded:
            found = reported_split(year, year.posts_by_type(posts))
            if found is None:
                return cleaned
            split = found
        years.append(dataclasses.replace(year_arrays, posts=posts, cofunding_keur=split))
    reported = ProgrammeArrays(tuple(years))
    return reported if check_allocation(programme, reported).ok else cleaned


def binding(program: LinearProgram, values: np.ndarray,
            inputs: ModelInputs | ProgrammeInputs) -> tuple[Binding, ...]:
    """The constraints a planner controls that hold with equality, in planner words.

    Every row block with a planner wording in the registry is read on
    ``program`` (the program ``values`` solve); a block absent from it belongs
    to a family the scenario switched off. Proportional rows (balance bands,
    theme floors) hold trivially when nothing of their resource is allocated (that
    year, or over the horizon), and are then not reported. In a programme of
    several years each label says its year ("... in 2021"), or "over the horizon".
    """
    programme = as_programme(inputs)
    count = programme.n_years
    activity = program.activity(values)
    out: list[Binding] = []
    for family in FAMILIES:
        for block in family.blocks:
            if block.binding is None or block.name not in program.rows:
                continue
            placed = program.rows[block.name]
            if placed.size == 0:
                continue
            rows = placed.slice
            lower, upper = program.row_lower[rows], program.row_upper[rows]
            bound = np.where(np.isfinite(upper), upper, lower)
            tight = np.abs(activity[rows] - bound) <= allowed_excess(bound)
            per_year = count > 1 and placed.axes[:1] == (YEAR_AXIS,)
            per = placed.size // count if per_year else placed.size
            allocated = None
            if block.proportional_to is not None:
                allocated = program.column(total_name(block.proportional_to), values).ravel()
            for i in np.flatnonzero(tight):
                y, local = divmod(int(i), per) if per_year else (0, int(i))
                if allocated is not None and (
                        allocated[y] if per_year else allocated.sum()) <= NOISE:
                    continue
                names = tuple(block.names(programme.years[y], local).items())
                out.append(Binding(family.name, block.wording(programme.years[y], local), names,
                                   programme.years[y].year if per_year else None,
                                   count > 1 and not per_year))
    return tuple(out)


def _with_years(programme: ProgrammeInputs, from_year: int | None, **changes_of: Any
                ) -> ProgrammeInputs:
    """The programme with every year (from ``from_year`` on) changed by ``changes_of``."""
    return dataclasses.replace(programme, years=tuple(
        dataclasses.replace(year, **{name: change(year) for name, change in changes_of.items()})
        if from_year is None or year.year >= from_year else year
        for year in programme.years))


#: The follow-up solves as the notes name them (a Message each: a note renders in the reader's
#: language); also the keys of their results (a Message is its English text).
SHADOW_PRICES = Message("shadow prices")
GAP_0_BASE = Message("the gap-0 base of the re-solves")
PRICE_OF_BALANCE = Message("price of balance")
PRICE_OF_QUOTA = Message("price of quota")
ONE_MORE_POST = Message("value of one more post")


def shadow_prices(problem: Problem, analysis: AnalysisSection, program: LinearProgram,
                  values: np.ndarray, objective: float, achieved_gap: float | None,
                  budget: SolveBudget) -> tuple[ShadowPrices, tuple[str, ...]]:
    """Marginal values at the optimum (``docs/model.md``, shadow prices and re-solves).

    The envelope's and each directorate's prices, each year, are the duals of the LP
    with posts and coverage fixed at the optimum; the price of balance (tolerance
    + 0.05) and the value of one more post are re-solves at MIP gap 0 against a
    gap-0 base, because one post was worth less than a 1e-4 gap. Every solve
    here gets what is left of the run's time limit (``budget``); one that cannot
    run or finish in it leaves its figure out, with a note saying so.
    """
    from pvd_optim.model import build_program, fix_integers, solve
    from pvd_optim.model.follow_ups import solve_exactly, solve_fixed_lp, solve_relaxations
    from pvd_optim.model.warm import StartingPoint

    programme = problem.programme
    first = programme.first
    notes: list[str] = []

    def settings_for(what: str, **changes: object) -> SolverSection | None:
        settings = budget.follow_up(**changes)
        if settings is None:
            notes.append(Message("{what} not computed: the solver time limit ({limit:g} s) was "
                                 "used up before it", what=what,
                                 limit=budget.settings.time_limit_s))
        return settings

    def finished(what: str, result: SolveResult, *, optimal: bool) -> bool:
        if result.status.name == "OPTIMAL" or (not optimal and result.status.has_solution):
            return True
        notes.append(Message("{what} not computed: its solve ended {status} ({raw})", what=what,
                             status=result.status.value, raw=result.raw_status))
        return False

    is_mip = bool(program.integer.any())
    basis = ("LP with posts and coverage fixed at the optimum" if is_mip
             else "LP (integrality relaxed)")
    envelope_by_year: dict[str, float] = {}
    committed: tuple[str, ...] = ()
    capacity_by_year: dict[str, dict[str, float]] = {}
    if analysis.shadow_prices and (settings := settings_for(SHADOW_PRICES)) is not None:
        # With posts and coverage fixed, the perspective rows only restate bounds; leaving
        # them out made this LP far cheaper at 34,875 towns (same columns, same duals of
        # the envelope and capacity rows).
        lp = fix_integers(build_program(programme, tight=False), values) if is_mip else program
        fixed = solve_fixed_lp(lp, settings, values) if is_mip else solve(lp, settings)
        if finished(SHADOW_PRICES, fixed, optimal=False) and fixed.row_duals is not None:
            envelope = lp.row_values(ENVELOPE.blocks[0].name, fixed.row_duals).reshape(
                programme.n_years)
            capacity = lp.row_values(CAPACITY.blocks[0].name, fixed.row_duals).reshape(
                programme.n_years, first.n_directorates)
            for y, year in enumerate(programme.calendar):
                envelope_by_year[str(year)] = float(envelope[y])
                capacity_by_year[str(year)] = dict(zip(first.directorate_names,
                                                       capacity[y].tolist(), strict=True))
            if fixed.values is not None:
                committed = binding_commitments(programme, lp, fixed.values, fixed.row_duals)
    price_of_balance = value_of_post = price_of_quota = None
    by_funder: dict[str, float | None] = {}
    from_year = (analysis.budget_value_from_year if analysis.budget_value_from_year is not None
                 else first_free_year(programme))
    wanted = {"price of balance": analysis.price_of_balance and first.balance_mode != "off",
              "value of one more post": analysis.value_of_one_more_post,
              "price of quota": analysis.price_of_quota and first.post_quota is not None}
    if any(wanted.values()):
        base: float | None = objective
        start = StartingPoint(values)
        if is_mip and (achieved_gap is None or achieved_gap > EXACT_GAP):
            # Differences need both solves at gap 0: one post was worth less than a 1e-4 gap.
            base = None
            if (exact := settings_for(GAP_0_BASE, mip_gap=0.0)):
                again = solve_exactly(program, exact, start)
                if finished(GAP_0_BASE, again, optimal=True):
                    base, start = again.objective, StartingPoint(again.require_values())
        changed: dict[str, ProgrammeInputs] = {}
        if wanted["price of balance"]:
            changed[PRICE_OF_BALANCE] = _with_years(
                programme, None,
                balance_tolerance=lambda y: min(1.0, y.balance_tolerance + 0.05))
        if wanted["price of quota"]:
            # The band mode: the hard band on covered towns back, the quotas gone. Not a
            # relaxation of the quotas: the base optimum starts it only where feasible.
            changed[PRICE_OF_QUOTA] = _with_years(
                programme, None, post_quota=lambda y: None,
                post_quota_apportioned=lambda y: None)
        if wanted["value of one more post"] and not first.cofunded:
            changed[ONE_MORE_POST] = _with_years(
                programme, from_year,
                engineering_budget_keur=lambda y: y.engineering_budget_keur + y.post_cost_keur)
        if wanted["value of one more post"] and first.cofunded:
            for f, name in enumerate(first.funder_names):
                changed[_funder_resolve(name)] = _with_years(
                    programme, from_year, funder_budget_keur=lambda y, f=f: y.funder_budget_keur
                    + np.eye(y.n_funders)[f] * y.post_cost_keur)
        # Each only relaxes the base: its optimum starts them, and they are solved at once.
        asked = [(what, exact) for what in changed if base is not None
                 and (exact := settings_for(what, mip_gap=0.0)) is not None]
        results = solve_relaxations([build_program(changed[what]) for what, _ in asked],
                                    [exact for _, exact in asked], start)
        gains = {what: float(result.objective - base)
                 for (what, _), result in zip(asked, results, strict=True)
                 if finished(what, result, optimal=True) and result.objective is not None
                 and base is not None}
        price_of_balance = gains.get("price of balance")
        value_of_post = gains.get("value of one more post")
        price_of_quota = gains.get("price of quota")
        if wanted["value of one more post"] and first.cofunded:
            by_funder = {name: gains.get(_funder_resolve(name)) for name in first.funder_names}
    one = programme.n_years == 1
    only = str(programme.calendar[0])
    return (ShadowPrices(basis, envelope_by_year.get(only) if one else None,
                         capacity_by_year.get(only, {}) if one else {}, price_of_balance,
                         value_of_post, envelope_by_year, capacity_by_year, by_funder,
                         from_year if programme.n_years > 1 else None, committed,
                         price_of_quota=price_of_quota),
            tuple(notes))


def _funder_resolve(name: str) -> str:
    """The name of the re-solve that gives one more post's subsidy to funder ``name``."""
    return Message("value of one more post for {funder}", funder=name)


#: Most binding commitments worded one by one; the others are counted.
SHOWN_COMMITMENTS = 20


def binding_commitments(programme: ProgrammeInputs, lp: LinearProgram, values: np.ndarray,
                        duals: np.ndarray) -> tuple[str, ...]:
    """The committed funding and days the optimum would rather have spent elsewhere.

    A commitment binds where a benefit segment sits at its committed lower bound with a
    negative reduced cost in the LP with posts and coverage fixed (``cost - A^T y``: one
    more committed unit would lower the benefit by that much). Locked years, fixed
    whole, are not read; they are history.
    """
    reduced = lp.cost - np.bincount(lp.row_index, weights=lp.row_value * duals[lp.row_of_entry],
                                    minlength=lp.n_cols)
    first = programme.first
    found: list[tuple[float, str]] = []
    for name, what, unit in ((FUNDING, "funding", "k EUR"), (DAYS, "expert-days", "day")):
        block = lp.columns[name]
        shape = (programme.n_years, first.n_towns, first.n_themes, first.n_segments)
        lower = lp.col_lower[block.slice].reshape(shape)
        value = values[block.slice].reshape(shape)
        cost = reduced[block.slice].reshape(shape)
        regret = (lower > NOISE) & (np.abs(value - lower) <= allowed_excess(lower)) & (
            cost < -RELAXATION_NOISE)
        for y, t, k in {(int(a), int(b), int(c)) for a, b, c, _ in zip(*np.nonzero(regret),
                                                                       strict=True)}:
            year = programme.years[y]
            if year.locked:
                continue
            amount = (year.committed_funding_keur if name == FUNDING
                      else year.committed_days)[t, k]
            shown = f"{keur_to_eur(amount):,.0f} EUR" if name == FUNDING else f"{amount:,.1f} days"
            price = float(-cost[y, t, k][regret[y, t, k]].max())
            found.append((price, f"{what} committed to {first.town_names[t]} "
                                 f"({first.town_codes[t]}) for {first.themes[k]} in {year.year} "
                                 f"({shown}): costs {price:.3f} k EUR-eq per {unit} against the "
                                 "best use elsewhere"))
    found.sort(key=lambda item: -item[0])
    words = [text for _, text in found[:SHOWN_COMMITMENTS]]
    if len(found) > SHOWN_COMMITMENTS:
        words.append(f"and {len(found) - SHOWN_COMMITMENTS:,} more committed amounts")
    return tuple(words)


def first_free_year(programme: ProgrammeInputs) -> int:
    """The first calendar year the allocation decides (not locked by commitments)."""
    return next((year.year for year in programme.years if not year.locked),
                programme.calendar[-1])
