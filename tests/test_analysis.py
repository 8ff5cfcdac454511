"""Analysis measures on hand-made allocations: values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pvd_optim import analysis
from pvd_optim.analysis import (
    METRICS,
    best_labels,
    constraint_violations,
    coverage,
    equity,
    gini,
    metrics_table,
    need_weighted_benefit,
    resource_use,
    theil,
)
from pvd_optim.changes import stability, top_changes
from pvd_optim.check import AllocationArrays, check_allocation, objective_parts
from pvd_optim.inputs import ModelInputs
from pvd_optim.results import Allocation
from pvd_optim.strategies import STRATEGIES, run_strategies
from tests.factories import random_inputs


def _toy_inputs(**overrides: object) -> ModelInputs:
    """Four towns of 1,000 inhabitants, two themes, two regions, one town per group."""
    base: dict[str, object] = {
        "n_towns": 4, "n_themes": 2, "n_regions": 2, "n_directorates": 1, "n_groups": 4,
        "population": np.full(4, 1000.0), "region_of_town": np.array([0, 1, 0, 1]),
        "group_of_town": np.arange(4), "fair_share": np.array([0.5, 0.5]),
        "fragility": np.array([0.9, 0.1, 0.5, 0.3]),
        "need": np.array([[1.0, 0.0], [0.5, 0.5], [0.2, 0.2], [0.0, 0.0]]),
    }
    base.update(overrides)
    return random_inputs(**base)  # type: ignore[arg-type]


def _allocation(inputs: ModelInputs, funding: list[list[float]], days: list[list[float]],
                covered: list[float], label: str = "toy") -> Allocation:
    arrays = AllocationArrays(
        funding_keur=np.array(funding, dtype=float), days=np.array(days, dtype=float),
        covered=np.array(covered, dtype=float),
        posts=np.array(covered, dtype=float),  # one town per group, m = 3
    )
    parts = objective_parts(inputs, arrays)
    return Allocation(label=label, scenario_name="toy", inputs=inputs, arrays=arrays,
                      status="heuristic", objective=parts["total"], objective_parts=parts,
                      check=check_allocation(inputs, arrays, ()))


# ---- inequality indices --------------------------------------------------------------------


def test_gini_hand_values() -> None:
    assert gini(np.array([5.0, 5.0, 5.0, 5.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)  # (n - 1) / n
    # sum_ij |x_i - x_j| = 2 (1+2+3+1+2+1) = 20; 2 n^2 mean = 2 * 16 * 2.5 = 80.
    assert gini(np.array([4.0, 1.0, 3.0, 2.0])) == pytest.approx(0.25)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 4 * 2)
    assert math.isnan(gini(np.zeros(3))) and math.isnan(gini(np.array([])))


def test_theil_hand_values() -> None:
    assert theil(np.array([2.0, 2.0, 2.0])) == 0.0
    assert theil(np.array([0.0, 0.0, 0.0, 7.0])) == pytest.approx(math.log(4))  # ln n
    # mean 2: ratios 0.5 and 1.5.
    expected = (0.5 * math.log(0.5) + 1.5 * math.log(1.5)) / 2
    assert theil(np.array([1.0, 3.0])) == pytest.approx(expected)
    assert math.isnan(theil(np.zeros(2)))


# ---- one allocation -----------------------------------------------------------------------


def test_equity_of_an_equal_and_a_concentrated_allocation() -> None:
    inputs = _toy_inputs()
    equal = _allocation(inputs, [[5, 5]] * 4, [[1, 1]] * 4, [1, 1, 1, 1])
    out = equity(equal)
    assert out["gini_funding_per_inhabitant"] == 0.0
    assert out["theil_funding_per_inhabitant"] == 0.0
    # Each region has half the towns and gets half of each resource: no deviation.
    for resource in ("funding", "days", "towns"):
        assert out[f"max_regional_deviation_{resource}"] == 0.0
    lopsided = _allocation(inputs, [[20, 0], [0, 0], [0, 0], [0, 0]],
                           [[4, 0], [0, 0], [0, 0], [0, 0]], [1, 0, 0, 0])
    out = equity(lopsided)
    assert out["gini_funding_per_inhabitant"] == pytest.approx(0.75)
    assert out["theil_funding_per_inhabitant"] == pytest.approx(math.log(4))
    # Region 0 gets everything: +100 %, region 1 nothing: -100 %.
    assert out["max_regional_deviation_funding"] == pytest.approx(1.0)
    assert out["mean_regional_deviation_towns"] == pytest.approx(1.0)


def test_coverage_shares_by_hand() -> None:
    inputs = _toy_inputs()
    # Town 0 (most fragile) covered with habitat funded to saturation (40 k EUR);
    # town 1 covered with half of each theme's saturation.
    a = _allocation(inputs, [[40, 0], [20, 20], [0, 0], [0, 0]],
                    [[0, 0], [0, 0], [0, 0], [0, 0]], [1, 1, 0, 0])
    out = coverage(a)
    assert out["covered_share"] == 0.5
    total_need = 1.0 + 1.0 + 0.4 + 0.0
    assert out["need_covered_share"] == pytest.approx(2.0 / total_need)
    assert out["need_funded_share"] == pytest.approx((1.0 * 1 + 0.5 * 0.5 * 2) / total_need)
    # ceil(4 / 5) = 1 most fragile town: town 0, covered.
    assert out["fragile_fifth_covered_share"] == 1.0


def test_benefit_resource_use_and_violations() -> None:
    inputs = _toy_inputs(envelope_keur=100.0, capacity_days=np.array([10.0]),
                         spend_min_share=0.5, cover_min_share=0.75,
                         theme_floor=np.array([0.3, 0.3]), min_per_town_keur=15.0,
                         engineering_budget_keur=450.0)
    a = _allocation(inputs, [[30, 0], [5, 5], [0, 0], [0, 0]], [[2, 0], [1, 1], [0, 0], [0, 0]],
                    [1, 1, 0, 0])
    assert need_weighted_benefit(a) == pytest.approx(objective_parts(inputs, a.arrays)["total"])
    use = resource_use(a)
    assert use["funding_eur"] == pytest.approx(40_000.0)
    assert use["envelope_used_share"] == pytest.approx(0.4)
    assert use["expert_days"] == pytest.approx(4.0)
    assert use["capacity_used_share"] == pytest.approx(0.4)
    assert use["posts"] == 2.0 and use["covered_towns"] == 2.0
    assert use["engineering_used_share"] == pytest.approx(90.0 / 450.0)
    assert use["by_directorate"] == {"Directorate 0": {"days": 4.0, "capacity_days": 10.0,
                                                       "utilisation": 0.4}}
    out = constraint_violations(a)
    assert out["spend_min_shortfall_eur"] == pytest.approx(10_000.0)  # 50 k - 40 k
    assert out["cover_min_shortfall_towns"] == pytest.approx(1.0)  # 3 - 2
    assert out["theme_floor_shortfall_eur"] == pytest.approx(7_000.0)  # 0.3 * 40 - 5 = 7 k
    assert out["town_floor_shortfall_eur"] == pytest.approx(5_000.0)  # town 1: 15 - 10
    # Funding: region 0 has 30 of 40 k EUR, fair 20 +- 50 % = [10, 30]: inside.
    # Days: region 0 has 2 of 4, inside. Towns: region 0 has 1 of 2, inside.
    assert out["region_resource_pairs_outside_band"] == 0.0
    assert out["outside_band_funding_eur"] == 0.0


def test_violations_of_balance_are_measured() -> None:
    inputs = _toy_inputs(balance_tolerance=0.1)
    a = _allocation(inputs, [[30, 0], [5, 5], [0, 0], [0, 0]], [[0, 0]] * 4, [1, 1, 0, 0])
    out = constraint_violations(a)
    # Funding 40 k EUR, fair 20 k EUR +- 10 %: region 0 is 8 k above, region 1 8 k below.
    assert out["outside_band_funding_eur"] == pytest.approx(16_000.0)
    assert out["region_resource_pairs_outside_band"] == 2.0


# ---- comparing two ------------------------------------------------------------------------


@pytest.fixture()
def pair() -> tuple[Allocation, Allocation]:
    inputs = _toy_inputs()
    a = _allocation(inputs, [[10, 0], [5, 0], [3, 0], [0, 0]], [[1, 0], [0, 0], [0, 0], [2, 0]],
                    [1, 1, 1, 1], label="a")
    # Town 1: +2 k EUR; town 2 loses its project lead and funding; town 3: +0.2 day only.
    b = _allocation(inputs, [[10, 0], [7, 0], [0, 0], [0, 0]], [[1, 0], [0, 0], [0, 0],
                                                                 [2.2, 0]],
                    [1, 1, 0, 1], label="b")
    return a, b


def test_stability_lists_towns_beyond_thresholds(pair: tuple[Allocation, Allocation]) -> None:
    a, b = pair
    moved = stability(a, b, threshold_eur=1_000.0, threshold_days=0.5)
    assert moved.index.tolist() == ["10001", "10002"]
    assert moved.loc["10001", "funding_change_eur"] == pytest.approx(2_000.0)
    assert moved.loc["10002", "covered_b"] == 0.0
    assert moved.loc["10001", "name"] == "Town 1" and moved.loc["10001", "region"] == "Region 1"
    # A lower day threshold picks up town 3 as well; a high one leaves coverage changes only.
    assert stability(a, b, threshold_days=0.1).index.tolist() == ["10001", "10002", "10003"]
    assert stability(a, b, threshold_eur=1e9, threshold_days=1e9).index.tolist() == ["10002"]


def test_top_changes_ranks_by_euro_equivalent(pair: tuple[Allocation, Allocation]) -> None:
    a, b = pair
    top = top_changes(a, b, n=20)
    # Town 2: 3 k EUR + a covered town (60 k EUR); town 1: 2 k EUR; town 3: 0.2 day (200 EUR).
    assert top.index.tolist() == ["10002", "10001", "10003"]
    np.testing.assert_allclose(top["size_of_change_eur"], [63_000.0, 2_000.0, 200.0])
    assert top_changes(a, b, n=1).index.tolist() == ["10002"]
    assert {"name", "region", "funding_change_eur", "days_change", "covered_a",
            "covered_b"} <= set(top.columns)
    assert top_changes(a, a).empty


def test_comparing_different_towns_is_a_clear_error() -> None:
    a = _allocation(_toy_inputs(), [[0, 0]] * 4, [[0, 0]] * 4, [0, 0, 0, 0])
    other = random_inputs(n_towns=5, n_themes=2, n_regions=2, n_directorates=1, n_groups=5)
    b = _allocation(other, [[0, 0]] * 5, [[0, 0]] * 5, [0] * 5)
    with pytest.raises(ValueError, match="same towns"):
        stability(a, b)
    with pytest.raises(ValueError, match="same towns"):
        top_changes(a, b)


# ---- the table ----------------------------------------------------------------------------


def test_metrics_table_shape_and_numbers() -> None:
    inputs = random_inputs(n_towns=30, n_groups=12, seed=2)
    allocations = run_strategies(inputs, [name for name in STRATEGIES if name != "optimum"])
    table = metrics_table(allocations)
    assert table.shape == (len(allocations), len(METRICS))
    assert table.index.tolist() == [a.label for a in allocations]
    assert table.columns.tolist() == list(METRICS)
    assert all(dtype == np.float64 for dtype in table.dtypes)
    assert table["objective"].tolist() == pytest.approx([a.objective for a in allocations])
    # The heuristics keep their promises: never more than the envelope or the budget.
    assert (table["envelope_used_share"] <= 1 + 1e-9).all()
    assert (table["engineering_used_share"] <= 1 + 1e-9).all()
    with pytest.raises(ValueError, match="distinct labels"):
        metrics_table([allocations[0], allocations[0]])


def test_every_metric_is_described() -> None:
    for key, info in METRICS.items():
        assert info.better in ("higher", "lower", None), key
        assert info.label and info.unit and info.description, key
    assert set(analysis.metrics(_allocation(_toy_inputs(), [[1, 0]] * 4, [[0, 0]] * 4,
                                            [1, 1, 1, 1]))) == set(METRICS)


def test_best_labels_follow_each_metrics_direction() -> None:
    table = pd.DataFrame(
        {
            "objective": [1.0, 3.0, 2.0],  # higher is better
            "gini_funding_per_inhabitant": [0.5, 0.1, 0.3],  # lower is better
            "covered_share": [0.9, 0.9, 0.8],  # tie: both marked
            "funding_eur": [1.0, 2.0, 3.0],  # no direction: not ranked
            "theil_funding_per_inhabitant": [np.nan, np.nan, np.nan],  # nothing to rank
            "max_regional_deviation_days": [np.nan, 0.2, 0.1],  # NaN never wins
        },
        index=pd.Index(["x", "y", "z"], name="allocation"),
    )
    assert best_labels(table) == {
        "objective": ("y",),
        "gini_funding_per_inhabitant": ("y",),
        "covered_share": ("x", "y"),
        "max_regional_deviation_days": ("z",),
    }
