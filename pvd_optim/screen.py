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
  coverage demands against the envelope.
"""

from __future__ import annotations

import math

import numpy as np

from pvd_optim.families import Fix, FixContext
from pvd_optim.families.reference import (
    COVER_MIN,
    ENGINEERING_BUDGET,
    SPEND_MIN,
    THEME_FLOOR,
    TOWN_FLOOR,
)
from pvd_optim.families.registry import Elastic
from pvd_optim.inputs import AllocationArrays, FloatArray, ModelInputs
from pvd_optim.scenario.schema import Scenario
from pvd_optim.tolerances import CHECK_RELATIVE, floor_whole


def _chunks(inputs: ModelInputs) -> FloatArray:
    """Towns each possible post covers, largest first (``m`` per full post, then remainders)."""
    m = inputs.towns_per_post
    q, r = np.divmod(inputs.group_size, m)
    chunks = np.concatenate([np.full(int(q.sum()), float(m)), r[r > 0].astype(np.float64)])
    return np.sort(chunks)[::-1]


def _word(family: object, inputs: ModelInputs, scenario: Scenario, slack: dict[str, FloatArray],
          arrays: AllocationArrays | None = None) -> Fix:
    relax = getattr(family, "relax", None)
    assert isinstance(relax, Elastic)
    if arrays is None:
        n, k = inputs.n_towns, inputs.n_themes
        arrays = AllocationArrays(np.zeros((n, k)), np.zeros((n, k)), np.zeros(n),
                                  np.zeros(inputs.n_groups))
    fix = relax.fix(FixContext(inputs, scenario, slack, arrays))
    assert fix is not None
    return fix


def _posts_and_coverage(inputs: ModelInputs, scenario: Scenario) -> list[Fix]:
    demanded = inputs.cover_min_share * inputs.n_towns
    chunks = _chunks(inputs)
    affordable = min(floor_whole(inputs.engineering_budget_keur / inputs.post_cost_keur),
                     len(chunks))
    coverable = float(chunks[:affordable].sum())
    if coverable >= demanded - CHECK_RELATIVE * max(1.0, demanded):
        return []
    needed_posts = int(np.searchsorted(np.cumsum(chunks), demanded - CHECK_RELATIVE))
    fixes = [_word(COVER_MIN, inputs, scenario, {"cover_min": np.array([demanded - coverable])})]
    if needed_posts < len(chunks):
        more = needed_posts + 1 - affordable
        fixes.insert(0, _word(ENGINEERING_BUDGET, inputs, scenario, {
            "engineering_budget": np.array([more * inputs.post_cost_keur
                                            - (inputs.engineering_budget_keur
                                               - affordable * inputs.post_cost_keur)])}))
    return fixes


def _spend_and_caps(inputs: ModelInputs, scenario: Scenario) -> list[Fix]:
    absorbable = np.minimum(inputs.cap_keur, inputs.saturation_keur.sum()).sum()
    demanded = inputs.spend_min_share * inputs.envelope_keur
    if absorbable >= demanded - CHECK_RELATIVE * max(1.0, demanded):
        return []
    return [_word(SPEND_MIN, inputs, scenario, {"spend_min": np.array([demanded - absorbable])})]


def _theme_floors(inputs: ModelInputs, scenario: Scenario) -> list[Fix]:
    spend = inputs.spend_min_share * inputs.envelope_keur
    if spend <= 0:
        return []
    achievable = inputs.n_towns * inputs.saturation_keur / spend  # largest share per theme
    short = inputs.theme_floor > achievable + CHECK_RELATIVE
    if not short.any():
        return []
    # A funding split whose shares are the achievable ones where floors fail, for the wording.
    shares = np.where(short, achievable, 0.0)
    rest = max(0.0, 1.0 - shares.sum())
    shares = np.where(short, shares, rest / max(1, int((~short).sum())))
    arrays = AllocationArrays(shares[None, :], np.zeros_like(shares[None, :]), np.zeros(1),
                              np.zeros(1))
    return [_word(THEME_FLOOR, inputs, scenario,
                  {"theme_floor": np.where(short, inputs.theme_floor - achievable, 0.0)}, arrays)]


def _town_floors(inputs: ModelInputs, scenario: Scenario) -> list[Fix]:
    if inputs.min_per_town_keur <= 0:
        return []
    fewest = math.ceil(inputs.cover_min_share * inputs.n_towns - CHECK_RELATIVE)
    smallest = np.sort(inputs.town_floor_keur)[:fewest]
    if smallest.sum() <= inputs.envelope_keur * (1 + CHECK_RELATIVE):
        return []
    # The largest floor f with sum of min(f, cap) over the towns of smallest cap <= envelope.
    caps = np.sort(inputs.cap_keur)[:fewest]
    low, high = 0.0, inputs.min_per_town_keur
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if np.minimum(mid, caps).sum() <= inputs.envelope_keur else (
            low, mid)
    # Every town whose floor exceeds the affordable one falls short by the difference.
    slack = np.maximum(0.0, inputs.town_floor_keur - np.minimum(low, inputs.cap_keur))
    return [_word(TOWN_FLOOR, inputs, scenario, {"town_floor": slack})]


def screen(inputs: ModelInputs, scenario: Scenario) -> list[Fix]:
    """The fixes that the necessary conditions already prove needed (empty when none fails)."""
    return [*_posts_and_coverage(inputs, scenario), *_spend_and_caps(inputs, scenario),
            *_theme_floors(inputs, scenario), *_town_floors(inputs, scenario)]
