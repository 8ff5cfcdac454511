"""How solves run: CBC's proved gap, the solver log under --debug, one time limit per run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pvd_optim import load_scenario
from pvd_optim.cli import main
from pvd_optim.model import build_program, solve
from pvd_optim.model.pulp_backend import proved_gap
from pvd_optim.model.solve import SolveBudget, threads_to_use
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


@pytest.mark.parametrize(
    ("log", "objective", "requested", "gap"),
    [
        # Stopped on the gap: CBC logs the absolute gap (its objective is negated).
        ("Cbc0011I Exiting as integer gap of 76.281719 less than 1e-10 or 1%\n"
         "Cbc0001I Search completed - best objective -67904.58, took 0 iterations",
         67904.58, 0.01, 76.281719 / 67904.58),
        # Stopped on a limit with a solution: best objective and best possible bound.
        ("Cbc0005I Partial search - best objective -100 (best possible -110), took 5",
         100.0, 0.0, 0.1),
        # Stopped on a limit before any solution: nothing proved.
        ("Cbc0005I Partial search - best objective 1e+50 (best possible -67980.864)",
         0.0, 0.0, None),
        # A completed search proves gap 0 when none was allowed, else the allowed one.
        ("Cbc0001I Search completed - best objective -5, took 0 iterations", 5.0, 0.0, 0.0),
        ("Cbc0001I Search completed - best objective -5, took 0 iterations", 5.0, 1e-4, 1e-4),
        ("", 5.0, 1e-4, None),
    ],
)
def test_cbc_proved_gap_is_read_from_its_log(log: str, objective: float, requested: float,
                                             gap: float | None) -> None:
    found = proved_gap(log, objective, requested)
    assert found == (None if gap is None else pytest.approx(gap))


def test_cbc_results_carry_the_gap_they_proved() -> None:
    program = build_program(random_inputs(n_towns=20, seed=1))
    result = solve(program, SolverSection(name="cbc", mip_gap=0.0))
    assert result.status.name == "OPTIMAL"
    assert result.mip_gap == 0.0


def test_debug_writes_the_solver_log_to_stderr(tmp_path: Path, capsys) -> None:
    for solver, marker in (("highs", "Running HiGHS"), ("cbc", "Welcome to the CBC MILP Solver")):
        out = tmp_path / solver
        assert main(["run", str(TOY), "--out", str(out), "-q", "--debug",
                     "--solver", solver]) == 0
        captured = capsys.readouterr()
        assert marker in captured.err and marker not in captured.out
    assert main(["run", str(TOY), "--out", str(tmp_path / "quiet"), "-q"]) == 0
    assert "Running HiGHS" not in capsys.readouterr().err


def test_more_threads_than_cores_are_clamped_with_a_note() -> None:
    used, notes = threads_to_use(64)
    assert 1 <= used < 64
    assert notes and "asks for 64 threads" in notes[0]
    assert threads_to_use(1) == (1, ())


def test_follow_ups_share_what_is_left_of_the_run_time_limit() -> None:
    from pvd_optim.assemble import prepare
    from pvd_optim.pipeline import problem_of, solve_problem
    from pvd_optim.postprocess import shadow_prices

    scenario = load_scenario(TOY, {"solver.time_limit_s": 30})
    problem = problem_of(scenario, prepare(scenario))
    solved = solve_problem(problem)
    values = solved.result.require_values()
    spent = SolveBudget(scenario.solver)
    spent.started = time.perf_counter() - 29.5  # the main solve used all but 0.5 s
    prices, notes = shadow_prices(problem, scenario.analysis, solved.program, values,
                                  solved.result.objective, solved.result.mip_gap, spent)
    assert prices.envelope_per_keur is None and prices.value_of_one_more_post is None
    assert any("shadow prices not computed" in note for note in notes)
    assert any("value of one more post not computed" in note for note in notes)
    fresh = SolveBudget(scenario.solver)
    prices, notes = shadow_prices(problem, scenario.analysis, solved.program, values,
                                  solved.result.objective, solved.result.mip_gap, fresh)
    assert prices.envelope_per_keur == pytest.approx(0.4) and notes == ()
    left = fresh.follow_up()
    assert left is not None and left.time_limit_s < 30


def test_explain_heading_says_the_status() -> None:
    from pvd_optim import optimise
    from pvd_optim.explain import explain_markdown
    from pvd_optim.i18n import translator

    text = explain_markdown(optimise(load_scenario(TOY)), translator("en"))
    assert text.splitlines()[0] == "# toy: optimum, proven optimal"


@pytest.mark.parametrize(
    ("options", "line", "problem"),
    [
        ("presolve: maybe", "presolve", "HiGHS refused the value 'maybe' for this string option"),
        ("no_such_option: 1", "no_such_option", "is not a HiGHS option"),
        ("time_limit: 5", "time_limit", "is set by solver.time_limit_s; use that instead"),
    ],
)
def test_a_bad_highs_option_is_refused_by_validate_with_its_line(
        tmp_path: Path, capsys, options: str, line: str, problem: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(f"extends: {TOY}\nname: mine\nsolver:\n  highs_options:\n"
                    f"    mip_heuristic_run_root_reduced_cost: false\n    {options}\n")
    assert main(["validate", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6: solver.highs_options.{line}: {problem}" in err
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 2


def test_a_solver_failure_is_a_planner_message(monkeypatch) -> None:
    """HiGHS's 'Unknown' error used to reach the planner as 'highs failed: Unknown (error)'."""
    import dataclasses

    import pvd_optim.model as model
    from pvd_optim import pipeline
    from pvd_optim.errors import SolverError
    from pvd_optim.model.status import SolveStatus

    real_solve = model.solve

    def failing(program, settings):
        return dataclasses.replace(real_solve(program, settings), status=SolveStatus.ERROR,
                                   raw_status="Unknown", values=None)

    monkeypatch.setattr(model, "solve", failing)  # the pipeline imports it at call time
    with pytest.raises(SolverError, match="could not solve this model \\(Unknown\\)"):
        pipeline.optimise(load_scenario(TOY))
