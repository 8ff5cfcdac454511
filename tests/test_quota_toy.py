"""Regional quotas of posts, derived by hand on seven towns in two regions (issue 13, item 3).

One theme with one benefit segment (slope 1), no expert-days. A covered town gets exactly
10 k EUR: its floor, its cap and its theme's saturation are all 10 k. So covering town t
is worth ``60 x fragility + 10 x need`` and takes 10 k of the 40 k envelope: at most four
towns are covered. Three posts are paid for (135 k EUR at 45 k each), m = 2 towns a post.

    town  region  group  fragility  need  worth when covered
    A1    North   A      0.9        0.5   54 + 5 = 59
    A2    North   A      0.8        0.5   48 + 5 = 53
    A3    North   A      0.1        0.1    6 + 1 =  7
    X1    North   D      0.7        0.5   42 + 5 = 47
    B1    South   B      0.3        0.5   18 + 5 = 23
    D1    South   D      0.6        0.5   36 + 5 = 41
    D2    South   D      0.5        0.5   30 + 5 = 35

Group D spans the two regions (D1, D2 in the South, X1 in the North): it counts in its
majority region, the South. Max posts ceil(|g| / 2): A 2, B 1, D 2; so the North's groups
can use 2 posts, the South's 3.

**Quotas.** The basis is eligible towns: North 4, South 3 (X1 is a North town). Three
posts, exact quotas 3 x 4/7 = 1.714 and 1.286. Hamilton: 1 + 1, the remainder (0.714 >
0.286) to the North: 2 / 1. Sainte-Laguë: averages North 4, 4/3; South 3, 1: seats to
4 (N), 3 (S), 4/3 (N): 2 / 1. D'Hondt: North 4, 2; South 3, 1.5: 4 (N), 3 (S), 2 (N):
2 / 1. No cap binds (2 <= 2, 1 <= 3).

**Band mode** (no quota, hard band with tolerance 1: the band is [0, 2 x share x total],
which no allocation below reaches): the four best towns A1, A2, X1, D1, one post in A and
one in D: 59 + 53 + 47 + 41 = **200** (coverage 60 x (0.9 + 0.8 + 0.7 + 0.6) = 180,
funding 10 x 0.5 x 4 = 20).

**Quota mode.** The North's only group is A: p_A = 2. The idle-post row of A,
2 x 2 - covered_A <= 1, makes its two posts cover all of A1, A2, A3 (119, 30 k). The
South's one post has 10 k left for one town: the best is X1 (47), through D's post
(2 x 1 - 1 <= 1 holds). Optimum 59 + 53 + 7 + 47 = **166**: coverage 60 x (0.9 + 0.8 +
0.1 + 0.7) = 150, funding 10 x (0.5 + 0.5 + 0.1 + 0.5) = 16. Posts A 2, B 0, D 1.
The price of the quota is 200 - 166 = 34.

**Without the idle-post row** the quota would be met by an idle post: A's two posts
covering A1 and A2 only, D's post X1 and D1, worth 200 again, the quota costing nothing.
The checker rejects that allocation under family ``quota_idle_posts`` alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pvd_optim.apportion import apportion
from pvd_optim.check import check_allocation, objective_parts
from pvd_optim.families import FAMILY_NAMES
from pvd_optim.inputs import AllocationArrays, ModelInputs
from pvd_optim.model import build_program, solve
from pvd_optim.postprocess import extract
from pvd_optim.quota_inputs import capped_regions, with_quota_of
from pvd_optim.scenario.schema import SolverSection

TOWNS = ("A1", "A2", "A3", "X1", "B1", "D1", "D2")
REGION = np.array([0, 0, 0, 0, 1, 1, 1])
GROUP = np.array([0, 0, 0, 2, 1, 2, 2])  # A, A, A, D, B, D, D
FRAGILITY = np.array([0.9, 0.8, 0.1, 0.7, 0.3, 0.6, 0.5])
NEED = np.array([0.5, 0.5, 0.1, 0.5, 0.5, 0.5, 0.5])


def toy() -> ModelInputs:
    """The seven towns of the docstring, in band mode (no quota yet)."""
    n = len(TOWNS)
    return ModelInputs(
        town_codes=tuple(f"1000{t}" for t in range(n)), town_names=TOWNS,
        population=np.full(n, 1000.0), themes=("habitat",), need=NEED[:, None],
        fragility=FRAGILITY, region_of_town=REGION, region_codes=("11", "76"),
        region_names=("North", "South"), directorate_of_town=np.zeros(n, dtype=np.int64),
        directorate_names=("Cerema",), group_of_town=GROUP, group_labels=("A", "B", "D"),
        envelope_keur=40.0, cap_keur=np.full(n, 10.0), saturation_keur=np.array([10.0]),
        min_per_town_keur=10.0, spend_min_share=0.0, capacity_days=np.array([0.0]),
        saturation_days=np.array([0.0]), max_days_per_town=0.0, post_cost_keur=45.0,
        engineering_budget_keur=135.0, towns_per_post=2, cover_min_share=0.0,
        segment_widths=np.array([1.0]), slopes=np.array([1.0]), value_per_day_keur=1.0,
        value_per_cover_keur=60.0, balance_mode="hard", balance_tolerance=1.0,
        fair_share=np.array([4 / 7, 3 / 7]), penalty_funding=1.0, penalty_days=1.0,
        penalty_towns=60.0, theme_floor=np.array([0.0]))


def quota_toy(method: str = "sainte_lague") -> ModelInputs:
    """The toy with its three posts apportioned over the regions."""
    return with_quota_of(toy(), 3, method)  # type: ignore[arg-type]


def _solve(inputs: ModelInputs, solver: str) -> AllocationArrays:
    program = build_program(inputs)
    result = solve(program, SolverSection(name=solver, mip_gap=0.0))
    assert result.status.value == "optimal"
    return extract(program, result.require_values())


@pytest.mark.parametrize("method", ["hamilton", "dhondt", "sainte_lague"])
def test_the_three_methods_give_the_north_two_posts_and_the_south_one(method: str) -> None:
    inputs = quota_toy(method)
    assert inputs.region_of_group.tolist() == [0, 1, 1]  # D counts in the South (2 of 3)
    assert inputs.region_post_cap.tolist() == [2, 3]
    assert inputs.post_quota is not None
    assert inputs.post_quota.tolist() == [2, 1]
    assert capped_regions(inputs) == []


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_band_mode_covers_the_four_best_towns(solver: str) -> None:
    arrays = _solve(toy(), solver)
    assert arrays.covered.round().tolist() == [1, 1, 0, 1, 0, 1, 0]
    parts = objective_parts(toy(), arrays)
    assert parts["coverage_value"] == pytest.approx(180.0, rel=1e-9)
    assert parts["funding_benefit"] == pytest.approx(20.0, rel=1e-9)
    assert parts["expertise_benefit"] == 0.0
    assert parts["total"] == pytest.approx(200.0, rel=1e-9)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_quota_mode_fills_the_norths_two_posts_and_gives_the_south_x1(solver: str) -> None:
    inputs = quota_toy()
    arrays = _solve(inputs, solver)
    assert arrays.covered.round().tolist() == [1, 1, 1, 1, 0, 0, 0]
    assert arrays.posts.round().tolist() == [2, 0, 1]
    assert inputs.posts_by_region(arrays.posts).round().tolist() == [2, 1]
    assert arrays.funding_keur.sum(axis=1).round(9).tolist() == [10, 10, 10, 10, 0, 0, 0]
    parts = objective_parts(inputs, arrays)
    assert parts["coverage_value"] == pytest.approx(150.0, rel=1e-9)
    assert parts["funding_benefit"] == pytest.approx(16.0, rel=1e-9)
    assert parts["expertise_benefit"] == 0.0
    assert parts["total"] == pytest.approx(166.0, rel=1e-9)
    assert check_allocation(inputs, arrays).ok


def test_the_quota_rows_are_in_the_model_and_the_towns_band_is_not() -> None:
    quota = build_program(quota_toy())
    band = build_program(toy())
    assert quota.rows["quota_floor"].size == quota.rows["quota_ceiling"].size == 2
    assert quota.rows["quota_idle_posts"].size == 3
    assert quota.rows["balance_towns_low"].size == quota.rows["balance_towns_high"].size == 0
    assert quota.rows["balance_funding_low"].size == 2  # the band stays on funding
    assert band.rows["quota_floor"].size == band.rows["quota_idle_posts"].size == 0
    assert band.rows["balance_towns_low"].size == 2


def _idle_allocation(inputs: ModelInputs) -> AllocationArrays:
    """The optimum without the idle-post row: A's second post serves nobody."""
    covered = np.array([1.0, 1, 0, 1, 0, 1, 0])
    return AllocationArrays(funding_keur=10.0 * covered[:, None], days=np.zeros((7, 1)),
                            covered=covered, posts=np.array([2.0, 0.0, 1.0]))


def test_without_the_idle_post_row_the_quota_would_cost_nothing() -> None:
    inputs = quota_toy()
    idle = _idle_allocation(inputs)
    assert objective_parts(inputs, idle)["total"] == pytest.approx(200.0, rel=1e-9)
    others = [name for name in FAMILY_NAMES if name != "quota_idle_posts"]
    assert check_allocation(inputs, idle, others).ok
    report = check_allocation(inputs, idle, ["quota_idle_posts"])
    assert [(v.family, v.item) for v in report.violations] == [("quota_idle_posts", "A")]


def test_the_checker_rejects_posts_off_the_quota() -> None:
    """One post moved from the North's group A to the South's group B breaks both regions."""
    inputs = quota_toy()
    moved = AllocationArrays(funding_keur=10.0 * np.array([[1.0], [1], [0], [1], [1], [0], [0]]),
                             days=np.zeros((7, 1)), covered=np.array([1.0, 1, 0, 1, 1, 0, 0]),
                             posts=np.array([1.0, 1.0, 1.0]))
    report = check_allocation(inputs, moved, ["quota"])
    assert sorted(v.item for v in report.violations) == ["North", "South"]


def test_a_quota_over_what_the_groups_can_use_is_capped_and_said() -> None:
    """Five posts: Sainte-Laguë gives the North 4, 4/3, 4/5 and the South 3, 1: 3 / 2.

    The North's groups (A alone) can use 2 posts: its quota is capped at 2.
    """
    assert apportion(np.array([4 / 7, 3 / 7]), 5, "sainte_lague").tolist() == [3, 2]
    inputs = with_quota_of(toy(), 5, "sainte_lague")
    assert inputs.post_quota is not None and inputs.post_quota.tolist() == [2, 2]
    assert capped_regions(inputs) == [
        "North's quota of 3 posts is capped at 2: its groups can use no more (1 post of the "
        "quota goes to no other region)"]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_price_of_the_quota_is_the_band_optimum_minus_the_quota_optimum(solver: str
                                                                            ) -> None:
    band = objective_parts(toy(), _solve(toy(), solver))["total"]
    quota = objective_parts(quota_toy(), _solve(quota_toy(), solver))["total"]
    assert band - quota == pytest.approx(34.0, rel=1e-9)


def test_lp_relaxation_keeps_the_quota_rows() -> None:
    inputs = dataclasses.replace(quota_toy(), relax_integers=True)
    arrays = _solve(inputs, "highs")
    assert inputs.posts_by_region(arrays.posts) == pytest.approx([2.0, 1.0], abs=1e-9)


def test_a_quota_the_coverage_cannot_live_with_is_diagnosed_in_planner_words() -> None:
    """Every town covered (70 k envelope, coverage 1.0) and five posts paid for.

    Band mode is feasible: A 2, B 1, D 2 posts (D's three towns need two). Sainte-Laguë on
    five posts gives North 4, 4/3, 4/5 and South 3, 1: 3 / 2, the North capped at 2 (A).
    The South then needs B 1 + D 2 = 3 posts: one over its quota of 2. The quota's
    diagnosis lets the South's ceiling bend by one post and says so.
    """
    from pvd_optim.diagnose import diagnose
    from pvd_optim.scenario.load import scenario_from_dict

    inputs = with_quota_of(dataclasses.replace(
        toy(), envelope_keur=70.0, cover_min_share=1.0, engineering_budget_keur=225.0),
        5, "sainte_lague")
    assert inputs.post_quota is not None and inputs.post_quota.tolist() == [2, 2]
    diagnosis = diagnose(inputs, scenario_from_dict({"name": "quota-toy"}))
    fixes = {fix.family: fix for fix in diagnosis.fixes}
    assert "quota" in fixes
    assert fixes["quota"].message.startswith(
        "South needs at least 3 posts, over its quota of 2 posts, to meet the coverage and "
        "the other rules; raise the posts apportioned (balance.quota.posts, now 5) towards 6")
    assert fixes["quota"].field == "balance.quota.posts"


def test_an_uncovered_town_of_a_region_at_its_quota_is_said_so() -> None:
    """B1's group has no post and the South's one post is used (by D, for X1): the quota
    stops it. D1 and D2 have a free slot in D's post: the envelope, not the quota, kept
    them out ("less valuable"). Without the quota's reason B1 read "the engineering budget
    pays for no more" here (all three posts are used), and, in the national quota scenario
    where 24 posts are left over, "a post was available" (tests/test_quota.py)."""
    from pvd_optim.reasons import uncovered_towns
    from pvd_optim.results import Problem
    from pvd_optim.strategies import optimum

    allocation = optimum(Problem(quota_toy()))
    reasons = {town.name: town.reason for town in uncovered_towns(allocation)}
    assert reasons == {"B1": "region_quota_used", "D1": "less_valuable",
                       "D2": "less_valuable"}
