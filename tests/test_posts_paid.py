"""How many posts the budgets pay for (``pvd_optim.inputs.posts``), by hand and against the LP.

The co-funded toy (tests/test_cofunders.py): a 45,000 EUR subsidy; the Bank pays at most
15,000 EUR a post from 30,000 EUR, the State (residual) at most 45,000 EUR a post from
30,000 EUR. One post: min(15, 30) + min(45, 30) = 45 >= 45 k EUR, payable; two posts:
min(30, 30) + min(90, 30) = 60 < 90, not. So one post, and the bound floor(60 / 45) = 1.

With the Bank's budget at 90,000 EUR and the State's at 10,000 EUR the budgets sum to
100,000 EUR, which the old count (the sum over the subsidy) read as floor(100 / 45) = 2
posts to apportion; but one post gets min(15, 90) + min(45, 10) = 25 < 45 k EUR: none is
payable, and quotas must apportion none.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pvd_optim import load_scenario
from pvd_optim.assemble import prepare
from pvd_optim.inputs import ModelInputs
from pvd_optim.inputs.posts import most_posts_bound, posts_paid_whatever_mix
from pvd_optim.model.cofunding import reported_split
from pvd_optim.quota_inputs import posts_to_apportion

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy.yaml"
FUNDERS: dict[str, Any] = {
    "banque_des_territoires": {"name": "Banque des Territoires", "rate_share": 0.25,
                               "cap_per_post_eur": 15_000, "budget_eur": 30_000},
    "state": {"name": "State (FNADT)", "rate_share": 0.75, "cap_per_post_eur": 45_000,
              "budget_eur": 30_000, "residual": True},
}
COFUNDED = {"resources.engineering.cost_per_post_eur": 60_000,
            "resources.engineering.cofunders": FUNDERS,
            "resources.engineering.budget_eur": None,
            "resources.engineering.subsidy_per_post_eur": None}


def _toy_inputs(**overrides: Any) -> tuple[Any, ModelInputs]:
    scenario = load_scenario(TOY, {**COFUNDED, **overrides})
    inputs = prepare(scenario).inputs
    assert isinstance(inputs, ModelInputs)
    return scenario, inputs


def _by_the_split_lp(inputs: ModelInputs) -> int:
    """The largest count whose pure mixes the co-funders' split LP can pay (the old way)."""
    kinds = [np.array([1.0, 0.0])] + ([np.array([0.0, 1.0])] if inputs.group_anah.any()
                                      else [])
    def fits(posts: int) -> bool:
        return all(reported_split(inputs, posts * kind) is not None for kind in kinds)

    low, high = 0, int(inputs.max_posts.sum())  # payable counts are a prefix: bisect
    if fits(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def test_the_toy_pays_one_post_as_by_hand() -> None:
    _, inputs = _toy_inputs()
    assert posts_paid_whatever_mix(inputs) == 1
    assert most_posts_bound(inputs) == 1


def test_quotas_apportion_only_posts_the_caps_let_the_budgets_pay() -> None:
    scenario, inputs = _toy_inputs(**{
        "resources.engineering.cofunders.banque_des_territoires.budget_eur": 90_000,
        "resources.engineering.cofunders.state.budget_eur": 10_000})
    assert posts_paid_whatever_mix(inputs) == 0
    assert posts_to_apportion(scenario, inputs) == 0
    # The bound for proofs stays an upper bound: the budgets over the cheapest subsidy.
    assert most_posts_bound(inputs) == 2


@pytest.mark.parametrize("with_anah", [False, True])
@pytest.mark.parametrize("budget_scale", [1.0, 0.02, 0.005])
def test_the_count_is_the_split_lps_on_a_real_programme_year(budget_scale: float,
                                                             with_anah: bool) -> None:
    """The first years of the shipped seven-year programme (co-funders), budgets scaled;
    with Anah, a tenth of the groups run a habitat operation (a 55,000 EUR subsidy)."""
    programme = prepare(load_scenario(ROOT / "scenarios" / "programme-2020-2026.yaml")).inputs
    for year in programme.years[:3]:  # type: ignore[union-attr]
        scaled = dataclasses.replace(year, funder_budget_keur=year.funder_budget_keur
                                     * budget_scale)
        if with_anah:
            # 55,000 EUR a full year, like the 45,000 EUR subsidy scaled by the year's share.
            scaled = dataclasses.replace(scaled, post_cost_anah_keur=55.0 * year.running_share,
                                         group_anah=np.arange(scaled.n_groups) % 10 == 0)
        paid = posts_paid_whatever_mix(scaled)
        assert paid == _by_the_split_lp(scaled), year.year
        assert 0 < paid <= most_posts_bound(scaled)
