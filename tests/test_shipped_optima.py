"""The optimum of each shipped scenario, pinned at MIP gap 0, so that no change moves it unseen.

Values re-pinned on purpose, with the reason:
- rules-based: 87,917.8919 -> 87,915.1333 (-0.003 %) when the covered-towns balance band
  stopped widening regions that do not need it (issue "What a planner reads is right",
  item 15); national and heritage-priority kept their optimum (no binding region there
  needed the extra town). tight-budget moved 67,994.1057 -> 67,945.1558 (-0.07 %); it
  takes a minute to solve, so it is pinned in the benchmarks, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario, optimise

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXACT = {"solver.mip_gap": 0.0, "analysis.shadow_prices": False,
         "analysis.price_of_balance": False, "analysis.value_of_one_more_post": False}

PINNED = {
    "national": 87956.09680157763,
    "rules-based": 87915.13331702464,
    "heritage-priority": 88763.9020954616,
    "toy": 161.5,
}


@pytest.mark.parametrize("name", list(PINNED))
def test_shipped_scenario_keeps_its_optimum(name: str) -> None:
    allocation = optimise(load_scenario(SCENARIOS / f"{name}.yaml", EXACT))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(PINNED[name], rel=1e-7)
