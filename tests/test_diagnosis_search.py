"""The diagnosis's cheaper proofs give the answers the elastic MIPs give, with fewer solves.

Each case is checked against a brute force: every family's elastic copy solved as a
MIP to optimality, as the diagnosis did before it learnt its shortcuts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pvd_optim import diagnosis_search as search_module
from pvd_optim import load_scenario
from pvd_optim.families import Elastic, ToleranceSearch
from pvd_optim.model import SolveStatus, build_program
from pvd_optim.model.solve import SolveBudget
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
GENEROUS = SolverSection(mip_gap=search_module.DIAGNOSIS_MIP_GAP,  # type: ignore[call-arg]
                         time_limit_s=120.0)


def _brute_force(inputs, scenario):
    """Family -> needed value (a fix), None (no change needed) or False (cannot alone)."""
    program = build_program(inputs)
    answers = {}
    for candidate in search_module.diagnosable():
        relax = candidate.relax
        if isinstance(relax, ToleranceSearch):
            continue  # the balance search has its own test below
        assert isinstance(relax, Elastic)
        # A family without rows in this model (size 0: switched off) is not in it.
        present = tuple(name for name in relax.blocks
                        if name in program.rows and program.rows[name].size > 0)
        if not present:
            continue
        elastic, slices = search_module._elastic(program, present)
        result = search_module.solve(elastic, GENEROUS)
        if result.status is SolveStatus.INFEASIBLE:
            answers[candidate.name] = False
            continue
        assert result.status is SolveStatus.OPTIMAL
        values = result.require_values()
        slack = {name: values[s] for name, s in slices.items()}
        if sum(float(v.sum()) for v in slack.values()) <= 1e-7:
            answers[candidate.name] = None
            continue
        context = search_module.FixContext(
            inputs, scenario, slack, search_module.extract(program, values[:program.n_cols]))
        fix = relax.fix(context)
        answers[candidate.name] = None if fix is None else fix.needed
    return answers


def _searched(inputs, scenario, solves=None):
    program = build_program(inputs)
    budget = SolveBudget(GENEROUS)
    found = search_module.search(inputs, scenario, program, budget)
    return found, program


CASES = {
    # Coverage demanded beyond what the posts can reach (a coverage conflict), with the
    # covered-towns balance band in force.
    "coverage beyond the posts": dict(cover_min_share=1.0, engineering_budget_keur=90.0),
    # The same, without balance.
    "coverage, no balance": dict(cover_min_share=1.0, engineering_budget_keur=90.0,
                                 balance_mode="off"),
    # Town floors beyond the envelope: no coverage conflict, every family decides alone.
    "floors beyond the envelope": dict(min_per_town_keur=30.0, envelope_keur=100.0,
                                       cover_min_share=0.9, engineering_budget_keur=270.0),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("seed", range(2))
def test_the_search_gives_the_brute_force_answers(case: str, seed: int) -> None:
    scenario = load_scenario(TOY)
    inputs = random_inputs(n_towns=14, n_groups=6, seed=seed, **CASES[case])
    expected = _brute_force(inputs, scenario)
    found, _ = _searched(inputs, scenario)
    assert found.unknown == ()
    fixes = {fix.family: fix for fix in found.fixes}
    for name, answer in expected.items():
        if answer is False:
            assert name in found.cannot_fix_alone, name
        elif answer is None:
            assert name not in fixes and name not in found.cannot_fix_alone, name
        else:
            assert fixes[name].needed == pytest.approx(answer, rel=1e-9), name
            assert fixes[name].proof == "proven minimal"


def test_a_coverage_conflict_needs_no_elastic_mip_of_the_families_outside_it(monkeypatch
                                                                               ) -> None:
    """Posts that cannot cover the target prove every other family out in one small MIP."""
    scenario = load_scenario(TOY)
    inputs = random_inputs(n_towns=14, n_groups=6, **CASES["coverage beyond the posts"])
    full_rows = build_program(inputs).n_rows
    full_size_mips = []
    real_solve = search_module.solve

    def counting(program, settings):
        if program.integer.any() and program.n_rows == full_rows:
            full_size_mips.append(program.n_cols)
        return real_solve(program, settings)

    monkeypatch.setattr(search_module, "solve", counting)
    found, _ = _searched(inputs, scenario)
    assert {"envelope", "capacity", "spend_min", "theme_floor", "lead"} <= set(
        found.cannot_fix_alone)
    assert {fix.family for fix in found.fixes} == {"engineering_budget", "cover_min"}
    assert full_size_mips == []


@pytest.mark.parametrize("tolerance", [0.0, 0.02, 0.1, 0.5])
@pytest.mark.parametrize("cover", [0.5, 1.0])
def test_feasibility_probes_agree_with_a_plain_solve(tolerance: float, cover: float) -> None:
    """The balance search's probes (LP relaxation first, then a zero-objective MIP)."""
    inputs = random_inputs(n_towns=14, n_groups=6, balance_tolerance=tolerance,
                           cover_min_share=cover, engineering_budget_keur=135.0)
    plain = search_module.solve(build_program(inputs), GENEROUS).status
    probe = search_module._feasible(inputs, SolveBudget(GENEROUS))
    assert probe is plain.has_solution
    if plain is SolveStatus.INFEASIBLE:
        assert probe is False


def test_a_relaxation_that_proves_nothing_falls_back_to_the_elastic_mip(monkeypatch) -> None:
    """If the posts shortcut cannot confirm its bound, the elastic MIP decides, as before."""
    scenario = load_scenario(TOY)
    inputs = random_inputs(n_towns=14, n_groups=6, **CASES["coverage beyond the posts"])
    expected = _brute_force(inputs, scenario)
    monkeypatch.setattr(search_module, "_fixed_lp", lambda *args: None)
    found, _ = _searched(inputs, scenario)
    fixes = {fix.family: fix for fix in found.fixes}
    assert fixes["engineering_budget"].needed == pytest.approx(expected["engineering_budget"])
    assert fixes["cover_min"].needed == pytest.approx(expected["cover_min"])


def test_the_conflict_leaves_out_balance_only_when_coverage_falls_short_without_it() -> None:
    scenario = load_scenario(TOY)
    inputs = random_inputs(n_towns=14, n_groups=6, **CASES["coverage beyond the posts"])
    program = build_program(inputs)
    budget = SolveBudget(GENEROUS)
    most = search_module._most_coverable(program, budget)
    conflict = search_module._coverage_conflict(program, budget, most)
    assert "cover_min" in conflict and "engineering_budget" in conflict
    assert "balance_towns_low" not in conflict  # still short without the band
    found = search_module.search(inputs, scenario, program, budget)
    assert "balance" in found.cannot_fix_alone
    # A feasible coverage target proves no conflict.
    easy = dataclasses.replace(inputs, cover_min_share=0.1)
    easy_program = build_program(easy)
    assert search_module._coverage_conflict(
        easy_program, budget, search_module._most_coverable(easy_program, budget)) == frozenset()


def test_the_shortcuts_hold_with_collective_actions(monkeypatch) -> None:
    """Collective events stay free when the shortcuts fix posts and coverage.

    National with its collective actions and an impossible coverage took 26 s to
    diagnose: the shortcuts fixed every integer column, the regions' events too, at the
    coverage-only relaxation's zeros, against each region's minimum of events; their LP
    was infeasible and the full elastic MIPs ran. Here the same answers as the brute
    force, without one full-size MIP for coverage or the engineering budget.
    """
    from tests.collective_factories import with_collective_actions

    scenario = load_scenario(TOY)
    inputs = with_collective_actions(random_inputs(
        n_towns=14, n_groups=6, **CASES["coverage beyond the posts"]))
    expected = _brute_force(inputs, scenario)
    full = build_program(inputs)
    full_size_mips = []
    real_solve = search_module.solve

    def counting(program, settings):
        if (program.n_rows == full.n_rows and program.n_cols > full.n_cols
                and program.integer.sum() == full.integer.sum()):  # the whole elastic MIP
            full_size_mips.append(program.n_cols)
        return real_solve(program, settings)

    monkeypatch.setattr(search_module, "solve", counting)
    found, _ = _searched(inputs, scenario)
    fixes = {fix.family: fix for fix in found.fixes}
    assert set(fixes) == {"engineering_budget", "cover_min"}
    for name in fixes:
        assert fixes[name].needed == pytest.approx(expected[name], rel=1e-9), name
        assert fixes[name].proof == "proven minimal"
    assert full_size_mips == []
