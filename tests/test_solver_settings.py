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
    HighsSettings,
    make_highs,
    presolve_guard,
    version,
)
from pvd_optim.pipeline import _options
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
    h = make_highs(build_program(random_inputs()), HighsSettings())
    rule_off = h.getOptionValue("presolve_rule_off")
    rule_off = rule_off[1] if isinstance(rule_off, tuple) else rule_off
    measured_good = version().startswith(("1.13.", "1.14.", "1.15."))
    assert measured_good or int(rule_off) & PARALLEL_ROWS_COLS_RULE


def test_measured_defaults_reach_highs_from_the_scenario() -> None:
    options = _options(load_scenario(SCENARIOS / "national.yaml"))
    assert options.highs_options == (("mip_heuristic_run_root_reduced_cost", False),)
    h = make_highs(build_program(random_inputs()),
                   HighsSettings(extra_options=options.highs_options))
    value = h.getOptionValue("mip_heuristic_run_root_reduced_cost")
    assert (value[1] if isinstance(value, tuple) else value) is False


def test_an_unknown_highs_option_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="HiGHS rejected the option no_such_option"):
        make_highs(build_program(random_inputs()),
                   HighsSettings(extra_options=(("no_such_option", 1),)))
    assert highspy.Highs().getOptionValue("time_limit") is not None


def test_changing_threads_within_a_process_is_a_clear_error() -> None:
    from pvd_optim.errors import SolverError
    from pvd_optim.model.highs import solve

    program = build_program(random_inputs())
    assert solve(program, HighsSettings(threads=1)).status.has_solution
    with pytest.raises(SolverError, match="thread count of the first solve"):
        solve(program, HighsSettings(threads=2))
