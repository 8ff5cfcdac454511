"""The diagnosis has a time budget of its own and says how sure each fix is."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pvd_optim import diagnose as diagnosis_module
from pvd_optim import diagnosis_search as search_module
from pvd_optim import load_scenario
from pvd_optim.assemble import prepare
from pvd_optim.model.status import SolveStatus

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
# Full coverage with budget for one post: infeasible (the toy needs two posts).
IMPOSSIBLE = {"resources.engineering.cover_min_share": 1,
              "resources.engineering.budget_eur": 45000}


def _toy():
    scenario = load_scenario(TOY, IMPOSSIBLE)
    return scenario, prepare(scenario).inputs


def test_the_budget_defaults_to_a_multiple_of_the_main_solve_with_a_floor() -> None:
    scenario, _ = _toy()
    floor = diagnosis_module.DIAGNOSIS_FLOOR_S
    multiple = diagnosis_module.DIAGNOSIS_MULTIPLE
    assert diagnosis_module.diagnosis_time_limit_s(scenario, 0.1) == floor
    assert diagnosis_module.diagnosis_time_limit_s(scenario, 100.0) == multiple * 100.0


def test_with_ample_time_each_fix_is_proven_minimal() -> None:
    scenario, inputs = _toy()
    diagnosis = diagnosis_module.diagnose(inputs, scenario)
    assert {f.family for f in diagnosis.fixes} == {"engineering_budget", "cover_min"}
    assert {f.proof for f in diagnosis.fixes} == {"proven minimal"}
    assert diagnosis.unknown == ()


def test_a_diagnosis_out_of_time_says_unknown_not_cannot(monkeypatch) -> None:
    scenario, inputs = _toy()
    monkeypatch.setattr(diagnosis_module, "DIAGNOSIS_FLOOR_S", 0.0)
    diagnosis = diagnosis_module.diagnose(inputs, scenario)
    assert diagnosis.fixes == () and diagnosis.cannot_fix_alone == ()
    assert "engineering_budget" in diagnosis.unknown and "cover_min" in diagnosis.unknown
    assert "undecided" in diagnosis.headline()
    assert "Not known within the diagnosis time limit" in diagnosis.markdown()


def test_a_fix_from_a_solve_stopped_at_a_limit_is_not_presented_as_minimal(monkeypatch) -> None:
    """An elastic solve that ends with a solution but no proof gives a fix that works."""
    scenario, inputs = _toy()
    real_solve = search_module.solve

    def stopped_at_a_limit(program, settings):
        result = real_solve(program, settings)
        if result.status is SolveStatus.OPTIMAL and program.n_cols > 20:  # elastic copies
            return dataclasses.replace(result, status=SolveStatus.FEASIBLE)
        return result

    monkeypatch.setattr(search_module, "solve", stopped_at_a_limit)
    diagnosis = diagnosis_module.diagnose(inputs, scenario)
    proofs = {f.family: f.proof for f in diagnosis.fixes}
    assert proofs == {"engineering_budget": "not proven minimal",
                      "cover_min": "not proven minimal"}
    assert "(not proven minimal)" in diagnosis.markdown()


@pytest.mark.parametrize("answers", [[True, True, None], [None]])
def test_a_balance_search_cut_short_is_marked_or_unknown(monkeypatch, answers) -> None:
    scenario, inputs = _toy()
    inputs = dataclasses.replace(inputs, balance_mode="hard")
    replies = iter(answers)
    monkeypatch.setattr(search_module, "_feasible", lambda *_: next(replies))
    search = diagnosis_module.diagnosable()
    balance = next(f for f in search if f.name == "balance")
    budget = diagnosis_module.SolveBudget(scenario.solver)
    if answers == [None]:
        with pytest.raises(search_module._Undecided):
            search_module._balance_fix(inputs, budget, balance.relax)
    else:
        fix = search_module._balance_fix(inputs, budget, balance.relax)
        assert fix is not None and fix.proof == "not proven minimal" and fix.needed == 1.0


@pytest.mark.parametrize(("answers", "field"), [
    ([True] * 20, "balance.tolerance_share"),
    ([True, False], "balance.mode"),
])
def test_the_balance_fix_is_worded_by_its_registry_entry(monkeypatch, answers, field) -> None:
    """Feasible without balance; then either every probed tolerance is enough (the search
    narrows down to the scenario's own tolerance, rounded up) or even 1.0 is not."""
    scenario, inputs = _toy()
    inputs = dataclasses.replace(inputs, balance_mode="hard")
    replies = iter(answers)
    monkeypatch.setattr(search_module, "_feasible", lambda *_: next(replies))
    balance = next(f for f in diagnosis_module.diagnosable() if f.name == "balance")
    fix = search_module._balance_fix(inputs, diagnosis_module.SolveBudget(scenario.solver),
                                     balance.relax)
    assert fix is not None and fix.family == "balance" and fix.field == field
    if field == "balance.mode":
        assert fix.message == balance.relax.no_tolerance
        assert "soft" in fix.message
    else:
        assert fix.proof == "proven minimal"
        assert fix.message == balance.relax.raise_to(fix.needed, inputs.balance_tolerance)
        assert f"at least {fix.needed:.3f}" in fix.message


def test_the_lp_relaxation_is_said_infeasible_only_when_highs_proved_it(monkeypatch) -> None:
    """Proven infeasible (the toy's: its subset comes back), proven feasible (a feasible
    toy's relaxation), or not settled (no subset computed for a model this size): never
    ``False`` for "not computed"."""
    from pvd_optim.model import build_program, highs

    scenario, inputs = _toy()
    diagnosis = diagnosis_module.diagnose(inputs, scenario)
    assert diagnosis.lp_relaxation_infeasible is True and diagnosis.iis_rows
    assert diagnosis.to_dict()["lp_relaxation_infeasible"] is True

    feasible = prepare(load_scenario(TOY)).inputs
    assert highs.irreducible_infeasible_subset(build_program(feasible)) == (False, (), ())

    monkeypatch.setattr(diagnosis_module, "IIS_MAX_ROWS", 0)
    unsettled = diagnosis_module.diagnose(inputs, scenario)
    assert unsettled.lp_relaxation_infeasible is None and unsettled.iis_rows == ()
    assert unsettled.to_dict()["lp_relaxation_infeasible"] is None


def test_a_town_floor_fix_reaches_below_the_caps_that_hold_the_floors() -> None:
    """Derived by hand. Caps of 30,000 EUR under a 40,000 EUR floor make every town's floor
    min(40,000, 30,000) = 30,000 EUR, but a town absorbs at most 2 themes x 10,000 EUR:
    each of the three covered towns falls 10,000 EUR short. Lowering the floor by that
    shortfall (to 30,000) leaves every floor at its cap, still 30,000; the floor must go
    to 30,000 - 10,000 = 20,000 EUR, which then holds (each town gets 20,000)."""
    from pvd_optim import optimise

    short = {"resources.funding.cap_per_town_eur": 30_000,
             "resources.funding.saturation_per_theme_eur": 10_000,
             "resources.funding.min_per_covered_town_eur": 40_000,
             "resources.engineering.cover_min_share": 1}
    scenario = load_scenario(TOY, short)
    diagnosis = diagnosis_module.diagnose(prepare(scenario).inputs, scenario)
    fix = next(f for f in diagnosis.fixes if f.family == "town_floor")
    assert (fix.current, fix.needed) == (40_000, 20_000)
    assert "at most 20,000 EUR" in fix.message
    fixed = optimise(load_scenario(TOY, {**short, fix.field: fix.needed}))
    assert fixed.status == "optimal"
    assert fixed.by_town["funding_eur"].tolist() == pytest.approx([20_000] * 3)
