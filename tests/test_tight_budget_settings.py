"""tight-budget's measured HiGHS settings (issue 16, item 2; ``scenarios/tight-budget.yaml``).

With a third less money the relaxation is fractional and HiGHS's primal heuristics took
most of the main solve (295 s against 81 s with them off, one run, benchmarks/README.md).
A scenario's ``highs_options`` replaces the default mapping, so it must also carry the
default's own measured options, or setting one option would silently drop them.
"""

from __future__ import annotations

from pathlib import Path

from pvd_optim import load_scenario
from pvd_optim.scenario.schema import MEASURED_HIGHS_OPTIONS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

HEURISTICS_OFF = {"mip_heuristic_effort": 0, "mip_heuristic_run_rins": False,
                  "mip_heuristic_run_rens": False, "mip_heuristic_run_feasibility_jump": False}


def test_tight_budget_runs_without_primal_heuristics_and_keeps_the_default_options() -> None:
    options = load_scenario(SCENARIOS / "tight-budget.yaml").solver.highs_options
    assert options == {**MEASURED_HIGHS_OPTIONS, **HEURISTICS_OFF}


def test_national_keeps_the_default_options() -> None:
    """The setting is tight-budget's own: national's main solve is measured with the default."""
    options = load_scenario(SCENARIOS / "national.yaml").solver.highs_options
    assert options == MEASURED_HIGHS_OPTIONS
