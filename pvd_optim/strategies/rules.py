"""The allocation rules: the optimum and the simple baselines (see ``pvd_optim.strategies``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from pvd_optim.check import check_allocation
from pvd_optim.errors import InputError
from pvd_optim.families import FAMILY_NAMES, of_kind
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import AllocationArrays, FloatArray, ModelInputs
from pvd_optim.inputs.posts import posts_paid_whatever_mix
from pvd_optim.results import Allocation, Problem
from pvd_optim.strategies.fill import (
    BoolArray,
    cover_in_order,
    fill_in_order,
    greedy_by_segment,
    priority_order,
    water_fill,
)

#: Families every simple rule respects by construction: the model's structure and its
#: resource limits (not the targets: minimum spend and coverage, floors, balance).
COMMON_FAMILIES: tuple[str, ...] = tuple(f.name for f in of_kind("structure", "limit"))

#: The constraint families each strategy promises (and is checked on).
PROMISES: dict[str, tuple[str, ...]] = {
    "optimum": FAMILY_NAMES,
    "equal_split": COMMON_FAMILIES,
    "pro_rata_population": COMMON_FAMILIES,
    "pro_rata_need": COMMON_FAMILIES,
    "greedy_by_need": COMMON_FAMILIES,
    "quota_hamilton": COMMON_FAMILIES,
    "quota_dhondt": COMMON_FAMILIES,
    "quota_sainte_lague": COMMON_FAMILIES,
}

#: Status of an allocation produced by a rule rather than by the solver.
HEURISTIC = "heuristic"


def as_problem(problem: Problem | ModelInputs) -> Problem:
    """``problem`` itself, or bare model inputs posed as a problem with default settings.

    The baseline rules allocate one programme year: a programme of several years is
    refused with an ``InputError`` (the optimum handles it; run the rules year by year
    on one-year scenarios to compare).
    """
    problem = problem if isinstance(problem, Problem) else Problem(problem)
    programme = problem.programme
    if programme.n_years > 1:
        raise InputError(Message(
            "the baseline strategies allocate one programme year; this scenario has {years} "
            "({first}-{last}): compare its optimum alone, or give the rules one year "
            "(`years: [YEAR]`) at a time", years=programme.n_years,
            first=programme.calendar[0], last=programme.calendar[-1]))
    if programme.first.has_commitments:
        raise InputError(Message("the baseline strategies ignore commitments; compare this "
                                 "scenario's optimum alone, or the rules on the scenario "
                                 "without commitments"))
    if not isinstance(problem.inputs, ModelInputs):
        problem = dataclasses.replace(problem, inputs=programme.first)
    return problem


def optimum(problem: Problem | ModelInputs) -> Allocation:
    """The model's optimum (no shadow prices), checked on every constraint family.

    Solved with the problem's solver settings: the scenario's ``solver`` section.

    Raises
    ------
    InfeasibleError
        No allocation meets every constraint (run ``pvd-optim run`` for the diagnosis).
    SolverError
        The solver stopped before finding an allocation, or failed.
    VerificationError
        The checker rejected the solver's allocation (a bug).
    """
    from pvd_optim.pipeline import solve_problem

    # The optimum allocates a programme of several years too (the rules do not).
    problem = problem if isinstance(problem, Problem) else Problem(problem)
    return solve_problem(problem).allocation(problem, "optimum")


# ---- shared steps -------------------------------------------------------------------------


def theme_weights(inputs: ModelInputs, by_need: bool) -> FloatArray:
    """(n, K) theme weights: need (a town with no need anywhere: equal), or equal."""
    if not by_need:
        return np.ones_like(inputs.need)
    none = inputs.need.sum(axis=1) <= 0
    return np.where(none[:, None], 1.0, inputs.need)


def town_maxima(inputs: ModelInputs, covered: BoolArray, weights: FloatArray
                 ) -> tuple[FloatArray, FloatArray]:
    """Most funding and days a town can take: its caps, and what its themes absorb.

    Only themes with positive weight receive anything, so only their
    saturations count; uncovered towns take nothing (no project lead).
    """
    absorbs = weights > 0
    funding = np.minimum(inputs.cap_keur, (absorbs * inputs.saturation_keur).sum(axis=1))
    days = np.minimum(inputs.max_days_per_town, (absorbs * inputs.saturation_days).sum(axis=1))
    return funding * covered, days * covered


def share_by_directorate(inputs: ModelInputs, weights: FloatArray, maxima: FloatArray
                          ) -> FloatArray:
    """Each directorate's capacity shared over its towns by weight (water-filling)."""
    days = np.zeros(inputs.n_towns)
    for d in range(inputs.n_directorates):
        mine = np.flatnonzero(inputs.directorate_of_town == d)
        if mine.size:
            days[mine] = water_fill(inputs.capacity_days[d:d + 1], weights[None, mine],
                                    maxima[None, mine])[0]
    return days


def split_themes(inputs: ModelInputs, funding: FloatArray, days: FloatArray,
                  weights: FloatArray, greedy: bool) -> tuple[FloatArray, FloatArray]:
    """Split each town's funding and days over themes, capped by saturation."""
    uf = np.broadcast_to(inputs.saturation_keur, weights.shape)
    ux = np.broadcast_to(inputs.saturation_days, weights.shape)
    if greedy:
        # Neediest theme first; themes with zero weight never receive anything.
        rank = -weights
        return (fill_in_order(funding, np.where(weights > 0, uf, 0.0), rank),
                fill_in_order(days, np.where(weights > 0, ux, 0.0), rank))
    return water_fill(funding, weights, uf), water_fill(days, weights, ux)


def finish(problem: Problem, label: str, covered: BoolArray, funding_keur: FloatArray,
           days: FloatArray) -> Allocation:
    """Posts from coverage, objective recomputed, promised families checked."""
    inputs = problem.one_year
    covered_f = covered.astype(np.float64)
    posts = inputs.posts_needed(covered_f)
    split = np.zeros((2, 0))
    if inputs.cofunded:
        from pvd_optim.model.cofunding import reported_split

        found = reported_split(inputs, inputs.posts_by_type(posts))
        assert found is not None, "posts_paid_whatever_mix counts only posts the co-funders can pay"
        split = found
    arrays = AllocationArrays(funding_keur=funding_keur, days=days, covered=covered_f,
                              posts=posts, cofunding_keur=split)
    report = check_allocation(inputs, arrays, PROMISES[label])
    report.raise_if_violated(f"{label} allocation")
    return Allocation.of(problem, label, arrays, HEURISTIC, report)


def _pro_rata(problem: Problem, label: str, covered: BoolArray, town_weight: FloatArray,
              by_need: bool) -> Allocation:
    """Envelope and capacities shared over covered towns by ``town_weight``."""
    inputs = problem.one_year
    weights = theme_weights(inputs, by_need)
    max_funding, max_days = town_maxima(inputs, covered, weights)
    town_weight = town_weight * covered
    funding = water_fill(np.array([inputs.envelope_keur]), town_weight[None, :],
                         max_funding[None, :])[0]
    days = share_by_directorate(inputs, town_weight, max_days)
    f, x = split_themes(inputs, funding, days, weights, greedy=False)
    return finish(problem, label, covered, f, x)


# ---- baseline rules ------------------------------------------------------------------------


def equal_split(problem: Problem | ModelInputs) -> Allocation:
    """Every covered town gets the same funding and days, spread equally over themes.

    Coverage: most fragile towns first (the programme's own selection
    criterion). Funding: the envelope in equal parts, a town capped below the
    equal part leaving the rest to the others; days likewise per directorate.
    No targeting by need at all: the baseline that shows what targeting buys.
    """
    problem = as_problem(problem)
    inputs = problem.one_year
    covered = cover_in_order(inputs, priority_order(inputs.fragility),
                             posts_paid_whatever_mix(inputs))
    return _pro_rata(problem, "equal_split", covered, np.ones(inputs.n_towns), by_need=False)


def pro_rata_population(problem: Problem | ModelInputs) -> Allocation:
    """Funding and days pro rata population; most populous towns covered first.

    Themes split by need. A per-inhabitant rule, as many grant schemes use.
    """
    problem = as_problem(problem)
    inputs = problem.one_year
    covered = cover_in_order(inputs, priority_order(inputs.population, inputs.fragility),
                             posts_paid_whatever_mix(inputs))
    return _pro_rata(problem, "pro_rata_population", covered, inputs.population, by_need=True)


def pro_rata_need(problem: Problem | ModelInputs) -> Allocation:
    """Funding and days pro rata a town's total need; neediest towns covered first.

    Themes split by need; ties in need broken by fragility.
    """
    problem = as_problem(problem)
    inputs = problem.one_year
    total_need = inputs.need.sum(axis=1)
    covered = cover_in_order(inputs, priority_order(total_need, inputs.fragility),
                             posts_paid_whatever_mix(inputs))
    return _pro_rata(problem, "pro_rata_need", covered, total_need, by_need=True)


def greedy_by_need(problem: Problem | ModelInputs) -> Allocation:
    """Neediest towns first, each funded to its maximum, until resources run out.

    Towns in order of mean need (ties: fragility): covered while posts last,
    then each covered town in that order takes all it can absorb (its cap, its
    themes' saturation) until the envelope is spent, and likewise for each
    directorate's days. Within a town, its neediest theme is filled first.
    """
    problem = as_problem(problem)
    inputs = problem.one_year
    order = priority_order(inputs.need.mean(axis=1), inputs.fragility)
    covered = cover_in_order(inputs, order, posts_paid_whatever_mix(inputs))
    weights = theme_weights(inputs, by_need=True)
    max_funding, max_days = town_maxima(inputs, covered, weights)
    funding = greedy_by_segment(order, max_funding, np.zeros(inputs.n_towns, dtype=np.int64),
                                np.array([inputs.envelope_keur]))
    days = greedy_by_segment(order, max_days, inputs.directorate_of_town, inputs.capacity_days)
    f, x = split_themes(inputs, funding, days, weights, greedy=True)
    return finish(problem, "greedy_by_need", covered, f, x)
