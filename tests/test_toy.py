"""The toy scenario, solved by hand and by the solvers.

scenarios/toy.yaml: three Aube towns, two themes, scores from toy-scores.csv:

    town                      group (EPCI)   fragility  need habitat  need heritage
    A Nogent-sur-Seine 10268  200006716      0.5        0.8           0.2
    B Villenauxe-la-G. 10420  200006716      0.3        0.4           0.6
    C Aix-Villemaur-P. 10003  241000447      0.7        0.9           0.1

Benefit curve: two segments of half the saturation each, slopes 1.0 then 0.5.

Posts: 90,000 EUR buys two 45,000 EUR posts; A and B share an intercommunality
(one post serves up to 3 towns), C needs its own: all three towns are covered.
Coverage value = 60 k EUR x (0.5 + 0.3 + 0.7) = 90.0.

Funding: envelope 100 k EUR, 20 k EUR per segment (40 k saturation / 2), caps
60 k EUR per town. Marginal benefit per k EUR of each segment, best first:
C-habitat-1 0.9, A-habitat-1 0.8, B-heritage-1 0.6, C-habitat-2 0.45, then
B-habitat-1 = A-habitat-2 = 0.4. Five segments of 20 k fill the envelope:
20 x (0.9 + 0.8 + 0.6 + 0.45 + 0.4) = 63.0 (caps: C takes 40 k, A and B <= 40 k).

Expertise: 10 days (one directorate, Cerema Est), 5 days per segment, worth
1 k EUR per day: C-habitat-1 5 x 0.9 = 4.5 and A-habitat-1 5 x 0.8 = 4.0: 8.5.

Optimum = 90.0 + 63.0 + 8.5 = 161.5 k EUR-equivalents.
Shadow prices: the next k EUR goes to a 0.4 segment (0.4); the next expert-day
to B-heritage-1 (0.6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario, optimise

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
HAND_OPTIMUM = 90.0 + 63.0 + 8.5


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_toy_optimum_equals_the_hand_derivation(solver: str) -> None:
    allocation = optimise(load_scenario(TOY, {"solver.name": solver}))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(HAND_OPTIMUM, rel=1e-9)
    assert allocation.objective_parts["coverage_value"] == pytest.approx(90.0)
    assert allocation.objective_parts["funding_benefit"] == pytest.approx(63.0)
    assert allocation.objective_parts["expertise_benefit"] == pytest.approx(8.5)
    by_town = allocation.by_town
    assert by_town["covered"].tolist() == [1.0, 1.0, 1.0]
    assert by_town.loc["10003", "funding_eur"] == pytest.approx(40_000)
    assert by_town.loc["10003", "expert_days"] == pytest.approx(5.0)
    assert by_town.loc["10268", "expert_days"] == pytest.approx(5.0)
    assert allocation.by_group["posts"].sum() == 2


def test_toy_shadow_prices_match_the_hand_derivation() -> None:
    prices = optimise(load_scenario(TOY)).shadow_prices
    assert prices is not None
    assert prices.envelope_per_keur == pytest.approx(0.4)
    assert prices.capacity_per_day == {"Cerema Est": pytest.approx(0.6)}
    # A third post would cover nobody new.
    assert prices.value_of_one_more_post == pytest.approx(0.0, abs=1e-9)
