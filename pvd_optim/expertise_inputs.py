"""Cerema's side of the model inputs: which directorate serves each town, and its capacity.

Cerema's expert-days are limited per territorial directorate. A town is served by the
directorate of its department (the embedded mapping, which a scenario may override);
a year's capacity is given per directorate or shared out pro rata eligible towns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["capacity_by_directorate", "directorates"]


def directorates(scenario: Scenario, towns: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each town's Cerema directorate (index into the sorted names), and the names.

    The embedded mapping from department to directorate, with the scenario's
    ``directorate_by_department`` overrides; every town must end up with one.
    """
    from pvd_optim.data import towns as town_data

    mapping = town_data.load_cerema_directorates()
    by_department = dict(zip(mapping["department"], mapping["directorate"], strict=True))
    overrides = scenario.resources.expertise.directorate_by_department
    unknown = sorted(set(overrides) - set(by_department))
    if unknown:
        raise ScenarioError(
            Message("unknown department code(s) {codes}; use codes such as '01', '2A', '974'",
                    codes=str(unknown)),
            **scenario.located("resources.expertise.directorate_by_department"),
        )
    known = set(by_department.values())
    invented = sorted(set(overrides.values()) - known)
    if invented:
        raise ScenarioError(
            Message("unknown directorate name(s) {invented}; known directorates: {known}",
                    invented=str(invented), known=str(sorted(known))),
            **scenario.located("resources.expertise.directorate_by_department"),
        )
    by_department.update(overrides)
    directorate = towns["department"].map(by_department)
    lacking = directorate.isna()
    if lacking.any():
        departments = sorted(towns.loc[lacking, "department"].unique())
        raise ScenarioError(
            Message("{count} eligible town(s) in department(s) {departments} have no Cerema "
                    "directorate; add them to resources.expertise.directorate_by_department",
                    count=int(lacking.sum()), departments=str(departments)),
            **scenario.located("resources.expertise.directorate_by_department"),
        )
    names = tuple(sorted(directorate.unique()))
    return np.searchsorted(np.array(names), directorate.to_numpy()).astype(np.int64), names


def capacity_by_directorate(scenario: Scenario, directorate_of_town: np.ndarray,
                            names: tuple[str, ...], total_days: float) -> np.ndarray:
    """A year's capacity per directorate: given, or ``total_days`` pro rata eligible towns."""
    expertise = scenario.resources.expertise
    if expertise.capacity_days_by_directorate is not None:
        given = expertise.capacity_days_by_directorate
        unknown = sorted(set(given) - set(names))
        missing = [d for d in names if d not in given]
        if unknown or missing:
            raise ScenarioError(
                Message("{unknown}{missing}directorates with eligible towns: {names}",
                        unknown=Message("unknown directorate(s) {names}; ", names=str(unknown))
                        if unknown else "",
                        missing=Message("no capacity for directorate(s) {names} that have "
                                        "eligible towns; ", names=str(missing))
                        if missing else "", names=str(list(names))),
                **scenario.located("resources.expertise.capacity_days_by_directorate"),
            )
        return np.array([float(given[d]) for d in names])
    towns_per = np.bincount(directorate_of_town, minlength=len(names)).astype(float)
    return total_days * towns_per / towns_per.sum()
