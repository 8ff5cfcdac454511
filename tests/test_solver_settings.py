"""Solver versions and settings chosen by measurement stay in force."""

from __future__ import annotations

from pathlib import Path

import highspy
import pytest

from pvd_optim import load_scenario
from pvd_optim.errors import InputError
from pvd_optim.model import build_program
from pvd_optim.model.highs import (
    PARALLEL_ROWS_COLS_RULE,
    make_highs,
    presolve_guard,
    version,
)
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize("slow", ["1.16.0", "1.16.2", "1.12.0"])
def test_known_slow_highs_releases_get_the_presolve_fix(slow: str) -> None:
    assert presolve_guard(slow) == (("presolve_rule_off", PARALLEL_ROWS_COLS_RULE),)


@pytest.mark.parametrize("good", ["1.13.1", "1.14.0", "1.15.1"])
def test_measured_good_releases_keep_full_presolve(good: str) -> None:
    assert presolve_guard(good) == ()


def test_installed_highs_is_fast_on_this_model_shape() -> None:
    """Either a release measured good, or the parallel-columns rule is switched off."""
    h = make_highs(build_program(random_inputs()), SolverSection())
    rule_off = h.getOptionValue("presolve_rule_off")
    rule_off = rule_off[1] if isinstance(rule_off, tuple) else rule_off
    measured_good = version().startswith(("1.13.", "1.14.", "1.15."))
    assert measured_good or int(rule_off) & PARALLEL_ROWS_COLS_RULE


def _option(h: highspy.Highs, name: str) -> object:
    value = h.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def test_measured_defaults_reach_highs_from_the_scenario() -> None:
    settings = load_scenario(SCENARIOS / "national.yaml").solver
    assert settings.highs_options == {"mip_heuristic_run_root_reduced_cost": False}
    h = make_highs(build_program(random_inputs()), settings)
    assert _option(h, "mip_heuristic_run_root_reduced_cost") is False
    # A scenario's own choice reaches HiGHS too (HiGHS's default is True).
    mine = settings.model_copy(update={"highs_options": {
        "mip_heuristic_run_root_reduced_cost": True, "mip_feasibility_tolerance": 1e-7}})
    h = make_highs(build_program(random_inputs()), mine)
    assert _option(h, "mip_heuristic_run_root_reduced_cost") is True
    assert _option(h, "mip_feasibility_tolerance") == pytest.approx(1e-7)


def test_an_unknown_highs_option_is_a_clear_input_error() -> None:
    settings = SolverSection(highs_options={"no_such_option": 1})
    with pytest.raises(InputError, match="HiGHS rejected the option no_such_option") as error:
        make_highs(build_program(random_inputs()), settings)
    assert error.value.field == "solver.highs_options"


def test_changing_threads_within_a_process_is_a_clear_error() -> None:
    """HiGHS keeps its first solve's thread pool: shown in a fresh process, whatever ran here."""
    import subprocess
    import sys

    script = (
        "from pvd_optim.errors import SolverError\n"
        "from pvd_optim.model import build_program\n"
        "from pvd_optim.model.highs import solve\n"
        "from pvd_optim.scenario.schema import SolverSection\n"
        "from tests.factories import random_inputs\n"
        "program = build_program(random_inputs())\n"
        "assert solve(program, SolverSection(threads=1)).status.has_solution\n"
        "try:\n"
        "    solve(program, SolverSection(threads=2))\n"
        "except SolverError as exc:\n"
        "    print('refused:', exc)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=root, timeout=120, check=True)
    assert "refused:" in done.stdout and "thread count of the first solve" in done.stdout
