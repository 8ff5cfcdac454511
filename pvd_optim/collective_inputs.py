"""From the scenario's ``collective_actions`` section to the model inputs' ``collective_*`` fields.

Which regions hold collective actions (the 13 mainland regions, or every region with
``regions: all``), which Cerema directorate covers each one, and the actions' seats,
costs, values and counts in model units (k EUR). The rows and the checks read only
these fields (``docs/model.md#collective-actions``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import COLLECTIVE_ACTIONS, EUR_PER_UNIT, ModelInputs
from pvd_optim.scenario.schema import Scenario

#: Region codes of mainland France start at 11 (Île-de-France); 01 to 06 are the overseas
#: regions (INSEE COG).
FIRST_MAINLAND_REGION = 11


def covering_directorates(inputs: ModelInputs, regions: np.ndarray) -> np.ndarray:
    """(len(regions),) the directorate of most of each region's eligible towns.

    Cerema's territorial directorates do not follow the regions' borders (Occitanie is
    split between Sud-Ouest and Méditerranée): a regional event is run, and paid for in
    expert-days, by one directorate, and the one whose towns are most of the region's is
    the one that would organise it. A tie goes to the directorate first in name order.
    """
    counts = np.zeros((inputs.n_regions, inputs.n_directorates), dtype=np.int64)
    np.add.at(counts, (inputs.region_of_town[inputs.eligible],
                       inputs.directorate_of_town[inputs.eligible]), 1)
    return np.asarray(counts[regions].argmax(axis=1), dtype=np.int64)


def with_collective(scenario: Scenario, inputs: ModelInputs) -> ModelInputs:
    """``inputs`` with the scenario's collective actions (unchanged when they are off)."""
    section = scenario.collective_actions
    if not section.enabled:
        return inputs
    if section.benefit_theme not in inputs.themes:
        raise ScenarioError(Message(
            "benefit_theme {theme} is not a theme of the scenario; its themes are {themes}",
            theme=repr(section.benefit_theme), themes=str(list(inputs.themes))),
            **scenario.located("collective_actions.benefit_theme"))
    holds = np.array([section.regions == "all" or _is_mainland(code)
                      for code in inputs.region_codes], dtype=bool)
    # A region with no eligible town (kept only for commitments) holds no event.
    with_towns = np.bincount(inputs.region_of_town[inputs.eligible],
                             minlength=inputs.n_regions) > 0
    regions = np.flatnonzero(holds & with_towns).astype(np.int64)
    actions = [section.action(name) for name in COLLECTIVE_ACTIONS]
    years = len(scenario.year_numbers)
    for name, action in zip(COLLECTIVE_ACTIONS, actions, strict=True):
        most = action.max_per_region_year * (years if section.minimum_scope == "horizon" else 1)
        if action.minimum_per_region > most:
            raise ScenarioError(Message(
                "{action}.minimum_per_region ({minimum}) exceeds the {most} events a region can "
                "hold ({per_year} a year); lower the minimum or raise max_per_region_year",
                action=name, minimum=action.minimum_per_region, most=most,
                per_year=action.max_per_region_year),
                **scenario.located(f"collective_actions.{name}.minimum_per_region"))
    return dataclasses.replace(
        inputs,
        collective_region=regions,
        collective_directorate=covering_directorates(inputs, regions),
        collective_seats=np.array([float(a.seats) for a in actions]),
        collective_days=np.array([float(a.expert_days) for a in actions]),
        collective_value_keur=np.array([a.value_per_town_eur / EUR_PER_UNIT for a in actions]),
        collective_max_count=np.array([float(a.max_per_region_year) for a in actions]),
        collective_minimum=np.array([float(a.minimum_per_region) for a in actions]),
        collective_need=np.ascontiguousarray(
            inputs.need[:, inputs.themes.index(section.benefit_theme)], dtype=np.float64),
        collective_further_discount_keur=section.further_action_discount_eur / EUR_PER_UNIT,
        collective_requires_cover=section.requires_project_lead,
        collective_minimum_scope=section.minimum_scope,
    )


def _is_mainland(code: str) -> bool:
    try:
        return int(code) >= FIRST_MAINLAND_REGION
    except ValueError:
        return True  # a planner's own region code: not an overseas INSEE code
