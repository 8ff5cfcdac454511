"""Checks of Cerema's collective actions (``pvd_optim.families.collective``).

Written from the definition (``docs/model.md#collective-actions``) on the events and
attendance of the allocation, never from the matrix. The days the events cost are
checked with the directorates' capacity (``check.reference.check_capacity``).
"""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector
from pvd_optim.families import verify
from pvd_optim.families.collective import (
    COLLECTIVE_ATTENDANCE,
    COLLECTIVE_COUNTS,
    COLLECTIVE_HORIZON,
    COLLECTIVE_MINIMUM,
    collective_region_name,
)
from pvd_optim.inputs import (
    COLLECTIVE_ACTIONS,
    AllocationArrays,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    collective_arrays,
)


def _region_labels(inputs: ModelInputs) -> list[str]:
    return [f"{collective_region_name(inputs, r)}/{action}"
            for r in range(inputs.n_collective_regions) for action in COLLECTIVE_ACTIONS]


def _town_labels(inputs: ModelInputs) -> list[str]:
    return [f"{code}/{action}" for code in inputs.town_codes for action in COLLECTIVE_ACTIONS]


def _events_per_region(inputs: ModelInputs, attendance: np.ndarray) -> np.ndarray:
    """(Rc, A) towns attending per collective region and action (towns outside: none)."""
    position = inputs.collective_of_town
    inside = position >= 0
    out = np.zeros((inputs.n_collective_regions, len(COLLECTIVE_ACTIONS)))
    np.add.at(out, position[inside], attendance[inside])
    return out


@verify(COLLECTIVE_COUNTS)
def check_collective_counts(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Events whole in [0, max]; attendance 0/1, and 0 for a town that may not attend."""
    if not inputs.collective:
        return
    events, attendance = collective_arrays(inputs, a)
    regions, towns = _region_labels(inputs), _town_labels(inputs)
    out.check(regions, -events.ravel(), "<=", 0.0)
    out.check(regions, events.ravel(), "<=",
              np.tile(inputs.collective_max_count, inputs.n_collective_regions))
    out.check(towns, -attendance.ravel(), "<=", 0.0)
    allowed = np.repeat(inputs.may_attend.astype(np.float64), len(COLLECTIVE_ACTIONS))
    out.check(towns, attendance.ravel(), "<=", allowed)
    if not inputs.relax_integers:  # whole events, 0/1 attendance
        out.check(regions, np.abs(events - np.round(events)).ravel(), "<=", 0.0)
        out.check(towns, np.abs(attendance - np.round(attendance)).ravel(), "<=", 0.0)


@verify(COLLECTIVE_ATTENDANCE)
def check_collective_attendance(inputs: ModelInputs, a: AllocationArrays, out: Collector
                                ) -> None:
    """Attendance <= covered (if required); per region <= seats x events; <= its region's
    events."""
    if not inputs.collective:
        return
    events, attendance = collective_arrays(inputs, a)
    towns = _town_labels(inputs)
    if inputs.collective_requires_cover:
        out.check(towns, attendance.ravel(), "<=",
                  np.repeat(a.covered, len(COLLECTIVE_ACTIONS)))
    out.check(_region_labels(inputs), _events_per_region(inputs, attendance).ravel(), "<=",
              (events * inputs.collective_seats[None, :]).ravel())
    position = inputs.collective_of_town
    of_region = np.where(position[:, None] >= 0, events[np.maximum(position, 0)], 0.0)
    out.check(towns, attendance.ravel(), "<=", of_region.ravel())


@verify(COLLECTIVE_HORIZON)
def check_collective_horizon(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector
                             ) -> None:
    """Each town follows at most one training path over the horizon."""
    first = programme.first
    if not first.collective:
        return
    training = COLLECTIVE_ACTIONS.index("training_path")
    paths = sum(collective_arrays(year, year_arrays)[1][:, training]
                for year, year_arrays in zip(programme.years, a.years, strict=True))
    out.check(list(first.town_codes), np.asarray(paths, dtype=np.float64), "<=", 1.0)


@verify(COLLECTIVE_MINIMUM)
def check_collective_minimum(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector
                             ) -> None:
    """Events per region and action >= the minimum, over the horizon or in each year."""
    first = programme.first
    if not first.collective:
        return
    events = [collective_arrays(year, year_arrays)[0]
              for year, year_arrays in zip(programme.years, a.years, strict=True)]
    minimum = np.tile(first.collective_minimum, first.n_collective_regions)
    labels = _region_labels(first)
    if first.collective_minimum_scope == "horizon" or programme.n_years == 1:
        out.check(labels, np.sum(events, axis=0).ravel(), ">=", minimum)
        return
    for year, year_events in zip(programme.years, events, strict=True):
        out.check([f"{year.year}/{label}" for label in labels], year_events.ravel(), ">=",
                  minimum)
