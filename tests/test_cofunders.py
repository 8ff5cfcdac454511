"""Co-funders of a post: the subsidy rule, the split, budgets, values and old fields.

The co-funded toy (scenarios/toy.yaml with a 60,000 EUR charged cost, so a 45,000 EUR
subsidy: min(75 % x 60,000, 45,000)), solved by hand:

- Banque des Territoires pays at most min(25 % x 60,000, 15,000) = 15,000 EUR a post,
  from a 30,000 EUR budget; the State (FNADT), residual, at most 45,000 EUR a post from
  30,000 EUR. Two posts need 90,000 EUR; at most 30,000 + 30,000 = 60,000 can be paid,
  so one post: 15,000 from the Bank and 30,000 from the State; the towns pay 15,000.
- One post: Nogent and Villenauxe (one intercommunality, one post serves both) or
  Aix alone. Nogent + Villenauxe: coverage 60 x (0.5 + 0.3) = 48; funding (caps 60 k,
  segments of 20 k): 20 x (0.8 + 0.6 + 0.4 + 0.4 + 0.3) = 50; days: 5 x 0.8 + 5 x 0.6 = 7;
  105 in all. Aix alone: 42 + 20 x (0.9 + 0.45 + 0.1) + 5 x (0.9 + 0.45) = 77.75 (all
  10 days on habitat). Optimum 105.
- One more post's subsidy (45,000 EUR) in the State's budget pays a second post: the toy's
  optimum of two posts, 161.5 (tests/test_toy.py), worth 56.5. In the Bank's budget it
  pays nothing: the Bank is at its 15,000 EUR a post already, worth 0.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.assemble import prepare
from pvd_optim.check import check_allocation
from pvd_optim.errors import InfeasibleError, ScenarioError
from pvd_optim.inputs import ModelInputs, ProgrammeArrays
from pvd_optim.inputs.posts import most_posts_bound, posts_paid_whatever_mix
from pvd_optim.model.cofunding import reported_split
from pvd_optim.quota_inputs import posts_to_apportion

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
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


def _toy(**overrides: Any) -> Any:
    return load_scenario(TOY, {**COFUNDED, **overrides})


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_cofunded_toy_is_solved_as_by_hand(solver: str) -> None:
    allocation = optimise(_toy(**{"solver.name": solver}))
    assert allocation.objective == pytest.approx(105.0)
    assert allocation.by_town["covered"].tolist() == [0.0, 1.0, 1.0]  # Aix, Nogent, Villenauxe
    funders = allocation.by_funder.set_index("key")
    assert funders.loc["banque_des_territoires", "amount_eur"] == pytest.approx(15_000)
    assert funders.loc["state", "amount_eur"] == pytest.approx(30_000)
    assert funders.loc["local", "amount_eur"] == pytest.approx(15_000)
    assert funders.loc["state", "posts_cofunded"] == 1
    assert ("cofunder_budget", "budget of State (FNADT)") in {
        (item.family, item.label) for item in allocation.binding}
    group = allocation.by_group.loc["200006716"]
    assert group["banque_des_territoires_eur"] == 15_000 and group["state_eur"] == 30_000


def test_the_value_of_each_budget_is_a_re_solve() -> None:
    prices = optimise(_toy()).shadow_prices
    assert prices is not None
    values = prices.value_of_one_more_post_by_funder
    assert values["State (FNADT)"] == pytest.approx(161.5 - 105.0)
    assert values["Banque des Territoires"] == pytest.approx(0.0, abs=1e-9)
    assert prices.value_of_one_more_post is None  # no pooled budget here


def test_the_subsidy_rule_is_the_one_owner_of_the_subsidy() -> None:
    from pvd_optim.scenario.cofunders_section import SubsidyRule

    rule = SubsidyRule()  # type: ignore[call-arg]
    assert rule.subsidy_eur(50_000, with_anah=False) == 37_500  # 75 % of the cost
    assert rule.subsidy_eur(80_000, with_anah=False) == 45_000  # the cap
    assert rule.subsidy_eur(80_000, with_anah=True) == 55_000  # with Anah
    engineering = _toy().resources.engineering
    assert engineering.subsidy_eur() == 45_000


def test_the_checker_covers_rates_caps_budgets_and_the_subsidy() -> None:
    allocation = optimise(_toy())
    programme = allocation.full_programme
    year = allocation.years_arrays[0]
    inputs = programme.first

    def with_split(split: list[list[float]]) -> set[str]:
        bad = ProgrammeArrays((_replace(year, cofunding_keur=np.array(split)),))
        return {v.family for v in check_allocation(programme, bad).violations}

    assert inputs.funder_keys == ("banque_des_territoires", "state")
    assert with_split([[15.0, 30.0], [0.0, 0.0]]) == set()
    assert with_split([[20.0, 25.0], [0.0, 0.0]]) == {"cofunder_share"}  # Bank over its cap
    assert with_split([[10.0, 30.0], [0.0, 0.0]]) == {"subsidy"}  # 40 k is not the subsidy
    assert with_split([[5.0, 40.0], [0.0, 0.0]]) == {"cofunder_budget"}  # State over budget
    assert with_split([[15.0, 30.0], [1.0, 0.0]]) == {"cofunder_share", "subsidy"}  # no Anah post


def _replace(arrays: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(arrays, **changes)


def test_anah_co_funds_the_posts_of_towns_running_a_habitat_operation(tmp_path: Path) -> None:
    """Aix runs a habitat operation: its post's subsidy is min(75 % x 80,000, 55,000) =
    55,000 EUR, of which Anah pays up to min(50 % x 80,000, 40,000) = 40,000 EUR."""
    csv = tmp_path / "habitat.csv"
    csv.write_text("insee,habitat_operation\n10003,1\n10268,0\n")
    funders = {**FUNDERS,
               "anah": {"name": "Anah", "rate_share": 0.5, "cap_per_post_eur": 40_000,
                        "budget_eur": 40_000, "posts": "habitat_operation"},
               "state": {**FUNDERS["state"], "budget_eur": 60_000}}
    scenario = load_scenario(TOY, {**COFUNDED, "resources.engineering.cost_per_post_eur": 80_000,
                                   "resources.engineering.cofunders": funders,
                                   "resources.engineering.habitat_operation_csv": str(csv)})
    allocation = optimise(scenario)
    inputs = allocation.full_programme.first
    assert inputs.group_anah.tolist() == [False, True]  # groups 200006716, 241000447
    assert inputs.post_subsidy_keur.tolist() == [45.0, 55.0]
    funders_table = allocation.by_funder.set_index("key")
    assert funders_table.loc["anah", "amount_eur"] == pytest.approx(40_000)
    assert allocation.by_group.loc["241000447", "subsidy_eur"] == pytest.approx(55_000)
    assert allocation.by_group.loc["241000447", "with_anah"]
    # Every post paid: 45,000 + 55,000 = 100,000 EUR by the co-funders, 60,000 by the towns.
    assert funders_table.loc[["banque_des_territoires", "anah", "state"], "amount_eur"].sum() \
        == pytest.approx(100_000)
    assert funders_table.loc["local", "amount_eur"] == pytest.approx(60_000)


def test_a_habitat_csv_with_another_value_is_a_located_error(tmp_path: Path) -> None:
    csv = tmp_path / "habitat.csv"
    csv.write_text("insee,habitat_operation\n10003,2\n")
    from pvd_optim.errors import DataError

    needle = r"habitat.csv:2: habitat_operation: habitat_operation must be 1 or 0, got 2"
    with pytest.raises(DataError, match=needle):
        optimise(load_scenario(TOY, {"resources.engineering.habitat_operation_csv": str(csv)}))


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [({"resources.engineering.budget_eur": 90_000},
      "budget_eur (a pooled budget) cannot be given with cofunders: their budgets replace it"),
     ({"resources.engineering.subsidy_per_post_eur": 45_000},
      "subsidy_per_post_eur is replaced by cost_per_post_eur"),
     ({"resources.engineering.cost_per_post_eur": None}, "cofunders need cost_per_post_eur"),
     ({"resources.engineering.cofunders.state.residual": True,
       "resources.engineering.cofunders.banque_des_territoires.residual": True},
      "only one co-funder can be the residual one"),
     ({"schema_version": 1}, "resources.engineering.cost_per_post_eur is a schema-version-2")],
)
def test_old_and_new_fields_that_disagree_are_one_line_errors(overrides: dict[str, Any],
                                                              needle: str) -> None:
    data = {"resources": {"engineering": {"cost_per_post_eur": 60_000, "cofunders": FUNDERS,
                                          "budget_eur": None, "subsidy_per_post_eur": None}}}
    from pvd_optim.scenario import scenario_from_dict
    from pvd_optim.scenario.overrides import apply_overrides

    base = apply_overrides({"name": "t"}, {"resources.engineering": data["resources"]
                                           ["engineering"]})
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(base, overrides=overrides)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_a_pooled_budget_with_a_charged_cost_reports_the_local_share() -> None:
    scenario = load_scenario(TOY, {"resources.engineering.subsidy_per_post_eur": None,
                                   "resources.engineering.cost_per_post_eur": 50_000})
    allocation = optimise(scenario)
    # 75 % of 50,000 EUR: a 37,500 EUR subsidy, so the 90,000 EUR budget pays two posts.
    assert allocation.full_programme.first.post_cost_keur == pytest.approx(37.5)
    funders = allocation.by_funder.set_index("key")
    assert funders.loc["pooled", "amount_eur"] == pytest.approx(75_000)
    assert funders.loc["local", "amount_eur"] == pytest.approx(25_000)


def test_one_year_of_a_cofunders_budget_can_be_overridden() -> None:
    from pvd_optim.scenario import parse_overrides

    scenario = load_scenario(TOY, {**COFUNDED, "years": [2025, 2026], **parse_overrides(
        ["resources.engineering.cofunders.state.budget_eur.2026=75000"])})
    assert scenario.resources.engineering.cofunders is not None
    assert scenario.resources.engineering.cofunders["state"].budget_eur == {2025: 30_000,
                                                                            2026: 75_000}


def test_an_underfunded_coverage_target_names_the_budget_to_raise() -> None:
    with pytest.raises(InfeasibleError) as info:
        optimise(_toy(**{"resources.engineering.cover_min_share": 1}))
    fixes = {fix.family: fix for fix in info.value.diagnosis.fixes}  # type: ignore[union-attr]
    assert fixes["cofunder_budget"].message == (
        "raise the budget of State (FNADT) to at least 0.060 M EUR a year (now 0.030 M EUR; "
        "the subsidy of about 1 more post)")
    assert fixes["cofunder_budget"].field == "resources.engineering.cofunders.state.budget_eur"


def test_the_funder_table_is_written(tmp_path: Path) -> None:
    from pvd_optim.cli import main

    out = tmp_path / "out"
    path = tmp_path / "toy.yaml"
    import yaml

    path.write_text(f"extends: {TOY}\n" + yaml.safe_dump({"resources": {"engineering": {
        "cost_per_post_eur": 60_000, "cofunders": FUNDERS, "budget_eur": None,
        "subsidy_per_post_eur": None}}}))
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    table = (out / "allocation_funder.csv").read_text().splitlines()
    assert table[0].startswith("funder,key,year,posts_cofunded,amount_eur,budget_eur")
    assert len(table) == 4  # the Bank, the State, the local share

# ---- how many posts the budgets pay for (pvd_optim.inputs.posts) ------------------------------
# By hand and against the co-funders' split LP. The co-funded toy (above): a 45,000 EUR
# subsidy; the Bank pays at most 15,000 EUR a post from 30,000 EUR, the State (residual) at
# most 45,000 EUR a post from 30,000 EUR. One post: min(15, 30) + min(45, 30) = 45 >= 45 k EUR,
# payable; two posts: min(30, 30) + min(90, 30) = 60 < 90, not. So one post, and the bound
# floor(60 / 45) = 1.
#
# With the Bank's budget at 90,000 EUR and the State's at 10,000 EUR the budgets sum to
# 100,000 EUR, which the old count (the sum over the subsidy) read as floor(100 / 45) = 2
# posts to apportion; but one post gets min(15, 90) + min(45, 10) = 25 < 45 k EUR: none is
# payable, and quotas must apportion none.


def _toy_inputs(**overrides: Any) -> tuple[Any, ModelInputs]:
    scenario = _toy(**overrides)
    inputs = prepare(scenario).inputs
    assert isinstance(inputs, ModelInputs)
    return scenario, inputs


def _split_lp_pays(inputs: ModelInputs, posts: int) -> bool:
    """Whether the co-funders' split LP pays ``posts`` posts of each pure kind (the old way)."""
    kinds = [np.array([1.0, 0.0])] + ([np.array([0.0, 1.0])] if inputs.group_anah.any()
                                      else [])
    return all(reported_split(inputs, posts * kind) is not None for kind in kinds)


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
    programme = prepare(load_scenario(TOY.parent / "programme-2020-2026.yaml")).inputs
    for year in programme.years[:3]:  # type: ignore[union-attr]
        scaled = dataclasses.replace(year, funder_budget_keur=year.funder_budget_keur
                                     * budget_scale)
        if with_anah:
            # 55,000 EUR a full year, like the 45,000 EUR subsidy scaled by the year's share.
            scaled = dataclasses.replace(scaled, post_cost_anah_keur=55.0 * year.running_share,
                                         group_anah=np.arange(scaled.n_groups) % 10 == 0)
        paid = posts_paid_whatever_mix(scaled)
        assert 0 < paid <= most_posts_bound(scaled)
        assert _split_lp_pays(scaled, paid), year.year  # payable, and the most payable
        assert paid == int(scaled.max_posts.sum()) or not _split_lp_pays(scaled, paid + 1)
