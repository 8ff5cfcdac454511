"""The optimum of each shipped scenario, pinned at MIP gap 0, so that no change moves it unseen.

Values re-pinned on purpose, with the reason:
- rules-based: 87,917.8919 -> 87,915.1333 (-0.003 %) when the covered-towns balance band
  stopped widening regions that do not need it (issue "What a planner reads is right",
  item 15); national and heritage-priority kept their optimum (no binding region there
  needed the extra town). tight-budget moved 67,994.1057 -> 67,945.1558 (-0.07 %); it
  takes a minute to solve, so it is pinned in the benchmarks, not here.
- national 87,956.0968 -> 85,628.2369 (-2.65 %), rules-based 87,915.1333 -> 85,618.6941
  (-2.61 %), heritage-priority 88,763.9021 -> 86,920.6280 (-2.08 %) when fibre coverage
  became need measured from its 100 % target rather than a percentile rank (issue "What a
  planner reads is right", item 16): digital's need in the median town fell from 0.63 to
  0.029. Digital now gets its floor and no more (national: 22.8 % -> 8 % of funding); the
  rest goes to the next-neediest towns of other themes, and the floor still buys low-need
  digital work, hence the lower objective. tight-budget moved 67,945.1558 -> 66,465.4481
  (-2.18 %); toy keeps 161.5 (its scores come from its own file). With
  ``themes.targets.fibre_pct: null`` national, rules-based and heritage-priority reach
  their old optimum exactly (``tests/test_target_normalisation.py`` checks national).
- national 85,628.2369 -> 86,430.4199 (+0.94 %) when Cerema's collective actions came into the
  model and national.yaml turned them on (issue 13, items 1 and 7): each of the 13 mainland
  regions holds its awareness day and (Corse but one) two training cohorts, 578 expert-days
  taken from individual missions (20,000 -> 19,422), worth about 1,031 k EUR-eq to the 856
  attendances against about 229 k EUR-eq of expertise benefit given up (funding 18,753.3 and
  coverage 55,205.6 k EUR-eq unchanged). With
  ``collective_actions.enabled: false`` national has its old optimum (checked below); the
  scenarios that extend it turn them off and keep theirs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario, optimise

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXACT = {"solver.mip_gap": 0.0, "analysis.shadow_prices": False,
         "analysis.price_of_balance": False, "analysis.value_of_one_more_post": False}

PINNED = {
    "national": 86430.41985566697,
    "rules-based": 85618.69407269935,
    "heritage-priority": 86920.62798879287,
    "toy": 161.5,
    # national with posts apportioned by Sainte-Laguë (issue 13, item 7): 937.43 below it.
    "quota-posts": 84690.8056203021,
    # national with 15 M EUR held by the prefects (split on eligible towns, floor 0.9): 10
    # départements receive exactly their floor; -7.35 k EUR-eq (-0.009 %) against national.
    # It extends national.yaml, so it moves with it (re-pin both together).
    "prefects-envelopes": 85620.8880590271,
}


@pytest.mark.parametrize("name", list(PINNED))
def test_shipped_scenario_keeps_its_optimum(name: str) -> None:
    allocation = optimise(load_scenario(SCENARIOS / f"{name}.yaml", EXACT))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(PINNED[name], rel=1e-7)


def test_national_without_collective_actions_keeps_its_old_optimum() -> None:
    allocation = optimise(load_scenario(SCENARIOS / "national.yaml",
                                        {**EXACT, "collective_actions.enabled": False}))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(85628.23687646672, rel=1e-7)
