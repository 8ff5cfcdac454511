"""Balance mode ``quota`` on the real data: apportionment, majority regions, caps, the run.

The toy derived by hand is ``tests/test_quota_toy.py``; this file checks the quotas of
``scenarios/quota-posts.yaml`` against the ``apportionment`` package, names the two PVD
intercommunalities that span two regions, and reads what the run says of the quotas.
"""

from __future__ import annotations

import re
from pathlib import Path

import apportionment.methods as reference
import numpy as np
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.assemble import prepare
from pvd_optim.errors import ScenarioError
from pvd_optim.explain import explain_markdown
from pvd_optim.i18n import translator
from pvd_optim.inputs import ModelInputs
from pvd_optim.quota_inputs import capped_regions
from pvd_optim.scenario.load import scenario_from_dict
from pvd_optim.strategies.quotas import apportion

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
QUOTA_POSTS = SCENARIOS / "quota-posts.yaml"
#: The `apportionment` package's names for the three methods.
REFERENCE_NAMES = {"hamilton": "hamilton", "dhondt": "dhondt", "sainte_lague": "saintelague"}
#: The national optimum (tests/test_shipped_optima.py): the band mode of quota-posts.
NATIONAL_OPTIMUM = 85628.23687646672


def _inputs(method: str = "sainte_lague") -> ModelInputs:
    inputs = prepare(load_scenario(QUOTA_POSTS, {"balance.quota.method": method})).inputs
    assert isinstance(inputs, ModelInputs)
    return inputs


@pytest.fixture(scope="module")
def quota_inputs() -> ModelInputs:
    return _inputs()


@pytest.mark.parametrize("method", list(REFERENCE_NAMES))
def test_national_quotas_match_the_apportionment_package(method: str) -> None:
    """On the real basis (eligible towns per region) and the 900 posts the budget pays for."""
    inputs = _inputs(method)
    towns = np.bincount(inputs.region_of_town, minlength=inputs.n_regions)
    assert inputs.quota_posts == 900  # floor(40.5 M EUR / 45,000 EUR)
    expected = reference.compute(REFERENCE_NAMES[method], towns.tolist(), 900)
    assert inputs.post_quota_apportioned is not None and inputs.post_quota is not None
    assert inputs.post_quota_apportioned.tolist() == expected
    assert inputs.post_quota.tolist() == np.minimum(expected, inputs.region_post_cap).tolist()
    assert apportion(inputs.fair_share, 900, method).tolist() == expected  # type: ignore[arg-type]


def test_the_two_intercommunalities_across_two_regions_count_in_their_majority_region(
        quota_inputs: ModelInputs) -> None:
    """The CA du Pays de Dreux (Ézy-sur-Eure, Ivry-la-Bataille and Nonancourt in the Eure,
    Normandie; Brezolles, Châteauneuf-en-Thymerais, Saint-Lubin-des-Joncherets and
    Tremblay-les-Villages in the Eure-et-Loir, Centre-Val de Loire) and the CA Redon
    Agglomération (Pipriac and Allaire in Bretagne, Guémené-Penfao in Pays de la Loire):
    the only PVD groups with towns in two regions. Their posts count in Centre-Val de Loire
    (4 towns of 7) and in Bretagne (2 of 3)."""
    inputs = quota_inputs
    spanning = {inputs.group_labels[g]: inputs.region_names[inputs.region_of_group[g]]
                for g in range(inputs.n_groups)
                if len(set(inputs.region_of_town[inputs.group_of_town == g])) > 1}
    assert spanning == {"200040277": "Centre-Val de Loire", "243500741": "Bretagne"}
    table = prepare(load_scenario(QUOTA_POSTS)).towns_frame()
    names = table.groupby("epci_siren")["epci_name"].first()
    assert names["200040277"] == "CA Agglo du Pays de Dreux"
    assert names["243500741"] == "CA Redon Agglomération"


def test_regions_whose_groups_cannot_use_their_quota_are_capped_and_said(
        quota_inputs: ModelInputs) -> None:
    assert capped_regions(quota_inputs) == [
        "Martinique's quota of 5 posts is capped at 4: its groups can use no more (1 post of "
        "the quota goes to no other region)",
        "Normandie's quota of 87 posts is capped at 77: its groups can use no more (10 posts "
        "of the quota go to no other region)",
        "Bretagne's quota of 74 posts is capped at 61: its groups can use no more (13 posts "
        "of the quota go to no other region)"]
    assert int(quota_inputs.post_quota.sum()) == 876  # type: ignore[union-attr]


def test_a_quota_figure_is_taken_as_given() -> None:
    inputs = prepare(load_scenario(QUOTA_POSTS, {"balance.quota.posts": 500})).inputs
    assert isinstance(inputs, ModelInputs) and inputs.quota_posts == 500
    assert inputs.post_quota_apportioned is not None
    assert int(inputs.post_quota_apportioned.sum()) == 500


def test_more_posts_than_the_groups_can_use_is_a_located_error() -> None:
    with pytest.raises(ScenarioError, match=r"quota-posts.yaml:\d+: balance.quota.posts: "
                                            r"5,000 posts to apportion, but all groups"):
        prepare(load_scenario(QUOTA_POSTS, {"balance.quota.posts": 5000}))


def test_quota_fields_beside_another_mode_are_a_located_error() -> None:
    with pytest.raises(ScenarioError, match=re.escape(
            "balance.quota applies only with balance.mode: quota")):
        scenario_from_dict({"name": "x", "balance": {"mode": "hard",
                                                     "quota": {"method": "dhondt"}}})


def test_quota_mode_over_several_years_is_refused_with_its_fix() -> None:
    scenario = load_scenario(SCENARIOS / "programme-2020-2026.yaml",
                             {"balance.mode": "quota", "balance.scope": "year"})
    with pytest.raises(ScenarioError, match="applies to one-year scenarios"):
        prepare(scenario)


#: What the quota run printed as it went.
PROGRESS: list[str] = []


@pytest.fixture(scope="module")
def quota_run():  # type: ignore[no-untyped-def]
    return optimise(load_scenario(QUOTA_POSTS, {
        "solver.mip_gap": 0.0, "analysis.shadow_prices": False,
        "analysis.price_of_balance": False, "analysis.value_of_one_more_post": False}),
        progress=PROGRESS.append)


def test_the_run_holds_every_region_to_its_quota_and_prices_it(quota_run) -> None:  # type: ignore[no-untyped-def]
    a = quota_run
    assert a.status == "optimal" and a.check.ok
    inputs = a.inputs
    assert inputs.posts_by_region(a.arrays.posts).tolist() == inputs.post_quota.tolist()
    assert {"quota", "quota_idle_posts"} <= set(a.check.checked)
    # The price of the quota: the band mode is the national scenario, re-solved at gap 0.
    assert a.shadow_prices.price_of_quota == pytest.approx(NATIONAL_OPTIMUM - a.objective,
                                                           rel=1e-6)
    assert a.notes[:3] == tuple(capped_regions(inputs))
    assert [line for line in PROGRESS if "capped" in line] == capped_regions(inputs)


def test_explain_and_the_comparison_say_the_quota_in_force(quota_run) -> None:  # type: ignore[no-untyped-def]
    text = explain_markdown(quota_run, translator("en"))
    assert ("Regional quotas of posts in force: 900 posts apportioned by Sainte-Laguë on the "
            "balance basis, 876 fixed after the caps (Guadeloupe 4, Martinique 4,") in text
    assert "Price of the regional quotas of posts: the hard band on covered towns" in text
    assert "Normandie's quota of 87 posts is capped at 77" in text  # the notes
    french = explain_markdown(quota_run, translator("fr"))
    assert "répartis selon la méthode de Sainte-Laguë" in french
    from pvd_optim.report.tables import Comparison

    summary = Comparison([quota_run]).summary
    assert summary.loc[0, "quota_method"] == "sainte_lague"
    assert summary.loc[0, "quota_posts"] == 876


def test_the_comparison_measures_how_far_a_rule_misses_the_quotas(quota_run) -> None:  # type: ignore[no-untyped-def]
    """The optimum meets every quota; the regional-quota baseline, which shares a group's
    posts between the regions of its towns and caps nothing, misses some."""
    from pvd_optim.analysis import METRICS, constraint_violations
    from pvd_optim.results import Problem
    from pvd_optim.strategies import regional_quotas

    assert METRICS["quota_shortfall_posts"].unit == "posts"
    assert constraint_violations(quota_run)["quota_shortfall_posts"] == 0.0
    baseline = regional_quotas(Problem(quota_run.inputs), "sainte_lague")
    assert constraint_violations(baseline)["quota_shortfall_posts"] > 0


def test_every_uncovered_town_of_the_quota_scenario_waits_for_its_regions_quota(
        quota_run) -> None:  # type: ignore[no-untyped-def]
    from pvd_optim.reasons import uncovered_towns

    uncovered = uncovered_towns(quota_run)
    assert len(uncovered) == 1646 - 1567
    assert {town.reason for town in uncovered} == {"region_quota_used"}
