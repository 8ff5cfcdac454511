"""Programme years: the model of several years, its new families, and one-year equivalence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvd_optim.check import check_allocation, objective_parts
from pvd_optim.inputs import AllocationArrays, ProgrammeArrays, ProgrammeInputs
from pvd_optim.model import build_program, solve
from pvd_optim.postprocess import extract_programme
from pvd_optim.scenario import load_scenario
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs
from tests.programme_factories import random_programme, year_of

EXACT = SolverSection(mip_gap=0.0)
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _solve(programme: ProgrammeInputs, settings: SolverSection = EXACT
           ) -> tuple[float, ProgrammeArrays]:
    program = build_program(programme)
    result = solve(program, settings)
    assert result.status.value == "optimal", result.raw_status
    arrays = extract_programme(program, result.require_values(), programme)
    assert check_allocation(programme, arrays).ok
    assert objective_parts(programme, arrays)["total"] == pytest.approx(result.objective,
                                                                        rel=1e-7)
    assert result.objective is not None
    return result.objective, arrays


def test_a_programme_of_one_year_is_the_one_year_model() -> None:
    inputs = random_inputs(n_towns=15, seed=2, min_per_town_keur=2.0)
    one, programme = build_program(inputs), build_program(ProgrammeInputs((inputs,)))
    for name in ("cost", "col_lower", "col_upper", "integer", "row_start", "row_index",
                 "row_value", "row_lower", "row_upper"):
        assert np.array_equal(getattr(one, name), getattr(programme, name)), name
    assert one.row_names() == programme.row_names()


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), year=st.integers(2000, 2100),
       mode=st.sampled_from(["hard", "soft", "off"]))
def test_any_one_year_label_gives_the_same_optimum(seed: int, year: int, mode: str) -> None:
    """A one-year scenario written with ``years: [Y]`` is the scenario without years."""
    inputs = random_inputs(n_towns=10, seed=seed, balance_mode=mode)
    labelled = year_of(inputs, year)
    assert _solve(ProgrammeInputs((labelled,)))[0] == pytest.approx(
        _solve(ProgrammeInputs((inputs,)))[0], rel=1e-9)


@pytest.mark.parametrize("name", ["toy", "infeasible-example"])
def test_years_y_in_a_shipped_scenario_builds_the_same_model(name: str) -> None:
    from pvd_optim.assemble import prepare

    plain = prepare(load_scenario(SCENARIOS / f"{name}.yaml")).inputs
    labelled = prepare(load_scenario(SCENARIOS / f"{name}.yaml", {"years": [2026]})).inputs
    a, b = build_program(plain), build_program(labelled)
    assert np.array_equal(a.cost, b.cost) and np.array_equal(a.row_value, b.row_value)
    assert np.array_equal(a.row_upper, b.row_upper) and np.array_equal(a.col_upper, b.col_upper)


def test_unlinked_years_add_their_weighted_optima() -> None:
    """Two years without persistence: each year's optimum, the second weighted by 0.5."""
    base = random_inputs(n_towns=10, seed=4, balance_mode="off")
    single = _solve(ProgrammeInputs((base,)))[0]
    programme = ProgrammeInputs((year_of(base, 2021), year_of(base, 2022, weight=0.5)),
                                persistence="off")
    assert _solve(programme)[0] == pytest.approx(1.5 * single, rel=1e-9)


def test_a_town_cannot_be_covered_before_it_joins() -> None:
    late = np.r_[np.zeros(4, dtype=bool), np.ones(8, dtype=bool)]  # towns 0-3 join in 2022
    programme = random_programme(2, seed=1, per_year=[{"joined": late}, {}],
                                 cover_min_share=0.0)
    _, arrays = _solve(programme)
    first = arrays.years[0]
    assert first.covered[:4].sum() == 0 and first.funding_keur[:4].sum() == 0
    assert first.days[:4].sum() == 0
    # The checker says so on an allocation that covers one of them.
    covered = first.covered.copy()
    covered[0] = 1.0
    bad = ProgrammeArrays((dataclasses.replace(first, covered=covered), arrays.years[1]))
    report = check_allocation(programme, bad, ["entry"])
    assert [v.item for v in report.violations] == ["2021/10000"]


def test_coverage_and_posts_persist_over_the_horizon() -> None:
    # The second year has a larger budget: everything covered in 2021 stays covered.
    programme = random_programme(2, seed=3, per_year=[{}, {"engineering_budget_keur": 450.0}])
    _, arrays = _solve(programme)
    assert (arrays.covered[1] >= arrays.covered[0] - 1e-9).all()
    assert (arrays.posts[1] >= arrays.posts[0] - 1e-9).all()
    # An allocation that drops a town in the second year is refused, named by year and town.
    town = int(np.flatnonzero(arrays.covered[0] > 0.5)[0])
    dropped = arrays.years[1].covered.copy()
    dropped[town] = 0.0
    bad = ProgrammeArrays((arrays.years[0], dataclasses.replace(arrays.years[1],
                                                                covered=dropped)))
    items = {v.item for v in check_allocation(programme, bad, ["persistence"]).violations}
    assert f"2022/{programme.first.town_codes[town]}" in items


def test_posts_may_end_when_persistence_is_off() -> None:
    """A budget that halves: with persistence off, half the posts end."""
    per_year = [{"engineering_budget_keur": 180.0}, {"engineering_budget_keur": 90.0}]
    on = random_programme(2, seed=5, per_year=per_year, cover_min_share=0.0)
    off = dataclasses.replace(on, persistence="off")
    _, arrays = _solve(off)
    assert arrays.posts[1].sum() < arrays.posts[0].sum()
    # With persistence, the first year can open only what the second can keep.
    _, kept = _solve(on)
    assert kept.posts[0].sum() <= 2 and (kept.posts[1] >= kept.posts[0]).all()


def test_contracts_last_their_length_then_may_end() -> None:
    per_year = [{"engineering_budget_keur": 180.0}, {"engineering_budget_keur": 180.0},
                {"engineering_budget_keur": 0.0}]
    programme = random_programme(3, seed=6, per_year=per_year, cover_min_share=0.0,
                                 spend_min_share=0.0,
                                 programme={"persistence": "contract", "contract_years": 2})
    _, arrays = _solve(programme)
    assert arrays.posts[2].sum() == pytest.approx(0.0, abs=1e-9)  # 2023: every contract ended
    assert (arrays.posts[1] >= arrays.posts[0] - 1e-9).all()  # a 2021 post lasts into 2022
    # A post opened in 2021 that ends in 2022 breaks its 2-year contract.
    posts = arrays.years[1].posts.copy()
    group = int(np.flatnonzero(arrays.posts[0] > 0.5)[0])
    posts[group] -= 1
    bad = ProgrammeArrays((arrays.years[0], dataclasses.replace(arrays.years[1], posts=posts),
                           arrays.years[2]))
    assert not check_allocation(programme, bad, ["persistence"]).ok


def test_unspent_funding_carries_over_up_to_its_cap() -> None:
    """All the envelope in 2021, none in 2022: only the carried share is spent in 2022."""
    per_year = [{"envelope_keur": 300.0}, {"envelope_keur": 0.0}]
    base = dict(seed=7, per_year=per_year, spend_min_share=0.0, theme_floor=np.zeros(3),
                balance_mode="off")
    capped = random_programme(2, programme={"carry_over_cap_keur": np.array([50.0, 0.0])},
                              **base)  # type: ignore[arg-type]
    _, arrays = _solve(capped)
    assert arrays.years[0].carry_out_keur <= 50.0 + 1e-9
    assert arrays.years[1].funding_keur.sum() == pytest.approx(arrays.years[0].carry_out_keur)
    assert arrays.years[1].carry_in_keur == pytest.approx(arrays.years[0].carry_out_keur)
    # Carrying more than the cap is refused by the checker.
    over = ProgrammeArrays((dataclasses.replace(arrays.years[0], carry_out_keur=80.0),
                            dataclasses.replace(arrays.years[1], carry_in_keur=80.0)))
    assert [v.family for v in check_allocation(capped, over, ["carry_over"]).violations] == [
        "carry_over"]


def test_the_horizon_saturation_caps_a_town_theme_over_the_years() -> None:
    saturation = random_inputs(seed=8).saturation_keur
    programme = random_programme(3, seed=8, spend_min_share=0.0, theme_floor=np.zeros(3),
                                 balance_mode="off",
                                 programme={"horizon_saturation_keur": 1.5 * saturation})
    _, arrays = _solve(programme)
    assert (arrays.funding_keur.sum(axis=0) <= 1.5 * saturation[None, :] + 1e-6).all()


def test_minimum_spend_over_the_horizon_lets_a_year_spend_less() -> None:
    per_year = [{"spend_min_share": 0.9}, {"spend_min_share": 0.9}]
    yearly = random_programme(2, seed=9, per_year=per_year, balance_mode="off")
    horizon = dataclasses.replace(yearly, spend_min_scope="horizon")
    assert _solve(horizon)[0] >= _solve(yearly)[0] - 1e-6
    program = build_program(horizon)
    assert program.rows["spend_min"].shape == (1,)


def test_idle_posts_are_forbidden_in_a_programme() -> None:
    programme = random_programme(2, seed=10, cover_min_share=0.0)
    _, arrays = _solve(programme)
    for year in arrays.years:
        covered = np.bincount(programme.first.group_of_town, weights=year.covered,
                              minlength=programme.first.n_groups)
        assert (year.posts <= covered + 1e-9).all()


@pytest.mark.parametrize("scope", ["year", "horizon"])
def test_highs_and_cbc_agree_on_a_programme(scope: str) -> None:
    programme = random_programme(3, seed=11, n_towns=10, balance_tolerance=0.4,
                                 programme={"balance_scope": scope})
    highs = _solve(programme)[0]
    cbc = _solve(programme, SolverSection(name="cbc", mip_gap=0.0))[0]
    assert highs == pytest.approx(cbc, rel=1e-6)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_year_without_resources_changes_no_other_year(seed: int) -> None:
    """No demand targets, posts allowed to end: a year with nothing changes nothing else."""
    targets = dict(spend_min_share=0.0, cover_min_share=0.0, theme_floor=np.zeros(3),
                   balance_mode="off")
    two = random_programme(2, seed=seed, n_towns=10, programme={"persistence": "off"},
                           **targets)  # type: ignore[arg-type]
    empty = year_of(two.years[1], 2023, envelope_keur=0.0,
                    capacity_days=np.zeros(two.first.n_directorates),
                    engineering_budget_keur=0.0)
    three = dataclasses.replace(two, years=(*two.years, empty), carry_over_cap_keur=np.zeros(3))
    objective_two, arrays_two = _solve(two)
    objective_three, arrays_three = _solve(three)
    assert objective_three == pytest.approx(objective_two, rel=1e-9)
    for year, a, b in zip(two.years, arrays_two.years, arrays_three.years, strict=False):
        assert objective_parts(year, a)["total"] == pytest.approx(
            objective_parts(year, b)["total"], rel=1e-9)
    last = arrays_three.years[2]
    assert last.funding_keur.sum() == last.days.sum() == last.posts.sum() == 0.0


def test_zero_share_regions_cost_nothing_in_soft_balance() -> None:
    """A year in which a region has no joined town: its soft-balance weight is 0, not inf."""
    inputs = random_inputs(n_towns=9, n_regions=3, seed=12, balance_mode="soft",
                           fair_share=np.array([0.5, 0.5, 0.0]))
    assert np.isfinite(inputs.balance_penalty_weight).all()
    assert (inputs.balance_penalty_weight[:, 2] == 0).all()


def test_allocation_arrays_of_one_year_carry_nothing_by_default() -> None:
    arrays = AllocationArrays(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros(2), np.zeros(1))
    assert arrays.carry_in_keur == arrays.carry_out_keur == 0.0
