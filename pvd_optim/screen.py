"""Cheap necessary conditions of feasibility, checked before any solve (``pvd-optim validate``).

Each test is a counting argument a planner can follow, and a failed one is worded
by the family registry exactly as the diagnosis would word its fix (the synthetic
"slack" is the shortfall the count proves). Passing them all does not prove the
scenario feasible: only a solve does.

- posts against coverage: the most towns the budget's posts can cover (each post
  serves up to ``m`` towns of one group: the largest chunks first) against the
  minimum coverage;
- minimum spend against caps: all eligible towns funded to ``min(cap, the sum of
  the theme saturations)`` against the minimum spend;
- theme floors against saturation: a theme can take at most ``n x its
  saturation``, against its floor times the minimum spend;
- town floors against the envelope: the floors of the fewest towns the minimum
  coverage demands against the envelope;
- commitments against each year's budgets, envelope, capacities and caps
  (:func:`pvd_optim.conflicts.commitment_conflicts`).
- prefects' floors against caps: each département's floor of its prefect's envelope
  against what its towns can take, ``min(cap, the sum of the theme saturations)`` each;
  and the floors of a region's départements against its hard balance band at the
  largest total the year can spend.
"""

from __future__ import annotations

import math

import numpy as np

from pvd_optim.families import Family, Fix, FixContext
from pvd_optim.families.programme import COMMITMENTS
from pvd_optim.families.reference import (
    COVER_MIN,
    ENGINEERING_BUDGET,
    SPEND_MIN,
    THEME_FLOOR,
    TOWN_FLOOR,
)
from pvd_optim.families.registry import Elastic
from pvd_optim.inputs import (
    AllocationArrays,
    FloatArray,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
)
from pvd_optim.inputs.posts import most_posts_bound
from pvd_optim.scenario.schema import Scenario
from pvd_optim.tolerances import CHECK_RELATIVE


def _chunks(inputs: ModelInputs) -> FloatArray:
    """Towns each possible post covers, largest first (``m_g`` per full post, then remainders)."""
    m = inputs.towns_per_post  # (G,) m_g
    q, r = np.divmod(inputs.group_size, m)
    chunks = np.concatenate([np.repeat(m, q).astype(np.float64), r[r > 0].astype(np.float64)])
    return np.sort(chunks)[::-1]


def _word(family: Family, programme: ProgrammeInputs, scenario: Scenario,
          shortfall: FloatArray, arrays: AllocationArrays | None = None) -> Fix:
    """The family's own fix wording for ``shortfall``, read as the slack of its rows."""
    relax = family.relax
    assert isinstance(relax, Elastic)
    slack = {family.blocks[0].name: shortfall}
    inputs = programme.first
    if arrays is None:
        n, k = inputs.n_towns, inputs.n_themes
        arrays = AllocationArrays(np.zeros((n, k)), np.zeros((n, k)), np.zeros(n),
                                  np.zeros(inputs.n_groups))
    many = ProgrammeArrays((arrays,) * programme.n_years)
    fix = relax.fix(FixContext(inputs, scenario, slack, arrays, programme, many))
    assert fix is not None
    return fix


def _posts_and_coverage(programme: ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    count = programme.n_years
    cover_short, budget_short = np.zeros(count), np.zeros(count)
    for y, inputs in enumerate(programme.years):
        demanded = inputs.cover_min_share * inputs.n_joined
        chunks = _chunks(inputs)
        affordable = min(most_posts_bound(inputs), len(chunks))
        coverable = float(chunks[:affordable].sum())
        if coverable >= demanded - CHECK_RELATIVE * max(1.0, demanded):
            continue
        cover_short[y] = demanded - coverable
        needed_posts = int(np.searchsorted(np.cumsum(chunks), demanded - CHECK_RELATIVE))
        if needed_posts < len(chunks) and not inputs.cofunded:
            more = needed_posts + 1 - affordable
            budget_short[y] = more * inputs.post_cost_keur - (
                inputs.engineering_budget_keur - affordable * inputs.post_cost_keur)
    if not cover_short.any():
        return []
    fixes = [_word(COVER_MIN, programme, scenario, cover_short)]
    if budget_short.any():
        fixes.insert(0, _word(ENGINEERING_BUDGET, programme, scenario, budget_short))
    return fixes


def _spend_and_caps(programme: ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    absorbable = np.array([np.minimum(year.cap_keur, year.saturation_keur.sum())[year.joined].sum()
                           for year in programme.years])
    demanded = np.array([year.spend_min_share * year.envelope_keur for year in programme.years])
    if programme.spend_min_scope == "horizon" and programme.n_years > 1:
        absorbable, demanded = absorbable.sum(keepdims=True), demanded.sum(keepdims=True)
    short = np.maximum(demanded - absorbable, 0.0)
    short[absorbable >= demanded - CHECK_RELATIVE * np.maximum(1.0, demanded)] = 0.0
    if not short.any():
        return []
    return [_word(SPEND_MIN, programme, scenario, short)]


def _theme_floors(programme: ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    inputs = programme.first
    if programme.spend_min_scope == "horizon" and programme.n_years > 1:
        return []  # no year has to spend a given amount: a year that spends little meets floors
    slack = np.zeros((programme.n_years, inputs.n_themes))
    arrays = None
    for y, year in enumerate(programme.years):
        spend = year.spend_min_share * year.envelope_keur
        if spend <= 0:
            continue
        achievable = year.n_joined * year.saturation_keur / spend  # largest share per theme
        short = year.theme_floor > achievable + CHECK_RELATIVE
        if not short.any():
            continue
        slack[y] = np.where(short, year.theme_floor - achievable, 0.0)
        if arrays is None:
            # A funding split whose shares are the achievable ones where floors fail, for
            # the wording.
            shares = np.where(short, achievable, 0.0)
            rest = max(0.0, 1.0 - shares.sum())
            shares = np.where(short, shares, rest / max(1, int((~short).sum())))
            arrays = AllocationArrays(shares[None, :], np.zeros_like(shares[None, :]),
                                      np.zeros(1), np.zeros(1))
    if arrays is None:
        return []
    return [_word(THEME_FLOOR, programme, scenario, slack, arrays)]


def _town_floors(programme: ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    inputs = programme.first
    slack = np.zeros((programme.n_years, inputs.n_towns))
    for y, year in enumerate(programme.years):
        if year.min_per_town_keur <= 0:
            return []
        fewest = math.ceil(year.cover_min_share * year.n_joined - CHECK_RELATIVE)
        floors = np.where(year.joined, year.town_floor_keur, np.inf)
        smallest = np.sort(floors)[:fewest]
        if smallest.sum() <= year.envelope_keur * (1 + CHECK_RELATIVE):
            continue
        # The largest floor f with sum of min(f, cap) over the towns of smallest cap <=
        # envelope.
        caps = np.sort(np.where(year.joined, year.cap_keur, np.inf))[:fewest]
        low, high = 0.0, year.min_per_town_keur
        for _ in range(60):
            mid = (low + high) / 2
            low, high = (mid, high) if np.minimum(mid, caps).sum() <= year.envelope_keur else (
                low, mid)
        # Every town whose floor exceeds the affordable one falls short by the difference.
        slack[y] = np.maximum(0.0, year.town_floor_keur - np.minimum(low, year.cap_keur))
    if not slack.any():
        return []
    return [_word(TOWN_FLOOR, programme, scenario, slack)]


def _prefect_floors(programme: ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    """Each prefect's floor against what his département's towns can take (their caps), and
    the floors of a region's départements against its hard balance band.

    The band caps a region's funding at ``(1 + delta) x share x total``, and the total is at
    most the year's envelope plus what the year before may carry in: floors above that cap
    cannot all be met. Each département of such a region is short by the same fraction.
    """
    from pvd_optim.families.prefects import PREFECTS, intake_keur

    first = programme.first
    held = first.prefects
    if held is None:
        return []
    slack = np.zeros((programme.n_years, held.n_departments))
    yearly_band = first.balance_mode == "hard" and (
        programme.balance_scope == "year" or programme.n_years == 1)
    arrays = None
    for y, year in enumerate(programme.years):
        prefects = year.prefects
        assert prefects is not None
        for h in range(held.n_departments):
            floor = float(prefects.floor_keur[h])
            short = floor - intake_keur(year, h)
            if short > CHECK_RELATIVE * max(1.0, floor):
                slack[y, h] = short
        if not yearly_band:
            continue
        most_total = year.envelope_keur + (programme.carry_over_cap_keur[y - 1] if y else 0.0)
        floors = np.bincount(prefects.region_of_department, weights=prefects.floor_keur,
                             minlength=year.n_regions)
        cap = ((1 + year.balance_tolerance) * year.fair_share * most_total
               + year.balance_band_extra[0])
        for r in np.flatnonzero(floors > cap + CHECK_RELATIVE * np.maximum(1.0, cap)):
            members = prefects.region_of_department == r
            short = prefects.floor_keur[members] * (1 - cap[r] / floors[r])
            slack[y, members] = np.maximum(slack[y, members], short)
            if arrays is None:  # the wording reads the band at the largest total
                funding = np.zeros((year.n_towns, year.n_themes))
                funding[0, 0] = most_total
                arrays = AllocationArrays(funding, np.zeros_like(funding),
                                          np.zeros(year.n_towns), np.zeros(year.n_groups))
    if not slack.any():
        return []
    return [_word(PREFECTS, programme, scenario, slack, arrays)]


def screen(inputs: ModelInputs | ProgrammeInputs, scenario: Scenario) -> list[Fix]:
    """The fixes that the necessary conditions already prove needed (empty when none fails)."""
    from pvd_optim.conflicts import commitment_conflicts

    programme = as_programme(inputs)
    conflicts = [Fix(COMMITMENTS.name, "commitments", 0.0, 0.0, sentence)
                 for sentence in commitment_conflicts(programme)]
    return [*conflicts, *_posts_and_coverage(programme, scenario),
            *_spend_and_caps(programme, scenario), *_theme_floors(programme, scenario),
            *_town_floors(programme, scenario), *_prefect_floors(programme, scenario)]
