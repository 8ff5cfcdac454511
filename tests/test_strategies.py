"""Allocation strategies: promised families hold, the optimum wins, quotas match a reference."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import apportionment.methods as reference
import numpy as np
import pytest

from pvd_optim import strategies
from pvd_optim.check import check_allocation
from pvd_optim.families import FAMILY_NAMES as ALL_FAMILIES
from pvd_optim.inputs import ModelInputs
from pvd_optim.results import Allocation
from pvd_optim.strategies import (
    COMMON_FAMILIES,
    PROMISES,
    STRATEGIES,
    apportion,
    cover_in_order,
    fill_in_order,
    quotas,
    regional_quotas,
    run_strategies,
    water_fill,
)
from tests.factories import random_inputs

HEURISTICS = [name for name in STRATEGIES if name != "optimum"]
# The `apportionment` package's names for the three methods.
REFERENCE_NAMES = {"hamilton": "hamilton", "dhondt": "dhondt", "sainte_lague": "saintelague"}

#: Random cases: default (hard balance, tolerance 0.5), tight hard balance, soft, off,
#: and one with a town floor (which no heuristic promises).
CASES: dict[str, dict[str, Any]] = {
    "default-0": {"seed": 0},
    "default-1": {"seed": 1},
    "hard-tight-2": {"seed": 2, "balance_tolerance": 0.15},
    "hard-tight-3": {"seed": 3, "balance_tolerance": 0.15},
    "soft-4": {"seed": 4, "balance_mode": "soft", "balance_tolerance": 0.15},
    "off-5": {"seed": 5, "balance_mode": "off"},
    "floor-6": {"seed": 6, "min_per_town_keur": 5.0},
}


def _inputs(case: str) -> ModelInputs:
    return random_inputs(n_towns=30, n_groups=12, n_regions=4, n_directorates=3, **CASES[case])


@pytest.fixture(scope="module")
def national() -> ModelInputs:
    from pvd_optim.assemble import prepare
    from pvd_optim.scenario import load_scenario

    return prepare(load_scenario("scenarios/national.yaml")).inputs


@pytest.fixture(scope="module")
def national_allocations(national: ModelInputs) -> dict[str, Allocation]:
    return {a.label: a for a in run_strategies(national)}


@pytest.fixture(scope="module", params=list(CASES))
def random_case(request: pytest.FixtureRequest) -> tuple[ModelInputs, dict[str, Allocation]]:
    inputs = _inputs(request.param)
    return inputs, {a.label: a for a in run_strategies(inputs)}


def _assert_sound(inputs: ModelInputs, allocations: dict[str, Allocation]) -> None:
    """Promised families re-checked, resources never exceeded, optimum on top."""
    assert list(allocations) == list(STRATEGIES)
    best = allocations["optimum"].objective
    for name, a in allocations.items():
        assert a.label == name
        assert a.status == ("heuristic" if name != "optimum" else "optimal")
        assert a.check.checked == PROMISES[name] and a.check.ok
        assert check_allocation(inputs, a.arrays, PROMISES[name]).ok
        arr = a.arrays
        tolerance = 1e-6
        assert arr.funding_keur.sum() <= inputs.envelope_keur * (1 + tolerance)
        days = np.bincount(inputs.directorate_of_town, weights=arr.days.sum(axis=1),
                           minlength=inputs.n_directorates)
        assert (days <= inputs.capacity_days * (1 + tolerance)).all()
        assert arr.posts.sum() * inputs.post_cost_keur <= inputs.engineering_budget_keur + 1e-9
        assert (arr.funding_keur >= 0).all() and (arr.days >= 0).all()
        # Objective and its parts are recomputed from the arrays.
        assert a.objective == pytest.approx(a.objective_parts["total"])
        if name != "optimum":
            assert a.objective <= best + 1e-6 * max(1.0, abs(best)), name


# ---- national -----------------------------------------------------------------------------


def test_national_every_strategy_is_sound_and_the_optimum_wins(
    national: ModelInputs, national_allocations: dict[str, Allocation]
) -> None:
    _assert_sound(national, national_allocations)
    # The optimum promises everything; the simple rules miss regional balance nationally.
    assert check_allocation(national, national_allocations["optimum"].arrays).ok
    assert not check_allocation(national, national_allocations["greedy_by_need"].arrays).ok


def test_national_heuristics_spend_what_they_can(
    national: ModelInputs, national_allocations: dict[str, Allocation]
) -> None:
    # Nationally every rule can place the whole envelope and every expert-day.
    for name in HEURISTICS:
        arr = national_allocations[name].arrays
        assert arr.funding_keur.sum() == pytest.approx(national.envelope_keur, rel=1e-9)
        assert arr.days.sum() == pytest.approx(national.capacity_days.sum(), rel=1e-9)


@pytest.mark.parametrize("method", list(REFERENCE_NAMES))
def test_national_quotas_match_the_apportionment_package(
    national: ModelInputs, national_allocations: dict[str, Allocation], method: str
) -> None:
    q = quotas(national, method)  # type: ignore[arg-type]
    posts = int(national.engineering_budget_keur // national.post_cost_keur)
    units = int(national.envelope_keur)  # 1 k EUR units
    votes = national.fair_share.tolist()
    assert q["posts"].tolist() == reference.compute(REFERENCE_NAMES[method], votes, posts)
    assert q["funding_units"].tolist() == reference.compute(REFERENCE_NAMES[method], votes, units)
    # A quota is a ceiling: no region uses more posts or funding than its quota.
    a = national_allocations[f"quota_{method}"]
    group_region = np.zeros(national.n_groups, dtype=np.int64)
    group_region[national.group_of_town] = national.region_of_town
    covered = np.bincount(national.region_of_town, weights=a.arrays.covered,
                          minlength=national.n_regions)
    assert (covered <= national.towns_per_post.max() * q["posts"]).all()
    funding = a.arrays.used_by_region(national)[0]
    assert (funding <= q["funding_units"] * (1 + 1e-9)).all()


# ---- random problems ----------------------------------------------------------------------


def test_random_every_strategy_is_sound_and_the_optimum_wins(
    random_case: tuple[ModelInputs, dict[str, Allocation]],
) -> None:
    inputs, allocations = random_case
    _assert_sound(inputs, allocations)


@pytest.mark.parametrize("case", list(CASES))
def test_optimum_of_the_promised_families_bounds_every_heuristic(case: str) -> None:
    """A theorem, not an observation: with only the families the heuristics
    promise left in the model, each heuristic is a feasible point of it."""
    inputs = dataclasses.replace(
        _inputs(case), balance_mode="off", spend_min_share=0.0, cover_min_share=0.0,
        min_per_town_keur=0.0, theme_floor=np.zeros(3))
    bound = strategies.optimum(inputs).objective
    for a in run_strategies(inputs, HEURISTICS):
        assert check_allocation(inputs, a.arrays, ALL_FAMILIES).ok
        assert a.objective <= bound + 1e-6 * max(1.0, bound), a.label


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("method", list(REFERENCE_NAMES))
def test_random_quotas_match_the_apportionment_package(case: str, method: str) -> None:
    inputs = _inputs(case)
    q = quotas(inputs, method, funding_unit_keur=7.0)  # type: ignore[arg-type]
    votes = inputs.fair_share.tolist()
    name = REFERENCE_NAMES[method]
    assert q["posts"].tolist() == reference.compute(name, votes, 10)
    assert q["funding_units"].tolist() == reference.compute(
        name, votes, int(inputs.envelope_keur // 7.0))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("method", list(REFERENCE_NAMES))
def test_apportion_matches_the_package_on_random_votes(seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    votes = rng.uniform(0, 1, rng.integers(2, 25)) ** 3  # skewed, like small regions
    seats = int(rng.integers(0, 5_000))
    expected = reference.compute(REFERENCE_NAMES[method], votes.tolist(), seats)
    assert apportion(votes, seats, method).tolist() == expected  # type: ignore[arg-type]


def test_apportion_textbook_cases_and_ties() -> None:
    votes = np.array([100_000, 80_000, 30_000, 20_000], dtype=float)
    assert apportion(votes, 8, "dhondt").tolist() == [4, 3, 1, 0]
    assert apportion(votes, 8, "sainte_lague").tolist() == [3, 3, 1, 1]
    assert apportion(votes, 8, "hamilton").tolist() == [3, 3, 1, 1]
    # Ties go to the party listed first, and a strictly larger remainder always wins:
    # apportionment 1.0's largest_remainder gives [1, 1, 0] in the third case (it hands
    # both seats to the tied parties met first, before the larger remainder).
    assert apportion(np.array([1.0, 1.0, 1.0]), 2, "hamilton").tolist() == [1, 1, 0]
    assert apportion(np.array([1.0, 1.0, 1.0]), 2, "dhondt").tolist() == [1, 1, 0]
    assert apportion(np.array([0.5, 0.5, 0.7]) / 1.7, 2, "hamilton").tolist() == [1, 0, 1]
    assert apportion(np.array([0.0, 3.0]), 4, "dhondt").tolist() == [0, 4]
    with pytest.raises(ValueError, match="votes"):
        apportion(np.array([0.0, 0.0]), 3, "hamilton")
    with pytest.raises(ValueError, match="method"):
        apportion(np.array([1.0, 2.0]), 3, "adams")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_deterministic(name: str) -> None:
    inputs = _inputs("hard-tight-2")
    first, second = STRATEGIES[name](inputs), STRATEGIES[name](inputs)
    for field in ("funding_keur", "days", "covered", "posts"):
        assert np.array_equal(getattr(first.arrays, field), getattr(second.arrays, field))


def test_promises_cover_every_strategy() -> None:
    assert set(PROMISES) == set(STRATEGIES)
    assert PROMISES["optimum"] == ALL_FAMILIES
    for name in HEURISTICS:
        assert PROMISES[name] == COMMON_FAMILIES
    assert set(COMMON_FAMILIES) <= set(ALL_FAMILIES)


def test_bad_names_and_methods_are_clear_errors() -> None:
    inputs = _inputs("default-0")
    with pytest.raises(ValueError, match="names"):
        run_strategies(inputs, ["optimum", "lottery"])
    with pytest.raises(ValueError, match="method"):
        regional_quotas(inputs, "adams")  # type: ignore[arg-type]
    assert [a.label for a in run_strategies(inputs, ["equal_split"])] == ["equal_split"]


def test_budget_for_no_post_covers_nobody_and_spends_nothing() -> None:
    inputs = random_inputs(n_towns=15, seed=3, engineering_budget_keur=44.0)
    for a in run_strategies(inputs, HEURISTICS):
        assert a.arrays.covered.sum() == 0
        assert a.arrays.funding_keur.sum() == 0 and a.arrays.days.sum() == 0


def test_small_envelope_is_shared_not_exceeded() -> None:
    inputs = random_inputs(n_towns=20, seed=8, envelope_keur=13.0)
    for a in run_strategies(inputs, HEURISTICS):
        assert a.arrays.funding_keur.sum() == pytest.approx(13.0, rel=1e-9)


# ---- building blocks ----------------------------------------------------------------------


def test_water_fill_redistributes_what_capped_items_cannot_take() -> None:
    out = water_fill(np.array([10.0, 100.0, 4.0, 0.0]),
                     np.array([[1.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.0, 1.0, 3.0],
                               [1.0, 1.0, 1.0]]),
                     np.array([[1.0, 20.0, 20.0], [5.0, 5.0, 5.0], [9.0, 9.0, 2.0],
                               [1.0, 1.0, 1.0]]))
    # Row 0: item 0 capped at 1, the other 9 shared 1:2. Row 1: everything saturates.
    # Row 2: zero weight gets nothing; item 2 capped at 2, item 1 takes the rest.
    np.testing.assert_allclose(out, [[1.0, 3.0, 6.0], [5.0, 5.0, 5.0], [0.0, 2.0, 2.0],
                                     [0.0, 0.0, 0.0]])


def test_fill_in_order_takes_caps_in_rank_order() -> None:
    out = fill_in_order(np.array([7.0]), np.array([[4.0, 4.0, 4.0]]), np.array([[2.0, 0.0, 1.0]]))
    np.testing.assert_allclose(out, [[0.0, 4.0, 3.0]])


def test_cover_in_order_opens_posts_and_fills_free_slots() -> None:
    # Groups: town -> group. m = 2. Order 0..6, 2 posts: town 0 opens G0, town 1 opens G1,
    # town 2 fills G0's free slot, town 3 would open a 2nd G0 post (none left), town 4 fills
    # G1, towns 5 and 6 would open posts.
    inputs = random_inputs(n_towns=7, n_groups=3, n_regions=1, n_directorates=1,
                           towns_per_post=2,
                           group_of_town=np.array([0, 1, 0, 0, 1, 2, 0], dtype=np.int64))
    covered = cover_in_order(inputs, np.arange(7, dtype=np.int64), 2)
    assert covered.tolist() == [True, True, True, False, True, False, False]


def test_strategies_use_the_scenarios_solver_settings_and_name(tmp_path) -> None:
    """compare --strategies solved the optimum with built-in defaults (issue 9, item 2)."""
    from pvd_optim.compare import load_sources

    toy = tmp_path / "toy-cbc.yaml"
    root = Path(__file__).resolve().parents[1]
    toy.write_text(f"extends: {root / 'scenarios' / 'toy.yaml'}\nname: toy-cbc\n"
                   "solver:\n  name: cbc\n")
    [source] = load_sources([toy], ["optimum", "equal_split"])
    optimum, equal = source.allocations
    assert optimum.solver == "cbc"
    assert {optimum.scenario_name, equal.scenario_name} == {"toy-cbc"}
    assert optimum.town_info is not None and equal.town_info is not None
