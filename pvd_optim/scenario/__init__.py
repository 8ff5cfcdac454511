"""Scenario files: schema (``Scenario``) and loading (``load_scenario``)."""

from pvd_optim.scenario.load import (
    load_scenario,
    parse_overrides,
    scenario_from_dict,
    with_overrides,
)
from pvd_optim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "parse_overrides", "scenario_from_dict", "with_overrides"]
