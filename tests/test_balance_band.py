"""The covered-towns balance band is widened only where a region needs it (docs/model.md#balance).

By hand, with 100 towns, cover_min 0.5 (T_ref = 50 towns), delta 0.15 and fair
shares 0.9 and 0.1: the half-widths of the band at T_ref are 0.15 x 0.9 x 50 =
6.75 towns (region A: no widening) and 0.15 x 0.1 x 50 = 0.75 towns (region B:
widened by 1 - 0.75 = 0.25 town on each side). The old rule widened both by one.
"""

from __future__ import annotations

import numpy as np
import pytest

from pvd_optim.check import band_limits, check_allocation
from pvd_optim.inputs import AllocationArrays
from pvd_optim.model import build_program, solve
from pvd_optim.postprocess import extract
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

N = 100
REGION = np.r_[np.zeros(90, dtype=np.int64), np.ones(10, dtype=np.int64)]


def _inputs(**changes: object):
    return random_inputs(n_towns=N, n_regions=2, n_groups=40, seed=7, region_of_town=REGION,
                         fair_share=np.array([0.9, 0.1]), balance_tolerance=0.15,
                         cover_min_share=0.5, **changes)


def test_only_the_region_that_needs_it_is_widened() -> None:
    extra = _inputs().balance_band_extra
    assert extra[0].tolist() == [0.0, 0.0] and extra[1].tolist() == [0.0, 0.0]
    assert extra[2] == pytest.approx([0.0, 0.25])


def test_the_band_holds_an_integer_in_every_region_for_any_feasible_total() -> None:
    inputs = _inputs()
    for total in range(50, N + 1):  # every coverage the minimum allows
        covered = np.zeros(N)
        covered[:total] = 1.0
        arrays = AllocationArrays(np.zeros((N, 3)), np.zeros((N, 3)), covered,
                                  np.zeros(inputs.n_groups))
        low, high = band_limits(inputs, arrays)
        assert (np.floor(high[2]) >= np.ceil(low[2] - 1e-12)).all(), total


def test_a_count_the_old_band_allowed_is_now_refused_where_no_widening_is_needed() -> None:
    """30 towns covered in region A and all 10 of region B: 40 in all.

    Region A's band is [0.85, 1.15] x 0.9 x 40 = [30.6, 41.4] towns: 30 is below it
    by 0.4 town, which the old band (one town more on each side: 29.6) accepted.
    Region B's band is [0.85, 1.15] x 0.1 x 40 -+ 0.25 = [3.15, 4.85]: 10 is refused
    under both rules.
    """
    inputs = _inputs()
    covered = np.zeros(N)
    covered[:30] = 1.0            # region A: 30 of its 90 towns
    covered[REGION == 1] = 1.0    # region B: its 10 towns
    arrays = AllocationArrays(np.zeros((N, 3)), np.zeros((N, 3)), covered,
                              np.zeros(inputs.n_groups))
    low, high = band_limits(inputs, arrays)
    assert low[2] == pytest.approx([30.6, 3.15])
    assert high[2] == pytest.approx([41.4, 4.85])
    report = check_allocation(inputs, arrays, ["balance"])
    assert {v.item for v in report.violations} == {"towns/Region 0", "towns/Region 1"}


def test_solutions_respect_the_narrower_band() -> None:
    inputs = _inputs(engineering_budget_keur=45.0 * 30)
    program = build_program(inputs)
    result = solve(program, SolverSection(mip_gap=0.0))
    arrays = extract(program, result.require_values())
    assert check_allocation(inputs, arrays).ok
    low, high = band_limits(inputs, arrays)
    used = arrays.used_by_region(inputs)
    assert (used[2] >= low[2] - 1e-6).all() and (used[2] <= high[2] + 1e-6).all()
