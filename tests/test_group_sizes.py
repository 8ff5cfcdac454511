"""Towns per post from the group's own size: `towns_per_post: group_size` (issue 12, item 4).

The toy (scenarios/toy.yaml, derived by hand in tests/test_toy.py) has two groups:
Nogent-sur-Seine (A) and Villenauxe-la-Grande (B) share an intercommunality, |g| = 2;
Aix-Villemaur-Pâlis (C) is alone, |g| = 1. With ``group_size`` (cap 7), m_g = (2, 1).

With a budget of one 45,000 EUR post, covering A and B with it is worth
  coverage 60 x (0.5 + 0.3) = 48; funding: five 20 k segments among A and B, best first
  A-habitat-1 0.8, B-heritage-1 0.6, A-habitat-2 0.4, B-habitat-1 0.4, B-heritage-2 0.3
  (B at its 60 k cap): 20 x 2.5 = 50; days: A-habitat-1 5 x 0.8 + B-heritage-1 5 x 0.6 = 7:
  105 in all,
against covering C alone: 42 + funding (cap 60 k) 20 x (0.9 + 0.45 + 0.1) = 29 + days
5 x 0.9 + 5 x 0.45 = 6.75: 77.75. So one post serves the whole group: optimum 105.

With ``towns_per_post_cap: 1`` (m_g = (1, 1)) the post serves one town: A alone is worth
30 + 20 x (0.8 + 0.4 + 0.2) + 5 x 0.8 + 5 x 0.4 = 64, B alone 18 + 26 + 5 = 49, C 77.75:
the post goes to C, optimum 77.75.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.check import check_allocation
from pvd_optim.errors import ScenarioError
from pvd_optim.inputs import ModelInputs
from pvd_optim.model import build_program, solve
from pvd_optim.postprocess import extract
from pvd_optim.scenario.schema import SolverSection
from pvd_optim.strategies.fill import cover_in_order
from tests.factories import random_inputs

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
ONE_POST = {"resources.engineering.budget_eur": 45_000}
WHOLE_GROUP_OPTIMUM = 48.0 + 50.0 + 7.0
ONE_TOWN_OPTIMUM = 42.0 + 29.0 + 6.75


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_one_post_serves_the_whole_group(solver: str) -> None:
    allocation = optimise(load_scenario(TOY, {
        **ONE_POST, "solver.name": solver, "resources.engineering.towns_per_post": "group_size"}))
    assert allocation.status == "optimal"
    assert allocation.inputs.towns_per_post.tolist() == [2, 1]
    assert allocation.objective == pytest.approx(WHOLE_GROUP_OPTIMUM, rel=1e-9)
    assert allocation.by_town["covered"].to_dict() == {"10268": 1.0, "10420": 1.0,
                                                       "10003": 0.0}
    assert allocation.by_group["posts"].sum() == 1


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_cap_limits_a_post_to_fewer_towns(solver: str) -> None:
    allocation = optimise(load_scenario(TOY, {
        **ONE_POST, "solver.name": solver, "resources.engineering.towns_per_post": "group_size",
        "resources.engineering.towns_per_post_cap": 1}))
    assert allocation.inputs.towns_per_post.tolist() == [1, 1]
    assert allocation.objective == pytest.approx(ONE_TOWN_OPTIMUM, rel=1e-9)
    assert allocation.by_town["covered"].to_dict() == {"10268": 0.0, "10420": 0.0,
                                                       "10003": 1.0}


@pytest.mark.parametrize("limit", [1, 2, 7])
def test_group_size_capped_at_n_has_the_optimum_of_the_flat_limit_n(limit: int) -> None:
    """covered[g] <= |g| always holds, so min(|g|, N) and N admit the same integer points."""
    flat = optimise(load_scenario(TOY, {**ONE_POST,
                                        "resources.engineering.towns_per_post": limit}))
    by_group = optimise(load_scenario(TOY, {
        **ONE_POST, "resources.engineering.towns_per_post": "group_size",
        "resources.engineering.towns_per_post_cap": limit}))
    assert by_group.objective == pytest.approx(flat.objective, rel=1e-9)


def test_the_flat_limit_is_the_same_for_every_group() -> None:
    allocation = optimise(load_scenario(TOY))
    assert allocation.inputs.towns_per_post.tolist() == [3, 3]


def test_checker_reads_each_groups_own_limit() -> None:
    """A solution covering A and B with one post passes with m_g = |g| and fails with 1."""
    allocation = optimise(load_scenario(TOY, {
        **ONE_POST, "resources.engineering.towns_per_post": "group_size"}))
    inputs, arrays = allocation.inputs, allocation.arrays
    assert check_allocation(inputs, arrays).ok
    one_each = dataclasses.replace(inputs, towns_per_post=np.array([1, 1]))
    report = check_allocation(one_each, arrays, ["sharing"])
    assert [(v.family, v.lhs, v.rhs) for v in report.violations] == [("sharing", 2.0, 1.0)]
    assert report.violations[0].item == inputs.group_labels[0]


def _error(tmp_path: Path, engineering: str) -> str:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(f"name: bad\nresources:\n  engineering:\n{engineering}", "utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("engineering", "expected", "line"), [
    ("    towns_per_post: 5\n    towns_per_post_cap: 7\n",
     "towns_per_post_cap: applies only with towns_per_post: group_size (towns_per_post is 5",
     5),
    ("    towns_per_post: group_size\n    towns_per_post_cap: 0\n",
     "towns_per_post_cap: must be >= 1", 5),
    ("    towns_per_post: group_size\n    towns_per_post_cap: 201\n",
     "towns_per_post_cap: must be <= 200", 5),
    ("    towns_per_post: group\n", "towns_per_post: must be a whole number of towns, or "
     "group_size (a group's own size, capped at towns_per_post_cap). Got 'group'", 4),
    ("    towns_per_post: 2.5\n", "towns_per_post: must be a whole number. Got 2.5", 4),
    ("    towns_per_post: 03\n", "without the leading zero", 4),
    ("    towns_per_post: 201\n", "towns_per_post: must be <= 200. Got 201 instead (a post", 4),
    ("    towns_per_post: 0\n", "towns_per_post: must be >= 1", 4),
])
def test_bad_towns_per_post_is_a_located_one_line_error(
        tmp_path: Path, engineering: str, expected: str, line: int) -> None:
    message = _error(tmp_path, engineering)
    assert message.startswith(f"{tmp_path / 'bad.yaml'}:{line}: ")
    assert expected in message


def _uneven_limits() -> ModelInputs:
    """Twelve towns in three groups, sizes (5, 4, 3), each with its own limit m_g = (2, 3, 2)."""
    return random_inputs(n_towns=12, n_groups=3, seed=3, towns_per_post=np.array([2, 3, 2]),
                         cover_min_share=0.0)


def test_posts_bound_and_posts_needed_read_each_groups_limit() -> None:
    inputs = _uneven_limits()
    size, m = inputs.group_size, inputs.towns_per_post
    assert inputs.max_posts.tolist() == [math.ceil(s / k) for s, k in zip(size, m, strict=True)]
    every_town = np.ones(inputs.n_towns)
    assert inputs.posts_needed(every_town).tolist() == inputs.max_posts.tolist()


def test_a_solve_with_uneven_limits_passes_the_checker_and_its_cut_rows() -> None:
    inputs = _uneven_limits()
    program = build_program(inputs)
    q, r = np.divmod(inputs.group_size, inputs.towns_per_post)
    assert program.rows["sharing_rounded"].size == int(((q >= 1) & (r > 0)).sum()) == 3
    result = solve(program, SolverSection(mip_gap=0.0))
    arrays = extract(program, result.require_values())
    assert check_allocation(inputs, arrays).ok
    covered = np.bincount(inputs.group_of_town, weights=arrays.covered, minlength=3)
    assert (covered <= inputs.towns_per_post * arrays.posts + 1e-9).all()


def test_cover_in_order_opens_one_post_per_m_g_towns() -> None:
    inputs = _uneven_limits()
    order = np.arange(inputs.n_towns)
    covered = cover_in_order(inputs, order, int(inputs.max_posts.sum()))
    assert covered.all()
    one_short = cover_in_order(inputs, order, int(inputs.max_posts.sum()) - 1)
    assert one_short.sum() < inputs.n_towns
    posts = inputs.posts_needed(one_short.astype(np.float64))
    assert posts.sum() <= inputs.max_posts.sum() - 1
