"""The prefects' envelopes of each model year: part of the funding held per département.

A scenario may reserve part of the funding envelope for the prefects
(``resources.funding.prefects``): a reserve ``P`` a year split over the
départements on a basis (eligible towns, population or need, the vocabulary of
``balance.basis``), or an amount given per département. Each département ``d``
holding an envelope ``P_d`` must receive at least ``floor_share x P_d`` of the
year's funding, and, with a ``ceiling_multiple``, at most ``ceiling_multiple x P_d``
(``docs/model.md#prefects-envelopes``). This module turns the section into each
year's :class:`PrefectEnvelopes` (money in k EUR, a partly run year's amounts
scaled by its running share like its envelope) and rejects what cannot be meant,
naming the field and how to fix it.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from pvd_optim.prefect_envelopes import PrefectEnvelopes

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.inputs import ModelInputs, ProgrammeInputs
    from pvd_optim.scenario.prefects_section import PrefectsSection
    from pvd_optim.scenario.schema import Scenario

#: The scenario field of the section, for error messages.
FIELD = "resources.funding.prefects"


def _error(scenario: Scenario, message: str, field: str = FIELD) -> Exception:
    from pvd_optim.errors import ScenarioError

    return ScenarioError(message, **scenario.located(field))


def _department_table() -> pd.DataFrame:
    from pvd_optim.data import towns

    return towns.load_departments().set_index("code")


def _basis_weights(section: PrefectsSection, first: ModelInputs) -> NDArray[np.float64]:
    """Each town's weight in the split of the reserve (the ``balance.basis`` vocabulary)."""
    return {"towns": np.ones(first.n_towns), "population": first.population,
            "need": first.need.mean(axis=1)}[section.split_basis] * first.eligible


def attach_prefects(scenario: Scenario, table: pd.DataFrame,
                    inputs: ModelInputs | ProgrammeInputs) -> ModelInputs | ProgrammeInputs:
    """``inputs`` with every year's prefects' envelopes (unchanged without the section)."""
    from pvd_optim.inputs import EUR_PER_UNIT, ProgrammeInputs, as_programme

    section = scenario.resources.funding.prefects
    if section is None:
        return inputs
    programme = as_programme(inputs)
    first = programme.first
    department = table.loc[list(first.town_codes), "department"].astype(str).to_numpy()
    known = _department_table()
    codes, names = _held_departments(scenario, section, first, department, known)
    position = {code: h for h, code in enumerate(codes)}
    department_of_town = np.array([position.get(code, -1) for code in department],
                                  dtype=np.int64)
    region_of_department = np.array(
        [first.region_of_town[np.flatnonzero(department_of_town == h)[0]]
         for h in range(len(codes))], dtype=np.int64)
    full_year = _full_year_envelopes_eur(scenario, section, first, department_of_town,
                                         len(codes), programme)
    years = []
    for y, year in enumerate(programme.years):
        envelope = full_year[y] * year.running_share / EUR_PER_UNIT
        years.append(dataclasses.replace(year, prefects=PrefectEnvelopes(
            codes, names, region_of_department, department_of_town, envelope,
            section.floor_share,
            math.inf if section.ceiling_multiple is None else section.ceiling_multiple,
            section.split_basis)))
    if isinstance(inputs, ProgrammeInputs):
        return dataclasses.replace(inputs, years=tuple(years))
    return years[0]


def _held_departments(scenario: Scenario, section: PrefectsSection, first: ModelInputs,
                      department: np.ndarray, known: pd.DataFrame
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The départements holding an envelope (codes, names), in code order."""
    competing = set(department[first.eligible])
    if section.by_department is not None:
        field = f"{FIELD}.by_department"
        given = sorted(section.by_department)
        unknown = [code for code in given if code not in known.index]
        if unknown:
            raise _error(scenario, f"unknown département code(s) {unknown}; use codes such as "
                         "'01', '2A', '974'", field)
        empty = [code for code in given if code not in competing]
        if empty:
            raise _error(scenario, f"département(s) {empty} have no eligible town: their "
                         "prefect's envelope could not be spent; remove them", field)
        codes = tuple(given)
    else:
        codes = tuple(sorted(competing))
    return codes, tuple(str(known.loc[code, "name"]) for code in codes)


def _full_year_envelopes_eur(scenario: Scenario, section: PrefectsSection, first: ModelInputs,
                             department_of_town: NDArray[np.int64], count: int,
                             programme: ProgrammeInputs) -> list[NDArray[np.float64]]:
    """Each year's envelope per held département, for a full year (EUR).

    The reserve is split over the towns that have joined by the year (as fair shares
    are): a département none of whose towns has joined holds no envelope that year.
    """
    envelope = scenario.by_year(scenario.resources.funding.envelope_eur)
    out: list[NDArray[np.float64]] = []
    if section.by_department is not None:
        given = np.array([section.by_department[code] for code in
                          sorted(section.by_department)], dtype=np.float64)
        reserve: tuple[float, ...] = (float(given.sum()),) * programme.n_years
        field = f"{FIELD}.by_department"
    else:
        assert section.reserve_eur is not None
        reserve = scenario.by_year(section.reserve_eur)
        field = f"{FIELD}.reserve_eur"
    weights = _basis_weights(section, first) if section.by_department is None else None
    for y, year in enumerate(programme.years):
        when = f" in {year.year}" if programme.n_years > 1 else ""
        if reserve[y] > envelope[y]:
            raise _error(scenario, f"the prefects' envelopes sum to {reserve[y]:,.0f} EUR"
                         f"{when}, above the funding envelope of {envelope[y]:,.0f} EUR they "
                         "are part of; lower them, or raise resources.funding.envelope_eur",
                         field)
        joined = year.joined & (department_of_town >= 0)
        if section.by_department is not None:
            waiting = [code for h, code in enumerate(sorted(section.by_department))
                       if not joined[department_of_town == h].any()]
            if waiting:
                raise _error(scenario, f"département(s) {waiting} hold an envelope{when} but "
                             f"none of their eligible towns has joined the programme by "
                             f"{year.year}; remove them or set programme.entry: first_year",
                             field)
            out.append(given)
            continue
        assert weights is not None
        per_department = np.bincount(department_of_town[joined], weights=weights[joined],
                                     minlength=count).astype(np.float64)
        total = per_department.sum()
        if total <= 0 and reserve[y] > 0:
            raise _error(scenario, f"basis {section.split_basis!r} sums to 0 over the towns that "
                         f"have joined{when}; choose another basis", f"{FIELD}.basis")
        out.append(reserve[y] * per_department / total if total > 0 else per_department)
    return out


__all__ = ["FIELD", "attach_prefects"]
